"""The probes package as the dashboard calls it, in process: progress as each host lands, a
cancel that returns what is done, the host map's curl syntax, and results read back with
their age."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from probehosts import ProbeHosts

from wxdash.fleet import FetchOutcome, now
from wxdash.i18n import set_language
from wxdash.probes import (
    HostMap,
    HostMapError,
    HostResult,
    ProbeSettings,
    ProbeStore,
    Target,
    Trust,
    host_key,
    parse_connect_to,
    parse_resolve,
    probe_all,
    targets_of,
)
from wxdash.profiles import Profile
from wxdash.wechat.models import DomainGroup, DomainReport, Group, Protocol
from wxdash.wechat.tokens import TokenKind, TokenSpec


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[ProbeHosts]:
    made = ProbeHosts(tmp_path)
    yield made
    made.stop()


def trusting(hosts: ProbeHosts) -> Trust:
    return Trust(lambda: ssl.create_default_context(cafile=str(hosts.ca_file)))


def mapped(hosts: ProbeHosts) -> HostMap:
    return HostMap(connect_to={(h, 443): ("127.0.0.1", p) for h, p in hosts.ports.items()})


async def test_progress_hears_of_each_host_as_it_lands(hosts: ProbeHosts) -> None:
    names = [f"h{i}.probe.test" for i in range(5)]
    hosts.serve_many(names, "*.probe.test")
    heard: list[tuple[str, int, int]] = []
    results = await probe_all(
        [Target(n, 443, "tls") for n in names],
        hosts=mapped(hosts),
        trust=trusting(hosts),
        settings=ProbeSettings(concurrency=2),
        progress=lambda result, done, total: heard.append((result.host, done, total)),
    )
    assert [r.host for r in results] == names  # in the targets' order
    assert all(r.status == "ok" for r in results)
    assert sorted(h for h, _d, _t in heard) == names
    assert [(d, t) for _h, d, t in heard] == [(i, 5) for i in range(1, 6)]


async def test_a_cancel_stops_the_probes_still_waiting_and_returns_those_done(
    hosts: ProbeHosts,
) -> None:
    good = hosts.serve("valid")
    stuck = [hosts.serve("silent", f"stuck{i}.probe.test") for i in range(3)]
    cancel = asyncio.Event()
    results = await probe_all(
        [Target(good, 443, "tls"), *(Target(s, 443, "tls") for s in stuck)],
        hosts=mapped(hosts),
        trust=trusting(hosts),
        settings=ProbeSettings(timeout=3600),  # only the cancel can end the silent ones
        progress=lambda result, done, total: cancel.set(),
        cancel=cancel,
    )
    assert [r.host for r in results] == [good]


def test_the_host_map_reads_curls_syntax() -> None:
    assert parse_resolve("API.example.com:443:127.0.0.1,[::1]") == (
        ("api.example.com", 443),
        ("127.0.0.1", "::1"),
    )
    assert parse_connect_to("api.example.com:443:[::1]:8443") == (
        ("api.example.com", 443),
        ("::1", 8443),
    )
    assert parse_connect_to("例子.中国:443:staging.example.com:443")[0] == (
        "xn--fsqu00a.xn--fiqs8s",
        443,
    )
    with pytest.raises(HostMapError, match="is not a port number"):
        parse_connect_to("api.example.com:443:127.0.0.1:70000")
    hosts = HostMap.of(["a.example.com:443:10.0.0.1"], ["b.example.com:443:127.0.0.1:8443"])
    assert hosts.route("a.example.com", 443) == ("a.example.com", 443, ("10.0.0.1",))
    assert hosts.route("b.example.com", 443) == ("127.0.0.1", 8443, ("127.0.0.1",))
    assert hosts.route("c.example.com", 443) == ("c.example.com", 443, None)  # DNS decides
    assert HostMap(closed=True).route("203.0.113.9", 443)[2] is None  # not even an address


def test_targets_are_distinct_hosts_with_their_profiles_and_the_schemes_decide_the_check() -> None:
    assert host_key("https://Api.Example.com") == ("api.example.com", 443, "tls")
    assert host_key("wss://api.example.com:8443/x") == ("api.example.com", 8443, "tls")
    assert host_key("tcp://game.example.com:9000") == ("game.example.com", 9000, "tcp")
    assert host_key("tcp://game.example.com") == ("game.example.com", None, "dns")
    assert host_key("udp://live.example.com:8443") == ("live.example.com", 8443, "dns")
    assert host_key("http://insecure.example.com") is None

    def outcome(name: str, *domains: str) -> FetchOutcome:
        group = DomainGroup.of({Protocol.REQUEST: domains})
        report = DomainReport.of({Group.EFFECTIVE: group, Group.MP: DomainGroup.of()})
        token = TokenSpec(TokenKind.ACCESS_TOKEN, "x")
        return FetchOutcome(Profile(name, "wx0123456789abcdef", token), now(), report=report)

    targets = targets_of(
        [
            outcome("A", "https://api.example.com", "https://api.example.com:443"),
            outcome("B", "https://API.example.com", "https://cdn.example.com"),
        ]
    )
    assert [(t.host, t.port, t.profiles) for t in targets] == [
        ("api.example.com", 443, ("A", "B")),
        ("cdn.example.com", 443, ("B",)),
    ]
    assert targets[0].domains == (
        "https://API.example.com",
        "https://api.example.com",
        "https://api.example.com:443",
    )


async def test_kept_results_come_back_with_their_age_in_the_language_of_the_moment(
    hosts: ProbeHosts, tmp_path: Path
) -> None:
    expired = hosts.serve("expired")
    (result,) = await probe_all(
        [Target(expired, 443, "tls")], hosts=mapped(hosts), trust=trusting(hosts)
    )
    store = ProbeStore(tmp_path / "cache" / "probes.json")
    store.save([result])
    kept = ProbeStore(store.path).load()[(expired, 443)]
    assert isinstance(kept, HostResult)
    assert kept == result
    assert kept.age(result.checked_at + timedelta(minutes=5)) == timedelta(minutes=5)
    assert kept.days_left_at(result.checked_at + timedelta(days=2)) == -7
    set_language("zh")
    assert "证书已于 5 天前" in kept.problems[0].message


async def test_a_resolver_that_hangs_is_a_timeout_and_is_not_waited_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket
    import threading

    release = threading.Event()

    def hang(*args: object, **kwargs: object) -> list[object]:
        release.wait(30)
        raise OSError("released")

    monkeypatch.setattr(socket, "getaddrinfo", hang)
    try:
        (result,) = await probe_all(
            [Target("slow-dns.example.com", 443, "tls")], settings=ProbeSettings(timeout=0.2)
        )
    finally:
        release.set()
    assert [p.kind for p in result.problems] == ["timeout"]
    assert result.problems[0].message == "no DNS answer for slow-dns.example.com within 0.2 s"
