"""The error banner, stale data, and fetches that run in the background while the user moves on."""

from __future__ import annotations

import re

import pytest
from conftest import screen_text
from tuikit import (
    APPID_A,
    APPID_B,
    Writer,
    banner,
    hold_slow_answers,
    main_lines,
    make_app,
    paste,
    pick,
    running,
    settle,
    shop,
    tree_text,
    wait_for_text,
    wait_until,
)

from wxdash.app import WxDashApp
from wxdash.fakeserver import FakeWeChat
from wxdash.state import Status

RID = r"rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}"


async def test_api_error_shows_kind_errcode_errmsg_hint_and_the_retry_key(
    fake: FakeWeChat, write_config: Writer
) -> None:
    # A token WeChat refuses fails both calls, the webview call's in the same words.
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, scenario="errcode:40001"))
    fake.set_scenario(APPID_A, "errcode:40001", webview=True)
    async with running(app) as pilot:
        assert re.fullmatch(
            r"✗ WeChat API error · errcode 40001 "
            rf"WeChat error 40001: invalid credential, access_token is invalid or not latest {RID} "
            r"Hint: The access_token is invalid or not the latest: another service may have "
            # Trying the same token again cannot help: no `r` on offer.
            r"fetched a new one\. Get a fresh token \(use a stable_token source to avoid this\)\.",
            banner(app),
        ), banner(app)
        text = screen_text(app)
        assert " ✗ Shop A" in text
        assert "✗ 1 error" in await wait_for_text(pilot, "✗ 1 error")
        assert main_lines(app)[0].rstrip().endswith("error")
        assert tree_text(app).strip() == "No data: the fetch failed (see above)."

        # Fixed on WeChat's side: r retries, and the banner goes.
        fake.set_scenario(APPID_A, "ok")
        fake.set_scenario(APPID_A, "ok", webview=True)
        await pilot.press("r")
        await settle(pilot)
        assert banner(app) == ""
        text = screen_text(app)
        assert "WeChat API error" not in text
        assert " ✓ Shop A" in text
        assert "https://api.shopa.com" in tree_text(app)


async def test_a_failure_after_a_success_keeps_the_data_marked_stale(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        header = main_lines(app)[0]
        fetched = re.search(r"fetched (\d\d:\d\d:\d\d)", header)
        assert fetched, header
        assert banner(app) == ""

        fake.set_scenario(APPID_A, "errcode:45009")
        await pilot.press("r")
        await settle(pilot)
        shown = banner(app)
        assert shown.startswith("✗ WeChat API error · errcode 45009 ")
        assert re.search(rf"WeChat error 45009: reach max api daily quota limit {RID}", shown)
        # When the quota comes back, once, in local time; no `r` until then.
        assert re.search(
            r"Hint: The daily quota for this API is used up; it resets at \d\d:\d\d "
            r"\(midnight Beijing time\)\. Until then wxdash does not call it for this appid\. "
            rf"Below: the last good data, from {fetched.group(1)} \(stale\)\.$",
            shown,
        ), shown
        assert shown.count("resets") == 1
        assert "Press r" not in shown
        # The last good data is still there, and everything says it is stale.
        assert "https://api.shopa.com" in tree_text(app)
        assert re.search(rf"fetched {fetched.group(1)} \(.+\) · stale", main_lines(app)[0])
        assert " ◐ Shop A" in screen_text(app)
        await wait_for_text(pilot, "◐ 1 stale")

        fake.set_scenario(APPID_A, "ok")
        await pilot.press("r")
        await settle(pilot)
        assert banner(app) == ""
        await wait_until(pilot, lambda: "stale" not in screen_text(app), "no longer stale")
        text = screen_text(app)
        assert " ✓ Shop A" in text
        assert "https://api.shopa.com" in tree_text(app)


@pytest.mark.parametrize(
    ("scenario", "kind", "message", "hint"),
    [
        (
            "reset",
            "Network error",
            "the connection was closed or reset before an answer",
            "Check the network, DNS",
        ),
        (
            "slow:5",
            "Network error",
            "did not answer in time (ReadTimeout)",
            "The server did not answer in time",
        ),
        (
            "truncated",
            "Bad response",
            'The response is truncated JSON (492 bytes), starting with: {"errcode": 0',
            "This is not WeChat's JSON",
        ),
        (
            "invalid",
            "Bad response",
            "The response is invalid JSON at line 60, column 10",
            "This is not WeChat's JSON",
        ),
        (
            "junk",
            "Bad response",
            "The response is over 4194304 bytes",
            "This is not WeChat's JSON",
        ),
        (
            "html502",
            "HTTP error",
            "HTTP 502 Bad Gateway",
            "The server or a proxy in between failed; retry in a moment.",
        ),
        (
            "redirect",
            "HTTP error",
            "HTTP 302: the server redirected to evil.example.net",
            "WeChat never redirects this API, and wxdash does not follow redirects",
        ),
    ],
)
async def test_network_and_bad_data_errors_show_a_banner_and_never_crash(
    fake: FakeWeChat,
    write_config: Writer,
    monkeypatch: pytest.MonkeyPatch,
    scenario: str,
    kind: str,
    message: str,
    hint: str,
) -> None:
    gate = hold_slow_answers(monkeypatch)  # `slow:` answers wait: the client times out first
    # Only the slow answer needs a short read timeout; the others (10 MB of junk among them)
    # keep the suite's, or a busy machine turns them into timeouts too.
    network = {"read_timeout": 0.5} if scenario.startswith("slow:") else {}
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, scenario=scenario), **network)
    try:
        async with running(app) as pilot:
            shown = banner(app)
            assert shown.startswith(f"✗ {kind} "), shown
            assert message in shown
            assert f"Hint: {hint}" in shown
            error = app.dashboard.states["Shop A"].error
            assert error is not None
            # Offered where trying again may help (a timeout, a reset, a 502), not where the
            # same answer would come again (bad JSON, a redirect).
            assert shown.endswith("Press r to retry.") == error.retryable, shown
            assert error.retryable == (scenario in ("slow:5", "reset", "html502")), scenario
            assert " ✗ Shop A" in screen_text(app)
            assert "Traceback" not in screen_text(app)

            fake.set_scenario(APPID_A, "ok")
            await pilot.press("r")
            await settle(pilot)
            assert app.is_running
            assert banner(app) == ""
            assert "https://api.shopa.com" in tree_text(app)
    finally:
        gate.set()
    assert app.return_code in (None, 0)


