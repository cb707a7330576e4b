"""What the lists do not say by themselves, on screen: the Pending tab, webview (business)
domains as a seventh protocol, lint marks beside domains, and finding a domain across profiles
with `F`."""

from __future__ import annotations

import json
import re
from typing import Any

from conftest import Run, screen_text
from tuikit import (
    APPID_A,
    APPID_B,
    APPID_C,
    Writer,
    active_tab,
    banner,
    decode_osc52,
    main_lines,
    make_app,
    notices,
    paste,
    running,
    settle,
    shop,
    shop_a,
    toggle_is_struck,
    tree_text,
    wait_for_text,
    wait_until,
    widget_text,
)

from wxdash.fakeserver import FakeWeChat, lint_domains, shop_domains, shop_webview
from wxdash.screens.find import FindScreen

pytest_plugins = ["headless_terminal"]

# Shop A's pending changes (shop_domains and shop_webview with pending=True), as the tab shows
# them: per protocol, what takes effect first, then what drops; the notes in one column, two
# cells after the longest domain shown.
PENDING_A = [
    " ▼ request (2)",
    " ├─ + https://api-v2.shopa.com   takes effect at next release (mp)",
    " └─ − https://pay.shopa.com      drops at next release",
    " ▼ download (1)",
    " └─ − https://img.shopa.com      drops at next release",
    " ▼ udp (1)",
    " └─ + udp://live.shopa.com:8443  takes effect at next release (direct)",
    " ▼ webview (1)",
    " └─ + https://events.shopa.com   takes effect at next release (mp)",
]


def lines(tree: str) -> list[str]:
    return tree.rstrip().splitlines()


async def show_tab(pilot: Any, tab: str) -> str:
    """Click the tab with this id, as a user would; return the tree it shows."""
    await pilot.click(f"#tabs #--content-tab-{tab}")
    await settle(pilot)
    assert active_tab(pilot.app) == tab
    return tree_text(pilot.app)


# -- the Pending tab -------------------------------------------------------------------------


async def test_pending_tab_lists_what_the_next_release_adds_and_drops(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        assert "Effective  MP  Third-party  Direct  Compare  Pending (5)" in screen_text(app)
        tree = await show_tab(pilot, "tab-pending")
        assert lines(tree) == PENDING_A
        # `]` and `[` reach it too: it is the last tab, after Direct and Compare.
        await pilot.press("left_square_bracket")
        assert active_tab(app) == "tab-compare"
        await pilot.press("right_square_bracket")
        assert lines(tree_text(app)) == PENDING_A


async def test_pending_names_every_group_that_configures_a_new_domain(
    fake: FakeWeChat, write_config: Writer
) -> None:
    domains = shop_domains("shopa", pending=True)
    domains["third_domain"]["requestdomain"].append("https://API-V2.shopa.com")
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, domains=domains))
    async with running(app) as pilot:
        tree = await show_tab(pilot, "tab-pending")
        # Host case does not matter to WeChat: one change, configured in MP and Third-party.
        assert " ├─ + https://api-v2.shopa.com   takes effect at next release (mp, third)" in tree
        assert "API-V2" not in tree
        assert "Pending (4)" in screen_text(app)


async def test_pending_says_when_the_next_release_changes_nothing(
    fake: FakeWeChat, write_config: Writer
) -> None:
    settled = shop(
        fake,
        "Shop A",
        APPID_A,
        domains=shop_domains("shopa"),
        webview=shop_webview("shopa"),
    )
    app = make_app(write_config, settled)
    async with running(app) as pilot:
        assert "Effective  MP  Third-party  Direct  Compare  Pending (0)" in screen_text(app)
        tree = await show_tab(pilot, "tab-pending")
        assert lines(tree) == [" ✓ effective matches configured: the next release changes nothing"]


