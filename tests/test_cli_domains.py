"""`wxdash domains add|remove|log` end to end in a subprocess against the fake server: the
plan, the dry run, the confirmation, apply, partial refusals, failures, the monthly limit and
the ledger."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import FAST, MARKER, Run, Writer, serve

from wxdash import fakeserver
from wxdash.changes.ledger import Ledger, ledger_path
from wxdash.fakeserver import FakeWeChat

DIRECT = "/wxa/modify_domain_directly"
CDN = "https://cdn.example.com"


@pytest.fixture
def two_shops(fake: FakeWeChat, write_config: Writer) -> FakeWeChat:
    write_config({"network": FAST, "profiles": [serve(fake, "A", 1), serve(fake, "B", 2)]})
    return fake


def add(*extra: str) -> list[str]:
    return ["domains", "add", "--all", "--via", "direct", "--download", CDN, *extra]


def calls(fake: FakeWeChat, index: int, path: str = DIRECT) -> int:
    return fake.app(f"wx{index:016x}").write_calls[path]


def test_a_dry_run_shows_the_plan_and_changes_nothing(
    two_shops: FakeWeChat, run_cli: Run, check: Any
) -> None:
    text = check(run_cli(*add("--dry-run")), 3).stdout
    assert "A  wx0000000000000001  1 call; this month: 0/50 server-domain calls" in text
    assert f"  + downloaddomain  {CDN}" in text
    planned = json.loads(check(run_cli(*add("--dry-run", "-f", "json")), 3).stdout)
    assert planned["plan"][0] == {
        "name": "A", "appid": "wx0000000000000001", "via": "direct", "action": "add",
        "protocol": "downloaddomain", "domain": CDN, "calls_this_month": 0,
    }  # fmt: skip
    assert planned["skipped"] == []
    # The sample already has melody4 (compared as WeChat does: case, trailing slash).
    same = ["domains", "add", "--all", "--via", "direct", "--download", "https://MELODY4.qq.com/"]
    nothing = json.loads(check(run_cli(*same, "--dry-run", "-f", "json"), 0).stdout)
    assert nothing["plan"] == [] and nothing["skipped"][0]["reason"] == "present"
    assert calls(two_shops, 1) == calls(two_shops, 2) == 0
    assert not ledger_path().exists()


def test_lint_refuses_before_any_call(two_shops: FakeWeChat, run_cli: Run, check: Any) -> None:
    result = check(run_cli("domains", "add", "--all", "--via", "direct", "--download",
                           "https://1.2.3.4", "--yes"), 2)  # fmt: skip
    assert "https://1.2.3.4: an IP address: WeChat needs a domain name" in result.stderr
    assert calls(two_shops, 1) == 0


def test_without_a_terminal_and_without_yes_nothing_is_sent(
    two_shops: FakeWeChat, run_cli: Run, check: Any
) -> None:
    result = check(run_cli(*add()), 2)
    assert "No terminal to confirm" in result.stderr and "--yes" in result.stderr
    assert calls(two_shops, 1) == 0


def test_a_declined_prompt_changes_nothing(two_shops: FakeWeChat, tmp_path: Path) -> None:
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "wxdash", *add()],
        stdin=secondary, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    os.close(secondary)
    os.write(main, b"n\n")
    _out, err = process.communicate(timeout=60)
    os.close(main)
    assert process.returncode == 1, err
    assert "Make 2 calls, to change 2 profiles? [y/N]" in err
    assert "Nothing was changed." in err
    assert calls(two_shops, 1) == 0


def test_apply_changes_each_profile_once_and_keeps_a_ledger(
    two_shops: FakeWeChat, run_cli: Run, check: Any
) -> None:
    result = json.loads(check(run_cli(*add("--yes", "-f", "json")), 0).stdout)
    assert [(c["name"], c["result"]) for c in result["changes"]] == [
        ("A", "applied"),
        ("B", "applied"),
    ]
    assert result["summary"] == {
        "applied": 2, "refused": 0, "failed": 0, "skipped": 0, "unknown": 0, "calls": 2,
    }  # fmt: skip
    fetched = check(run_cli("fetch", "-p", "A"), 0).stdout  # the cache was dropped
    assert CDN in fetched
    again = check(run_cli(*add("--yes")), 0).stdout  # nothing left to do: no call
    assert "0 calls" in again
    assert calls(two_shops, 1) == calls(two_shops, 2) == 1
    log = json.loads(check(run_cli("domains", "log", "-p", "A", "-f", "json"), 0).stdout)["log"]
    assert [(c["profile"], c["domains"][0]["result"]) for c in log] == [("A", "applied")]
    assert MARKER not in ledger_path().read_text()
    text = check(run_cli("domains", "log"), 0).stdout
    assert f"downloaddomain  {CDN}  applied" in text


def test_partial_refusal_and_failure_exit_1(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, "A", 1)]})
    result = check(run_cli("domains", "add", "-p", "A", "--via", "direct", "--request",
                           "https://api.example.com", "--request", "https://noicp.example.com",
                           "--yes"), 1)  # fmt: skip
    assert "requestdomain  https://api.example.com  applied" in result.stdout
    assert "requestdomain  https://noicp.example.com  refused (no_icp_domain)" in result.stdout
    third = check(run_cli("domains", "add", "-p", "A", "--via", "third", "--request",
                          "https://new.example.com", "--yes"), 1)  # fmt: skip
    assert "failed: WeChat error 85018" not in third.stdout  # errmsg, not our wrapper
    assert "new.example.com  failed: the domain is not set" in third.stdout
    assert "rid: " in third.stdout
    assert "third-party platform's list" in third.stdout  # the hint


def test_a_write_answered_busy_is_sent_again_and_applied_once(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    """WeChat's -1 says the call was not carried out: the write goes again, one call made."""
    network = {**FAST, "retries": 2}
    write_config({"network": network, "profiles": [serve(fake, "A", 1)]})
    fake.app("wx0000000000000001").write_scenario = "flaky:1"  # -1 before any change, once
    result = json.loads(check(run_cli(*add("--yes", "-f", "json")), 0).stdout)
    assert [(c["name"], c["result"]) for c in result["changes"]] == [("A", "applied")]
    assert result["summary"]["calls"] == 1
    assert calls(fake, 1) == 2
    assert CDN in fake.app("wx0000000000000001").domains["direct_domain"]["downloaddomain"]
    log = json.loads(check(run_cli("domains", "log", "-f", "json"), 0).stdout)["log"]
    assert [(c["profile"], [d["result"] for d in c["domains"]]) for c in log] == [
        ("A", ["applied"])
    ]
    assert Ledger.for_user().calls_this_month("wx0000000000000001", "server") == 1


