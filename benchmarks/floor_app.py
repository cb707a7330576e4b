"""The floor of the dashboard measurements: a bare Textual app with the widget types the
dashboard uses (an OptionList of profiles, TabbedContent with a Tree per group, an Input, a
Footer) that reads the same config, fetches the same JSON from the same fake server with httpx,
and shows it. Run by `run.py`.
"""

from __future__ import annotations

import asyncio
import tomllib
from typing import Any, ClassVar

import httpx
from floor import GROUPS, PATH, PROTOCOLS
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, OptionList, Static, TabbedContent, TabPane, Tree


class BareApp(App[None]):
    """Profiles on the left, the first profile's effective domains in a tree on the right."""

    CSS = """
    OptionList { width: 34; }
    Tree { height: 1fr; }
    """
    BINDINGS: ClassVar = [("1", "toggle", "request")]

    def __init__(self, config: str, *, fetch_all: bool = False) -> None:
        super().__init__()
        with open(config, "rb") as handle:
            self.profiles: list[dict[str, Any]] = tomllib.load(handle)["profiles"]
        self.fetch_all = fetch_all
        self.data: dict[str, Any] = {}
        self.kept: list[dict[str, Any]] = []
        self.shown = set(PROTOCOLS)
        self.text = ""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield OptionList(*(f"· {p['name']}" for p in self.profiles))
            with Vertical():
                yield Static(self.profiles[0]["name"])
                yield Input(placeholder="filter")
                with TabbedContent():
                    for group in GROUPS:
                        with TabPane(group, id=group):
                            yield Tree("", id=f"tree-{group}")
        yield Footer()

    def on_mount(self) -> None:
        self.run_worker(self.load())

    async def load(self) -> None:
        async with httpx.AsyncClient() as client:
            first = self.profiles[0]
            self.data = await self.post(client, first)
            self.draw()
            if self.fetch_all:
                limit = asyncio.Semaphore(16)

                async def one(index: int, profile: dict[str, Any]) -> None:
                    async with limit:
                        self.kept.append(await self.post(client, profile))
                    self.query_one(OptionList).replace_option_prompt_at_index(
                        index, f"✓ {profile['name']}"
                    )

                await asyncio.gather(*(one(i, p) for i, p in enumerate(self.profiles)))

    async def post(self, client: httpx.AsyncClient, profile: dict[str, Any]) -> dict[str, Any]:
        params = {"access_token": profile["access_token"]}
        response = await client.post(profile["api_base"] + PATH, params=params, json={})
        data: dict[str, Any] = response.json()
        return data

    def draw(self) -> None:
        tree = self.query_one("#tree-effective_domain", Tree)
        tree.clear()
        tree.show_root = False
        group = self.data.get("effective_domain") or {}
        for protocol in PROTOCOLS:
            if protocol not in self.shown:
                continue
            domains = [d for d in group.get(protocol, []) if self.text in d]
            node = tree.root.add(f"{protocol} ({len(domains)})", expand=True)
            for domain in domains:
                node.add_leaf(domain)

    def action_toggle(self) -> None:
        self.shown ^= {"requestdomain"}
        self.draw()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.text = event.value
        self.draw()
