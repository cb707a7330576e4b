"""`diff`, `check`, `find`, domain lint, webview domains and the offline cache, end to end:
`python -m wxdash` in a subprocess against the fake WeChat server on loopback.

Each test checks what a user or a CI pipeline would see: stdout, stderr, the exit code and the
files left behind. Every run is also checked for tracebacks and for the marker token.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import APPID, FAST, MARKER, Run, Writer, assert_no_marker, profile

from wxdash.cache import ResultCache
from wxdash.fakeserver import (
    PROTOCOL_KEYS,
    FakeWeChat,
    idn_domains,
    lint_domains,
    sample_domains,
    shop_domains,
    shop_webview,
)
from wxdash.fleet import FetchOutcome
from wxdash.profiles import Profile
from wxdash.wechat.models import parse_domain_report
from wxdash.wechat.tokens import TokenKind, TokenSpec

SHOP_A, SHOP_B, SHOP_C = "wx00000000000000a1", "wx00000000000000a2", "wx00000000000000a3"
BROKEN_PROFILE = profile("Broken", "wx00000000000000ff")  # no token source: a config error


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """Where wxdash keeps results in this test (XDG_CACHE_HOME is set by conftest)."""
    return tmp_path / "home" / ".cache" / "wxdash" / "results"


def serve(
    fake: FakeWeChat,
    name: str = "Shop A",
    appid: str = APPID,
    *,
    domains: dict[str, Any] | None = None,
    webview: dict[str, Any] | None = None,
    scenario: str = "ok",
    token: str | None = None,
) -> dict[str, Any]:
    """Register an app on the fake server and return its profile (a literal token)."""
    token = token or f"{MARKER}-{appid}"
    fake.add_app(appid, token=token, domains=domains, webview=webview, scenario=scenario)
    return profile(name, appid, api_base=fake.url, access_token=token)


def setup(write_config: Writer, *profiles: dict[str, Any]) -> None:
    write_config({"network": FAST, "profiles": list(profiles)})


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout)


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def requests(fake: FakeWeChat) -> int:
    """Every request the fake has answered, on any path."""
    return sum(fake.requests.values())


def empty_groups() -> dict[str, Any]:
    return {g: {k: [] for k in PROTOCOL_KEYS} for g in GROUP_NAMES}


GROUP_NAMES = ("effective_domain", "mp_domain", "third_domain", "direct_domain")


def release_shop() -> dict[str, Any]:
    """A shop with something in every state a release check cares about:

    - `https://api.shop.com` effective and in mp
    - `https://new.shop.com` only in third_domain: takes effect at next release
    - `https://old.shop.com` effective, configured nowhere: drops at next release
    - `wss://push.shop.com:8443` effective and in direct, with its port
    - `https://例子.中国` effective and in mp, written in Unicode
    - `https://xn--bcher-kva.example` effective and in mp, written in punycode
    """
    data = empty_groups()
    data["effective_domain"]["requestdomain"] = [
        "https://api.shop.com",
        "https://old.shop.com",
        "https://例子.中国",
        "https://xn--bcher-kva.example",
    ]
    data["effective_domain"]["wsrequestdomain"] = ["wss://push.shop.com:8443"]
    data["mp_domain"]["requestdomain"] = [
        "https://api.shop.com",
        "https://例子.中国",
        "https://xn--bcher-kva.example",
    ]
    data["third_domain"]["requestdomain"] = ["https://new.shop.com"]
    data["direct_domain"]["wsrequestdomain"] = ["wss://push.shop.com:8443"]
    return data


# -- diff --------------------------------------------------------------------------------


def test_diff_is_exit_0_when_nothing_is_pending(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(write_config, serve(fake, domains=shop_domains("harbor"), webview=shop_webview("harbor")))
    result = check(run_cli("diff"), 0)
    assert result.stdout == f"Shop A  {APPID}  effective matches configured\n"
    assert result.stderr == ""
    (shop,) = as_json(check(run_cli("diff", "-f", "json"), 0))["profiles"]
    assert shop["ok"] is True
    assert shop["source"] == "network"
    assert shop["pending"] == {"count": 0, "adds": [], "drops": [], "not_compared": []}


def test_diff_is_exit_3_and_shows_adds_and_drops_with_their_groups(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    served = serve(
        fake,
        domains=shop_domains("lotus", pending=True),
        webview=shop_webview("lotus", pending=True),
    )
    setup(write_config, served)
    text = check(run_cli("diff"), 3).stdout
    lines = text.splitlines()
    assert lines[0] == f"Shop A  {APPID}  5 pending"
    body = [re.sub(r" {2,}", "  ", line.strip()) for line in lines[1:]]
    assert body == [
        "request",
        "+ https://api-v2.lotus.com  takes effect at next release (mp)",
        "- https://pay.lotus.com  drops at next release",
        "download",
        "- https://img.lotus.com  drops at next release",
        "udp",
        "+ udp://live.lotus.com:8443  takes effect at next release (direct)",
        "webview",
        "+ https://events.lotus.com  takes effect at next release (mp)",
    ]
    (shop,) = as_json(check(run_cli("diff", "-f", "json"), 3))["profiles"]
    assert shop["pending"] == {
        "count": 5,
        "adds": [
            {
                "protocol": "requestdomain",
                "domain": "https://api-v2.lotus.com",
                "groups": ["mp_domain"],
            },
            {
                "protocol": "udpdomain",
                "domain": "udp://live.lotus.com:8443",
                "groups": ["direct_domain"],
            },
            {
                "protocol": "webviewdomain",
                "domain": "https://events.lotus.com",
                "groups": ["mp_domain"],
            },
        ],
        "drops": [
            {"protocol": "requestdomain", "domain": "https://pay.lotus.com"},
            {"protocol": "downloaddomain", "domain": "https://img.lotus.com"},
        ],
        "not_compared": [],
    }


def test_diff_names_every_group_a_pending_domain_comes_from(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    data = sample_domains()
    data["third_domain"]["tcpdomain"].append("tcp://new.example.com:9000")
    data["direct_domain"]["tcpdomain"].append("TCP://NEW.example.com:9000")
    data["third_domain"]["uploaddomain"].append("https://only-third.example.com")
    setup(write_config, serve(fake, domains=data))
    text = check(run_cli("diff"), 3).stdout
    assert re.search(
        r"^    \+ tcp://new\.example\.com:9000 +takes effect at next release \(third, direct\)$",
        text,
        re.MULTILINE,
    )
    assert re.search(
        r"^    \+ https://only-third\.example\.com +takes effect at next release \(third\)$",
        text,
        re.MULTILINE,
    )
    (shop,) = as_json(check(run_cli("diff", "-f", "json"), 3))["profiles"]
    groups = {a["domain"]: a["groups"] for a in shop["pending"]["adds"]}
    assert groups == {
        "https://only-third.example.com": ["third_domain"],
        "tcp://new.example.com:9000": ["third_domain", "direct_domain"],
    }
    assert shop["pending"]["drops"] == []


def test_diff_with_a_failed_profile_is_exit_1_even_with_changes_pending(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(
        write_config,
        serve(fake, "Pending", SHOP_A, domains=shop_domains("lotus", pending=True)),
        serve(fake, "Failing", SHOP_B, scenario="errcode:48001"),
        serve(fake, "Calm", SHOP_C, domains=shop_domains("harbor")),
    )
    result = check(run_cli("diff", "--all"), 1)
    blocks = result.stdout.split("\n\n")
    assert blocks[0].startswith(f"Pending  {SHOP_A}  4 pending\n")
    assert blocks[1].startswith(f"Failing  {SHOP_B}  failed: WeChat error 48001")
    assert blocks[2] == f"Calm  {SHOP_C}  effective matches configured\n"
    assert "wxdash: Failing: WeChat error 48001" in result.stderr
    assert "hint: " in result.stderr
    profiles = as_json(check(run_cli("diff", "--all", "-f", "json"), 1))["profiles"]
    assert [(p["ok"], p["pending"] and p["pending"]["count"]) for p in profiles] == [
        (True, 4),
        (False, None),
        (True, 0),
    ]
    assert profiles[1]["error"]["errcode"] == 48001
    # Only the failing one: 1.
    check(run_cli("diff", "-p", "Failing"), 1)


def test_diff_with_a_config_error_is_exit_2_over_everything(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(
        write_config,
        serve(fake, "Pending", SHOP_A, domains=shop_domains("lotus", pending=True)),
        serve(fake, "Failing", SHOP_B, scenario="errcode:45009"),
        BROKEN_PROFILE,
    )
    result = check(run_cli("diff", "--all"), 2)
    assert "no token source" in result.stderr
    assert "4 pending" in result.stdout  # the others are still diffed
    assert "WeChat error 45009" in result.stderr
    check(run_cli("diff", "-p", "Pending"), 2)
    result = check(run_cli("diff", "-p", "Nobody"), 2)
    assert result.stdout == ""
    assert "hint: " in result.stderr


def test_diff_from_the_demo_shows_the_pending_merchant(run_cli: Run, check: Any) -> None:
    result = check(run_cli("diff", "--demo", "-p", "Lotus Tea House", "-f", "json"), 3)
    (shop,) = as_json(result)["profiles"]
    assert shop["pending"]["count"] == 5


# -- check -------------------------------------------------------------------------------


def test_check_is_exit_0_when_every_domain_is_present(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(write_config, serve(fake, domains=release_shop()))
    result = check(
        run_cli(
            "check",
            "--request",
            "https://api.shop.com",
            "--ws",
            "wss://push.shop.com:8443",
        ),
        0,
    )
    lines = result.stdout.splitlines()
    assert lines[0] == f"Shop A  {APPID}  all 2 present in effective"
    assert re.fullmatch(r"  ok +request +https://api\.shop\.com", lines[1])
    assert re.fullmatch(r"  ok +ws +wss://push\.shop\.com:8443", lines[2])
    assert result.stderr == ""


def test_check_is_exit_4_listing_the_missing_and_when_they_take_effect(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(write_config, serve(fake, domains=release_shop()))
    args = [
        "check",
        "--request",
        "https://api.shop.com",
        "--request",
        "https://new.shop.com",
        "--upload",
        "https://api.shop.com",
    ]
    result = check(run_cli(*args), 4)
    lines = result.stdout.splitlines()
    assert lines[0] == f"Shop A  {APPID}  2 of 3 missing from effective"
    assert re.fullmatch(r"  ok +request +https://api\.shop\.com", lines[1])
    assert re.fullmatch(
        r"  MISSING +request +https://new\.shop\.com"
        r"  \(configured in third, takes effect at next release\)",
        lines[2],
    )
    assert re.fullmatch(
        r"  MISSING +upload +https://api\.shop\.com  \(not configured in any group\)", lines[3]
    )
    (shop,) = as_json(check(run_cli(*args, "-f", "json"), 4))["profiles"]
    assert shop["in"] == "effective"
    assert shop["missing"] == 2
    assert [(r["protocol"], r["domain"], r["found"]) for r in shop["results"]] == [
        ("requestdomain", "https://api.shop.com", True),
        ("requestdomain", "https://new.shop.com", False),
        ("uploaddomain", "https://api.shop.com", False),
    ]
    new = shop["results"][1]
    assert new["effective"] is False
    assert new["configured_in"] == ["third_domain"]
    assert new["note"] == "configured in third, takes effect at next release"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--request", "https://api.shop.com"], 0),
        (["--request", "https://api.shop.com:443"], 4),  # an explicit port is another domain
        (["--request", "http://api.shop.com"], 4),  # and so is another scheme
        (["--request", "HTTPS://API.Shop.COM"], 0),  # the host is matched without case
        (["--request", "api.shop.com"], 0),  # a bare host takes the protocol's scheme
        (["--ws", "wss://push.shop.com:8443"], 0),
        (["--ws", "wss://push.shop.com"], 4),
        (["--ws", "push.shop.com:8443"], 0),
        (["--ws", "https://push.shop.com:8443"], 4),
        (["--request", "https://api.shop.com/v1/orders?id=7&debug=1#top"], 0),
        (["--ws", "wss://push.shop.com:8443/socket?room=1"], 0),
        (["--request", "https://例子.中国/支付"], 0),
        (["--request", "https://xn--fsqu00a.xn--fiqs8s"], 0),  # punycode of a Unicode entry
        (["--request", "https://bücher.example/books"], 0),  # Unicode of a punycode entry
        (["--request", "https://BÜCHER.example"], 0),
        (["--request", "https://例子.中国:8443"], 4),
    ],
)
def test_check_matches_scheme_and_port_exactly_and_hosts_as_wechat_does(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, args: list[str], code: int
) -> None:
    setup(write_config, serve(fake, domains=release_shop()))
    result = check(run_cli("check", *args, "-f", "json"), code)
    (shop,) = as_json(result)["profiles"]
    (only,) = shop["results"]
    assert only["found"] is (code == 0)
    assert only["wanted"] == args[1]
    assert "?" not in only["domain"] and "/v1" not in only["domain"]


def test_check_in_configured_looks_at_mp_third_and_direct(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(write_config, serve(fake, domains=release_shop()))
    new = ["--request", "https://new.shop.com"]
    check(run_cli("check", *new), 4)
    result = check(run_cli("check", *new, "--in", "configured"), 0)
    assert result.stdout.splitlines()[0] == f"Shop A  {APPID}  all 1 present in configured"
    assert "(configured in third, takes effect at next release)" in result.stdout
    # Live now but configured nowhere: present in effective, missing from configured.
    old = ["--request", "https://old.shop.com"]
    result = check(run_cli("check", *old), 0)
    assert "(effective now, drops at next release)" in result.stdout
    result = check(run_cli("check", *old, "--in", "configured"), 4)
    assert re.search(
        r"^  MISSING +request +https://old\.shop\.com  \(effective now, drops at next release\)$",
        result.stdout,
        re.MULTILINE,
    )
    (shop,) = as_json(check(run_cli("check", *old, "--in", "configured", "-f", "json"), 4))[
        "profiles"
    ]
    assert shop["in"] == "configured"
    assert shop["results"][0]["effective"] is True
    assert shop["results"][0]["configured_in"] == []


def test_check_looks_at_webview_domains(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    served = serve(
        fake,
        domains=shop_domains("lotus"),
        webview=shop_webview("lotus", pending=True),
    )
    setup(write_config, served)
    check(run_cli("check", "--webview", "https://www.lotus.com/menu"), 0)
    result = check(run_cli("check", "--webview", "https://events.lotus.com"), 4)
    assert re.search(
        r"^  MISSING +webview +https://events\.lotus\.com"
        r"  \(configured in mp, takes effect at next release\)$",
        result.stdout,
        re.MULTILINE,
    )
    check(run_cli("check", "--webview", "https://events.lotus.com", "--in", "configured"), 0)
    # A webview domain is not a request domain.
    check(run_cli("check", "--request", "https://www.lotus.com"), 4)


def test_check_of_a_webview_domain_whose_call_failed_is_exit_1_not_4(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(write_config, serve(fake, domains=shop_domains("lotus"), webview=shop_webview("lotus")))
    fake.set_scenario(APPID, "errcode:48001", webview=True)
    result = check(run_cli("check", "--webview", "https://www.lotus.com"), 1)
    assert "https://www.lotus.com" in result.stdout
    assert "MISSING" not in result.stdout
    assert "wxdash: Shop A webview: WeChat error 48001" in result.stderr
    # Server domains do not need the webview call: its failure is not theirs.
    result = check(run_cli("check", "--request", "https://api.lotus.com"), 0)
    assert "webview" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        ([], "wxdash: No domain to check", "hint: Name at least one, e.g.: wxdash check"),
        (["--request", "https://"], "no host in https://", "hint: Give the URL your code calls."),
        (["--tcp", "   "], "no host in", "hint: "),
    ],
    ids=["nothing", "no-host", "blank"],
)
def test_check_without_a_domain_is_exit_2_with_a_hint(
    fake: FakeWeChat,
    write_config: Writer,
    run_cli: Run,
    check: Any,
    args: list[str],
    message: str,
    hint: str,
) -> None:
    setup(write_config, serve(fake))
    result = check(run_cli("check", *args), 2)
    assert message in result.stderr
    assert hint in result.stderr
    assert result.stdout == ""
    assert requests(fake) == 0


def test_check_is_exit_1_when_the_fetch_fails_and_1_beats_4(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(
        write_config,
        serve(fake, "Good", SHOP_A, domains=release_shop()),
        serve(fake, "Failing", SHOP_B, scenario="errcode:40001"),
    )
    present = ["--request", "https://api.shop.com"]
    result = check(run_cli("check", "-p", "Failing", *present), 1)
    assert f"Failing  {SHOP_B}  failed: WeChat error 40001" in result.stdout
    assert "wxdash: Failing: WeChat error 40001" in result.stderr
    # Good is missing one, Failing failed: 1 wins over 4.
    missing = ["--request", "https://new.shop.com"]
    check(run_cli("check", "-p", "Good", *missing), 4)
    result = check(run_cli("check", "--all", *missing), 1)
    assert "MISSING" in result.stdout
    profiles = as_json(check(run_cli("check", "--all", *missing, "-f", "json"), 1))["profiles"]
    assert [(p["ok"], p["missing"]) for p in profiles] == [(True, 1), (False, None)]
    assert profiles[1]["results"] is None


def test_check_with_a_config_error_is_exit_2_over_a_missing_domain(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(write_config, serve(fake, "Good", SHOP_A, domains=release_shop()), BROKEN_PROFILE)
    result = check(run_cli("check", "-p", "Good", "--request", "https://new.shop.com"), 2)
    assert "MISSING" in result.stdout
    assert "no token source" in result.stderr


# -- find --------------------------------------------------------------------------------


def fleet(fake: FakeWeChat, write_config: Writer) -> None:
    """Three merchants sharing an analytics host; only Lotus uses `lotus`."""
    setup(
        write_config,
        serve(fake, "Lotus", SHOP_A, domains=shop_domains("lotus"), webview=shop_webview("lotus")),
        serve(fake, "Harbor", SHOP_B, domains=shop_domains("harbor")),
        serve(fake, "IDN", SHOP_C, domains=idn_domains()),
    )


def test_find_searches_every_profile_by_default_and_is_exit_0_with_hits(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    fleet(fake, write_config)
    result = check(run_cli("find", "Example-Platform"), 0)
    lines = result.stdout.splitlines()
    assert lines[-1] == "4 found in 2 of 3 profiles"
    # In the profiles' order, then the groups' and protocols'.
    assert [line.split() for line in lines[:-1]] == [
        [name, group, "request", "https://analytics.example-platform.com"]
        for name in ("Lotus", "Harbor")
        for group in ("effective", "third")
    ]
    assert fake.app(SHOP_C).domain_calls == 1  # searched too, though it has no hit


def test_find_in_json_and_csv(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    fleet(fake, write_config)
    data = as_json(check(run_cli("find", "www.lotus", "-f", "json"), 0))
    assert data["query"] == "www.lotus"
    assert [(h["name"], h["group"], h["protocol"], h["domain"]) for h in data["hits"]] == [
        ("Lotus", "effective_domain", "webviewdomain", "https://www.lotus.com"),
        ("Lotus", "mp_domain", "webviewdomain", "https://www.lotus.com"),
    ]
    assert all(h["appid"] == SHOP_A and h["source"] == "network" for h in data["hits"])
    assert [(p["name"], p["ok"], p["hits"]) for p in data["profiles"]] == [
        ("Lotus", True, 2),
        ("Harbor", True, 0),
        ("IDN", True, 0),
    ]
    rows = csv_rows(check(run_cli("find", "CDN.", "-f", "csv", "--refresh"), 0).stdout)
    assert rows[0] == ["profile", "appid", "group", "protocol", "domain"]
    assert sorted(rows[1:]) == sorted(
        [name, appid, group, "download", f"https://cdn.{shop}.com"]
        for name, appid, shop in (("Lotus", SHOP_A, "lotus"), ("Harbor", SHOP_B, "harbor"))
        for group in ("effective", "mp")
    )


def test_find_with_no_hit_is_exit_5(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    fleet(fake, write_config)
    result = check(run_cli("find", "nowhere.example"), 5)
    assert result.stdout == "No domain matches 'nowhere.example' in 3 profiles\n"
    data = as_json(check(run_cli("find", "nowhere.example", "-f", "json"), 5))
    assert data["hits"] == []
    assert len(data["profiles"]) == 3
    rows = csv_rows(check(run_cli("find", "nowhere.example", "-f", "csv"), 5).stdout)
    assert rows == [["profile", "appid", "group", "protocol", "domain"]]
    # The path of a domain is not searched, nor the scheme: hosts only.
    check(run_cli("find", "https"), 5)


def test_find_with_a_failed_profile_is_exit_1_with_hits_or_without(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(
        write_config,
        serve(fake, "Lotus", SHOP_A, domains=shop_domains("lotus")),
        serve(fake, "Failing", SHOP_B, scenario="errcode:45009"),
    )
    result = check(run_cli("find", "lotus"), 1)
    assert "Lotus" in result.stdout
    assert "wxdash: Failing: WeChat error 45009" in result.stderr
    result = check(run_cli("find", "nowhere.example", "--refresh"), 1)  # 1 beats 5
    data = as_json(check(run_cli("find", "lotus", "-f", "json", "--refresh"), 1))
    assert [(p["name"], p["ok"]) for p in data["profiles"]] == [("Lotus", True), ("Failing", False)]
    assert data["profiles"][1]["error"]["errcode"] == 45009


def test_find_with_named_profiles_searches_only_those(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    fleet(fake, write_config)
    result = check(run_cli("find", "analytics", "-p", "Harbor"), 0)
    assert {line.split()[0] for line in result.stdout.splitlines()[:-1]} == {"Harbor"}
    assert result.stdout.splitlines()[-1] == "2 found in 1 of 1 profile"
    assert fake.app(SHOP_A).domain_calls == 0
    check(run_cli("find", "analytics", "-p", "Harbor", "--all"), 2)
    check(run_cli("find", "   "), 2)


@pytest.mark.parametrize(
    ("text", "domains"),
    [
        ("例子", {"https://例子.中国", "https://xn--fsqu00a.xn--fiqs8s"}),
        ("xn--fsqu00a", {"https://例子.中国", "https://xn--fsqu00a.xn--fiqs8s"}),
        ("https://例子.中国/path", {"https://例子.中国", "https://xn--fsqu00a.xn--fiqs8s"}),
        ("Bücher", {"https://bücher.example"}),
        ("XN--BCHER-KVA", {"https://bücher.example"}),
    ],
)
def test_find_matches_international_names_in_either_form(
    fake: FakeWeChat,
    write_config: Writer,
    run_cli: Run,
    check: Any,
    text: str,
    domains: set[str],
) -> None:
    setup(write_config, serve(fake, "IDN", SHOP_C, domains=idn_domains()))
    data = as_json(check(run_cli("find", text, "-f", "json"), 0))
    assert {h["domain"] for h in data["hits"]} == domains
    assert {h["group"] for h in data["hits"]} == set(GROUP_NAMES)


def test_find_uses_a_fresh_cache_to_spare_the_quota_unless_refreshed(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    fleet(fake, write_config)
    check(run_cli("find", "lotus"), 0)
    assert fake.app(SHOP_A).domain_calls == fake.app(SHOP_A).webview_calls == 1
    before = requests(fake)

    data = as_json(check(run_cli("find", "lotus", "-f", "json"), 0))
    assert requests(fake) == before  # nothing asked of WeChat
    assert {h["source"] for h in data["hits"]} == {"cache"}
    assert {p["source"] for p in data["profiles"]} == {"cache"}
    result = check(run_cli("find", "lotus"), 0)
    assert requests(fake) == before
    assert "Lotus" in result.stdout

    data = as_json(check(run_cli("find", "lotus", "-f", "json", "--refresh"), 0))
    assert {p["source"] for p in data["profiles"]} == {"network"}
    assert fake.app(SHOP_A).domain_calls == 2
    assert requests(fake) == before + 6  # two calls for each of the three profiles


def test_find_fetches_what_the_cache_does_not_hold(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    fleet(fake, write_config)
    check(run_cli("fetch", "-p", "Lotus"), 0)  # a fetch fills the cache for Lotus only
    data = as_json(check(run_cli("find", "lotus", "-f", "json"), 0))
    assert [p["source"] for p in data["profiles"]] == ["cache", "network", "network"]
    assert fake.app(SHOP_A).domain_calls == 1
    assert fake.app(SHOP_B).domain_calls == fake.app(SHOP_C).domain_calls == 1


def test_find_sees_a_change_once_the_cache_is_refreshed(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(write_config, serve(fake, domains=shop_domains("lotus")))
    check(run_cli("find", "lotus"), 0)
    fake.app(APPID).domains = shop_domains("harbor")
    check(run_cli("find", "lotus"), 0)  # still the cached answer
    check(run_cli("find", "lotus", "--refresh"), 5)
    check(run_cli("find", "lotus"), 5)  # and the refresh was cached


# -- lint --------------------------------------------------------------------------------

LINT_EXPECTED = {
    ("lint_scheme", "requestdomain", "http://insecure.cornercafe.com"),
    ("lint_ip", "requestdomain", "https://203.0.113.9"),
    ("lint_localhost", "requestdomain", "https://localhost:8443"),
    ("lint_path", "requestdomain", "https://api.cornercafe.com/v1?debug=1"),
    ("lint_duplicate", "requestdomain", "https://api.cornercafe.com/v1?debug=1"),
    ("lint_wildcard", "requestdomain", "https://*.cornercafe.com"),
    ("lint_duplicate", "requestdomain", "https://API.cornercafe.com"),
    ("lint_wechat", "requestdomain", "https://api.weixin.qq.com"),
    ("lint_scheme", "wsrequestdomain", "https://push.cornercafe.com"),
    ("lint_scheme", "udpdomain", "tcp://live.cornercafe.com"),
    ("lint_scheme", "tcpdomain", "udp://live.cornercafe.com"),
}


def test_lint_warnings_are_in_fetch_json_and_the_domains_are_kept(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(write_config, serve(fake, domains=lint_domains()))
    result = check(run_cli("fetch", "-f", "json"), 0)  # advice, not failure
    (shop,) = as_json(result)["profiles"]
    assert shop["ok"] is True
    assert shop["domains"] == lint_domains()  # every flagged domain still listed
    for group in ("effective_domain", "mp_domain"):
        seen = [
            (w["kind"], w["protocol"], w["domain"]) for w in shop["warnings"] if w["group"] == group
        ]
        assert set(seen) == LINT_EXPECTED
        assert len(seen) == len(LINT_EXPECTED)  # each once
    assert {w["group"] for w in shop["warnings"]} == {"effective_domain", "mp_domain"}
    for warning in shop["warnings"]:
        assert list(warning) == ["kind", "group", "protocol", "domain", "message"]
        assert warning["message"] and "lint_" not in warning["message"]
    schemes = {w["domain"]: w["message"] for w in shop["warnings"] if w["kind"] == "lint_scheme"}
    assert schemes["https://push.cornercafe.com"].startswith("must start with wss://")
    assert schemes["tcp://live.cornercafe.com"].startswith("must start with udp://")
    # A person watching the terminal sees them too, once each.
    warned = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert len(warned) == len(shop["warnings"])
    assert all(line.startswith("wxdash: Shop A: warning: ") for line in warned)


def test_lint_warnings_show_in_the_text_tree_beside_the_domains(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(write_config, serve(fake, domains=lint_domains()))
    text = check(run_cli("fetch", "-g", "effective"), 0).stdout
    for _kind, protocol, domain in LINT_EXPECTED:
        # Still listed in the tree, and flagged below it.
        assert re.search(rf"^ +(\w+ +)?{re.escape(domain)}$", text, re.MULTILINE), domain
        assert f"  warning: effective_domain {protocol} {domain}: " in text
    assert "mp_domain" not in text  # only the group asked for
    rows = csv_rows(check(run_cli("fetch", "-f", "csv", "-g", "effective"), 0).stdout)
    assert ["Shop A", APPID, "effective", "request", "https://203.0.113.9"] in rows


def test_a_clean_fleet_has_no_lint_warning(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(
        write_config,
        serve(fake, "Lotus", SHOP_A, domains=shop_domains("lotus", pending=True)),
        serve(fake, "Sample", SHOP_B, domains=sample_domains(), webview=shop_webview("x")),
    )
    result = check(run_cli("fetch", "--all", "-f", "json"), 0)
    assert [p["warnings"] for p in as_json(result)["profiles"]] == [[], []]
    assert result.stderr == ""


# -- webview domains ---------------------------------------------------------------------


def test_webview_domains_sit_beside_the_server_domains(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    served = serve(fake, domains=sample_domains(), webview=shop_webview("lotus", pending=True))
    setup(write_config, served)
    (shop,) = as_json(check(run_cli("fetch", "-f", "json"), 0))["profiles"]
    assert shop["domains"] == sample_domains()  # no webview key among the server lists
    assert shop["webview_domains"] == shop_webview("lotus", pending=True)
    assert shop["webview_error"] is None
    assert fake.app(APPID).webview_calls == 1

    rows = csv_rows(check(run_cli("fetch", "-f", "csv"), 0).stdout)
    webview_rows = [r for r in rows if r[3] == "webview"]
    assert webview_rows == [
        ["Shop A", APPID, "effective", "webview", "https://www.lotus.com"],
        ["Shop A", APPID, "effective", "webview", "https://m.lotus.com"],
        ["Shop A", APPID, "mp", "webview", "https://www.lotus.com"],
        ["Shop A", APPID, "mp", "webview", "https://m.lotus.com"],
        ["Shop A", APPID, "mp", "webview", "https://events.lotus.com"],
    ]
    text = check(run_cli("fetch"), 0).stdout
    assert re.search(r"^    webview +https://www\.lotus\.com$", text, re.MULTILINE)
    assert re.search(r"^ +https://events\.lotus\.com$", text, re.MULTILINE)
    mp = text.split("\n  MP\n")[1].split("\n  Third-party\n")[0]
    assert "https://events.lotus.com" in mp


def test_the_webview_protocol_filter(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(write_config, serve(fake, webview=shop_webview("lotus")))
    rows = csv_rows(check(run_cli("fetch", "-f", "csv", "-t", "webview", "-g", "mp"), 0).stdout)
    assert rows[1:] == [
        ["Shop A", APPID, "mp", "webview", "https://www.lotus.com"],
        ["Shop A", APPID, "mp", "webview", "https://m.lotus.com"],
    ]
    (shop,) = as_json(check(run_cli("fetch", "-f", "json", "-t", "webview", "-g", "mp"), 0))[
        "profiles"
    ]
    assert shop["webview_domains"] == {
        "mp_webviewdomain": shop_webview("lotus")["mp_webviewdomain"]
    }
    rows = csv_rows(check(run_cli("fetch", "-f", "csv", "-t", "request"), 0).stdout)
    assert {r[3] for r in rows[1:]} == {"request"}


def test_a_failed_webview_call_never_hides_the_server_domains(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(write_config, serve(fake, webview=shop_webview("lotus")))
    fake.set_scenario(APPID, "errcode:48001", webview=True)
    result = check(run_cli("fetch", "-f", "json"), 0)  # `ok` is about the server domains
    (shop,) = as_json(result)["profiles"]
    assert shop["ok"] is True
    assert shop["error"] is None
    assert shop["domains"] == sample_domains()
    assert shop["webview_domains"] is None
    assert shop["webview_error"]["errcode"] == 48001
    assert shop["webview_error"]["kind"] == "api"
    assert shop["webview_error"]["hint"]
    assert set(shop["webview_error"]) == {"kind", "errcode", "message", "hint"}
    assert "wxdash: Shop A webview: WeChat error 48001" in result.stderr

    text = check(run_cli("fetch"), 0)
    assert "https://melody1.qq.com" in text.stdout
    assert "  webview: failed: WeChat error 48001" in text.stdout
    assert not re.search(r"^    webview ", text.stdout, re.MULTILINE)  # no "(none)" claimed
    rows = csv_rows(check(run_cli("fetch", "-f", "csv"), 0).stdout)
    assert len(rows) == 1 + 8 * 3 + 6  # every server domain, no webview row


def test_a_failed_server_call_never_hides_the_webview_domains(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(write_config, serve(fake, webview=shop_webview("lotus"), scenario="errcode:48001"))
    result = check(run_cli("fetch", "-f", "json"), 1)
    (shop,) = as_json(result)["profiles"]
    assert shop["ok"] is False
    assert shop["error"]["errcode"] == 48001
    assert shop["domains"] is None
    assert shop["webview_domains"] == shop_webview("lotus")
    assert shop["webview_error"] is None
    rows = csv_rows(check(run_cli("fetch", "-f", "csv"), 1).stdout)
    assert {r[3] for r in rows[1:]} == {"webview"}
    assert len(rows) == 1 + 4
    text = check(run_cli("fetch"), 1).stdout
    assert f"Shop A  {APPID}  failed: WeChat error 48001" in text
    assert re.search(r"^    webview +https://www\.lotus\.com$", text, re.MULTILINE)
    assert "melody" not in text


def test_a_failed_profile_does_not_narrow_the_next_ones_text(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(
        write_config,
        serve(fake, "Failing", SHOP_A, scenario="errcode:48001", webview=shop_webview("a")),
        serve(fake, "Good", SHOP_B),
    )
    text = check(run_cli("fetch", "--all"), 1).stdout
    good = text.split(f"Good  {SHOP_B}")[1]
    for label in ("request", "ws", "upload", "download", "udp", "tcp", "webview"):
        assert re.search(rf"^    {label} ", good, re.MULTILINE), label


def test_a_bad_token_fails_both_calls_and_is_said_once(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    fake.add_app(APPID, token=f"{MARKER}-right")
    write_config(
        {
            "network": FAST,
            "profiles": [profile("Shop A", api_base=fake.url, access_token=f"{MARKER}-wrong")],
        }
    )
    result = check(run_cli("fetch", "-f", "json"), 1)
    (shop,) = as_json(result)["profiles"]
    assert shop["error"]["errcode"] == 40001
    assert shop["webview_error"]["errcode"] == 40001
    assert shop["domains"] is None and shop["webview_domains"] is None
    # Both answers say 40001 (each with its own rid): one failure, told once.
    assert result.stderr.count("WeChat error 40001") == 1
    assert "Shop A webview" not in result.stderr
    fake.add_app(SHOP_B, token=f"{MARKER}-b", scenario="errcode:48001", webview_scenario="html502")
    write_config(
        {
            "network": FAST,
            "profiles": [profile("Shop B", SHOP_B, api_base=fake.url, access_token=f"{MARKER}-b")],
        }
    )
    result = check(run_cli("fetch"), 1)
    assert "wxdash: Shop B: WeChat error 48001" in result.stderr
    assert "wxdash: Shop B webview: HTTP 502" in result.stderr


# -- the offline cache -------------------------------------------------------------------


def test_offline_shows_the_cache_and_makes_no_request(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(write_config, serve(fake, webview=shop_webview("lotus")))
    fetched = as_json(check(run_cli("fetch", "-f", "json"), 0))["profiles"][0]
    assert fetched["source"] == "network"
    before = requests(fake)

    for args in (["fetch", "--offline", "-f", "json"], ["--offline", "fetch", "-f", "json"]):
        (shop,) = as_json(check(run_cli(*args), 0))["profiles"]
        assert shop["source"] == "cache"
        assert shop["fetched_at"] == fetched["fetched_at"]
        assert shop["domains"] == sample_domains()
        assert shop["webview_domains"] == shop_webview("lotus")
        assert shop["ok"] is True
    text = check(run_cli("fetch", "--offline"), 0).stdout
    assert text.splitlines()[0].endswith("(from the cache)")
    check(run_cli("diff", "--offline"), 0)
    check(run_cli("check", "--offline", "--request", "https://melody1.qq.com"), 0)
    check(run_cli("find", "melody", "--offline"), 0)
    assert requests(fake) == before


def test_offline_keeps_the_last_good_result(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    setup(write_config, serve(fake, webview=shop_webview("lotus")))
    check(run_cli("fetch"), 0)
    # A failed server call caches nothing; a failed webview call keeps the webview lists.
    fake.set_scenario(APPID, "errcode:43104")
    check(run_cli("fetch"), 1)
    fake.set_scenario(APPID, "ok")
    fake.set_scenario(APPID, "errcode:48001", webview=True)
    fake.app(APPID).domains = shop_domains("harbor")
    check(run_cli("fetch"), 0)
    (shop,) = as_json(check(run_cli("fetch", "--offline", "-f", "json"), 0))["profiles"]
    assert shop["domains"] == shop_domains("harbor")
    assert shop["webview_domains"] == shop_webview("lotus")
    assert shop["webview_error"] is None


def test_a_fetch_that_finds_the_same_lists_keeps_the_file_and_renews_its_time(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, cache_dir: Path
) -> None:
    setup(write_config, serve(fake, webview=shop_webview("lotus")))
    check(run_cli("fetch"), 0)
    (cached,) = cache_dir.iterdir()
    # As if that fetch had been yesterday.
    record = json.loads(cached.read_bytes())
    yesterday = time.time() - 86_400
    record["fetched_at"] = datetime.fromtimestamp(yesterday, UTC).isoformat()
    cached.write_text(json.dumps(record), encoding="utf-8")
    os.utime(cached, (yesterday, yesterday))
    kept = cached.read_bytes()
    (shop,) = as_json(check(run_cli("fetch", "--offline", "-f", "json"), 0))["profiles"]
    assert shop["fetched_at"] == record["fetched_at"]

    second = as_json(check(run_cli("fetch", "-f", "json"), 0))["profiles"][0]
    assert second["fetched_at"] > record["fetched_at"]
    assert cached.read_bytes() == kept  # the same lists: the file is not written again
    (shop,) = as_json(check(run_cli("fetch", "--offline", "-f", "json"), 0))["profiles"]
    assert shop["fetched_at"] == second["fetched_at"]  # but it knows they were seen again
    assert shop["domains"] == sample_domains()
    # A change of lists writes the file, with the time it was seen.
    fake.app(APPID).domains = shop_domains("harbor")
    third = as_json(check(run_cli("fetch", "-f", "json"), 0))["profiles"][0]
    assert json.loads(cached.read_bytes())["fetched_at"] == third["fetched_at"]
    (shop,) = as_json(check(run_cli("fetch", "--offline", "-f", "json"), 0))["profiles"]
    assert (shop["fetched_at"], shop["domains"]) == (third["fetched_at"], shop_domains("harbor"))


def test_a_cache_file_dated_in_the_future_is_not_taken_as_fresh(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, cache_dir: Path
) -> None:
    setup(write_config, serve(fake))
    check(run_cli("fetch"), 0)
    (cached,) = cache_dir.iterdir()
    tomorrow = time.time() + 86_400
    os.utime(cached, (tomorrow, tomorrow))  # touched by hand, or a clock that was wrong
    (shop,) = as_json(check(run_cli("fetch", "--offline", "-f", "json"), 0))["profiles"]
    assert datetime.fromisoformat(shop["fetched_at"]).timestamp() < tomorrow - 3600


def test_offline_without_a_cache_is_exit_1_with_a_hint(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, cache_dir: Path
) -> None:
    setup(write_config, serve(fake))
    result = check(run_cli("fetch", "--offline"), 1)
    assert f"No cached result for {APPID} yet" in result.stderr
    assert "hint: Fetch it once without --offline" in result.stderr
    (shop,) = as_json(check(run_cli("fetch", "--offline", "-f", "json"), 1))["profiles"]
    assert shop["ok"] is False
    assert shop["source"] == "cache"
    assert shop["error"]["kind"] == "cache"
    check(run_cli("diff", "--offline"), 1)
    check(run_cli("check", "--offline", "--request", "https://melody1.qq.com"), 1)
    check(run_cli("find", "melody", "--offline"), 1)
    assert requests(fake) == 0
    assert not cache_dir.exists()


def test_a_corrupt_cache_file_is_discarded_with_a_warning(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, cache_dir: Path
) -> None:
    setup(write_config, serve(fake))
    check(run_cli("fetch"), 0)
    (cached,) = cache_dir.iterdir()
    for garbage in (b"\x00\xffnot json{", b'{"format": 1, "appid": 42}', b"[]", b""):
        cached.write_bytes(garbage)
        result = check(run_cli("fetch", "--offline"), 1)
        assert "wxdash: warning: The cached result of Shop A could not be read" in result.stderr
        assert "discarded" in result.stderr
        assert f"No cached result for {APPID} yet" in result.stderr
        assert not cached.exists()
        check(run_cli("fetch"), 0)  # a fetch works and caches again
        assert cached.exists()
    cached.write_bytes(b"garbage")
    result = check(run_cli("find", "melody"), 0)  # find reads the cache: warned, then fetched
    assert "could not be read" in result.stderr
    assert json.loads(cached.read_bytes())["appid"] == APPID


def test_cache_files_are_private_and_hold_no_token(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, cache_dir: Path
) -> None:
    setup(
        write_config,
        serve(fake, "Shop A", SHOP_A, webview=shop_webview("lotus")),
        serve(fake, "Shop B", SHOP_B, domains=lint_domains()),
    )
    check(run_cli("fetch", "--all"), 0)
    files = sorted(cache_dir.iterdir())
    assert len(files) == 2
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(cache_dir.parent.stat().st_mode) == 0o700
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.suffix == ".json"
        data = path.read_bytes()
        assert MARKER.encode() not in data
        assert SHOP_A.encode() in data or SHOP_B.encode() in data
    assert_no_marker(folders=(cache_dir.parent,))


def test_demo_writes_no_cache(run_cli: Run, check: Any, cache_dir: Path, tmp_path: Path) -> None:
    result = check(run_cli("--demo", "fetch", "--all", "-f", "json"), 1)  # one demo shop fails
    assert len(as_json(result)["profiles"]) > 1
    check(run_cli("diff", "--demo", "-p", "Harbor Books"), 0)
    assert not cache_dir.exists()
    assert not (tmp_path / "home" / ".cache" / "wxdash").exists()
    assert not (tmp_path / "home" / ".config" / "wxdash").exists()
    result = check(run_cli("fetch", "--demo", "--offline", "--all"), 2)
    assert "--demo keeps no cache" in result.stderr
    assert not cache_dir.exists()


def test_a_cache_of_another_appid_is_not_used(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, config_path: Path
) -> None:
    setup(write_config, serve(fake, "Shop A", SHOP_A))
    check(run_cli("fetch"), 0)
    fake.add_app(SHOP_B, token=f"{MARKER}-{SHOP_B}", domains=shop_domains("harbor"))
    config = config_path.read_text(encoding="utf-8").replace(SHOP_A, SHOP_B)
    write_config(config)
    result = check(run_cli("fetch", "--offline"), 1)
    assert f"No cached result for {SHOP_B} yet" in result.stderr


def test_diff_does_not_guess_when_the_effective_group_is_missing(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    data = shop_domains("lotus")
    data["effective_domain"] = None
    setup(write_config, serve(fake, domains=data))
    text = check(run_cli("diff"), 0).stdout
    assert "nothing pending in the lists that could be compared" in text
    assert "not compared: request, ws, upload, download" in text
    assert "takes effect" not in text


def test_a_cache_folder_removed_while_wxdash_runs_is_made_again(tmp_path: Path) -> None:
    """A long TUI session keeps saving after someone cleared ~/.cache: folders come back,
    private, and nothing is lost."""
    folder = tmp_path / "cache" / "results"
    cache = ResultCache(folder=folder)
    report = parse_domain_report(json.dumps({"errcode": 0, **sample_domains()}).encode())
    for name, appid in (("Shop A", SHOP_A), ("Shop B", SHOP_B)):
        profile = Profile(name, appid, TokenSpec(TokenKind.TOKEN_ENV, "WX_TOKEN"))
        cache.save(FetchOutcome(profile, datetime.now(UTC), report=report))
        assert cache.load(profile) is not None
        shutil.rmtree(folder.parent)  # cleared after each save
    assert not folder.parent.exists()
    cache.save(FetchOutcome(profile, datetime.now(UTC), report=report))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    assert cache.load(profile) is not None
    assert cache.problems == []
