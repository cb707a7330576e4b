"""Loopback TLS hosts for the probe tests, with certificates from trustme: a root, an
intermediate, and a leaf per case. The CLI tests and the dashboard's reach them the same way:
`--connect-to HOST:443:127.0.0.1:PORT` (or the host map it makes), trusting the root through
SSL_CERT_FILE.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme

from wxdash.fakeserver.tls import TlsHosts

# Each case: the host a domain names, what its server does, and the kind a probe must report.
CASES = {
    "valid": ("good.probe.test", None),
    "no_chain": ("nochain.probe.test", "cert_untrusted"),
    "expired": ("expired.probe.test", "cert_expired"),
    "expiring": ("soon.probe.test", "cert_expiring"),
    "hostname": ("misnamed.probe.test", "cert_hostname"),
    "tls13": ("modern.probe.test", "tls12"),
    "closed": ("closed.probe.test", "connect"),
    "silent": ("silent.probe.test", "timeout"),
}


@dataclass
class ProbeHosts:
    """A CA trusted through `ca_file`, and TLS servers on loopback started on port 0."""

    folder: Path
    servers: TlsHosts = field(default_factory=TlsHosts)
    ports: dict[str, int] = field(default_factory=dict)  # host -> port

    def __post_init__(self) -> None:
        self.root = trustme.CA()
        self.intermediate = self.root.create_child_ca()
        self.ca_file = self.folder / "probe-ca.pem"
        self.root.cert_pem.write_to_path(str(self.ca_file))
        self.servers.start()

    @property
    def env(self) -> dict[str, str]:
        """The environment that makes wxdash trust this CA (and nothing else)."""
        return {"SSL_CERT_FILE": str(self.ca_file)}

    def _context(self, leaf: trustme.LeafCert, *, chain: bool = True) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if chain:
            leaf.configure_cert(context)
            return context
        cert, key = self.folder / f"{id(leaf)}.pem", self.folder / f"{id(leaf)}.key"
        leaf.cert_chain_pems[0].write_to_path(str(cert))
        leaf.private_key_pem.write_to_path(str(key))
        context.load_cert_chain(str(cert), str(key))
        return context

    def serve(self, case: str, host: str | None = None) -> str:
        """Start the server of `case` for `host` (the case's own by default); the host."""
        host = host or CASES[case][0]
        now = datetime.now(UTC)
        issue = self.intermediate.issue_cert
        if case == "closed":
            port = self.servers.closed_port()
        elif case == "silent":
            port = self.servers.silent()
        elif case == "no_chain":
            port = self.servers.serve(self._context(issue(host), chain=False))
        elif case == "expired":
            leaf = issue(
                host, not_before=now - timedelta(days=60), not_after=now - timedelta(days=5)
            )
            port = self.servers.serve(self._context(leaf))
        elif case == "expiring":  # an hour over, so that it is 10 whole days for an hour
            leaf = issue(host, not_after=now + timedelta(days=10, hours=1))
            port = self.servers.serve(self._context(leaf))
        elif case == "hostname":
            port = self.servers.serve(self._context(issue("someone-else.probe.test")))
        elif case == "tls13":
            context = self._context(issue(host))
            context.minimum_version = ssl.TLSVersion.TLSv1_3
            port = self.servers.serve(context)
        else:
            port = self.servers.serve(self._context(issue(host)))
        self.ports[host] = port
        return host

    def serve_many(self, hosts: list[str], wildcard: str) -> int:
        """One valid server for many hosts (a `*.` wildcard certificate); its port."""
        port = self.servers.serve(self._context(self.intermediate.issue_cert(wildcard)))
        for host in hosts:
            self.ports[host] = port
        return port

    def connect_to(self, *hosts: str) -> list[str]:
        """`--connect-to` arguments that send each host's port 443 to its loopback server."""
        args = []
        for host in hosts or tuple(self.ports):
            args += ["--connect-to", f"{host}:443:127.0.0.1:{self.ports[host]}"]
        return args

    def stop(self) -> None:
        self.servers.stop()


def hosts_for_a_test(
    folder: Path, monkeypatch: pytest.MonkeyPatch | None = None
) -> Iterator[ProbeHosts]:
    """For a fixture to `yield from`: hosts whose files are in `folder`, stopped after the test,
    which then fails if a probe sent them more than a handshake. With `monkeypatch`, the test's
    own process trusts their CA too (probes run in it, as the dashboard's do); a `wxdash` in a
    subprocess is given `env`."""
    made = ProbeHosts(folder)
    if monkeypatch is not None:
        monkeypatch.setenv("SSL_CERT_FILE", str(made.ca_file))
    yield made
    made.stop()
    assert bytes(made.servers.received) == b"", "a probe sent more than a handshake"
