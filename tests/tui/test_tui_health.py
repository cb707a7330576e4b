"""Domain health in the dashboard: `h` marks a profile's domains with what a probe of each host
found, against TLS servers on loopback (tests/probehosts.py) reached through a closed host map
(nothing is looked up); the marks come back at the next start from probes.json with their age;
the Health screen (`H`) lists the hosts worst first with their blast radius, goes to a profile
using one, and probes the fleet with progress that escape cancels; `--demo` marks its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import Writer
from probehosts import CASES, ProbeHosts
from textual.pilot import Pilot
from tuikit import (
    APPID_A,
    config,
    notices,
    running,
    settle,
    shop,
    tree_text,
    wait_until,
    widget_text,
)

from wxdash.app import WxDashApp
from wxdash.fakeserver import PROTOCOL_KEYS, FakeWeChat
from wxdash.probes import HostMap, ProbeSettings

# What the tree says after each case's domain (CASES names its host).
MARKS = {
    "valid": "✓",
    "no_chain": "✗ certificate not trusted",
    "expired": "✗ certificate expired 5 days ago",
    "expiring": "⚠ expires in 10 days",
    "hostname": "✗ certificate for another name",
    "tls13": "✗ no TLS 1.2",
    "closed": "✗ no connection",
    "silent": "✗ no answer in time",
}
NOWHERE = "nowhere.invalid"  # not in the closed host map: a dns failure, never looked up
PLAIN = "plain.probe.test"  # sent to the fake WeChat server, which speaks HTTP, not TLS
# Short enough for the silent server's handshake, long enough for a loaded machine's others.
SETTINGS = ProbeSettings(timeout=1.5)


@pytest.fixture
def hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ProbeHosts]:
    made = ProbeHosts(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(made.ca_file))
    yield made
    made.stop()
    assert bytes(made.servers.received) == b"", "a probe sent more than a handshake"


@pytest.fixture
def probes_file(tmp_path: Path) -> Path:
    return tmp_path / "home" / ".cache" / "wxdash" / "probes.json"


def closed_map(hosts: ProbeHosts, fake: FakeWeChat | None = None) -> HostMap:
    """Each served host's port 443 sent to its loopback server; nothing else reachable."""
    mapped = HostMap.of((), hosts.connect_to()[1::2])
    if fake is not None:
        mapped.connect_to[(PLAIN, 443)] = ("127.0.0.1", urlsplit(fake.url).port or 80)
    mapped.closed = True
    return mapped


def live(*domains: str) -> dict[str, Any]:
    """A domains answer listing `domains` as request domains, live and in MP."""
    group = {key: [] for key in PROTOCOL_KEYS}
    group["requestdomain"] = list(domains)
    empty = {key: [] for key in PROTOCOL_KEYS}
    return {
        "effective_domain": group,
        "mp_domain": dict(group),
        "third_domain": empty,
        "direct_domain": empty,
    }


def make_app(write_config: Writer, hosts: HostMap, *profiles: dict[str, Any], **keys: Any) -> Any:
    path = write_config(config(*profiles))
    return WxDashApp(config_file=str(path), hosts=hosts, probe_settings=SETTINGS, **keys)


def header(app: WxDashApp) -> str:
    return " ".join(widget_text(app, "#header").split())


async def focus_domain(pilot: Pilot[Any], domain: str) -> None:
    tree = pilot.app.dashboard.tree()
    tree.focus()
    assert tree.focus_domain("requestdomain", domain)
    await pilot.pause()


# -- h: each kind of problem as a mark ----------------------------------------------------


async def test_h_marks_each_domain_with_its_hosts_probe(
    fake: FakeWeChat, write_config: Writer, hosts: ProbeHosts, probes_file: Path
) -> None:
    served = {case: hosts.serve(case) for case in CASES}
    domains = [f"https://{host}" for host in served.values()]
    domains += [f"https://{NOWHERE}", f"https://{PLAIN}"]
    app = make_app(
        write_config, closed_map(hosts, fake), shop(fake, "Shop A", APPID_A, domains=live(*domains))
    )
    async with running(app) as pilot:
        await pilot.press("h")
        await wait_until(pilot, lambda: not app.dashboard.probing.runs, "the probe ended")
        await settle(pilot)
        lines = tree_text(app).splitlines()

        def line_of(host: str) -> str:
            return next(line for line in lines if f"https://{host} " in line + " ")

        for case, host in served.items():
            assert line_of(host).rstrip().endswith(f"https://{host}  {MARKS[case]}"), case
        assert line_of(NOWHERE).rstrip().endswith("✗ does not resolve")
        assert line_of(PLAIN).rstrip().endswith("✗ TLS handshake failed")
        assert any(
            "Shop A: Probed 10 hosts: 8 failing, 1 with warnings, 1 fine" in n for n in notices(app)
        )

        # The header says the focused domain's result in full, and its age.
        await focus_domain(pilot, f"https://{served['expired']}")
        said = header(app)
        assert f"https://{served['expired']}" in said
        assert "✗ the certificate expired 5 days ago, on" in said
        assert "checked just now" in said
        await focus_domain(pilot, f"https://{served['valid']}")
        assert "✓ TLSv1.3 · valid until" in header(app)

    kept = json.loads(probes_file.read_text())
    assert len(kept["hosts"]) == 10
    assert probes_file.stat().st_mode & 0o777 == 0o600
