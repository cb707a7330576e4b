"""`wxdash probe`: each probed host's health and whom it hits, as text for people, JSON for scripts.

Text lists the failing hosts first, then those with warnings, each with its problem and its
blast radius (the profiles that list it), then a one-line summary; hosts that are fine are
counted, and listed only with -v. The JSON shape is a contract, as the other commands' are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from wxdash.fleet import FetchOutcome
from wxdash.i18n import _, ngettext, pgettext
from wxdash.insight import unicode_host
from wxdash.output.formats import dumps, error_json, pad, width
from wxdash.probes import HostResult, Target
from wxdash.safetext import visible

# Past this many, a blast radius is a count: a thousand names help nobody.
NAMED_PROFILES = 5
_DATED = frozenset({"cert_expired", "cert_expiring"})  # their message says the date already


@dataclass(frozen=True, slots=True)
class Probed:
    """A target and what its probe found."""

    target: Target
    result: HostResult


def probed(targets: Sequence[Target], results: Sequence[HostResult]) -> list[Probed]:
    """Targets paired with their results, worst first, then by host and port."""
    by_key = {r.key: r for r in results}
    pairs = [Probed(t, by_key[t.key]) for t in targets if t.key in by_key]
    return sorted(pairs, key=lambda p: (p.result.rank, p.target.host, p.target.port or 0))


def host_label(host: str, port: int | None) -> str:
    """`api.example.com`, with the port when it is not 443: as people write the host."""
    shown = visible(unicode_host(host))
    return shown if port in (443, None) else f"{shown}:{port}"


def blast_radius(profiles: Sequence[str]) -> str:
    """`3 profiles: A, B, C`, or `412 profiles` past a handful."""
    count = len(profiles)
    words = ngettext("{count} profile", "{count} profiles", count).format(count=f"{count:,}")
    if count > NAMED_PROFILES:
        return words
    names = pgettext("list separator", ", ").join(visible(p) for p in profiles)
    return _("{count}: {names}").format(count=words, names=names)


def _status_words() -> dict[str, str]:
    return {"fail": _("FAIL"), "warn": _("WARN"), "ok": _("ok")}


def _lines(item: Probed, words: dict[str, str], column: int) -> list[str]:
    result, target = item.result, item.target
    label = host_label(target.host, target.port)
    indent = " " * (column + 2)
    problems = sorted(result.problems, key=lambda p: p.status != "fail")
    if problems:
        first, *rest = problems
        lines = [f"  {pad(words[first.status], column)}{label}  {visible(first.message)}"]
        lines += [f"{indent}{visible(p.message)}" for p in rest]
    else:
        detail = result.tls_version or _("resolves")
        lines = [f"  {pad(words['ok'], column)}{label}  {detail}"]
    notes = [blast_radius(target.profiles)]
    if result.not_after is not None and not _DATED & {p.kind for p in problems}:
        notes.append(_("valid until {date}").format(date=result.not_after.date().isoformat()))
    lines.append(indent + "  ·  ".join(notes))
    return lines


def probe_text(
    outcomes: Sequence[FetchOutcome],
    targets: Sequence[Target],
    results: Sequence[HostResult],
    *,
    verbose: bool = False,
) -> str:
    """The report for people."""
    items = probed(targets, results)
    words = _status_words()
    column = max(width(w) for w in words.values()) + 2
    lines: list[str] = []
    for item in items:
        if item.result.status != "ok" or verbose:
            lines.extend(_lines(item, words, column))
    lines.append(_summary(outcomes, items))
    return "\n".join(lines) + "\n"


def _summary(outcomes: Sequence[FetchOutcome], items: Sequence[Probed]) -> str:
    counts = {status: 0 for status in ("fail", "warn", "ok")}
    for item in items:
        counts[item.result.status] += 1
    fetched = sum(1 for o in outcomes if o.ok)
    hosts = ngettext("{count} host", "{count} hosts", len(items)).format(count=f"{len(items):,}")
    profiles = ngettext("{count} profile", "{count} profiles", fetched).format(count=f"{fetched:,}")
    line = _(
        "{hosts} probed for {profiles}: {failing} failing, {warning} with warnings, {fine} fine"
    ).format(
        hosts=hosts,
        profiles=profiles,
        failing=counts["fail"],
        warning=counts["warn"],
        fine=counts["ok"],
    )
    if missing := len(outcomes) - fetched:
        line += "; " + ngettext(
            "{count} profile could not be fetched, its hosts not probed",
            "{count} profiles could not be fetched, their hosts not probed",
            missing,
        ).format(count=missing)
    return line


def host_json(item: Probed) -> dict[str, Any]:
    target = item.target
    return {
        "host": target.host,
        "port": target.port,
        "domains": list(target.domains),
        "protocols": list(target.protocols),
        "profiles": list(target.profiles),
        **item.result.to_json(),
    }


def _profile_counts(items: Iterable[Probed]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for item in items:
        status = item.result.status
        for name in item.target.profiles:
            tally = counts.setdefault(name, {"hosts": 0, "failing": 0, "warning": 0})
            tally["hosts"] += 1
            if status == "fail":
                tally["failing"] += 1
            elif status == "warn":
                tally["warning"] += 1
    return counts


def probe_json(
    outcomes: Sequence[FetchOutcome], targets: Sequence[Target], results: Sequence[HostResult]
) -> str:
    """The report for scripts: every host, then every profile with its counts."""
    items = probed(targets, results)
    counts = _profile_counts(items)
    profiles = [
        {
            "name": o.profile.name,
            "appid": o.profile.appid,
            "ok": o.ok,
            "error": error_json(o.error),
            **counts.get(o.profile.name, {"hosts": 0, "failing": 0, "warning": 0}),
        }
        for o in outcomes
    ]
    return dumps({"hosts": [host_json(i) for i in items], "profiles": profiles}) + "\n"
