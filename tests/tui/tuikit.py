"""Helpers for the dashboard tests: start the app on a config, wait for its fetches, read the
screen, the notifications, and what was sent to the terminal's clipboard.

Not a conftest: the tests import these names, and the root conftest keeps its module name.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import Writer, profile, screen_text
from textual import events
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from wxdash import fakeserver
from wxdash.app import WxDashApp
from wxdash.fakeserver import FakeWeChat, shop_domains, shop_webview
from wxdash.wechat.tokens import TokenKind

# One attempt against the fake server. The timeouts only end fetches that hang: on a busy
# machine the app's event loop can stall for seconds, and a loopback connect then "times out".
# Tests about timeouts give their own.
FAST_NETWORK: dict[str, Any] = {"retries": 1, "read_timeout": 30, "connect_timeout": 30}
# How long a test waits for something to show before it fails (a slow machine is not a bug).
PATIENCE = 30.0

# Appids whose hex digits are all digits, so a letter typed in the picker matches names only.
APPID_A = "wx1111111111111111"
APPID_B = "wx2222222222222222"
APPID_C = "wx3333333333333333"
APPID_D = "wx4444444444444444"

OSC52 = re.compile(r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07")


def shop(
    fake: FakeWeChat,
    name: str,
    appid: str,
    *,
    token: str | None = None,
    domains: dict[str, Any] | None = None,
    scenario: str = "ok",
    webview: dict[str, Any] | None = None,
    **keys: Any,
) -> dict[str, Any]:
    """Register a mini program on the fake server and return its [[profiles]] table.

    Its domains default to a merchant named after the profile (`Shop A` serves api.shopa.com,
    with a change pending in MP), its webview (business) domains to none; its token source
    defaults to the token typed in the config.
    """
    slug = "".join(ch for ch in name.lower() if ch.isalnum())
    app = fake.add_app(
        appid,
        token=token,
        domains=shop_domains(slug, pending=True) if domains is None else domains,
        scenario=scenario,
        webview=webview,
    )
    if not any(kind.value in keys for kind in TokenKind):
        keys["access_token"] = app.token
    return profile(name, appid, api_base=fake.url, **keys)


def shop_a(fake: FakeWeChat, **keys: Any) -> dict[str, Any]:
    """Shop A with changes pending in both calls' lists (server and webview domains)."""
    return shop(fake, "Shop A", APPID_A, webview=shop_webview("shopa", pending=True), **keys)


def three_shops(fake: FakeWeChat) -> list[dict[str, Any]]:
    """Shop A, Shop B and Shop C, each serving its own domains (api.shopa.com, ...)."""
    appids = (APPID_A, APPID_B, APPID_C)
    return [shop(fake, f"Shop {x}", appid) for x, appid in zip("ABC", appids, strict=True)]


def config(*profiles: dict[str, Any], **network: Any) -> dict[str, Any]:
    """A config document with fast network settings (overridable) and these profiles."""
    return {"network": {**FAST_NETWORK, **network}, "profiles": list(profiles)}


def make_app(write_config: Writer, *profiles: dict[str, Any], **network: Any) -> WxDashApp:
    """The app on a config file written with these profiles, as `wxdash` would open it."""
    path = write_config(config(*profiles, **network))
    return WxDashApp(config_file=str(path))


