"""What `/cgi-bin/openapi/quota/get` says about an API's daily quota, as a typed value.

WeChat answers `{"quota": {"daily_limit", "used", "remain"}, "rate_limit": {"call_count",
"refresh_second"}}` (and `component_rate_limit` for calls made by a third-party platform).
Some SDKs type the numbers as strings: digits in a string are read as the number they spell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wxdash.i18n import N_
from wxdash.wechat.body import parse_json_body, start_of
from wxdash.wechat.errors import ResponseFormatError

QUOTA_PATH = "/cgi-bin/openapi/quota/get"


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `call_count` calls every `refresh_second` seconds."""

    call_count: int
    refresh_second: int

    def to_json(self) -> dict[str, int]:
        return {"call_count": self.call_count, "refresh_second": self.refresh_second}


@dataclass(frozen=True, slots=True)
class ApiQuota:
    """One API's quota for today: how many calls a day, how many were made, how many are left."""

    cgi_path: str
    daily_limit: int
    used: int
    remain: int
    rate_limit: RateLimit | None = None
    component_rate_limit: RateLimit | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "cgi_path": self.cgi_path,
            "daily_limit": self.daily_limit,
            "used": self.used,
            "remain": self.remain,
            "rate_limit": self.rate_limit.to_json() if self.rate_limit else None,
            "component_rate_limit": (
                self.component_rate_limit.to_json() if self.component_rate_limit else None
            ),
        }


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        return int(value.strip())
    return None


def _rate(value: Any) -> RateLimit | None:
    if not isinstance(value, dict):
        return None
    count, seconds = _count(value.get("call_count")), _count(value.get("refresh_second"))
    if count is None or seconds is None:
        return None
    return RateLimit(count, seconds)


def parse_api_quota(body: bytes, cgi_path: str) -> ApiQuota:
    """Read a quota/get body; ResponseFormatError if the quota's numbers are not there."""
    data = parse_json_body(body)
    quota = data.get("quota")
    numbers = {}
    for key in ("daily_limit", "used", "remain"):
        number = _count(quota.get(key)) if isinstance(quota, dict) else None
        if number is None:
            raise ResponseFormatError(
                N_("The quota answer has no {key} count: {start}"), key=key, start=start_of(body)
            )
        numbers[key] = number
    return ApiQuota(
        cgi_path=cgi_path,
        rate_limit=_rate(data.get("rate_limit")),
        component_rate_limit=_rate(data.get("component_rate_limit")),
        **numbers,
    )
