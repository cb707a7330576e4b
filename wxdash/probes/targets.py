"""What to probe: each distinct (host, port) among the chosen profiles' domains, and who uses it.

A https or wss domain is a TLS host (port 443 unless it names one); `tcp://` with a port gets
a TCP connect, `udp://` and a port-less `tcp://` a DNS lookup only. Other schemes (lint's
`http://`) are not probed: WeChat would refuse them before any phone connects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from wxdash.insight import parse_address
from wxdash.wechat.models import Group, Protocol

if TYPE_CHECKING:
    from wxdash.fleet import FetchOutcome

Check = Literal["tls", "tcp", "dns"]
_STRENGTH = {"dns": 0, "tcp": 1, "tls": 2}


@dataclass(frozen=True, slots=True)
class Target:
    """One host to probe, and what of the fleet depends on it: its domains as listed, their
    protocols (API keys), and the names of the profiles that list it (the blast radius)."""

    host: str  # lower-case punycode
    port: int | None
    check: Check
    domains: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, int | None]:
        return self.host, self.port


def host_key(domain: str) -> tuple[str, int | None, Check] | None:
    """`(host, port, check)` a domain is probed as, or None if it is not probed: the key the
    results are filed under (`HostResult.key` is its first two)."""
    address = parse_address(domain)
    host, port, scheme = address.host, address.port, address.scheme
    if not host:
        return None
    if scheme in ("https", "wss"):
        return host, port or 443, "tls"
    if scheme == "tcp" and port is not None:
        return host, port, "tcp"
    if scheme in ("udp", "tcp"):
        return host, port, "dns"
    return None


class TargetList:
    """Gathers targets domain by domain; `targets()` gives them in the order first seen."""

    def __init__(self) -> None:
        self._checks: dict[tuple[str, int | None], Check] = {}
        self._domains: dict[tuple[str, int | None], dict[str, None]] = {}
        self._protocols: dict[tuple[str, int | None], set[str]] = {}
        self._profiles: dict[tuple[str, int | None], dict[str, None]] = {}

    def add(self, profile: str, protocol: str, domain: str) -> None:
        found = host_key(domain)
        if found is None:
            return
        host, port, check = found
        key = (host, port)
        if key not in self._checks:
            self._checks[key] = check
            self._domains[key], self._protocols[key], self._profiles[key] = {}, set(), {}
        elif _STRENGTH[check] > _STRENGTH[self._checks[key]]:
            self._checks[key] = check  # udp:// and https:// on one port: the TLS probe covers both
        self._domains[key][domain] = None
        self._protocols[key].add(protocol)
        self._profiles[key][profile] = None

    def targets(self) -> list[Target]:
        order = {p.value: i for i, p in enumerate(Protocol)}
        return [
            Target(
                host,
                port,
                check,
                tuple(sorted(self._domains[(host, port)])),
                tuple(sorted(self._protocols[(host, port)], key=lambda p: order.get(p, 99))),
                tuple(self._profiles[(host, port)]),
            )
            for (host, port), check in self._checks.items()
        ]


def targets_of(
    outcomes: Iterable[FetchOutcome],
    groups: Sequence[Group] = (Group.EFFECTIVE,),
    protocols: Sequence[Protocol] = tuple(Protocol),
) -> list[Target]:
    """The targets of the profiles' fetched lists (webview included) in `groups` and
    `protocols`; a profile whose fetch failed adds nothing."""
    found = TargetList()
    for outcome in outcomes:
        view = outcome.view()
        if view is None:
            continue
        name = outcome.profile.name
        for group in groups:
            lists = view[group]
            if lists is None:
                continue
            for protocol in protocols:
                key = protocol.value
                for domain in lists[protocol]:
                    found.add(name, key, domain)
    return found.targets()
