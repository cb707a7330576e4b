"""`wxdash domains`: the plan, each domain's result and the summary, and the ledger, as text
or JSON."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from wxdash.i18n import _, ngettext, pgettext
from wxdash.output.formats import dumps
from wxdash.safetext import visible

if TYPE_CHECKING:
    from wxdash.changes.plan import Change, ProfilePlan
    from wxdash.changes.platform import PlatformCheck

SUMMARY_KEYS = ("applied", "refused", "failed", "skipped", "unknown")


def reasons() -> dict[str, str]:
    return {
        "present": _("already there"),
        "absent": _("already absent"),
        "recent": _("applied in the last hour (ledger)"),
        "limit": _("over the limit of 50 calls this month"),
        "fetch": _("its current lists could not be fetched"),
        "cancelled": _("not sent: stopped before its turn"),
        "platform": _("not on the platform's own list: WeChat would refuse it; not sent"),
    }


def _results() -> dict[str, str]:
    return {
        "applied": _("applied"),
        "refused": _("refused"),
        "failed": _("failed"),
        "skipped": _("skipped"),
        "unknown": _("unknown"),
    }


def plan_json(plans: Iterable[ProfilePlan], platform: PlatformCheck | None = None) -> str:
    """The plan; with `platform` (a third-party add), what the platform's list said."""
    planned: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    for plan in plans:
        for kind, changes in plan.send.items():
            for change in changes:
                row = {k: change.to_json()[k] for k in ("name", "appid", "via", "action")}
                row.update(protocol=change.protocol, domain=change.domain)
                row["calls_this_month"] = plan.calls_this_month.get(kind, 0)
                planned.append(row)
        skipped += [_skipped_json(c) for c in plan.skipped]
        refused += [{**_skipped_json(c), "hint": c.hint} for c in plan.refused]
    found: dict[str, Any] = {"plan": planned, "skipped": skipped, "refused": refused}
    if platform is not None:
        found["platform_list"] = platform.to_json()
    return dumps(found) + "\n"


def _skipped_json(change: Change) -> dict[str, Any]:
    return {**change.to_json(), "reason": change.reason}


def _platform_note(platform: PlatformCheck | None) -> list[str]:
    """What a third-party add was checked against, in a line or two."""
    if platform is None:
        return []
    if not platform.unchecked:
        return [_("note: checked against the platform's own lists, read just now")]
    if platform.unchecked == "no_section":
        why = _("there is no [platform] section in the config")
    else:
        why = _("it could not be read: {error}").format(error=visible(platform.detail))
    return [
        _("note: the platform's own list was not checked ({why}); WeChat refuses a domain not "
          "on it with 85018 (89021 for webview)").format(why=why)
    ]  # fmt: skip


def plan_text(plans: Iterable[ProfilePlan], platform: PlatformCheck | None = None) -> str:
    lines: list[str] = _platform_note(platform)
    why_of = reasons()
    refused = False
    for plan in plans:
        profile = plan.profile
        month = _("this month: {server}/50 server-domain calls, {webview} webview calls").format(
            server=plan.calls_this_month.get("server", 0),
            webview=plan.calls_this_month.get("webview", 0),
        )
        calls = ngettext("{n} call", "{n} calls", plan.calls).format(n=plan.calls)
        budget = _("{calls}; {month}").format(calls=calls, month=month)
        lines.append(f"{visible(profile.name)}  {visible(profile.appid)}  {budget}")
        mark = "+" if plan.action == "add" else "-"
        for changes in plan.send.values():
            lines += [f"  {mark} {c.protocol}  {visible(c.domain)}" for c in changes]
        for change in plan.skipped:
            why = why_of.get(change.reason, change.reason)
            lines.append(f"  = {change.protocol}  {visible(change.domain)}  ({why})")
        for change in plan.refused:
            why = _("not on the platform's own list: WeChat would answer {errcode}").format(
                errcode=change.errcode
            )
            lines.append(f"  ! {change.protocol}  {visible(change.domain)}  ({why})")
            refused = True
        if plan.mixed:
            other = _("third-party") if plan.via == "direct" else _("direct")
            lines.append(
                "  "
                + _("warning: this profile already has {other} domains; WeChat advises one "
                    "way per mini program").format(other=other)
            )  # fmt: skip
    if refused:
        lines.append(
            _("hint: add it to the platform's list first (wxdash platform domains add --server "
              "HOST, or --jump HOST for webview), or use --via direct")
        )  # fmt: skip
    return "\n".join(lines) + "\n" if lines else ""


def summary(changes: Iterable[Change], calls: int) -> dict[str, int]:
    counts = dict.fromkeys(SUMMARY_KEYS, 0)
    for change in changes:
        if change.result in counts:
            counts[change.result] += 1
    return {**counts, "calls": calls}


def changes_json(changes: list[Change], calls: int) -> str:
    rows = [c.to_json() for c in changes]
    return dumps({"changes": rows, "summary": summary(changes, calls)}) + "\n"


def _actions() -> dict[str, str]:
    return {"add": _("add"), "remove": _("remove")}


def change_line(change: Change) -> str:
    result = _results().get(change.result, change.result)
    action = _actions().get(change.action, change.action)
    line = f"{visible(change.name)}  {action} {change.protocol}  {visible(change.domain)}  {result}"
    if change.reason:
        line += f" ({reasons().get(change.reason, change.reason)})"
    elif change.result == "refused":
        line += f" ({visible(change.message)})"
    elif change.errcode or change.result in ("failed", "unknown"):
        line += f": {visible(change.message)}"
        if change.hint:
            line += "\n    " + _("hint: {hint}").format(hint=visible(change.hint))
    return line


def summary_text(changes: list[Change], calls: int) -> str:
    counts = summary(changes, calls)
    results = _results()
    parts = [f"{results[k]} {counts[k]}" for k in SUMMARY_KEYS]
    made = ngettext("{n} call", "{n} calls", calls).format(n=f"{calls:,}")
    counts_text = pgettext("counts separator", ", ").join(parts)
    return _("{calls}: {results}").format(calls=made, results=counts_text) + "\n"


def log_json(calls: list[dict[str, Any]]) -> str:
    return dumps({"log": calls}) + "\n"


def log_text(calls: list[dict[str, Any]]) -> str:
    lines = []
    results = _results()
    for call in calls:
        head = "  ".join(
            visible(str(call.get(k, ""))) for k in ("time", "profile", "appid", "via", "action")
        )
        if call.get("scope") == "platform":  # no appid: which list, and whether published too
            head = "  ".join(
                [visible(str(call.get("time", ""))), _("third-party platform"),
                 visible(str(call.get("kind", ""))), visible(str(call.get("action", "")))]
            )  # fmt: skip
            head += ("  " + _("(published too)")) if call.get("published") else ""
        lines.append(f"{head}  {results.get(call.get('result'), str(call.get('result')))}")
        for d in call.get("domains", []):
            result = results.get(d.get("result"), str(d.get("result")))
            tail = f"  {d['errcode']}" if d.get("errcode") else ""
            tail += f"  rid: {visible(d['rid'])}" if d.get("rid") else ""
            lines.append(f"  {d.get('protocol')}  {visible(str(d.get('domain')))}  {result}{tail}")
    return "\n".join(lines) + "\n" if lines else _("No changes in the ledger.") + "\n"
