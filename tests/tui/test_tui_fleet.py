"""A fleet in the dashboard: a thousand profiles, finding them by name and status, fetching them
all while the screen keeps answering, the daily quota, and the config file changing meanwhile."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from conftest import MARKER, assert_no_marker, profile, screen_text
from textual import events
from tuikit import (
    APPID_A,
    APPID_B,
    FAST_NETWORK,
    Writer,
    active_tab,
    banner,
    hold_slow_answers,
    main_lines,
    make_app,
    notices,
    running,
    settle,
    shop,
    tree_text,
    wait_for_text,
    wait_until,
    widget_text,
)

from wxdash.app import WxDashApp
from wxdash.fakeserver import FakeWeChat
from wxdash.state import Status
from wxdash.widgets.profile_list import ProfileList


def merchants(fake: FakeWeChat, count: int, **scenarios: str) -> list[dict[str, Any]]:
    """`count` profiles on one fake server, each its own mini program and token."""
    tables = []
    for i in range(count):
        appid = f"wx{i + 1:016d}"
        name = f"Merchant {i:04d}"
        app = fake.add_app(appid, domains={}, scenario=scenarios.get(name, "ok"))
        tables.append(profile(name, appid, access_token=app.token, api_base=fake.url))
    return tables


def title(app: WxDashApp) -> str:
    return widget_text(app, "#sidebar-title").strip()


def listed(app: WxDashApp) -> list[str]:
    """The profile names the list shows on screen, in order."""
    lines = widget_text(app, "#profiles").splitlines()
    # A name ends where two spaces begin (the scrollbar may follow).
    marked = [line for line in lines if line[1:2] and line[1:2] in "·✓✗◐↻"]
    return [re.split(r"\s{2,}", line[3:].strip())[0] for line in marked]


@pytest.mark.slow
async def test_a_thousand_profiles_open_on_the_first_and_fetch_only_it(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, *merchants(fake, 1000))
    async with running(app) as pilot:
        assert title(app) == "1,000 profiles"
        assert listed(app)[:3] == ["Merchant 0000", "Merchant 0001", "Merchant 0002"]
        assert main_lines(app)[0].startswith(" Merchant 0000")
        await wait_for_text(pilot, "✓ 1 ok", "· 999 not fetched")
        assert fake.requests["/wxa/get_effective_domain"] == 1
        await pilot.press("end")
        await wait_until(pilot, lambda: listed(app)[-1:] == ["Merchant 0999"], "the last row")
        await wait_until(
            pilot, lambda: main_lines(app)[0].startswith(" Merchant 0999"), "the last profile"
        )


async def test_thirty_downs_in_one_burst_move_thirty_rows(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, *merchants(fake, 60))
    async with running(app) as pilot:
        assert isinstance(app.focused, ProfileList)
        for _ in range(30):  # as a terminal delivers them: each before the last one's echo
            app.post_message(events.Key("down", None))
            await asyncio.sleep(0)
        await settle(pilot)
        assert app.query_one(ProfileList).cursor == 30
        assert main_lines(app)[0].startswith(" Merchant 0030")
        assert "Merchant 0030" in listed(app)


@pytest.mark.slow
async def test_f_filters_the_list_by_name_or_appid_and_escape_clears_it(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, *merchants(fake, 1000))
    async with running(app) as pilot:
        await pilot.press("f", *"merchant 09")
        await pilot.pause()
        assert title(app) == "100 of 1,000 profiles"
        assert listed(app)[0] == "Merchant 0900"
        # An appid works too.
        await pilot.press(*["backspace"] * 11, *"0000000000000010")
        await pilot.pause()
        assert title(app) == "1 of 1,000 profiles"
        assert listed(app) == ["Merchant 0009"]
        # enter goes back to the list, filter kept; enter there shows the profile.
        await pilot.press("enter")
        assert isinstance(app.focused, ProfileList)
        await pilot.press("enter")
        await settle(pilot)
        assert main_lines(app)[0].startswith(" Merchant 0009")
        assert "filter profiles" not in screen_text(app)
        assert title(app) == "1 of 1,000 profiles"
        # Nothing matches: the list says so.
        await pilot.press("f", *"zzz")
        await pilot.pause()
        assert "No profile matches the filter." in widget_text(app, "#profiles")
        await pilot.press("escape")
        await pilot.pause()
        assert title(app) == "1,000 profiles"
        assert isinstance(app.focused, ProfileList)


async def test_s_steps_through_the_statuses_present_then_each_error_code(
    fake: FakeWeChat, write_config: Writer
) -> None:
    tables = merchants(
        fake, 60, **{"Merchant 0003": "errcode:48001", "Merchant 0007": "errcode:40164"}
    )
    app = make_app(write_config, *tables)
    async with running(app) as pilot:
        await pilot.press("R", "y")
        await settle(pilot)
        await wait_for_text(pilot, "✓ 58 ok", "✗ 2 error")
        # Each failed row ends in its errcode; the summary counts errors by code.
        assert "✗ 48001 ×1  40164 ×1" in widget_text(app, "#summary")
        await pilot.press("s")
        await pilot.pause()
        assert title(app) == "2 of 60 profiles (✗ error)"
        assert listed(app) == ["Merchant 0003", "Merchant 0007"]
        rows = widget_text(app, "#profiles").splitlines()
        assert rows[0].split() == ["✗", "Merchant", "0003", "48001"]
        assert rows[2].split() == ["✗", "Merchant", "0007", "40164"]
        await pilot.press("s")
        await pilot.pause()
        assert title(app) == "1 of 60 profiles (✗ 48001)"
        assert listed(app) == ["Merchant 0003"]
        await pilot.press("s")
        await pilot.pause()
        assert title(app) == "1 of 60 profiles (✗ 40164)"
        assert listed(app) == ["Merchant 0007"]
        # No profile is stale, cached or not fetched: `s` skips those.
        await pilot.press("s")
        await pilot.pause()
        assert title(app) == "58 of 60 profiles (✓ ok)"
        # A status filter and a name filter together.
        await pilot.press("f", *"t 0005")
        await pilot.pause()
        assert listed(app) == ["Merchant 0005"]
        await pilot.press("escape", "s")
        await pilot.pause()
        assert title(app) == "60 profiles"


async def test_a_profile_leaves_a_status_filter_when_its_status_changes(
    fake: FakeWeChat, write_config: Writer
) -> None:
    tables = merchants(fake, 3, **{"Merchant 0001": "errcode:48001"})
    app = make_app(write_config, *tables)
    async with running(app) as pilot:
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: listed(app) == ["Merchant 0001"], "only the error")
        fake.set_scenario("wx0000000000000002", "ok")
        await pilot.press("enter", "r")
        await settle(pilot)
        await wait_until(pilot, lambda: listed(app) == [], "the fixed profile leaves")
        assert title(app) == "0 of 3 profiles (✗ error)"


@pytest.mark.slow
async def test_shift_r_on_a_thousand_profiles_asks_then_streams_while_keys_answer(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(write_config, *merchants(fake, 1000), read_timeout=30)
    async with running(app) as pilot:
        await pilot.press("R")
        text = screen_text(app)
        assert "Fetch every profile?" in text
        assert "This fetches 1000 profiles, 16 at a time." in text
        gate = hold_slow_answers(monkeypatch)  # fake latency waits for the gate
        fake.latency = 1.0
        try:
            await pilot.press("y")
            await wait_for_text(pilot, "↻ 1000 fetching")
            # The screen answers while every fetch waits on the network.
            await pilot.press("right_square_bracket")
            await pilot.pause()
            assert active_tab(app) == "tab-mp"
            await pilot.press("f", *"t 0500")
            await pilot.pause()
            assert listed(app) == ["Merchant 0500"]
            await pilot.press("escape")
            assert 16 <= fake.requests["/wxa/get_effective_domain"] <= 1 + 16
        finally:
            fake.latency = 0.0
            gate.set()
        # Results stream in; the summary counts them as they land.
        await settle(pilot)
        await wait_for_text(pilot, "✓ 1000 ok")
        assert fake.requests["/wxa/get_effective_domain"] == 1001
        assert app.is_running


async def test_r_on_more_than_50_profiles_can_be_declined(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, *merchants(fake, 51))
    async with running(app) as pilot:
        await pilot.press("R", "n")
        await settle(pilot)
        assert fake.requests["/wxa/get_effective_domain"] == 1


# -- the daily quota ---------------------------------------------------------------------


async def test_shift_q_shows_the_daily_quota_of_the_shown_profile(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, token=MARKER))
    fake.app(APPID_A).daily_limit = 2000
    async with running(app) as pilot:
        await pilot.press("Q")
        await settle(pilot)
        assert notices(app)[-1] == (
            "1 of 2,000 calls used today, 1,999 left\n"
            "get_effective_domain; resets at midnight Beijing time"
        )
        await wait_for_text(pilot, "Daily quota of Shop A")
        assert fake.requests["/cgi-bin/openapi/quota/get"] == 1
        assert_no_marker(screen_text(app), app.export_screenshot())


async def test_a_quota_that_cannot_be_read_says_why(fake: FakeWeChat, write_config: Writer) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    fake.app(APPID_A).quota_scenario = "html502"
    async with running(app) as pilot:
        await pilot.press("Q")
        await settle(pilot)
        await wait_for_text(pilot, "Quota of Shop A: not available")
        assert notices(app)[-1] == (
            "HTTP 502 Bad Gateway\nThe server or a proxy in between failed; retry in a moment."
        )
        assert app.is_running


async def test_a_used_up_quota_is_skipped_by_shift_r_and_r_calls_it_anyway(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(
        write_config,
        shop(fake, "Shop A", APPID_A),
        shop(fake, "Shop B", APPID_B, scenario="errcode:45009"),
    )
    async with running(app) as pilot:
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert fake.app(APPID_B).domain_calls == 1  # not called the second time
        assert fake.app(APPID_A).domain_calls == 3  # at start, then each R
        await pilot.press("down")
        await settle(pilot)
        shown = banner(app)
        assert shown.startswith("✗ WeChat API error · errcode 45009 Not called: WeChat said ")
        assert "wxdash waits for the reset at" in shown
        assert "r on this profile in the dashboard" in shown
        # r is asked for by name: it calls, whatever the book says.
        fake.set_scenario(APPID_B, "ok")
        await pilot.press("r")
        await settle(pilot)
        assert fake.app(APPID_B).domain_calls == 2
        assert " ✓ Shop B" in screen_text(app)


# -- the config file changing while the app is open -------------------------------------


async def wait_for_notice(pilot: Any, needle: str) -> None:
    await wait_until(
        pilot, lambda: any(needle in n for n in notices(pilot.app)), needle, timeout=15
    )


def rewrite(path: Path, doc: dict[str, Any] | str) -> None:
    path.write_text(doc if isinstance(doc, str) else tomli_w.dumps(doc), encoding="utf-8")


async def test_another_programs_change_is_picked_up_and_a_broken_one_is_not_saved_over(
    fake: FakeWeChat, write_config: Writer, config_path: Path
) -> None:
    shop_a = shop(fake, "Shop A", APPID_A)
    shop_b = shop(fake, "Shop B", APPID_B)
    app = make_app(write_config, shop_a)
    async with running(app) as pilot:
        rewrite(config_path, {"network": FAST_NETWORK, "profiles": [shop_a, shop_b]})
        await wait_for_notice(
            pilot, "was changed by another program: reloaded (1 added, 0 removed)"
        )
        assert " · Shop B" in screen_text(app)
        assert title(app) == "2 profiles"

        # Half-way through a hand edit: the file is not TOML.
        broken = config_path.read_text() + '\n[[profiles]]\nname = "Shop C\n'
        rewrite(config_path, broken)
        await wait_for_notice(pilot, "wxdash keeps the profiles it has")
        assert re.search(r"line \d+, column \d+: TOML syntax error", "\n".join(notices(app)))
        assert (
            "wxdash keeps the profiles it has and will not save over the file."
            in (notices(app)[-1])
        )
        assert " · Shop B" in screen_text(app)
        # Deleting a profile now must not overwrite the file the user is editing.
        await pilot.press("d", "y")
        await settle(pilot)
        assert config_path.read_text() == broken
        await wait_until(
            pilot, lambda: "Not deleted" in [n.title for n in app._notifications], "Not deleted"
        )
        assert "TOML syntax error" in notices(app)[-1]
        assert app.is_running


async def test_a_file_fixed_while_the_app_shows_its_error_is_read_again(
    fake: FakeWeChat, config_path: Path, write_config: Writer
) -> None:
    write_config('[[profiles]]\nname = "Shop A\n')
    app = WxDashApp(config_file=str(config_path))
    async with running(app) as pilot:
        await wait_for_text(pilot, "The config file cannot be read")
        rewrite(config_path, {"network": FAST_NETWORK, "profiles": [shop(fake, "Shop A", APPID_A)]})
        await wait_for_notice(pilot, "reloaded (1 added, 0 removed)")
        await settle(pilot)
        assert "https://api.shopa.com" in tree_text(app)
        assert app.dashboard.states["Shop A"].status == Status.OK
