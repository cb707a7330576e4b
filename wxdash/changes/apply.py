"""Applying planned domain changes: one call per profile and API, a bounded number at once,
each between a `sent` and a result line of the ledger."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wxdash.changes.ledger import Ledger, rid_of
from wxdash.changes.plan import Change, ProfilePlan, replaced
from wxdash.wechat.writes import DomainResult, change_domains

if TYPE_CHECKING:
    from wxdash.changes.confirmcheck import ConfirmCheck
    from wxdash.fleet import Fleet


async def apply_plans(
    fleet: Fleet,
    plans: list[ProfilePlan],
    ledger: Ledger,
    concurrency: int,
    done: Callable[[list[Change]], None] | None = None,
    confirm: ConfirmCheck | None = None,
    stop: asyncio.Event | None = None,
) -> list[Change]:
    """Make each plan's calls, `concurrency` at once, each between a `sent` and a result line.
    With `confirm`, a direct webview add is sent only for domains that serve WeChat's file.
    Once `stop` is set, no call starts (those under way finish): the rest are skipped."""
    limit = asyncio.Semaphore(concurrency)

    async def one(plan: ProfilePlan, kind: str, changes: list[Change]) -> list[Change]:
        async with limit:
            if stop is not None and stop.is_set():
                results = [replaced(c, "skipped", reason="cancelled") for c in changes]
            else:
                results = await _checked_call(fleet, plan, kind, changes, ledger, confirm)
        if done is not None:
            done(results)
        return results

    tasks = [
        one(plan, kind, changes) for plan in plans for kind, changes in plan.send.items() if changes
    ]
    found: list[Change] = []
    # Every call under way ends before a failure (the ledger's) is raised: none is left
    # running behind a run that says it is over.
    for results in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(results, BaseException):
            raise results
        found += results
    return found


async def _checked_call(
    fleet: Fleet,
    plan: ProfilePlan,
    kind: str,
    changes: list[Change],
    ledger: Ledger,
    confirm: ConfirmCheck | None,
) -> list[Change]:
    """The call, after (with `confirm`, for a direct webview add) checking the domains serve
    WeChat's file: those that do not are failed, never sent."""
    failed: list[Change] = []
    if confirm is not None and (kind, plan.via, plan.action) == ("webview", "direct", "add"):
        token = fleet.source(plan.profile)
        changes, failed = await confirm.split(fleet.client, plan.profile, token, changes)
    if not changes:
        return failed
    return await _call(fleet, plan, kind, changes, ledger) + failed


async def _call(
    fleet: Fleet, plan: ProfilePlan, kind: str, changes: list[Change], ledger: Ledger
) -> list[Change]:
    profile = plan.profile
    pairs = [(c.protocol, c.domain) for c in changes]
    call = ledger.sent(name=profile.name, appid=profile.appid, via=plan.via,
                       action=plan.action, kind=kind, domains=pairs)  # fmt: skip
    lists: dict[str, list[str]] = {}
    for protocol, domain in pairs:
        lists.setdefault(protocol, []).append(domain)
    results = await change_domains(
        fleet.client, profile.api_base, fleet.source(profile), via=plan.via,
        action=plan.action, lists=lists,
    )  # fmt: skip
    ledger.result(call, [ledger_row(r) for r in results])
    return [merged(c, r) for c, r in zip(changes, results, strict=True)]


def ledger_row(result: DomainResult) -> dict[str, Any]:
    return {
        "protocol": result.protocol, "domain": result.domain, "result": result.result,
        "errcode": result.errcode, "rid": rid_of(result.message),
    }  # fmt: skip


def merged(change: Change, result: DomainResult) -> Change:
    return replaced(
        change, result.result, errcode=result.errcode, message=result.message, hint=result.hint
    )
