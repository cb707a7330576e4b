"""`wxdash fetch`: each profile's domain lists as text for people, JSON for scripts, CSV for sheets.

The JSON shape is a contract scripts rely on: keys are added over time, never renamed or
removed. Server-supplied text is escaped so that printing any of these to a terminal is safe.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from wxdash.fleet import FetchOutcome
from wxdash.i18n import _, language
from wxdash.output.errors import failed_line, webview_failure
from wxdash.output.formats import (
    csv_text,
    dumps,
    error_json,
    heading,
    local_time,
    pad,
    profile_json,
    source_note,
    width,
)
from wxdash.safetext import visible
from wxdash.wechat.models import (
    DomainGroup,
    DomainReport,
    Group,
    ParseWarning,
    Protocol,
    webview_key,
)

CSV_COLUMNS = ("profile", "appid", "group", "protocol", "domain")


class Selection:
    """Which groups and protocols the user asked for (all when none were named)."""

    def __init__(
        self, groups: Sequence[Group] | None = None, protocols: Sequence[Protocol] | None = None
    ) -> None:
        self.groups = [g for g in Group if not groups or g in groups]
        self.protocols = [p for p in Protocol if not protocols or p in protocols]
        # Protocol keys wxdash does not know are shown only when no protocol was named.
        self.extras = not protocols
        # Asked for per group of every profile: enum attributes are slow to read on 3.11.
        self._keyed = [(p, p.value, p.is_server) for p in self.protocols]
        self._group_values = {g.value for g in self.groups}
        self._protocol_values = {p.value for p in self.protocols}

    @property
    def webview(self) -> bool:
        return Protocol.WEBVIEW in self.protocols

    def warnings(self, view: DomainReport | None) -> list[ParseWarning]:
        """The warnings about what was asked for; those about lists wxdash does not know
        (and so cannot select) are always kept."""
        if view is None:
            return []
        groups, protocols = self._group_values, self._protocol_values
        known_groups = Group._value2member_map_
        known_protocols = Protocol._value2member_map_
        return [
            w
            for w in view.warnings
            if (w.group in groups or w.group not in known_groups)
            and (w.protocol in protocols or w.protocol not in known_protocols)
        ]

    def lists(
        self, group: DomainGroup, *, server_only: bool = False
    ) -> list[tuple[str, tuple[str, ...]]]:
        lists = group.lists
        out = [(key, lists[p]) for p, key, server in self._keyed if server or not server_only]
        if self.extras:
            out.extend(group.extra.items())
        return out


def outcome_json(outcome: FetchOutcome, selection: Selection) -> dict[str, Any]:
    report, webview, view = outcome.report, outcome.webview, outcome.view()
    domains: dict[str, Any] | None = None
    if report is not None:
        domains = {}
        for group in selection.groups:
            data = report[group]
            domains[group.value] = (
                None
                if data is None
                else {k: list(v) for k, v in selection.lists(data, server_only=True)}
            )
    webview_domains: dict[str, Any] | None = None
    if webview is not None and selection.webview:
        every = webview.to_json()
        webview_domains = {webview_key(g): every[webview_key(g)] for g in selection.groups}
    return {
        **profile_json(outcome),
        "warnings": [w.to_json() for w in selection.warnings(view)],
        "domains": domains,
        "webview_domains": webview_domains,
        "webview_error": error_json(outcome.webview_error),
    }


def render_json(outcomes: Iterable[FetchOutcome], selection: Selection) -> str:
    return dumps({"profiles": [outcome_json(o, selection) for o in outcomes]}) + "\n"


def csv_rows(outcomes: Iterable[FetchOutcome], selection: Selection) -> Iterable[list[str]]:
    for outcome in outcomes:
        view = outcome.view()
        if view is None:
            continue
        for group in selection.groups:
            data = view[group]
            if data is None:
                continue
            for key, domains in selection.lists(data):
                short = Protocol.short_of(key)
                for domain in domains:
                    yield [outcome.profile.name, outcome.profile.appid, group.short, short, domain]


def render_csv(outcomes: Iterable[FetchOutcome], selection: Selection) -> str:
    return csv_text(CSV_COLUMNS, csv_rows(outcomes, selection))


def render_text(outcomes: Iterable[FetchOutcome], selection: Selection) -> str:
    lines: list[str] = []
    for outcome in outcomes:
        if lines:
            lines.append("")
        view = outcome.view()
        shown = selection
        if outcome.error is not None:
            lines.append(failed_line(outcome))
            if view is None or not selection.webview:
                continue
            # The webview call may have worked where the server-domain call did not.
            shown = Selection(selection.groups, [Protocol.WEBVIEW])
        else:
            time = local_time(outcome)
            fetched = _("{head}  fetched {time}").format(head=heading(outcome), time=time)
            lines.append(fetched + source_note(outcome))
        assert view is not None
        lines.extend(_group_lines(view, shown, outcome))
        if shown.webview:
            lines.extend(webview_failure(outcome))
        lines.extend("  " + _warning_line(warning) for warning in selection.warnings(view))
    return "\n".join(lines) + "\n" if lines else ""


def _warning_line(warning: ParseWarning) -> str:
    # The group and protocol may be keys the server made up (kept as extra): escape them too.
    where = visible(" ".join(x for x in (warning.group, warning.protocol) if x))
    domain = f" {visible(warning.domain)}" if warning.domain else ""
    return _("warning: {where}{domain}: {message}").format(
        where=where, domain=domain, message=warning.message
    )


def warning_text(outcome: FetchOutcome, selection: Selection | None = None) -> str:
    """The stderr lines for a profile's warnings, parser's and lint's (empty if none)."""
    warnings = (selection or Selection()).warnings(outcome.view())
    name = visible(outcome.profile.name)
    return "\n".join(f"wxdash: {name}: {_warning_line(w)}" for w in warnings)


