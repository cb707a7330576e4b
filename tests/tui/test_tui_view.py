"""What a user sees: the profile list, the header, the four tabs and their trees, the first-run
screen, the narrow layout, and which profiles are fetched when the app opens."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import screen_text
from rich.cells import cell_len
from tuikit import (
    APPID_A,
    APPID_B,
    APPID_C,
    Writer,
    active_tab,
    config,
    main_lines,
    make_app,
    next_tab,
    notices,
    running,
    settle,
    shop,
    three_shops,
    tree_text,
    wait_for_text,
    wait_until,
    widget_strips,
    widget_text,
)

from wxdash.app import WxDashApp
from wxdash.fakeserver import (
    FakeWeChat,
    missing_groups_domains,
    shop_domains,
    wrong_types_domains,
)


async def test_opens_on_the_first_profile_with_its_header_tabs_and_effective_tree(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WX_SHOP_B", "tok-shop-b")
    app = make_app(
        write_config,
        shop(fake, "Shop A", APPID_A, token="tok-shop-a-3f2a"),
        shop(fake, "Shop B", APPID_B, token="tok-shop-b", token_env="WX_SHOP_B"),
    )
    async with running(app) as pilot:
        lines = screen_text(app).splitlines()
        # The profile list: status mark and name, the appid under it.
        assert lines[1].startswith(" ✓ Shop A")
        assert lines[2].startswith("   " + APPID_A)
        assert lines[3].startswith(" · Shop B")
        assert lines[4].startswith("   " + APPID_B)
        main = main_lines(app)
        assert re.match(
            r" Shop A  wx1111111111111111  token ••••3f2a  fetched \d\d:\d\d:\d\d \(just now\)",
            main[0],
        ), main[0]
        assert "tok-shop-a" not in screen_text(app)
        # Four group tabs, Compare, then the pending changes with their count.
        tabs = r"\bEffective  MP  Third-party  Direct  Compare  Pending \(4\)"
        assert re.search(tabs, screen_text(app))
        assert active_tab(app) == "tab-effective"
        tree = tree_text(app)
        assert tree.splitlines()[:4] == [
            " ▼ request (3)",
            " ├─ https://api.shopa.com",
            " ├─ https://pay.shopa.com",
            " └─ https://analytics.example-platform.com",
        ]
        assert " ▼ ws (1)" in tree
        assert " ▼ download (2)" in tree
        # The change pending in MP is not live: Effective does not show it.
        assert "api-v2" not in tree
        # Empty protocols say so; webview (business domains) is the seventh.
        assert " udp (0)  none" in tree
        assert " tcp (0)  none" in tree
        assert tree.rstrip().splitlines()[-1] == " webview (0)  none"

        # The other profile's header names its token source without a value.
        await pilot.press("p", *"Shop B", "enter")
        await settle(pilot)
        assert main_lines(app)[0].startswith(" Shop B  wx2222222222222222  env WX_SHOP_B  fetched")
        assert "tok-shop-b" not in screen_text(app)


async def test_each_tab_shows_its_own_group(fake: FakeWeChat, write_config: Writer) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        tree = await next_tab(pilot)
        assert active_tab(app) == "tab-mp"
        assert "https://api-v2.shopa.com" in tree
        tree = await next_tab(pilot)
        assert "https://analytics.example-platform.com" in tree
        assert " ws (0)  none" in tree
        tree = await next_tab(pilot)
        assert " ▼ udp (1)" in tree
        assert "udp://live.shopa.com:8443" in tree
        assert " request (0)  none" in tree


async def test_a_group_the_api_did_not_return_says_so(
    fake: FakeWeChat, write_config: Writer
) -> None:
    webview = {"effective_webviewdomain": [], "mp_webviewdomain": ["https://www.shopa.com"]}
    app = make_app(
        write_config,
        shop(fake, "Shop A", APPID_A, domains=missing_groups_domains(), webview=webview),
    )
    async with running(app) as pilot:
        assert " ▼ request (1)" in tree_text(app)
        # MP: no server lists (not "none"), but the webview call did return its list.
        tree = await next_tab(pilot)
        assert active_tab(app) == "tab-mp"
        assert tree.strip().splitlines() == [
            "server domains: not returned by the API",
            " ▼ webview (1)",
            " └─ https://www.shopa.com",
        ]
        # Neither call returned these groups.
        for tab in ("tab-third", "tab-direct"):
            tree = await next_tab(pilot)
            assert active_tab(app) == tab
            assert tree.strip() == "not returned by the API"


async def test_a_group_only_the_webview_call_left_out_says_so(
    fake: FakeWeChat, write_config: Writer
) -> None:
    webview = {"effective_webviewdomain": ["https://www.shopa.com"]}
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, webview=webview))
    async with running(app) as pilot:
        assert " ▼ webview (1)" in tree_text(app)
        tree = await next_tab(pilot)
        assert "https://api-v2.shopa.com" in tree
        assert tree.rstrip().splitlines()[-1] == " webview  not returned by the API"
        assert "webview (0)" not in tree


async def test_parse_warnings_are_shown_in_the_tree(fake: FakeWeChat, write_config: Writer) -> None:
    app = make_app(write_config, shop(fake, "Odd Data", APPID_A, domains=wrong_types_domains()))
    async with running(app) as pilot:
        tree = tree_text(app)
        assert " ▼ ⚠ 5 parse warnings" in tree
        assert "request 42: a number instead of a string, left out" in tree
        assert "request null: null instead of a string, left out" in tree
        assert "download: a number instead of a list, read as empty" in tree
        # What could be read is shown next to the warnings.
        assert " ▼ request (1)" in tree
        assert "https://ok.example.com" in tree
        assert " ▼ ws (1)" in tree

        tree = await next_tab(pilot)
        assert "⚠ 1 parse warning" in tree
        assert "└─ an array instead of an object, read as not returned" in tree
        assert "server domains: not returned by the API" in tree
        assert "request (0)" not in tree
        assert " webview (0)  none" in tree


async def test_only_the_shown_profile_is_fetched_at_start(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, *three_shops(fake))
    async with running(app) as pilot:
        assert fake.app(APPID_A).domain_calls == fake.app(APPID_A).webview_calls == 1
        assert fake.app(APPID_B).domain_calls == fake.app(APPID_B).webview_calls == 0
        assert fake.app(APPID_C).domain_calls == fake.app(APPID_C).webview_calls == 0
        text = await wait_for_text(pilot, "✓ 1 ok  · 2 not fetched")
        assert " ✓ Shop A" in text
        assert " · Shop B" in text
        assert " · Shop C" in text


async def test_profile_option_opens_on_that_profile(fake: FakeWeChat, write_config: Writer) -> None:
    path = write_config(
        {
            "network": {"retries": 1},
            "profiles": [shop(fake, "Shop A", APPID_A), shop(fake, "Shop B", APPID_B)],
        }
    )
    app = WxDashApp(config_file=str(path), profile="Shop B")
    async with running(app):
        assert main_lines(app)[0].startswith(" Shop B  " + APPID_B)
        assert "https://api.shopb.com" in tree_text(app)
        assert fake.app(APPID_A).domain_calls == 0


async def test_first_run_says_how_to_add_a_profile(config_path: Path) -> None:
    assert not config_path.exists()
    app = WxDashApp(config_file=str(config_path))
    async with running(app, size=(100, 30)):
        text = screen_text(app)
        assert "No profiles yet" in text
        assert "Press a to add one." in text
        assert "wxdash --demo" in text
        assert "0 profiles" in text
        assert "Effective  MP" not in text
        # The footer shows what works here: add, help, quit; not keys that need a profile.
        footer = text.splitlines()[-1]
        assert " a Add " in footer and " q Quit " in footer and " ? Help " in footer
        assert "Refetch" not in footer and "Filter" not in footer and "Copy" not in footer


async def test_keys_that_need_a_profile_say_so_on_the_welcome_screen(config_path: Path) -> None:
    app = WxDashApp(config_file=str(config_path))
    async with running(app, size=(100, 30)) as pilot:
        await pilot.press("slash", "x")
        await wait_for_text(pilot, "No profile to show yet: press a to add one.")
        assert notices(app) == ["No profile to show yet: press a to add one."] * 2
        await pilot.press("a")
        await wait_for_text(pilot, "Add a profile")


async def test_narrow_terminal_folds_the_profile_list_and_b_brings_it_back(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A), shop(fake, "Shop B", APPID_B))
    async with running(app, size=(90, 30)) as pilot:
        lines = screen_text(app).splitlines()
        # The main area starts at the left edge: no list, no list border.
        assert lines[0].startswith(" Shop A  " + APPID_A)
        assert "Shop B" not in screen_text(app)
        assert "▕" not in "".join(lines[:-1])
        assert re.search(r"Effective  MP  Third-party  Direct", screen_text(app))
        await pilot.press("b")
        await pilot.pause()
        text = screen_text(app)
        assert " ✓ Shop A" in text
        assert " · Shop B" in text
        await pilot.press("b")
        await pilot.pause()
        assert "Shop B" not in screen_text(app)


async def test_wide_terminal_shows_the_profile_list_and_b_hides_it(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A), shop(fake, "Shop B", APPID_B))
    async with running(app, size=(100, 30)) as pilot:
        assert " · Shop B" in screen_text(app)
        await pilot.press("b")
        await pilot.pause()
        assert "Shop B" not in screen_text(app)
        assert screen_text(app).startswith(" Shop A  " + APPID_A)
        await pilot.press("b")
        await pilot.pause()
        assert " · Shop B" in screen_text(app)


async def test_nothing_is_cut_off_at_80x24(fake: FakeWeChat, write_config: Writer) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, token="tok-shop-a-3f2a"))
    async with running(app, size=(80, 24)):
        text = screen_text(app)
        assert "Shop A  wx1111111111111111" in text
        assert re.search(r"token ••••3f2a  fetched \d\d:\d\d:\d\d \(just now\)", text)
        assert "1 request 2 ws 3 upload 4 download 5 udp 6 tcp 7 webview   / filter" in text
        assert "Effective  MP  Third-party  Direct  Compare  Pending (4)" in text
        assert "https://img.shopa.com" in text
        assert "q Quit" in text


async def test_demo_opens_on_its_own_server_and_writes_no_config(
    config_path: Path, tmp_path: Path
) -> None:
    app = WxDashApp(demo=True)
    async with running(app) as pilot:
        text = await wait_for_text(pilot, "https://api.lotustea.com")
        assert "Lotus Tea House" in text
        assert "Night Market" in text
        await pilot.press("a", *"Tried", "tab", *"wx5555555555555555", "tab", "tab", *"X", "ctrl+s")
        await settle(pilot)
        assert "Demo: kept until you quit, not saved." in notices(app)[-1]
        assert "Tried" in main_lines(app)[0]
    assert not config_path.exists()
    assert not any(p.is_file() for p in (tmp_path / "home").rglob("*"))


def color_of(app: WxDashApp, word: str) -> object:
    """The foreground colour the tree draws `word` in (its first occurrence)."""
    for strip in widget_strips(app, app.dashboard.tree()):
        offset = strip.text.find(word)
        if offset < 0:
            continue
        position = 0
        for segment in strip:
            if position <= offset < position + len(segment.text):
                return segment.style.color if segment.style else None
            position += len(segment.text)
    raise AssertionError(f"{word!r} is not in the tree")


async def test_empty_protocols_are_dimmed(fake: FakeWeChat, write_config: Writer) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app):
        assert " udp (0)  none" in tree_text(app)
        assert color_of(app, "udp") == color_of(app, "tcp")
        assert color_of(app, "udp") != color_of(app, "request")
        assert color_of(app, "udp") != color_of(app, "https://api.shopa.com")


async def test_moving_in_the_list_shows_a_profile_and_fetches_it(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, *three_shops(fake))
    async with running(app) as pilot:
        assert app.focused is app.query_one("#profiles")
        await pilot.press("down", "down")
        assert main_lines(app)[0].startswith(" Shop C  " + APPID_C)
        # Once the cursor rests, the profile it is on is fetched.
        await wait_for_text(pilot, " ✓ Shop C")
        assert "https://api.shopc.com" in tree_text(app)
        assert fake.app(APPID_C).domain_calls == 1

        await pilot.press("up", "enter")
        await settle(pilot)
        assert main_lines(app)[0].startswith(" Shop B  " + APPID_B)
        assert "https://api.shopb.com" in tree_text(app)
        assert fake.app(APPID_B).domain_calls == 1


async def test_clicking_a_profile_shows_and_fetches_it(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A), shop(fake, "Shop B", APPID_B))
    async with running(app) as pilot:
        await pilot.click("#profiles", offset=(5, 2))  # the second profile's first row
        await settle(pilot)
        assert main_lines(app)[0].startswith(" Shop B  " + APPID_B)
        assert " ✓ Shop B" in screen_text(app)
        assert "https://api.shopb.com" in tree_text(app)


async def test_an_unknown_profile_option_says_so_and_opens_on_the_first(
    fake: FakeWeChat, write_config: Writer
) -> None:
    path = write_config(config(shop(fake, "Shop A", APPID_A), shop(fake, "Shop B", APPID_B)))
    app = WxDashApp(config_file=str(path), profile="Nope")
    async with running(app) as pilot:
        assert main_lines(app)[0].startswith(" Shop A  " + APPID_A)
        await wait_for_text(pilot, "No such profile")
        assert any("Nope" in notice for notice in notices(app))
        assert fake.app(APPID_B).domain_calls == 0


LONG = "https://" + "a-very-long-subdomain-name." * 4 + "shopa.com"
WIDE = "https://" + "莲花茶馆" * 20 + ".com"  # each character two cells wide


def header(app: WxDashApp) -> str:
    """The header's text with its line wrapping undone."""
    return "".join(widget_text(app, "#header").split())


