"""`wxdash domains confirmfiles`: which merchant needs which verification file, where it was
written, as text or JSON (the files' bytes are in the folder, not here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wxdash.i18n import _, ngettext
from wxdash.output.formats import dumps, pad, width
from wxdash.safetext import visible

if TYPE_CHECKING:
    from wxdash.changes.confirmfiles import FileOutcome


def _row(outcome: FileOutcome) -> dict[str, Any]:
    file = outcome.file
    return {
        "name": outcome.profile.name,
        "appid": outcome.profile.appid,
        "file_name": file.name if file is not None else None,
        "path": os.fspath(outcome.path) if outcome.path is not None else None,
        "ok": outcome.ok,
        "error": outcome.error.to_json() if outcome.error is not None else None,
    }


def _counts(outcomes: list[FileOutcome]) -> dict[str, int]:
    return {
        "files": len({o.path for o in outcomes if o.path is not None}),
        "profiles": sum(1 for o in outcomes if o.ok),
        "failed": sum(1 for o in outcomes if not o.ok),
    }


def files_json(outcomes: list[FileOutcome], folder: Path) -> str:
    rows = [_row(o) for o in outcomes]
    return dumps({"folder": os.fspath(folder), "files": rows, "summary": _counts(outcomes)}) + "\n"


def files_text(outcomes: list[FileOutcome], folder: Path) -> str:
    """A line per profile (its name, appid, file name, and written or why not), a summary,
    and what to do with the files."""
    rows = [
        (
            visible(o.profile.name),
            visible(o.profile.appid),
            visible(o.file.name) if o.file is not None else "-",
            _("written")
            if o.error is None
            else _("failed: {message}").format(message=visible(o.error.message)),
        )
        for o in outcomes
    ]
    columns = [max((width(row[i]) for row in rows), default=0) + 2 for i in range(3)]
    lines = ["".join(pad(cell, w) for cell, w in zip(row, columns, strict=False)) + row[3]
             for row in rows]  # fmt: skip
    counts = _counts(outcomes)
    summary = _("{files} to {folder}, for {profiles}").format(
        files=ngettext("Wrote {n} file", "Wrote {n} files", counts["files"]).format(
            n=f"{counts['files']:,}"
        ),
        folder=visible(os.fspath(folder)),
        profiles=ngettext("{n} profile", "{n} profiles", counts["profiles"]).format(
            n=f"{counts['profiles']:,}"
        ),
    )
    if counts["failed"]:
        failed = ngettext("{n} profile failed", "{n} profiles failed", counts["failed"])
        summary = _("{written}; {failed}").format(
            written=summary, failed=failed.format(n=f"{counts['failed']:,}")
        )
    lines.append(summary)
    if counts["files"]:
        lines.append(
            _("Upload each file unchanged to the root of its merchants' webview domains "
              "(https://DOMAIN/FILE_NAME) before adding them with --via direct.")
        )  # fmt: skip
    return "\n".join(lines) + "\n"
