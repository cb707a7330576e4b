"""Writing a file whole: a reader, or a crash, never sees half of it."""

from __future__ import annotations

import contextlib
import itertools
import os
from pathlib import Path

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_FLAGS |= getattr(os, "O_BINARY", 0)  # Windows would turn each \n into \r\n
_numbers = itertools.count()


def replace_file(
    path: Path, data: bytes, *, mode: int = 0o600, mtime_ns: int | None = None
) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`; the file's
    modification time is `mtime_ns` if given."""
    fd, temp = _create_beside(path, mode)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if hasattr(os, "fchmod"):  # exactly `mode`, whatever the umask
                os.fchmod(fd, mode)
        finally:
            os.close(fd)
        if not hasattr(os, "fchmod"):
            os.chmod(temp, mode)
        if mtime_ns is not None:
            os.utime(temp, ns=(mtime_ns, mtime_ns))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _create_beside(path: Path, mode: int) -> tuple[int, str]:
    """A new file in `path`'s folder, named by this process and a count: unique among
    writers without mkstemp's random names (a fleet writes a thousand cache files). O_EXCL
    still refuses a name left by a crashed process that had the same pid."""
    stem = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}")
    while True:
        temp = f"{stem}.{next(_numbers)}.tmp"
        try:
            return os.open(temp, _FLAGS, mode), temp
        except FileExistsError:
            continue