async def settle(pilot: Pilot[Any]) -> None:
    """Let the app process what is queued and finish every running worker (fetches, copies)."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


@asynccontextmanager
async def running(
    app: WxDashApp, size: tuple[int, int] = (120, 40), *, wait: bool = True
) -> AsyncIterator[Pilot[Any]]:
    """Run the app headless, with notifications on; `wait` for the start-up fetch to end."""
    async with app.run_test(size=size, notifications=True) as pilot:
        if wait:
            await settle(pilot)
        else:
            await pilot.pause()
        yield pilot


def hold_slow_answers(
    monkeypatch: pytest.MonkeyPatch, *, then_hang_up: bool = False
) -> threading.Event:
    """Make the fake server's `slow:` answers wait until the returned event is set, so a test
    decides when a slow fetch ends instead of guessing how long it takes. Set it in a
    `finally`: nothing else releases them (a clock would, on a slow day, before the test is
    done looking). With `then_hang_up`, a released answer is never sent: the server closes the
    connection instead, a failure that comes when the test says, not when a timeout runs out."""
    gate = threading.Event()

    def hold(_seconds: float) -> None:
        gate.wait()
        if then_hang_up:
            raise ConnectionResetError("the test hung up on this held answer")

    monkeypatch.setattr(fakeserver, "time", SimpleNamespace(sleep=hold))
    return gate


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], bool], what: str, timeout: float = PATIENCE
) -> None:
    """Pause until `condition()` holds; fail with the screen's text if it never does."""
    loops = int(timeout / 0.02)
    for _ in range(loops):
        if condition():
            return
        await pilot.pause(0.02)
    if condition():
        return
    raise AssertionError(f"never happened: {what}\n--- screen ---\n{screen_text(pilot.app)}")


async def wait_for_text(pilot: Pilot[Any], *needles: str, timeout: float = PATIENCE) -> str:
    """Wait until the screen shows every needle; return the screen's text."""
    await wait_until(
        pilot,
        lambda: all(n in screen_text(pilot.app) for n in needles),
        f"screen shows {needles!r}",
        timeout,
    )
    return screen_text(pilot.app)


async def paste(pilot: Pilot[Any], text: str) -> None:
    """Paste text into the focused widget, as a terminal does (one event, not keys)."""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def pick(pilot: Pilot[Any], name: str) -> None:
    """Show the profile of this name through the picker (`p`), and let its fetch end."""
    await pilot.press("p")
    await paste(pilot, name)
    await pilot.press("enter")
    await settle(pilot)


def notices(app: WxDashApp) -> list[str]:
    """The messages of the notifications on screen now, oldest first."""
    return [n.message for n in app._notifications]


def active_tab(app: WxDashApp) -> str:
    return app.query_one(TabbedContent).active


def main_lines(app: WxDashApp) -> list[str]:
    """The screen's lines with the profile list cut off (the part right of its border)."""
    lines = screen_text(app).splitlines()
    return [line.split("▕", 1)[1] if "▕" in line else line for line in lines]


async def next_tab(pilot: Pilot[Any]) -> str:
    """Press `]` and return the tree of the tab it shows."""
    await pilot.press("right_square_bracket")
    await pilot.pause()
    return tree_text(pilot.app)


def tree_text(app: WxDashApp) -> str:
    """The lines of the domain tree on show, as plain text."""
    tree = app.dashboard.tree()
    return "\n".join(strip.text.rstrip() for strip in widget_strips(app, tree))


def widget_strips(app: WxDashApp, widget: Any) -> list[Any]:
    """The rendered lines (Strips, with styles) of the screen where `widget` is drawn."""
    region = widget.region
    strips = app.screen._compositor.render_strips()
    out = []
    for y in range(region.y, region.bottom):
        out.append(strips[y].crop(region.x, region.right))
    return out


def widget_text(app: WxDashApp, selector: str) -> str:
    """What one widget shows on screen, line by line."""
    widget = app.screen.query_one(selector)
    return "\n".join(strip.text.rstrip() for strip in widget_strips(app, widget))


def banner(app: WxDashApp) -> str:
    """The error banner's text with its line wrapping undone ("" when it is hidden)."""
    if not app.query_one("#banner").display:
        return ""
    return " ".join(widget_text(app, "#banner").replace("█", " ").split())


def toggle_is_struck(app: WxDashApp, short: str) -> bool:
    """Whether the protocol's toggle in the filter row is drawn struck through (hidden)."""
    strips = widget_strips(app, app.query_one(f"#toggle-{short}"))
    return all(
        segment.style is not None and bool(segment.style.strike)
        for strip in strips
        for segment in strip
        if segment.text.strip()
    )


def decode_osc52(written: list[str]) -> list[str]:
    """The texts sent to the terminal's clipboard with OSC 52, in order."""
    return [
        base64.b64decode(match).decode("utf-8")
        for chunk in written
        for match in OSC52.findall(chunk)
    ]
