"""The headless command line, end to end: `python -m wxdash` in a subprocess against the fake
WeChat server on loopback.

Each test checks what a user or a script would see: stdout, stderr, the exit code and the
files left behind. Every run is also checked for tracebacks and for the marker token.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import subprocess
import sys
import textwrap
import threading
import tomllib
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import (
    APPID,
    FAST,
    MARKER,
    WRONG_TYPES_WARNINGS,
    Run,
    Writer,
    profile,
)

from wxdash import __version__, fakeserver
from wxdash.fakeserver import (
    ERRMSG,
    GROUP_KEYS,
    PROTOCOL_KEYS,
    WEBVIEW_KEYS,
    FakeWeChat,
    big_domains,
    empty_webview,
    extra_fields_domains,
    hostile_domains,
    idn_domains,
    missing_groups_domains,
    sample_domains,
    wrong_types_domains,
)
from wxdash.wechat.errors import _HINTS

JSON_KEYS = (
    "name",
    "appid",
    "ok",
    "error",
    "warnings",
    "fetched_at",
    "source",
    "domains",
    "webview_domains",
    "webview_error",
)
ERROR_KEYS = ("kind", "errcode", "message", "hint")
WARNING_KEYS = ("kind", "group", "protocol", "domain", "message")
GROUPS = GROUP_KEYS
PROTOCOLS = PROTOCOL_KEYS
SHORT_GROUP = {g: g.removesuffix("_domain") for g in GROUPS}
SHORT_PROTOCOL = dict(
    zip(PROTOCOLS, ("request", "ws", "upload", "download", "udp", "tcp"), strict=True)
)


def serve(
    fake: FakeWeChat,
    name: str = "Shop A",
    appid: str = APPID,
    *,
    domains: dict[str, Any] | None = None,
    scenario: str = "ok",
    token: str = MARKER,
    webview: dict[str, Any] | None = None,
    **keys: Any,
) -> dict[str, Any]:
    """Register an app on the fake server and return its profile (literal token by default)."""
    fake.add_app(appid, token=token, domains=domains, scenario=scenario, webview=webview)
    source = keys or {"access_token": token}
    return profile(name, appid, api_base=fake.url, **source)


def fetch_json(run_cli: Run, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    result = run_cli("fetch", *args, "-f", "json")
    return result, json.loads(result.stdout)


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def expected_rows(name: str, appid: str, domains: dict[str, Any]) -> list[list[str]]:
    return [
        [name, appid, SHORT_GROUP[g], SHORT_PROTOCOL[p], d]
        for g in GROUPS
        for p in PROTOCOLS
        for d in domains[g][p]
    ]


# Runs several command lines in one interpreter, each as `python -m wxdash` would, and reports
# each one's exit code and output, and any attempt to import textual.
BATCH = textwrap.dedent(
    """
    import contextlib, io, json, runpy, sys

    attempted = []

    class Watch:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "textual":
                attempted.append(name)
            return None

    sys.meta_path.insert(0, Watch())
    runs = []
    for args, stdin in json.loads(sys.argv[1]):
        out, err, before = io.StringIO(), io.StringIO(), len(attempted)
        sys.argv, sys.stdin, code = ["wxdash", *args], io.StringIO(stdin), None
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                runpy.run_module("wxdash", run_name="__main__", alter_sys=True)
            except SystemExit as exit:
                code = exit.code
        runs.append({"args": args, "code": code, "stdout": out.getvalue(),
                     "stderr": err.getvalue(), "textual": attempted[before:]})
    loaded = sorted(m for m in sys.modules if m.split(".")[0] == "textual")
    print(json.dumps({"runs": runs, "loaded": loaded}))
    """
)


def run_batch(
    check: Any, cwd: Path, commands: list[tuple[list[str], str]]
) -> tuple[list[dict[str, Any]], list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", BATCH, json.dumps(commands)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )
    check(result, 0)
    report = json.loads(result.stdout)
    for run in report["runs"]:
        assert "Traceback" not in run["stderr"], run
    return report["runs"], report["loaded"]


# -- fetch: exactly the data served -----------------------------------------------------


def test_fetch_json_prints_exactly_the_sample_in_the_documented_shape(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake)]})
    result, data = fetch_json(run_cli, "--all")
    check(result, 0)
    assert list(data) == ["profiles"]
    (shop,) = data["profiles"]
    assert set(JSON_KEYS) <= set(shop)
    assert shop["name"] == "Shop A"
    assert shop["appid"] == APPID
    assert shop["ok"] is True
    assert shop["error"] is None
    assert shop["warnings"] == []
    fetched = datetime.fromisoformat(shop["fetched_at"])
    assert fetched.tzinfo is not None
    assert shop["source"] == "network"
    assert shop["domains"] == sample_domains()
    assert shop["webview_domains"] == empty_webview()
    assert list(shop["webview_domains"]) == list(WEBVIEW_KEYS)
    assert shop["webview_error"] is None
    assert result.stderr == ""


def test_fetch_json_prints_all_4800_domains_of_a_big_response(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, domains=big_domains(200))]})
    result, data = fetch_json(run_cli, "--all")
    check(result, 0)
    domains = data["profiles"][0]["domains"]
    assert domains == big_domains(200)
    assert sum(len(v) for g in domains.values() for v in g.values()) == 4800


def test_fetch_keeps_the_profiles_order_and_each_profiles_own_data(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    shops = [
        serve(fake, "Big", "wx00000000000000b1", domains=big_domains(30), token=MARKER + "-1"),
        serve(fake, "Sample", "wx00000000000000b2", token=MARKER + "-2"),
        serve(fake, "IDN", "wx00000000000000b3", domains=idn_domains(), token=MARKER + "-3"),
    ]
    write_config({"network": FAST, "profiles": shops})
    result, data = fetch_json(run_cli, "--all", "--concurrency", "2")
    check(result, 0)
    assert [(p["name"], p["appid"]) for p in data["profiles"]] == [
        ("Big", "wx00000000000000b1"),
        ("Sample", "wx00000000000000b2"),
        ("IDN", "wx00000000000000b3"),
    ]
    assert [p["domains"] for p in data["profiles"]] == [
        big_domains(30),
        sample_domains(),
        idn_domains(),
    ]


def test_text_output_comes_profile_by_profile_in_the_configs_order(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    """Text is written as profiles land, yet in the config's order: the slow first profile
    still comes first, and the whole reads as one `fetch` of all of them would."""
    shops = [
        serve(fake, "Slow", "wx00000000000000c1", scenario="slow:0.5", token=MARKER + "-1"),
        serve(fake, "Fast", "wx00000000000000c2", token=MARKER + "-2"),
        serve(fake, "Broken", "wx00000000000000c3", scenario="errcode:40001", token=MARKER + "-3"),
        serve(fake, "Faster", "wx00000000000000c4", token=MARKER + "-4"),
    ]
    write_config({"network": FAST, "profiles": shops})
    result = check(run_cli("fetch", "--all", "--concurrency", "4"), 1)
    sections = result.stdout.split("\n\n")
    assert [section.split("  ")[0] for section in sections] == ["Slow", "Fast", "Broken", "Faster"]
    assert "failed: WeChat error 40001" in sections[2]
    assert result.stdout.endswith("\n") and not result.stdout.endswith("\n\n")
    one_by_one = [check(run_cli("fetch", "-p", name), 1 if name == "Broken" else 0).stdout
                  for name in ("Slow", "Fast", "Broken", "Faster")]  # fmt: skip
    # The same text but for the fetch times and WeChat's request ids.
    varying = re.compile(r"  fetched [^\n]*|rid: [0-9a-f-]+")
    assert varying.sub("", result.stdout) == varying.sub("", "\n".join(one_by_one))


def test_a_fast_profile_is_printed_while_a_slow_one_is_still_fetched(
    fake: FakeWeChat, write_config: Writer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Slow's answer waits until this test has read Fast's part of the output.
    gate, released = threading.Event(), []
    monkeypatch.setattr(
        fakeserver, "time", SimpleNamespace(sleep=lambda _: released.append(gate.wait(20)))
    )
    shops = [
        serve(fake, "Fast", "wx00000000000000d1", token=MARKER + "-1"),
        serve(fake, "Slow", "wx00000000000000d2", scenario="slow:1", token=MARKER + "-2"),
    ]
    write_config({"network": {**FAST, "read_timeout": 30}, "profiles": shops})
    command = [sys.executable, "-m", "wxdash", "fetch", "--all"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a pipe buffers
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, cwd=tmp_path, env=env
    ) as child:
        assert child.stdout is not None
        first = child.stdout.readline()
        shown = [first]
        while not (shown[-1].startswith("    webview") and "  Direct\n" in shown):
            shown.append(child.stdout.readline())  # to Fast's last line
            assert shown[-1], "the output ended before Fast's last line"
        gate.set()
        rest = child.stdout.read()
    assert released and all(released)  # Slow was answered only once Fast had been read
    assert child.returncode == 0
    assert first.startswith("Fast  wx00000000000000d1  fetched ")
    assert rest.startswith("\nSlow  wx00000000000000d2  fetched ")  # after a blank line


def test_fetch_named_profiles_only(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    shops = [
        serve(fake, "Shop A", "wx00000000000000a1", token=MARKER + "-1"),
        serve(fake, "Shop B", "wx00000000000000a2", token=MARKER + "-2"),
        serve(fake, "Shop C", "wx00000000000000a3", token=MARKER + "-3"),
    ]
    write_config({"network": FAST, "profiles": shops})
    result, data = fetch_json(run_cli, "-p", "Shop C", "--profile", "shop a")
    check(result, 0)
    assert [p["name"] for p in data["profiles"]] == ["Shop C", "Shop A"]
    assert fake.app("wx00000000000000a2").domain_calls == 0
    assert fake.app("wx00000000000000a2").webview_calls == 0
    assert fake.app("wx00000000000000a3").webview_calls == 1


def test_a_single_profile_needs_no_name(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake)]})
    result, data = fetch_json(run_cli)
    check(result, 0)
    assert data["profiles"][0]["domains"] == sample_domains()


FILTERS = [
    (["-g", "mp"], ["mp_domain"], PROTOCOLS),
    (["--group", "third_domain"], ["third_domain"], PROTOCOLS),
    (["-g", "Effective", "-g", "direct"], ["effective_domain", "direct_domain"], PROTOCOLS),
    (["-t", "udp"], GROUPS, ["udpdomain"]),
    (["--protocol", "wsrequestdomain"], GROUPS, ["wsrequestdomain"]),
    (["-t", "TCP", "-t", "request"], GROUPS, ["requestdomain", "tcpdomain"]),
    (["-g", "direct", "-t", "download"], ["direct_domain"], ["downloaddomain"]),
    (
        ["--group", "MP_DOMAIN", "--protocol", "ws", "-t", "udpdomain"],
        ["mp_domain"],
        ["wsrequestdomain", "udpdomain"],
    ),
]


def test_group_and_protocol_filters_take_short_and_long_names(
    fake: FakeWeChat, write_config: Writer, check: Any, tmp_path: Path
) -> None:
    served = big_domains(3)
    write_config({"network": FAST, "profiles": [serve(fake, domains=served)]})
    commands = [
        (["fetch", *args, "-f", fmt], "") for args, *_ in FILTERS for fmt in ("json", "csv")
    ]
    runs, _loaded = run_batch(check, tmp_path, commands)
    for index, (args, groups, protocols) in enumerate(FILTERS):
        as_json, as_csv = runs[2 * index], runs[2 * index + 1]
        assert as_json["code"] == as_csv["code"] == 0, (as_json, as_csv)
        domains = json.loads(as_json["stdout"])["profiles"][0]["domains"]
        # Always in the API's order, whatever order they were named in.
        assert list(domains) == [g for g in GROUPS if g in groups], args
        for group in domains:
            assert list(domains[group]) == [p for p in PROTOCOLS if p in protocols], args
            for key, listed in domains[group].items():
                assert listed == served[group][key]
        rows = csv_rows(as_csv["stdout"])
        wanted = {(SHORT_GROUP[g], SHORT_PROTOCOL[p]) for g in groups for p in protocols}
        assert {(r[2], r[3]) for r in rows[1:]} == wanted, args
        assert len(rows) - 1 == len(wanted) * 3


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["-g", "effective_domains"],
            "unknown group 'effective_domains'; choose from: effective, mp, third, direct",
        ),
        (
            ["-t", "http"],
            "unknown protocol 'http'; choose from: request, ws, upload, download, udp, tcp, "
            "webview",
        ),
        (["-f", "xml"], "invalid choice: 'xml'"),
        (["--concurrency", "0"], "above 0"),
    ],
)
def test_a_bad_option_value_is_a_usage_error_naming_the_choices(
    write_config: Writer, run_cli: Run, check: Any, args: list[str], expected: str
) -> None:
    write_config({"profiles": [profile("Shop A", token_env="WX_A")]})
    result = check(run_cli("fetch", *args), 2)
    assert expected in result.stderr
    assert result.stdout == ""


def test_csv_has_the_documented_header_and_one_row_per_domain(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake)]})
    result = check(run_cli("fetch", "-f", "csv"), 0)
    assert result.stdout.splitlines()[0] == "profile,appid,group,protocol,domain"
    rows = csv_rows(result.stdout)
    assert rows[1:] == expected_rows("Shop A", APPID, sample_domains())


def test_csv_of_a_big_response_has_4800_rows(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, domains=big_domains(200))]})
    rows = csv_rows(check(run_cli("fetch", "--all", "-f", "csv"), 0).stdout)
    assert rows[1:] == expected_rows("Shop A", APPID, big_domains(200))
    assert len(rows) == 4801


def test_csv_quotes_a_profile_name_with_a_comma(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, 'Tea, "Lotus"')]})
    rows = csv_rows(check(run_cli("fetch", "-f", "csv"), 0).stdout)
    assert {r[0] for r in rows[1:]} == {'Tea, "Lotus"'}


def test_text_output_is_grouped_and_readable(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    data = sample_domains()
    data["third_domain"] = {p: [] for p in PROTOCOLS}
    data["direct_domain"] = None
    webview = empty_webview()
    webview["effective_webviewdomain"] = ["https://www.shop-a.com"]
    del webview["direct_webviewdomain"]
    write_config({"network": FAST, "profiles": [serve(fake, domains=data, webview=webview)]})
    result = check(run_cli("fetch"), 0)
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Shop A  {APPID}  fetched ")
    headings = [line.strip() for line in lines if line.startswith("  ") and line[2] != " "]
    assert headings[:3] == ["Effective", "MP", "Third-party"]
    assert re.search(r"^  Direct +not returned by the API$", result.stdout, re.MULTILINE)
    assert re.search(r"^    request +https://melody1\.qq\.com$", result.stdout, re.MULTILINE)
    assert re.search(r"^    udp +udp://melody2\.WeChat\.qq\.com$", result.stdout, re.MULTILINE)
    assert re.search(r"^ +udp://melody5\.WeChat\.qq\.com$", result.stdout, re.MULTILINE)
    # The business domains are a seventh row in each group.
    assert re.search(r"^    webview +https://www\.shop-a\.com$", result.stdout, re.MULTILINE)
    third = result.stdout.split("Third-party")[1].split("Direct")[0]
    assert third.count("(none)") == 7
    for domain in {d for g in GROUPS[:2] for p in PROTOCOLS for d in data[g][p]}:
        assert domain in result.stdout


def test_fetch_from_the_demo_reads_no_config(
    write_config: Writer, run_cli: Run, check: Any, config_path: Path
) -> None:
    write_config("this is not TOML [")
    before = config_path.read_bytes()
    result = run_cli("fetch", "--demo", "-p", "Reference sample", "-f", "json")
    check(result, 0)
    assert json.loads(result.stdout)["profiles"][0]["domains"] == sample_domains()
    assert result.stderr == ""
    assert config_path.read_bytes() == before


# -- failures: a clear error, an errcode, a hint, exit 1 --------------------------------


def test_each_known_errcode_is_reported_with_its_hint(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    # One profile per errcode, all fetched in one run.
    codes = sorted(_HINTS)
    shops = [
        serve(
            fake,
            f"Code {code}",
            f"wx{index:016x}",
            token=f"{MARKER}-{index}",
            scenario=f"errcode:{code}",
        )
        for index, code in enumerate(codes)
    ]
    write_config({"network": FAST, "profiles": shops})
    result, data = fetch_json(run_cli, "--all")
    check(result, 1)
    assert len(data["profiles"]) == len(codes)
    for code, shop in zip(codes, data["profiles"], strict=True):
        assert shop["name"] == f"Code {code}"
        assert shop["ok"] is False
        assert shop["domains"] is None
        assert set(ERROR_KEYS) <= set(shop["error"])
        assert shop["error"]["kind"] == "api"
        assert shop["error"]["errcode"] == code
        assert shop["error"]["hint"] == _HINTS[code]
        assert ERRMSG[code] in shop["error"]["message"]
        assert "rid: " in shop["error"]["message"]  # kept for WeChat support
        assert f"wxdash: Code {code}: WeChat error {code}: {ERRMSG[code]} rid: " in result.stderr
        assert f"hint: {_HINTS[code]}" in result.stderr


def test_an_unknown_errcode_gets_a_generic_hint_naming_it(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, scenario="errcode:89501")]})
    result = check(run_cli("fetch"), 1)
    assert "WeChat error 89501" in result.stderr
    assert re.search(r"hint: .*errcode 89501.*global error codes", result.stderr)
    assert "failed: WeChat error 89501" in result.stdout


BROKEN_ANSWERS = {
    "html502": ("http", "HTTP 502 Bad Gateway", "retry in a moment"),
    "truncated": ("format", "The response is truncated JSON", "not WeChat's JSON"),
    "invalid": ("format", "invalid JSON at line 60", "not WeChat's JSON"),
    "junk": ("format", "wxdash refused to read it", "not WeChat's JSON"),
    "redirect": ("http", "redirected to evil.example.net", "does not follow redirects"),
    "reset": ("network", "closed or reset before an answer", "Check the network"),
    "flaky:2": ("api", "WeChat error -1: system error", "WeChat is busy"),
    "flaky5xx:2": ("http", "HTTP 502", "retry in a moment"),
}


def test_each_broken_answer_is_a_clear_error(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    shops = [
        serve(fake, scenario, f"wx{index:016x}", token=f"{MARKER}-{index}", scenario=scenario)
        for index, scenario in enumerate(BROKEN_ANSWERS)
    ]
    write_config({"network": FAST, "profiles": shops})
    result, data = fetch_json(run_cli, "--all")
    check(result, 1)
    assert "\x00" not in result.stdout + result.stderr  # junk is not echoed raw
    for (scenario, (kind, message, hint)), shop in zip(
        BROKEN_ANSWERS.items(), data["profiles"], strict=True
    ):
        error = shop["error"]
        assert (shop["name"], shop["ok"], shop["domains"]) == (scenario, False, None)
        assert error["kind"] == kind, scenario
        assert error["errcode"] == (-1 if kind == "api" else None), scenario
        assert message in error["message"], scenario
        assert hint in error["hint"], scenario
        assert f"wxdash: {scenario}: {error['message']}\n  hint: {error['hint']}" in result.stderr


def test_a_redirect_is_not_followed(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, scenario="redirect")]})
    check(run_cli("fetch"), 1)
    assert fake.requests["/wxa/get_effective_domain"] == 1


def test_a_slow_server_beyond_read_timeout_is_a_timeout_error(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    network = {**FAST, "read_timeout": 0.3}
    write_config({"network": network, "profiles": [serve(fake, scenario="slow:3")]})
    result = check(run_cli("fetch"), 1)
    assert "did not answer in time" in result.stderr
    assert "raise read_timeout in the [network] table" in result.stderr


def test_a_busy_server_is_retried_when_retries_allow(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    network = {**FAST, "retries": 2}
    write_config({"network": network, "profiles": [serve(fake, scenario="flaky:1")]})
    result, data = fetch_json(run_cli)
    check(result, 0)
    assert data["profiles"][0]["domains"] == sample_domains()
    assert fake.app(APPID).domain_calls == 2


def test_an_unreachable_server_is_a_network_error(
    write_config: Writer, run_cli: Run, check: Any
) -> None:
    with FakeWeChat() as gone:
        url = gone.url  # a loopback port nobody listens on once this server stops
    shop = profile("Shop A", access_token=MARKER, api_base=url)
    write_config({"network": FAST, "profiles": [shop]})
    result = check(run_cli("fetch"), 1)
    assert f"Could not reach {url.removeprefix('http://')}" in result.stderr
    assert "hint: " in result.stderr


def test_one_failed_profile_is_exit_1_and_the_others_are_still_printed(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    shops = [
        serve(fake, "Good", "wx00000000000000a1", token=MARKER + "-1"),
        serve(fake, "Bad", "wx00000000000000a2", token=MARKER + "-2", scenario="errcode:48001"),
    ]
    write_config({"network": FAST, "profiles": shops})
    result, data = fetch_json(run_cli, "--all")
    check(result, 1)
    good, bad = data["profiles"]
    assert (good["ok"], good["domains"]) == (True, sample_domains())
    assert (bad["ok"], bad["error"]["errcode"]) == (False, 48001)
    assert "wxdash: Bad: WeChat error 48001" in result.stderr
    assert "Good" not in result.stderr


# -- odd data: warnings, never a crash, never lost --------------------------------------


def test_wrong_types_become_warnings_on_stderr_and_in_the_json(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, domains=wrong_types_domains())]})
    result, data = fetch_json(run_cli)
    check(result, 0)
    shop = data["profiles"][0]
    assert shop["ok"] is True
    for warning in shop["warnings"]:
        assert list(warning) == list(WARNING_KEYS)
    seen = {(w["kind"], w["group"], w["protocol"], w["domain"]) for w in shop["warnings"]}
    assert seen == WRONG_TYPES_WARNINGS
    effective = shop["domains"]["effective_domain"]
    assert effective["requestdomain"] == ["https://ok.example.com"]
    assert effective["wsrequestdomain"] == ["wss://single.example.com"]
    assert effective["uploaddomain"] == effective["downloaddomain"] == []
    assert shop["domains"]["mp_domain"] is None
    assert shop["domains"]["third_domain"] is None
    # A person watching the terminal is told too, once per warning.
    warned = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert len(warned) == 7
    assert all(line.startswith("wxdash: Shop A: warning: ") for line in warned)
    assert "effective_domain requestdomain 42: " in result.stderr


@pytest.mark.parametrize("fmt", ["text", "csv"])
def test_wrong_types_are_visible_in_text_and_csv_runs_too(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, fmt: str
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, domains=wrong_types_domains())]})
    result = check(run_cli("fetch", "-f", fmt), 0)
    shown = result.stdout if fmt == "text" else result.stderr
    assert "warning: effective_domain requestdomain 42: a number instead of a string" in shown
    assert "warning: mp_domain: an array instead of an object" in shown
    assert "wss://single.example.com" in result.stdout


def test_missing_groups_are_null_not_empty(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, domains=missing_groups_domains())]})
    result, data = fetch_json(run_cli)
    check(result, 0)
    domains = data["profiles"][0]["domains"]
    assert domains == {
        "effective_domain": sample_domains()["effective_domain"],
        "mp_domain": None,
        "third_domain": None,
        "direct_domain": None,
    }
    assert data["profiles"][0]["warnings"] == []
    text = check(run_cli("fetch"), 0).stdout
    assert len(re.findall(r"not returned by the API", text)) == 3
    # The webview call did return those groups (empty): shown as such, never the server's
    # lists as "(none)".
    for label in ("MP", "Third-party", "Direct"):
        block = f"\n  {label}\n    server domains: not returned by the API\n    webview   (none)\n"
        assert block in text
    rows = csv_rows(check(run_cli("fetch", "-f", "csv"), 0).stdout)
    assert {r[2] for r in rows[1:]} == {"effective"}


def test_unknown_protocols_and_groups_are_kept_or_flagged(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, domains=extra_fields_domains())]})
    result, data = fetch_json(run_cli)
    check(result, 0)
    shop = data["profiles"][0]
    assert shop["domains"]["effective_domain"]["quicdomain"] == ["quic://future.example.com"]
    assert shop["domains"]["mp_domain"] == sample_domains()["mp_domain"]
    # A list WeChat may add is kept; a whole group it may add is at least not dropped silently.
    assert sorted((w["kind"], w["group"], w["protocol"]) for w in shop["warnings"]) == [
        ("unknown_group", "future_domain", None),
        ("unknown_protocol", "effective_domain", "quicdomain"),
    ]
    assert "unknown_protocol" not in result.stderr  # the message, not the code, is shown
    assert "effective_domain quicdomain: unknown list, kept as extra" in result.stderr
    assert "future_domain: unknown group" in result.stderr
    rows = csv_rows(check(run_cli("fetch", "-f", "csv"), 0).stdout)
    assert ["Shop A", APPID, "effective", "quicdomain", "quic://future.example.com"] in rows
    text = check(run_cli("fetch"), 0).stdout
    assert re.search(r"^    quicdomain +quic://future\.example\.com$", text, re.MULTILINE)
    # Naming protocols means only those: the unknown list is left out.
    result, data = fetch_json(run_cli, "-t", "request")
    assert list(data["profiles"][0]["domains"]["effective_domain"]) == ["requestdomain"]


def test_international_domain_names_are_printed_as_they_are(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, domains=idn_domains())]})
    result, data = fetch_json(run_cli)
    check(result, 0)
    assert data["profiles"][0]["domains"] == idn_domains()
    assert "https://例子.中国" in result.stdout  # readable, not \u escapes
    for fmt in ("text", "csv"):
        out = check(run_cli("fetch", "-f", fmt), 0).stdout
        assert "https://例子.中国" in out
        assert "https://bücher.example" in out
        assert "https://xn--fsqu00a.xn--fiqs8s" in out


HOSTILE = hostile_domains()["effective_domain"]["requestdomain"]


@pytest.mark.parametrize("fmt", ["text", "csv", "json"])
def test_hostile_domains_are_shown_escaped_and_literally(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, fmt: str
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, domains=hostile_domains())]})
    result = check(run_cli("fetch", "-f", fmt), 0)
    out = result.stdout
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in out
        assert raw not in result.stderr
    assert "https://[bold red]markup[/].example.com" in out
    if fmt == "json":
        # JSON's own escape: a script reading it gets the exact bytes the server sent.
        assert r"https://esc\u001b[2J\u001b]0;pwned\u0007.example.com" in out
        listed = json.loads(out)["profiles"][0]["domains"]["effective_domain"]["requestdomain"]
        assert listed == HOSTILE
    else:
        assert r"https://esc\x1b[2J\x1b]0;pwned\x07.example.com" in out
        assert r"https://bidi\u202eevil.example.com" in out


def test_hostile_keys_names_and_appids_are_escaped_everywhere(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    data = sample_domains()
    data["effective_domain"]["evil\x1b[2Jdomain"] = ["https://x\x1b]0;t\x07.example.com"]
    shops = [
        serve(fake, "Evil\x1b[31m Shop", "wx\x1b[2J", domains=data, token=MARKER + "-1"),
        serve(
            fake,
            "Evil\x9b Fail",
            "wx00000000000000e2",
            token=MARKER + "-2",
            scenario="errcode:40013",
        ),
    ]
    write_config({"network": FAST, "profiles": shops})
    for args in (["fetch", "--all"], ["fetch", "--all", "-f", "csv"], ["profile", "list"]):
        result = check(run_cli(*args), 1 if args[0] == "fetch" else 0)
        both = result.stdout + result.stderr
        for raw in ("\x1b", "\x07", "\x9b"):
            assert raw not in both, (args, both)
        assert r"Evil\x1b[31m Shop" in result.stdout
    result = check(run_cli("fetch", "--all", "-f", "json"), 1)
    assert "\x1b" not in result.stdout + result.stderr
    assert "\x9b" not in result.stdout + result.stderr
    names = [p["name"] for p in json.loads(result.stdout)["profiles"]]
    assert names == ["Evil\x1b[31m Shop", "Evil\x9b Fail"]


# -- exit codes -------------------------------------------------------------------------

BROKEN_PROFILE = profile("Broken", "wx00000000000000ff")  # no token source


def test_a_config_error_is_exit_2_even_when_every_fetch_succeeds(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake), BROKEN_PROFILE]})
    result, data = fetch_json(run_cli, "--all")
    check(result, 2)
    assert [p["name"] for p in data["profiles"]] == ["Shop A"]
    assert data["profiles"][0]["domains"] == sample_domains()
    assert "profile 'Broken' (#2): error: no token source" in result.stderr


def test_exit_2_wins_over_exit_1(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    failing = serve(fake, scenario="errcode:45009")
    write_config({"network": FAST, "profiles": [failing, BROKEN_PROFILE]})
    result = check(run_cli("fetch", "--all"), 2)
    assert "WeChat error 45009" in result.stderr
    assert "no token source" in result.stderr


def test_a_toml_syntax_error_is_exit_2_naming_line_and_column(
    write_config: Writer, run_cli: Run, check: Any, config_path: Path
) -> None:
    write_config('[[profiles]]\nname = "Shop A"\nappid = wx0123\n')
    before = config_path.read_bytes()
    for args in (["fetch", "--all"], ["profile", "list"], ["config", "check"]):
        result = check(run_cli(*args), 2)
        assert f"{config_path}, line 3, column 9: TOML syntax error" in result.stderr
        assert "hint: " in result.stderr
    result = check(run_cli("profile", "add", "B", "--appid", APPID, "--token-env", "X"), 2)
    assert "line 3, column 9" in result.stderr
    assert config_path.read_bytes() == before
    assert sorted(p.name for p in config_path.parent.iterdir()) == ["config.toml"]


def test_an_unexpected_bug_in_a_fetch_is_one_line_not_a_traceback(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, tmp_path: Path
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake)]})
    driver = textwrap.dedent(
        """
        import sys
        from wxdash.wechat import client

        def broken(body):
            raise RuntimeError("parser exploded")

        client.parse_domain_report = broken
        from wxdash.cli import main
        sys.exit(main(sys.argv[1:]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", driver, "fetch"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    check(result, 1)
    assert "wxdash: Shop A: Unexpected RuntimeError: parser exploded" in result.stderr
    assert "hint: This is a bug in wxdash" in result.stderr


# -- the token stays secret -------------------------------------------------------------


def test_a_token_from_the_environment_is_used_and_never_shown(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, tmp_path: Path
) -> None:
    shops = [
        serve(fake, token_env="SHOP_TOKEN"),
        serve(
            fake,
            "Refused",
            "wx00000000000000a2",
            token=MARKER + "-2",
            token_env="OTHER_TOKEN",
            scenario="redirect",
        ),
    ]
    write_config({"network": FAST, "profiles": shops})
    env = {"SHOP_TOKEN": MARKER, "OTHER_TOKEN": MARKER + "-2"}
    log = tmp_path / "wxdash.log"
    result = run_cli("fetch", "--all", "-f", "json", "-v", "--log", str(log), env=env)
    check(result, 1, literal=False)
    assert json.loads(result.stdout)["profiles"][0]["domains"] == sample_domains()
    assert "redirected to evil.example.net" in log.read_text()
    listing = check(run_cli("profile", "list"), 0, literal=False).stdout
    assert "env SHOP_TOKEN" in listing


def test_a_missing_token_variable_is_a_clear_error(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, token_env="WX_NOT_SET")]})
    result = check(run_cli("fetch"), 1, literal=False)
    assert "The environment variable WX_NOT_SET is not set or empty" in result.stderr
    assert "hint: Export WX_NOT_SET" in result.stderr
    assert fake.requests["/wxa/get_effective_domain"] == 0


