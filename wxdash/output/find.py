"""`wxdash find`: which profiles list a domain, as text, JSON or CSV."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from wxdash.fleet import FetchOutcome
from wxdash.i18n import ngettext
from wxdash.insight import Hit, find
from wxdash.output.domains import CSV_COLUMNS
from wxdash.output.formats import csv_text, dumps, pad, profile_json, width
from wxdash.safetext import quoted, visible
from wxdash.wechat.models import Group, Protocol


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
    return csv_text(CSV_COLUMNS, [_hit_row(o, h) for o, h in hits]), len(hits)


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
