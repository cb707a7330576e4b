"""The Compare tab: each domain of a profile once per protocol, a column per group marked ✓
(present), · (absent) or ? (the API did not return that list), and the Pending note where
the next release changes it; the filters, the match count and the copies; narrow screens."""

from __future__ import annotations

import json
from typing import Any

from conftest import screen_text
from tuikit import (
    APPID_A,
    Writer,
    active_tab,
    decode_osc52,
    make_app,
    notices,
    running,
    settle,
    shop,
    shop_a,
    tree_text,
    wait_until,
    widget_text,
)

from wxdash.fakeserver import FakeWeChat, missing_groups_domains, shop_domains
from wxdash.widgets.compare_tree import CompareTree

pytest_plugins = ["headless_terminal"]

WIDE = (140, 40)
HEADS = "Effective MP Third-party Direct  Pending"

# Shop A (shop_domains and shop_webview with pending=True) as the tab shows it at 140 columns:
# per protocol its title over the groups' names, then each domain with a mark under each
# name, and the note where effective and configured differ.
COMPARE_A = [
    f" ▼ request (4)                              {HEADS}",
    " ├─ https://api.shopa.com                       ✓     ✓       ✓        ·",
    " ├─ https://pay.shopa.com                       ✓     ·       ·        ·     − drops at next release",  # noqa: E501
    " ├─ https://analytics.example-platform.com      ✓     ·       ✓        ·",
    " └─ https://api-v2.shopa.com                    ·     ✓       ·        ·     + at next release (mp)",  # noqa: E501
    f" ▼ ws (1)                                   {HEADS}",
    " └─ wss://push.shopa.com                        ✓     ✓       ·        ·",
    f" ▼ upload (1)                               {HEADS}",
    " └─ https://upload.shopa.com                    ✓     ✓       ·        ·",
    f" ▼ download (2)                             {HEADS}",
    " ├─ https://cdn.shopa.com                       ✓     ✓       ·        ·",
    " └─ https://img.shopa.com                       ✓     ·       ·        ·     − drops at next release",  # noqa: E501
    f" ▼ udp (1)                                  {HEADS}",
    " └─ udp://live.shopa.com:8443                   ·     ·       ·        ✓     + at next release (direct)",  # noqa: E501
    f" ▼ webview (3)                              {HEADS}",
    " ├─ https://www.shopa.com                       ✓     ✓       ·        ·",
    " ├─ https://m.shopa.com                         ✓     ✓       ·        ·",
    " └─ https://events.shopa.com                    ·     ✓       ·        ·     + at next release (mp)",  # noqa: E501
]


def lines(tree: str) -> list[str]:
    return [line.rstrip() for line in tree.rstrip().splitlines()]


def rows(tree: str) -> dict[str, str]:
    """Each domain row's marks, as one word: `✓✓✓·` for a domain in all but Direct."""
    out = {}
    for line in lines(tree):
        if "://" in line:
            words = line.split()
            out[words[1]] = "".join(words[2:6])
    return out


async def show_compare(pilot: Any) -> str:
    """Click the Compare tab, as a user would; return the tree it shows."""
    await pilot.click("#tabs #--content-tab-tab-compare")
    await settle(pilot)
    assert active_tab(pilot.app) == "tab-compare"
    return tree_text(pilot.app)


async def test_compare_lists_each_domain_once_with_a_mark_per_group(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app, size=WIDE) as pilot:
        # Between Direct and Pending.
        assert "Effective  MP  Third-party  Direct  Compare  Pending (5)" in screen_text(app)
        assert lines(await show_compare(pilot)) == COMPARE_A
        await pilot.press("right_square_bracket")
        assert active_tab(app) == "tab-pending"
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert active_tab(app) == "tab-direct"


async def test_a_domain_spelled_two_ways_is_one_row(fake: FakeWeChat, write_config: Writer) -> None:
    domains = shop_domains("shopa", pending=True)
    domains["third_domain"]["requestdomain"].append("https://API-V2.shopa.com")
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, domains=domains))
    async with running(app, size=WIDE) as pilot:
        tree = await show_compare(pilot)
        # Host case does not matter to WeChat: one row, in MP and Third-party.
        assert rows(tree)["https://api-v2.shopa.com"] == "·✓✓·"
        assert "API-V2" not in tree
        assert " └─ https://api-v2.shopa.com" in tree
        assert "+ (mp, third)" in tree  # short of room: the note keeps its groups