def test_a_token_command_gets_the_appid_and_profile_and_is_never_shown(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, tmp_path: Path
) -> None:
    command = (
        'test "$WXDASH_APPID" = wx0123456789abcdef && test "$WXDASH_PROFILE" = "Shop A" '
        '&& printf "%s\\n" "$VAULT_TOKEN"'
    )
    write_config({"network": FAST, "profiles": [serve(fake, token_command=command)]})
    log = tmp_path / "debug.log"
    result = run_cli("fetch", "-f", "json", "--log", str(log), env={"VAULT_TOKEN": MARKER})
    check(result, 0, literal=False)
    assert json.loads(result.stdout)["profiles"][0]["domains"] == sample_domains()
    assert log.exists()


def test_a_rejected_command_token_is_asked_for_once_more(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, tmp_path: Path
) -> None:
    # The first token the command prints has expired; the second one is current.
    fake.add_app(APPID, token=MARKER)
    current = fake.expire_token(APPID)
    counter = tmp_path / "calls"
    command = (
        f'echo x >> "{counter}"; if [ $(wc -l < "{counter}") -eq 1 ]; '
        f'then echo "$OLD"; else echo "$NEW"; fi'
    )
    shop = profile("Shop A", token_command=command, api_base=fake.url)
    write_config({"network": FAST, "profiles": [shop]})
    result = run_cli("fetch", "-f", "json", env={"OLD": MARKER, "NEW": current})
    check(result, 0, literal=False)
    assert json.loads(result.stdout)["profiles"][0]["ok"] is True
    assert counter.read_text().count("x") == 2


