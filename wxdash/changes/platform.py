"""The platform's own lists as changes: the plan of `platform domains add|remove`, its calls
(one per list, each in the ledger), and the check a third-party merchant add gets against them
before any call."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wxdash.changes.apply import ledger_row, merged
from wxdash.changes.ledger import MONTHLY_LIMIT, Ledger
from wxdash.changes.plan import Change
from wxdash.i18n import _
from wxdash.wechat.errors import hint_for
from wxdash.wechat.platform import FIELDS, PlatformList, change_list, host_of, same_host

if TYPE_CHECKING:
    from wxdash.changes.plan import ProfilePlan
    from wxdash.profiles import Platform
    from wxdash.wechat.client import TokenProvider, WeChatClient
    from wxdash.wechat.models import Protocol
    from wxdash.wechat.tokens import TokenSource

# How the platform's calls are named in the ledger: no merchant has an empty appid.
PLATFORM_NAME = "platform"
PLATFORM_APPID = ""
VIA = "platform"
# A merchant's list -> the platform's list it must be on, and WeChat's errcode when it is not.
NEEDS = {"server": ("server", 85018), "webview": ("jump", 89021)}


@dataclass
class PlatformPlan:
    """What a `platform domains add|remove` would change, per list (server, jump)."""

    action: str
    published: bool
    lists: dict[str, PlatformList]
    send: dict[str, list[Change]] = field(default_factory=dict)
    skipped: list[Change] = field(default_factory=list)
    calls_this_month: dict[str, int] = field(default_factory=dict)

    @property
    def calls(self) -> int:
        return sum(1 for changes in self.send.values() if changes)


def _change(kind: str, host: str, action: str, result: str = "planned", reason: str = "") -> Change:
    return Change(
        PLATFORM_NAME, PLATFORM_APPID, VIA, action, FIELDS[kind], host, result, reason=reason
    )


def plan_platform(
    lists: Mapping[str, PlatformList],
    wanted: list[tuple[str, str]],
    action: str,
    published: bool,
    ledger: Ledger,
) -> PlatformPlan:
    """Compare each wanted (kind, host) with the list just read: an add already on the testing
    list (and, with `published`, the published one) is skipped, as is a remove of a host on
    neither."""
    plan = PlatformPlan(action, published, dict(lists))
    for kind, host in wanted:
        current = lists[kind]
        testing = {same_host(h) for h in current.testing}
        live = {same_host(h) for h in current.published}
        on = [same_host(host) in testing, *([same_host(host) in live] if published else [])]
        if action == "add" and all(on):
            plan.skipped.append(_change(kind, host, action, "skipped", "present"))
        elif action == "remove" and not any(on):
            plan.skipped.append(_change(kind, host, action, "skipped", "absent"))
        else:
            plan.send.setdefault(kind, []).append(_change(kind, host, action))
    over_limit(plan, ledger)
    return plan


def over_limit(plan: PlatformPlan, ledger: Ledger) -> None:
    """Leave out the calls of a list at WeChat's 50 changes a month (counted from the ledger:
    under its lock, another run may have spent the last one)."""
    for kind in plan.lists:
        plan.calls_this_month[kind] = ledger.calls_this_month(PLATFORM_APPID, kind)
    for kind in list(plan.send):
        if plan.send[kind] and plan.calls_this_month[kind] >= MONTHLY_LIMIT:
            plan.skipped += [
                dataclasses.replace(c, result="skipped", reason="limit")
                for c in plan.send.pop(kind)
            ]


def settle(ledger: Ledger, lists: Mapping[str, PlatformList]) -> None:
    """Give each `unknown` of the platform's earlier calls its result from the lists just
    read: applied where the testing list shows the change, else skipped (not made)."""
    for call in list(ledger.calls_of(PLATFORM_APPID)):
        current = lists.get(str(call.get("kind")))
        if call.get("via") != VIA or current is None:
            continue
        if not any(d["result"] == "unknown" for d in call["domains"]):
            continue
        testing = {same_host(h) for h in current.testing}
        rows = []
        for d in call["domains"]:
            made = (same_host(str(d.get("domain"))) in testing) == (call["action"] == "add")
            rows.append({"protocol": d.get("protocol"), "domain": d.get("domain"),
                         "result": "applied" if made else "skipped", "errcode": None,
                         "rid": "", "settled": True})  # fmt: skip
        ledger.result(call["id"], rows)


async def apply_platform(
    client: WeChatClient,
    api_base: str | None,
    token: TokenProvider,
    plan: PlatformPlan,
    ledger: Ledger,
    done: Callable[[list[Change]], None] | None = None,
) -> list[Change]:
    """The plan's calls, one list after the other, each between a `sent` and a result line."""
    found: list[Change] = []
    for kind, changes in plan.send.items():
        if not changes:
            continue
        hosts = [c.domain for c in changes]
        call = ledger.sent(
            name=PLATFORM_NAME, appid=PLATFORM_APPID, via=VIA, action=plan.action, kind=kind,
            domains=[(c.protocol, c.domain) for c in changes], scope="platform",
            published=plan.published,
        )  # fmt: skip
        results = await change_list(
            client, api_base, token, kind=kind, action=plan.action, hosts=hosts,
            published=plan.published,
        )  # fmt: skip
        ledger.result(call, [ledger_row(r) for r in results])
        changed = [merged(c, r) for c, r in zip(changes, results, strict=True)]
        if done is not None:
            done(changed)
        found += changed
    return found


