"""`wxdash probe`, end to end: `python -m wxdash probe` in a subprocess against the fake WeChat
server and TLS servers on loopback (tests/probehosts.py), reached through --connect-to and
--resolve, trusting a trustme CA through SSL_CERT_FILE.

Every run is checked for tracebacks and for the marker token (in output and in every file,
probes.json included); the TLS servers check that a probe sent nothing after its handshake.
"""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import APPID, FAST, MARKER, Run, Writer, profile
from probehosts import CASES, ProbeHosts, hosts_for_a_test

from wxdash.fakeserver import PROTOCOL_KEYS, FakeWeChat

HOST_KEYS = [
    "host",
    "port",
    "domains",
    "protocols",
    "profiles",
    "status",
    "problems",
    "tls_version",
    "not_after",
    "days_left",
    "issuer",
    "checked_at",
]
PROFILE_KEYS = ["name", "appid", "ok", "error", "hosts", "failing", "warning"]


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[ProbeHosts]:
    yield from hosts_for_a_test(tmp_path)


@pytest.fixture
def probes_file(tmp_path: Path) -> Path:
    """Where wxdash keeps probe results in this test (XDG_CACHE_HOME is set by conftest)."""
    return tmp_path / "home" / ".cache" / "wxdash" / "probes.json"


def lists(**protocols: list[str]) -> dict[str, Any]:
    """A domains answer with `protocols` (short names) in the effective and mp groups."""
    short = dict(
        zip(PROTOCOL_KEYS, ("request", "ws", "upload", "download", "udp", "tcp"), strict=True)
    )
    group = {key: list(protocols.get(short[key], [])) for key in PROTOCOL_KEYS}
    empty = {key: [] for key in PROTOCOL_KEYS}
    return {
        "effective_domain": group,
        "mp_domain": dict(group),
        "third_domain": empty,
        "direct_domain": empty,
    }


def shop(
    fake: FakeWeChat, name: str, number: int, *, scenario: str = "ok", **protocols: list[str]
) -> dict[str, Any]:
    """A profile on the fake server whose lists hold `protocols`; its token is the marker."""
    appid = f"wx{number:016x}" if number else APPID
    token = f"{MARKER}-{number}"
    fake.add_app(appid, token=token, domains=lists(**protocols), scenario=scenario)
    return profile(name, appid, api_base=fake.url, access_token=token)


def probe(
    run_cli: Run,
    hosts: ProbeHosts,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    return run_cli("probe", *args, env={**hosts.env, **(env or {})}, timeout=timeout)


def by_host(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["host"]: entry for entry in data["hosts"]}


# -- each problem kind, against a real TLS server ---------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_each_kind_of_problem_is_found_and_reported_in_json(
    case: str,
    fake: FakeWeChat,
    write_config: Writer,
    run_cli: Run,
    check: Any,
    hosts: ProbeHosts,
) -> None:
    host = hosts.serve(case)
    kind = CASES[case][1]
    write_config(
        {"network": FAST, "profiles": [shop(fake, "Shop A", 0, request=[f"https://{host}"])]}
    )
    args = ["--all", "-f", "json", "--timeout", "0.5", *hosts.connect_to(host)]
    result = check(probe(run_cli, hosts, *args), 6 if kind not in (None, "cert_expiring") else 0)
    entry = by_host(json.loads(result.stdout))[host]
    assert list(entry) == HOST_KEYS
    assert [p["kind"] for p in entry["problems"]] == ([kind] if kind else [])
    assert entry["status"] == {None: "ok", "cert_expiring": "warn"}.get(kind, "fail")
    assert entry["profiles"] == ["Shop A"]
    assert hosts.servers.handshakes[host] <= 3  # a server that never answers sees none
    message = entry["problems"][0]["message"] if kind else ""
    if case == "expired":
        assert entry["days_left"] == -5
        assert "expired 5 days ago" in message
    if case == "expiring":
        assert entry["days_left"] == 10
        assert "expires in 10 days" in message
    if case == "no_chain":  # both possibilities: they look alike without fetching the issuer
        assert "intermediate" in message and "issuer is not a trusted authority" in message
    if case == "hostname":
        assert "someone-else.probe.test" in message and host in message
    if case == "tls13":
        assert entry["tls_version"] == "TLSv1.3"
        assert "TLS 1.2" in message
    if case == "silent":
        assert "did not finish the TLS handshake within 0.5 s" in message
    if case == "closed":
        assert "Connection refused" in message
    if case == "valid":
        assert entry["tls_version"] == "TLSv1.3"
        assert entry["days_left"] > 30
        assert "trustme" in entry["issuer"]


