"""Domain changes in the dashboard, against the fake server: `+` on the Direct or Third-party
tab opens the form (linted as typed), the plan screen shows the changes, the budget and the
call, `y` applies, and the results (partial refusals, failures, the monthly limit) are on
screen; `-` removes the domain under the cursor; the palette adds a domain to every profile
the list shows, with progress and a stop; the ledger keeps each call and never a token.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import MARKER, Writer, assert_no_marker, screen_text, serve
from test_tui_chinese import assert_chinese
from textual.pilot import Pilot
from textual.widgets import Static
from tuikit import (
    config,
    hold_slow_answers,
    notices,
    paste,
    running,
    settle,
    tree_text,
    wait_for_text,
    wait_until,
    widget_text,
)

from wxdash.app import WxDashApp
from wxdash.changes.ledger import Ledger, ledger_path
from wxdash.changing import ChangeRun
from wxdash.fakeserver import PROTOCOL_KEYS, FakeWeChat
from wxdash.screens.change_plan import ChangePlanScreen
from wxdash.screens.domain_form import DomainFormScreen

DIRECT = "/wxa/modify_domain_directly"
THIRD = "/wxa/modify_domain"
CDN = "https://cdn.example.com"
APPID_1 = "wx0000000000000001"


def lists(direct: tuple[str, ...] = ()) -> dict[str, Any]:
    """A domains answer with nothing but these request domains in direct_domain."""

    def group(*requests: str) -> dict[str, list[str]]:
        return {key: list(requests) if key == "requestdomain" else [] for key in PROTOCOL_KEYS}

    return {
        "effective_domain": group(*direct),
        "mp_domain": group(),
        "third_domain": group(),
        "direct_domain": group(*direct),
    }


def start(write_config: Writer, *profiles: dict[str, Any], **keys: Any) -> WxDashApp:
    path = write_config(config(*profiles))
    return WxDashApp(config_file=str(path), **keys)


def calls(fake: FakeWeChat, index: int, path: str = DIRECT) -> int:
    return fake.app(f"wx{index:016x}").write_calls[path]


def plan_screen(app: WxDashApp) -> ChangePlanScreen:
    assert isinstance(app.screen, ChangePlanScreen), f"not on the plan: {app.screen}"
    return app.screen


def box(app: WxDashApp) -> str:
    """The plan screen's box, its lines joined into one without its borders (wrapped lines
    read as one)."""
    lines = [line.strip().strip("│").strip() for line in widget_text(app, "#plan-box").split("\n")]
    return " ".join(" ".join(lines).split())


async def to_tab(pilot: Pilot[Any], tab: str) -> None:
    """Go to a tab with `]`, as a user does, and let it draw."""
    for _ in range(6):
        if pilot.app.query_one("TabbedContent").active == f"tab-{tab}":
            break
        await pilot.press("right_square_bracket")
        await pilot.pause()
    assert pilot.app.query_one("TabbedContent").active == f"tab-{tab}"


async def plan_add(pilot: Pilot[Any], domains: str) -> ChangePlanScreen:
    """`+`, the domains typed into the form, enter; wait for the plan to be made."""
    await pilot.press("plus")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DomainFormScreen), "the form")
    await paste(pilot, domains)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ChangePlanScreen), "the plan")
    screen = plan_screen(pilot.app)
    await wait_until(pilot, lambda: screen.run.stage == "planned", "the plan made")
    await pilot.pause()
    return screen


async def applied(pilot: Pilot[Any], run: ChangeRun) -> str:
    """Press `y` and wait for every call to come back; the plan screen's text."""
    await pilot.press("y")
    await wait_until(pilot, lambda: run.stage == "done", "the calls made")
    await settle(pilot)
    return box(pilot.app)


# -- plan, cancel, apply --------------------------------------------------------------------


