"""The dashboard's domain filters: `/` filters by text, `1`-`7` show or hide a protocol."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wxdash.wechat.models import Protocol
from wxdash.widgets.filter_bar import FilterBar, ProtocolToggle

if TYPE_CHECKING:
    from wxdash.screens.dashboard import DashboardScreen as _Dashboard
else:
    _Dashboard = object


class FilterActions(_Dashboard):
    """What the trees show: a text the domains hold, and the protocols switched on."""

    def action_toggle_protocol(self, index: int) -> None:
        protocols = list(Protocol)
        if 0 <= index < len(protocols):
            self.filters.toggle(protocols[index])
            self.redraw_trees()

    # Handlers are found by name: `@on` does not reach into a mixin.
    def on_protocol_toggle_toggled(self, event: ProtocolToggle.Toggled) -> None:
        self.filters.toggle(event.protocol)
        self.redraw_trees()

    def action_key_filter_text(self) -> None:
        self.skip_while_typing()
        self.action_filter_text()

    def action_filter_text(self) -> None:
        self.query_one(FilterBar).open_text()

    def on_filter_bar_text_changed(self, event: FilterBar.TextChanged) -> None:
        self.filters.text = event.text
        self.redraw_trees()

    def on_filter_bar_done(self) -> None:
        self.set_focus(self.tree())

    def action_escape(self) -> None:
        """`escape` clears the text filter first; with none set, it stops a fetch."""
        bar = self.query_one(FilterBar)
        if self.filters.text or bar.input.has_focus:
            self.filters.text = ""
            bar.input.value = ""
            self.redraw_trees()
            self.set_focus(self.tree())
        else:
            self.action_cancel_fetch()
