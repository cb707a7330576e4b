"""Every key of the dashboard, pressed against the fake server, checked on the screen."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import profile, screen_text
from textual import events
from textual.command import CommandInput, Hits
from textual.widgets import Input
from tuikit import (
    APPID_A,
    APPID_B,
    APPID_C,
    Writer,
    active_tab,
    main_lines,
    make_app,
    notices,
    pick,
    running,
    settle,
    shop,
    three_shops,
    toggle_is_struck,
    tree_text,
    wait_for_text,
    wait_until,
    widget_strips,
    widget_text,
)

from wxdash import fakeserver
from wxdash.app import WxDashApp
from wxdash.commands import ProfileCommands
from wxdash.fakeserver import FakeWeChat, big_domains, shop_domains
from wxdash.screens.confirm import ConfirmScreen
from wxdash.screens.picker import PickerScreen
from wxdash.screens.profile_form import ProfileFormScreen
from wxdash.widgets.profile_filter import ProfileFilter

PROTOCOLS = ("request", "ws", "upload", "download", "udp", "tcp", "webview")


def protocol_nodes(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The protocol nodes the tree shows, by name (`request`, `ws`, ...)."""
    names = []
    for line in tree_text(app).splitlines():
        words = line.replace("▼", " ").split()
        if len(words) >= 2 and words[0] in PROTOCOLS and words[1].startswith("("):
            names.append(words[0])
    return names


def help_rows(text: str) -> list[list[str]]:
    """The help box's rows as words, a row's wrapped lines (blank key column) joined to it."""
    rows: list[list[str]] = []
    for line in text.splitlines():
        if line.count("│") < 2:
            continue
        inside = line.split("│")[1]
        if rows and inside[:14].strip() == "" and inside.strip():
            rows[-1].extend(inside.split())
        else:
            rows.append(inside.split())
    return rows


# -- protocol toggles and the text filter ----------------------------------------------------


async def test_number_keys_hide_protocols_on_every_tab_and_across_profile_switches(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A), shop(fake, "Shop B", APPID_B))
    async with running(app) as pilot:
        assert protocol_nodes(app) == list(PROTOCOLS)
        assert "matches" not in screen_text(app)

        await pilot.press("1")
        assert protocol_nodes(app) == list(PROTOCOLS[1:])
        assert "https://api.shopa.com" not in screen_text(app)
        assert toggle_is_struck(app, "request")
        assert not toggle_is_struck(app, "ws")
        # The match count of the tab shown: 4 in Effective (3 in MP, 0 in Third-party, 1 in
        # Direct).
        assert widget_text(app, "#filters").rstrip().endswith(" 4 matches")

        await pilot.press("right_square_bracket")
        assert active_tab(app) == "tab-mp"
        assert "request" not in protocol_nodes(app)
        assert "https://api-v2.shopa.com" not in tree_text(app)

        await pick(pilot, "Shop B")
        assert main_lines(app)[0].startswith(" Shop B")
        assert "request" not in protocol_nodes(app)
        assert "wss://push.shopb.com" in tree_text(app)
        assert toggle_is_struck(app, "request")

        await pilot.press("1")
        assert protocol_nodes(app) == list(PROTOCOLS)
        assert "https://api.shopb.com" in tree_text(app)
        assert not toggle_is_struck(app, "request")
        assert "matches" not in screen_text(app)

        for key, short in enumerate(PROTOCOLS[1:], start=2):
            await pilot.press(str(key))
            assert protocol_nodes(app) == [p for p in PROTOCOLS if p != short], short
            assert toggle_is_struck(app, short)
            await pilot.press(str(key))
            assert protocol_nodes(app) == list(PROTOCOLS), short


