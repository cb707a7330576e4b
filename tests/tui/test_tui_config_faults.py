"""Config faults in the dashboard: the file is never lost or half-written, and the app says what
happened. Permission faults are injected as OSError (tests may run as root, where chmod does not
stop a read or a write)."""

from __future__ import annotations

import errno
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from conftest import profile, screen_text
from tuikit import (
    APPID_A,
    APPID_C,
    FAST_NETWORK,
    Writer,
    make_app,
    notices,
    running,
    settle,
    shop,
    wait_for_text,
    wait_until,
    widget_text,
)

from wxdash.app import WxDashApp
from wxdash.fakeserver import FakeWeChat
from wxdash.profiles import saving as profiles_module
from wxdash.screens.profile_form import ProfileFormScreen


def listing(folder: Path) -> list[str]:
    """The folder's files, but the (empty) lock file every save takes beside the config."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".toml.lock"))


def titles(app: WxDashApp) -> list[str]:
    return [str(n.title) for n in app._notifications]


async def add_shop_c(pilot: Any) -> None:
    """Fill the profile form with a token_env profile and save it."""
    await pilot.press("a", *"Shop C", "tab", *APPID_C, "tab", "tab", *"WX_C", "ctrl+s")
    await settle(pilot)


def test_refused(monkeypatch: pytest.MonkeyPatch, what: str, code: int) -> None:
    """Make a step of every save fail as the OS would refuse it."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError(code, os.strerror(code))

    if what == "mkstemp":
        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    else:
        monkeypatch.setattr(os, what, refuse)


test_refused.__test__ = False  # type: ignore[attr-defined]


async def test_a_toml_syntax_error_is_shown_and_the_file_left_alone(
    config_path: Path, write_config: Writer
) -> None:
    text = '[[profiles]]\nname = "Shop A"\nappid = wx0123\n'
    write_config(text)
    app = WxDashApp(config_file=str(config_path))
    async with running(app) as pilot:
        shown = await wait_for_text(pilot, "The config file cannot be read")
        assert "line 3, column 9: TOML syntax error" in " ".join(shown.split())
        assert (
            "wxdash has not changed the file. Fix it: wxdash reads it again as soon as it is saved."
            in " ".join(widget_text(app, "EmptyView").split())
        )
        await pilot.press("a")  # the form opens, but nothing can be saved over a broken file
        if isinstance(app.screen, ProfileFormScreen):
            await pilot.press("escape")
        assert app.is_running
    assert config_path.read_text() == text
    assert listing(config_path.parent) == ["config.toml"]


async def test_wrong_types_and_duplicate_names_are_listed_and_the_rest_is_usable(
    fake: FakeWeChat, config_path: Path, write_config: Writer
) -> None:
    good = shop(fake, "Shop A", APPID_A)
    write_config(
        {
            "network": {**FAST_NETWORK, "read_timeout": "fast"},
            "profiles": [good, {**good, "appid": 42}, profile(42, token_env="X")],
        }
    )
    app = WxDashApp(config_file=str(config_path))
    async with running(app) as pilot:
        assert "Problems in the config file" in titles(app)
        problems = notices(app)[0]
        assert "[network], read_timeout: error: expected a number above 0, got 'fast'" in problems
        assert "profile 'Shop A' (#2), appid: error: expected a non-empty string, got 42" in (
            problems
        )
        assert "profile #3, name: error: expected a non-empty string, got 42" in problems
        await wait_for_text(pilot, " ✓ Shop A")
        assert app.is_running


async def test_an_unreadable_file_says_so_and_is_never_written(
    config_path: Path, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config({"profiles": [profile("Shop A", token_env="A")]})
    before = config_path.read_bytes()
    real = os.open

    def refuse(file: Any, *args: Any, **kwargs: Any) -> int:
        if Path(file) == config_path:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    app = WxDashApp(config_file=str(config_path))
    async with running(app) as pilot:
        await wait_for_text(pilot, "cannot be read")
        # A long path wraps where it must: the reason after it is still on screen.
        shown = "".join(widget_text(app, "#empty").split())
        assert f"Cannotread{config_path}:Permissiondenied" in shown
        assert "Checkthefile'spermissions" in shown
    monkeypatch.undo()
    assert config_path.read_bytes() == before


@pytest.mark.parametrize(
    ("step", "code"),
    [("mkstemp", errno.EROFS), ("replace", errno.EACCES), ("fsync", errno.ENOSPC)],
    ids=["read-only-folder", "permission-denied", "disk-full"],
)
async def test_a_save_the_os_refuses_says_why_and_keeps_the_file(
    fake: FakeWeChat,
    write_config: Writer,
    config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
    code: int,
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    before = config_path.read_bytes()
    async with running(app) as pilot:
        test_refused(monkeypatch, step, code)
        await add_shop_c(pilot)
        # The form stays open with the reason: nothing typed is lost.
        assert isinstance(app.screen, ProfileFormScreen)
        error = "".join(widget_text(app, "#form-error").split())  # a long path wraps
        assert f"Couldnotsave{config_path}:{os.strerror(code)}".replace(" ", "") in error
        assert "Nothingwaschanged" in error
        await pilot.press("escape")
        await settle(pilot)
        # Deleting fails the same way, and says so.
        await pilot.press("d", "y")
        await settle(pilot)
        assert "Not deleted" in titles(app)
        assert f"Could not save {config_path}: {os.strerror(code)}" in notices(app)[-1]
        assert list(app.dashboard.states) == ["Shop A"]
        monkeypatch.undo()
    assert config_path.read_bytes() == before
    assert listing(config_path.parent) == ["config.toml", "config.toml.bak"] or listing(
        config_path.parent
    ) == ["config.toml"]
    assert not [n for n in listing(config_path.parent) if n.endswith(".tmp")]


async def test_a_change_made_by_another_editor_is_kept_when_the_app_saves(
    fake: FakeWeChat, write_config: Writer, config_path: Path
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        # Another editor adds Shop B, and the app adds Shop C before it notices.
        doc = tomllib.loads(config_path.read_text())
        doc["profiles"].append(profile("Shop B", "wx00000000000000bb", token_env="WX_B"))
        config_path.write_text(tomli_w.dumps(doc))
        await add_shop_c(pilot)
        await wait_until(
            pilot, lambda: "Config file changed" in titles(app), "the app says the file changed"
        )
        # Saved on top of the other editor's version, or reloaded first if it noticed in time.
        assert any(
            "your change was applied on top of that version" in n or "reloaded (1 added" in n
            for n in notices(app)
        )
        assert list(app.dashboard.states) == ["Shop A", "Shop B", "Shop C"]
        assert " · Shop B" in screen_text(app)
    names = [p["name"] for p in tomllib.loads(config_path.read_text())["profiles"]]
    assert names == ["Shop A", "Shop B", "Shop C"]
    backup = tomllib.loads(config_path.with_name("config.toml.bak").read_text())
    assert [p["name"] for p in backup["profiles"]] == ["Shop A", "Shop B"]


def test_the_save_module_is_what_the_faults_patch() -> None:
    # The faults above patch os and tempfile: make sure the store still saves through them.
    assert profiles_module.os is os
    assert profiles_module.tempfile is tempfile