# -- background fetches ----------------------------------------------------------------------


def slow_a_then_b(fake: FakeWeChat, write_config: Writer) -> WxDashApp:
    """Shop A, whose answers wait for the test's gate (`hold_slow_answers`), then Shop B."""
    return make_app(
        write_config,
        shop(fake, "Shop A", APPID_A, scenario="slow:1"),
        shop(fake, "Shop B", APPID_B),
    )


async def test_switching_during_a_slow_fetch_is_instant_and_the_late_result_lands_on_its_own(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = hold_slow_answers(monkeypatch)
    app = slow_a_then_b(fake, write_config)
    try:
        async with running(app, wait=False) as pilot:
            await wait_for_text(pilot, " ↻ Shop A")
            assert "fetching…" in main_lines(app)[0]
            assert tree_text(app).strip() == "Fetching…"

            await pilot.press("p")
            await paste(pilot, "Shop B")
            await pilot.press("enter")
            # Shop B is shown at once, while Shop A's answer is still held by the server.
            assert main_lines(app)[0].startswith(" Shop B  " + APPID_B)
            await wait_until(pilot, lambda: "https://api.shopb.com" in tree_text(app), "B shown")
            assert app.dashboard.states["Shop A"].status == Status.FETCHING
            assert " ↻ Shop A" in screen_text(app)
            assert " ✓ Shop B" in screen_text(app)

            gate.set()
            await settle(pilot)
            await wait_for_text(pilot, " ✓ Shop A", "✓ 2 ok")
            # A's answer landed on A: B is still what is shown.
            assert main_lines(app)[0].startswith(" Shop B  " + APPID_B)
            assert "https://api.shopb.com" in tree_text(app)
            assert "shopa" not in tree_text(app)

            await pick(pilot, "Shop A")
            assert main_lines(app)[0].startswith(" Shop A  " + APPID_A)
            assert "https://api.shopa.com" in tree_text(app)
            assert "shopb" not in tree_text(app)
            assert fake.app(APPID_A).domain_calls == 1
    finally:
        gate.set()


async def test_a_late_failure_lands_on_its_own_profile(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A's answer waits until B is on screen; then the server hangs up on it: A fails late,
    # when the test says, however long the switch to B took.
    gate = hold_slow_answers(monkeypatch, then_hang_up=True)
    app = slow_a_then_b(fake, write_config)
    try:
        async with running(app, wait=False) as pilot:
            await wait_for_text(pilot, " ↻ Shop A")
            await pilot.press("p")
            await paste(pilot, "Shop B")
            await pilot.press("enter")
            await wait_until(pilot, lambda: "https://api.shopb.com" in tree_text(app), "B shown")
            assert app.dashboard.states["Shop A"].status == Status.FETCHING

            gate.set()
            await settle(pilot)
            await wait_for_text(pilot, " ✗ Shop A")
            assert main_lines(app)[0].startswith(" Shop B  " + APPID_B)
            assert banner(app) == ""
            assert "https://api.shopb.com" in tree_text(app)

            await pilot.press("p")
            await paste(pilot, "Shop A")
            await pilot.press("enter")
            await pilot.pause()
            assert banner(app).startswith("✗ Network error")
    finally:
        gate.set()


async def test_deleting_a_profile_while_it_is_fetched_drops_its_late_result(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = hold_slow_answers(monkeypatch)
    app = slow_a_then_b(fake, write_config)
    try:
        async with running(app, wait=False) as pilot:
            await wait_for_text(pilot, " ↻ Shop A")
            await pilot.press("d", "y")
            await wait_until(pilot, lambda: "https://api.shopb.com" in tree_text(app), "B shown")
            gate.set()
            await settle(pilot)
            assert app.is_running
            assert list(app.dashboard.states) == ["Shop B"]
            text = screen_text(app)
            assert "Shop A" not in text.replace("Deleted profile Shop A", "")
            assert main_lines(app)[0].startswith(" Shop B")
    finally:
        gate.set()


async def test_a_token_source_with_no_token_shows_a_token_error(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WX_NOT_SET", raising=False)
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, token_env="WX_NOT_SET"))
    async with running(app):
        assert banner(app) == (
            "✗ Token error The environment variable WX_NOT_SET is not set or empty "
            "Hint: Set WX_NOT_SET and start wxdash again, or press e to change the token source."
        )
        assert fake.app(APPID_A).domain_calls == 0
        assert fake.app(APPID_A).webview_calls == 0
