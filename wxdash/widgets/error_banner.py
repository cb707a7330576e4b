"""The error banner: what went wrong with the last fetch, what to do, and which key retries."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content
from textual.widgets import Static

from wxdash.i18n import N_, _
from wxdash.safetext import visible
from wxdash.state import clock
from wxdash.styles import stylesheet
from wxdash.wechat.errors import WxDashError

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


class ErrorBanner(Static):
    """Hidden until a fetch fails; says so until a later fetch succeeds."""

    DEFAULT_CSS = stylesheet(__file__)

    def show_error(self, error: WxDashError | None, stale_since: datetime | None) -> None:
        if error is None:
            self.remove_class("shown")
            self.update("")
            return
        title = kind_label(error.kind)
        if error.errcode is not None:
            title += " · errcode " + str(error.errcode)
        lines = [Content.styled("✗ " + title, "bold")]
        lines.append(Content(visible(error.message)))
        if error.hint:
            lines.append(
                Content.styled(_("Hint: {hint}").format(hint=visible(error.hint)), "italic")
            )
        retry = _("Press r to retry.")
        if stale_since is not None:
            retry += " " + _("Below: the last good data, from {time} (stale).").format(
                time=clock(stale_since)
            )
        lines.append(Content.styled(retry, "$text-muted"))
        self.update(Content("\n").join(lines))
        self.add_class("shown")