def test_a_failing_token_command_shows_its_stderr_and_a_hint(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    command = 'echo "vault: permission denied for $WXDASH_PROFILE" >&2; exit 3'
    write_config({"network": FAST, "profiles": [serve(fake, token_command=command)]})
    result = check(run_cli("fetch"), 1, literal=False)
    assert "token_command exited with status 3: vault: permission denied for Shop A" in (
        result.stderr
    )
    assert f"WXDASH_APPID={APPID}" in result.stderr


def test_an_appsecret_from_stdin_gets_a_token_that_is_never_shown(
    fake: FakeWeChat, run_cli: Run, check: Any, config_path: Path
) -> None:
    secret = "appsecret-" + MARKER
    fake.add_app(APPID, token=MARKER, secret=secret)
    added = run_cli(
        "profile",
        "add",
        "Shop A",
        "--appid",
        APPID,
        "--appsecret-stdin",
        "--api-base",
        fake.url,
        input=secret + "\n",
    )
    check(added, 0)
    assert tomllib.loads(config_path.read_text())["profiles"][0]["appsecret"] == secret
    with config_path.open("a") as handle:
        handle.write("\n[network]\nretries = 1\n")
    result, data = fetch_json(run_cli)
    check(result, 0)
    assert data["profiles"][0]["domains"] == sample_domains()
    assert fake.app(APPID).token_calls == 1


def test_no_error_path_shows_the_token_even_when_verbose(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, tmp_path: Path
) -> None:
    scenarios = ["errcode:40001", "redirect", "html502", "truncated", "invalid"]
    shops = [
        serve(fake, scenario, f"wx{index:016x}", token=f"{MARKER}-{index}", scenario=scenario)
        for index, scenario in enumerate(scenarios)
    ]
    write_config({"network": FAST, "profiles": shops})
    log = tmp_path / "support.log"
    for fmt in ("text", "json", "csv"):
        result = check(run_cli("fetch", "--all", "-v", "--log", str(log), "-f", fmt), 1)
        assert "attempt 1 failed" in result.stderr  # verbose really logged to stderr
    assert "redirected to evil.example.net" in log.read_text()  # check() found no token in it


# -- profile add, list, remove, rename --------------------------------------------------


def test_profile_add_reads_the_token_from_stdin_into_a_private_file(
    run_cli: Run, check: Any, config_path: Path
) -> None:
    old = os.umask(0)
    try:
        result = run_cli(
            "profile", "add", "Shop A", "--appid", APPID, "--token-stdin", input=MARKER + "\n"
        )
    finally:
        os.umask(old)
    check(result, 0)
    assert "Added profile 'Shop A'" in result.stdout
    assert "••••4086" in result.stdout  # the token's last four characters only
    doc = tomllib.loads(config_path.read_text())
    assert doc["profiles"] == [{"name": "Shop A", "appid": APPID, "access_token": MARKER}]
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_path.parent.stat().st_mode) == 0o700
    first = config_path.read_bytes()

    result = run_cli(
        "profile", "add", "Shop B", "--appid", "wx00000000000000bb", "--token-env", "WX_B"
    )
    check(result, 0)
    backup = config_path.with_name("config.toml.bak")
    assert backup.read_bytes() == first
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    names = [p["name"] for p in tomllib.loads(config_path.read_text())["profiles"]]
    assert names == ["Shop A", "Shop B"]


