"""The fake's third-party platform: its own server and jump (business) domain lists, read and
changed with the component_access_token, and checked by the merchants' 方式一 writes."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from wxdash.fakeserver.answers import Answer, Refused, Request
from wxdash.fakeserver.scenarios import misbehave

SERVER_PATH = "/cgi-bin/component/modify_wxa_server_domain"
JUMP_PATH = "/cgi-bin/component/modify_wxa_jump_domain"
FIELDS = {"server": "wxa_server_domain", "jump": "wxa_jump_h5_domain"}
# WeChat's documented limits: 1,000 server and 300 jump domains, 50 changes a month.
LIMITS = {"server": 1000, "jump": 300}
TOO_MANY = {"server": 85016, "jump": 89029}
MONTHLY_CHANGES = 50
ACTIONS = ("add", "delete", "set", "get")


def _lists() -> dict[str, set[str]]:
    return {"server": set(), "jump": set()}


@dataclass
class FakePlatform:
    """The platform: its token, its testing and published lists (hosts, lower case), what it
    was asked."""

    token: str = field(default_factory=lambda: "component-" + secrets.token_hex(16))
    testing: dict[str, set[str]] = field(default_factory=_lists)
    published: dict[str, set[str]] = field(default_factory=_lists)
    reads: Counter[str] = field(default_factory=Counter)  # `get` calls per list
    write_calls: Counter[str] = field(default_factory=Counter)  # add, delete, set per list
    month_changes: Counter[str] = field(default_factory=Counter)
    published_flags: list[bool] = field(default_factory=list)  # each write's flag, in order
    scenario: str = "ok"  # how the writes misbehave (after making the change)

    def on_list(self, kind: str, entry: str) -> bool:
        """Whether a merchant's entry (with its scheme) may be added the third-party way: its
        host on the testing or the published list; for jump, a subdomain of one as well."""
        netloc = entry.strip().rstrip("/").lower().split("://", 1)[-1].split("/", 1)[0]
        host = netloc.rsplit(":", 1)[0] if ":" in netloc else netloc
        listed = self.testing[kind] | self.published[kind]
        if host in listed:
            return True
        return kind == "jump" and any(host.endswith("." + parent) for parent in listed)


def modify_wxa_server_domain(request: Request) -> Answer:
    return _modify(request, "server")


def modify_wxa_jump_domain(request: Request) -> Answer:
    return _modify(request, "jump")


def _modify(request: Request, kind: str) -> Answer:
    platform: FakePlatform = request.fake.platform
    if request.token is None:
        raise Refused(41001)
    if request.token != platform.token:
        raise Refused(40001)
    asked = request.json()
    if not isinstance(asked, dict):
        raise Refused(44002)
    action = asked.get("action")
    if action not in ACTIONS:
        raise Refused(40066 if action is None else 85015)
    if action == "get":
        platform.reads[kind] += 1
        return misbehave(request, "ok", platform.reads[kind], _answer(platform, kind, []))
    platform.write_calls[kind] += 1
    if platform.month_changes[kind] >= MONTHLY_CHANGES:
        raise Refused(86102)
    together = asked.get("is_modify_published_together") is True
    hosts = [h.strip() for h in str(asked.get(FIELDS[kind]) or "").split(";") if h.strip()]
    good = [h.lower().rstrip("/") for h in hosts if _valid(h)]
    invalid = [h for h in hosts if not _valid(h)]
    lists = [platform.testing[kind], *([platform.published[kind]] if together else [])]
    for listed in lists:
        after = _changed(listed, good, action)
        if len(after) > LIMITS[kind]:
            raise Refused(TOO_MANY[kind])
    for listed in lists:
        after = _changed(listed, good, action)
        listed.clear()
        listed.update(after)
    platform.month_changes[kind] += 1
    platform.published_flags.append(together)
    answer = _answer(platform, kind, invalid)
    return misbehave(request, platform.scenario, platform.write_calls[kind], answer)


def _valid(host: str) -> bool:
    """A host the fake accepts: no scheme, path or port, and ICP filed ("noicp" is not)."""
    return not any(mark in host.lower() for mark in ("://", "/", ":", "noicp"))


def _changed(listed: set[str], hosts: list[str], action: str) -> set[str]:
    if action == "add":
        return listed | set(hosts)
    if action == "delete":  # deleting a host that is not there is no error
        return listed - set(hosts)
    return set(hosts)  # set


def _answer(platform: FakePlatform, kind: str, invalid: list[str]) -> dict[str, Any]:
    name = FIELDS[kind]
    return {
        "errcode": 0,
        "errmsg": "ok",
        f"published_{name}": ";".join(sorted(platform.published[kind])),
        f"testing_{name}": ";".join(sorted(platform.testing[kind])),
        f"invalid_{name}": ";".join(invalid),
    }
