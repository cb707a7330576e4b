"""Putting the document on disk: TOML a person can extend by hand, written atomically.

A save goes through a temporary file (fsync, then rename), keeps the previous version as
`config.toml.bak`, uses mode 0600 in a 0700 folder, and never leaves a half-written file.
`locked` makes a whole read-modify-write exclusive among wxdash processes (`config.toml.lock`).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import tomli_w

from wxdash.i18n import N_
from wxdash.profiles.config import ConfigError
from wxdash.profiles.location import APP_NAME


def dumps_document(doc: Mapping[str, Any]) -> str:
    """The document as TOML, each profile under its own `[[profiles]]` header.

    tomli-w writes an array of short tables inline (`profiles = [{...}]`), and TOML forbids
    adding `[[profiles]]` to an inline array: a person who then appends a profile by hand, as
    the README shows, would break the file.
    """
    profiles = doc.get("profiles")
    if not (isinstance(profiles, list) and all(isinstance(t, dict) for t in profiles)):
        return tomli_w.dumps(doc)
    rest = {k: v for k, v in doc.items() if k != "profiles"}
    parts = [tomli_w.dumps(rest)] if rest else []
    for table in profiles:
        # Sub-tables of a profile belong to it: [notes] becomes [profiles.notes].
        body = re.sub(r"^(\[+)", r"\1profiles.", tomli_w.dumps(table), flags=re.MULTILINE)
        parts.append("[[profiles]]\n" + body)
    text = "\n".join(parts)
    return text if tomllib.loads(text) == doc else tomli_w.dumps(doc)


def write_atomic(path: Path, data: bytes, *, backup: bytes | None) -> None:
    """Write `data` to `path` so that a crash at any point leaves the old or the new file whole.

    `backup`, the file's previous content, goes to `<name>.bak` first (also atomically).
    A symlinked file (dotfiles) is written where it points, so the link stays a link.
    """
    try:
        if path.is_symlink():
            path = path.resolve()
        _secure_folder(path.parent)
        _remove_stale_temps(path)
        if backup is not None:
            _replace_with(path.with_name(path.name + ".bak"), backup)
        _replace_with(path, data)
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except OSError as exc:
        raise _save_error(path, exc) from None


def _save_error(path: Path, exc: OSError) -> ConfigError:
    return ConfigError(
        N_("Could not save {path}: {reason}"),
        hint=N_("Nothing was changed; check that the folder is writable and has space."),
        path=str(path),
        reason=exc.strerror or type(exc).__name__,
    )


def _secure_folder(folder: Path) -> None:
    """Create the folder 0700; tighten an existing one only if it is wxdash's own."""
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if created or folder.name == APP_NAME:
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)


_TEMP_PID = re.compile(r"\.(\d+)\.[^.]+\.tmp$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, it is just not ours
    return True


def _remove_stale_temps(path: Path) -> None:
    """Temporary files left by a save that was killed half-way. Each carries the saving
    process's id, so a save in progress in another wxdash is left alone."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        found = _TEMP_PID.search(stale.name)
        if found is None or not _alive(int(found.group(1))):
            with contextlib.suppress(OSError):
                stale.unlink()


def _replace_with(path: Path, data: bytes) -> None:
    prefix = f".{path.name}.{os.getpid()}."
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


# How long a save waits for another wxdash's save to end (each takes milliseconds).
LOCK_PATIENCE = 15.0


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the lock beside the config file: `config.toml.lock`, locked with flock (released
    by the system if a holder dies, so a lock file left behind blocks nothing). Without flock
    (Windows), saves are not locked."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    real = path.resolve() if path.is_symlink() else path
    lock = real.with_name(real.name + ".lock")
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        _secure_folder(lock.parent)
        fd = os.open(lock, flags, 0o600)
    except OSError as exc:
        raise _save_error(real, exc) from None
    try:
        deadline = time.monotonic() + LOCK_PATIENCE
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ConfigError(
                        N_("Another program kept {path} locked for {seconds} s: nothing was saved"),
                        hint=N_("Close the other wxdash that is saving it, then try again."),
                        path=str(real),
                        seconds=int(LOCK_PATIENCE),
                    ) from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # and with it the lock
