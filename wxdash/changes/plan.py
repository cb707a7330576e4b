"""The plan of a domain change, per profile: what a call would change against the `via`
group's current lists, what it costs this month, and (after a killed run) what an earlier
call's `unknown` turned out to be. Pure but for the ledger it reads."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wxdash.changes.ledger import MONTHLY_LIMIT, Ledger
from wxdash.insight import lint_domain, parse_address
from wxdash.wechat.models import Group, ParseWarning, Protocol

if TYPE_CHECKING:
    from wxdash.fleet import FetchOutcome
    from wxdash.profiles import Profile
    from wxdash.wechat.models import DomainReport

# Lint rules that refuse a new domain before any call; the others only warn.
REFUSING = frozenset(
    {"lint_scheme", "lint_ip", "lint_localhost", "lint_path", "lint_wildcard", "lint_wechat"}
)
GROUPS = {"direct": Group.DIRECT, "third": Group.THIRD}
OTHER = {"direct": Group.THIRD, "third": Group.DIRECT}


@dataclass(frozen=True, slots=True)
class Change:
    """One domain of one profile: what is asked and (after applying) what came of it."""

    name: str
    appid: str
    via: str
    action: str  # add or remove
    protocol: str  # the API's name: requestdomain ... webviewdomain
    domain: str
    result: str = "planned"  # applied, refused, failed, skipped, unknown
    errcode: int | None = None
    message: str = ""
    hint: str = ""
    reason: str = ""  # why skipped: present, absent, recent, limit, fetch, cancelled

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "appid": self.appid, "via": self.via, "action": self.action,
            "protocol": self.protocol, "domain": self.domain, "result": self.result,
            "errcode": self.errcode, "message": self.message,
        }  # fmt: skip


@dataclass
class ProfilePlan:
    """What one profile's calls would change."""

    profile: Profile
    via: str
    action: str
    send: dict[str, list[Change]] = field(default_factory=dict)  # "server"/"webview" -> changes
    skipped: list[Change] = field(default_factory=list)
    refused: list[Change] = field(default_factory=list)  # before any call (the platform's list)
    calls_this_month: dict[str, int] = field(default_factory=dict)
    mixed: bool = False  # the profile already uses the other way
    view: DomainReport | None = None

    @property
    def calls(self) -> int:
        return sum(1 for changes in self.send.values() if changes)


def lint_refusals(wanted: list[tuple[Protocol, str]]) -> list[ParseWarning]:
    """A warning for every new domain a refusing lint rule catches."""
    return [
        ParseWarning(kind, None, protocol.value, domain, detail)
        for protocol, domain in wanted
        for kind, detail in lint_domain(protocol, domain)
        if kind in REFUSING
    ]


def _key(protocol: Protocol, domain: str) -> tuple[str, str, int | None]:
    return parse_address(domain, protocol.scheme).key


def plan_profile(
    outcome: FetchOutcome, wanted: list[tuple[Protocol, str]], via: str, action: str,
    ledger: Ledger,
) -> ProfilePlan:  # fmt: skip
    """The plan for one fetched profile: compared against the `via` group only."""
    profile = outcome.profile
    plan = ProfilePlan(profile, via, action, view=outcome.view())
    for kind in ("server", "webview"):
        plan.calls_this_month[kind] = ledger.calls_this_month(profile.appid, kind)
    if plan.view is None or outcome.report is None:
        plan.skipped = [_change(plan, p, d, "skipped", reason="fetch") for p, d in wanted]
        return plan
    other = plan.view[OTHER[via]]
    plan.mixed = other is not None and other.total > 0
    group = plan.view[GROUPS[via]]
    recent = ledger.recently_applied(profile.appid, via, action)
    for protocol, domain in wanted:
        if not protocol.is_server and outcome.webview is None:  # its lists are not known
            plan.skipped.append(_change(plan, protocol, domain, "skipped", reason="fetch"))
            continue
        there = {_key(protocol, d): d for d in (group[protocol] if group else ())}
        found = there.get(_key(protocol, domain))
        if action == "add" and found is not None:
            plan.skipped.append(_change(plan, protocol, domain, "skipped", reason="present"))
        elif action == "remove" and found is None:
            plan.skipped.append(_change(plan, protocol, domain, "skipped", reason="absent"))
        elif (protocol.value, domain) in recent:
            plan.skipped.append(_change(plan, protocol, domain, "skipped", reason="recent"))
        else:
            sent = found if action == "remove" and found is not None else domain
            kind = "server" if protocol.is_server else "webview"
            plan.send.setdefault(kind, []).append(_change(plan, protocol, sent))
    return plan


def over_limit(plan: ProfilePlan, ledger: Ledger | None = None) -> None:
    """Leave out the server call of a profile at WeChat's monthly limit (counted again from
    `ledger` when given: under its lock, another run may have spent the last call)."""
    if ledger is not None:
        plan.calls_this_month["server"] = ledger.calls_this_month(plan.profile.appid, "server")
        recent = ledger.recently_applied(plan.profile.appid, plan.via, plan.action)
        for kind, changes in list(plan.send.items()):
            done = [c for c in changes if (c.protocol, c.domain) in recent]
            plan.skipped += [replaced(c, "skipped", reason="recent") for c in done]
            plan.send[kind] = [c for c in changes if c not in done]
    if plan.send.get("server") and plan.calls_this_month["server"] >= MONTHLY_LIMIT:
        plan.skipped += [replaced(c, "skipped", reason="limit") for c in plan.send.pop("server")]


def _change(
    plan: ProfilePlan, protocol: Protocol, domain: str, result: str = "planned", reason: str = ""
) -> Change:
    profile = plan.profile
    return Change(
        profile.name, profile.appid, plan.via, plan.action, protocol.value, domain, result,
        reason=reason,
    )  # fmt: skip


def replaced(change: Change, result: str, **values: Any) -> Change:
    return dataclasses.replace(change, result=result, **values)


def settle(ledger: Ledger, plan: ProfilePlan) -> None:
    """Give each `unknown` of this profile's earlier calls (same way) its result, from the
    lists just fetched: applied where the lists show the change, else skipped (not made)."""
    if plan.view is None:
        return
    group = plan.view[GROUPS[plan.via]]
    for call in list(ledger.calls_of(plan.profile.appid)):
        if call.get("via") != plan.via:
            continue
        if not any(d["result"] == "unknown" for d in call["domains"]):
            continue
        settled = []
        for d in call["domains"]:
            try:
                protocol = Protocol(d.get("protocol"))
            except ValueError:
                continue  # a line edited by hand: left as it is
            present = {_key(protocol, e) for e in (group[protocol] if group else ())}
            made = (_key(protocol, d.get("domain", "")) in present) == (call["action"] == "add")
            settled.append({"protocol": d.get("protocol"), "domain": d.get("domain"),
                            "result": "applied" if made else "skipped", "errcode": None,
                            "rid": "", "settled": True})  # fmt: skip
        ledger.result(call["id"], settled)