@dataclass(frozen=True, slots=True)
class _Words:
    """What every profile's lines say, in one language: looked up once, not per line."""

    protocols: dict[str, str]  # each protocol's name by its API key
    groups: dict[Group, str]
    not_returned: str
    none: str


@functools.cache
def _words(_lang: str) -> _Words:
    """The words of the text output in the current language (which is the key)."""
    return _Words(
        {p.value: p.label for p in Protocol},
        {g: g.label for g in Group},
        _("not returned by the API"),
        _("(none)"),
    )


def _group_lines(view: DomainReport, selection: Selection, outcome: FetchOutcome) -> list[str]:
    lines: list[str] = []
    words = _words(language())
    rows_of = {g: selection.lists(data) for g, data in view.groups.items() if data is not None}
    keys = {k for rows in rows_of.values() for k, _d in rows}
    names = {k: words.protocols[k] if k in words.protocols else visible(k) for k in keys}
    column = max([8, *(width(name) for name in names.values())]) + 2
    labels = {k: pad(name, column) for k, name in names.items()}
    indent = " " * column
    group_column = max([12, *(width(words.groups[g]) for g in selection.groups)]) + 2
    webview = Protocol.WEBVIEW.value
    for group in selection.groups:
        data = view[group]
        # The view fills a group one call did not return with empty lists: say so instead.
        server_gone = outcome.report is not None and outcome.report[group] is None
        web_gone = outcome.webview is None or outcome.webview.lists[group] is None
        rows = [] if data is None else rows_of[group]
        if server_gone:
            rows = [(k, d) for k, d in rows if k == webview]
        if outcome.webview is None:
            rows = [(k, d) for k, d in rows if k != webview]  # the call failed: said below
        if not rows:
            if data is None or server_gone:
                lines.append(f"  {pad(words.groups[group], group_column)}{words.not_returned}")
            continue  # else only webview was asked for, and its failure is said below
        lines.append(f"  {words.groups[group]}")
        if server_gone and any(p.is_server for p in selection.protocols):
            lines.append("    " + _("server domains: {what}").format(what=words.not_returned))
        for key, domains in rows:
            label = labels[key]
            if key == webview and web_gone:
                lines.append(f"    {label}{words.not_returned}")
            elif not domains:
                lines.append(f"    {label}{words.none}")
            else:
                lines.append(f"    {label}{visible(domains[0])}")
                lines.extend(f"    {indent}{visible(domain)}" for domain in domains[1:])
    return lines
