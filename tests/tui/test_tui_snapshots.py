"""Snapshot tests (pytest-textual-snapshot): the main view (dark and light themes), a filter
applied, the error banner over stale data, the profile form, the Pending tab, the Compare tab
(at 140 columns, in English and Chinese), the find screen with hits and the Health screen, at a
fixed terminal size; and in Chinese the main view, the error banner, the help screen and the
Health screen.

Everything that varies between runs is fixed: the fetch time and its age (the clock), the
time zone, the `rid:` WeChat puts in errmsg, and the token's last characters. Update with
`python -m pytest tests/tui/test_tui_snapshots.py --snapshot-update`, then look at the SVGs
in tests/tui/__snapshots__/.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import screen_text
from textual.pilot import Pilot
from tuikit import (
    APPID_A,
    APPID_B,
    APPID_C,
    Writer,
    config,
    hold_slow_answers,
    make_app,
    settle,
    shop,
    wait_until,
)

from wxdash import fakeserver, fleet, state
from wxdash.app import WxDashApp
from wxdash.fakeserver import FakeWeChat, shop_webview
from wxdash.probes import HostMap, HostResult, ProbeStore, Problem, marks

SIZE = (100, 30)
FETCHED = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


class _Clock(datetime):
    """`datetime` as the dashboard's state module sees it: five minutes after the fetch."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        moment = FETCHED + timedelta(minutes=5)
        return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    old_tz = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    monkeypatch.setattr(fleet, "now", lambda: FETCHED)
    monkeypatch.setattr(state, "datetime", _Clock)
    monkeypatch.setattr(fakeserver, "_rid", lambda: "rid: 5f3a9c1e-7b2d4086-0a1b2c3d")
    yield
    if old_tz is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old_tz
    time.tzset()


def shops(fake: FakeWeChat) -> list[dict[str, Any]]:
    """Three merchants with their business (webview) domains; Lotus Tea has one pending."""
    return [
        shop(
            fake,
            "Lotus Tea",
            APPID_A,
            token="tok-lotus-3f2a",
            webview=shop_webview("lotustea", pending=True),
        ),
        shop(
            fake,
            "Harbor Books",
            APPID_B,
            token="tok-harbor-9c1e",
            webview=shop_webview("harborbooks"),
        ),
        shop(
            fake,
            "Night Market",
            APPID_C,
            token="tok-night-7b2d",
            webview=shop_webview("nightmarket"),
        ),
    ]


async def ready(pilot: Pilot[Any]) -> None:
    """Fetches done, and the profile list's summary line caught up with them."""
    await settle(pilot)
    await wait_until(
        pilot, lambda: not pilot.app.dashboard.summary_dirty, "the summary line is redrawn"
    )
    await pilot.pause()


SnapCompare = Callable[..., bool]


def test_main_view(fake: FakeWeChat, write_config: Writer, snap_compare: SnapCompare) -> None:
    """Lotus Tea shown and fetched (its Effective tab), the two others not fetched yet."""
    app = make_app(write_config, *shops(fake))
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_main_view_in_a_light_theme(
    fake: FakeWeChat, write_config: Writer, snap_compare: SnapCompare
) -> None:
    """The same view in textual-light, chosen by [ui] theme: appids, dimmed lists and notes
    stay readable."""
    path = write_config({**config(*shops(fake)), "ui": {"theme": "textual-light"}})
    assert snap_compare(WxDashApp(config_file=str(path)), terminal_size=SIZE, run_before=ready)


