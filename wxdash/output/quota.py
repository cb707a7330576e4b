"""`wxdash quota`: each profile's daily call limit, use and rate limits, as text or JSON."""

from __future__ import annotations

from collections.abc import Iterable

from wxdash.fleet import QuotaOutcome
from wxdash.i18n import _
from wxdash.output.formats import dumps, error_json, heading, pad, width
from wxdash.safetext import visible


def render_quota_json(outcomes: Iterable[QuotaOutcome]) -> str:
    rows = [
        {
            "name": o.profile.name,
            "appid": o.profile.appid,
            "ok": o.error is None,
            "error": error_json(o.error),
            "checked_at": o.checked_at.isoformat(),
            "quota": o.quota.to_json() if o.quota is not None else None,
        }
        for o in outcomes
    ]
    return dumps({"quotas": rows}) + "\n"


def render_quota_text(outcomes: Iterable[QuotaOutcome]) -> str:
    lines: list[str] = []
    for outcome in outcomes:
        head = heading(outcome)
        quota = outcome.quota
        if quota is None:
            message = visible(outcome.error.message) if outcome.error else ""
            lines.append(_("{head}  failed: {message}").format(head=head, message=message))
            continue
        lines.append(f"{head}  {quota.cgi_path}")
        rows = [
            (_("daily limit"), str(quota.daily_limit)),
            (_("used"), str(quota.used)),
            (_("remaining"), str(quota.remain)),
        ]
        for label, rate in (
            (_("rate limit"), quota.rate_limit),
            (_("as platform"), quota.component_rate_limit),
        ):
            if rate is not None:
                calls = _("{n} calls per {s} s").format(n=rate.call_count, s=rate.refresh_second)
                rows.append((label, calls))
        column = max(width(label) for label, _value in rows) + 2
        lines.extend(f"  {pad(label, column)}{value}" for label, value in rows)
    return "\n".join(lines) + "\n" if lines else ""
