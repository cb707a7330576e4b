"""A fleet's webview verification files: each profile's file asked of WeChat, then written to
one folder byte for byte, a file shared by several merchants once, and two different files
under one name not at all (a domain's root holds one file of a name)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wxdash.changes.confirmcheck import ConfirmFile, confirm_file
from wxdash.files import replace_file
from wxdash.i18n import N_, _
from wxdash.wechat.errors import WxDashError

if TYPE_CHECKING:
    from wxdash.fleet import Fleet
    from wxdash.profiles import Profile

log = logging.getLogger("wxdash.changes.confirmfiles")

FILE_MODE = 0o644  # a file to upload to a web server, not a secret
SHOWN_NAMES = 3  # the other merchants a conflict names before it counts the rest


class NotWrittenError(WxDashError):
    """A file WeChat gave that wxdash did not write: a name clash, or the folder refused it."""

    kind = "file"

    def __init__(self, template: str, hint: str, /, **params: Any) -> None:
        super().__init__(template, **params)
        self._hint = hint

    @property
    def hint(self) -> str:
        return _(self._hint)


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """One profile's file: what WeChat gave, where it was written, or why it was not."""

    profile: Profile
    file: ConfirmFile | None = None
    path: Path | None = None
    error: WxDashError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def fetch_files(fleet: Fleet, profiles: list[Profile], concurrency: int) -> list[FileOutcome]:
    """Each profile's verification file, asked `concurrency` at a time, in the profiles' order."""
    from wxdash.fleet import UnexpectedError

    limit = asyncio.Semaphore(concurrency)

    async def one(profile: Profile) -> FileOutcome:
        async with limit:
            try:
                file = await confirm_file(fleet.client, profile.api_base, fleet.source(profile))
            except WxDashError as error:
                return FileOutcome(profile, error=error)
            except (asyncio.CancelledError, KeyboardInterrupt):
                raise
            except Exception as exc:
                log.exception("unexpected error asking the file of %r", profile.name)
                return FileOutcome(profile, error=UnexpectedError.of(exc))
        return FileOutcome(profile, file)

    return list(await asyncio.gather(*(one(p) for p in profiles)))


def write_files(outcomes: list[FileOutcome], folder: Path) -> list[FileOutcome]:
    """The outcomes with each file written to `folder` as FILE_NAME (once for every merchant
    that needs the same file), or failed: a name that two different files share is written
    for none of them."""
    contents: dict[str, set[bytes]] = {}
    for outcome in outcomes:
        if outcome.file is not None:
            contents.setdefault(outcome.file.name, set()).add(outcome.file.content)
    written: dict[str, Path | WxDashError] = {}
    done: list[FileOutcome] = []
    for outcome in outcomes:
        file = outcome.file
        if file is None or outcome.error is not None:
            done.append(outcome)
        elif len(contents[file.name]) > 1:
            done.append(dataclasses.replace(outcome, error=_clash(outcome, outcomes)))
        else:
            if file.name not in written:
                written[file.name] = _write(folder, file)
            where = written[file.name]
            if isinstance(where, Path):
                done.append(dataclasses.replace(outcome, path=where))
            else:
                done.append(dataclasses.replace(outcome, error=where))
    return done


def _write(folder: Path, file: ConfirmFile) -> Path | WxDashError:
    """Write the file through a temporary file and a rename: a link planted at its name is
    replaced, never followed. The name is a plain one: confirm_file refuses any other."""
    path = folder / file.name
    try:
        replace_file(path, file.content, mode=FILE_MODE)
    except OSError as error:
        return NotWrittenError(
            N_("{path} could not be written: {reason}"),
            N_("Check that the --out folder is one you can write to."),
            path=str(path),
            reason=error.strerror or type(error).__name__,
        )
    return path


def _clash(outcome: FileOutcome, outcomes: Iterable[FileOutcome]) -> NotWrittenError:
    assert outcome.file is not None
    name, content = outcome.file.name, outcome.file.content
    others = [
        o.profile.name
        for o in outcomes
        if o.file is not None and o.file.name == name and o.file.content != content
    ]
    shown = ", ".join(others[:SHOWN_NAMES])
    if len(others) > SHOWN_NAMES:
        shown += f" (+{len(others) - SHOWN_NAMES:,})"
    return NotWrittenError(
        N_("{file} is also the name of a different file for {others}: neither was written"),
        N_(
            "A domain's root holds one file of a name: write these merchants' files one at a "
            "time (-p NAME), and upload each and add its domains before the next."
        ),
        file=name,
        others=shown,
    )