async def test_plus_shows_the_plan_and_y_applies_it_into_the_direct_and_pending_tabs(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    async with running(app) as pilot:
        footer = widget_text(app, "Footer")
        assert "+ Add" not in footer  # on Effective: its lists are not changed by wxdash
        await to_tab(pilot, "direct")
        await wait_until(pilot, lambda: "+ Add" in widget_text(app, "Footer"), "+ in the footer")
        assert "- Remove" in widget_text(app, "Footer")
        screen = await plan_add(pilot, CDN)
        text = box(app)
        assert f"Add {CDN} to Shop A" in text
        assert "Make 1 call, to change 1 profile." in text
        assert f"The call: POST {DIRECT} (action add)" in text
        assert "this month: 0/50 server-domain calls" in text
        assert f"+ requestdomain {CDN}" in text
        assert "against the month's 50" in text
        assert calls(fake, 1) == 0  # nothing is sent before the user says so
        text = await applied(pilot, screen.run)
        assert "1 call: applied 1, refused 0, failed 0, skipped 0, unknown 0" in text
        assert f"Shop A add requestdomain {CDN} applied" in text
        assert calls(fake, 1) == 1
        await pilot.press("escape")
        await wait_until(pilot, lambda: CDN in tree_text(app), "the new domain in Direct")
        assert any("1 applied" in n for n in notices(app))
        await to_tab(pilot, "pending")
        await wait_until(pilot, lambda: CDN in tree_text(app), "the new domain in Pending")
        line = next(line for line in tree_text(app).splitlines() if CDN in line)
        assert "+" in line and "takes effect at next release" in line
        shown = screen_text(app)
    [call] = Ledger.for_user().calls()
    assert (call["profile"], call["via"], call["action"]) == ("Shop A", "direct", "add")
    assert call["domains"][0]["result"] == "applied"
    assert_no_marker([shown], [ledger_path().parent])
    assert MARKER not in ledger_path().read_text()


async def test_n_leaves_the_plan_and_sends_nothing(fake: FakeWeChat, write_config: Writer) -> None:
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    async with running(app) as pilot:
        await to_tab(pilot, "direct")
        await plan_add(pilot, CDN)
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ChangePlanScreen), "closed")
        await settle(pilot)
        assert CDN not in tree_text(app)
    assert calls(fake, 1) == 0
    assert not ledger_path().exists()


async def test_the_form_lints_as_typed_and_refuses_what_wechat_would(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    async with running(app) as pilot:
        await to_tab(pilot, "direct")
        await pilot.press("plus")
        await wait_until(pilot, lambda: isinstance(app.screen, DomainFormScreen), "the form")
        await paste(pilot, "http://10.0.0.1/api")
        await pilot.pause()
        form = widget_text(app, "#domain-form")
        assert "must start with https://" in " ".join(form.split())
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DomainFormScreen)  # refused: no plan
        await pilot.press("escape")
        await settle(pilot)
    assert calls(fake, 1) == 0


# -- results: partial, failure, the limit ---------------------------------------------------


