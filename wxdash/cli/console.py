"""Where a command's words go: stdout and stderr, kept safe, and the debug log."""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from wxdash.cli import EXIT_FAILED, UsageError
from wxdash.i18n import _
from wxdash.safetext import visible
from wxdash.wechat.redact import RedactingFilter

# Without any handler, logging's last resort would print an error's traceback to stderr.
logging.getLogger("wxdash").addHandler(logging.NullHandler())


def safe_streams() -> None:
    # A terminal that cannot show a character gets an escape instead of a crash.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


def setup_logging(args: argparse.Namespace, *, tui: bool) -> None:
    """--log to a file, and --verbose to stderr (but not under the dashboard, which owns it)."""
    logger = logging.getLogger("wxdash")
    handlers: list[logging.Handler] = []
    if args.log:
        handlers.append(logging.StreamHandler(_open_log(args.log)))
    if args.verbose and not tui:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    if handlers:
        logger.setLevel(logging.DEBUG)


def _open_log(path: str) -> TextIO:
    """--log FILE for appending: created private (0600), never written through a link."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    # A FIFO without a reader would block the open; this makes it an error instead.
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UsageError(
                _(
                    "The log file {path} is a symbolic link; wxdash does not write through one"
                ).format(path=visible(path)),
                _("Remove the link, or give --log a path of its own (-v logs to stderr)."),
            ) from None
        raise UsageError(
            _("Cannot write the log file {path}: {reason}").format(
                path=visible(path), reason=exc.strerror
            ),
            _("Give --log a file in a folder you can write to."),
        ) from None
    os.set_blocking(fd, True)
    return open(fd, "a", encoding="utf-8", errors="backslashreplace")


def print_error(message: str, hint: str = "", stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    print(f"wxdash: {message}", file=out)
    if hint:
        print("  " + _("hint: {hint}").format(hint=hint), file=out)


def print_notice(notice: str) -> None:
    """A line on stderr that is not an error, such as what a save had to work around."""
    print(f"wxdash: {notice}", file=sys.stderr)


def write(text: str) -> None:
    """Write to stdout now: a pipe would otherwise hold it back until the end."""
    sys.stdout.write(text)
    sys.stdout.flush()


@contextlib.contextmanager
def quiet_pipe() -> Iterator[None]:
    """`wxdash fetch | head` should end quietly when head stops reading."""
    try:
        yield
    except BrokenPipeError:
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(EXIT_FAILED) from None
