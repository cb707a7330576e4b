"""Hostile token commands through the dashboard (issue 14, item 4): one that prints without end
and one that prints its token on stderr and fails each end in their own banner, the other
profiles are fetched, and the app keeps answering keys."""

from __future__ import annotations

from pathlib import Path

from conftest import MARKER, assert_no_marker, screen_text
from tuikit import APPID_A, APPID_B, APPID_C, Writer, banner, make_app, running, settle, shop

from wxdash.fakeserver import FakeWeChat
from wxdash.state import Status


async def test_item04_token_commands_printing_forever_or_leaking_on_stderr_end_in_a_banner(
    fake: FakeWeChat, write_config: Writer, config_path: Path, tmp_path: Path
) -> None:
    app = make_app(
        write_config,
        shop(fake, "Shop A", APPID_A),
        shop(fake, "Shop B", APPID_B, token_command="yes"),
        shop(fake, "Shop C", APPID_C, token_command=f"echo {MARKER} >&2; exit 1"),
    )
    shots: list[str] = []
    async with running(app) as pilot:
        # Each profile is fetched once shown: look at each, then wait for its fetch.
        for name in ("Shop B", "Shop C", "Shop A"):
            app.dashboard.switch_to(name)
            await settle(pilot)
            shots += [screen_text(app), app.export_screenshot()]
        states = app.dashboard.states
        assert states["Shop A"].status == Status.OK
        assert states["Shop B"].status == Status.ERROR
        assert states["Shop C"].status == Status.ERROR

        app.dashboard.switch_to("Shop B")
        await settle(pilot)
        assert "token_command printed more than 64 KiB on stdout" in banner(app)
        app.dashboard.switch_to("Shop C")
        await settle(pilot)
        shown = banner(app)
        assert "token_command exited with status 1: ••••" in shown
        shots.append(shown)

        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.is_running
    assert_no_marker(*shots, folders=(tmp_path,), allowed=(config_path,))