def test_filtered_view(fake: FakeWeChat, write_config: Writer, snap_compare: SnapCompare) -> None:
    """ws hidden (2), the text filter `api` on: counts per protocol and the match count,
    matches highlighted, the MP tab shown; beside the list, the six tabs leave their counts to
    the match count so that every title shows whole."""
    app = make_app(write_config, *shops(fake))

    async def filtered(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("2", "slash", *"api", "enter", "right_square_bracket")
        await ready(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=filtered)


def test_error_banner_over_stale_data(
    fake: FakeWeChat, write_config: Writer, snap_compare: SnapCompare
) -> None:
    """Lotus Tea fetched, then its refetch failed with errcode 45009: the banner with errmsg,
    rid and hint above the last good data, marked stale in the header and the list."""
    app = make_app(write_config, *shops(fake))

    async def failed(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        fake.set_scenario(APPID_A, "errcode:45009")
        await pilot.press("r")
        await ready(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=failed)


def test_profile_form(fake: FakeWeChat, write_config: Writer, snap_compare: SnapCompare) -> None:
    """The add form after saving with a duplicate name, a short appid and no token: each
    error under its field."""
    app = make_app(write_config, *shops(fake))

    async def form(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("a", *"Lotus Tea", "tab", *"wx12", "ctrl+s")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=form)


def test_pending_tab(fake: FakeWeChat, write_config: Writer, snap_compare: SnapCompare) -> None:
    """Lotus Tea's Pending tab: per protocol, + what takes effect at the next release (with
    the groups that configure it) and − what drops, the notes in one column, shortened to fit
    beside the list with their groups whole; the count on the tab."""
    app = make_app(write_config, *shops(fake))

    async def pending(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("left_square_bracket")
        await ready(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=pending)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_compare_tab(
    fake: FakeWeChat, write_config: Writer, snap_compare: SnapCompare, lang: str
) -> None:
    """Lotus Tea's Compare tab at 140 columns: each domain once per protocol, ✓ or · under
    each group's name, the Pending note where the next release changes it."""
    path = write_config({**config(*shops(fake)), "ui": {"lang": lang}})

    async def compared(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("left_square_bracket", "left_square_bracket")
        await ready(pilot)

    app = WxDashApp(config_file=str(path))
    assert snap_compare(app, terminal_size=(140, 30), run_before=compared)


def test_find_screen_with_hits(
    fake: FakeWeChat, write_config: Writer, snap_compare: SnapCompare
) -> None:
    """Every profile fetched, then `F` and `api`: the hits of all three profiles in columns
    (domain, profile, group and protocol), the count in the border."""
    app = make_app(write_config, *shops(fake))

    async def found(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("R")
        await ready(pilot)
        pilot.app.clear_notifications()  # "Fetched 3 ... in 0 s": the seconds would vary
        await pilot.press("F", *"api")
        await ready(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=found)


# -- in Chinese ------------------------------------------------------------------------------


def chinese_app(fake: FakeWeChat, write_config: Writer) -> WxDashApp:
    """Three merchants with Chinese names; the language comes from [ui] lang in the file."""
    shops = [
        shop(
            fake,
            "莲花茶馆",
            APPID_A,
            token="tok-lotus-3f2a",
            domains=fakeserver.shop_domains("lotustea", pending=True),
        ),
        shop(
            fake,
            "海港书店",
            APPID_B,
            token="tok-harbor-9c1e",
            domains=fakeserver.shop_domains("harborbooks"),
        ),
        shop(
            fake,
            "夜市",
            APPID_C,
            token="tok-night-7b2d",
            domains=fakeserver.shop_domains("nightmarket"),
        ),
    ]
    path = write_config({**config(*shops), "ui": {"lang": "zh"}})
    return WxDashApp(config_file=str(path))


def test_main_view_in_chinese(
    fake: FakeWeChat, write_config: Writer, snap_compare: SnapCompare
) -> None:
    """The console's names: 已生效 and the other groups as tabs, request合法域名 and the other
    lists in the tree; the footer, the list's title and summary in Chinese."""
    assert snap_compare(chinese_app(fake, write_config), terminal_size=SIZE, run_before=ready)


def test_error_banner_in_chinese(
    fake: FakeWeChat, write_config: Writer, snap_compare: SnapCompare
) -> None:
    """莲花茶馆 fetched, then its token expired (42001): the banner's title, hint and retry
    line in Chinese above the last good data, marked stale; WeChat's own errmsg as it came."""
    app = chinese_app(fake, write_config)

    async def failed(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        fake.set_scenario(APPID_A, "errcode:42001")
        await pilot.press("r")
        await ready(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=failed)


def test_help_screen_in_chinese(
    fake: FakeWeChat, write_config: Writer, snap_compare: SnapCompare
) -> None:
    """Every key and the four groups, with the group names in a column wide enough for them."""
    app = chinese_app(fake, write_config)

    async def helped(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=helped)


# -- a fleet fetch under way -------------------------------------------------------------------


def fleet_under_way(fake: FakeWeChat, lang: str) -> Callable[[Pilot[Any]], Any]:
    """Harbor Books fails with 42001 and Night Market's answer waits for the gate: the progress
    line stays at 2 of 3, one ok and one error, with its bar and `esc cancel`."""
    fake.set_scenario(APPID_B, "errcode:42001")
    fake.set_scenario(APPID_C, "slow:1")

    async def fetching(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        pilot.app.clear_notifications()
        await pilot.press("R")
        await wait_until(
            pilot,
            lambda: "2/3" in str(pilot.app.query_one("#fleet-progress-counts").render()),
            "two of three landed",
        )
        await wait_until(
            pilot, lambda: not pilot.app.dashboard.summary_dirty, "the summary line is redrawn"
        )
        # Lotus Tea's header grew a line when its fetch landed (the time is longer than the
        # spinner): on a loaded machine the layout catches up a frame later than the text.
        header = pilot.app.query_one("#header")
        await wait_until(pilot, lambda: header.size.height == 2, "the header's layout caught up")
        await pilot.pause()

    return fetching


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_fleet_progress(
    fake: FakeWeChat,
    write_config: Writer,
    snap_compare: SnapCompare,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
) -> None:
    """`R` under way: the rows fetching, the failed one with its errcode, the summary counting
    errors by code, and the progress line over the footer."""
    gate = hold_slow_answers(monkeypatch)
    path = write_config({**config(*shops(fake)), "ui": {"lang": lang}})
    try:
        app = WxDashApp(config_file=str(path))
        fetching = fleet_under_way(fake, lang)
        assert snap_compare(app, terminal_size=SIZE, run_before=fetching)
    finally:
        gate.set()


# -- the Health screen ----------------------------------------------------------------------


def kept_probes() -> list[HostResult]:
    """A probe of the three merchants' hosts, five minutes before the clock: each status."""

    def result(host: str, *problems: Problem, days: int = 200, version: str = "TLSv1.3") -> Any:
        not_after = FETCHED + timedelta(days=days, hours=1)
        return HostResult(
            host, 443, FETCHED, problems, version, not_after, days, "Demo CA", ("127.0.0.1",)
        )

    expired = Problem("cert_expired", "cert_expired", {"days": 5, "date": "2025-03-09"})
    soon = Problem("cert_expiring", "cert_expiring", {"days": 10, "date": "2025-03-24"})
    misnamed = Problem(
        "cert_hostname", "cert_hostname", {"names": "shop.example.net", "host": "img"}
    )
    refused = Problem(
        "connect", "connect", {"address": "127.0.0.1", "port": 443, "reason": "refused"}
    )
    return [
        result("api.lotustea.com"),
        result("pay.lotustea.com", expired, days=-6),
        result("analytics.example-platform.com", soon, days=10),
        result("img.harborbooks.com", misnamed),
        result("push.nightmarket.com", Problem("tls12", "tls12_closed"), days=90),
        result("www.harborbooks.com"),
        HostResult("cdn.nightmarket.com", 443, FETCHED, (refused,)),
        HostResult("old.example.com", 443, FETCHED, (Problem("dns", "dns_empty", {"host": "x"}),)),
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_health_screen(
    fake: FakeWeChat,
    write_config: Writer,
    snap_compare: SnapCompare,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
) -> None:
    """`H` after every profile was fetched, over probes kept from before: the hosts worst
    first, each with its problem, its certificate's last day and how many profiles list it."""
    monkeypatch.setattr(marks, "utc_now", lambda: FETCHED + timedelta(minutes=5))
    ProbeStore().save(kept_probes())
    path = write_config({**config(*shops(fake)), "ui": {"lang": lang}})
    app = WxDashApp(config_file=str(path), hosts=HostMap(closed=True))

    async def health(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("R")
        await ready(pilot)
        pilot.app.clear_notifications()
        await pilot.press("H")
        await wait_until(pilot, lambda: "old.example.com" in screen_text(pilot.app), "listed")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=health)
