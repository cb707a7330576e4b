"""Copying: what lands on the clipboard (OSC 52 as Textual writes it, and a native tool), and
what the notification says about it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import screen_text
from tuikit import (
    APPID_A,
    Writer,
    decode_osc52,
    make_app,
    notices,
    running,
    settle,
    shop,
    wait_for_text,
)

from wxdash.fakeserver import FakeWeChat

pytest_plugins = ["headless_terminal"]

EFFECTIVE_A = [
    "https://api.shopa.com",
    "https://pay.shopa.com",
    "https://analytics.example-platform.com",
    "wss://push.shopa.com",
    "https://upload.shopa.com",
    "https://cdn.shopa.com",
    "https://img.shopa.com",
]


@pytest.fixture
def xclip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_native_clipboard: None) -> Path:
    """A fake `xclip` first on PATH, with an X display: it saves its stdin and arguments."""
    folder = tmp_path / "bin"
    folder.mkdir()
    out = tmp_path / "xclip.out"
    tool = folder / "xclip"
    tool.write_text(f'#!/bin/sh\necho "$@" > "{out}.args"\ncat > "{out}"\n', encoding="utf-8")
    tool.chmod(0o755)
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return out


async def focus_tree_line(pilot, line: int) -> None:  # type: ignore[no-untyped-def]
    """Put the focus in the tree (its cursor shows on the first node, line 0) and move the
    cursor down to `line`."""
    pilot.app.dashboard.tree().focus()
    await pilot.pause()
    assert pilot.app.dashboard.tree().cursor_line == 0
    await pilot.press(*["down"] * line)


# -- c: a domain, a protocol, a tab ----------------------------------------------------------


async def test_c_on_a_domain_copies_that_domain(
    fake: FakeWeChat, write_config: Writer, terminal: list[str], no_native_clipboard: None
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await focus_tree_line(pilot, 2)  # request (2), api, pay
        await pilot.press("c")
        await settle(pilot)
        assert decode_osc52(terminal) == ["https://pay.shopa.com"]
        assert app.clipboard == "https://pay.shopa.com"
        assert notices(app) == [
            "Sent 1 domain (request, Effective) to the terminal clipboard (OSC 52)"
        ]
        await wait_for_text(pilot, "(OSC 52)")


async def test_c_on_a_protocol_copies_its_domains_one_per_line(
    fake: FakeWeChat, write_config: Writer, terminal: list[str], no_native_clipboard: None
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await focus_tree_line(pilot, 4)  # request, api, pay, analytics, ws (1)
        await pilot.press("c")
        await settle(pilot)
        assert decode_osc52(terminal) == ["wss://push.shopa.com"]
        assert notices(app) == ["Sent 1 domain (ws, Effective) to the terminal clipboard (OSC 52)"]

        await pilot.press("up", "up", "up", "up", "c")  # back on request (3)
        await settle(pilot)
        assert decode_osc52(terminal)[-1] == "\n".join(EFFECTIVE_A[:3])
        assert notices(app)[-1] == (
            "Sent 3 domains (request, Effective) to the terminal clipboard (OSC 52)"
        )


async def test_c_outside_the_tree_copies_the_whole_tab(
    fake: FakeWeChat, write_config: Writer, terminal: list[str], no_native_clipboard: None
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        assert not app.dashboard.tree().has_focus  # the profile list has it
        await pilot.press("c")
        await settle(pilot)
        assert decode_osc52(terminal) == ["\n".join(EFFECTIVE_A)]
        assert notices(app) == ["Sent 7 domains (Effective) to the terminal clipboard (OSC 52)"]

        await pilot.press("right_square_bracket", "c")
        await settle(pilot)
        assert decode_osc52(terminal)[-1] == "\n".join(
            [
                "https://api.shopa.com",
                "https://api-v2.shopa.com",
                "wss://push.shopa.com",
                "https://upload.shopa.com",
                "https://cdn.shopa.com",
            ]
        )
        assert notices(app)[-1] == "Sent 5 domains (MP) to the terminal clipboard (OSC 52)"


async def test_copies_respect_the_filters(
    fake: FakeWeChat, write_config: Writer, terminal: list[str], no_native_clipboard: None
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        # download hidden; only domains holding an "i" (api, analytics, img); enter goes to
        # the tree.
        await pilot.press("4", "slash", "I", "enter")
        await pilot.press("c")  # request (2/3), where the cursor shows when the tree has focus
        await settle(pilot)
        api_analytics = "https://api.shopa.com\nhttps://analytics.example-platform.com"
        assert decode_osc52(terminal) == [api_analytics]
        assert notices(app)[-1] == (
            "Sent 2 domains (request, Effective) to the terminal clipboard (OSC 52)"
        )

        app.query_one("#profiles").focus()
        await pilot.press("c")  # the tab: img.shopa.com is hidden with download
        await settle(pilot)
        assert decode_osc52(terminal)[-1] == api_analytics
        assert notices(app)[-1] == "Sent 2 domains (Effective) to the terminal clipboard (OSC 52)"

        await pilot.press("4", "c")
        await settle(pilot)
        assert decode_osc52(terminal)[-1] == api_analytics + "\nhttps://img.shopa.com"
        assert notices(app)[-1] == "Sent 3 domains (Effective) to the terminal clipboard (OSC 52)"


async def test_nothing_to_copy_says_so_and_sends_nothing(
    fake: FakeWeChat, write_config: Writer, terminal: list[str], no_native_clipboard: None
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await pilot.press("slash", *"zz", "enter")
        app.query_one("#profiles").focus()
        await pilot.press("c")
        await settle(pilot)
        assert decode_osc52(terminal) == []
        assert notices(app) == ["Nothing to copy: no domain is shown here."]


# -- C: the tab as JSON ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["C", "shift+c"])
async def test_shift_c_copies_the_tab_as_json_keyed_by_api_names(
    fake: FakeWeChat,
    write_config: Writer,
    terminal: list[str],
    no_native_clipboard: None,
    key: str,
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await pilot.press(key)
        await settle(pilot)
        (payload,) = decode_osc52(terminal)
        assert json.loads(payload) == {
            "requestdomain": EFFECTIVE_A[:3],
            "wsrequestdomain": ["wss://push.shopa.com"],
            "uploaddomain": ["https://upload.shopa.com"],
            "downloaddomain": ["https://cdn.shopa.com", "https://img.shopa.com"],
            "udpdomain": [],
            "tcpdomain": [],
            "webviewdomain": [],
        }
        assert list(json.loads(payload)) == [
            "requestdomain",
            "wsrequestdomain",
            "uploaddomain",
            "downloaddomain",
            "udpdomain",
            "tcpdomain",
            "webviewdomain",
        ]
        assert notices(app) == [
            "Sent 7 domains (Effective, as JSON) to the terminal clipboard (OSC 52)"
        ]


async def test_shift_c_json_respects_the_filters(
    fake: FakeWeChat, write_config: Writer, terminal: list[str], no_native_clipboard: None
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await pilot.press("1", "6", "slash", *"load", "enter", "right_square_bracket", "C")
        await settle(pilot)
        assert json.loads(decode_osc52(terminal)[-1]) == {
            "wsrequestdomain": [],
            "uploaddomain": ["https://upload.shopa.com"],
            "downloaddomain": [],
            "udpdomain": [],
            "webviewdomain": [],
        }
        assert notices(app)[-1] == "Sent 1 domain (MP, as JSON) to the terminal clipboard (OSC 52)"


# -- the native clipboard --------------------------------------------------------------------


async def test_a_native_clipboard_tool_gets_the_text_too_and_the_notice_says_copied(
    fake: FakeWeChat, write_config: Writer, terminal: list[str], xclip: Path
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await focus_tree_line(pilot, 0)
        await pilot.press("c")
        await settle(pilot)
        request = "\n".join(EFFECTIVE_A[:3])
        assert xclip.read_text(encoding="utf-8") == request
        assert Path(f"{xclip}.args").read_text(encoding="utf-8").split() == [
            "-selection",
            "clipboard",
        ]
        # OSC 52 is sent as well: the terminal may be elsewhere (SSH).
        assert decode_osc52(terminal) == [request]
        assert notices(app) == ["Copied 3 domains (request, Effective)"]
        await wait_for_text(pilot, "Copied 3 domains (request, Effective)")

        await pilot.press("C")
        await settle(pilot)
        assert json.loads(xclip.read_text(encoding="utf-8"))["downloaddomain"] == [
            "https://cdn.shopa.com",
            "https://img.shopa.com",
        ]
        assert notices(app)[-1] == "Copied 7 domains (Effective, as JSON)"


async def test_a_failing_native_tool_is_not_reported_as_a_copy(
    fake: FakeWeChat, write_config: Writer, terminal: list[str], xclip: Path, tmp_path: Path
) -> None:
    (tmp_path / "bin" / "xclip").write_text("#!/bin/sh\ncat >/dev/null\nexit 1\n")
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await pilot.press("c")
        await settle(pilot)
        assert decode_osc52(terminal) == ["\n".join(EFFECTIVE_A)]
        assert notices(app) == ["Sent 7 domains (Effective) to the terminal clipboard (OSC 52)"]


async def test_without_a_native_tool_the_notice_says_osc52_was_sent(
    fake: FakeWeChat, write_config: Writer, terminal: list[str], no_native_clipboard: None
) -> None:
    app = make_app(write_config, shop(fake, "Shop A", APPID_A))
    async with running(app) as pilot:
        await pilot.press("c")
        await settle(pilot)
        text = await wait_for_text(pilot, "Sent 7 domains (Effective)", "(OSC 52)")
        assert "Copied" not in text
        assert "Copied" not in screen_text(app)
