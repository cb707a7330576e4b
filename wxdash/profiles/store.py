"""The profile store: one config file, read and checked, and saved with one change at a time."""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from wxdash.files import read_regular
from wxdash.i18n import _
from wxdash.profiles.config import Config, Problem
from wxdash.profiles.edits import Change
from wxdash.profiles.reading import build_config, read_document
from wxdash.profiles.saving import dumps_document, locked, write_atomic


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What a save wrote, and whether it had to apply the change on top of another's."""

    config: Config
    merged: bool = False  # the file had changed on disk; the change was applied on top

    @property
    def notice(self) -> str | None:
        if not self.merged:
            return None
        return _(
            "{path} was changed by another program since wxdash read it: your change was "
            "applied on top of that version (the previous file is in {backup})."
        ).format(path=self.config.path.name, backup=self.config.path.name + ".bak")


@dataclass
class ProfileStore:
    """Reads and saves one config file."""

    path: Path
    _seen: bytes | None = field(default=None, repr=False)
    _polled: tuple[bytes | None] | None = field(default=None, repr=False)

    def load(self) -> Config:
        """Read and check the file. ConfigError if it cannot be read or is not TOML."""
        found = read_document(self.path)
        if found is None:
            self._seen = None
            return build_config(self.path, None)
        doc, raw = found
        self._seen = raw
        return build_config(self.path, doc)

    def changed_on_disk(self, *, settle: bool = False) -> bool:
        """Whether the file differs from what `load()` last read. With `settle`, only once it
        has stayed the same since the previous call (an editor may still be writing it)."""
        try:
            current = read_regular(self.path)[0]  # a FIFO must not stop the dashboard
        except FileNotFoundError:
            current = None
        except OSError:
            return True
        if current == self._seen:
            return False
        if not settle:
            return True
        settled, self._polled = self._polled == (current,), (current,)
        return settled

    def save(self, change: Change) -> SaveResult:
        """Apply `change` to the file as it is now and write it atomically, holding the lock
        from the read to the rename: another wxdash saving at the same time waits, then
        applies its change on top of this one."""
        with locked(self.path):
            found = read_document(self.path)
            doc, raw = found if found is not None else ({}, None)
            merged = raw != self._seen
            change(doc)
            data = dumps_document(doc).encode("utf-8")
            config = build_config(self.path, tomllib.loads(data.decode("utf-8")))
            write_atomic(self.path, data, backup=raw)
        self._seen = data
        return SaveResult(config, merged=merged)


def secrets_exposed(config: Config) -> Problem | None:
    """A warning if the file holds a literal access_token or appsecret and other users may
    read it (group or others have read permission), with the chmod that fixes it."""
    tokens = [p.token for p in config.profiles]
    tokens += [config.platform.token] if config.platform is not None else []
    keys = sorted({t.kind.value for t in tokens if t.kind.secret})
    if not keys or not config.exists or os.name == "nt":  # Windows has no such mode bits
        return None
    try:
        mode = stat.S_IMODE(os.stat(config.path).st_mode)
    except OSError:
        return None
    if not mode & 0o044:
        return None
    message = _(
        "this file holds a literal {keys} that other users can read (mode {mode:o}); make it "
        "private with: chmod 600 {path}"
    ).format(keys=", ".join(keys), mode=mode, path=config.path)
    return Problem("warning", str(config.path), message)
