"""`wxdash diff`: what takes effect or drops at the next release, as text, JSON or CSV."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from wxdash.fleet import FetchOutcome
from wxdash.i18n import _, ngettext, pgettext
from wxdash.insight import Change, Pending, group_names
from wxdash.output.errors import failed_line, webview_failure
from wxdash.output.formats import csv_text, dumps, heading, pad, profile_json, source_note, width
from wxdash.safetext import visible
from wxdash.wechat.models import Protocol

DIFF_CSV_COLUMNS = ("profile", "appid", "change", "protocol", "domain", "groups")


def diff_text(outcomes: Iterable[FetchOutcome]) -> str:
    lines: list[str] = []
    for outcome in outcomes:
        if lines:
            lines.append("")
        if outcome.error is not None:
            lines.append(failed_line(outcome))
            continue
        changes = outcome.pending()
        if changes:
            status = ngettext("{count} pending", "{count} pending", changes.count)
        elif changes.unknown:
            status = _("nothing pending in the lists that could be compared")
        else:
            status = _("effective matches configured")
        status = status.format(count=changes.count)
        lines.append(f"{heading(outcome)}  {status}{source_note(outcome)}")
        lines.extend(pending_lines(changes))
        if changes.unknown:
            lines.append("  " + not_compared(changes))
        lines.extend(webview_failure(outcome))
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


# How far a note may be shortened to fit its line: the groups it names are kept to the last.
NOTE_BREVITIES = range(4)


def note_brevity(changes: Iterable[Change], room: int) -> int:
    """The least shortened notes that all fit in `room` cells; the shortest if none do."""
    listed = list(changes)
    for brevity in NOTE_BREVITIES:
        if all(width(change_note(c, brevity)) <= room for c in listed):
            return brevity
    return NOTE_BREVITIES[-1]


def change_note(change: Change, brevity: int = 0) -> str:
    """`takes effect at next release (mp)` or `drops at next release`; a higher `brevity`
    says less (short group names, then a shorter sentence, then only the groups) but never
    leaves out which groups configure a domain."""
    if not change.adds:
        return _("drops at next release") if brevity < 3 else pgettext("pending note", "drops")
    groups = group_names(change.groups, short=brevity > 0)
    if brevity < 2:
        return _("takes effect at next release ({groups})").format(groups=groups)
    if brevity < 3:
        return _("at next release ({groups})").format(groups=groups)
    return _("({groups})").format(groups=groups)


def diff_csv(outcomes: Iterable[FetchOutcome]) -> str:
    """One row per pending change: `+` takes effect, `-` drops; groups name where it is set."""
    return csv_text(DIFF_CSV_COLUMNS, _change_rows(outcomes))


def _change_rows(outcomes: Iterable[FetchOutcome]) -> Iterator[list[str]]:
    for outcome in outcomes:
        changes = outcome.pending()
        for change in (*changes.adds, *changes.drops):
            yield [
                outcome.profile.name,
                outcome.profile.appid,
                "+" if change.adds else "-",
                change.protocol.short,
                change.domain,
                " ".join(g.short for g in change.groups),
            ]


def diff_json(outcomes: Iterable[FetchOutcome]) -> str:
    profiles = [
        {**profile_json(o), "pending": o.pending().to_json() if o.ok else None} for o in outcomes
    ]
    return dumps({"profiles": profiles}) + "\n"