def test_a_profile_at_the_limit_is_left_out(
    two_shops: FakeWeChat, run_cli: Run, check: Any
) -> None:
    ledger = Ledger.for_user()
    for _ in range(50):
        ledger.sent(name="A", appid="wx0000000000000001", via="direct", action="add",
                    kind="server", domains=[])  # fmt: skip
    result = check(run_cli(*add("--yes")), 1)
    assert "this month: 50/50 server-domain calls" in result.stdout
    assert "over the limit of 50 calls this month" in result.stdout
    assert calls(two_shops, 1) == 0 and calls(two_shops, 2) == 1


def test_two_applies_at_once_at_49_calls_make_exactly_one_call(
    fake: FakeWeChat, write_config: Writer, tmp_path: Path
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, "A", 1)]})
    ledger = Ledger.for_user()
    for _ in range(49):
        ledger.sent(name="A", appid="wx0000000000000001", via="direct", action="add",
                    kind="server", domains=[])  # fmt: skip
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wxdash",
                "domains",
                "add",
                "-p",
                "A",
                "--via",
                "direct",
                "--download",
                url,
                "--yes",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        for url in ("https://one.example.com", "https://two.example.com")
    ]
    codes = sorted(run.wait(timeout=60) for run in runs)
    for run in runs:
        run.communicate()
    assert codes == [0, 1]
    assert calls(fake, 1) == 1
    assert Ledger.for_user().calls_this_month("wx0000000000000001", "server") == 50


def test_a_rerun_settles_an_unknown_left_by_a_killed_run(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, "A", 1)]})
    # A run killed after its `sent` line, once WeChat had made the change.
    Ledger.for_user().sent(name="A", appid="wx0000000000000001", via="direct", action="add",
                           kind="server", domains=[("downloaddomain", CDN)])  # fmt: skip
    fake.app("wx0000000000000001").domains["direct_domain"]["downloaddomain"].append(CDN)
    before = check(run_cli("domains", "log"), 0).stdout
    assert f"downloaddomain  {CDN}  unknown" in before
    check(run_cli("domains", "add", "-p", "A", "--via", "direct", "--download", CDN, "--yes"), 0)
    assert calls(fake, 1) == 0
    after = check(run_cli("domains", "log"), 0).stdout
    assert f"downloaddomain  {CDN}  applied" in after and "unknown" not in after