async def test_a_partial_refusal_is_shown_per_domain(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    async with running(app) as pilot:
        await to_tab(pilot, "direct")
        screen = await plan_add(pilot, "https://api.example.com https://noicp.example.com")
        assert "Make 1 call" in box(app)
        text = await applied(pilot, screen.run)
        assert "applied 1, refused 1" in text
        assert "requestdomain https://noicp.example.com refused (no_icp_domain)" in text
        assert "requestdomain https://api.example.com applied" in text
        assert "bad" in app.screen.classes  # the box turns red
    assert calls(fake, 1) == 1


async def test_a_failed_call_shows_its_error_and_hint(
    fake: FakeWeChat, write_config: Writer
) -> None:
    # The platform's list lacks the domain: WeChat refuses the third-party way with 85018.
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    async with running(app) as pilot:
        await to_tab(pilot, "third")
        screen = await plan_add(pilot, CDN)
        assert f"The call: POST {THIRD} (action add)" in box(app)
        text = await applied(pilot, screen.run)
        assert "failed 1" in text
        assert f"requestdomain {CDN} failed: the domain is not set" in text
        assert "rid: " in text
        assert "third-party platform's list" in text  # the hint
        await pilot.press("escape")
        await settle(pilot)
        assert any("1 failed" in n for n in notices(app))
    assert calls(fake, 1, THIRD) == 1
    [call] = Ledger.for_user().calls()
    assert call["domains"][0]["errcode"] == 85018


async def test_a_third_party_add_off_the_platforms_list_is_refused_before_any_call(
    fake: FakeWeChat, write_config: Writer
) -> None:
    fake.platform.token = f"{MARKER}-platform"
    fake.platform.testing["server"].add("api.example.com")
    path = write_config({
        **config(serve(fake, "Shop A", 1, domains=lists())),
        "platform": {"access_token": fake.platform.token, "api_base": fake.url},
    })  # fmt: skip
    app = WxDashApp(config_file=str(path))
    async with running(app) as pilot:
        await to_tab(pilot, "third")
        await plan_add(pilot, f"{CDN} https://api.example.com")
        text = box(app)
        assert "checked against the platform's own lists" in text
        why = "not on the platform's own list: WeChat would answer 85018"
        assert f"! requestdomain {CDN} ({why})" in text
        assert "+ requestdomain https://api.example.com" in text
        screen = plan_screen(app)
        result = await applied(pilot, screen.run)
        assert "applied 1, refused 1" in result
        assert f"requestdomain {CDN} refused" in result
        shown = screen_text(app)
    assert fake.app(APPID_1).write_bodies == [
        (THIRD, {"action": "add", "requestdomain": ["https://api.example.com"]})
    ]
    assert_no_marker([shown], [ledger_path().parent])


async def test_a_profile_at_the_monthly_limit_is_left_out_without_a_call(
    fake: FakeWeChat, write_config: Writer
) -> None:
    ledger = Ledger.for_user()
    for _ in range(50):
        ledger.sent(name="Shop A", appid=APPID_1, via="direct", action="add", kind="server",
                    domains=[])  # fmt: skip
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    async with running(app) as pilot:
        await to_tab(pilot, "direct")
        await plan_add(pilot, CDN)
        text = box(app)
        assert "this month: 50/50 server-domain calls" in text
        assert f"= requestdomain {CDN} (over the limit of 50 calls this month)" in text
        assert "Nothing to send" in text
        assert "Not sent: 1 (over the limit of 50 calls this month)" in text
        await pilot.press("y")  # nothing to apply: y does nothing
        await pilot.pause()
        assert plan_screen(app).run.stage == "planned"
        await pilot.press("escape")
        await settle(pilot)
    assert calls(fake, 1) == 0


# -- minus ----------------------------------------------------------------------------------


async def test_minus_removes_the_domain_under_the_cursor(
    fake: FakeWeChat, write_config: Writer
) -> None:
    listed = "https://Old.Example.com/"  # removed as WeChat lists it, case and slash kept
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists((listed,))))
    async with running(app) as pilot:
        await to_tab(pilot, "direct")
        await pilot.press("minus")  # the cursor is on no domain yet
        await pilot.pause()
        assert any("Put the cursor on a domain" in n for n in notices(app))
        tree = app.dashboard.tree()
        tree.focus()
        assert tree.focus_domain("requestdomain", listed)
        await pilot.pause()
        await pilot.press("minus")
        await wait_until(pilot, lambda: isinstance(app.screen, ChangePlanScreen), "the plan")
        screen = plan_screen(app)
        await wait_until(pilot, lambda: screen.run.stage == "planned", "the plan made")
        await pilot.pause()
        assert f"- requestdomain {listed}" in box(app)
        assert "(action delete)" in box(app)
        text = await applied(pilot, screen.run)
        assert "applied 1" in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: "Old.Example.com" not in tree_text(app), "it is gone")
    assert fake.app(APPID_1).domains["direct_domain"]["requestdomain"] == []


# -- the fleet: the palette, progress, stop -------------------------------------------------


async def run_palette(pilot: Pilot[Any], command: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await paste(pilot, command)
    await wait_for_text(pilot, command)
    await pilot.press("enter")
    await pilot.pause()


async def test_the_palette_adds_a_domain_to_the_profiles_the_list_shows(
    fake: FakeWeChat, write_config: Writer
) -> None:
    profiles = [serve(fake, f"Shop {n}", n, domains=lists()) for n in (1, 2)]
    profiles.append(serve(fake, "Cafe 3", 3, domains=lists()))
    app = start(write_config, *profiles)
    async with running(app) as pilot:
        await pilot.press("f")
        await paste(pilot, "Shop")
        await pilot.press("enter")
        await pilot.pause()
        await run_palette(pilot, "Add a domain to the shown profiles")
        await wait_until(pilot, lambda: isinstance(app.screen, DomainFormScreen), "the form")
        assert "Add a domain to the 2 shown profiles" in widget_text(app, "#domain-form")
        await paste(pilot, CDN)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChangePlanScreen), "the plan")
        screen = plan_screen(app)
        await wait_until(pilot, lambda: screen.run.stage == "planned", "the plan made")
        await pilot.pause()
        assert f"Add {CDN} to 2 profiles" in box(app)
        assert "Make 2 calls, to change 2 profiles." in box(app)
        text = await applied(pilot, screen.run)
        assert "2 calls: applied 2" in text
    assert (calls(fake, 1), calls(fake, 2), calls(fake, 3)) == (1, 1, 0)