async def test_slash_filters_every_tab_case_insensitively_and_escape_clears_it(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await pilot.press("slash", *"API")
        text = screen_text(app)
        # Effective 1 (the tab shown; MP 2, api and api-v2; Third-party 1, Direct 0).
        assert widget_text(app, "#filters").rstrip().endswith(" 1 match")
        assert "Effective (1)  MP (2)  Third-party (1)  Direct (0)" in text
        tree = tree_text(app)
        assert "Pending (4)" in text  # the pending count is not filtered: it is the news
        assert tree.splitlines()[:2] == [" ▼ request (1/3)", " └─ https://api.shopa.com"]
        assert "pay.shopa.com" not in tree
        assert " ws (0/1)" in tree
        assert "push.shopa.com" not in tree

        # enter goes back to the domains; the filter stays on.
        await pilot.press("enter", "right_square_bracket")
        assert active_tab(app) == "tab-mp"
        tree = tree_text(app)
        assert " ▼ request (2/2)" in tree
        assert "https://api-v2.shopa.com" in tree
        assert "cdn.shopa.com" not in tree

        await pilot.press("escape")
        text = screen_text(app)
        assert "matches" not in text
        assert "Effective  MP  Third-party  Direct" in text
        tree = tree_text(app)
        assert " ▼ download (1)" in tree
        assert "https://cdn.shopa.com" in tree
        assert app.query_one("#filter-input").value == ""

        # escape while typing clears too.
        await pilot.press("slash", *"img")
        # On MP (the tab shown), none: img is only effective.
        assert widget_text(app, "#filters").rstrip().endswith(" 0 matches")
        assert "Effective (1)  MP (0)" in screen_text(app)
        await pilot.press("escape")
        assert "match" not in widget_text(app, "#filters")
        assert "https://api-v2.shopa.com" in tree_text(app)


def cursor_domain(app: WxDashApp) -> str | None:
    node = app.dashboard.tree().cursor_node
    return node.data.domain if node is not None and node.data is not None else None


def underlined(app: WxDashApp) -> dict[str, str]:
    """Each domain line of the tree on show, with the text its match highlight covers."""
    out = {}
    for strip in widget_strips(app, app.dashboard.tree()):
        line = strip.text.strip(" │├└─")
        if "://" in line:
            out[line] = "".join(s.text for s in strip if s.style and s.style.underline)
    return out


async def test_each_letter_moves_the_highlight_while_the_same_domains_match(
    fake: FakeWeChat, write_config: Writer
) -> None:
    """Letters that keep the same domains shown (every Lotus Tea domain holds `lotustea`)
    redraw the highlight, the counts and the cursor as they were."""
    app = make_app(write_config, shop(fake, "Lotus Tea", APPID_A))
    async with running(app) as pilot:
        app.dashboard.tree().focus()
        for _ in range(4):  # down to pay.lotustea.com
            if cursor_domain(app) == "https://pay.lotustea.com":
                break
            await pilot.press("down")
            await pilot.pause()
        assert cursor_domain(app) == "https://pay.lotustea.com"
        await pilot.press("slash", *"lotus")
        await pilot.pause()
        tree = tree_text(app)
        assert "analytics.example-platform.com" not in tree
        assert " ▼ request (2/3)" in tree
        for typed in ("lotust", "lotuste", "lotustea"):
            await pilot.press(typed[-1])
            await pilot.pause()
            assert tree_text(app) == tree  # the same lines, counts and all
            marks = underlined(app)
            assert len(marks) == 6, marks
            assert set(marks.values()) == {typed}, marks
        assert cursor_domain(app) == "https://pay.lotustea.com"
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        await pilot.pause()
        assert set(underlined(app).values()) == {"lotu"}


async def test_a_folded_protocol_stays_folded_while_typing_and_after_clearing(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Lotus Tea", APPID_A))
    async with running(app) as pilot:
        app.dashboard.tree().focus()
        await pilot.pause()
        while app.dashboard.tree().cursor_line != 0:  # up to the request node
            await pilot.press("up")
        await pilot.press("space")
        await pilot.pause()
        assert tree_text(app).splitlines()[0] == " ▶ request (3)"
        # The first letter rebuilds the tree (counts become x/y), the next ones do not.
        await pilot.press("slash", *"lotus")
        await pilot.pause()
        tree = tree_text(app)
        assert tree.splitlines()[0] == " ▶ request (2/3)"
        assert "pay.lotustea.com" not in tree
        assert "wss://push.lotustea.com" in tree  # the others stay open
        await pilot.press("escape")
        await pilot.pause()
        assert tree_text(app).splitlines()[0] == " ▶ request (3)"


async def test_a_filter_matching_nothing_says_zero(fake: FakeWeChat, write_config: Writer) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await pilot.press("slash", *"zz")
        assert "0 matches" in screen_text(app)
        assert "Effective (0)" in screen_text(app)
        assert "https://" not in tree_text(app)


async def test_the_match_count_fits_at_100_columns_with_the_list_shown(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Grand Mall", APPID_A, domains=big_domains(200)))
    async with running(app, size=(100, 30)) as pilot:
        await pilot.press("slash", *"com")
        row = widget_text(app, "#filters")
        # Seven toggles leave no room for the full names here: they shorten, the count stays.
        assert row.startswith(" 1 req 2 ws 3 up 4 down 5 udp 6 tcp 7 web   com"), row
        assert row.endswith(" 1200 matches"), row  # the Effective tab's
        # Beside the list, the tabs leave their counts to the filter row: every tab whole.
        assert "Effective  MP  Third-party  Direct  Compare  Pending (" in screen_text(app)
        # The list hidden, there is room for them again.
        await pilot.press("escape", "b")
        await pilot.pause()
        await pilot.press("slash", *"com")
        await pilot.pause()
        tabs = "Effective (1200)  MP (1200)  Third-party (1200)  Direct (1200)  Compare  Pending ("
        assert tabs in screen_text(app)


# -- tabs ------------------------------------------------------------------------------------


async def test_brackets_move_between_tabs_and_wrap(fake: FakeWeChat, write_config: Writer) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        seen = []
        for _ in range(6):
            await pilot.press("right_square_bracket")
            seen.append(active_tab(app))
        assert seen == [
            "tab-mp",
            "tab-third",
            "tab-direct",
            "tab-compare",
            "tab-pending",
            "tab-effective",
        ]
        await pilot.press("left_square_bracket")
        assert active_tab(app) == "tab-pending"
        assert "+ udp://live.shopa.com:8443" in tree_text(app)
        await pilot.press("left_square_bracket")
        assert active_tab(app) == "tab-compare"
        assert "udp://live.shopa.com:8443" in tree_text(app)
        await pilot.press("left_square_bracket")
        assert active_tab(app) == "tab-direct"
        assert "udp://live.shopa.com:8443" in tree_text(app)
        await pilot.press("left_square_bracket")
        assert active_tab(app) == "tab-third"
        assert "https://analytics.example-platform.com" in tree_text(app)


# -- fetching --------------------------------------------------------------------------------


async def test_r_refetches_the_shown_profile(fake: FakeWeChat, write_config: Writer) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A), shop(fake, "Shop B", APPID_B))
    async with running(app) as pilot:
        assert "https://api.shopa.com" in tree_text(app)
        fake.app(APPID_A).domains = shop_domains("renamed")
        await pilot.press("r")
        await settle(pilot)
        assert "https://api.renamed.com" in tree_text(app)
        assert "https://api.shopa.com" not in tree_text(app)
        assert fake.app(APPID_A).domain_calls == 2
        assert fake.app(APPID_A).webview_calls == 2
        assert fake.app(APPID_B).domain_calls == 0


async def test_shift_r_refetches_every_profile(fake: FakeWeChat, write_config: Writer) -> None:
    app = make_app(write_config, *three_shops(fake))
    async with running(app) as pilot:
        assert " · Shop B" in screen_text(app)
        await pilot.press("R")
        await settle(pilot)
        assert [fake.app(a).domain_calls for a in (APPID_A, APPID_B, APPID_C)] == [2, 1, 1]
        text = await wait_for_text(pilot, "✓ 3 ok")
        assert " ✓ Shop B" in text
        assert " ✓ Shop C" in text
        # Still on the profile that was shown.
        assert main_lines(app)[0].startswith(" Shop A")


class InFlight:
    """Counts the fake server's requests that are inside a `slow:` sleep at the same time."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self._lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(seconds)
        finally:
            with self._lock:
                self.now -= 1


async def test_shift_r_fetches_with_bounded_concurrency(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_flight = InFlight()
    monkeypatch.setattr(fakeserver, "time", SimpleNamespace(sleep=in_flight.sleep))
    appids = [f"wx{i:016d}" for i in range(1, 7)]
    shops = [shop(fake, f"Shop {i}", appid, scenario="slow:0.2") for i, appid in enumerate(appids)]
    app = make_app(write_config, *shops, concurrency=2)
    async with running(app) as pilot:
        await pilot.press("R")
        await settle(pilot)
        assert [fake.app(a).domain_calls for a in appids] == [2, 1, 1, 1, 1, 1]
        assert 1 <= in_flight.most <= 2
        await wait_for_text(pilot, "✓ 6 ok")


async def test_shift_r_asks_first_when_there_are_many_profiles(
    fake: FakeWeChat, write_config: Writer
) -> None:
    token = fake.add_app(APPID_A).token
    many = [
        profile(f"Shop {i:02d}", APPID_A, access_token=token, api_base=fake.url) for i in range(51)
    ]
    app = make_app(write_config, *many)
    async with running(app) as pilot:
        assert fake.app(APPID_A).domain_calls == 1
        await pilot.press("R")
        text = screen_text(app)
        assert "Fetch every profile?" in text
        assert "This fetches 51 profiles, 16 at a time." in text
        await pilot.press("n")
        await settle(pilot)
        assert "Fetch every profile?" not in screen_text(app)
        assert fake.app(APPID_A).domain_calls == 1
        await pilot.press("R", "y")
        await settle(pilot)
        assert fake.app(APPID_A).domain_calls == 52


# -- the picker ------------------------------------------------------------------------------


async def test_p_picks_a_profile_by_part_of_its_name(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(
        write_config,
        shop(fake, "Lotus Tea", APPID_A),
        shop(fake, "Harbor Books", APPID_B),
        shop(fake, "Night Market", APPID_C),
    )
    async with running(app) as pilot:
        await pilot.press("p")
        text = screen_text(app)
        assert "Switch profile" in text
        assert "3 profiles · enter switches · escape cancels" in text
        await pilot.press(*"BOOK")
        text = screen_text(app)
        assert "1 profile · enter switches" in text
        picker = widget_text(app, "#picker-options")
        assert "Harbor Books  " + APPID_B in picker
        assert "Lotus Tea" not in picker
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, PickerScreen)
        assert main_lines(app)[0].startswith(" Harbor Books  " + APPID_B)
        assert "https://api.harborbooks.com" in tree_text(app)
        assert fake.app(APPID_B).domain_calls == 1


async def test_picker_prefers_names_over_appids(fake: FakeWeChat, write_config: Writer) -> None:
    # Appids are hex: the letter b is in the first profile's appid, and in the second's name.
    app = make_app(
        write_config,
        shop(fake, "Shop A", "wx0123456789abcdef"),
        shop(fake, "Shop B", "wx9876543210fedcba"),
    )
    async with running(app) as pilot:
        await pilot.press("p", "b", "enter")
        await settle(pilot)
        assert main_lines(app)[0].startswith(" Shop B  wx9876543210fedcba")


async def test_picker_with_no_match_stays_open_and_escape_cancels(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A), shop(fake, "Shop B", APPID_B))
    async with running(app) as pilot:
        await pilot.press("p", *"zz", "enter")
        assert isinstance(app.screen, PickerScreen)
        assert "no profile matches" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, PickerScreen)
        assert main_lines(app)[0].startswith(" Shop A")
        assert fake.app(APPID_B).domain_calls == 0


async def test_command_palette_switches_to_a_profile_by_name(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(
        write_config, shop(fake, "Lotus Tea", APPID_A), shop(fake, "Harbor Books", APPID_B)
    )
    async with running(app) as pilot:
        await pilot.press("ctrl+p", *"harbor")
        await wait_for_text(pilot, "Switch to profile: Harbor Books")
        await pilot.press("enter")
        await settle(pilot)
        assert main_lines(app)[0].startswith(" Harbor Books  " + APPID_B)
        assert "https://api.harborbooks.com" in tree_text(app)


async def test_command_palette_offers_the_actions(fake: FakeWeChat, write_config: Writer) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A), shop(fake, "Shop B", APPID_B))
    async with running(app) as pilot:
        await pilot.press("ctrl+p", *"refetch all")
        await wait_for_text(pilot, "Refetch all profiles")
        await pilot.press("enter")
        await settle(pilot)
        assert fake.app(APPID_B).domain_calls == 1


async def test_a_letter_right_after_escape_leaves_the_palette_closed_and_the_app_running(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A letter typed just after escape can reach the palette's field as the palette closes
    # (the field had it queued). Its search, slow to answer, once outlived the palette and
    # took the app down with it.
    gate = asyncio.Event()
    search = ProfileCommands.search

    async def slow_search(self: ProfileCommands, query: str) -> Hits:
        await gate.wait()
        async for hit in search(self, query):
            yield hit

    monkeypatch.setattr(ProfileCommands, "search", slow_search)
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await pilot.press("ctrl+p")
        await wait_for_text(pilot, "Search for commands")
        palette = app.screen
        field = palette.query_one(CommandInput)
        palette.dismiss()  # as escape does; then what the letter queued in its field says
        palette.post_message(Input.Changed(field, "h"))
        await wait_until(pilot, lambda: not palette.is_attached, "the palette is gone")
        gate.set()
        await settle(pilot)
        assert app.is_running and app.screen is app.dashboard
        assert "Search for commands" not in screen_text(app)


# -- help and quitting -----------------------------------------------------------------------


def readme_keys() -> list[str]:
    """The keys in the first column of the README's key table: `c`, `ctrl+p`, `home` ..."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| key | does |") :].split("\n\n", 1)[0]
    keys = []
    for row in table.splitlines()[2:]:
        first = row.split("|")[1]
        keys.extend(k for k in re.findall(r"`([^`]+)`", first) for k in k.split())
    # `1`–`7` is two keys in the table: the help's "1 – 7" covers them.
    return keys


@pytest.mark.parametrize("key", ["question_mark", "f1"])
async def test_help_lists_the_keys_and_the_four_groups(
    fake: FakeWeChat, write_config: Writer, key: str
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await pilot.press(key)
        text = screen_text(app)
        assert "wxdash help" in text
        rows = help_rows(text)
        for keys, what in (
            ("[  ]", "previous / next tab: the four groups, Compare, Pending"),
            ("1 – 7", "show or hide a protocol: request, ws, upload, download, udp, tcp, webview"),
            ("/", "filter domains by text"),
            ("p", "pick a profile by name"),
            ("r", "refetch this profile"),
            ("R", "refetch every profile the list shows"),
        ):
            assert [*keys.split(), *what.split()] in rows, keys
        # Every key of the README's key table is in the help (which scrolls).
        listed = " ".join(str(w.render()) for w in app.screen.query(".help-key")).split()
        for key in readme_keys():
            assert key in listed, f"{key} is in the README's key table, not in the help"
        # The four groups come after the keys: scrolled to, they are whole.
        groups = app.screen.query(".help-heading")[1]
        app.screen.query_one("#help").scroll_to_widget(groups, animate=False, top=True)
        await pilot.pause()
        text = screen_text(app)
        assert "Effective       What is live: the lists as of the last code submission" in text
        assert "MP              Configured in the mini program's own admin console" in text
        assert "Third-party     Configured by a third-party platform through modify_domain." in text
        assert "Direct          Configured through the modify_domain_directly API." in text
        app.screen.query_one("#help").scroll_end(animate=False)  # the notes are at its end
        await pilot.pause()
        flat = " ".join(screen_text(app).replace("│", " ").split())
        assert "The Pending tab lists the difference: + takes effect at the next release" in flat
        assert "webview holds the business domains (get_effective_webviewdomain)." in flat
        assert "Compare lists each domain once per protocol: ✓ under each group" in flat
        await pilot.press("escape")
        assert "wxdash help" not in screen_text(app)
        assert app.is_running


@pytest.mark.parametrize("key", ["q", "ctrl+q"])
async def test_q_quits(fake: FakeWeChat, write_config: Writer, key: str) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


# -- keys are text while an input has focus --------------------------------------------------


async def test_letters_typed_into_the_filter_do_not_fire_keys(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A), shop(fake, "Shop B", APPID_B))
    async with running(app) as pilot:
        typed = "rRcdqpab1?e"
        await pilot.press("slash", *typed)
        await settle(pilot)
        assert app.is_running
        assert app.query_one("#filter-input").value == typed
        assert not isinstance(app.screen, ConfirmScreen | PickerScreen | ProfileFormScreen)
        assert fake.app(APPID_A).domain_calls == 1
        assert fake.app(APPID_B).domain_calls == 0
        assert not any(toggle_is_struck(app, short) for short in PROTOCOLS)
        assert notices(app) == []
        text = screen_text(app)
        assert "0 matches" in text
        assert " ✓ Shop A" in text
        assert " · Shop B" in text
        assert "wxdash help" not in text


KEY_NAMES = {"/": "slash", "-": "minus", ".": "full_stop", " ": "space"}


def burst(app: WxDashApp, text: str) -> None:
    """Queue every key of `text` at once, as a paste without bracketed paste, a fast typist or
    `tmux send-keys` deliver them: all arrive before the app has handled the first."""
    for char in text:
        app.post_message(events.Key(KEY_NAMES.get(char, char), char))


async def test_keys_in_one_burst_after_slash_are_typed_in_order(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A), shop(fake, "Shop B", APPID_B))
    async with running(app) as pilot:
        burst(app, "/api-v2.shopa")
        await settle(pilot)
        assert app.query_one("#filter-input").value == "api-v2.shopa"
        assert "MP (1)" in screen_text(app)  # api-v2 is pending in MP, not yet effective
        assert app.is_running
        assert fake.app(APPID_B).domain_calls == 0  # no letter fired a key on the way
        # In the text field, `/` is a character, not the key that opens it.
        burst(app, "/x")
        await settle(pilot)
        assert app.query_one("#filter-input").value == "api-v2.shopa/x"


