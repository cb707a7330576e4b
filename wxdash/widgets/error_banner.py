"""The error banner: what went wrong with the last fetch, what to do, and which key retries."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.content import Content
from textual.widgets import Static

from wxdash.i18n import N_, _, sentences
from wxdash.quota import QuotaSkipped, next_reset
from wxdash.safetext import visible
from wxdash.state import clock
from wxdash.styles import stylesheet
from wxdash.wechat.errors import QUOTA_EXHAUSTED, UnsetVariableError, WxDashError

_KIND_LABEL = {
    "api": N_("WeChat API error"),
    "http": N_("HTTP error"),
    "network": N_("Network error"),
    "format": N_("Bad response"),
    "token": N_("Token error"),
    "config": N_("Config error"),
    "internal": N_("Internal error"),
}


def kind_label(kind: str) -> str:
    return _(_KIND_LABEL.get(kind, kind))


def advice(error: WxDashError) -> tuple[str, str]:
    """The hint, and what `r` can do: offered where fetching again can help."""
    if isinstance(error, QuotaSkipped):  # its message says when the quota resets
        return error.hint, ""
    if error.errcode == QUOTA_EXHAUSTED:
        reset = next_reset(datetime.now(UTC)).astimezone()
        hint = _(
            "The daily quota for this API is used up; it resets at {time} "
            "(midnight Beijing time). Until then wxdash does not call it for this appid."
        ).format(time=reset.strftime("%H:%M"))
        return hint, ""
    if isinstance(error, UnsetVariableError):
        hint = _("Set {name} and start wxdash again, or press e to change the token source.")
        return hint.format(**error.params), ""
    if error.retryable:
        return error.hint, _("Press r to retry.")
    return error.hint, ""  # the same call would fail the same way


class ErrorBanner(Static):
    """Hidden until a fetch fails; says so until a later fetch succeeds."""

    DEFAULT_CSS = stylesheet(__file__)

    def show_error(
        self,
        error: WxDashError | None,
        stale_since: datetime | None,
        webview_error: WxDashError | None = None,
    ) -> None:
        """Show the server-domain call's error; the webview call's, if it failed alone, says
        which call it was about (the server domains below are fresh)."""
        if error is None and webview_error is None:
            self.remove_class("shown")
            self.update("")
            return
        shown = error or webview_error
        assert shown is not None
        title = kind_label(shown.kind)
        if shown.errcode is not None:
            title += " · errcode " + str(shown.errcode)
        if error is None:
            title = _("Webview domains: {title}").format(title=title)
        lines = [Content.styled("✗ " + title, "bold")]
        lines.append(Content(visible(shown.message)))
        hint, retry = advice(shown)
        if hint:
            lines.append(Content.styled(_("Hint: {hint}").format(hint=visible(hint)), "italic"))
        if (
            error is not None
            and webview_error is not None
            and not error.same_failure(webview_error)
        ):
            lines.append(
                Content(
                    _("Webview domains failed too: {message}").format(
                        message=visible(webview_error.message)
                    )
                )
            )
        if error is not None and stale_since is not None:
            retry = sentences(
                retry,
                _("Below: the last good data, from {time} (stale).").format(
                    time=clock(stale_since)
                ),
            )
        if retry:
            lines.append(Content.styled(retry, "$text-muted"))
        self.update(Content("\n").join(lines))
        self.add_class("shown")
