"""What a failed profile says: its line in the text output and its stderr lines with a hint."""

from __future__ import annotations

from wxdash.fleet import FetchOutcome, QuotaOutcome
from wxdash.i18n import _
from wxdash.output.formats import heading
from wxdash.safetext import visible
from wxdash.wechat.errors import WxDashError


def failed_line(outcome: FetchOutcome) -> str:
    """`NAME  APPID  failed: message`, for a profile whose fetch failed."""
    assert outcome.error is not None
    return _("{head}  failed: {message}").format(
        head=heading(outcome), message=visible(outcome.error.message)
    )


def webview_error(outcome: FetchOutcome) -> WxDashError | None:
    """The webview call's error, unless it is the server call's too (a token that failed)."""
    error = outcome.webview_error
    if error is None or (outcome.error is not None and outcome.error.same_failure(error)):
        return None
    return error


def webview_failure(outcome: FetchOutcome) -> list[str]:
    """The line saying the webview call failed, if it failed alone."""
    error = webview_error(outcome)
    if error is None:
        return []
    return ["  " + _("webview: failed: {message}").format(message=visible(error.message))]


def error_text(outcome: FetchOutcome | QuotaOutcome) -> str:
    """The stderr lines for a failed profile: what happened, with errcode and hint."""
    assert outcome.error is not None
    return describe_error(outcome.profile.name, outcome.error)


def describe_error(name: str, error: WxDashError, what: str = "") -> str:
    """`wxdash: NAME: message` and its hint, for stderr; `what` names the call that failed."""
    subject = visible(name) + (f" {what}" if what else "")
    lines = [f"wxdash: {subject}: {visible(error.message)}"]
    if error.hint:
        lines.append("  " + _("hint: {hint}").format(hint=visible(error.hint)))
    return "\n".join(lines)
