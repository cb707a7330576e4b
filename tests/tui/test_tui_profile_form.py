"""Managing profiles in the app: `a` add, `e` edit, `d` delete, through the form and the store."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

from conftest import MARKER, assert_no_marker, screen_text
from tuikit import (
    APPID_A,
    APPID_B,
    APPID_C,
    Writer,
    main_lines,
    make_app,
    notices,
    paste,
    running,
    settle,
    shop,
    tree_text,
    wait_for_text,
    widget_text,
)

from wxdash.fakeserver import FakeWeChat
from wxdash.screens.confirm import ConfirmScreen
from wxdash.screens.profile_form import ProfileFormScreen


def saved_profiles(path: Path) -> list[dict[str, str]]:
    return tomllib.loads(path.read_text(encoding="utf-8"))["profiles"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def error_next_to(app, field: str) -> str:  # type: ignore[no-untyped-def]
    """The error shown under a form field, checked to be on the line right below it."""
    form = app.screen
    field_widget = form.query_one(f"#{field}")
    error_id = {"value": "token"}.get(field, field)
    error = form.query_one(f"#{error_id}-error")
    if not error.display or error.region.height == 0:
        return ""
    assert error.region.y == field_widget.region.bottom, f"{field}: error not under it"
    return " ".join(widget_text(app, f"#{error_id}-error").split())


async def test_a_adds_a_profile_with_a_masked_token_and_saves_it_0600(
    fake: FakeWeChat, write_config: Writer, config_path: Path
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    fake.add_app(APPID_C, token=MARKER)
    async with running(app) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, ProfileFormScreen)
        assert "Add a profile" in screen_text(app)
        await pilot.press(*"Shop C", "tab")
        await paste(pilot, APPID_C)
        # The token source: access_token is the fourth choice.
        await pilot.press("tab", "enter", "down", "down", "down", "enter")
        assert "access_token — token typed here (saved in the file)" in screen_text(app)
        await pilot.press("tab")
        await paste(pilot, MARKER)
        value_line = widget_text(app, "#value")
        assert value_line.strip() == "•" * len(MARKER)
        assert_no_marker(screen_text(app), app.export_screenshot())
        await pilot.press("tab")
        await paste(pilot, fake.url)
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert not isinstance(app.screen, ProfileFormScreen)
        assert "Added profile Shop C" in notices(app)
        # Shown and fetched at once.
        await wait_for_text(pilot, " ✓ Shop C", "   " + APPID_C)
        assert main_lines(app)[0].startswith(" Shop C  " + APPID_C + "  token ••••4086")
        assert "https://melody1.qq.com" in tree_text(app)
        assert fake.app(APPID_C).domain_calls == 1
        assert_no_marker(screen_text(app), app.export_screenshot())

    assert mode(config_path) == 0o600
    assert saved_profiles(config_path)[1] == {
        "name": "Shop C",
        "appid": APPID_C,
        "access_token": MARKER,
        "api_base": fake.url,
    }


async def test_the_form_checks_fields_as_the_config_loader_does(
    fake: FakeWeChat, write_config: Writer, config_path: Path
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    before = config_path.read_bytes()
    async with running(app) as pilot:
        await pilot.press("a", "ctrl+s")
        assert isinstance(app.screen, ProfileFormScreen)
        assert error_next_to(app, "name") == "name is required"
        assert error_next_to(app, "appid") == "appid is required"
        assert error_next_to(app, "value") == "expected a non-empty string"
        assert error_next_to(app, "api_base") == ""
        assert app.focused is app.screen.query_one("#name")

        await pilot.press(*"Shop A", "tab", *"wx12", "tab", "tab", *"WX_C", "tab")
        await paste(pilot, "http://example.com")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ProfileFormScreen)
        assert error_next_to(app, "name") == (
            "duplicate name 'Shop A': profile names must be unique"
        )
        assert error_next_to(app, "appid") == (
            "an appid is wx followed by 16 hex characters, got 'wx12'"
        )
        assert error_next_to(app, "value") == ""
        assert error_next_to(app, "api_base") == (
            "plain http:// is only allowed to this machine; use https://"
        )

        await pilot.press("escape")
        assert not isinstance(app.screen, ProfileFormScreen)
        assert list(app.dashboard.states) == ["Shop A"]
    assert config_path.read_bytes() == before


async def test_e_edits_the_shown_profile_and_keeps_its_token(
    fake: FakeWeChat, write_config: Writer, config_path: Path
) -> None:
    app = make_app(
        write_config,
        shop(fake, "Shop A", APPID_A, token=MARKER),
        shop(fake, "Shop B", APPID_B),
    )
    async with running(app) as pilot:
        await pilot.press("e")
        text = screen_text(app)
        assert "Edit profile" in text
        assert "Shop A" in widget_text(app, "#name")
        assert widget_text(app, "#value").strip() == "•" * len(MARKER)
        assert_no_marker(text, app.export_screenshot())

        await pilot.press("end", "backspace", "Z", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ProfileFormScreen)
        assert "Saved profile Shop Z" in notices(app)
        text = screen_text(app)
        assert " ✓ Shop Z" in text
        assert "Shop A" not in text
        assert main_lines(app)[0].startswith(" Shop Z  " + APPID_A)
        assert "https://api.shopa.com" in tree_text(app)

    assert mode(config_path) == 0o600
    profiles = saved_profiles(config_path)
    assert [p["name"] for p in profiles] == ["Shop Z", "Shop B"]
    assert profiles[0]["access_token"] == MARKER


async def test_d_asks_first_and_n_keeps_the_profile(
    fake: FakeWeChat, write_config: Writer, config_path: Path
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A), shop(fake, "Shop B", APPID_B))
    before = config_path.read_bytes()
    async with running(app) as pilot:
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        text = " ".join(screen_text(app).replace("│", " ").split())
        assert "Delete profile" in text
        assert f"Delete the profile Shop A ({APPID_A})? Its mini program is not affected." in text
        assert "Cancel (n)" in text
        assert "Delete (y)" in text
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmScreen)
        assert " ✓ Shop A" in screen_text(app)
        # escape cancels too, and enter on the focused button is Cancel.
        await pilot.press("d", "escape", "d", "enter")
        assert not isinstance(app.screen, ConfirmScreen)
        assert list(app.dashboard.states) == ["Shop A", "Shop B"]
    assert config_path.read_bytes() == before


async def test_d_then_y_deletes_the_profile_from_the_list_and_the_file(
    fake: FakeWeChat, write_config: Writer, config_path: Path
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A), shop(fake, "Shop B", APPID_B))
    async with running(app) as pilot:
        await pilot.press("d", "y")
        await settle(pilot)
        assert "Deleted profile Shop A" in notices(app)
        text = screen_text(app)
        assert " ✓ Shop B" in text
        assert "1 profile" in text
        assert main_lines(app)[0].startswith(" Shop B  " + APPID_B)
        assert [p["name"] for p in saved_profiles(config_path)] == ["Shop B"]
        assert mode(config_path) == 0o600

        await pilot.press("d", "y")
        await settle(pilot)
        text = screen_text(app)
        assert "No profiles yet" in text
        assert "Press a to add one." in text
    assert tomllib.loads(config_path.read_text(encoding="utf-8")).get("profiles", []) == []


async def test_an_appid_warning_is_shown_before_the_profile_is_saved(
    fake: FakeWeChat, write_config: Writer, config_path: Path
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await pilot.press("a")
        await pilot.press(*"Shop W", "tab", *"wx12", "tab", "tab", *"WX_W", "ctrl+s")
        # A warning does not refuse the profile, but the first save only shows it.
        assert isinstance(app.screen, ProfileFormScreen)
        assert error_next_to(app, "appid") == (
            "an appid is wx followed by 16 hex characters, got 'wx12'"
        )
        assert "Save again to keep it as it is." in screen_text(app)
        assert [p["name"] for p in saved_profiles(config_path)] == ["Shop A"]

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ProfileFormScreen)
    saved = saved_profiles(config_path)
    assert [(p["name"], p["appid"]) for p in saved] == [("Shop A", APPID_A), ("Shop W", "wx12")]


# -- [defaults] --------------------------------------------------------------------------------


def with_defaults(fake: FakeWeChat, write_config: Writer, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    """Shop A gives its own token; Shop B inherits the token source and api_base from
    [defaults] (the token in WX_SHARED, which is Shop B's)."""
    app_a = fake.add_app(APPID_A)
    app_b = fake.add_app(APPID_B)
    monkeypatch.setenv("WX_SHARED", app_b.token)
    return write_config(
        {
            "network": {"retries": 1},
            "defaults": {"token_env": "WX_SHARED", "api_base": fake.url},
            "profiles": [
                {"name": "Shop A", "appid": APPID_A, "access_token": app_a.token},
                {"name": "Shop B", "appid": APPID_B},
            ],
        }
    )


async def test_the_form_shows_inherited_values_and_a_rename_keeps_inheriting(
    fake: FakeWeChat, write_config: Writer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from wxdash.app import WxDashApp

    path = with_defaults(fake, write_config, monkeypatch)
    app = WxDashApp(config_file=str(path))
    async with running(app) as pilot:
        app.dashboard.switch_to("Shop B")
        await settle(pilot)
        await pilot.press("e")
        text = screen_text(app)
        assert "from [defaults]: env WX_SHARED" in text
        assert "inherited from [defaults]" in text
        assert f"leave empty for [defaults]: {fake.url}" in text
        assert app.screen.query_one("#value").disabled
        await pilot.press(*["backspace"] * 6, *"Shop B2", "ctrl+s")
        await settle(pilot)
        assert "Saved profile Shop B2" in notices(app)
    saved = tomllib.loads(path.read_text(encoding="utf-8"))
    # Only what the user set on the profile: later changes to [defaults] still reach it.
    assert saved["profiles"][1] == {"name": "Shop B2", "appid": APPID_B}
    assert saved["defaults"] == {"token_env": "WX_SHARED", "api_base": fake.url}


async def test_a_profile_with_only_a_name_and_an_appid_takes_the_defaults_token(
    fake: FakeWeChat, write_config: Writer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from wxdash.app import WxDashApp

    path = with_defaults(fake, write_config, monkeypatch)
    monkeypatch.setenv("WX_SHARED", fake.add_app(APPID_C).token)
    app = WxDashApp(config_file=str(path))
    async with running(app) as pilot:
        await pilot.press("a", *"Shop C", "tab")
        await paste(pilot, APPID_C)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Added profile Shop C" in notices(app)
        await wait_for_text(pilot, " ✓ Shop C")
        assert main_lines(app)[0].startswith(" Shop C  " + APPID_C + "  env WX_SHARED")
    assert saved_profiles(path)[2] == {"name": "Shop C", "appid": APPID_C}


async def test_a_profile_given_its_own_token_in_the_form_keeps_it_and_the_api_base_default(
    fake: FakeWeChat, write_config: Writer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from wxdash.app import WxDashApp

    path = with_defaults(fake, write_config, monkeypatch)
    app = WxDashApp(config_file=str(path))
    async with running(app) as pilot:
        app.dashboard.switch_to("Shop B")
        await settle(pilot)
        await pilot.press("e", "tab", "tab")
        # From "from [defaults]" to token_env, the second choice.
        await pilot.press("enter", "down", "enter", "tab", *"WX_SHOP_B", "ctrl+s")
        await settle(pilot)
    assert saved_profiles(path)[1] == {"name": "Shop B", "appid": APPID_B, "token_env": "WX_SHOP_B"}