async def test_escape_stops_a_fleet_apply_after_the_calls_under_way(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten profiles, eight calls at once: stopped while the first eight wait on WeChat, those
    eight finish and the other two are not sent. Quitting meanwhile asks first."""
    gate = hold_slow_answers(monkeypatch)
    profiles = [serve(fake, f"Shop {n:02}", n, domains=lists()) for n in range(1, 11)]
    app = start(write_config, *profiles)
    try:
        async with running(app) as pilot:
            for n in range(1, 11):
                fake.app(f"wx{n:016x}").write_scenario = "slow:1"
            await run_palette(pilot, "Add a domain to the shown profiles")
            await wait_until(pilot, lambda: isinstance(app.screen, DomainFormScreen), "form")
            await paste(pilot, CDN)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ChangePlanScreen), "plan")
            run = plan_screen(app).run
            await wait_until(pilot, lambda: run.stage == "planned", "the plan made")
            await pilot.press("y")
            await wait_until(
                pilot, lambda: sum(calls(fake, n) for n in range(1, 11)) == 8, "8 calls sent"
            )
            await wait_for_text(pilot, "Applying: 0 of 10 calls back")
            await pilot.press("ctrl+q")  # quitting now would leave the calls under way unknown
            await wait_for_text(pilot, "Quit while changes are applied?")
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, ChangePlanScreen) and app.is_running
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ChangePlanScreen)  # open until the calls are back
            assert any("Stopping" in n for n in notices(app))
            gate.set()
            await wait_until(pilot, lambda: run.stage == "done", "the calls back")
            await settle(pilot)
            text = box(app)
            assert "applied 8" in text and "skipped 2" in text
            assert "Stopped: the calls not yet made were not sent" in text
            assert text.count("not sent: stopped before its turn") == 2
    finally:
        gate.set()
    assert sum(calls(fake, n) for n in range(1, 11)) == 8
    assert len(Ledger.for_user().calls()) == 8


# -- where the keys work, and in Chinese ----------------------------------------------------


async def test_plus_on_a_tab_wxdash_cannot_change_says_where_to_go(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()))
    async with running(app) as pilot:
        await pilot.press("plus")
        await pilot.pause()
        assert not isinstance(app.screen, DomainFormScreen)
        assert any("Direct or Third-party tab" in n for n in notices(app))
        await pilot.press("question_mark")
        await pilot.pause()
        shown = " ".join(str(w.render()) for w in app.screen.query(Static))  # it scrolls
        assert "add a domain / remove the one under the cursor" in " ".join(shown.split())


async def test_the_plan_and_its_results_in_chinese(fake: FakeWeChat, write_config: Writer) -> None:
    app = start(write_config, serve(fake, "甲店", 1, domains=lists()), lang="zh")
    async with running(app) as pilot:
        await to_tab(pilot, "direct")
        screen = await plan_add(pilot, CDN)
        assert_chinese(app, "plan", "#plan-box")
        await applied(pilot, screen.run)
        text = assert_chinese(app, "results", "#plan-box")
        assert CDN in text
    assert json.loads(ledger_path().read_text().splitlines()[-1])["domains"][0]["result"] == (
        "applied"
    )


@pytest.mark.parametrize(
    ("lang", "change_keys", "find_keys", "palette"),
    [
        ("en", "+ Add - Remove", "F Find h Probe", "▏^p palette"),
        ("zh", "+ 添加 - 删除", "F 查找 h 探测", "▏^p 命令面板"),
    ],
)
async def test_the_footer_fits_80_columns_beside_plus_and_minus(
    fake: FakeWeChat,
    write_config: Writer,
    lang: str,
    change_keys: str,
    find_keys: str,
    palette: str,
) -> None:
    """At 80 columns the Direct tab's footer gives find and probe's room to + and -: a footer
    wider than the screen ran under the palette key and left a cut letter beside it. With
    room, every key shows."""
    app = start(write_config, serve(fake, "Shop A", 1, domains=lists()), lang=lang)
    async with running(app, size=(80, 24)) as pilot:

        def footer() -> str:
            return screen_text(app).splitlines()[-1].rstrip()

        assert find_keys in footer() and footer().endswith(palette)
        await to_tab(pilot, "direct")
        await wait_until(pilot, lambda: change_keys in footer(), "+ and - in the footer")
        assert footer().endswith(palette)
        assert find_keys not in footer()
        await pilot.resize_terminal(120, 40)
        await wait_until(pilot, lambda: find_keys.split()[0] in footer(), "F in the footer")
        assert change_keys.replace(" -", "  -") in footer() and footer().endswith(palette)