async def test_a_list_the_api_did_not_return_is_marked_unknown(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, domains=missing_groups_domains()))
    async with running(app, size=WIDE) as pilot:
        tree = await show_compare(pilot)
        # Only Effective came back: the other groups are neither present nor absent.
        assert lines(tree)[0] == " ? the API did not return this list"
        assert rows(tree)["https://melody1.qq.com"] == "✓???"
        # And webview, which nobody asked the fake server for, is unknown everywhere.
        assert "webview" not in tree  # no domain: no row, no title


async def test_filters_apply_to_compare_and_the_match_count_counts_its_rows(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app, size=WIDE) as pilot:
        await show_compare(pilot)
        await pilot.press("1", "7")  # request and webview hidden
        tree = tree_text(app)
        assert "request" not in tree and "webview" not in tree
        assert list(rows(tree)) == [
            "wss://push.shopa.com",
            "https://upload.shopa.com",
            "https://cdn.shopa.com",
            "https://img.shopa.com",
            "udp://live.shopa.com:8443",
        ]
        assert widget_text(app, "#filters").rstrip().endswith(" 5 matches")

        await pilot.press("1", "7", "slash", *"API")  # text: any case
        await settle(pilot)
        tree = tree_text(app)
        assert rows(tree) == {
            "https://api.shopa.com": "✓✓✓·",
            "https://api-v2.shopa.com": "·✓··",
        }
        assert " ▼ request (2)" in tree
        assert widget_text(app, "#filters").rstrip().endswith(" 2 matches")

        await pilot.press("enter", "slash", *"nothing-like-it", "enter")
        assert lines(tree_text(app)) == [" No domain passes the filters."]


async def test_c_and_shift_c_copy_the_domains_compare_shows(
    fake: FakeWeChat, write_config: Writer, terminal: list[str]
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app, size=WIDE) as pilot:
        await show_compare(pilot)
        await pilot.press("1", "2", "3", "7")  # request, ws, upload and webview hidden
        app.query_one("#profiles").focus()
        await pilot.press("c")
        await settle(pilot)
        shown = ["https://cdn.shopa.com", "https://img.shopa.com", "udp://live.shopa.com:8443"]
        assert decode_osc52(terminal) == ["\n".join(shown)]
        assert notices(app)[-1] == "Sent 3 domains (Compare) to the terminal clipboard (OSC 52)"

        await pilot.press("C")
        await settle(pilot)
        assert json.loads(decode_osc52(terminal)[-1]) == {
            "downloaddomain": ["https://cdn.shopa.com", "https://img.shopa.com"],
            "udpdomain": ["udp://live.shopa.com:8443"],
        }
        assert notices(app)[-1] == (
            "Sent 3 domains (Compare, as JSON) to the terminal clipboard (OSC 52)"
        )

        # In the tree: the domain under the cursor, then its protocol's.
        app.dashboard.tree().focus()
        await pilot.pause()
        await pilot.press("down", "down", "c")  # download, cdn, img
        await settle(pilot)
        assert decode_osc52(terminal)[-1] == "https://img.shopa.com"
        assert notices(app)[-1] == (
            "Sent 1 domain (download, Compare) to the terminal clipboard (OSC 52)"
        )
        await pilot.press("up", "up", "c")
        await settle(pilot)
        assert decode_osc52(terminal)[-1] == "\n".join(shown[:2])


async def test_narrow_compare_scrolls_sideways_and_keeps_its_cursor(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app, size=(80, 24)) as pilot:
        tree = await show_compare(pilot)
        # The list folded away, the columns fit; the notes are beyond the edge.
        assert " ├─ https://api.shopa.com                       ✓     ✓       ✓        ·" in tree
        assert "(mp)" not in tree
        compare = app.query_one(CompareTree)
        compare.focus()
        await pilot.pause()
        await pilot.press(*["right"] * 30)
        await wait_until(pilot, lambda: compare.scroll_x > 0, "the tree scrolled sideways")
        assert "+ (mp)" in tree_text(app)
        await pilot.press(*["left"] * 30)
        await wait_until(pilot, lambda: compare.scroll_x == 0, "the tree scrolled back")

        # The cursor on the last row; the tree shrinks under it, and grows back.
        await pilot.press("end")
        await settle(pilot)
        assert compare.cursor_node is not None
        assert compare.cursor_node.data is not None
        assert compare.cursor_node.data.domain == "https://events.shopa.com"
        await pilot.press("slash", *"cdn", "enter", "down", "escape", "7", "down", "end")
        await settle(pilot)
        assert app.is_running
        assert compare.cursor_line == compare.last_line
        await pilot.press("b")  # the list over the tree: the tabs still fit
        await settle(pilot)
        assert "Eff.  MP  3rd  Direct  Compare  Pending (5)" in screen_text(app)
        assert app.is_running