def test_a_name_that_does_not_resolve_is_a_dns_failure(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, hosts: ProbeHosts
) -> None:
    write_config(
        {
            "network": FAST,
            "profiles": [shop(fake, "Shop A", 0, request=["https://nowhere.invalid"])],
        }
    )
    result = check(probe(run_cli, hosts, "--all", "-f", "json"), 6)
    (entry,) = json.loads(result.stdout)["hosts"]
    assert entry["host"] == "nowhere.invalid"
    assert [p["kind"] for p in entry["problems"]] == ["dns"]
    assert "nowhere.invalid does not resolve" in entry["problems"][0]["message"]


def test_a_server_that_does_not_speak_tls_is_a_tls_failure(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, hosts: ProbeHosts
) -> None:
    """The fake WeChat server speaks plain HTTP: the handshake fails, and says so."""
    write_config(
        {
            "network": FAST,
            "profiles": [shop(fake, "Shop A", 0, request=["https://plain.probe.test"])],
        }
    )
    port = fake.url.rsplit(":", 1)[1]
    args = ["--all", "-f", "json", "--connect-to", f"plain.probe.test:443:127.0.0.1:{port}"]
    result = check(probe(run_cli, hosts, *args), 6)
    (entry,) = json.loads(result.stdout)["hosts"]
    assert entry["host"] == "plain.probe.test"
    assert [p["kind"] for p in entry["problems"]] == ["tls"]
    assert entry["status"] == "fail" and entry["tls_version"] is None
    assert entry["problems"][0]["message"].startswith("the TLS handshake failed")


def test_resolve_answers_for_the_name_on_the_domains_own_port(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, hosts: ProbeHosts
) -> None:
    host = hosts.serve("valid")
    port = hosts.ports[host]
    domain = f"https://{host}:{port}"
    write_config({"network": FAST, "profiles": [shop(fake, "Shop A", 0, request=[domain])]})
    args = ["--all", "-f", "json", "--resolve", f"{host}:{port}:127.0.0.1"]
    result = check(probe(run_cli, hosts, *args), 0)
    (entry,) = json.loads(result.stdout)["hosts"]
    assert (entry["host"], entry["port"], entry["status"]) == (host, port, "ok")
    assert entry["domains"] == [domain]


# -- many profiles, one probe per host ----------------------------------------------------


def test_hosts_shared_by_profiles_are_probed_once_and_blame_every_profile(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, hosts: ProbeHosts
) -> None:
    good, expired, soon = hosts.serve("valid"), hosts.serve("expired"), hosts.serve("expiring")
    profiles = [
        shop(fake, "Shop A", 0, request=[f"https://{good}"], ws=[f"wss://{good}"]),
        shop(fake, "Shop B", 1, request=[f"https://{good}", f"https://{expired}"]),
        shop(fake, "Shop C", 2, download=[f"https://{soon}"], udp=["udp://live.invalid:8443"]),
    ]
    write_config({"network": FAST, "profiles": profiles})
    args = [
        "--all",
        *hosts.connect_to(good, expired, soon),
        "--resolve",
        "live.invalid:8443:127.0.0.1",
    ]
    data = json.loads(check(probe(run_cli, hosts, *args, "-f", "json"), 6).stdout)
    found = by_host(data)
    assert [e["host"] for e in data["hosts"]] == [
        expired,
        soon,
        good,
        "live.invalid",
    ]  # worst first
    assert found[good]["domains"] == [f"https://{good}", f"wss://{good}"]
    assert found[good]["protocols"] == ["requestdomain", "wsrequestdomain"]
    assert found[good]["profiles"] == ["Shop A", "Shop B"]
    assert found["live.invalid"]["status"] == "ok"  # udp://: looked up only (--resolve answers)
    assert found["live.invalid"]["tls_version"] is None
    assert hosts.servers.handshakes[good] == 2  # verified, then TLS 1.2 only: once for both
    assert [list(p) for p in data["profiles"]] == [PROFILE_KEYS] * 3
    counts = {p["name"]: (p["hosts"], p["failing"], p["warning"]) for p in data["profiles"]}
    assert counts == {"Shop A": (1, 0, 0), "Shop B": (2, 1, 0), "Shop C": (2, 0, 1)}

    text = check(probe(run_cli, hosts, *args), 6).stdout
    lines = text.splitlines()
    assert expired in lines[0] and "expired 5 days ago" in lines[0]
    assert lines[1].strip() == "1 profile: Shop B"
    assert soon in lines[2] and "expires in 10 days" in lines[2]
    assert good not in text  # fine hosts are counted, not listed
    assert lines[-1] == "4 hosts probed for 3 profiles: 1 failing, 1 with warnings, 2 fine"
    verbose = check(probe(run_cli, hosts, *args, "-v"), 6).stdout
    assert f"{good}  TLSv1.3" in verbose
    assert "2 profiles: Shop A, Shop B" in verbose


