"""The platform's own lists against the fake server: reading them, add and delete on the testing
list (and the published one with the flag), WeChat's limits, the component token, and which
merchant adds the lists then let through."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from conftest import MARKER, fast

from wxdash.fakeserver import FakeWeChat
from wxdash.fakeserver.platform import JUMP_PATH, SERVER_PATH
from wxdash.wechat.client import WeChatClient
from wxdash.wechat.platform import PlatformList, change_list, parse_list, read_list
from wxdash.wechat.tokens import LiteralToken


@pytest.fixture
async def client() -> AsyncIterator[WeChatClient]:
    async with WeChatClient(fast()) as made:
        yield made


@pytest.fixture
def platform(fake: FakeWeChat) -> FakeWeChat:
    fake.platform.token = MARKER
    return fake


async def _change(
    client: WeChatClient, fake: FakeWeChat, kind: str, action: str, *hosts: str, published: bool
) -> list[tuple[str, str]]:
    results = await change_list(
        client, fake.url, LiteralToken(MARKER), kind=kind, action=action, hosts=list(hosts),
        published=published,
    )  # fmt: skip
    return [(r.domain, r.result) for r in results]


async def test_add_and_delete_change_testing_and_with_the_flag_published(
    platform: FakeWeChat, client: WeChatClient
) -> None:
    token = LiteralToken(MARKER)
    assert await read_list(client, platform.url, token, "server") == PlatformList("server")
    added = await _change(client, platform, "server", "add", "a.example.com", "noicp.example.com",
                          published=False)  # fmt: skip
    assert added == [("a.example.com", "applied"), ("noicp.example.com", "refused")]
    await _change(client, platform, "jump", "add", "example.com", published=True)
    server = await read_list(client, platform.url, token, "server")
    assert (server.testing, server.published) == (("a.example.com",), ())
    jump = await read_list(client, platform.url, token, "jump")
    assert (jump.testing, jump.published) == (("example.com",), ("example.com",))
    # Deleting a host that is not there answers 0, as WeChat documents.
    gone = await _change(client, platform, "server", "remove", "nowhere.example.com",
                         published=True)  # fmt: skip
    assert gone == [("nowhere.example.com", "applied")]
    assert platform.platform.published_flags == [False, True, True]
    assert platform.platform.reads == {"server": 2, "jump": 1}


async def test_the_lists_decide_which_merchant_adds_pass(platform: FakeWeChat) -> None:
    listed = platform.platform
    listed.testing["server"].add("api.example.com")
    listed.published["jump"].add("example.com")
    assert listed.on_list("server", "wss://API.example.com:8443/")
    assert not listed.on_list("server", "https://sub.api.example.com")  # no parent matching
    assert listed.on_list("jump", "https://m.example.com")  # business domains: subdomains too
    checked = PlatformList("jump", published=("example.com",))
    assert checked.covers("https://m.example.com") and not checked.covers("https://example.org")
    assert PlatformList("server", ("api.example.com",)).covers("wss://api.example.com:8443")


async def test_the_component_token_and_the_limits(
    platform: FakeWeChat, client: WeChatClient
) -> None:
    wrong = await change_list(
        client, platform.url, LiteralToken("tok-merchant"), kind="server", action="add",
        hosts=["a.example.com"], published=False,
    )  # fmt: skip
    assert [(r.result, r.errcode) for r in wrong] == [("failed", 40001)]
    hosts = [f"h{i}.example.com" for i in range(301)]
    too_many = await _change(client, platform, "jump", "add", *hosts, published=False)
    assert {result for _h, result in too_many} == {"failed"}
    assert platform.platform.testing["jump"] == set()
    platform.platform.month_changes["server"] = 50
    over = await change_list(
        client, platform.url, LiteralToken(MARKER), kind="server", action="add",
        hosts=["a.example.com"], published=False,
    )  # fmt: skip
    assert [(r.result, r.errcode) for r in over] == [("failed", 86102)]
    assert platform.platform.testing["server"] == set()


def test_answers_as_documented_a_string_of_hosts_or_a_list(platform: FakeWeChat) -> None:
    import urllib.request

    body = json.dumps({"action": "get"}).encode()
    for path in (SERVER_PATH, JUMP_PATH):
        url = f"{platform.url}{path}?access_token={MARKER}"
        with urllib.request.urlopen(urllib.request.Request(url, body)) as answer:
            data = json.load(answer)
        name = "wxa_server_domain" if path == SERVER_PATH else "wxa_jump_h5_domain"
        assert data[f"testing_{name}"] == "" and data[f"published_{name}"] == ""
    parsed = parse_list("server", {"testing_wxa_server_domain": "a.com;b.com; ",
                                   "published_wxa_server_domain": ["a.com"]})  # fmt: skip
    assert (parsed.testing, parsed.published) == (("a.com", "b.com"), ("a.com",))
