"""The filters: a toggle per protocol (keys 1-7) and a text filter (`/`) with its match count."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from wxdash.i18n import _, ngettext, pgettext
from wxdash.state import Filters
from wxdash.styles import stylesheet
from wxdash.wechat.models import Protocol
from wxdash.widgets.text_input import TextInput

# Room the text filter keeps before the toggles shorten their names: enough to type in.
FILTER_MIN_CELLS = 14


# The shortest names, for narrow bars: what users type, shorter still where it is long.
def _compact(protocol: Protocol) -> str:
    return {
        Protocol.REQUEST: pgettext("protocol compact", "req"),
        Protocol.UPLOAD: pgettext("protocol compact", "up"),
        Protocol.DOWNLOAD: pgettext("protocol compact", "down"),
        Protocol.WEBVIEW: pgettext("protocol compact", "web"),
    }.get(protocol, protocol.short)


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

    def render_label(self, *, compact: bool = False) -> Text:
        """`compact`: a short name (`ws`, `req`), where the translated one has no room."""
        short = _compact(self.protocol)
        name = short if compact else self.protocol.toggle_label
        return Text.assemble((str(self.key), "bold"), " ", name)

    def on_mount(self) -> None:
        self.update(self.render_label())

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Toggled(self.protocol))


class FilterInput(TextInput):
    """The text filter: filters as you type, `enter` returns to the tree, `escape` clears.

    It is reached with `/` or a click, not with tab: tab goes from the list to the tabs and
    the tree, and only there."""

    def on_mount(self) -> None:
        self.can_focus = False

    def open(self) -> None:
        self.can_focus = True
        self.screen.set_focus(self)

    def on_blur(self) -> None:
        self.can_focus = False

    def on_mouse_down(self) -> None:
        if not self.has_focus:
            self.open()


class FilterBar(Horizontal):
    """The filter row; posts `ProtocolToggle.Toggled` and `FilterBar.TextChanged`."""

    DEFAULT_CSS = stylesheet(__file__)

    _count_text = ""  # what the match count says now

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # What the input has reported that the app may not have shown back yet: typed fast,
        # the input runs a few letters ahead of the app.
        self._echoes: set[str] = set()

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

    def retranslate(self) -> None:
        """Redraw the texts in the current language (the toggles, the input's placeholder)."""
        self.input.placeholder = _("/ filter")
        self._fit_toggles()

    def on_resize(self) -> None:
        self._fit_toggles()

    def _fit_toggles(self) -> None:
        toggles = list(self.query(ProtocolToggle))
        # Each toggle is followed by a space; the text filter keeps a few cells of its own.
        needed = sum(t.render_label().cell_len + 1 for t in toggles) + FILTER_MIN_CELLS
        needed += cell_len(self._count_text) + 2 if self._count_text else 0
        compact = bool(self.size.width) and needed > self.size.width
        for toggle in toggles:
            toggle.update(toggle.render_label(compact=compact))

    def open_text(self) -> None:
        # Synchronously: keys typed right after `/` must land in the input.
        self.input.open()

    def show_filters(
        self, filters: Filters, matches: int | None, *, everywhere: bool = False
    ) -> None:
        """Draw the toggles and the match count: of the tab shown, or `everywhere` (in all
        groups, on a tab that is not one group)."""
        for toggle in self.query(ProtocolToggle):
            toggle.set_class(not filters.shows(toggle.protocol), "off")
        text = filters.text
        if text == self.input.value:
            self._echoes.clear()
        elif text not in self._echoes:  # changed elsewhere (cleared, a search hit): show it
            self.input.value = text
            self._echoes.clear()
        # Else it is what the input said a few letters ago, and the app has not caught up with
        # the letters typed since: writing it back would undo them.
        count = self.query_one("#match-count", Static)
        shown = matches is not None and filters.active
        count.set_class(not shown, "empty")
        said = ""
        if shown and everywhere:
            said = ngettext("{n} match in all groups", "{n} matches in all groups", matches).format(
                n=matches
            )
        elif shown:
            said = ngettext("{n} match", "{n} matches", matches).format(n=matches)
        if shown and said != self._count_text:
            count.update(said)  # only when it changed: an update lays the bar out again
        if said != self._count_text:
            self._count_text = said
            self._fit_toggles()  # the count takes room from the toggles

    @on(Input.Changed, "#filter-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._echoes.add(event.value)
        self.post_message(self.TextChanged(event.value))

    class Done(Message):
        """Enter in the text filter: the user wants to go back to the domains."""

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Done())