def test_warnings_alone_exit_0_and_a_failed_profile_comes_before_a_failing_host(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, hosts: ProbeHosts
) -> None:
    soon, expired = hosts.serve("expiring"), hosts.serve("expired")
    write_config(
        {"network": FAST, "profiles": [shop(fake, "Shop A", 0, request=[f"https://{soon}"])]}
    )
    check(probe(run_cli, hosts, "--all", *hosts.connect_to(soon)), 0)
    check(probe(run_cli, hosts, "--all", "--warn-days", "5", *hosts.connect_to(soon)), 0)
    profiles = [
        shop(fake, "Shop A", 0, request=[f"https://{expired}"]),
        shop(fake, "Shop B", 1, scenario="errcode:40001", request=["https://x.invalid"]),
    ]
    write_config({"network": FAST, "profiles": profiles})
    result = check(probe(run_cli, hosts, "--all", "-f", "json", *hosts.connect_to(expired)), 1)
    data = json.loads(result.stdout)
    assert [e["host"] for e in data["hosts"]] == [expired]
    failed = data["profiles"][1]
    assert (failed["name"], failed["ok"], failed["hosts"]) == ("Shop B", False, 0)
    assert failed["error"]["errcode"] == 40001
    assert "Shop B" in result.stderr


def test_groups_and_protocols_choose_the_hosts(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, hosts: ProbeHosts
) -> None:
    good = hosts.serve("valid")
    domains = lists(request=[f"https://{good}"], tcp=["tcp://game.invalid"])
    domains["mp_domain"]["requestdomain"] = ["https://next.invalid"]
    fake.add_app(APPID, token=MARKER, domains=domains)
    write_config(
        {"network": FAST, "profiles": [profile("Shop A", api_base=fake.url, access_token=MARKER)]}
    )
    live = json.loads(check(probe(run_cli, hosts, "-f", "json", *hosts.connect_to(good)), 6).stdout)
    assert sorted(e["host"] for e in live["hosts"]) == ["game.invalid", good]
    only = ["-f", "json", "-t", "request", *hosts.connect_to(good)]
    assert [
        e["host"] for e in json.loads(check(probe(run_cli, hosts, *only), 0).stdout)["hosts"]
    ] == [good]
    mp = json.loads(
        check(probe(run_cli, hosts, "-g", "mp", "-t", "request", "-f", "json"), 6).stdout
    )
    assert [e["host"] for e in mp["hosts"]] == ["next.invalid"]


# -- mistakes get a message and a hint ----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (
            ["--resolve", "api.example.com:443"],
            "is not HOST:PORT:ADDR",
            "--resolve api.example.com:443:127.0.0.1",
        ),
        (
            ["--resolve", "api.example.com:https:1.2.3.4"],
            "'https' is not a port number",
            "as curl does",
        ),
        (
            ["--resolve", "api.example.com:443:somewhere"],
            "'somewhere' is not an IP address",
            "as curl does",
        ),
        (
            ["--connect-to", "api.example.com:443:127.0.0.1"],
            "is not HOST:PORT:ADDR:PORT2",
            "--connect-to api.example.com:443:127.0.0.1:8443",
        ),
        (["-p", "Nobody"], "No profile is called 'Nobody'", "wxdash profile list"),
        (
            ["--demo", "--connect-to", "a.example.com:443:127.0.0.1:1"],
            "--demo probes only its own",
            "Leave out --demo",
        ),
    ],
)
def test_bad_arguments_say_what_is_wrong_and_how_to_write_it(
    args: list[str],
    message: str,
    hint: str,
    fake: FakeWeChat,
    write_config: Writer,
    run_cli: Run,
    check: Any,
    hosts: ProbeHosts,
) -> None:
    write_config(
        {"network": FAST, "profiles": [shop(fake, "Shop A", 0, request=["https://x.invalid"])]}
    )
    result = check(probe(run_cli, hosts, *args), 2)
    assert message in result.stderr
    assert "hint: " in result.stderr and hint in result.stderr
    assert result.stdout == ""
    assert fake.domain_calls == 0  # nothing was fetched, let alone probed


