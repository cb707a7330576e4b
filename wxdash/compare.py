"""The Compare tab's rows: each domain of a profile once per protocol, with the groups listing it.

Pure data (no Textual): the dashboard's Compare tab draws these rows, `c`/`C` copy their
domains. Entries are the same domain when WeChat takes them as the same (scheme, host without
case, port), as for the pending changes; a row keeps the first spelling met, Effective first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wxdash.insight import Change, Pending, parse_address, returned_lists
from wxdash.state import Filters, ProfileState
from wxdash.wechat.models import DomainReport, Group, Protocol


@dataclass(frozen=True, slots=True)
class CompareRow:
    """One domain of one protocol: the groups listing it, and its pending change if the next
    release adds or drops it."""

    protocol: Protocol
    domain: str
    groups: frozenset[Group]
    change: Change | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    """The rows that pass the filters, per protocol shown (protocols without one are left
    out), and per protocol the groups whose list is not known (not returned, or its call
    failed): those say neither present nor absent."""

    rows: dict[Protocol, list[CompareRow]]
    unknown: dict[Protocol, frozenset[Group]]
    filtered: bool = False  # a filter was on: rows may be missing because of it

    @property
    def count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def domains(self) -> dict[str, list[str]]:
        """The domains shown, by the API's protocol key (what `c` and `C` copy)."""
        return {p.value: [row.domain for row in rows] for p, rows in self.rows.items()}


def compare(
    view: DomainReport,
    returned: Callable[[Group, Protocol], bool],
    changes: Pending | None,
    filters: Filters,
) -> Comparison:
    """Every domain of `view` once per protocol shown, with the groups listing it. `returned`
    says which lists the API returned; `changes` are the profile's pending changes."""
    pending = _changes_by_key(changes)
    rows: dict[Protocol, list[CompareRow]] = {}
    unknown: dict[Protocol, frozenset[Group]] = {}
    for protocol in Protocol:
        if not filters.shows(protocol):
            continue
        unknown[protocol] = frozenset(g for g in Group if not returned(g, protocol))
        found: dict[tuple[Any, ...], tuple[str, set[Group]]] = {}
        for group in Group:
            data = view[group]
            for domain in data[protocol] if data is not None else ():
                key = parse_address(domain, protocol.scheme).key
                found.setdefault(key, (domain, set()))[1].add(group)
        listed = [
            CompareRow(protocol, domain, frozenset(groups), pending.get((protocol, key)))
            for key, (domain, groups) in found.items()
            if filters.matches(domain)
        ]
        if listed:
            rows[protocol] = listed
    return Comparison(rows, unknown, filters.active)


def compare_profile(state: ProfileState, filters: Filters) -> Comparison | None:
    """The Compare tab's rows for a profile; None while nothing is known of its domains."""
    view = state.view
    if view is None:
        return None
    return compare(view, returned_lists(state.report, state.webview), state.pending, filters)


def _changes_by_key(changes: Pending | None) -> dict[tuple[Protocol, Any], Change]:
    if changes is None:
        return {}
    return {
        (c.protocol, parse_address(c.domain, c.protocol.scheme).key): c
        for c in (*changes.adds, *changes.drops)
    }
