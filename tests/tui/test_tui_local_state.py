"""Local files gone wrong, in the dashboard: corrupt cache and quota files, a FIFO at the config
path (at start and planted while it runs), another user's cache folder, and a config with a
literal token that other users can read. Each is a notice; none stops or hangs the app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import MARKER, screen_text
from tuikit import (
    Writer,
    make_app,
    notices,
    running,
    shop_a,
    wait_for_text,
    wait_until,
    widget_text,
)

from wxdash.app import WxDashApp
from wxdash.cache import ResultCache, cache_folder
from wxdash.fakeserver import FakeWeChat

NESTED = b"[" * 200_000 + b"]" * 200_000


def noticed(app: WxDashApp, text: str) -> bool:
    return any(text in notice for notice in notices(app))


async def test_item05_corrupt_cache_and_quota_files_are_warnings_in_the_dashboard(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop_a(fake))
    cached = ResultCache().path(app.config.profiles[0])
    cached.parent.mkdir(parents=True)
    cached.write_bytes(NESTED)
    quota = cache_folder().parent / "quota.json"
    quota.write_bytes(NESTED)
    async with running(app) as pilot:
        await wait_until(
            pilot,
            lambda: (
                noticed(app, "The cached result of Shop A could not be read and was discarded")
                and noticed(app, "quota.json could not be read and was discarded (RecursionError)")
            ),
            "both files discarded with a warning",
        )
        await wait_for_text(pilot, " ✓ Shop A")
        assert "Traceback" not in screen_text(app)
    assert not quota.exists()


async def test_item05_a_fifo_at_the_config_path_is_a_clear_error_in_the_dashboard(
    config_path: Path,
) -> None:
    config_path.parent.mkdir(parents=True)
    os.mkfifo(config_path)
    app = WxDashApp(config_file=str(config_path))  # before the fix: waited here for a writer
    async with running(app) as pilot:
        await wait_for_text(pilot, "The config file cannot be read")
        shown = "".join(widget_text(app, "#empty").split())
        assert f"{config_path}isnotaregularfile".replace(" ", "") in shown
        assert app.is_running


async def test_item05_a_fifo_planted_at_the_config_path_while_running_is_told(
    fake: FakeWeChat, write_config: Writer, config_path: Path
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        await wait_for_text(pilot, " ✓ Shop A")
        config_path.unlink()
        os.mkfifo(config_path)
        await wait_until(
            pilot,
            lambda: noticed(app, f"{config_path} is not a regular file"),
            "the poll says the file cannot be read",
        )
        assert " ✓ Shop A" in screen_text(app)  # the profiles it had are kept


async def test_item07_a_cache_folder_of_another_user_is_a_warning_in_the_dashboard(
    fake: FakeWeChat, write_config: Writer
) -> None:
    folder = cache_folder().parent
    folder.mkdir(parents=True)
    try:
        os.chown(folder, 65534, 65534)
    except PermissionError:
        pytest.skip("cannot give a folder to another user here (not root)")
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        await wait_for_text(pilot, " ✓ Shop A")
        await wait_until(
            pilot,
            lambda: noticed(app, f"The cache folder {folder} belongs to another user"),
            "the cache folder refused",
        )
        assert noticed(app, "hint: Remove it, or set XDG_CACHE_HOME to a folder of your own.")
    assert list(folder.iterdir()) == []


async def test_item13_a_literal_token_others_can_read_is_a_warning_in_the_dashboard(
    fake: FakeWeChat, write_config: Writer, config_path: Path
) -> None:
    app = make_app(write_config, shop_a(fake, token=MARKER))
    config_path.chmod(0o644)
    async with running(app) as pilot:
        await wait_until(
            pilot, lambda: noticed(app, f"chmod 600 {config_path}"), "the chmod is suggested"
        )
        (notice,) = [n for n in notices(app) if "chmod" in n]
        assert "holds a literal access_token that other users can read (mode 644)" in notice
        assert MARKER not in screen_text(app)
