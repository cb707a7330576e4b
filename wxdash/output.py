"""Fetch results as text for people, JSON for scripts and CSV for spreadsheets.

The JSON shape is a contract scripts rely on: keys are added over time, never renamed or
removed. Server-supplied text is escaped so that printing any of these to a terminal is safe.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from wxdash.fleet import FetchOutcome, QuotaOutcome
from wxdash.i18n import N_, _, cells, language, ngettext
from wxdash.insight import Change, CheckResult, Hit, Pending, Where, check, find, group_names
from wxdash.safetext import json_safe, quoted, visible
from wxdash.wechat.errors import WxDashError
from wxdash.wechat.models import (
    DomainGroup,
    DomainReport,
    Group,
    ParseWarning,
    Protocol,
    webview_key,
)

FORMATS = ("text", "json", "csv")


@functools.lru_cache(maxsize=4096)
def width(text: str) -> int:
    """Terminal cells `text` takes: CJK characters take two."""
    return cells(text)


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


def local_time(outcome: FetchOutcome) -> str:
    return outcome.fetched_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z").strip()


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
    return _csv(csv_rows(outcomes, selection))


def _csv(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([visible(cell) for cell in row])
    return buffer.getvalue()


def render_text(outcomes: Iterable[FetchOutcome], selection: Selection) -> str:
    lines: list[str] = []
    for outcome in outcomes:
        if lines:
            lines.append("")
        name = visible(outcome.profile.name)
        head = f"{name}  {visible(outcome.profile.appid)}"
        view = outcome.view()
        shown = selection
        if outcome.error is not None:
            message = visible(outcome.error.message)
            lines.append(_("{head}  failed: {message}").format(head=head, message=message))
            if view is None or not selection.webview:
                continue
            # The webview call may have worked where the server-domain call did not.
            shown = Selection(selection.groups, [Protocol.WEBVIEW])
        else:
            fetched = _("{head}  fetched {time}").format(head=head, time=local_time(outcome))
            lines.append(fetched + _source_note(outcome))
        assert view is not None
        lines.extend(_group_lines(view, shown, outcome))
        if shown.webview:
            lines.extend(_webview_failure(outcome))
        lines.extend("  " + _warning_line(warning) for warning in selection.warnings(view))
    return "\n".join(lines) + "\n" if lines else ""


def _source_note(outcome: FetchOutcome) -> str:
    return "  " + _("(from the cache)") if outcome.source == "cache" else ""


def _webview_failure(outcome: FetchOutcome) -> list[str]:
    """The line saying the webview call failed, if it failed alone."""
    error = webview_error(outcome)
    if error is None:
        return []
    return ["  " + _("webview: failed: {message}").format(message=visible(error.message))]


def webview_error(outcome: FetchOutcome) -> WxDashError | None:
    """The webview call's error, unless it is the server call's too (a token that failed)."""
    error = outcome.webview_error
    if error is None or (outcome.error is not None and outcome.error.same_failure(error)):
        return None
    return error


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


def error_text(outcome: FetchOutcome | QuotaOutcome) -> str:
    """The stderr lines for a failed profile: what happened, with errcode and hint."""
    assert outcome.error is not None
    return describe_error(outcome.profile.name, outcome.error)


def describe_error(name: str, error: WxDashError, what: str = "") -> str:
    """`wxdash: NAME: message` and its hint, for stderr; `what` names the call that failed."""
    subject = visible(name) + (f" {what}" if what else "")
    lines = [f"wxdash: {subject}: {visible(error.message)}"]
    if error.hint:
        lines.append("  " + _("hint: {hint}").format(hint=visible(error.hint)))
    return "\n".join(lines)


# -- diff --------------------------------------------------------------------------------


def _head(outcome: FetchOutcome) -> str:
    return f"{visible(outcome.profile.name)}  {visible(outcome.profile.appid)}"


def _failed_line(outcome: FetchOutcome) -> str:
    assert outcome.error is not None
    return _("{head}  failed: {message}").format(
        head=_head(outcome), message=visible(outcome.error.message)
    )


def diff_text(outcomes: Iterable[FetchOutcome]) -> str:
    lines: list[str] = []
    for outcome in outcomes:
        if lines:
            lines.append("")
        if outcome.error is not None:
            lines.append(_failed_line(outcome))
            continue
        changes = outcome.pending()
        if changes:
            status = ngettext("{count} pending", "{count} pending", changes.count)
        elif changes.unknown:
            status = _("nothing pending in the lists that could be compared")
        else:
            status = _("effective matches configured")
        status = status.format(count=changes.count)
        lines.append(f"{_head(outcome)}  {status}{_source_note(outcome)}")
        lines.extend(pending_lines(changes))
        if changes.unknown:
            lines.append("  " + not_compared(changes))
        lines.extend(_webview_failure(outcome))
    return "\n".join(lines) + "\n" if lines else ""


def pending_lines(changes: Pending, indent: str = "  ") -> list[str]:
    """Per protocol, `+ domain  takes effect at next release (mp)` and `- domain  drops...`."""
    lines: list[str] = []
    shown = [c.domain for c in (*changes.adds, *changes.drops)]
    column = max([width(visible(d)) for d in shown] + [20]) + 2
    for protocol in Protocol:
        adds, drops = changes.of(protocol)
        if not adds and not drops:
            continue
        lines.append(f"{indent}{protocol.label}")
        for change in (*adds, *drops):
            lines.append(f"{indent}  {pad(change_text(change), column + 2)}{change_note(change)}")
    return lines


def not_compared(changes: Pending) -> str:
    return _("not compared: {protocols} (the API did not return both sides)").format(
        protocols=", ".join(p.short for p in changes.unknown)
    )


def change_text(change: Change) -> str:
    return ("+ " if change.adds else "- ") + visible(change.domain)


def change_note(change: Change) -> str:
    if change.adds:
        return _("takes effect at next release ({groups})").format(
            groups=group_names(change.groups)
        )
    return _("drops at next release")


def diff_csv(outcomes: Iterable[FetchOutcome]) -> str:
    """One row per pending change: `+` takes effect, `-` drops; groups name where it is set."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("profile", "appid", "change", "protocol", "domain", "groups"))
    for outcome in outcomes:
        changes = outcome.pending()
        for change in (*changes.adds, *changes.drops):
            row = [
                outcome.profile.name,
                outcome.profile.appid,
                "+" if change.adds else "-",
                change.protocol.short,
                change.domain,
                " ".join(g.short for g in change.groups),
            ]
            writer.writerow([visible(cell) for cell in row])
    return buffer.getvalue()