def test_profile_add_has_no_way_to_pass_a_token_in_argv(run_cli: Run, check: Any) -> None:
    help_text = check(run_cli("profile", "add", "--help"), 0).stdout
    assert "--token-stdin" in help_text
    options = set(re.findall(r"--[a-z-]+", help_text))
    assert not options & {"--token", "--access-token", "--appsecret", "--secret"}


def test_profile_add_with_nothing_on_stdin_adds_nothing(
    run_cli: Run, check: Any, config_path: Path
) -> None:
    result = check(
        run_cli("profile", "add", "Shop A", "--appid", APPID, "--token-stdin", input=""), 2
    )
    assert "No access_token on stdin" in result.stderr
    assert "hint: " in result.stderr
    assert not config_path.exists()


def test_profile_add_then_fetch_works_end_to_end(
    fake: FakeWeChat, run_cli: Run, check: Any
) -> None:
    fake.add_app(APPID, token=MARKER)
    check(
        run_cli(
            "profile",
            "add",
            "Shop A",
            "--appid",
            APPID,
            "--token-stdin",
            "--api-base",
            fake.url + "/",
            input=MARKER,
        ),
        0,
    )
    result, data = fetch_json(run_cli)
    check(result, 0)
    assert data["profiles"][0]["domains"] == sample_domains()


