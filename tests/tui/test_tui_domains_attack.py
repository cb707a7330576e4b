"""Attacks on the dashboard's domain changes: keys pressed in bursts while a plan is made or
applied, `-` after a switch of profile, hostile write answers, a ledger that cannot be written
or is held by another run, a small terminal in Chinese, --offline and --demo. Each ends in a
clear message on screen, no call sent twice and none without its ledger line.
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

import pytest
from conftest import MARKER, Writer, assert_no_marker, screen_text, serve
from test_tui_domains import CDN, DIRECT, box, calls, lists, plan_add, plan_screen, start, to_tab
from tuikit import hold_slow_answers, notices, paste, running, settle, wait_until

from wxdash import changing as changing_module
from wxdash.app import WxDashApp
from wxdash.changes.ledger import Ledger, ledger_path
from wxdash.fakeserver import FakeWeChat
from wxdash.screens.change_plan import ChangePlanScreen
from wxdash.screens.domain_form import DomainFormScreen


def plans_open(app: Any) -> int:
    return sum(isinstance(s, ChangePlanScreen) for s in app.screen_stack)


# -- key storms -----------------------------------------------------------------------------


async def test_keys_in_a_burst_while_applying_send_one_call_and_the_screen_still_closes(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = hold_slow_answers(monkeypatch)
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()),
                serve(fake, "Shop B", 2, domains=lists()))  # fmt: skip
    try:
        async with running(app) as pilot:
            await to_tab(pilot, "direct")
            screen = await plan_add(pilot, CDN)
            fake.app("wx0000000000000001").write_scenario = "slow:1"
            await pilot.press("y", "y", "y", "n", "y")
            await wait_until(pilot, lambda: calls(fake, 1) == 1, "the call sent")
            await pilot.press("plus", "minus", "right_square_bracket", "p", "enter", "R", "f")
            await pilot.press("ctrl+p")
            await pilot.pause()
            await paste(pilot, "Add a domain")
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("escape", "escape", "q", "n", "ctrl+q", "n")
            await pilot.pause()
            assert plans_open(app) == 1
            assert not isinstance(app.screen, DomainFormScreen)
            assert app.is_running
            gate.set()
            await wait_until(pilot, lambda: screen.run.stage == "done", "the call back")
            await settle(pilot)
            for _ in range(4):
                if not isinstance(app.screen, ChangePlanScreen):
                    break
                await pilot.press("escape")
                await pilot.pause()
            assert plans_open(app) == 0
    finally:
        gate.set()
    assert calls(fake, 1) == 1 and calls(fake, 2) == 0
    assert len(Ledger.for_user().calls()) == 1


async def test_keys_in_a_burst_while_planning_send_nothing_and_leave_no_run(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(changing_module, "FRESH", -1.0)  # every plan fetches first
    gate = hold_slow_answers(monkeypatch)
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    try:
        async with running(app) as pilot:
            await to_tab(pilot, "direct")
            fake.app("wx0000000000000001").scenario = "slow:1"
            await pilot.press("plus")
            await wait_until(pilot, lambda: isinstance(app.screen, DomainFormScreen), "form")
            await paste(pilot, CDN)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ChangePlanScreen), "plan")
            run = plan_screen(app).run
            await pilot.press("y", "y", "escape", "escape", "y")
            await pilot.pause()
            assert plans_open(app) == 0
            assert run.stage == "done" and run.stopped
            gate.set()
            await settle(pilot)
            fake.app("wx0000000000000001").scenario = "ok"
            screen = await plan_add(pilot, CDN)  # the next plan is made as if nothing happened
            assert "Make 1 call" in box(app)
            await pilot.press("n")
            await pilot.pause()
            assert screen.run.stage == "planned"
    finally:
        gate.set()
    assert calls(fake, 1) == 0


async def test_the_palette_under_a_plan_opens_no_second_plan(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    async with running(app) as pilot:
        await to_tab(pilot, "direct")
        screen = await plan_add(pilot, CDN)
        for command in ("Add a domain to the shown profiles", "Add a domain to this profile"):
            await pilot.press("ctrl+p")
            await pilot.pause()
            await paste(pilot, command)
            await pilot.press("enter")
            await pilot.pause()
            if isinstance(app.screen, DomainFormScreen):
                await paste(pilot, "https://other.example.com")
                await pilot.press("enter")
                await pilot.pause()
            await settle(pilot)
        assert plans_open(app) == 1
        assert app.screen is screen
        assert any("Close the domain change on screen first" in n for n in notices(app))
        assert app.dashboard.changing.run is screen.run
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.run.stage == "done", "the call back")
        await settle(pilot)
    assert fake.app("wx0000000000000001").write_bodies == [
        (DIRECT, {"action": "add", "requestdomain": [CDN]})
    ]


# -- minus after a switch -------------------------------------------------------------------


async def test_minus_after_a_switch_removes_from_the_profile_shown_only(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = "https://old.example.com"
    gate = hold_slow_answers(monkeypatch)
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists((old,))),
                serve(fake, "Shop B", 2, domains=lists((old,))))  # fmt: skip
    try:
        async with running(app) as pilot:
            await to_tab(pilot, "direct")
            tree = app.dashboard.tree()
            tree.focus()
            assert tree.focus_domain("requestdomain", old)
            await pilot.pause()
            fake.app("wx0000000000000002").scenario = "slow:1"
            app.dashboard.switch_to("Shop B")  # its lists are on the way
            await pilot.pause()
            await pilot.press("minus")
            await pilot.pause()
            # The tree no longer shows Shop A's domain under the cursor: nothing to remove.
            assert not isinstance(app.screen, ChangePlanScreen)
            assert any("Put the cursor on a domain" in n for n in notices(app))
            gate.set()
            await settle(pilot)
            tree = app.dashboard.tree()
            tree.focus()
            assert tree.focus_domain("requestdomain", old)
            await pilot.pause()
            await pilot.press("minus")
            await wait_until(pilot, lambda: isinstance(app.screen, ChangePlanScreen), "plan")
            screen = plan_screen(app)
            await wait_until(pilot, lambda: screen.run.stage == "planned", "planned")
            assert [p.name for p in screen.run.request.profiles] == ["Shop B"]
            assert "Remove a domain from Shop B" in box(app)
            await pilot.press("y")
            await wait_until(pilot, lambda: screen.run.stage == "done", "done")
            await settle(pilot)
    finally:
        gate.set()
    assert calls(fake, 2) == 1
    assert calls(fake, 1) == 0


# -- local faults ---------------------------------------------------------------------------


ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
FAULTS = [
    pytest.param("folder-000", marks=pytest.mark.skipif(ROOT, reason="root reads any folder")),
    "directory",
    "symlink",
]


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_ledger_that_cannot_be_used_ends_in_a_message_and_no_call(
    fake: FakeWeChat, write_config: Writer, tmp_path: Any, fault: str
) -> None:
    path = ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    try:
        async with running(app) as pilot:
            await to_tab(pilot, "direct")
            if fault == "folder-000":
                path.parent.chmod(0)
            elif fault == "directory":
                path.mkdir()
            else:
                target = tmp_path / "elsewhere"
                target.write_text("")
                path.symlink_to(target)
            await pilot.press("plus")
            await wait_until(pilot, lambda: isinstance(app.screen, DomainFormScreen), "form")
            await paste(pilot, CDN)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ChangePlanScreen), "plan")
            run = plan_screen(app).run
            await wait_until(pilot, lambda: run.stage in ("planned", "done"), "planned or done")
            if run.stage == "planned":
                await pilot.press("y")
                await wait_until(pilot, lambda: run.stage == "done", "done")
            await settle(pilot)
            text = box(app)
            assert "The change ledger cannot be used" in text, text
            assert "changes.jsonl" in text
            await pilot.press("escape")
            await pilot.pause()
            assert plans_open(app) == 0
    finally:
        path.parent.chmod(0o700)
    assert calls(fake, 1) == 0


async def test_another_run_holding_the_ledger_makes_the_plan_wait_and_escape_leaves(
    fake: FakeWeChat, write_config: Writer
) -> None:
    path = ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    held = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(held, fcntl.LOCK_EX)
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    try:
        async with running(app) as pilot:
            await to_tab(pilot, "direct")
            screen = await plan_add(pilot, CDN)
            await pilot.press("y")
            await wait_until(pilot, lambda: "Waiting for another wxdash run" in box(app), "wait")
            assert calls(fake, 1) == 0
            await pilot.press("escape")
            await wait_until(pilot, lambda: screen.run.stage == "done", "stopped")
            await settle(pilot)
            assert "Stopped" in box(app)
            await pilot.press("escape")
            await pilot.pause()
            assert plans_open(app) == 0
    finally:
        os.close(held)
    assert calls(fake, 1) == 0


async def test_the_ledger_freed_while_waiting_lets_the_call_go(
    fake: FakeWeChat, write_config: Writer
) -> None:
    path = ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    held = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(held, fcntl.LOCK_EX)
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    try:
        async with running(app) as pilot:
            await to_tab(pilot, "direct")
            screen = await plan_add(pilot, CDN)
            await pilot.press("y")
            await wait_until(pilot, lambda: "Waiting for another wxdash run" in box(app), "wait")
            assert calls(fake, 1) == 0
            os.close(held)
            held = -1
            await wait_until(pilot, lambda: screen.run.stage == "done", "applied")
            await settle(pilot)
            assert "applied 1" in box(app)
    finally:
        if held >= 0:
            os.close(held)
    assert calls(fake, 1) == 1
    assert len(Ledger.for_user().calls()) == 1


# -- offline, demo --------------------------------------------------------------------------


async def test_plus_and_minus_offline_say_so(fake: FakeWeChat, write_config: Writer) -> None:
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()), offline=True)
    async with running(app) as pilot:
        await to_tab(pilot, "direct")
        await pilot.press("plus")
        await pilot.pause()
        assert not isinstance(app.screen, DomainFormScreen)
        assert notices(app), screen_text(app)
        assert any("offline" in n.lower() for n in notices(app)), notices(app)
    assert calls(fake, 1) == 0


# -- hostile write answers ------------------------------------------------------------------

CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


def shown_safely(app: Any) -> str:
    """The screen and the notifications, checked free of terminal controls and the token."""
    shown = "\n".join((screen_text(app), *notices(app)))
    assert not any(c in shown for c in CONTROLS), repr(shown)
    assert_no_marker(shown)
    return shown


@pytest.mark.parametrize(
    ("scenario", "result"),
    [
        ("escapes", "failed 1"),
        ("junk", "1 call:"),
        ("invalid", "1 call:"),
        ("truncated", "1 call:"),
        ("reset", "unknown 1"),
        ("html502", "1 call:"),
    ],
)
async def test_a_hostile_write_answer_is_shown_safely_and_never_sent_again(
    fake: FakeWeChat, write_config: Writer, scenario: str, result: str
) -> None:
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    async with running(app) as pilot:
        await to_tab(pilot, "direct")
        screen = await plan_add(pilot, CDN)
        fake.app("wx0000000000000001").write_scenario = scenario
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.run.stage == "done", "the call back")
        await settle(pilot)
        assert result in box(app), box(app)
        await pilot.press("escape")
        await settle(pilot)
        assert any("Domain changes in 1 call" in n for n in notices(app))
        shown_safely(app)
    assert calls(fake, 1) == 1
    [call] = Ledger.for_user().calls()
    assert (call["result"] == "unknown") == (scenario == "reset")  # a lost answer: not resent
    assert MARKER not in ledger_path().read_text()


@pytest.mark.parametrize(
    "extra",
    [
        {"invalid_requestdomain": CDN},  # not a list
        {"invalid_requestdomain": ["https://not-asked.example.com"]},
        {"invalid_requestdomain": [f"https://{n}.example.com" for n in range(20_000)]},
        {"invalid_requestdomain": [None, 7, {"a": 1}, CDN.upper() + "/"]},
        {"errmsg": "ok [bold]x[/bold] \x1b[2J\u202e", "no_icp_domain": {"x": 1}},
    ],
    ids=["not-a-list", "not-asked", "huge", "odd-entries", "odd-errmsg"],
)
async def test_an_odd_errcode_0_answer_reads_as_what_it_says(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch, extra: dict[str, Any]
) -> None:
    from wxdash.fakeserver import writes

    right = writes._answer
    monkeypatch.setattr(writes, "_answer", lambda *a, **k: {**right(*a, **k), **extra})
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    async with running(app) as pilot:
        await to_tab(pilot, "direct")
        screen = await plan_add(pilot, CDN)
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.run.stage == "done", "the call back")
        await settle(pilot)
        text = box(app)
        refused = "odd-entries" if CDN.upper() + "/" in str(extra) else ""
        if refused:
            assert f"requestdomain {CDN} refused (invalid_requestdomain)" in text, text
        else:
            assert f"requestdomain {CDN} applied" in text, text
        assert len(text) < 5_000  # what was not asked is not listed
        await pilot.press("escape")
        await settle(pilot)
        shown_safely(app)
    assert calls(fake, 1) == 1


async def test_a_ledger_broken_between_the_plan_and_y_sends_nothing(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()),
                serve(fake, "Shop B", 2, domains=lists()))  # fmt: skip
    async with running(app) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await paste(pilot, "Add a domain to the shown profiles")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DomainFormScreen), "form")
        await paste(pilot, CDN)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChangePlanScreen), "plan")
        run = plan_screen(app).run
        await wait_until(pilot, lambda: run.stage == "planned", "planned")
        ledger_path().mkdir(parents=True)  # another tool put a folder where the file goes
        await pilot.press("y")
        await wait_until(pilot, lambda: run.stage == "done", "done")
        await settle(pilot)
        assert "The change ledger cannot be used" in box(app)
        assert not app.dashboard.changing.busy
        await pilot.press("escape")
        await pilot.pause()
        assert plans_open(app) == 0
    assert calls(fake, 1) == calls(fake, 2) == 0


# -- a small terminal in Chinese, --demo ----------------------------------------------------


async def test_the_form_and_the_plan_fit_80x24_in_chinese(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = start(write_config, serve(fake, "甲店", 1, domains=lists()), lang="zh")
    async with running(app, size=(80, 24)) as pilot:
        await to_tab(pilot, "direct")
        await pilot.press("plus")
        await wait_until(pilot, lambda: isinstance(app.screen, DomainFormScreen), "form")
        form = screen_text(app)
        assert "为 甲店 添加域名" in form and "取消" in form and "计划" in form
        await paste(pilot, f"{CDN} https://noicp.example.com")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChangePlanScreen), "plan")
        screen = plan_screen(app)
        await wait_until(pilot, lambda: screen.run.stage == "planned", "planned")
        await settle(pilot)
        text = box(app)
        assert "调用 1 次，修改 1 个档案。" in text
        assert "1 次调用；本月：" in text
        assert "执行 (y)" in screen_text(app)  # the button is on screen, not cut off
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.run.stage == "done", "done")
        await settle(pilot)
        text = box(app)
        assert "1 次调用：已修改 1，被拒绝 1，失败 0" in text, text
        assert "关闭 (escape)" in screen_text(app)


async def test_the_demo_writes_to_its_own_fake_server_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = WxDashApp(demo=True, lang="en")
    async with running(app) as pilot:
        demo = app._demo_server
        assert demo is not None
        own = demo.server.url
        await to_tab(pilot, "direct")
        monkeypatch.setattr(WxDashApp, "demo_url", property(lambda _self: "http://elsewhere"))
        await pilot.press("plus")
        await wait_until(pilot, lambda: isinstance(app.screen, DomainFormScreen), "form")
        await paste(pilot, CDN)
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ChangePlanScreen)
        assert any("--demo sends changes only to its own fake server" in n for n in notices(app))
        assert not any(a.write_calls for a in demo.server._apps.values())
        monkeypatch.setattr(WxDashApp, "demo_url", property(lambda _self: own))
        screen = await plan_add(pilot, CDN)
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.run.stage == "done", "done")
        await settle(pilot)
        assert "applied 1" in box(app)
        assert sum(sum(a.write_calls.values()) for a in demo.server._apps.values()) == 1
    assert not ledger_path().exists()  # the demo keeps no ledger


async def test_quitting_while_waiting_for_the_ledger_quits_and_sends_nothing(
    fake: FakeWeChat, write_config: Writer
) -> None:
    path = ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    held = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(held, fcntl.LOCK_EX)
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    try:
        async with running(app) as pilot:
            await to_tab(pilot, "direct")
            await plan_add(pilot, CDN)
            await pilot.press("y")
            await wait_until(pilot, lambda: "Waiting for another wxdash run" in box(app), "wait")
            await pilot.press("ctrl+q")
            await wait_until(pilot, lambda: "Quit while changes" in screen_text(app), "asked")
            await pilot.press("y")
        # Left the `async with`: the app ended though the other run still holds the lock.
    finally:
        os.close(held)
    assert calls(fake, 1) == 0
    assert not path.exists() or not Ledger.for_user().calls()
