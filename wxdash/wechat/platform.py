"""The third-party platform's own lists: its server domains and its jump (business) domains,
read and changed with the component_access_token (`component/modify_wxa_*_domain`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wxdash.wechat.body import parse_json_body
from wxdash.wechat.errors import WxDashError
from wxdash.wechat.writes import ACTIONS, DomainResult, error_results

if TYPE_CHECKING:
    from wxdash.wechat.client import TokenProvider, WeChatClient

# The list's kind -> the API's path and the name its fields are built on.
PATHS = {
    "server": "/cgi-bin/component/modify_wxa_server_domain",
    "jump": "/cgi-bin/component/modify_wxa_jump_domain",
}
FIELDS = {"server": "wxa_server_domain", "jump": "wxa_jump_h5_domain"}
KINDS = tuple(PATHS)


def same_host(host: str) -> str:
    """A host as the platform's lists compare it: no scheme, case or trailing slash."""
    return host.strip().rstrip("/").lower().split("://", 1)[-1]


def host_of(entry: str) -> str:
    """A merchant's entry (`wss://a.example.com:8443/`) as the platform's lists name it: the
    host alone."""
    netloc = same_host(entry).split("/", 1)[0]
    if netloc.startswith("["):  # an IPv6 literal (lint refuses it anyway)
        return netloc.split("]", 1)[0] + "]"
    return netloc.rsplit(":", 1)[0] if ":" in netloc else netloc


@dataclass(frozen=True, slots=True)
class PlatformList:
    """One of the platform's lists as WeChat answered: testing (what test mini programs and
    the platform's own checks use) and published (after 全网发布)."""

    kind: str  # server or jump
    testing: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()  # what a change refused

    def hosts(self) -> set[str]:
        """Every host on either list, as compared."""
        return {same_host(h) for h in (*self.testing, *self.published)}

    def covers(self, host: str) -> bool:
        """Whether a merchant may add `host` the third-party way: it is on the list, or (for
        business domains) under one of its domains."""
        host = host_of(host)
        listed = self.hosts()
        if host in listed:
            return True
        return self.kind == "jump" and any(host.endswith("." + parent) for parent in listed)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "testing": list(self.testing), "published": list(self.published)}


def _hosts(value: Any) -> tuple[str, ...]:
    """A `;`-separated string (as documented) or a list (as some answers have it)."""
    if isinstance(value, str):
        return tuple(h.strip() for h in value.split(";") if h.strip())
    if isinstance(value, list):
        return tuple(str(h).strip() for h in value if str(h).strip())
    return ()


def parse_list(kind: str, answer: dict[str, Any]) -> PlatformList:
    name = FIELDS[kind]
    return PlatformList(
        kind,
        testing=_hosts(answer.get(f"testing_{name}")),
        published=_hosts(answer.get(f"published_{name}")),
        invalid=_hosts(answer.get(f"invalid_{name}")),
    )


async def read_list(
    client: WeChatClient, api_base: str | None, token: TokenProvider, kind: str
) -> PlatformList:
    """The platform's `kind` list (action `get`); a read, so retried like one."""
    answer = await client.call_with_token(
        api_base, PATHS[kind], token, parse_json_body, {"action": "get"}
    )
    return parse_list(kind, answer)


async def change_list(
    client: WeChatClient,
    api_base: str | None,
    token: TokenProvider,
    *,
    kind: str,
    action: str,
    hosts: Sequence[str],
    published: bool,
) -> list[DomainResult]:
    """One add or delete call on the platform's `kind` list; with `published`, the published
    list changes together with the testing one. Sent once (idempotent=False): a lost answer
    is `unknown`, never sent again."""
    protocol = FIELDS[kind]
    payload = {
        "action": ACTIONS[action],
        protocol: ";".join(hosts),
        "is_modify_published_together": published,
    }
    try:
        answer = await client.call_with_token(
            api_base, PATHS[kind], token, parse_json_body, payload, idempotent=False
        )
    except WxDashError as error:
        return error_results(error, [(protocol, h) for h in hosts])
    refused = {same_host(h) for h in parse_list(kind, answer).invalid}
    return [
        DomainResult(protocol, h, "refused", 0, f"invalid_{protocol}")
        if same_host(h) in refused
        else DomainResult(protocol, h, "applied", 0)
        for h in hosts
    ]
