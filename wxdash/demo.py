"""The built-in demo: made-up merchants served by the fake WeChat server on loopback.

`--demo` reads and writes no config and no cache; everything lives in this process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wxdash import fakeserver
from wxdash.profiles import Config, Platform, Profile
from wxdash.wechat.tokens import TokenKind, TokenSpec

if TYPE_CHECKING:
    from wxdash.fakeserver.health import DemoHealth
    from wxdash.probes import HostMap, Trust

DEMO_LATENCY = 0.15
DEMO_PLATFORM_TOKEN = "demo-component-token"
# The demo platform's own lists (testing and published): what its merchants may add --via third.
DEMO_PLATFORM = {
    "server": {"api.example-platform.com", "analytics.example-platform.com"},
    "jump": {"example-platform.com"},
}


@dataclass(frozen=True, slots=True)
class DemoMerchant:
    name: str
    appid: str
    domains: Callable[[], dict[str, Any]]
    scenario: str = "ok"
    webview: Callable[[], dict[str, Any]] = fakeserver.empty_webview


MERCHANTS = (
    DemoMerchant(
        "Lotus Tea House",
        "wx5a1e0c3f9b2d4e61",
        lambda: fakeserver.shop_domains("lotustea", pending=True),
        webview=lambda: fakeserver.shop_webview("lotustea", pending=True),
    ),
    DemoMerchant(
        "Harbor Books",
        "wx7c2f4a9e1d3b5c80",
        lambda: fakeserver.shop_domains("harborbooks"),
        webview=lambda: fakeserver.shop_webview("harborbooks"),
    ),
    DemoMerchant("Reference sample", "wx0123456789abcdef", fakeserver.sample_domains),
    DemoMerchant(
        "Night Market",
        "wx9e8d7c6b5a4f3e21",
        lambda: fakeserver.shop_domains("nightmarket"),
        "errcode:42001",
    ),
    DemoMerchant("Grand Mall (4,800 domains)", "wx3b4c5d6e7f8a9b0c", fakeserver.big_domains),
    DemoMerchant(
        "Slow Noodles",
        "wx1f2e3d4c5b6a7980",
        lambda: fakeserver.shop_domains("slownoodles"),
        "slow:4",
    ),
    DemoMerchant("Odd Data Co", "wx2468ace013579bdf", fakeserver.wrong_types_domains),
    DemoMerchant("Corner Cafe (lint)", "wx5b6c7d8e9f0a1b2c", fakeserver.lint_domains),
)


class Demo:
    """The fake server with the demo merchants, and a Config whose profiles point at it."""

    def __init__(self, latency: float = DEMO_LATENCY) -> None:
        self.server = fakeserver.FakeWeChat(latency=latency)
        self._health: DemoHealth | None = None
        self._probing: tuple[HostMap, Trust] | None = None

    def start(self) -> Config:
        self.server.start()
        profiles = []
        for merchant in MERCHANTS:
            token = f"demo-token-{merchant.appid}"
            self.server.add_app(
                merchant.appid,
                token=token,
                domains=merchant.domains(),
                scenario=merchant.scenario,
                webview_scenario=merchant.scenario,  # one token, one server: both calls alike
                webview=merchant.webview(),
            )
            profiles.append(
                Profile(
                    name=merchant.name,
                    appid=merchant.appid,
                    token=TokenSpec(TokenKind.ACCESS_TOKEN, token),
                    api_base=self.server.url,
                )
            )
        fake = self.server.platform
        fake.token = DEMO_PLATFORM_TOKEN
        for kind, hosts in DEMO_PLATFORM.items():
            fake.testing[kind].update(hosts)
            fake.published[kind].update(hosts)
        platform = Platform(TokenSpec(TokenKind.ACCESS_TOKEN, DEMO_PLATFORM_TOKEN), self.server.url)
        return Config(path=Path("(demo)"), profiles=tuple(profiles), platform=platform)

    def probe_hosts(self) -> tuple[HostMap, Trust]:
        """The host map and trust a probe of the demo uses: its merchants' hosts served on
        loopback with certificates of its own CA, made on the first call (not at start-up)."""
        if self._probing is None:
            from wxdash.fakeserver.health import DemoHealth, domains_in

            domains = [
                domain
                for merchant in MERCHANTS
                for data in (merchant.domains(), merchant.webview())
                for domain in domains_in(data)
            ]
            self._health = DemoHealth(domains)
            self._probing = self._health.start()
        return self._probing

    def stop(self) -> None:
        self.server.stop()
        if self._health is not None:
            self._health.stop()
