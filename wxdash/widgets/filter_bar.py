"""The filters: a toggle per protocol (keys 1-7) and a text filter (`/`) with its match count."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from wxdash.i18n import _, ngettext
from wxdash.state import Filters
from wxdash.styles import stylesheet
from wxdash.wechat.models import Protocol
from wxdash.widgets.text_input import TextInput

# Narrow bars abbreviate the long names, so the text filter keeps room to type in.
_COMPACT = {
    Protocol.REQUEST: "req",
    Protocol.UPLOAD: "up",
    Protocol.DOWNLOAD: "down",
    Protocol.WEBVIEW: "web",
}
# Below this many columns the toggles use the short names above.
COMPACT_BELOW = 76


class ProtocolToggle(Static):
    """`1 request`: bright when shown, dim and struck through when hidden. Click to toggle."""

    class Toggled(Message):
        def __init__(self, protocol: Protocol) -> None:
            super().__init__()
            self.protocol = protocol

    def __init__(self, protocol: Protocol, key: int) -> None:
        super().__init__(id=f"toggle-{protocol.short}")
        self.protocol = protocol
        self.key = key
        self.compact = False

    def render_label(self) -> Text:
        name = _COMPACT.get(self.protocol, self.protocol.short) if self.compact else None
        return Text.assemble((str(self.key), "bold"), " ", name or self.protocol.short)

    def on_mount(self) -> None:
        self.update(self.render_label())

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self.update(self.render_label())

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Toggled(self.protocol))


class FilterInput(TextInput):
    """The text filter: filters as you type, `enter` returns to the tree, `escape` clears."""


class FilterBar(Horizontal):
    """The filter row; posts `ProtocolToggle.Toggled` and `FilterBar.TextChanged`."""

    DEFAULT_CSS = stylesheet(__file__)

    class TextChanged(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def compose(self) -> ComposeResult:
        for key, protocol in enumerate(Protocol, start=1):
            yield ProtocolToggle(protocol, key)
        yield FilterInput(placeholder=_("/ filter"), id="filter-input")
        yield Static(id="match-count", classes="empty")

    @property
    def input(self) -> FilterInput:
        return self.query_one(FilterInput)

    def on_resize(self, event: events.Resize) -> None:
        for toggle in self.query(ProtocolToggle):
            toggle.set_compact(event.size.width < COMPACT_BELOW)

    def open_text(self) -> None:
        # Synchronously: keys typed right after `/` must land in the input.
        self.screen.set_focus(self.input)

    def show_filters(self, filters: Filters, matches: int | None) -> None:
        """Draw the toggles and the match count for the current profile."""
        for toggle in self.query(ProtocolToggle):
            toggle.set_class(not filters.shows(toggle.protocol), "off")
        if self.input.value != filters.text:
            self.input.value = filters.text
        count = self.query_one("#match-count", Static)
        shown = matches is not None and filters.active
        count.set_class(not shown, "empty")
        if shown:
            count.update(ngettext("{n} match", "{n} matches", matches).format(n=matches))

    @on(Input.Changed, "#filter-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.TextChanged(event.value))

    class Done(Message):
        """Enter in the text filter: the user wants to go back to the domains."""

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Done())