def test_profile_add_warns_about_an_odd_appid_but_adds_it(
    run_cli: Run, check: Any, config_path: Path
) -> None:
    result = check(run_cli("profile", "add", "Shop A", "--appid", "wx123", "--token-env", "A"), 0)
    assert "appid: warning: an appid is wx followed by 16 hex characters" in result.stderr
    assert tomllib.loads(config_path.read_text())["profiles"][0]["appid"] == "wx123"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--api-base", "http://api.weixin.qq.com"], "api_base: error: plain http://"),
        (["--api-base", "ftp://x"], "api_base: error: expected a URL"),
    ],
)
def test_profile_add_refuses_a_bad_profile_and_writes_nothing(
    write_config: Writer, run_cli: Run, check: Any, extra: list[str], expected: str
) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="A")]})
    before = path.read_bytes()
    result = check(run_cli("profile", "add", "B", "--appid", APPID, "--token-env", "B", *extra), 2)
    assert expected in result.stderr
    assert path.read_bytes() == before
    assert not path.with_name("config.toml.bak").exists()


def test_profile_add_refuses_a_taken_name(write_config: Writer, run_cli: Run, check: Any) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="A")]})
    before = path.read_bytes()
    result = check(run_cli("profile", "add", "Shop A", "--appid", APPID, "--token-env", "B"), 2)
    assert "duplicate name 'Shop A'" in result.stderr
    assert path.read_bytes() == before