async def test_long_domains_end_in_an_ellipsis_and_the_header_shows_them_whole(
    fake: FakeWeChat, write_config: Writer
) -> None:
    domains = shop_domains("shopa")
    domains["effective_domain"]["requestdomain"] += [LONG, WIDE]
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, domains=domains))
    async with running(app, (80, 24)) as pilot:
        lines = screen_text(app).splitlines()
        (long_line,) = [line for line in lines if "a-very-long" in line]
        (wide_line,) = [line for line in lines if "莲花" in line]
        for line in (long_line, wide_line):
            assert line.rstrip().endswith("…")
            assert cell_len(line) == 80
        assert "ShopA" in header(app)
        await pilot.press("down", "down", "down", "down")  # request, api, pay, analytics
        await wait_until(pilot, lambda: header(app) == LONG, "the long domain in the header")
        await pilot.press("down")
        await wait_until(pilot, lambda: header(app) == WIDE, "the wide domain in the header")
        await pilot.press("up", "up")  # a domain that fits: the header is back
        await wait_until(pilot, lambda: "ShopA" in header(app), "the header is back")
        # Wider, the cut moves out: more of the domain shows, still ending in `…`.
        await pilot.resize_terminal(120, 30)
        await wait_until(
            pilot,
            lambda: any(
                "a-very-long-subdom" in line and line.rstrip().endswith("…")
                for line in screen_text(app).splitlines()
            ),
            "the domain cut further out",
        )