@dataclass(frozen=True, slots=True)
class PlatformCheck:
    """What a third-party merchant add was checked against: the platform's lists read, or
    why they were not (`unchecked`: `no_section` or `unreadable`, with `detail`)."""

    lists: Mapping[str, PlatformList] = field(default_factory=dict)
    unchecked: str = ""
    detail: str = ""
    hint: str = ""

    def refuse(self, plan: ProfilePlan) -> None:
        """Move each planned add whose host the platform's list lacks to `plan.refused`, with
        the errcode WeChat would answer: it is never sent."""
        if self.unchecked or plan.via != "third" or plan.action != "add":
            return
        for kind, changes in list(plan.send.items()):
            needed, errcode = NEEDS[kind]
            listed = self.lists.get(needed)
            if listed is None:
                continue
            off = [c for c in changes if not listed.covers(host_of(c.domain))]
            plan.refused += [_refused(c, errcode) for c in off]
            plan.send[kind] = [c for c in changes if c not in off]

    def to_json(self) -> dict[str, Any]:
        return {"checked": not self.unchecked, "reason": self.unchecked or None}


def platform_source(
    client: WeChatClient, platform: Platform, command_timeout: float
) -> TokenSource:
    """The platform's token source; a token_command runs with WXDASH_PROFILE=platform."""
    from wxdash.wechat.tokens import make_source

    return make_source(
        platform.token, appid=PLATFORM_APPID, profile=PLATFORM_NAME, client=client,
        api_base=platform.api_base, command_timeout=command_timeout,
    )  # fmt: skip


async def check_platform(
    client: WeChatClient,
    platform: Platform | None,
    wanted: Iterable[tuple[Protocol, str]],
    command_timeout: float,
) -> PlatformCheck:
    """What a third-party add of `wanted` is checked against: the platform's lists it needs
    (server, jump), read now; or why they could not be."""
    from wxdash.wechat.errors import WxDashError
    from wxdash.wechat.platform import read_list

    if platform is None:
        return PlatformCheck(unchecked="no_section")
    kinds = sorted({NEEDS["server" if p.is_server else "webview"][0] for p, _d in wanted})
    token = platform_source(client, platform, command_timeout)
    try:
        lists = {kind: await read_list(client, platform.api_base, token, kind) for kind in kinds}
    except WxDashError as error:
        return PlatformCheck(unchecked="unreadable", detail=error.message, hint=error.hint)
    return PlatformCheck(lists)


def _refused(change: Change, errcode: int) -> Change:
    return dataclasses.replace(
        change,
        result="refused",
        errcode=errcode,
        reason="platform",
        message=_("not on the platform's own list"),
        hint=hint_for(errcode),
    )
