"""Domain writes against the fake server: applied, partial refusals, nothing to change, the
platform's list, the monthly limit, and a change that shows after a simulated release."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from conftest import APPID, MARKER, fast

from wxdash.fakeserver import FakeWeChat
from wxdash.wechat.client import WeChatClient
from wxdash.wechat.tokens import LiteralToken
from wxdash.wechat.writes import change_domains


@pytest.fixture
async def client() -> AsyncIterator[WeChatClient]:
    async with WeChatClient(fast()) as made:
        yield made


async def _add(client: WeChatClient, fake: FakeWeChat, via: str, **lists: list[str]) -> list:
    return await change_domains(
        client, fake.url, LiteralToken(MARKER), via=via, action="add", lists=lists
    )


async def test_a_direct_add_lands_in_direct_domain_and_takes_effect_at_release(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    fake.add_app(APPID, token=MARKER)
    results = await _add(client, fake, "direct", downloaddomain=["https://CDN.example.com/"])
    assert [(r.domain, r.result) for r in results] == [("https://CDN.example.com/", "applied")]
    report = await client.get_effective_domain(fake.url, LiteralToken(MARKER))
    from wxdash.wechat.models import Group, Protocol

    assert "https://CDN.example.com" in report[Group.DIRECT][Protocol.DOWNLOAD]
    assert "https://CDN.example.com" not in report[Group.EFFECTIVE][Protocol.DOWNLOAD]
    fake.release(APPID)
    report = await client.get_effective_domain(fake.url, LiteralToken(MARKER))
    assert "https://CDN.example.com" in report[Group.EFFECTIVE][Protocol.DOWNLOAD]
    assert fake.app(APPID).write_calls["/wxa/modify_domain_directly"] == 1


async def test_partial_refusal_nothing_to_change_and_the_platform_list(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    fake.add_app(APPID, token=MARKER)
    results = await _add(
        client, fake, "direct", requestdomain=["https://a.example.com", "https://noicp.example.com"]
    )
    assert [r.result for r in results] == ["applied", "refused"]
    assert results[1].message == "no_icp_domain"
    again = await _add(client, fake, "direct", requestdomain=["https://a.example.com"])
    assert [(r.result, r.errcode) for r in again] == [("skipped", 85017)]
    third = await _add(client, fake, "third", requestdomain=["https://b.example.com"])
    assert [(r.result, r.errcode) for r in third] == [("failed", 85018)]
    assert "platform" in third[0].hint and "rid:" in third[0].message
    fake.platform_domains.add("b.example.com")
    third = await _add(client, fake, "third", requestdomain=["https://b.example.com"])
    assert [r.result for r in third] == ["applied"]


async def test_the_fifty_first_change_of_the_month_fails_with_86102(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    fake.add_app(APPID, token=MARKER).month_changes = 49
    first = await _add(client, fake, "direct", requestdomain=["https://c.example.com"])
    second = await _add(client, fake, "direct", requestdomain=["https://d.example.com"])
    assert [r.result for r in first] == ["applied"]
    assert [(r.result, r.errcode) for r in second] == [("failed", 86102)]
    assert "50 domain changes" in second[0].hint
    webview = await _add(client, fake, "direct", webviewdomain=["https://w.example.com"])
    assert [r.result for r in webview] == ["applied"]  # webview calls are counted apart
