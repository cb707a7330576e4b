"""Probe results as the dashboard shows them: the last result of each host, found by domain,
and a result in a few words (`✓`, `⚠ expires in 12 days`, `✗ certificate expired 5 days ago`).

The words are worked out when shown, so a result read back from `probes.json` days later
counts its certificate's days from now, in the language of the moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from wxdash.i18n import N_, _, ngettext
from wxdash.probes.results import HostResult, Status, utc_now
from wxdash.probes.targets import host_key

Key = tuple[str, int | None]
SYMBOLS: Mapping[str, str] = {"ok": "✓", "warn": "⚠", "fail": "✗"}
# The theme's colour each status is drawn in, wherever the dashboard shows one.
STYLES: Mapping[str, str] = {"ok": "$text-success", "warn": "$text-warning", "fail": "$text-error"}

# Each kind's words where there is room for a few (the days of the two expiry kinds aside).
_SHORT = {
    "dns": N_("does not resolve"),
    "connect": N_("no connection"),
    "timeout": N_("no answer in time"),
    "tls": N_("TLS handshake failed"),
    "cert_hostname": N_("certificate for another name"),
    "cert_untrusted": N_("certificate not trusted"),
    "tls12": N_("no TLS 1.2"),
}


class HealthBook:
    """The last probe of every host, as probed in this session or kept in `probes.json`.
    `version` goes up with each change, so a tree knows when to draw its marks again."""

    def __init__(self) -> None:
        self.results: dict[Key, HostResult] = {}
        self.version = 0
        self._keys: dict[str, Key | None] = {}  # by domain: parsing 4,800 domains once

    def put(self, results: Iterable[HostResult]) -> None:
        for result in results:
            self.results[result.key] = result
        self.version += 1

    def of(self, domain: str) -> HostResult | None:
        """The last result of the host a domain is probed as; None if it has none."""
        if not self.results:
            return None
        if domain not in self._keys:
            found = host_key(domain)
            self._keys[domain] = None if found is None else found[:2]
        key = self._keys[domain]
        return None if key is None else self.results.get(key)


def problem_words(result: HostResult, moment: datetime | None = None) -> str:
    """The worst problem in a few words, "" for a host that is fine."""
    problem = result.worst
    if problem is None:
        return ""
    left = result.days_left_at(moment or utc_now())
    if problem.reason == "cert_not_yet":
        return _("certificate not valid yet")
    if problem.kind in ("cert_expired", "cert_expiring") and left is not None and left < 0:
        return ngettext(
            "certificate expired {n} day ago", "certificate expired {n} days ago", -left
        ).format(n=-left)
    if problem.kind == "cert_expired":
        return _("certificate expired")
    if problem.kind == "cert_expiring" and left is not None:
        if left == 0:
            return _("expires within a day")
        return ngettext("expires in {n} day", "expires in {n} days", left).format(n=left)
    words = _SHORT.get(problem.kind)
    return _(words) if words is not None else problem.kind


def short_mark(result: HostResult, moment: datetime | None = None) -> tuple[Status, str]:
    """The status and the mark a domain gets in the tree: `✓`, `⚠ expires in 12 days`."""
    status = result.status
    words = problem_words(result, moment)
    return status, f"{SYMBOLS[status]} {words}" if words else SYMBOLS[status]


def full_mark(result: HostResult) -> str:
    """The result in full, for the line above the tree: every problem, or the TLS version and
    the certificate's last day."""
    status = result.status
    if result.problems:
        worst_first = sorted(result.problems, key=lambda p: p.status != "fail")
        return f"{SYMBOLS[status]} " + "; ".join(p.message for p in worst_first)
    parts = [result.tls_version or _("resolves")]
    if result.not_after is not None:
        parts.append(_("valid until {date}").format(date=result.not_after.date().isoformat()))
    return f"{SYMBOLS[status]} " + " · ".join(parts)
