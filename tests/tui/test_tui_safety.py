"""Server data and config text are shown as text: Rich markup stays literal, ESC and other
control characters are shown escaped, and the token never reaches the screen."""

from __future__ import annotations

import pytest
from conftest import MARKER, assert_no_marker, screen_text
from tuikit import (
    APPID_A,
    APPID_B,
    Writer,
    banner,
    main_lines,
    make_app,
    notices,
    running,
    settle,
    shop,
    tree_text,
    wait_for_text,
    widget_text,
)

from wxdash import fakeserver
from wxdash.fakeserver import FakeWeChat, hostile_domains
from wxdash.screens.profile_form import ProfileFormScreen

HOSTILE_NAME = "Shop [b]B[/b]\x1b[2J"
HOSTILE_NAME_SHOWN = "Shop [b]B[/b]\\x1b[2J"


def assert_no_raw_control(app) -> None:  # type: ignore[no-untyped-def]
    text = screen_text(app)
    assert "\x1b" not in text, [line for line in text.splitlines() if "\x1b" in line]
    assert "\x07" not in text
    assert "\u202e" not in text
    assert "\x1b" not in app.export_screenshot()


async def test_hostile_domains_show_literally_in_the_tree(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, domains=hostile_domains()))
    async with running(app) as pilot:
        # Lint cannot find a host in the first one: its brackets read as a path.
        flag = "  ⚠ a path or query: only the host counts"
        assert tree_text(app).splitlines()[:4] == [
            " ▼ request (3)",
            " ├─ https://[bold red]markup[/].example.com" + flag,
            " ├─ https://esc\\x1b[2J\\x1b]0;pwned\\x07.example.com",
            " └─ https://bidi\\u202eevil.example.com",
        ]
        assert_no_raw_control(app)
        # Filtering on the markup finds it as text.
        await pilot.press("slash", *"[bold")
        assert "1 match" in widget_text(app, "#filters")
        assert " ├─ https://[bold red]markup[/].example.com" not in tree_text(app)
        assert " └─ https://[bold red]markup[/].example.com" + flag in tree_text(app)
        assert_no_raw_control(app)


async def test_a_hostile_errmsg_shows_literally_in_the_banner(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fakeserver, "_rid", lambda: "rid: [red]x[/red]\x1b]0;pwned\x07")
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, scenario="errcode:99999"))
    async with running(app):
        shown = banner(app)
        assert "WeChat error 99999: error rid: [red]x[/red]\\x1b]0;pwned\\x07" in shown
        # The hint quotes the errmsg too.
        quoted = "(error rid: [red]x[/red]\\x1b]0;pwned\\x07)"
        assert f"Hint: WeChat returned errcode 99999 {quoted}" in shown
        assert_no_raw_control(app)


async def test_a_hostile_profile_name_shows_literally_everywhere(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A), shop(fake, HOSTILE_NAME, APPID_B))
    async with running(app) as pilot:
        assert f" · {HOSTILE_NAME_SHOWN}" in screen_text(app)  # the list
        assert_no_raw_control(app)

        await pilot.press("p")  # the picker
        assert f"· {HOSTILE_NAME_SHOWN}  {APPID_B}" in widget_text(app, "#picker-options")
        assert_no_raw_control(app)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert main_lines(app)[0].startswith(f" {HOSTILE_NAME_SHOWN}  {APPID_B}")  # the header
        assert_no_raw_control(app)

        await pilot.press("ctrl+p", *"Shop")  # the command palette
        await wait_for_text(pilot, f"Switch to profile: {HOSTILE_NAME_SHOWN}")
        assert_no_raw_control(app)
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("e")  # the form
        assert isinstance(app.screen, ProfileFormScreen)
        assert HOSTILE_NAME_SHOWN in screen_text(app)
        assert_no_raw_control(app)
        await pilot.press("escape")

        await pilot.press("d")  # the confirmation, then the notification
        assert f"Delete the profile {HOSTILE_NAME_SHOWN} ({APPID_B})?" in " ".join(
            screen_text(app).replace("│", " ").split()
        )
        assert_no_raw_control(app)
        await pilot.press("y")
        await settle(pilot)
        assert notices(app)[-1] == f"Deleted profile {HOSTILE_NAME_SHOWN}"
        await wait_for_text(pilot, "Deleted profile Shop [b]B[/b]")
        assert_no_raw_control(app)


