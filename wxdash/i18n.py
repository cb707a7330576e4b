"""Translations: every user-facing string goes through `_()`, so wxdash speaks English and Chinese.

Messages are written in English in the code and looked up at call time (not at import time),
so switching the language while the app runs changes every label drawn afterwards.
Catalogs are standard gettext files under `wxdash/locale/`.
"""

from __future__ import annotations

import gettext
import os
import unicodedata
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "wxdash"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "zh")
# gettext looks these up under LOCALE_DIR/<code>/LC_MESSAGES/wxdash.mo
_CATALOG_CODES = {"en": None, "zh": "zh_CN"}

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def _(message: str) -> str:
    """Translate `message` into the current language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message whose wording depends on a count."""
    return _translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """Translate `message` as meant in `context` (a short tab label and a long one, say)."""
    return _translations.pgettext(context, message)


def N_(message: str) -> str:
    """Mark `message` for the catalog without translating it yet (for tables built at import)."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural message for the catalog; it is translated later with `ngettext`."""
    return singular, plural


def language() -> str:
    """The current language code: "en" or "zh"."""
    return _language


def set_language(lang: str) -> None:
    """Switch every later `_()` call to `lang` ("en" or "zh")."""
    global _translations, _language
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    code = _CATALOG_CODES[lang]
    if code is None:
        _translations = gettext.NullTranslations()
    else:
        _translations = gettext.translation(
            DOMAIN, localedir=LOCALE_DIR, languages=[code], fallback=True
        )
    _language = lang


def normalize_language(value: str) -> str | None:
    """Map what a user types (`zh`, `zh_CN.UTF-8`, `en-US`, `中文`) to a language code."""
    text = value.strip().lower()
    if text.startswith("zh") or text in {"中文", "cn", "chinese"}:
        return "zh"
    if text.startswith("en") or text in {"c", "posix", "english"}:
        return "en"
    return None


def detect_language(environ: Mapping[str, str] | None = None) -> str:
    """The language POSIX would pick: the first of LC_ALL, LC_MESSAGES, LANG that is set decides."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


# Closing punctuation that must not start a line (it stays with the character before it).
_NO_LINE_START = set("，。、；：？！）」』》〉】”’,.;:?!)]}")


def sentences(*parts: str) -> str:
    """Sentences run together as the language writes them: a space after `.`, none after
    the full-width `。` (Chinese puts no space between sentences). Empty parts are left out."""
    text = ""
    for part in filter(None, (p.strip() for p in parts)):
        text += part if not text or text[-1] in "。！？：；）" else " " + part
    return text


def cells(text: str) -> int:
    """Terminal cells `text` takes: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _joins(piece: str, ch: str) -> bool:
    """Whether `ch` continues `piece` rather than starting a new piece of a line."""
    if ch.isspace() or piece[-1].isspace():
        return ch.isspace() and piece[-1].isspace()
    if ch in _NO_LINE_START:
        return True
    return not _wide(ch) and not _wide(piece[-1])


def wrap(text: str, width: int) -> list[str]:
    """Break `text` into lines of at most `width` cells: at spaces, and between any two CJK
    characters, since Chinese puts no spaces between words (textwrap would leave a Chinese
    sentence as one over-long line). Closing punctuation never starts a line."""
    pieces: list[str] = []  # spaces, words, single wide characters (with their punctuation)
    for ch in text:
        if pieces and _joins(pieces[-1], ch):
            pieces[-1] += ch
        else:
            pieces.append(ch)
    lines: list[str] = []
    line = ""
    for piece in pieces:
        if line.strip() and not piece.isspace() and cells(line + piece) > width:
            lines.append(line.rstrip())
            line = ""
        if line or not piece.isspace():
            line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]
