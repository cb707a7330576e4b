"""`wxdash check`: whether the domains asked about are in each profile's lists, as text or JSON."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wxdash.fleet import FetchOutcome
from wxdash.i18n import N_, _
from wxdash.insight import CheckResult, Where, check
from wxdash.output.errors import failed_line
from wxdash.output.formats import dumps, heading, pad, profile_json, source_note, width
from wxdash.safetext import visible
from wxdash.wechat.models import Protocol


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
            lines.append(failed_line(outcome))
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
        lines.append(f"{heading(outcome)}  {summary}{source_note(outcome)}")
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
