"""One mini program the fake server knows: its credentials, its data, how it behaves, its calls."""

from __future__ import annotations

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
    month_changes: int = 0
    # How the write calls misbehave: after making the change, but flaky's -1 (busy) before it,
    # as WeChat's -1 says the call was not carried out.
    write_scenario: str = "ok"
    confirm_name: str = "a1b2c3d4e5.txt"
    confirm: str = "f6e5d4c3b2a1"