async def test_pending_tab_follows_the_protocol_toggles_and_the_text_filter(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        await show_tab(pilot, "tab-pending")
        await pilot.press("1")
        tree = tree_text(app)
        assert "request" not in tree
        assert "api-v2" not in tree
        assert lines(tree) == PENDING_A[3:]
        await pilot.press("1", "7")
        assert lines(tree_text(app)) == PENDING_A[:7]

        await pilot.press("7", "slash", *"SHOPA.COM:84")
        assert lines(tree_text(app)) == [
            " ▼ udp (1)",
            " └─ + udp://live.shopa.com:8443  takes effect at next release (direct)",
        ]
        # The count on the tab is the whole diff: it is what the release would do.
        assert "Pending (5)" in screen_text(app)

        await pilot.press("enter", "escape")
        assert lines(tree_text(app)) == PENDING_A
        await pilot.press("slash", *"nothing-like-it", "enter")
        assert lines(tree_text(app)) == [" No pending change passes the filters."]


async def test_c_on_the_pending_tab_copies_its_lines_as_shown(
    fake: FakeWeChat, write_config: Writer, terminal: list[str]
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        await show_tab(pilot, "tab-pending")
        app.query_one("#profiles").focus()
        await pilot.press("c")
        await settle(pilot)
        # The whole tab: each protocol's title, then its changes with their signs and notes.
        assert decode_osc52(terminal) == [
            "\n".join(
                [
                    "request (2)",
                    "  + https://api-v2.shopa.com   takes effect at next release (mp)",
                    "  − https://pay.shopa.com      drops at next release",
                    "download (1)",
                    "  − https://img.shopa.com      drops at next release",
                    "udp (1)",
                    "  + udp://live.shopa.com:8443  takes effect at next release (direct)",
                    "webview (1)",
                    "  + https://events.shopa.com   takes effect at next release (mp)",
                ]
            )
        ]
        assert notices(app)[-1] == "Sent 5 domains (Pending) to the terminal clipboard (OSC 52)"

        # Filtered: only what is shown. download and udp hidden, the text filter on `pay`.
        await pilot.press("4", "5", "slash", *"pay", "enter")
        app.query_one("#profiles").focus()
        await pilot.press("c")
        await settle(pilot)
        assert decode_osc52(terminal)[-1] == "\n".join(
            [
                "request (1)",
                "  − https://pay.shopa.com  drops at next release",
            ]
        )
        assert notices(app)[-1] == "Sent 1 domain (Pending) to the terminal clipboard (OSC 52)"

        # On a protocol, then on a change, in the tree: that protocol's lines, that line.
        await pilot.press("escape")
        app.dashboard.tree().focus()
        await pilot.pause()
        await pilot.press("down", "down", "down", "c")  # request, + api-v2, − pay, webview
        await settle(pilot)
        assert decode_osc52(terminal)[-1] == "\n".join(
            ["webview (1)", "  + https://events.shopa.com  takes effect at next release (mp)"]
        )
        assert notices(app)[-1] == (
            "Sent 1 domain (webview, Pending) to the terminal clipboard (OSC 52)"
        )
        await pilot.press("up", "c")
        await settle(pilot)
        assert decode_osc52(terminal)[-1] == "− https://pay.shopa.com     drops at next release"
        assert notices(app)[-1] == (
            "Sent 1 domain (request, Pending) to the terminal clipboard (OSC 52)"
        )


async def test_shift_c_on_the_pending_tab_copies_the_diff_json_of_what_is_shown(
    fake: FakeWeChat, write_config: Writer, terminal: list[str], run_cli: Run
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        await show_tab(pilot, "tab-pending")
        await pilot.press("C")
        await settle(pilot)
        # What `wxdash diff -f json` says of the profile's pending changes, word for word.
        printed = run_cli("diff", "-f", "json", "-p", "Shop A")
        assert printed.returncode == 3, printed.stderr
        diff = json.loads(printed.stdout)["profiles"][0]["pending"]
        assert json.loads(decode_osc52(terminal)[-1]) == diff
        assert diff["count"] == 5
        assert notices(app)[-1] == (
            "Sent 5 domains (Pending, as JSON) to the terminal clipboard (OSC 52)"
        )

        # Filtered: download and udp hidden, then only what holds `api`.
        await pilot.press("4", "5", "C")
        await settle(pilot)
        assert json.loads(decode_osc52(terminal)[-1]) == {
            "count": 3,
            "adds": [
                {
                    "protocol": "requestdomain",
                    "domain": "https://api-v2.shopa.com",
                    "groups": ["mp_domain"],
                },
                {
                    "protocol": "webviewdomain",
                    "domain": "https://events.shopa.com",
                    "groups": ["mp_domain"],
                },
            ],
            "drops": [{"protocol": "requestdomain", "domain": "https://pay.shopa.com"}],
            "not_compared": [],
        }
        await pilot.press("slash", *"api", "enter", "C")
        await settle(pilot)
        copied = json.loads(decode_osc52(terminal)[-1])
        assert [c["domain"] for c in copied["adds"]] == ["https://api-v2.shopa.com"]
        assert copied["drops"] == []
        assert notices(app)[-1] == (
            "Sent 1 domain (Pending, as JSON) to the terminal clipboard (OSC 52)"
        )


async def test_pending_notes_shorten_to_fit_and_keep_their_groups(
    fake: FakeWeChat, write_config: Writer
) -> None:
    domains = shop_domains("shopa", pending=True)
    domains["third_domain"]["requestdomain"].append("https://api-v2.shopa.com")
    app = make_app(write_config, shop_a(fake, domains=domains))
    async with running(app, size=(100, 30)) as pilot:
        tree = await show_tab(pilot, "tab-pending")
        # Beside the list, a full note would be cut: each says less, in one column, and
        # still names its groups whole.
        assert lines(tree) == [
            " ▼ request (2)",
            " ├─ + https://api-v2.shopa.com   at next release (mp, third)",
            " └─ − https://pay.shopa.com      drops at next release",
            " ▼ download (1)",
            " └─ − https://img.shopa.com      drops at next release",
            " ▼ udp (1)",
            " └─ + udp://live.shopa.com:8443  at next release (direct)",
            " ▼ webview (1)",
            " └─ + https://events.shopa.com   at next release (mp)",
        ]
        # The list hidden, there is room for the whole sentence again.
        await pilot.press("b")
        await settle(pilot)
        assert " ├─ + https://api-v2.shopa.com   takes effect at next release (mp, third)" in (
            tree_text(app)
        )
        # Narrower (the list folds away by itself): only the groups are left, whole.
        await pilot.press("b")
        await pilot.resize_terminal(60, 24)
        await settle(pilot)
        assert lines(tree_text(app))[1:3] == [
            " ├─ + https://api-v2.shopa.com   (mp, third)",
            " └─ − https://pay.shopa.com      drops",
        ]


# -- webview (business) domains --------------------------------------------------------------


async def test_webview_is_a_seventh_protocol_with_the_business_domains(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        assert fake.app(APPID_A).webview_calls == 1
        tree = lines(tree_text(app))
        assert tree[-3:] == [
            " ▼ webview (2)",
            " ├─ https://www.shopa.com",
            " └─ https://m.shopa.com",
        ]
        # MP configures a third one that is not live yet.
        tree = lines(await show_tab(pilot, "tab-mp"))
        assert tree[-4:] == [
            " ▼ webview (3)",
            " ├─ https://www.shopa.com",
            " ├─ https://m.shopa.com",
            " └─ https://events.shopa.com",
        ]


async def test_7_hides_and_shows_the_webview_branch_on_every_tab(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        assert "7 webview" in widget_text(app, "#filters")
        await pilot.press("7")
        tree = tree_text(app)
        assert "webview" not in tree
        assert "https://www.shopa.com" not in tree
        assert "https://api.shopa.com" in tree
        assert toggle_is_struck(app, "webview")
        # Only server domains pass: 7 on this tab (5 in MP, 2 in Third-party, 1 in Direct).
        assert widget_text(app, "#filters").rstrip().endswith(" 7 matches")
        tree = await show_tab(pilot, "tab-mp")
        assert widget_text(app, "#filters").rstrip().endswith(" 5 matches")
        assert "webview" not in tree
        assert "https://events.shopa.com" not in tree

        await pilot.press("7")
        assert not toggle_is_struck(app, "webview")
        assert " ▼ webview (3)" in tree_text(app)
        assert "matches" not in widget_text(app, "#filters")


async def test_a_webview_error_alone_shows_its_banner_over_the_server_domains(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop_a(fake))
    fake.set_scenario(APPID_A, "errcode:48001", webview=True)
    async with running(app) as pilot:
        shown = banner(app)
        assert shown.startswith("✗ Webview domains: WeChat API error · errcode 48001 "), shown
        assert "WeChat error 48001: api unauthorized rid: " in shown
        assert "Press r" not in shown  # the permission is missing: the same call fails again
        # The server domains are fresh and shown; the webview list says it is unknown.
        tree = lines(tree_text(app))
        assert tree[:2] == [" ▼ request (3)", " ├─ https://api.shopa.com"]
        assert tree[-1] == " webview  the fetch failed (see above)"
        assert "webview (0)" not in tree_text(app)
        assert " ✓ Shop A" in screen_text(app)
        assert "stale" not in main_lines(app)[0]

        fake.set_scenario(APPID_A, "ok", webview=True)
        await pilot.press("r")
        await settle(pilot)
        assert banner(app) == ""
        assert " ▼ webview (2)" in tree_text(app)


async def test_a_webview_error_keeps_the_webview_domains_it_had(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        fake.set_scenario(APPID_A, "errcode:45009", webview=True)
        await pilot.press("r")
        await settle(pilot)
        assert banner(app).startswith("✗ Webview domains: WeChat API error · errcode 45009 ")
        assert lines(tree_text(app))[-3:] == [
            " ▼ webview (2)",
            " ├─ https://www.shopa.com",
            " └─ https://m.shopa.com",
        ]


async def test_a_server_error_still_shows_the_webview_domains(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop_a(fake, scenario="errcode:45009"))
    async with running(app) as pilot:
        shown = banner(app)
        assert shown.startswith("✗ WeChat API error · errcode 45009 "), shown
        assert "Webview" not in shown
        # No server lists (not "none": unknown), and the webview call's answer.
        assert lines(tree_text(app)) == [
            " server domains: the fetch failed (see above)",
            " ▼ webview (2)",
            " ├─ https://www.shopa.com",
            " └─ https://m.shopa.com",
        ]
        assert " ✗ Shop A" in screen_text(app)
        # Nothing is pending that can be known without the server lists.
        assert "Pending (" not in screen_text(app)
        tree = await show_tab(pilot, "tab-pending")
        assert lines(tree) == [" No data: the fetch failed (see above)."]


# -- lint ------------------------------------------------------------------------------------


async def test_lint_marks_each_domain_that_breaks_a_rule_and_keeps_it_listed(
    fake: FakeWeChat, write_config: Writer
) -> None:
    webview = {
        "effective_webviewdomain": ["https://www.cornercafe.com", "http://m.cornercafe.com"],
        "mp_webviewdomain": ["https://www.cornercafe.com", "http://m.cornercafe.com"],
    }
    app = make_app(
        write_config, shop(fake, "Corner Cafe", APPID_A, domains=lint_domains(), webview=webview)
    )
    async with running(app, size=(140, 40)) as pilot:
        expected = [
            " ▼ request (8)",
            " ├─ https://api.cornercafe.com",
            " ├─ http://insecure.cornercafe.com  ⚠ must start with https://",
            " ├─ https://203.0.113.9  ⚠ an IP address: WeChat needs a domain name",
            " ├─ https://localhost:8443  ⚠ localhost: phones cannot reach it",
            # Two rules: the first is named, the other counted.
            " ├─ https://api.cornercafe.com/v1?debug=1  ⚠ a path or query: only the host counts"
            " (+1)",
            " ├─ https://*.cornercafe.com  ⚠ a wildcard: list each host",
            " ├─ https://API.cornercafe.com  ⚠ listed twice",
            " └─ https://api.weixin.qq.com  ⚠ WeChat's own API: call it from your server",
            " ▼ ws (1)",
            " └─ https://push.cornercafe.com  ⚠ must start with wss://",
            " upload (0)  none",
            " download (0)  none",
            " ▼ udp (1)",
            " └─ tcp://live.cornercafe.com  ⚠ must start with udp://",
            " ▼ tcp (1)",
            " └─ udp://live.cornercafe.com  ⚠ must start with tcp://",
            " ▼ webview (2)",
            " ├─ https://www.cornercafe.com",
            " └─ http://m.cornercafe.com  ⚠ must start with https://",
        ]
        assert lines(tree_text(app)) == expected
        # Advice, not parse trouble: no warnings node.
        assert "parse warning" not in screen_text(app)
        # MP holds the same lists: the same marks.
        assert lines(await show_tab(pilot, "tab-mp")) == expected
        # The marks are not part of the domain: a filter on their words finds nothing.
        await pilot.press("slash", *"wildcard")
        assert "0 matches" in widget_text(app, "#filters")


async def test_lint_marks_do_not_reach_the_clipboard(
    fake: FakeWeChat, write_config: Writer, terminal: list[str]
) -> None:
    app = make_app(write_config, shop(fake, "Corner Cafe", APPID_A, domains=lint_domains()))
    async with running(app) as pilot:
        app.dashboard.tree().focus()
        await pilot.pause()
        await pilot.press("down", "down", "c")  # from request: api, http://insecure
        await settle(pilot)
        assert decode_osc52(terminal) == ["http://insecure.cornercafe.com"]


# -- F: find a domain in every fetched profile -----------------------------------------------


def shops_with_webview(fake: FakeWeChat) -> list[dict[str, Any]]:
    return [
        shop_a(fake),
        shop(fake, "Shop B", APPID_B),
        shop(fake, "Shop C", APPID_C),
    ]


async def find(pilot: Any, text: str) -> str:
    """Open the find screen, type `text`, return what its list shows."""
    await pilot.press("F")
    await pilot.pause()
    assert isinstance(pilot.app.screen, FindScreen)
    await pilot.press(*text)
    await pilot.pause()
    return widget_text(pilot.app, "#find-options")


def cursor_domain(app: Any) -> str | None:
    tree = app.dashboard.tree()
    node = tree.cursor_node
    return node.data.domain if node is not None and node.data is not None else None


async def test_f_finds_a_host_in_every_fetched_profile(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, *shops_with_webview(fake))
    async with running(app) as pilot:
        await pilot.press("R")
        await settle(pilot)
        shown = await find(pilot, "push")
        rows = [" ".join(line.split()) for line in shown.splitlines() if line.strip()]
        assert rows == [
            "wss://push.shopa.com Shop A Effective · ws",
            "wss://push.shopa.com Shop A MP · ws",
            "wss://push.shopb.com Shop B Effective · ws",
            "wss://push.shopb.com Shop B MP · ws",
            "wss://push.shopc.com Shop C Effective · ws",
            "wss://push.shopc.com Shop C MP · ws",
        ]
        assert "6 found in 3 of 3 profiles · enter goes there" in screen_text(app)

        # Only the host is searched: "wss" is the scheme, in no host.
        await pilot.press(*["backspace"] * 4, *"wss")
        await pilot.pause()
        assert "no domain matches" in widget_text(app, "#find-options")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FindScreen)
        assert main_lines(app)[0].startswith(" Shop A")


async def test_choosing_a_hit_goes_to_its_profile_tab_and_domain(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, *shops_with_webview(fake))
    async with running(app) as pilot:
        await pilot.press("R")
        await settle(pilot)
        shown = await find(pilot, "API-V2.SHOPB")
        assert " ".join(shown.split()) == "https://api-v2.shopb.com Shop B MP · request"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, FindScreen)
        assert main_lines(app)[0].startswith(" Shop B  " + APPID_B)
        assert active_tab(app) == "tab-mp"
        assert app.dashboard.tree().has_focus
        await wait_until(
            pilot,
            lambda: cursor_domain(app) == "https://api-v2.shopb.com",
            "the cursor is on the domain",
        )
        # The shown profile's data, not a refetch.
        assert fake.app(APPID_B).domain_calls == 1


async def test_a_hit_chosen_with_the_arrows_and_the_mouse(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, *shops_with_webview(fake))
    async with running(app) as pilot:
        await pilot.press("R")
        await settle(pilot)
        await find(pilot, "events")  # Shop A's webview domain, configured in MP only
        await pilot.press("down", "up", "enter")
        await settle(pilot)
        assert active_tab(app) == "tab-mp"
        await wait_until(
            pilot, lambda: cursor_domain(app) == "https://events.shopa.com", "cursor on events"
        )

        await find(pilot, "upload.shopc")
        await pilot.click("#find-options", offset=(4, 1))  # the second hit: MP
        await settle(pilot)
        assert main_lines(app)[0].startswith(" Shop C")
        assert active_tab(app) == "tab-mp"
        await wait_until(
            pilot, lambda: cursor_domain(app) == "https://upload.shopc.com", "cursor on upload"
        )


async def test_a_hit_hidden_by_the_filters_is_shown_when_chosen(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, *shops_with_webview(fake))
    async with running(app) as pilot:
        await pilot.press("R")
        await settle(pilot)
        # request and webview hidden, and a text filter that matches neither hit.
        await pilot.press("1", "7", "slash", *"cdn", "enter")
        assert "api-v2" not in tree_text(app)

        await find(pilot, "api-v2.shopc")
        await pilot.press("enter")
        await settle(pilot)
        assert main_lines(app)[0].startswith(" Shop C")
        assert active_tab(app) == "tab-mp"
        await wait_until(
            pilot, lambda: cursor_domain(app) == "https://api-v2.shopc.com", "cursor on api-v2"
        )
        # request is back on; the text filter is cleared; webview stays as the user left it.
        assert not toggle_is_struck(app, "request")
        assert toggle_is_struck(app, "webview")
        assert app.query_one("#filter-input").value == ""
        assert "https://cdn.shopc.com" in tree_text(app)

        # A text filter that already shows the hit stays on.
        await pilot.press("slash", *"www", "enter")
        await find(pilot, "www.shopa")
        await pilot.press("enter")
        await settle(pilot)
        assert main_lines(app)[0].startswith(" Shop A")
        await wait_until(
            pilot, lambda: cursor_domain(app) == "https://www.shopa.com", "cursor on www"
        )
        assert app.query_one("#filter-input").value == "www"
        assert not toggle_is_struck(app, "webview")


async def test_f_with_nothing_fetched_says_so(fake: FakeWeChat, write_config: Writer) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, scenario="errcode:40001"))
    fake.set_scenario(APPID_A, "errcode:40001", webview=True)
    async with running(app) as pilot:
        await pilot.press("F")
        await pilot.pause()
        assert not isinstance(app.screen, FindScreen)
        assert notices(app) == ["Nothing fetched yet to search: press r, or R for every profile."]
        await wait_for_text(pilot, "Nothing fetched yet to search")


async def test_f_searches_only_fetched_profiles_and_says_how_many(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, *shops_with_webview(fake))
    async with running(app) as pilot:
        await pilot.press("F")
        await pilot.pause()
        assert "searches 1 fetched profile" in screen_text(app)
        await paste(pilot, "shopb")
        assert "no domain matches" in widget_text(app, "#find-options")
        assert re.search(r"0 found in 0 of 1 profile\b", screen_text(app))


# -- 80 columns ------------------------------------------------------------------------------


async def test_nothing_is_cut_off_at_80x24_with_seven_toggles_and_six_tabs(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app, size=(80, 24)) as pilot:
        text = screen_text(app)
        assert "1 request 2 ws 3 upload 4 download 5 udp 6 tcp 7 webview   / filter" in text
        assert "Effective  MP  Third-party  Direct  Compare  Pending (5)" in text
        assert " └─ https://m.shopa.com" in tree_text(app)
        assert "F Find" in text
        assert "q Quit" in text

        tree = await show_tab(pilot, "tab-pending")
        assert lines(tree) == PENDING_A

        await pilot.press("slash", *"shopa")
        # 8 in Effective and 8 in MP (with webview), 1 in Third-party, 1 in Direct.
        row = widget_text(app, "#filters")
        # The count takes its room: the toggles shorten, nothing is cut.
        assert row.startswith(" 1 req 2 ws 3 up 4 down 5 udp 6 tcp 7 web"), row
        # The Pending tab is no one group: the count is every group's, and says so.
        assert row.rstrip().endswith(" 18 matches in all groups"), row
        await pilot.press("escape")

        # The dialogs fit too: the find box with its count, the export form with its buttons.
        await pilot.press("F", *"api")
        text = screen_text(app)
        assert "╭─ Find a domain in every fetched profile ─" in text
        assert "─ 4 found in 1 of 1 profile · enter goes there ─╯" in text
        assert "│ https://api-v2.shopa.com  Shop A  MP · request" in text
        await pilot.press("escape", "x")
        text = screen_text(app)
        assert "╭─ Export Shop A ─" in text
        assert re.search(r"│ wxdash-shop-a-\d{8}-\d{4}\.json +│", text)
        assert re.search(r"Cancel +Export", text)
        assert "─ ctrl+s exports · escape cancels ─╯" in text