def test_profile_add_needs_exactly_one_token_source(run_cli: Run, check: Any) -> None:
    none = check(run_cli("profile", "add", "Shop A", "--appid", APPID), 2)
    assert "wxdash: No token source for 'Shop A'" in none.stderr
    assert "hint: Give one of --token-env, --token-command" in none.stderr
    assert "or set a token source in the config's [defaults]" in none.stderr
    two = check(
        run_cli(
            "profile", "add", "A", "--appid", APPID, "--token-env", "X", "--token-command", "y"
        ),
        2,
    )
    assert "not allowed with argument" in two.stderr


def test_profile_add_inherits_the_defaults_and_writes_only_what_was_given(
    write_config: Writer, run_cli: Run, check: Any, config_path: Path
) -> None:
    defaults = {"token_command": "platform-tokens get", "api_base": "https://api2.weixin.qq.com"}
    write_config({"defaults": defaults})
    result = check(run_cli("profile", "add", "Merchant 1", "--appid", APPID), 0)
    assert "Added profile 'Merchant 1' (command platform-tokens)" in result.stdout
    check(run_cli("profile", "add", "Merchant 2", "--appid", APPID, "--token-env", "WX_2"), 0)
    doc = tomllib.loads(config_path.read_text())
    assert doc["defaults"] == defaults
    assert doc["profiles"] == [
        {"name": "Merchant 1", "appid": APPID},
        {"name": "Merchant 2", "appid": APPID, "token_env": "WX_2"},
    ]


def test_profile_list_shows_sources_without_secrets(
    write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config(
        {
            "profiles": [
                profile("Shop A", access_token=MARKER),
                profile("Shop B", "wx00000000000000bb", token_env="WX_B"),
                profile(
                    "商店 C",
                    "wx00000000000000cc",
                    token_command="/usr/bin/get-token --x",
                    api_base="https://proxy.example.com",
                ),
                profile("Shop D", "wx00000000000000dd", appsecret_env="WX_D_SECRET"),
            ]
        }
    )
    result = check(run_cli("profile", "list"), 0)
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0].split() == ["Shop", "A", APPID, "token", "••••4086"]
    assert lines[1].split() == ["Shop", "B", "wx00000000000000bb", "env", "WX_B"]
    assert lines[2].split() == [
        "商店",
        "C",
        "wx00000000000000cc",
        "command",
        "get-token",
        "https://proxy.example.com",
    ]
    assert lines[3].split() == [
        "Shop",
        "D",
        "wx00000000000000dd",
        "appsecret",
        "env",
        "WX_D_SECRET",
    ]
    # The appids line up in one column, CJK names counted as two cells each.
    assert (
        len({line.index("wx") + sum(1 for ch in line if ord(ch) > 0x2E80) for line in lines}) == 1
    )

    data = json.loads(check(run_cli("profile", "list", "-f", "json"), 0).stdout)
    assert data["profiles"][1] == {
        "name": "Shop B",
        "appid": "wx00000000000000bb",
        "token_source": "token_env",
        "api_base": None,
    }
    assert [p["token_source"] for p in data["profiles"]] == [
        "access_token",
        "token_env",
        "token_command",
        "appsecret_env",
    ]


def test_profile_list_of_nothing_says_how_to_add_one(run_cli: Run, check: Any) -> None:
    result = check(run_cli("profile", "list"), 0)
    assert "wxdash profile add" in result.stdout


def test_profile_list_with_a_config_error_is_exit_2(
    write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"profiles": [profile("Shop A", token_env="A"), BROKEN_PROFILE]})
    result = check(run_cli("profile", "list"), 2)
    assert result.stdout.split()[:2] == ["Shop", "A"]
    assert "profile 'Broken' (#2): error: no token source" in result.stderr


def test_profile_remove_and_rename(
    write_config: Writer, run_cli: Run, check: Any, config_path: Path
) -> None:
    write_config(
        {
            "profiles": [
                profile("Shop A", access_token=MARKER, colour="red"),
                profile("Shop B", "wx00000000000000bb", token_env="B"),
            ]
        }
    )
    result = check(run_cli("profile", "rename", "shop a", "Flagship"), 0)
    assert "Renamed profile 'Shop A' to 'Flagship'" in result.stdout
    doc = tomllib.loads(config_path.read_text())
    assert doc["profiles"][0] == {
        "name": "Flagship",
        "appid": APPID,
        "access_token": MARKER,
        "colour": "red",
    }
    renamed = config_path.read_bytes()

    result = check(run_cli("profile", "remove", "Shop B"), 0)
    assert "Removed profile 'Shop B'" in result.stdout
    assert [p["name"] for p in tomllib.loads(config_path.read_text())["profiles"]] == ["Flagship"]
    assert config_path.with_name("config.toml.bak").read_bytes() == renamed
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600


def test_a_profile_that_fails_the_checks_can_still_be_removed_or_renamed(
    write_config: Writer, run_cli: Run, check: Any, config_path: Path
) -> None:
    write_config(
        {
            "profiles": [
                profile("Shop A", token_env="A"),
                BROKEN_PROFILE,
                profile("Bad URL", api_base="http://example.com", token_env="U"),
            ]
        }
    )
    check(run_cli("profile", "rename", "Bad URL", "Fixed later"), 0)
    names = [p["name"] for p in tomllib.loads(config_path.read_text())["profiles"]]
    assert names == ["Shop A", "Broken", "Fixed later"]
    result = check(run_cli("profile", "remove", "Broken"), 0)
    assert "Removed profile 'Broken'" in result.stdout
    names = [p["name"] for p in tomllib.loads(config_path.read_text())["profiles"]]
    assert names == ["Shop A", "Fixed later"]