def test_an_unreadable_trust_store_is_a_usage_error_with_a_hint(
    fake: FakeWeChat,
    write_config: Writer,
    run_cli: Run,
    check: Any,
    hosts: ProbeHosts,
    tmp_path: Path,
) -> None:
    write_config(
        {"network": FAST, "profiles": [shop(fake, "Shop A", 0, request=["https://x.invalid"])]}
    )
    env = {"SSL_CERT_FILE": str(tmp_path / "missing.pem")}
    result = check(probe(run_cli, hosts, "--all", env=env), 2)
    assert "cannot load the trusted certificates" in result.stderr
    assert "hint: Point SSL_CERT_FILE at a PEM file" in result.stderr


# -- probes.json ----------------------------------------------------------------------------


def test_results_are_kept_private_merged_and_free_of_tokens(
    fake: FakeWeChat,
    write_config: Writer,
    run_cli: Run,
    check: Any,
    hosts: ProbeHosts,
    probes_file: Path,
) -> None:
    good, expired = hosts.serve("valid"), hosts.serve("expired")
    profiles = [
        shop(fake, "Shop A", 0, request=[f"https://{good}"]),
        shop(fake, "Shop B", 1, request=[f"https://{expired}"]),
    ]
    write_config({"network": FAST, "profiles": profiles})
    check(probe(run_cli, hosts, "--all", *hosts.connect_to(good, expired)), 6)
    assert stat.S_IMODE(probes_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(probes_file.parent.stat().st_mode) == 0o700
    kept = {h["host"]: h for h in json.loads(probes_file.read_text())["hosts"]}
    assert set(kept) == {good, expired}
    assert kept[expired]["problems"][0]["kind"] == "cert_expired"
    first = kept[good]["checked_at"]
    # Probing one profile again replaces its hosts and keeps the others.
    check(probe(run_cli, hosts, "-p", "Shop B", *hosts.connect_to(expired)), 6)
    again = {h["host"]: h for h in json.loads(probes_file.read_text())["hosts"]}
    assert set(again) == {good, expired}
    assert again[good]["checked_at"] == first
    assert MARKER.encode() not in probes_file.read_bytes()


def test_a_garbled_probes_file_is_replaced_with_a_warning(
    fake: FakeWeChat,
    write_config: Writer,
    run_cli: Run,
    check: Any,
    hosts: ProbeHosts,
    probes_file: Path,
) -> None:
    good = hosts.serve("valid")
    write_config(
        {"network": FAST, "profiles": [shop(fake, "Shop A", 0, request=[f"https://{good}"])]}
    )
    probes_file.parent.mkdir(parents=True)
    probes_file.write_text('{"format": 1, "hosts": [{"host": 5}]}')
    result = check(probe(run_cli, hosts, "--all", *hosts.connect_to(good)), 0)
    assert "kept probe results could not be read and were discarded" in result.stderr
    assert [h["host"] for h in json.loads(probes_file.read_text())["hosts"]] == [good]


def test_offline_takes_the_domains_from_the_cache_and_still_probes(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, hosts: ProbeHosts
) -> None:
    good = hosts.serve("valid")
    write_config(
        {"network": FAST, "profiles": [shop(fake, "Shop A", 0, request=[f"https://{good}"])]}
    )
    check(probe(run_cli, hosts, "--all", *hosts.connect_to(good)), 0)
    calls, shaken = fake.domain_calls, hosts.servers.handshakes[good]
    result = check(
        probe(run_cli, hosts, "--all", "--offline", "-f", "json", *hosts.connect_to(good)), 0
    )
    assert fake.domain_calls == calls
    assert hosts.servers.handshakes[good] > shaken
    assert json.loads(result.stdout)["hosts"][0]["status"] == "ok"


def test_the_token_is_nowhere_in_output_logs_or_kept_results(
    fake: FakeWeChat,
    write_config: Writer,
    run_cli: Run,
    check: Any,
    hosts: ProbeHosts,
    probes_file: Path,
    tmp_path: Path,
) -> None:
    good, expired = hosts.serve("valid"), hosts.serve("expired")
    write_config(
        {
            "network": FAST,
            "profiles": [
                shop(fake, "Shop A", 0, request=[f"https://{good}", f"https://{expired}"])
            ],
        }
    )
    log = tmp_path / "probe.log"
    for form in ("text", "json"):
        args = ["--all", "-v", "--log", str(log), "-f", form, *hosts.connect_to(good, expired)]
        result = check(probe(run_cli, hosts, *args), 6)
        assert MARKER not in result.stdout + result.stderr
    assert f"probed {expired}:443: fail cert_expired" in log.read_text()
    for path in (log, probes_file):
        assert MARKER.encode() not in path.read_bytes()
    assert bytes(hosts.servers.received) == b""  # not the token, not an HTTP request: nothing


# -- the demo -------------------------------------------------------------------------------

# Runs the demo's probe with every connect and lookup recorded.
WATCHED = """
import json, socket, sys
connected, looked_up = [], []
connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo
def watched_connect(self, address):
    connected.append(address[0])
    return connect(self, address)
def watched_getaddrinfo(host, *args, **kwargs):
    looked_up.append(host)
    return getaddrinfo(host, *args, **kwargs)
socket.socket.connect = watched_connect
socket.getaddrinfo = watched_getaddrinfo
from wxdash.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print(json.dumps({"code": code, "connected": connected, "looked_up": looked_up}), file=sys.stderr)
"""


def test_the_demo_probes_its_own_loopback_servers_only_and_shows_every_mark(
    tmp_path: Path, probes_file: Path
) -> None:
    import sys

    args = ["--demo", "probe", "-f", "json"]
    for name in ("Lotus Tea House", "Harbor Books", "Corner Cafe (lint)", "Reference sample"):
        args += ["-p", name]
    result = subprocess.run(
        [sys.executable, "-c", WATCHED, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    watched = json.loads(result.stderr.splitlines()[-1])
    assert watched["code"] == 6, result.stderr
    assert watched["connected"] and set(watched["connected"]) == {"127.0.0.1"}
    assert set(watched["looked_up"]) <= {"127.0.0.1"}  # the fake WeChat server's address
    found = by_host(json.loads(result.stdout))
    kinds = {host: [p["kind"] for p in e["problems"]] for host, e in found.items()}
    assert kinds["pay.lotustea.com"] == ["cert_expired"]
    assert kinds["analytics.example-platform.com"] == ["cert_expiring"]
    assert found["analytics.example-platform.com"]["days_left"] == 10
    assert kinds["img.harborbooks.com"] == ["cert_hostname"]
    assert kinds["upload.harborbooks.com"] == ["cert_untrusted"]
    assert kinds["push.harborbooks.com"] == ["tls12"]
    assert kinds["cdn.harborbooks.com"] == ["connect"]
    assert kinds["*.cornercafe.com"] == ["dns"]
    assert kinds["api.harborbooks.com"] == []
    assert kinds["203.0.113.9"] == []  # an IP address in the lint demo: served on loopback too
    assert kinds["melody5.wechat.qq.com"] == []  # udp://: looked up in the demo's map only
    assert not probes_file.exists()  # the demo keeps nothing


# -- a fleet ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_thousand_profiles_sharing_thirty_hosts_probe_each_host_once(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, hosts: ProbeHosts
) -> None:
    names = [f"h{i:02d}.fleet.test" for i in range(30)]
    hosts.serve_many(names, "*.fleet.test")
    # Each profile lists every host, some twice (https and wss), in its own order.
    profiles = [
        shop(
            fake,
            f"Shop {i:04d}",
            i + 1,
            request=[f"https://{n}" for n in names[i % 30 :] + names[: i % 30]],
            ws=[f"wss://{names[i % 30]}"],
        )
        for i in range(1000)
    ]
    write_config({"network": FAST, "concurrency": 32, "profiles": profiles})
    args = ["--all", *hosts.connect_to(*names)]
    data = json.loads(check(probe(run_cli, hosts, *args, "-f", "json", timeout=300), 0).stdout)
    assert sorted(e["host"] for e in data["hosts"]) == names
    for entry in data["hosts"]:
        assert entry["status"] == "ok"
        assert len(entry["profiles"]) == 1000
        assert len(set(entry["profiles"])) == 1000
    assert all(1 <= hosts.servers.handshakes[n] <= 3 for n in names), hosts.servers.handshakes
    assert sum(hosts.servers.handshakes.values()) == 60  # verified and TLS 1.2, once per host
    assert all(p["hosts"] == 30 for p in data["profiles"])
    # The text says the blast radius as a count, and the cached lists serve a second run.
    text = check(probe(run_cli, hosts, *args, "--offline", "-v", timeout=300), 0).stdout
    radii = [line.split("  ·")[0].strip() for line in text.splitlines() if line.startswith("    ")]
    assert radii == ["1,000 profiles"] * 30
    assert text.splitlines()[-1] == (
        "30 hosts probed for 1,000 profiles: 0 failing, 0 with warnings, 30 fine"
    )
