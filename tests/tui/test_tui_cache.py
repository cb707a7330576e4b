"""The result cache in the dashboard: a start shows the last good data at once and refreshes it,
`offline=True` (`wxdash --offline`) shows it without a single request, an unreadable cache file
is a warning and never a reason to stop, and the token never reaches the cache."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from conftest import MARKER, assert_no_marker, screen_text
from tuikit import (
    APPID_A,
    APPID_B,
    APPID_C,
    Writer,
    config,
    hold_slow_answers,
    main_lines,
    make_app,
    notices,
    pick,
    running,
    settle,
    shop,
    shop_a,
    tree_text,
    wait_for_text,
    wait_until,
)

from wxdash.app import WxDashApp
from wxdash.cache import cache_folder
from wxdash.fakeserver import FakeWeChat, shop_domains

CACHED = r"cached \d\d:\d\d:\d\d \(just now\)"
OFFLINE = "Offline: showing the cache. Start wxdash without --offline to fetch."


def requests(fake: FakeWeChat) -> int:
    """Every request the fake server has had, of any kind."""
    return sum(fake.requests.values())


def cache_files() -> list[Path]:
    folder = cache_folder()
    return sorted(folder.glob("*.json")) if folder.exists() else []


async def fetch_everything(app: WxDashApp) -> None:
    """A first session: every profile fetched (and so cached), then quit."""
    async with running(app) as pilot:
        await pilot.press("R")
        await settle(pilot)
        await wait_until(
            pilot,
            lambda: all(s.fetched_at is not None for s in app.dashboard.states.values()),
            "every profile fetched",
        )


# -- offline ---------------------------------------------------------------------------------


async def test_offline_shows_the_cached_domains_without_a_request(
    fake: FakeWeChat, write_config: Writer, config_path: Path
) -> None:
    await fetch_everything(make_app(write_config, shop_a(fake), shop(fake, "Shop B", APPID_B)))
    assert len(cache_files()) == 2
    before = requests(fake)

    app = WxDashApp(config_file=str(config_path), offline=True)
    async with running(app) as pilot:
        assert re.search(CACHED, main_lines(app)[0]), main_lines(app)[0]
        text = await wait_for_text(pilot, "◷ 2 cached")
        assert " ◷ Shop A" in text
        assert " ◷ Shop B" in text
        tree = tree_text(app)
        assert " ├─ https://api.shopa.com" in tree
        assert " └─ https://m.shopa.com" in tree
        # What is derived from the lists works from the cache too.
        assert "Pending (5)" in screen_text(app)

        await pick(pilot, "Shop B")
        assert re.search(CACHED, main_lines(app)[0])
        assert "https://api.shopb.com" in tree_text(app)

        for key in ("r", "R"):
            await pilot.press(key)
            await settle(pilot)
            assert notices(app)[-1] == OFFLINE
        assert " ◷ Shop B" in screen_text(app)
    assert requests(fake) == before
    assert fake.app(APPID_A).domain_calls == fake.app(APPID_A).webview_calls == 2
    assert fake.app(APPID_B).domain_calls == fake.app(APPID_B).webview_calls == 1


async def test_offline_a_profile_never_fetched_says_how_to_get_it(
    fake: FakeWeChat, write_config: Writer, config_path: Path
) -> None:
    await fetch_everything(make_app(write_config, shop_a(fake)))
    write_config(config(shop_a(fake), shop(fake, "Shop C", APPID_C)))
    before = requests(fake)
    app = WxDashApp(config_file=str(config_path), offline=True)
    async with running(app) as pilot:
        await pick(pilot, "Shop C")
        assert tree_text(app).strip() == (
            "Not in the cache: start wxdash without --offline to fetch it."
        )
        text = await wait_for_text(pilot, "◷ 1 cached  · 1 not fetched")
        assert " · Shop C" in text
        # F searches what the cache holds.
        await pilot.press("F", *"push")
        await wait_for_text(pilot, "wss://push.shopa.com")
    assert requests(fake) == before


# -- a start with a cache --------------------------------------------------------------------


async def test_a_start_shows_the_cache_at_once_then_refreshes_the_shown_profile(
    fake: FakeWeChat, write_config: Writer, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fetch_everything(make_app(write_config, shop_a(fake), shop(fake, "Shop B", APPID_B)))
    # Meanwhile Shop A's domains changed, and WeChat is slow to say so.
    fake.app(APPID_A).domains = shop_domains("renamed")
    fake.set_scenario(APPID_A, "slow:1")
    gate = hold_slow_answers(monkeypatch)
    app = WxDashApp(config_file=str(config_path))
    try:
        async with running(app, wait=False) as pilot:
            # The first frame has the cached lists, while the refresh is out.
            assert "https://api.shopa.com" in tree_text(app)
            await wait_for_text(pilot, " ↻ Shop A")
            assert "fetching…" in main_lines(app)[0]
            assert "https://api.shopa.com" in tree_text(app)

            gate.set()
            await settle(pilot)
            await wait_for_text(pilot, " ✓ Shop A", "✓ 1 ok  ◷ 1 cached")
            assert re.search(r"fetched \d\d:\d\d:\d\d \(just now\)", main_lines(app)[0])
            assert "https://api.renamed.com" in tree_text(app)
            assert "https://api.shopa.com" not in tree_text(app)
            # The profile not on screen keeps its cached data until it is shown.
            assert fake.app(APPID_B).domain_calls == 1
            assert " ◷ Shop B" in screen_text(app)

            await pick(pilot, "Shop B")
            await wait_for_text(pilot, " ✓ Shop B", "✓ 2 ok")
            assert fake.app(APPID_B).domain_calls == 2
    finally:
        gate.set()


async def test_a_failed_refetch_keeps_the_last_good_result_in_the_cache(
    fake: FakeWeChat, write_config: Writer, config_path: Path
) -> None:
    await fetch_everything(make_app(write_config, shop_a(fake)))
    fake.set_scenario(APPID_A, "errcode:45009")
    fake.set_scenario(APPID_A, "errcode:45009", webview=True)
    app = WxDashApp(config_file=str(config_path))
    async with running(app):
        assert " ◐ Shop A" in screen_text(app)
        assert "https://api.shopa.com" in tree_text(app)

    app = WxDashApp(config_file=str(config_path), offline=True)
    async with running(app) as pilot:
        await wait_for_text(pilot, " ◷ Shop A")
        assert "https://api.shopa.com" in tree_text(app)
        assert " ▼ webview (2)" in tree_text(app)


# -- a cache that cannot be read -------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b'{"format": 1, "appid": "wx1111111111111111", "fetched_at": "yesterday"}',
        b'{"format": 1, "appid": "wx1111111111111111", "fetched_at": "2025-03-14T09:26:53+00:00",'
        b' "domains": ["a list"]}',
        b"\xff\xfe\x00",
    ],
    ids=["not-json", "bad-time", "bad-domains", "not-utf8"],
)
async def test_an_unreadable_cache_file_is_a_warning_and_the_app_works(
    fake: FakeWeChat, write_config: Writer, config_path: Path, content: bytes
) -> None:
    await fetch_everything(make_app(write_config, shop_a(fake)))
    (cached,) = cache_files()
    cached.write_bytes(content)

    app = WxDashApp(config_file=str(config_path))
    async with running(app) as pilot:
        (warning,) = notices(app)
        assert re.fullmatch(
            r"The cached result of Shop A could not be read and was discarded \(\w+\)\.", warning
        ), warning
        await wait_for_text(pilot, "could not be read and was")
        # The fetch still runs and shows the lists, and the cache is good again.
        await wait_for_text(pilot, " ✓ Shop A")
        assert "https://api.shopa.com" in tree_text(app)
        assert "Traceback" not in screen_text(app)
    assert json.loads(cached.read_bytes())["appid"] == APPID_A


async def test_an_unreadable_cache_file_offline_is_a_warning_too(
    fake: FakeWeChat, write_config: Writer, config_path: Path
) -> None:
    await fetch_everything(make_app(write_config, shop_a(fake)))
    (cached,) = cache_files()
    cached.write_bytes(b"{not json")
    before = requests(fake)
    app = WxDashApp(config_file=str(config_path), offline=True)
    async with running(app) as pilot:
        await wait_for_text(pilot, "could not be read and was")
        assert tree_text(app).splitlines()[0] == (
            " Not in the cache: start wxdash without --offline to fetch it."
        )
        assert app.is_running
    assert requests(fake) == before


# -- what the cache holds --------------------------------------------------------------------


@pytest.mark.parametrize("source", ["access_token", "token_env"])
async def test_the_token_never_reaches_the_cache(
    fake: FakeWeChat,
    write_config: Writer,
    config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
) -> None:
    keys: dict[str, Any] = {}
    if source == "token_env":
        monkeypatch.setenv("WX_SHOP_A", MARKER)
        keys["token_env"] = "WX_SHOP_A"
    await fetch_everything(make_app(write_config, shop_a(fake, token=MARKER, **keys)))
    (cached,) = cache_files()
    assert_no_marker(folders=(cache_folder(),))
    # Private to the user: the file 0600, its folder 0700.
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600
    assert stat.S_IMODE(cached.parent.stat().st_mode) == 0o700
    record = json.loads(cached.read_bytes())
    assert record["domains"]["effective_domain"]["requestdomain"][0] == "https://api.shopa.com"
