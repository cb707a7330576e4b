"""Fetch results as text for people, JSON for scripts and CSV for spreadsheets.

The JSON shape is a contract scripts rely on: keys are added over time, never renamed or
removed. Server-supplied text is escaped so that printing any of these to a terminal is safe.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from wxdash.fleet import FetchOutcome, QuotaOutcome
from wxdash.i18n import _
from wxdash.safetext import json_safe, visible
from wxdash.wechat.errors import WxDashError
from wxdash.wechat.models import DomainGroup, Group, ParseWarning, Protocol

FORMATS = ("text", "json", "csv")


@functools.lru_cache(maxsize=4096)
def width(text: str) -> int:
    """Terminal cells `text` takes: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, cells: int) -> str:
    return text + " " * max(0, cells - width(text))


class Selection:
    """Which groups and protocols the user asked for (all when none were named)."""

    def __init__(
        self, groups: Sequence[Group] | None = None, protocols: Sequence[Protocol] | None = None
    ) -> None:
        self.groups = [g for g in Group if not groups or g in groups]
        self.protocols = [p for p in Protocol if not protocols or p in protocols]
        # Protocol keys wxdash does not know are shown only when no protocol was named.
        self.extras = not protocols

    def lists(self, group: DomainGroup) -> list[tuple[str, tuple[str, ...]]]:
        out = [(p.value, group[p]) for p in self.protocols]
        if self.extras:
            out.extend(group.extra.items())
        return out


def local_time(outcome: FetchOutcome) -> str:
    return outcome.fetched_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def error_json(error: WxDashError | None) -> dict[str, Any] | None:
    return error.to_json() if error is not None else None


def outcome_json(outcome: FetchOutcome, selection: Selection) -> dict[str, Any]:
    report = outcome.report
    domains: dict[str, Any] | None = None
    if report is not None:
        domains = {}
        for group in selection.groups:
            data = report[group]
            domains[group.value] = (
                None if data is None else {k: list(v) for k, v in selection.lists(data)}
            )
    return {
        "name": outcome.profile.name,
        "appid": outcome.profile.appid,
        "ok": outcome.ok,
        "error": error_json(outcome.error),
        "warnings": [w.to_json() for w in report.warnings] if report else [],
        "fetched_at": outcome.fetched_at.isoformat(),
        "domains": domains,
    }


def dumps(data: Any) -> str:
    """JSON for output: readable Unicode, with terminal-active characters escaped."""
    return json_safe(json.dumps(data, ensure_ascii=False, indent=2))


def render_json(outcomes: Iterable[FetchOutcome], selection: Selection) -> str:
    return dumps({"profiles": [outcome_json(o, selection) for o in outcomes]}) + "\n"


def render_quota_json(outcomes: Iterable[QuotaOutcome]) -> str:
    rows = [
        {
            "name": o.profile.name,
            "appid": o.profile.appid,
            "ok": o.error is None,
            "error": error_json(o.error),
            "checked_at": o.checked_at.isoformat(),
            "quota": o.quota.to_json() if o.quota is not None else None,
        }
        for o in outcomes
    ]
    return dumps({"quotas": rows}) + "\n"


def render_quota_text(outcomes: Iterable[QuotaOutcome]) -> str:
    lines: list[str] = []
    for outcome in outcomes:
        head = f"{visible(outcome.profile.name)}  {visible(outcome.profile.appid)}"
        quota = outcome.quota
        if quota is None:
            message = visible(outcome.error.message) if outcome.error else ""
            lines.append(_("{head}  failed: {message}").format(head=head, message=message))
            continue
        lines.append(f"{head}  {quota.cgi_path}")
        rows = [
            (_("daily limit"), str(quota.daily_limit)),
            (_("used"), str(quota.used)),
            (_("remaining"), str(quota.remain)),
        ]
        for label, rate in (
            (_("rate limit"), quota.rate_limit),
            (_("as platform"), quota.component_rate_limit),
        ):
            if rate is not None:
                calls = _("{n} calls per {s} s").format(n=rate.call_count, s=rate.refresh_second)
                rows.append((label, calls))
        column = max(width(label) for label, _value in rows) + 2
        lines.extend(f"  {pad(label, column)}{value}" for label, value in rows)
    return "\n".join(lines) + "\n" if lines else ""


