"""The demo merchants' hosts as loopback TLS servers, so `--demo probe` shows every health mark.

A few hosts misbehave on purpose (an expired certificate, one expiring in 10 days, another
host's name, a chain without its intermediate, a server that speaks only TLS 1.3, a port
where nothing listens); every other host gets a valid certificate. Certificates are made when
the demo is first probed, with dates relative to that moment. The host map is closed: a host
it does not name is never looked up, so the demo reaches nothing but loopback.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from wxdash.fakeserver.tls import TlsHosts

if TYPE_CHECKING:
    from wxdash.probes import HostMap, Trust

# What each misbehaving demo host does (every other host is fine).
SICK_HOSTS = {
    "pay.lotustea.com": "expired",
    "analytics.example-platform.com": "expiring",
    "img.harborbooks.com": "hostname",
    "upload.harborbooks.com": "no_chain",
    "push.harborbooks.com": "tls13",
    "cdn.harborbooks.com": "closed",
}
LOOPBACK = "127.0.0.1"


def domains_in(data: Any) -> Iterable[str]:
    """Every string in a domains answer, however it is nested (the demo has odd shapes)."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from domains_in(value)
    elif isinstance(data, list):
        for value in data:
            yield from domains_in(value)


def _valid_names(keys: Iterable[tuple[str, int | None, str]]) -> list[str]:
    """Names for the valid certificate: each host's parent as a wildcard, IPs and one-label
    names as they are (thousands of hosts, a dozen names)."""
    from wxdash.probes.hostmap import is_ip

    names: dict[str, None] = {}
    for host, _port, check in keys:
        if check != "tls":
            continue
        if is_ip(host) or host.count(".") < 2:
            names[host] = None
        else:
            names["*." + host.split(".", 1)[1]] = None
    return list(names)


class DemoHealth:
    """The servers, the closed host map pointing every demo host at them, and the trust in
    the demo's own CA."""

    def __init__(self, domains: Iterable[str]) -> None:
        from wxdash.probes import host_key

        found = {key for d in domains if (key := host_key(d)) is not None}
        self.keys = sorted(found, key=lambda k: (k[0], k[1] or 0))
        self.servers = TlsHosts(LOOPBACK)

    def start(self) -> tuple[HostMap, Trust]:
        from wxdash.fakeserver.certificates import DemoCA
        from wxdash.probes import HostMap, Trust
        from wxdash.probes.hostmap import is_host_name, is_ip

        ca = DemoCA()
        ports = self._sick_ports(ca)
        valid = self.servers.serve(ca.leaf(_valid_names(self.keys)).context())
        hosts = HostMap(closed=True)
        for host, port, check in self.keys:
            if not (is_host_name(host) or is_ip(host)):
                continue  # a wildcard or worse: the probe says so without a lookup
            if check == "dns":
                hosts.resolve[(host, port)] = (LOOPBACK,)
            else:
                hosts.connect_to[(host, port)] = (LOOPBACK, ports.get(host, valid))
        return hosts, Trust(ca.trust)

    def _sick_ports(self, ca: Any) -> dict[str, int]:
        servers = self.servers
        ports = {}
        for host, how in SICK_HOSTS.items():
            if how == "closed":
                ports[host] = servers.closed_port()
            elif how == "expired":
                ports[host] = servers.serve(ca.leaf([host], days=-5, age=95).context())
            elif how == "expiring":  # an hour over: "10 days" for the demo's first hour
                ports[host] = servers.serve(ca.leaf([host], days=10 + 1 / 24).context())
            elif how == "hostname":
                ports[host] = servers.serve(ca.leaf(["shop.example.net"]).context())
            elif how == "no_chain":
                ports[host] = servers.serve(ca.leaf([host]).context(chain=False))
            elif how == "tls13":
                ports[host] = servers.serve(ca.leaf([host]).context(tls13_only=True))
        return ports

    def stop(self) -> None:
        self.servers.stop()
