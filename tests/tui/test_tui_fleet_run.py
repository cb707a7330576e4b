"""Running a fleet fetch from the dashboard: its progress at every width, the summary when it
ends, cancelling it (or one slow fetch) with escape, and `R` on what the list shows."""

from __future__ import annotations

import itertools
import re
import threading
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import profile, screen_text
from tuikit import (
    Writer,
    hold_slow_answers,
    make_app,
    notices,
    running,
    settle,
    wait_for_text,
    wait_until,
    widget_text,
)

from wxdash import fakeserver
from wxdash.fakeserver import FakeWeChat

DOMAIN_CALLS = "/wxa/get_effective_domain"


def merchants(fake: FakeWeChat, count: int, **scenarios: str) -> list[dict[str, Any]]:
    """`count` profiles, `Merchant 0000` on, each its own mini program; `scenarios` by name."""
    tables = []
    for i in range(count):
        name = f"Merchant {i:04d}"
        app = fake.add_app(f"wx{i + 1:016d}", domains={}, scenario=scenarios.get(name, "ok"))
        tables.append(profile(name, app.appid, access_token=app.token, api_base=fake.url))
    return tables


def progress(app: Any) -> str:
    return " ".join(widget_text(app, "#fleet-progress").split())


def header(app: Any) -> str:
    return " ".join(widget_text(app, "#header").split())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_a_fleet_fetch_shows_its_progress_and_sums_up_when_it_ends(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    gate = hold_slow_answers(monkeypatch)
    tables = merchants(
        fake,
        12,
        **{
            "Merchant 0004": "errcode:42001",
            "Merchant 0009": "errcode:45009",
            "Merchant 0011": "slow:1",
        },
    )
    app = make_app(write_config, *tables)
    try:
        async with running(app, size) as pilot:
            assert "esc cancel" not in screen_text(app)
            await pilot.press("R")
            # Eleven landed, one waits for the gate: the line says so, whatever the width.
            # (The counts are redrawn before their width is laid out again: on a loaded machine
            # a frame can still show the old width, so wait for the whole line, not its start.)
            await wait_until(
                pilot, lambda: progress(app).startswith("↻ 11/12 ✓ 9 ✗ 2 "), "11 of 12 landed"
            )
            assert progress(app).endswith("92% esc cancel")
            assert "esc cancel" in screen_text(app)
            gate.set()
            await settle(pilot)
            await wait_until(pilot, lambda: not progress(app), "the progress line goes")
            assert "esc cancel" not in screen_text(app)
            (summary,) = [n for n in notices(app) if n.startswith("Fetched")]
            assert re.fullmatch(r"Fetched 12: 10 ok, 2 errors in \d+ s", summary)
            await wait_for_text(pilot, "Fetched 12: 10 ok, 2 errors in")
    finally:
        gate.set()


async def test_escape_cancels_a_fleet_fetch_and_keeps_what_landed(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = hold_slow_answers(monkeypatch)
    slow = {f"Merchant {i:04d}": "slow:1" for i in range(3, 10)}
    app = make_app(write_config, *merchants(fake, 10, **slow), concurrency=2)
    try:
        async with running(app) as pilot:
            await pilot.press("R")
            # Two at a time: 0000 to 0002 land, 0003 and 0004 wait on the network.
            await wait_until(pilot, lambda: "3/10" in progress(app), "three landed")
            await wait_until(pilot, lambda: fake.requests[DOMAIN_CALLS] == 6, "two waiting")
            await pilot.press("escape")
            await wait_for_text(pilot, "Cancelled after 3 of 10")
            assert notices(app)[-1] == (
                "Cancelled after 3 of 10: 3 ok, 0 errors; the other 7 keep what they had."
            )
            gate.set()  # the two in flight may answer now: nobody is listening
            await settle(pilot)
            assert not progress(app)
            assert fake.requests[DOMAIN_CALLS] == 6  # nothing new started
            await wait_for_text(pilot, "✓ 3 ok", "· 7 not fetched")
            assert app.is_running
    finally:
        gate.set()


async def test_escape_clears_the_text_filter_before_it_cancels(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = hold_slow_answers(monkeypatch)
    app = make_app(write_config, *merchants(fake, 3, **{"Merchant 0002": "slow:1"}))
    try:
        async with running(app) as pilot:
            await pilot.press("R")
            await wait_until(pilot, lambda: "2/3" in progress(app), "two landed")
            await pilot.press("slash", *"cdn", "enter")
            await pilot.press("escape")  # clears the filter
            await pilot.pause()
            assert progress(app).startswith("↻ 2/3")
            await pilot.press("escape")  # then cancels
            await wait_for_text(pilot, "Cancelled after 2 of 3")
    finally:
        gate.set()


async def test_escape_stops_the_shown_profiles_own_slow_fetch(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = hold_slow_answers(monkeypatch)
    app = make_app(write_config, *merchants(fake, 2, **{"Merchant 0000": "slow:1"}))
    try:
        async with running(app, wait=False) as pilot:
            await wait_for_text(pilot, "↻ Merchant 0000")
            await wait_until(pilot, lambda: "attempt 1 · " in header(app), "the wait shows")
            await pilot.press("escape")
            await wait_for_text(pilot, "Stopped fetching Merchant 0000.")
            await wait_for_text(pilot, "· Merchant 0000")
            assert "fetching" not in header(app)
            assert app.is_running
    finally:
        gate.set()


async def test_a_slow_fetch_shows_its_attempt_and_the_seconds_it_has_waited(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first slow answer is held, then never sent (the server hangs up: a network error,
    # retried); the second is held until the test lets it go.
    first, second = threading.Event(), threading.Event()
    answers = itertools.count()

    def hold(_seconds: float) -> None:
        if next(answers) == 0:
            first.wait()
            raise ConnectionResetError("the test hung up on the first attempt")
        second.wait()

    monkeypatch.setattr(fakeserver, "time", SimpleNamespace(sleep=hold))
    tables = merchants(fake, 2, **{"Merchant 0000": "slow:1"})
    app = make_app(write_config, *tables, retries=3, retry_time=300, read_timeout=300)
    try:
        async with running(app, wait=False) as pilot:
            waited = re.compile(r"fetching… attempt 1 · [1-9]\d* s")
            await wait_until(pilot, lambda: waited.search(header(app)), "a second waited")
            first.set()
            await wait_until(pilot, lambda: "attempt 2 · " in header(app), "the second attempt")
            assert fake.requests[DOMAIN_CALLS] == 2
            second.set()
            await wait_until(pilot, lambda: "fetched" in header(app), "the fetch lands")
            assert "attempt" not in header(app)
            assert "Merchant 0000" in header(app)
    finally:
        first.set()
        second.set()


async def test_shift_r_fetches_only_the_profiles_the_list_shows(
    fake: FakeWeChat, write_config: Writer
) -> None:
    failing = {"Merchant 0001": "errcode:42001", "Merchant 0004": "errcode:42001"}
    app = make_app(write_config, *merchants(fake, 6, **failing))
    async with running(app) as pilot:
        await pilot.press("R")
        await settle(pilot)
        await wait_for_text(pilot, "✓ 4 ok", "✗ 2 error")
        before = fake.requests[DOMAIN_CALLS]
        for appid in ("wx0000000000000002", "wx0000000000000005"):
            fake.set_scenario(appid, "ok")
        await pilot.press("s")  # errors only
        await pilot.pause()
        await pilot.press("R")
        await settle(pilot)
        assert fake.requests[DOMAIN_CALLS] == before + 2
        await wait_for_text(pilot, "✓ 6 ok")
        assert [n for n in notices(app) if n.startswith("Fetched 2:")]


async def test_the_palette_refetches_the_failed_profiles(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, *merchants(fake, 5, **{"Merchant 0003": "errcode:42001"}))
    async with running(app) as pilot:
        await pilot.press("R")
        await settle(pilot)
        await wait_for_text(pilot, "✗ 42001 ×1")
        before = fake.requests[DOMAIN_CALLS]
        await pilot.press("ctrl+p", *"Refetch failed", "enter")
        await settle(pilot)
        assert fake.requests[DOMAIN_CALLS] == before + 1
        assert fake.app("wx0000000000000004").domain_calls == 2  # R, then this
        await wait_for_text(pilot, "Fetched 1: 0 ok, 1 errors in")