CSV_COLUMNS = ("profile", "appid", "group", "protocol", "domain")


def csv_rows(outcomes: Iterable[FetchOutcome], selection: Selection) -> Iterable[list[str]]:
    for outcome in outcomes:
        if outcome.report is None:
            continue
        for group in selection.groups:
            data = outcome.report[group]
            if data is None:
                continue
            for key, domains in selection.lists(data):
                short = Protocol.short_of(key)
                for domain in domains:
                    yield [outcome.profile.name, outcome.profile.appid, group.short, short, domain]


def render_csv(outcomes: Iterable[FetchOutcome], selection: Selection) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in csv_rows(outcomes, selection):
        writer.writerow([visible(cell) for cell in row])
    return buffer.getvalue()


def render_text(outcomes: Iterable[FetchOutcome], selection: Selection) -> str:
    lines: list[str] = []
    for outcome in outcomes:
        if lines:
            lines.append("")
        name = visible(outcome.profile.name)
        head = f"{name}  {visible(outcome.profile.appid)}"
        if outcome.report is None:
            lines.append(_("{head}  failed: {message}").format(head=head, message=_short(outcome)))
            continue
        lines.append(_("{head}  fetched {time}").format(head=head, time=local_time(outcome)))
        lines.extend(_group_lines(outcome, selection))
        lines.extend("  " + _warning_line(warning) for warning in outcome.report.warnings)
    return "\n".join(lines) + "\n" if lines else ""


def _warning_line(warning: ParseWarning) -> str:
    # The group and protocol may be keys the server made up (kept as extra): escape them too.
    where = visible(" ".join(x for x in (warning.group, warning.protocol) if x))
    domain = f" {visible(warning.domain)}" if warning.domain else ""
    return _("warning: {where}{domain}: {message}").format(
        where=where, domain=domain, message=warning.message
    )


def warning_text(outcome: FetchOutcome) -> str:
    """The stderr lines for a profile's parse warnings (empty if it has none)."""
    if outcome.report is None:
        return ""
    name = visible(outcome.profile.name)
    return "\n".join(f"wxdash: {name}: {_warning_line(w)}" for w in outcome.report.warnings)


def _short(outcome: FetchOutcome) -> str:
    error = outcome.error
    assert error is not None
    return visible(error.message)


def _group_lines(outcome: FetchOutcome, selection: Selection) -> list[str]:
    assert outcome.report is not None
    lines = []
    labels = {p.value: p.short for p in Protocol}
    keys = {k for g in outcome.report.groups.values() if g for k, _d in selection.lists(g)}
    column = max([8, *(width(labels.get(k, visible(k))) for k in keys)]) + 2
    for group in selection.groups:
        data = outcome.report[group]
        if data is None:
            lines.append(f"  {pad(group.label, 14)}{_('not returned by the API')}")
            continue
        lines.append(f"  {group.label}")
        for key, domains in selection.lists(data):
            label = pad(labels.get(key, visible(key)), column)
            if not domains:
                lines.append(f"    {label}{_('(none)')}")
            for index, domain in enumerate(domains):
                lines.append(f"    {label if index == 0 else ' ' * column}{visible(domain)}")
    return lines


def error_text(outcome: FetchOutcome | QuotaOutcome) -> str:
    """The stderr lines for a failed profile: what happened, with errcode and hint."""
    error = outcome.error
    assert error is not None
    name = visible(outcome.profile.name)
    lines = [f"wxdash: {name}: {visible(error.message)}"]
    if error.hint:
        lines.append("  " + _("hint: {hint}").format(hint=visible(error.hint)))
    return "\n".join(lines)
