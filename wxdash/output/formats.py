"""What every answer is written with: text columns, safe JSON, escaped CSV, a profile's heading."""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from wxdash.fleet import FetchOutcome, QuotaOutcome
from wxdash.i18n import _, cells
from wxdash.safetext import json_safe, visible
from wxdash.wechat.errors import WxDashError

FORMATS = ("text", "json", "csv")


@functools.lru_cache(maxsize=4096)
def width(text: str) -> int:
    """Terminal cells `text` takes: CJK characters take two."""
    return cells(text)


def pad(text: str, cells: int) -> str:
    return text + " " * max(0, cells - width(text))


def dumps(data: Any) -> str:
    """JSON for output: readable Unicode, with terminal-active characters escaped."""
    return json_safe(json.dumps(data, ensure_ascii=False, indent=2))


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A cell escaped as the text output escapes it, and a leading `'` before a character a
    spreadsheet would take as the start of a formula: a name or domain is shown, never run."""
    cell = visible(value)
    if cell.startswith(_FORMULA_STARTS) and cell not in ("+", "-"):  # diff's signs run nothing
        return "'" + cell
    return cell


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A header and the rows, each cell made safe by `csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()


def error_json(error: WxDashError | None) -> dict[str, Any] | None:
    return error.to_json() if error is not None else None


def profile_json(outcome: FetchOutcome) -> dict[str, Any]:
    """The keys every command's JSON starts a profile with."""
    return {
        "name": outcome.profile.name,
        "appid": outcome.profile.appid,
        "ok": outcome.ok,
        "error": error_json(outcome.error),
        "fetched_at": outcome.fetched_at.isoformat(),
        "source": outcome.source,
    }


def local_time(outcome: FetchOutcome) -> str:
    return outcome.fetched_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def heading(outcome: FetchOutcome | QuotaOutcome) -> str:
    """The start of a profile's first line: its name and appid."""
    return f"{visible(outcome.profile.name)}  {visible(outcome.profile.appid)}"


def source_note(outcome: FetchOutcome) -> str:
    return "  " + _("(from the cache)") if outcome.source == "cache" else ""