@pytest.mark.parametrize(
    ("args", "expected", "hint"),
    [
        (["remove", "Shop Q"], "No profile is called 'Shop Q'", "Did you mean: Shop"),
        (["rename", "Shop Q", "X"], "No profile is called 'Shop Q'", "Did you mean: Shop"),
        (["rename", "Shop A", "Shop B"], "A profile called 'Shop B' already exists", "unique"),
        (["rename", "Shop A", "  "], "The new name is empty", "not blank"),
    ],
)
def test_profile_remove_and_rename_mistakes_are_exit_2_and_change_nothing(
    write_config: Writer, run_cli: Run, check: Any, args: list[str], expected: str, hint: str
) -> None:
    path = write_config(
        {
            "profiles": [
                profile("Shop A", token_env="A"),
                profile("Shop B", "wx00000000000000bb", token_env="B"),
            ]
        }
    )
    before = path.read_bytes()
    result = check(run_cli("profile", *args), 2)
    assert expected in result.stderr
    assert re.search(f"hint: .*{hint}", result.stderr)
    assert path.read_bytes() == before


def test_profile_commands_refuse_to_change_the_demo(
    run_cli: Run, check: Any, config_path: Path
) -> None:
    result = check(run_cli("profile", "remove", "Harbor Books", "--demo"), 2)
    assert "--demo changes nothing" in result.stderr
    assert not config_path.exists()


# -- config path and config check -------------------------------------------------------


def test_config_path_follows_the_precedence(
    run_cli: Run, check: Any, config_path: Path, tmp_path: Path
) -> None:
    assert check(run_cli("config", "path"), 0).stdout == f"{config_path}\n"
    xdg = tmp_path / "xdg"
    result = run_cli("config", "path", env={"XDG_CONFIG_HOME": str(xdg)})
    assert check(result, 0).stdout == f"{xdg / 'wxdash' / 'config.toml'}\n"
    env_file = tmp_path / "env.toml"
    result = run_cli("config", "path", env={"WXDASH_CONFIG": str(env_file)})
    assert check(result, 0).stdout == f"{env_file}\n"
    given = tmp_path / "given.toml"
    for args in (
        ["--config", str(given), "config", "path"],
        ["config", "path", "--config", str(given)],
    ):
        result = run_cli(*args, env={"WXDASH_CONFIG": str(env_file)})
        assert check(result, 0).stdout == f"{given}\n"


def test_config_option_is_used_by_every_command(
    fake: FakeWeChat, run_cli: Run, check: Any, tmp_path: Path, config_path: Path
) -> None:
    elsewhere = tmp_path / "other.toml"
    fake.add_app(APPID, token=MARKER)
    added = run_cli(
        "--config",
        str(elsewhere),
        "profile",
        "add",
        "Shop A",
        "--appid",
        APPID,
        "--token-env",
        "T",
        "--api-base",
        fake.url,
    )
    check(added, 0, literal=False)
    result = run_cli("fetch", "--config", str(elsewhere), "-f", "json", env={"T": MARKER})
    check(result, 0, literal=False)
    assert json.loads(result.stdout)["profiles"][0]["domains"] == sample_domains()
    assert not config_path.exists()


def test_config_check_of_a_good_file_is_exit_0(
    write_config: Writer, run_cli: Run, check: Any, config_path: Path
) -> None:
    write_config({"profiles": [profile("Shop A", token_env="A")]})
    result = check(run_cli("config", "check"), 0)
    assert result.stdout == f"{config_path}: 1 profiles, 0 errors, 0 warnings\n"
    assert result.stderr == ""


def test_config_check_with_warnings_only_is_exit_0(
    write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"profiles": [profile("Shop A", "wxABC", token_env="A", colour="red")]})
    result = check(run_cli("config", "check"), 0)
    assert "1 profiles, 0 errors, 2 warnings" in result.stdout
    assert "profile 'Shop A' (#1), appid: warning:" in result.stderr
    assert "profile 'Shop A' (#1), colour: warning: unknown key" in result.stderr


def test_config_check_lists_every_error_and_is_exit_2(
    write_config: Writer, run_cli: Run, check: Any, config_path: Path
) -> None:
    write_config(
        {
            "network": {"retries": 0, "read_timeout": float("nan")},
            "ui": {"lang": "fr"},
            "profiles": [
                profile("Shop A", access_token=MARKER, token_env="A"),
                {"appid": APPID, "token_env": "B"},
                profile("Shop C", 3, token_env="C"),
                profile("Shop D", token_env="D", api_base="http://example.com"),
            ],
        }
    )
    result = check(run_cli("config", "check"), 2)
    assert "0 profiles, 7 errors, 0 warnings" in result.stdout
    for line in (
        "[network], retries: error:",
        "[network], read_timeout: error:",
        "[ui], lang: error:",
        "profile 'Shop A' (#1): error: two token sources",
        "profile #2: error: name is required",
        "profile 'Shop C' (#3), appid: error: expected a non-empty string, got 3",
        "profile 'Shop D' (#4), api_base: error: plain http://",
    ):
        assert f"wxdash: {config_path}, {line}" in result.stderr


def test_config_check_of_a_missing_file_is_exit_0(
    run_cli: Run, check: Any, config_path: Path
) -> None:
    result = check(run_cli("config", "check"), 0)
    assert "does not exist yet" in result.stdout
    assert not config_path.exists()


def test_config_check_of_a_file_that_is_not_utf8_is_exit_2(
    run_cli: Run, check: Any, config_path: Path
) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_bytes(b'[[profiles]]\nname = "Caf\xe9"\n')
    result = check(run_cli("config", "check"), 2)
    assert f"{config_path} is not UTF-8 text" in result.stderr


# -- usage errors -----------------------------------------------------------------------

TWO_SHOPS = {
    "profiles": [
        profile("Shop A", token_env="A"),
        profile("Shop B", "wx00000000000000bb", token_env="B"),
    ]
}


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (["fetch", "-p", "Shop Z"], "No profile is called 'Shop Z'", "Did you mean: Shop"),
        (["fetch", "-p", "Shop A", "--all"], "use either --all or -p NAME", "Drop --all"),
        (["fetch"], "Which profiles? There are 2.", "Name them with -p NAME (repeatable)"),
    ],
    ids=["unknown-profile", "p-and-all", "which-profile"],
)
def test_usage_errors_are_exit_2_with_a_hint(
    fake: FakeWeChat,
    write_config: Writer,
    run_cli: Run,
    check: Any,
    args: list[str],
    message: str,
    hint: str,
) -> None:
    write_config(TWO_SHOPS)
    result = check(run_cli(*args), 2)
    assert f"wxdash: {message}" in result.stderr
    assert f"hint: {hint}" in result.stderr.split(message)[1]
    assert result.stdout == ""


def test_fetch_with_no_profiles_says_how_to_add_one(run_cli: Run, check: Any) -> None:
    result = check(run_cli("fetch", "--all"), 0)
    assert json.loads(check(run_cli("fetch", "--all", "-f", "json"), 0).stdout) == {"profiles": []}
    result = check(run_cli("fetch"), 2)
    assert "No profiles in" in result.stderr
    assert "hint: Add one with: wxdash profile add" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["frobnicate"], ["config"], ["profile"], ["profile", "rename", "A"], ["fetch", "--bogus"]],
)
def test_malformed_commands_are_exit_2_with_usage(
    run_cli: Run, check: Any, args: list[str]
) -> None:
    result = check(run_cli(*args), 2)
    assert "usage: wxdash" in result.stderr


