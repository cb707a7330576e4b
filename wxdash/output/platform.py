"""`wxdash platform domains`: the platform's own lists and the plan of a change to them, as
text or JSON (results and the summary are written as for `domains`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from wxdash.i18n import _, ngettext
from wxdash.output.changes import reasons
from wxdash.output.formats import dumps
from wxdash.safetext import visible
from wxdash.wechat.platform import FIELDS, same_host

if TYPE_CHECKING:
    from wxdash.changes.platform import PlatformPlan
    from wxdash.wechat.platform import PlatformList


def _titles() -> dict[str, str]:
    return {"server": _("server domains"), "jump": _("jump (business) domains")}


def lists_json(lists: Mapping[str, PlatformList]) -> str:
    return dumps({kind: listed.to_json() for kind, listed in lists.items()}) + "\n"


def lists_text(lists: Mapping[str, PlatformList]) -> str:
    """Each list's hosts, each marked testing, published or both."""
    lines: list[str] = []
    titles = _titles()
    for kind, listed in lists.items():
        testing = {same_host(h) for h in listed.testing}
        live = {same_host(h) for h in listed.published}
        head = _("{title} ({field}): {testing} testing, {published} published").format(
            title=titles[kind], field=FIELDS[kind], testing=len(testing), published=len(live)
        )
        lines.append(head)
        for host in sorted(testing | live):
            where = [_("testing")] * (host in testing) + [_("published")] * (host in live)
            lines.append(f"  {visible(host)}  {', '.join(where)}")
    return "\n".join(lines) + "\n"


def plan_json(plan: PlatformPlan) -> str:
    planned: list[dict[str, Any]] = []
    for kind, changes in plan.send.items():
        for change in changes:
            planned.append({
                "list": kind, "action": plan.action, "protocol": change.protocol,
                "domain": change.domain, "published": plan.published,
                "calls_this_month": plan.calls_this_month.get(kind, 0),
            })  # fmt: skip
    skipped = [
        {"list": _kind_of(c.protocol), **c.to_json(), "reason": c.reason} for c in plan.skipped
    ]
    return dumps({"plan": planned, "skipped": skipped}) + "\n"


def _kind_of(protocol: str) -> str:
    return next((kind for kind, name in FIELDS.items() if name == protocol), protocol)


def plan_text(plan: PlatformPlan) -> str:
    month = _("this month: {server}/50 server-list calls, {jump}/50 jump-list calls").format(
        server=plan.calls_this_month.get("server", 0), jump=plan.calls_this_month.get("jump", 0)
    )
    calls = ngettext("{n} call", "{n} calls", plan.calls).format(n=plan.calls)
    who = _("third-party platform")
    lines = [f"{who}  {calls}; {month}"]
    mark = "+" if plan.action == "add" else "-"
    for changes in plan.send.values():
        lines += [f"  {mark} {c.protocol}  {visible(c.domain)}" for c in changes]
    why_of = reasons()
    for change in plan.skipped:
        why = why_of.get(change.reason, change.reason)
        lines.append(f"  = {change.protocol}  {visible(change.domain)}  ({why})")
    if plan.calls:
        lines.append(
            _("the testing and the published lists change together (--published)")
            if plan.published
            else _("only the testing list changes; --published changes the published one too")
        )
    return "\n".join(lines) + "\n"