async def test_keys_in_one_burst_after_f_filter_the_profile_list(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A), shop(fake, "Shop B", APPID_B))
    async with running(app) as pilot:
        burst(app, "fshop b")
        await settle(pilot)
        assert app.query_one(ProfileFilter).value == "shop b"
        assert widget_text(app, "#sidebar-title").strip() == "1 of 2 profiles"
        burst(app, "f/")  # in the field, both are characters
        await settle(pilot)
        assert app.query_one(ProfileFilter).value == "shop bf/"
        assert "No profile matches the filter." in widget_text(app, "#profiles")
        assert fake.app(APPID_B).domain_calls == 0


async def test_letters_typed_into_the_form_and_picker_do_not_fire_keys(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await pilot.press("a", *"rcdqp", "slash", "f")  # `/` and `f` are priority keys
        await settle(pilot)
        assert isinstance(app.screen, ProfileFormScreen)
        assert app.screen.query_one("#name").value == "rcdqp/f"
        assert fake.app(APPID_A).domain_calls == 1
        await pilot.press("escape")
        assert not isinstance(app.screen, ProfileFormScreen)
        assert list(app.dashboard.states) == ["Shop A"]

        await pilot.press("p", *"rdq")
        assert app.is_running
        assert isinstance(app.screen, PickerScreen)
        assert app.screen.query_one("#picker-input").value == "rdq"
        await pilot.press("escape")
        assert fake.app(APPID_A).domain_calls == 1