def diff_json(outcomes: Iterable[FetchOutcome]) -> str:
    profiles = [
        {**profile_json(o), "pending": o.pending().to_json() if o.ok else None} for o in outcomes
    ]
    return dumps({"profiles": profiles}) + "\n"


# -- check -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Checked:
    """One profile's check: results (None if its fetch failed) and what could not be checked
    because the webview call failed."""

    outcome: FetchOutcome
    results: list[CheckResult] | None
    unchecked: list[tuple[Protocol, str]]

    @property
    def missing(self) -> list[CheckResult]:
        return [r for r in self.results or () if not r.found]


def _checked(
    outcomes: Iterable[FetchOutcome], wanted: Sequence[tuple[Protocol, str]], where: Where
) -> list[_Checked]:
    out = []
    for outcome in outcomes:
        view = outcome.view() if outcome.ok else None
        if view is None:
            out.append(_Checked(outcome, None, []))
            continue
        # Without the webview answer a webview domain is unknown, not missing.
        known = outcome.webview is not None
        here = [w for w in wanted if known or w[0].is_server]
        unchecked = [w for w in wanted if w not in here]
        out.append(_Checked(outcome, check(view, here, where), unchecked))
    return out


_WHERE = {"effective": N_("effective"), "configured": N_("configured")}


