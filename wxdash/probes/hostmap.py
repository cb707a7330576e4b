"""Where a probe connects for a host: DNS, or the addresses `--resolve` and `--connect-to` give.

One map for the command line, the dashboard and the demo, read as curl reads the same options:
`--resolve HOST:PORT:ADDR[,ADDR]...` answers for the name, so DNS is not asked;
`--connect-to HOST:PORT:ADDR:PORT2` sends the connection elsewhere (the certificate is still
checked for HOST). A closed map (the demo's) never asks DNS: a host it does not name fails
without a lookup, so nothing real is ever reached.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from wxdash.i18n import _
from wxdash.safetext import quoted

Key = tuple[str, int | None]  # host (lower-case punycode), port (None: a port-less udp://)


class HostMapError(ValueError):
    """A `--resolve` or `--connect-to` value that cannot be read; `hint` says the shape."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


_NAME = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*")


def is_host_name(host: str) -> bool:
    """Whether DNS could be asked for `host` (lower-case punycode): no wildcard, no space."""
    return len(host) <= 253 and _NAME.fullmatch(host) is not None


def is_ip(host: str) -> bool:
    """Whether `host` is an IPv4 or IPv6 address rather than a name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _host(text: str) -> str:
    from wxdash.insight import ascii_host

    return ascii_host(text.strip("[]"))


def _split(text: str) -> list[str]:
    """`a:b:[::1]:d` into its parts, keeping an IPv6 address in brackets whole."""
    parts, current, depth = [], "", 0
    for char in text:
        if char == ":" and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"[": 1, "]": -1}.get(char, 0)
        current += char
    parts.append(current)
    return parts


def _port(text: str, option: str, value: str, hint: str) -> int:
    if text.isdigit() and 0 < int(text) < 65536:
        return int(text)
    raise HostMapError(
        _("{option} {value}: {port} is not a port number (1 to 65535)").format(
            option=option, value=quoted(value), port=quoted(text)
        ),
        hint,
    )


def _address(text: str, option: str, value: str, hint: str, *, name_allowed: bool) -> str:
    address = text.strip()
    if address.startswith("[") != address.endswith("]"):
        address = ""
    if is_ip(address) or (name_allowed and address and not address.startswith("[")):
        return address.strip("[]") if is_ip(address) else _host(address)
    raise HostMapError(
        _("{option} {value}: {address} is not an IP address").format(
            option=option, value=quoted(value), address=quoted(text)
        ),
        hint,
    )


def parse_resolve(value: str) -> tuple[Key, tuple[str, ...]]:
    """`HOST:PORT:ADDR[,ADDR]...` as curl's --resolve takes it; HostMapError if malformed."""
    hint = _("Write it as curl does: --resolve api.example.com:443:127.0.0.1")
    parts = _split(value)
    if len(parts) != 3 or not parts[0] or not parts[2]:
        raise HostMapError(
            _("--resolve {value} is not HOST:PORT:ADDR").format(value=quoted(value)), hint
        )
    port = _port(parts[1], "--resolve", value, hint)
    addresses = tuple(
        _address(a, "--resolve", value, hint, name_allowed=False) for a in parts[2].split(",")
    )
    return (_host(parts[0]), port), addresses


def parse_connect_to(value: str) -> tuple[Key, tuple[str, int]]:
    """`HOST:PORT:ADDR:PORT2` as curl's --connect-to takes it; ADDR may be a name."""
    hint = _("Write it as curl does: --connect-to api.example.com:443:127.0.0.1:8443")
    parts = _split(value)
    if len(parts) != 4 or not parts[0] or not parts[2]:
        raise HostMapError(
            _("--connect-to {value} is not HOST:PORT:ADDR:PORT2").format(value=quoted(value)),
            hint,
        )
    port = _port(parts[1], "--connect-to", value, hint)
    to_port = _port(parts[3], "--connect-to", value, hint)
    address = _address(parts[2], "--connect-to", value, hint, name_allowed=True)
    return (_host(parts[0]), port), (address, to_port)


@dataclass
class HostMap:
    """The host's own name and port, or where the options send them; `closed` looks up nothing."""

    resolve: dict[Key, tuple[str, ...]] = field(default_factory=dict)
    connect_to: dict[Key, tuple[str, int]] = field(default_factory=dict)
    closed: bool = False

    @classmethod
    def of(cls, resolve: Sequence[str] = (), connect_to: Sequence[str] = ()) -> HostMap:
        """The map the command-line values make; HostMapError for the first malformed one."""
        hosts = cls()
        for value in resolve:
            key, addresses = parse_resolve(value)
            hosts.resolve[key] = addresses
        for value in connect_to:
            key, target = parse_connect_to(value)
            hosts.connect_to[key] = target
        return hosts

    def __bool__(self) -> bool:
        return bool(self.resolve or self.connect_to or self.closed)

    def route(self, host: str, port: int | None) -> tuple[str, int | None, tuple[str, ...] | None]:
        """Where to connect for `host:port`: a host and port, and its addresses when the map
        knows them (None: ask DNS, unless the map is closed). A closed map connects only
        where it says, not even to an IP address it was not given."""
        mapped = (host, port) in self.connect_to
        if mapped:
            host, port = self.connect_to[(host, port)]
        if is_ip(host) and (mapped or not self.closed):
            return host, port, (host.strip("[]"),)
        return host, port, self.resolve.get((host, port))

    def loopback_only(self) -> bool:
        """Whether every address the map names is a loopback one (the demo's promise)."""
        named = [a for addresses in self.resolve.values() for a in addresses]
        named += [host for host, _port in self.connect_to.values()]
        return all(is_ip(a) and ipaddress.ip_address(a).is_loopback for a in named)
