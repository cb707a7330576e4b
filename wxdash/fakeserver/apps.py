"""One mini program the fake server knows: its credentials, its data, how it behaves, its calls."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeApp:
    """One mini program the server knows: its credentials, its data and how it behaves."""

    appid: str
    token: str
    secret: str | None = None
    domains: dict[str, Any] | None = None
    scenario: str = "ok"
    webview: dict[str, Any] | None = None
    webview_scenario: str = "ok"
    expired_tokens: set[str] = field(default_factory=set)
    domain_calls: int = 0
    webview_calls: int = 0
    token_calls: int = 0
    # Calls to get_effective_domain allowed a day; past it, errcode 45009 (as WeChat answers).
    daily_limit: int = 100_000
    quota_calls: int = 0
    quota_scenario: str = "ok"
    # Writes: calls per path, and this month's accepted server-domain changes (50, then 86102).
    write_calls: Counter[str] = field(default_factory=Counter)
    write_bodies: list[tuple[str, Any]] = field(default_factory=list)  # (path, JSON) as received
    month_changes: int = 0
    # How the write calls misbehave: after making the change, but flaky's -1 (busy) before it,
    # as WeChat's -1 says the call was not carried out.
    write_scenario: str = "ok"
    # The webview verification file (get_webviewdomain_confirmfile): its own per appid unless
    # given, so that which merchant needs which file can be told apart.
    confirm_name: str = ""
    confirm: str = ""

    def __post_init__(self) -> None:
        digest = hashlib.sha256(self.appid.encode()).hexdigest()
        self.confirm_name = self.confirm_name or digest[:10] + ".txt"
        self.confirm = self.confirm or digest[10:42]