def check_text(
    outcomes: Iterable[FetchOutcome], wanted: Sequence[tuple[Protocol, str]], where: Where
) -> tuple[str, bool]:
    """The report, and whether any domain is missing."""
    lines: list[str] = []
    missing_any = False
    words = {"found": _("ok"), "missing": _("MISSING"), "unknown": _("UNKNOWN")}
    column = max(width(w) for w in words.values()) + 2

    kinds = max(width(p.label) for p in Protocol) + 2

    def line(word: str, protocol: Protocol, target: str, note: str) -> str:
        note = "  " + _("({note})").format(note=note) if note else ""
        shown = f"{pad(words[word], column)}{pad(protocol.label, kinds)}{visible(target)}"
        return f"  {shown}{note}"

    for checked in _checked(outcomes, wanted, where):
        outcome, results = checked.outcome, checked.results
        if lines:
            lines.append("")
        if results is None:
            lines.append(_failed_line(outcome))
            continue
        missing = checked.missing
        missing_any = missing_any or bool(missing)
        if missing:
            summary = _("{missing} of {count} missing from {where}")
        elif results:
            summary = _("all {count} present in {where}")
        else:
            summary = _("nothing could be checked")
        summary = summary.format(missing=len(missing), count=len(results), where=_(_WHERE[where]))
        lines.append(f"{_head(outcome)}  {summary}{_source_note(outcome)}")
        for result in results:
            word = "found" if result.found else "missing"
            lines.append(line(word, result.protocol, result.address.readable, result.note))
        for protocol, url in checked.unchecked:
            lines.append(line("unknown", protocol, url, _("the webview call failed")))
    return ("\n".join(lines) + "\n" if lines else ""), missing_any


def check_json(
    outcomes: Iterable[FetchOutcome], wanted: Sequence[tuple[Protocol, str]], where: Where
) -> tuple[str, bool]:
    profiles = []
    missing_any = False
    for checked in _checked(outcomes, wanted, where):
        entry = {
            **profile_json(checked.outcome),
            "in": where,
            "missing": None,
            "results": None,
            "unchecked": [{"protocol": p.value, "wanted": url} for p, url in checked.unchecked],
        }
        if checked.results is not None:
            missing_any = missing_any or bool(checked.missing)
            entry["missing"] = len(checked.missing)
            entry["results"] = [r.to_json() for r in checked.results]
        profiles.append(entry)
    return dumps({"profiles": profiles}) + "\n", missing_any


# -- find --------------------------------------------------------------------------------


def _hits(outcomes: Iterable[FetchOutcome], text: str) -> list[tuple[FetchOutcome, Hit]]:
    out = []
    for outcome in outcomes:
        view = outcome.view()
        if view is not None:
            out.extend((outcome, hit) for hit in find(view, text))
    return out


def find_text(outcomes: Sequence[FetchOutcome], text: str) -> tuple[str, int]:
    hits = _hits(outcomes, text)
    names = [visible(o.profile.name) for o, _hit in hits]
    column = max([width(n) for n in names] + [8]) + 2
    groups = max(width(g.note_label) for g in Group) + 2
    kinds = max(width(p.label) for p in Protocol) + 2
    lines = [
        f"{pad(name, column)}{pad(hit.group.note_label, groups)}{pad(hit.protocol.label, kinds)}"
        f"{visible(hit.domain)}"
        for name, (_outcome, hit) in zip(names, hits, strict=True)
    ]
    profiles = len({id(o) for o, _hit in hits})
    searched = len(outcomes)
    if hits:
        summary = ngettext(
            "{hits} found in {profiles} of {searched} profile",
            "{hits} found in {profiles} of {searched} profiles",
            searched,
        )
    else:
        summary = ngettext(
            "No domain matches {text} in {searched} profile",
            "No domain matches {text} in {searched} profiles",
            searched,
        )
    lines.append(
        summary.format(hits=len(hits), profiles=profiles, searched=searched, text=quoted(text))
    )
    return "\n".join(lines) + "\n", len(hits)


def _hit_row(outcome: FetchOutcome, hit: Hit) -> list[str]:
    return [
        outcome.profile.name,
        outcome.profile.appid,
        hit.group.short,
        hit.protocol.short,
        hit.domain,
    ]


def find_csv(outcomes: Sequence[FetchOutcome], text: str) -> tuple[str, int]:
    hits = _hits(outcomes, text)
    return _csv([_hit_row(o, h) for o, h in hits]), len(hits)


def find_json(outcomes: Sequence[FetchOutcome], text: str) -> tuple[str, int]:
    hits = _hits(outcomes, text)
    data = {
        "query": text,
        "hits": [
            {
                "name": o.profile.name,
                "appid": o.profile.appid,
                "group": h.group.value,
                "protocol": h.protocol.value,
                "domain": h.domain,
                "source": o.source,
                "fetched_at": o.fetched_at.isoformat(),
            }
            for o, h in hits
        ],
        "profiles": [
            {**profile_json(o), "hits": sum(1 for x, _h in hits if x is o)} for o in outcomes
        ],
    }
    return dumps(data) + "\n", len(hits)
