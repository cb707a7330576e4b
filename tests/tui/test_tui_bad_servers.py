"""The bad-server matrix through the dashboard: `R` over a bad mini program between two good ones
(see tests/badservers.py), then every profile and every tab looked at, screenshots included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from badservers import BAD, BANNER_KIND, CASES, GOOD, Case, first_domain, serve_matrix
from conftest import assert_no_marker, screen_text
from tuikit import Writer, banner, hold_slow_answers, next_tab, running, settle, tree_text

from wxdash.app import WxDashApp
from wxdash.fakeserver import FakeWeChat
from wxdash.state import Status


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_a_bad_server_shows_one_clear_error_and_touches_no_other_profile(
    fake: FakeWeChat,
    write_config: Writer,
    config_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: Case,
) -> None:
    gate = hold_slow_answers(monkeypatch)  # `slow:` answers wait: the read timeout comes first
    write_config(serve_matrix(fake, case))
    app = WxDashApp(config_file=str(config_path))
    shots: list[str] = []
    try:
        async with running(app, size=(120, 40)) as pilot:
            await pilot.press("R")
            await settle(pilot)
            for name in GOOD:
                assert app.dashboard.states[name].status == Status.OK, name
            assert app.dashboard.states[BAD].status == (Status.ERROR if case.error else Status.OK)

            for name in (GOOD[0], BAD, GOOD[1]):
                app.dashboard.switch_to(name)
                await settle(pilot)
                shots.append(screen_text(app))
                shots.append(app.export_screenshot())
                if name != BAD:
                    assert banner(app) == ""
                    assert first_domain(name) in tree_text(app)
                    continue
                if case.error:
                    shown = banner(app)
                    assert shown.startswith(f"✗ {BANNER_KIND[case.kind or '']}"), shown
                    assert " ".join(case.message.split()) in shown  # the banner wraps lines
                    error = app.dashboard.states[BAD].error
                    assert error is not None
                    if error.errcode == 45009:  # the banner says when the quota resets
                        assert re.search(r"Hint: .* resets at \d\d:\d\d \(midnight", shown)
                    else:
                        assert case.hint in shown.partition("Hint: ")[2], shown
                    # r is offered only where fetching again can help.
                    assert shown.endswith("Press r to retry.") == error.retryable, shown
                else:
                    trees = [tree_text(app)]
                    for _ in range(5):  # MP, Third-party, Direct, Compare, Pending
                        trees.append(await next_tab(pilot))
                    await next_tab(pilot)  # back to Effective
                    everything = "\n".join(trees)
                    for needle in case.shows:
                        assert needle in everything, needle
                    shots.extend(trees)
                for raw in case.hidden:
                    assert raw not in screen_text(app)
            # Still answering keys.
            await pilot.press("right_square_bracket")
            await pilot.pause()
            assert app.is_running
            assert "Traceback" not in screen_text(app)
    finally:
        gate.set()
    assert_no_marker(*shots, folders=(tmp_path,), allowed=(config_path,))
