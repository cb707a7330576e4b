"""Make the README's screenshots: the dashboard on the built-in demo, as SVG files.

Run from the repository root:  .venv/bin/python screenshots/make.py
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from wxdash.app import WxDashApp
from wxdash.demo import MERCHANTS

HERE = Path(__file__).parent
SIZE = (120, 34)

Step = Callable[[WxDashApp, Pilot[int]], Awaitable[None]]


async def settle(app: WxDashApp, pilot: Pilot[int]) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause(0.3)


async def main_view(app: WxDashApp, pilot: Pilot[int]) -> None:
    await settle(app, pilot)


async def filtered(app: WxDashApp, pilot: Pilot[int]) -> None:
    await settle(app, pilot)
    await pilot.press("2", "5", "6", "slash", *"lotustea", "enter")
    await pilot.press("right_square_bracket")
    await settle(app, pilot)


async def error_over_stale(app: WxDashApp, pilot: Pilot[int]) -> None:
    await settle(app, pilot)
    harbor = next(m for m in MERCHANTS if m.name == "Harbor Books")
    app.dashboard.switch_to(harbor.name)
    await settle(app, pilot)
    assert app._demo_server is not None
    app._demo_server.server.set_scenario(harbor.appid, "errcode:40164")
    await pilot.press("r")
    await settle(app, pilot)


async def profile_form(app: WxDashApp, pilot: Pilot[int]) -> None:
    await settle(app, pilot)
    await pilot.press("a")
    await pilot.pause(0.2)
    await pilot.press(*"Shop A", "tab", *"wx123", "tab", "tab")
    await pilot.press("ctrl+s")
    await pilot.pause(0.3)


async def pending(app: WxDashApp, pilot: Pilot[int]) -> None:
    await settle(app, pilot)
    await pilot.press("left_square_bracket")  # from Effective back round to Pending
    await settle(app, pilot)


async def fleet_search(app: WxDashApp, pilot: Pilot[int]) -> None:
    await settle(app, pilot)
    await pilot.press("R")
    await settle(app, pilot)
    await pilot.press("F")
    await pilot.pause(0.2)
    await pilot.press(*"analytics")
    await pilot.pause(0.3)


async def compare(app: WxDashApp, pilot: Pilot[int]) -> None:
    await settle(app, pilot)
    await pilot.press("h")  # probe Lotus Tea's hosts: the demo's own, on loopback
    await settle(app, pilot)
    await pilot.press("left_square_bracket", "left_square_bracket")  # Pending, then Compare
    await settle(app, pilot)


async def health(app: WxDashApp, pilot: Pilot[int]) -> None:
    await settle(app, pilot)
    await pilot.press("R")
    await settle(app, pilot)
    await pilot.press("H")
    await pilot.pause(0.2)
    await pilot.press("r")  # probe every profile's live hosts
    await settle(app, pilot)


async def lint(app: WxDashApp, pilot: Pilot[int]) -> None:
    await settle(app, pilot)
    app.dashboard.switch_to("Corner Cafe (lint)")
    await settle(app, pilot)


SHOTS: dict[str, Step] = {
    "main.svg": main_view,
    "filtered.svg": filtered,
    "error-banner.svg": error_over_stale,
    "profile-form.svg": profile_form,
    "pending.svg": pending,
    "fleet-search.svg": fleet_search,
    "lint.svg": lint,
    "compare.svg": compare,
    "health.svg": health,
}
# Compare shows its columns whole from 140 columns on.
SIZES = {"compare.svg": (150, 34)}


async def shoot(name: str, step: Step) -> None:
    app = WxDashApp(demo=True)
    async with app.run_test(size=SIZES.get(name, SIZE)) as pilot:
        await step(app, pilot)
        app.save_screenshot(name, str(HERE))
    print(f"wrote screenshots/{name}")


async def main() -> None:
    for name, step in SHOTS.items():
        await shoot(name, step)


if __name__ == "__main__":
    asyncio.run(main())
