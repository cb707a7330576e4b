"""Quota: `cgi-bin/openapi/quota/get` read into a typed value, and errcode 45011 (too frequent)
retried after a longer backoff, against the fake server over loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from conftest import APPID, MARKER, fast

from wxdash.fakeserver import FakeWeChat
from wxdash.wechat.client import EFFECTIVE_DOMAIN_PATH, WeChatClient
from wxdash.wechat.errors import ApiError, ResponseFormatError
from wxdash.wechat.quota import ApiQuota, RateLimit, parse_api_quota
from wxdash.wechat.tokens import LiteralToken


@pytest.fixture
async def client() -> AsyncIterator[WeChatClient]:
    async with WeChatClient(fast()) as made:
        yield made


async def test_quota_is_read_from_the_fake_server(fake: FakeWeChat, client: WeChatClient) -> None:
    fake.add_app(APPID, token=MARKER, daily_limit=500)
    token = LiteralToken(MARKER)
    for _ in range(3):
        await client.get_effective_domain(fake.url, token)
    quota = await client.get_quota(fake.url, token)
    assert quota == ApiQuota(
        cgi_path=EFFECTIVE_DOMAIN_PATH,
        daily_limit=500,
        used=3,
        remain=497,
        rate_limit=RateLimit(5000, 60),
    )
    assert fake.requests["/cgi-bin/openapi/quota/get"] == 1


async def test_a_used_up_quota_is_45009_on_the_next_call(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    fake.add_app(APPID, token=MARKER, daily_limit=2)
    token = LiteralToken(MARKER)
    for _ in range(2):
        await client.get_effective_domain(fake.url, token)
    with pytest.raises(ApiError) as caught:
        await client.get_effective_domain(fake.url, token)
    assert caught.value.errcode == 45009
    assert not caught.value.retryable
    quota = await client.get_quota(fake.url, token)
    assert (quota.used, quota.remain) == (2, 0)


async def test_a_quota_error_is_an_api_error_with_its_hint(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    fake.add_app(APPID, token=MARKER).quota_scenario = "errcode:48001"
    with pytest.raises(ApiError) as caught:
        await client.get_quota(fake.url, LiteralToken(MARKER))
    assert caught.value.errcode == 48001
    assert "not authorized" in caught.value.hint


@pytest.mark.parametrize(
    "body",
    [
        {"quota": {"daily_limit": 10, "used": 1, "remain": 9}},
        {"quota": {"daily_limit": "10", "used": "1", "remain": "9"}},
    ],
    ids=["numbers", "strings"],
)
def test_quota_numbers_may_come_as_strings(body: dict[str, Any]) -> None:
    raw = json.dumps({"errcode": 0, "errmsg": "ok", **body}).encode()
    quota = parse_api_quota(raw, "/wxa/get_effective_domain")
    assert (quota.daily_limit, quota.used, quota.remain) == (10, 1, 9)
    assert quota.rate_limit is None


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"quota": None},
        {"quota": {"daily_limit": 10, "used": 1}},
        {"quota": {"daily_limit": -1, "used": 1, "remain": 9}},
        {"quota": {"daily_limit": True, "used": 1, "remain": 9}},
        {"quota": {"daily_limit": "ten", "used": 1, "remain": 9}},
    ],
)
def test_a_quota_answer_without_its_numbers_is_a_format_error(body: dict[str, Any]) -> None:
    raw = json.dumps({"errcode": 0, "errmsg": "ok", **body}).encode()
    with pytest.raises(ResponseFormatError) as caught:
        parse_api_quota(raw, "/wxa/get_effective_domain")
    assert "The quota answer has no" in caught.value.message


# -- 45011: too frequent ---------------------------------------------------------------


def recording_sleep() -> tuple[list[float], Callable[[float], Any]]:
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    return delays, sleep


async def test_too_frequent_is_retried_after_a_longer_backoff(fake: FakeWeChat) -> None:
    fake.add_app(APPID, token=MARKER, scenario="frequent:2")
    delays, sleep = recording_sleep()
    settings = fast(max_attempts=3, backoff=0.01, rate_limit_backoff=4.0, retry_time=60)
    async with WeChatClient(settings, sleep=sleep) as client:
        report = await client.get_effective_domain(fake.url, LiteralToken(MARKER))
    assert report is not None
    assert fake.app(APPID).domain_calls == 3
    # 4 s then 8 s, each with jitter between half and one and a half times.
    assert len(delays) == 2
    assert 2.0 <= delays[0] <= 6.0
    assert 4.0 <= delays[1] <= 12.0


async def test_too_frequent_gives_up_after_the_attempts_with_a_clear_error(
    fake: FakeWeChat,
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="errcode:45011")
    delays, sleep = recording_sleep()
    async with WeChatClient(fast(max_attempts=3, retry_time=60), sleep=sleep) as client:
        with pytest.raises(ApiError) as caught:
            await client.get_effective_domain(fake.url, LiteralToken(MARKER))
    assert caught.value.errcode == 45011
    assert "too frequent" in caught.value.hint
    assert fake.app(APPID).domain_calls == 3
    assert len(delays) == 2


async def test_too_frequent_stops_waiting_at_the_retry_time(fake: FakeWeChat) -> None:
    fake.add_app(APPID, token=MARKER, scenario="errcode:45011")
    delays, sleep = recording_sleep()
    settings = fast(max_attempts=5, rate_limit_backoff=30.0, retry_time=10)
    async with WeChatClient(settings, sleep=sleep) as client:
        with pytest.raises(ApiError):
            await client.get_effective_domain(fake.url, LiteralToken(MARKER))
    assert delays == []  # a wait past retry_time is not started
    assert fake.app(APPID).domain_calls == 1
