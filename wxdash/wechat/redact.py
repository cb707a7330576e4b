"""Keep secrets out of every text wxdash shows or logs.

Every token and appsecret wxdash obtains is registered here; `redact()` removes registered
secrets and anything that looks like an `access_token=` or `secret=` parameter from a text.
Errors, log lines and CLI output are built from redacted text only.
"""

from __future__ import annotations

import logging
import re
import threading

from wxdash.safetext import visible

MASK = "••••"
# Short strings would redact ordinary words; real tokens are far longer.
_MIN_SECRET_LENGTH = 8
_PARAM = re.compile(r"((?:access_token|secret|appsecret)=)[^&\s\"']+", re.IGNORECASE)

_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(secret: str | None) -> None:
    """Remember `secret` so that `redact()` removes it from any text from now on."""
    if secret and len(secret) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """`text` with every registered secret and token-like URL parameter masked."""
    text = _PARAM.sub(lambda m: m.group(1) + MASK, text)
    if _secrets:
        with _lock:
            secrets = sorted(_secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
    return text


def mask(secret: str) -> str:
    """A token as the header shows it: only its last four characters (`••••3f2a`)."""
    tail = secret[-4:] if len(secret) >= 12 else ""
    return MASK + tail


class RedactingFilter(logging.Filter):
    """A logging filter that makes each record's final message safe to write: secrets masked,
    and control characters (from an errmsg, a reason phrase) escaped line by line, so that a
    log read in a terminal cannot act on it. Attach it to every handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            # Keep the traceback for support, redacted: it may quote a URL with a token.
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = record.exc_text = None
        record.msg = "\n".join(visible(line) for line in redact(message).split("\n"))
        record.args = None
        return True