async def test_editing_a_hostile_name_without_changing_it_keeps_it(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(write_config, shop(fake, HOSTILE_NAME, APPID_B))
    async with running(app) as pilot:
        await pilot.press("e", "ctrl+s")
        await settle(pilot)
        assert list(app.dashboard.states) == [HOSTILE_NAME]
        assert app.config.profiles[0].name == HOSTILE_NAME


async def test_a_hostile_appid_from_the_config_shows_escaped(
    fake: FakeWeChat, write_config: Writer
) -> None:
    # A malformed appid is only a warning for the config loader, so it reaches the screen.
    appid = "wx[b]\x1b[31m1111"
    shown = "wx[b]\\x1b[31m1111"
    token = fake.add_app(APPID_A).token
    app = make_app(
        write_config,
        {"name": "Shop A", "appid": appid, "access_token": token, "api_base": fake.url},
    )
    async with running(app) as pilot:
        assert main_lines(app)[0].startswith(f" Shop A  {shown}")  # the header
        assert f"   {shown}" in screen_text(app)  # the list
        assert_no_raw_control(app)
        await pilot.press("p")
        assert shown in widget_text(app, "#picker-options")
        assert_no_raw_control(app)
        await pilot.press("escape", "e")
        assert shown in screen_text(app)
        assert_no_raw_control(app)
        await pilot.press("escape", "d")
        assert shown in screen_text(app)
        assert_no_raw_control(app)
        await pilot.press("escape", "ctrl+p", *"Shop")
        await wait_for_text(pilot, f"{shown} · ok")
        assert_no_raw_control(app)


async def test_a_hostile_protocol_key_shows_literally_in_the_tree_and_the_notification(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "WSL_DISTRO_NAME", "WSL_INTEROP"):
        monkeypatch.delenv(name, raising=False)
    domains = hostile_domains()
    domains["effective_domain"] = {"x[b]\x1bdomain": ["https://extra.example.com"]}
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, domains=domains))
    async with running(app) as pilot:
        tree = tree_text(app)
        assert "x[b]\\x1bdomain: unknown list, kept as extra" in tree
        assert " ▼ x[b]\\x1bdomain (1)  unknown to wxdash" in tree
        assert_no_raw_control(app)
        app.dashboard.tree().focus()
        # The warning node, its one line, then request .. tcp and webview, then the unknown list.
        await pilot.press(*["down"] * 9, "c")
        await settle(pilot)
        assert app.clipboard == "https://extra.example.com"
        assert notices(app)[-1] == (
            "Sent 1 domain (x[b]\\x1bdomain, Effective) to the terminal clipboard (OSC 52)"
        )
        await wait_for_text(pilot, "x[b]\\x1bdomain")
        assert_no_raw_control(app)


# -- the token -------------------------------------------------------------------------------


async def test_the_token_never_reaches_the_screen_or_a_screenshot(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = make_app(
        write_config,
        shop(fake, "Shop A", APPID_A, token=MARKER),
        shop(fake, "Shop B", APPID_B),
    )
    async with running(app, size=(100, 30)) as pilot:
        assert "token ••••4086" in screen_text(app)
        assert_no_marker(screen_text(app), app.export_screenshot())
        for keys in (["e"], ["p"], ["question_mark"], ["ctrl+p", *"Shop"]):
            await pilot.press(*keys)
            await pilot.pause()
            assert_no_marker(screen_text(app), app.export_screenshot())
            await pilot.press("escape")
            await pilot.pause()


@pytest.mark.parametrize("scenario", ["redirect", "errcode:40001"])
async def test_the_token_is_not_in_error_banners(
    fake: FakeWeChat, write_config: Writer, scenario: str
) -> None:
    # A redirect's Location carries the token in its query, as a hostile proxy would send it.
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, token=MARKER, scenario=scenario))
    async with running(app, size=(100, 30)):
        assert "✗ Shop A" in screen_text(app)  # the banner is up
        assert "Hint: " in screen_text(app)
        assert_no_marker(screen_text(app), app.export_screenshot())


async def test_a_token_from_the_environment_is_named_not_shown(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WX_SHOP_A", MARKER)
    app = make_app(write_config, shop(fake, "Shop A", APPID_A, token=MARKER, token_env="WX_SHOP_A"))
    async with running(app) as pilot:
        assert "env WX_SHOP_A" in main_lines(app)[0]
        assert "https://api.shopa.com" in tree_text(app)
        await pilot.press("e")
        assert_no_marker(screen_text(app), app.export_screenshot())
