"""Answers as text for people, JSON for scripts and CSV for spreadsheets, one module per command.

The JSON shapes are a contract scripts rely on: keys are added over time, never renamed or
removed. Server-supplied text is escaped so that printing any answer to a terminal is safe.
"""

from wxdash.output.check import check_json, check_text
from wxdash.output.diff import (
    change_note,
    change_text,
    diff_csv,
    diff_json,
    diff_text,
    not_compared,
    pending_lines,
)
from wxdash.output.domains import (
    CSV_COLUMNS,
    Selection,
    csv_rows,
    outcome_json,
    render_csv,
    render_json,
    render_text,
    warning_text,
)
from wxdash.output.errors import describe_error, error_text, webview_error
from wxdash.output.find import find_csv, find_json, find_text
from wxdash.output.formats import (
    FORMATS,
    dumps,
    error_json,
    local_time,
    pad,
    profile_json,
    width,
)
from wxdash.output.quota import render_quota_json, render_quota_text

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "Selection",
    "change_note",
    "change_text",
    "check_json",
    "check_text",
    "csv_rows",
    "describe_error",
    "diff_csv",
    "diff_json",
    "diff_text",
    "dumps",
    "error_json",
    "error_text",
    "find_csv",
    "find_json",
    "find_text",
    "local_time",
    "not_compared",
    "outcome_json",
    "pad",
    "pending_lines",
    "profile_json",
    "render_csv",
    "render_json",
    "render_quota_json",
    "render_quota_text",
    "render_text",
    "warning_text",
    "webview_error",
    "width",
]