def test_a_thousand_profile_add_killed_halfway_is_finished_by_running_it_again(
    fake: FakeWeChat,
    write_config: Writer,
    run_cli: Run,
    check: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    arrived, gate = threading.Semaphore(0), threading.Event()

    def hold(_seconds: float) -> None:  # a held answer: the change is made, no answer yet
        arrived.release()
        gate.wait(30)

    monkeypatch.setattr(fakeserver, "time", SimpleNamespace(sleep=hold))
    shops = [serve(fake, f"S{i}", i) for i in range(1000)]
    for i in range(500, 1000):
        fake.app(f"wx{i:016x}").write_scenario = "slow:1"
    write_config({"network": FAST, "profiles": shops})
    process = subprocess.Popen(
        [sys.executable, "-m", "wxdash", *add("--yes")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    for _ in range(8):  # every one of the 8 calls at once is held: kill the run there
        assert arrived.acquire(timeout=60)
    process.kill()
    process.wait()
    for i in range(500, 1000):
        fake.app(f"wx{i:016x}").write_scenario = "ok"
    gate.set()
    assert "unknown" in check(run_cli("domains", "log"), 0).stdout
    check(run_cli(*add("--yes")), 0)
    assert [calls(fake, i) for i in range(1000)] == [1] * 1000
    direct = [fake.app(f"wx{i:016x}").domains["direct_domain"] for i in range(1000)]
    assert all(CDN in d["downloaddomain"] for d in direct)
    assert "unknown" not in check(run_cli("domains", "log"), 0).stdout


def test_the_demo_writes_to_its_own_fake_server_and_keeps_no_ledger(
    run_cli: Run, check: Any
) -> None:
    result = check(run_cli("--demo", "domains", "add", "--all", "--via", "direct",
                           "--download", CDN, "--yes", "-f", "json"), 1)  # fmt: skip
    assert "Night Market: WeChat error 42001" in result.stderr  # the demo's broken merchant
    summary = json.loads(result.stdout)["summary"]
    assert summary["applied"] >= 1 and summary["failed"] == summary["unknown"] == 0
    assert not ledger_path().exists()
    assert "--demo keeps no ledger" in check(run_cli("--demo", "domains", "log"), 2).stderr


def test_a_profile_that_cannot_be_fetched_is_told_and_left_out(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, "A", 1, scenario="errcode:48001")]})
    result = check(run_cli(*add("--yes")), 1)
    assert "WeChat error 48001" in result.stderr
    assert "its current lists could not be fetched" in result.stdout
    assert calls(fake, 1) == 0


def test_webview_and_socket_domains_are_added_and_removed_by_the_third_party_way(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, "A", 1)]})
    fake.platform_domains.add("ws.example.com")
    fake.platform_webview.add("www.example.com")
    third = ["-p", "A", "--via", "third", "--ws", "wss://ws.example.com",
             "--webview", "https://www.example.com", "--yes"]  # fmt: skip
    added = check(run_cli("domains", "add", *third), 0).stdout
    assert "2 calls: applied 2" in added
    # No [platform] section: the plan says so, and WeChat's answer is the check.
    assert "the platform's own list was not checked (there is no [platform] section" in added
    app = fake.app("wx0000000000000001")
    assert "wss://ws.example.com" in app.domains["third_domain"]["wsrequestdomain"]
    assert app.webview["third_webviewdomain"] == ["https://www.example.com"]
    plan = check(run_cli("domains", "remove", *third, "--dry-run"), 3).stdout
    assert "  - webviewdomain  https://www.example.com" in plan
    check(run_cli("domains", "remove", *third), 0)
    assert app.webview["third_webviewdomain"] == []
    assert app.write_calls["/wxa/setwebviewdomain"] == 2
    refused = check(run_cli("domains", "add", "-p", "A", "--via", "third", "--webview",
                            "https://other.example.com", "--yes"), 1)  # fmt: skip
    assert "failed: request domain is not in the third-party platform's business domains" in (
        refused.stdout
    )


def test_a_removal_sends_the_entry_as_wechat_lists_it(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, "A", 1)]})
    app = fake.app("wx0000000000000001")
    app.domains["direct_domain"]["downloaddomain"] = ["https://CDN.Example.com/"]
    app.webview["direct_webviewdomain"] = ["https://WWW.Example.com/"]
    result = check(run_cli("domains", "remove", "-p", "A", "--via", "direct", "--download",
                           CDN, "--webview", "https://www.example.com", "--yes"), 0)  # fmt: skip
    assert "downloaddomain  https://CDN.Example.com/  applied" in result.stdout
    bodies = dict(app.write_bodies)
    assert bodies[DIRECT]["action"] == "delete"
    assert bodies[DIRECT]["downloaddomain"] == ["https://CDN.Example.com/"]
    assert bodies["/wxa/setwebviewdomain_directly"] == {
        "action": "delete", "webviewdomain": ["https://WWW.Example.com/"],
    }  # fmt: skip
    assert app.domains["direct_domain"]["downloaddomain"] == []


def test_the_log_keeps_one_month_and_refuses_a_bad_one(
    two_shops: FakeWeChat, run_cli: Run, check: Any
) -> None:
    check(run_cli(*add("--yes")), 0)
    assert check(run_cli("domains", "log", "--month", "2001-01"), 0).stdout == (
        "No changes in the ledger.\n"
    )
    month = json.loads(check(run_cli("domains", "log", "-f", "json"), 0).stdout)["log"]
    assert len(month) == 2
    bad = check(run_cli("domains", "log", "--month", "2026-13"), 2)
    assert "--month wants YYYY-MM, got 2026-13" in bad.stderr


def test_help_lists_the_command_and_its_exit_codes(run_cli: Run, check: Any) -> None:
    top = check(run_cli("--help"), 0).stdout
    assert "domains" in top and "add or remove domains" in top
    assert "domains and platform: 1 a change not applied, 3 a dry run with changes." in (
        " ".join(top.split())
    )
    assert "--via {direct,third}" in check(run_cli("domains", "add", "--help"), 0).stdout