def test_version(run_cli: Run, check: Any) -> None:
    result = check(run_cli("--version"), 0)
    assert result.stdout == f"wxdash {__version__}\n"


HELP_PAGES = {
    (): [
        "fetch",
        "diff",
        "check",
        "find",
        "probe",
        "quota",
        "config",
        "profile",
        "Exit codes: 0 ok, 1 a profile failed, 2 usage",
        "3 diff: changes pending, 4 check: a domain missing, 5 find: no match",
        "6 probe: a host failing",
    ],
    ("fetch",): [
        "--all",
        "--group",
        "--protocol",
        "--format",
        "--concurrency",
        "--offline",
        "--ignore-quota",
        "text,json,csv",
        "webview",
    ],
    ("diff",): ["--all", "--profile", "--format", "--offline", "text,json", "Exit 0 when nothing"],
    ("check",): [
        "--request",
        "--ws",
        "--upload",
        "--download",
        "--udp",
        "--tcp",
        "--webview",
        "--in",
        "effective,configured",
        "--offline",
    ],
    ("find",): ["TEXT", "--all", "--profile", "--refresh", "--max-age", "text,json,csv"],
    ("probe",): [
        "--group",
        "--protocol",
        "--warn-days",
        "--timeout",
        "--concurrency",
        "--resolve HOST:PORT:ADDR",
        "--connect-to HOST:PORT:ADDR:PORT2",
        "text,json",
        "--offline",
        "Exit 6 when any host fails",
    ],
    ("quota",): ["--profile", "--all", "--format", "cgi-bin/openapi/quota/get"],
    ("config",): ["path", "check"],
    ("config", "path"): ["--config"],
    ("config", "check"): ["--config"],
    ("profile",): ["list", "add", "import", "remove", "rename"],
    ("profile", "import"): ["FILE", "CSV", "JSON", "nothing is written"],
    ("profile", "list"): ["--format"],
    ("profile", "add"): [
        "--appid",
        "--token-env",
        "--token-command",
        "--appsecret-env",
        "--token-stdin",
        "--api-base",
        "never from the",
    ],
    ("profile", "remove"): ["NAME"],
    ("profile", "rename"): ["OLD", "NEW"],
}


def test_every_command_has_help(check: Any, tmp_path: Path) -> None:
    runs, _loaded = run_batch(check, tmp_path, [([*c, "--help"], "") for c in HELP_PAGES])
    for command, run in zip(HELP_PAGES, runs, strict=True):
        assert run["code"] == 0, run
        assert run["stdout"].startswith(f"usage: wxdash {' '.join(command)}".rstrip()), run
        words = " ".join(run["stdout"].split())  # argparse wraps lines at any space
        for word in HELP_PAGES[command]:
            assert word in words, (command, word)
        assert run["stderr"] == ""


# -- headless means no Textual ----------------------------------------------------------

HEADLESS = [
    (["fetch", "--all", "-f", "json"], 0),
    (["fetch", "-p", "Shop A"], 0),
    (["fetch", "--all", "-f", "csv", "-g", "mp"], 0),
    (["fetch", "--demo", "-p", "Reference sample", "-f", "json"], 0),
    (["fetch", "--offline", "-p", "Shop A", "-f", "json"], 0),
    (["diff", "-p", "Shop A"], 0),
    (["diff", "--all", "-f", "json", "--offline"], 0),
    (["check", "-p", "Shop A", "--request", "https://melody1.qq.com/v1"], 0),
    (["check", "-p", "Shop A", "--tcp", "tcp://nowhere.example.com", "-f", "json"], 4),
    (["find", "melody"], 0),
    (["find", "nowhere", "-f", "csv", "--refresh"], 5),
    (["diff", "--demo", "-p", "Lotus Tea House"], 3),
    (["probe", "--demo", "-p", "Harbor Books", "-f", "json"], 6),
    (["config", "check"], 0),
    (["config", "path"], 0),
    (["profile", "list"], 0),
    (["profile", "list", "-f", "json"], 0),
    (["profile", "add", "Shop B", "--appid", "wx00000000000000bb", "--token-stdin"], 0),
    (["profile", "rename", "Shop B", "Shop C"], 0),
    (["profile", "remove", "Shop C"], 0),
    (["profile", "import", "no-such-file.csv"], 2),
    (["quota", "-p", "Shop A"], 0),
    (["domains", "confirmfiles", "-p", "Shop A", "--out", "files"], 0),
    (["platform", "domains", "list", "--demo"], 0),
    (["fetch", "-p", "Nobody"], 2),
    (["--version"], 0),
    (["fetch", "--help"], 0),
]


def test_headless_commands_never_import_textual(
    fake: FakeWeChat, write_config: Writer, check: Any, tmp_path: Path
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake)]})
    commands = [(args, MARKER + "-2\n" if "add" in args else "") for args, _code in HEADLESS]
    runs, loaded = run_batch(check, tmp_path, commands)
    for (args, code), run in zip(HEADLESS, runs, strict=True):
        assert run["code"] == code, run
        assert run["textual"] == [], args
    assert loaded == []
    assert json.loads(runs[0]["stdout"])["profiles"][0]["domains"] == sample_domains()


def test_version_loads_neither_the_client_nor_the_store_nor_textual(
    run_cli: Run, check: Any
) -> None:
    # Python lists every module it imports on stderr, one per line: "import time: ... | name".
    result = check(run_cli("--version", env={"PYTHONPROFILEIMPORTTIME": "1"}), 0)
    assert result.stdout == f"wxdash {__version__}\n"
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "wxdash.cli" in imported  # the listing is read right
    heavy = ("httpx", "httpcore", "textual", "wxdash.wechat", "wxdash.profiles")
    loaded = sorted(m for m in imported if any(m == h or m.startswith(h + ".") for h in heavy))
    assert loaded == []


@pytest.mark.parametrize("args", [[], ["--demo"], ["-p", "Shop A"]], ids=["bare", "demo", "p"])
def test_the_dashboard_without_a_terminal_points_to_fetch(
    write_config: Writer, run_cli: Run, check: Any, args: list[str]
) -> None:
    write_config(TWO_SHOPS)
    result = check(run_cli(*args), 2)
    assert result.stdout == ""  # nothing drawn
    assert "needs a terminal" in result.stderr
    assert "hint: For scripts and pipes use: wxdash fetch" in result.stderr


def test_a_reader_that_stops_early_ends_the_output_quietly(
    fake: FakeWeChat, write_config: Writer, check: Any, tmp_path: Path
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, domains=big_domains(200))]})
    child = subprocess.Popen(
        [sys.executable, "-m", "wxdash", "fetch", "-f", "csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert child.stdout is not None and child.stderr is not None
    first = child.stdout.readline()
    child.stdout.close()  # like `| head -1`
    stderr = child.stderr.read().decode()
    child.stderr.close()
    code = child.wait(timeout=60)
    assert first == b"profile,appid,group,protocol,domain\n"
    # 1 when the write hit the closed pipe; 0 when the pipe took it all (some kernels buffer
    # generously). Either way: no noise.
    assert code in (0, 1)
    check(subprocess.CompletedProcess(child.args, code, "", stderr), code)
    assert stderr == ""
    assert "BrokenPipeError" not in stderr
    assert "Exception ignored" not in stderr
