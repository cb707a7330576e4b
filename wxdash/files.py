"""Local files written whole, read without waiting on a FIFO, in folders of the user's own."""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import stat
from pathlib import Path

from wxdash.i18n import _

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


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
# Opening a FIFO for reading waits for a writer; without blocking it returns at once, and the
# file's type is checked before a byte is read. It changes nothing for a regular file.
_READ_FLAGS |= getattr(os, "O_NONBLOCK", 0)


class NotRegularFileError(OSError):
    """A FIFO, device or folder where wxdash expected a file."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(errno.EINVAL, "not a regular file", str(path))


def read_regular(path: Path | str, *, follow: bool = True) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file at `path` and its status. Never waits: a FIFO, device or
    folder is a NotRegularFileError; with `follow=False` a symlink is an OSError too (ELOOP)."""
    flags = _READ_FLAGS if follow else _READ_FLAGS | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegularFileError(path)
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks), status
    finally:
        os.close(fd)


def foreign_owner(folder: Path) -> int | None:
    """The owner of `folder` if it exists and belongs to another user, else None."""
    if not hasattr(os, "geteuid"):
        return None
    try:
        owner = os.stat(folder).st_uid
    except OSError:
        return None
    return owner if owner != os.geteuid() else None


class ForeignFolderError(OSError):
    """A folder wxdash would keep its own files in belongs to another user."""

    def __init__(self, folder: Path, owner: int) -> None:
        super().__init__(errno.EPERM, "owned by another user", str(folder))
        self.folder = folder
        self.owner = owner

    def __str__(self) -> str:
        message = _(
            "The cache folder {folder} belongs to another user (uid {owner}): wxdash neither "
            "reads nor writes it."
        ).format(folder=self.folder, owner=self.owner)
        hint = _("Remove it, or set XDG_CACHE_HOME to a folder of your own.")
        return message + "\n  " + _("hint: {hint}").format(hint=hint)


def check_owner(*folders: Path) -> None:
    """ForeignFolderError for the first of `folders` that belongs to another user."""
    for folder in folders:
        owner = foreign_owner(folder)
        if owner is not None:
            raise ForeignFolderError(folder, owner)


def private_folder(folder: Path) -> None:
    """Make `folder` (and its parents) 0700; ForeignFolderError if it is another user's."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_owner(folder)
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o700)
