"""`wxdash platform domains` end to end in a subprocess against the fake server: the [platform]
section, listing, the plan, confirmation and apply of changes to the platform's own lists, the
ledger, and the check a `domains add --via third` gets against those lists before any call."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import FAST, MARKER, Run, Writer, serve

from wxdash.changes.ledger import Ledger, ledger_path
from wxdash.fakeserver import FakeWeChat

MODIFY = "/wxa/modify_domain"
SETWEBVIEW = "/wxa/setwebviewdomain"
APPID = "wx0000000000000001"
NEW = "https://new.example.com"


@pytest.fixture
def platform(fake: FakeWeChat, write_config: Writer) -> FakeWeChat:
    """One merchant, and a [platform] section whose token is marked."""
    fake.platform.token = f"{MARKER}-platform"
    fake.platform.testing["server"].add("api.example.com")
    fake.platform.published["server"].add("api.example.com")
    fake.platform.testing["jump"].add("example.com")
    write_config({
        "network": FAST, "profiles": [serve(fake, "A", 1)],
        "platform": {"access_token": fake.platform.token, "api_base": fake.url},
    })  # fmt: skip
    return fake


def domains(*extra: str) -> list[str]:
    return ["platform", "domains", *extra]


def test_list_shows_both_lists_testing_and_published(
    platform: FakeWeChat, run_cli: Run, check: Any
) -> None:
    text = check(run_cli(*domains()), 0).stdout  # list is the default
    assert "server domains (wxa_server_domain): 1 testing, 1 published" in text
    assert "  api.example.com  testing, published" in text
    assert "jump (business) domains (wxa_jump_h5_domain): 1 testing, 0 published" in text
    assert "  example.com  testing" in text
    listed = json.loads(check(run_cli(*domains("list", "-f", "json")), 0).stdout)
    assert listed["server"]["published"] == ["api.example.com"]
    assert listed["jump"] == {"kind": "jump", "testing": ["example.com"], "published": []}
    assert platform.platform.reads == {"server": 2, "jump": 2}
    assert not platform.platform.write_calls


def test_add_plans_asks_and_applies_only_the_testing_list(
    platform: FakeWeChat, run_cli: Run, check: Any
) -> None:
    add = domains("add", "--server", "cdn.example.com", "--server", "API.example.com")
    plan = check(run_cli(*add, "--dry-run"), 3).stdout
    assert "third-party platform  1 call; this month: 0/50 server-list calls" in plan
    assert "  + wxa_server_domain  cdn.example.com" in plan
    assert "  = wxa_server_domain  api.example.com  (already there)" in plan
    assert "only the testing list changes" in plan
    planned = json.loads(check(run_cli(*add, "--dry-run", "-f", "json"), 3).stdout)
    assert planned["plan"] == [{
        "list": "server", "action": "add", "protocol": "wxa_server_domain",
        "domain": "cdn.example.com", "published": False, "calls_this_month": 0,
    }]  # fmt: skip
    assert [s["reason"] for s in planned["skipped"]] == ["present"]
    refused = check(run_cli(*add), 2)  # no terminal, no --yes
    assert "No terminal to confirm" in refused.stderr
    assert not platform.platform.write_calls
    applied = check(run_cli(*add, "--yes"), 0).stdout
    assert "platform  add wxa_server_domain  cdn.example.com  applied" in applied
    assert "1 call: applied 1" in applied
    assert platform.platform.testing["server"] == {"api.example.com", "cdn.example.com"}
    assert platform.platform.published["server"] == {"api.example.com"}
    assert platform.platform.published_flags == [False]
    again = check(run_cli(*add, "--yes"), 0).stdout
    assert "0 calls" in again and platform.platform.write_calls["server"] == 1


def test_published_changes_both_lists_and_remove_takes_hosts_off(
    platform: FakeWeChat, run_cli: Run, check: Any
) -> None:
    check(run_cli(*domains("add", "--jump", "shop.example.org", "--published", "--yes")), 0)
    assert platform.platform.published_flags == [True]
    assert "shop.example.org" in platform.platform.published["jump"]
    removed = check(run_cli(*domains("remove", "--jump", "shop.example.org", "--jump",
                                     "gone.example.org", "--published", "--yes")), 0)  # fmt: skip
    assert "  = wxa_jump_h5_domain  gone.example.org  (already absent)" in removed.stdout
    assert "platform  remove wxa_jump_h5_domain  shop.example.org  applied" in removed.stdout
    assert platform.platform.testing["jump"] == {"example.com"}
    assert platform.platform.published["jump"] == set()
    assert platform.platform.published_flags == [True, True]


def test_a_refused_host_exits_1(platform: FakeWeChat, run_cli: Run, check: Any) -> None:
    result = check(run_cli(*domains("add", "--server", "noicp.example.com", "--yes")), 1)
    assert "noicp.example.com  refused (invalid_wxa_server_domain)" in result.stdout


def test_the_ledger_holds_the_platforms_calls_without_a_token(
    platform: FakeWeChat, run_cli: Run, check: Any
) -> None:
    check(run_cli(*domains("add", "--server", "cdn.example.com", "--published", "--yes")), 0)
    text = ledger_path().read_text()
    assert MARKER not in text
    sent = json.loads(text.splitlines()[0])
    assert (sent["profile"], sent["appid"], sent["via"], sent["scope"]) == (
        "platform", "", "platform", "platform",
    )  # fmt: skip
    assert (sent["kind"], sent["action"], sent["published"]) == ("server", "add", True)
    log = check(run_cli("domains", "log"), 0).stdout
    assert "third-party platform  server  add  (published too)" in log
    assert "  wxa_server_domain  cdn.example.com  applied" in log
    only = json.loads(check(run_cli("domains", "log", "-p", "platform", "-f", "json"), 0).stdout)
    assert [c["domains"][0]["domain"] for c in only["log"]] == ["cdn.example.com"]


def test_a_declined_prompt_changes_nothing(platform: FakeWeChat, tmp_path: Path) -> None:
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "wxdash", *domains("add", "--server", "cdn.example.com")],
        stdin=secondary, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    os.close(secondary)
    os.write(main, b"n\n")
    _out, err = process.communicate(timeout=60)
    os.close(main)
    assert process.returncode == 1, err
    assert "Make 1 call, to change the platform's lists? [y/N]" in err
    assert not platform.platform.write_calls


def test_without_a_platform_section_the_hint_shows_one(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, "A", 1)]})
    result = check(run_cli(*domains("add", "--server", "cdn.example.com", "--yes")), 2)
    assert "No [platform] section in" in result.stderr
    assert "[platform]\n    token_command = " in result.stderr
    bad = check(run_cli(*domains("add", "--server", "https://cdn.example.com")), 2)
    assert "not a host name: https://cdn.example.com" in bad.stderr
    ip = check(run_cli(*domains("add", "--server", "10.0.0.1", "--jump", "api.weixin.qq.com")), 2)
    assert "WeChat would refuse these hosts: 10.0.0.1: an IP address" in ip.stderr
    assert "api.weixin.qq.com: " in ip.stderr


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"appsecret_env": "X"}, "a component_access_token cannot be had for an appsecret"),
        ({"token_env": "X", "token_command": "y"}, "two token sources"),
        ({"api_base": "https://api.weixin.qq.com"}, "no token source: set one of"),
        ({"token_env": "X", "api_base": "http://example.com"}, "plain http:// is only allowed"),
    ],
)
def test_a_bad_platform_section_is_a_config_error(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, section: Any, message: str
) -> None:
    write_config({"profiles": [serve(fake, "A", 1)], "platform": section})
    result = check(run_cli("config", "check"), 2)
    assert "[platform]" in result.stderr and message in result.stderr
    listed = check(run_cli(*domains("list")), 2)
    assert "The [platform] section of" in listed.stderr and "cannot be used" in listed.stderr


def test_a_platform_token_wechat_rejects_fails_the_read(
    platform: FakeWeChat, run_cli: Run, check: Any
) -> None:
    platform.platform.token = "another"
    result = check(run_cli(*domains("list")), 1)
    assert "invalid credential" in result.stderr and "hint:" in result.stderr
    plan = check(run_cli("domains", "add", "-p", "A", "--via", "third", "--request", NEW,
                         "--dry-run"), 3)  # fmt: skip
    assert "the platform's own list was not checked (it could not be read: " in plan.stdout


def test_a_third_party_add_off_the_platforms_list_is_refused_before_any_call(
    platform: FakeWeChat, run_cli: Run, check: Any
) -> None:
    third = ["domains", "add", "-p", "A", "--via", "third", "--request", NEW,
             "--webview", "https://m.example.com"]  # fmt: skip
    plan = json.loads(check(run_cli(*third, "--dry-run", "-f", "json"), 1).stdout)
    assert plan["platform_list"] == {"checked": True, "reason": None}
    assert [p["domain"] for p in plan["plan"]] == ["https://m.example.com"]  # under example.com
    [refused] = plan["refused"]
    assert (refused["domain"], refused["errcode"], refused["reason"]) == (NEW, 85018, "platform")
    assert "wxdash platform domains add --server HOST" in refused["hint"]
    result = check(run_cli(*third, "--yes"), 1)
    assert f"  ! requestdomain  {NEW}  (not on the platform's own list: WeChat would answer " \
        "85018)" in result.stdout  # fmt: skip
    assert f"A  add requestdomain  {NEW}  refused (not on the platform's own list" in result.stdout
    app = platform.app(APPID)
    assert app.write_calls[MODIFY] == 0 and app.write_calls[SETWEBVIEW] == 1
    check(run_cli(*domains("add", "--server", "new.example.com", "--yes")), 0)
    added = check(run_cli("domains", "add", "-p", "A", "--via", "third", "--request", NEW,
                          "--yes"), 0)  # fmt: skip
    assert f"A  add requestdomain  {NEW}  applied" in added.stdout
    assert app.write_calls[MODIFY] == 1
    assert NEW in app.domains["third_domain"]["requestdomain"]


def test_without_a_platform_section_the_plan_says_it_could_not_check(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, "A", 1)]})
    third = ["domains", "add", "-p", "A", "--via", "third", "--request", NEW, "--dry-run"]
    plan = json.loads(check(run_cli(*third, "-f", "json"), 3).stdout)
    assert plan["platform_list"] == {"checked": False, "reason": "no_section"}
    assert plan["refused"] == [] and plan["plan"][0]["domain"] == NEW
    direct = ["domains", "add", "-p", "A", "--via", "direct", "--request", NEW, "--dry-run"]
    assert "platform_list" not in json.loads(check(run_cli(*direct, "-f", "json"), 3).stdout)


def test_the_demo_has_a_platform(run_cli: Run, check: Any) -> None:
    listed = check(run_cli("--demo", *domains("list")), 0).stdout
    assert "api.example-platform.com  testing, published" in listed
    added = check(run_cli("--demo", *domains("add", "--server", "cdn.example-platform.com",
                                             "--yes")), 0)  # fmt: skip
    assert "cdn.example-platform.com  applied" in added.stdout
    assert not ledger_path().exists()  # the demo keeps no ledger


def test_help_names_the_command(run_cli: Run, check: Any) -> None:
    top = check(run_cli("--help"), 0).stdout
    assert "the third-party platform's own domain lists" in " ".join(top.split())
    added = check(run_cli(*domains("add", "--help")), 0).stdout
    assert "--server HOST" in added and "--jump HOST" in added and "--published" in added


def test_a_list_at_the_limit_is_left_out_and_a_lost_answer_is_settled_later(
    platform: FakeWeChat, run_cli: Run, check: Any
) -> None:
    ledger = Ledger.for_user()
    for _ in range(50):
        ledger.sent(name="platform", appid="", via="platform", action="add", kind="jump",
                    domains=[], scope="platform")  # fmt: skip
    both = domains("add", "--server", "cdn.example.com", "--jump", "shop.example.org", "--yes")
    platform.platform.scenario = "reset"  # the change is made, the answer lost
    result = check(run_cli(*both), 1)
    assert "this month: 0/50 server-list calls, 50/50 jump-list calls" in result.stdout
    assert "shop.example.org  skipped (over the limit of 50 calls this month)" in result.stdout
    assert "cdn.example.com  unknown" in result.stdout
    assert platform.platform.write_calls == {"server": 1}
    assert (
        "wxa_server_domain  cdn.example.com  unknown" in check(run_cli("domains", "log"), 0).stdout
    )
    platform.platform.scenario = "ok"
    again = check(run_cli(*domains("add", "--server", "cdn.example.com", "--yes")), 0)
    assert "(already there)" in again.stdout and platform.platform.write_calls["server"] == 1
    log = check(run_cli("domains", "log"), 0).stdout
    assert "wxa_server_domain  cdn.example.com  applied" in log
    assert "wxa_server_domain  cdn.example.com  unknown" not in log


def test_saving_a_profile_keeps_the_platform_section_and_its_literal_token_is_warned_of(
    fake: FakeWeChat, write_config: Writer, config_path: Path, run_cli: Run, check: Any
) -> None:
    write_config({"profiles": [{"name": "A", "appid": APPID, "token_env": "X"}],
                  "platform": {"access_token": MARKER, "api_base": fake.url}})  # fmt: skip
    check(run_cli("profile", "add", "B", "--appid", "wx00000000000000bb", "--token-env", "X"), 0)
    assert f'access_token = "{MARKER}"' in config_path.read_text()
    config_path.chmod(0o644)
    exposed = check(run_cli("config", "check"), 0).stderr
    assert "holds a literal access_token that other users can read" in exposed
