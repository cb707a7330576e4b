"""The profile list: a status mark, the name and the appid of every profile, two lines each.

It draws only the rows on screen, so a thousand profiles cost no more than ten. It reads each
profile's status from the shared `ProfileState` objects when it draws; the app calls
`refresh_profile()` when one changes. `set_filter()` narrows it to the profiles whose name or
appid holds a text, and to one status.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from wxdash.i18n import _
from wxdash.safetext import visible
from wxdash.state import ListFilter, ProfileState, Status
from wxdash.styles import component_style, stylesheet

ROW_HEIGHT = 2


class ProfileList(ScrollView, can_focus=True):
    """A virtual list of profiles; posts `Highlighted` as the cursor moves, `Selected` on enter."""

    DEFAULT_CSS = stylesheet(__file__)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", show=False),
        Binding("down,j", "cursor(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "jump(0)", show=False),
        Binding("end", "jump(-1)", show=False),
        Binding("enter", "select", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "profile-list--cursor",
        "profile-list--appid",
        "profile-list--ok",
        "profile-list--cached",
        "profile-list--error",
        "profile-list--stale",
        "profile-list--fetching",
        "profile-list--not-fetched",
    }

    cursor: reactive[int] = reactive(0, init=False)

    class Highlighted(Message):
        def __init__(self, state: ProfileState) -> None:
            super().__init__()
            self.state = state

    class Selected(Message):
        def __init__(self, state: ProfileState) -> None:
            super().__init__()
            self.state = state

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._all: list[ProfileState] = []
        self._states: list[ProfileState] = []  # the ones the filter lets through
        self._row_of: dict[str, int] = {}
        self._text = ""
        self._filter: ListFilter | None = None

    # -- content -------------------------------------------------------------------------

    def set_profiles(self, states: Sequence[ProfileState], current: str | None = None) -> None:
        """Show these profiles, with the cursor on `current` if given."""
        self._all = list(states)
        self._apply(current)

    def set_filter(self, text: str, list_filter: ListFilter | None) -> None:
        """Show only profiles whose name or appid holds `text`, and that `list_filter` admits."""
        self._text, self._filter = text.strip().casefold(), list_filter
        self._apply(self.current.profile.name if self.current else None)

    def refilter(self) -> None:
        """Statuses changed: with a status filter on, profiles may come in or go out."""
        if self._filter is not None:
            self._apply(self.current.profile.name if self.current else None)

    @property
    def shown(self) -> int:
        return len(self._states)

    @property
    def shown_states(self) -> list[ProfileState]:
        """The profiles the filter lets through, in the list's order."""
        return list(self._states)

    def _passes(self, state: ProfileState) -> bool:
        if self._filter is not None and not self._filter.admits(state):
            return False
        profile = state.profile
        return not self._text or (
            self._text in profile.name.casefold() or self._text in profile.appid.casefold()
        )

    def _apply(self, current: str | None) -> None:
        filtering = self._text or self._filter is not None
        self._states = [s for s in self._all if self._passes(s)] if filtering else self._all
        self._row_of = {s.profile.name: i for i, s in enumerate(self._states)}
        self.virtual_size = Size(self.size.width, len(self._states) * ROW_HEIGHT)
        index = self._row_of.get(current or "", 0)
        self.set_reactive(ProfileList.cursor, min(index, max(0, len(self._states) - 1)))
        self.refresh()
        self.call_after_refresh(self._scroll_to_cursor)

    @property
    def current(self) -> ProfileState | None:
        if 0 <= self.cursor < len(self._states):
            return self._states[self.cursor]
        return None

    def move_to(self, name: str) -> None:
        """Put the cursor on the profile called `name`, without posting messages."""
        if name in self._row_of:
            self.set_reactive(ProfileList.cursor, self._row_of[name])
            self.refresh()
            self._scroll_to_cursor()

    def refresh_profile(self, name: str) -> None:
        """Redraw one profile's rows (its status changed)."""
        row = self._row_of.get(name)
        if row is not None:
            self.refresh_lines(row * ROW_HEIGHT, ROW_HEIGHT)

    # -- drawing -------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        line = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        index, part = divmod(line, ROW_HEIGHT)
        if index >= len(self._states):
            if line == 0 and self._all:
                return self._line(Text("  " + _("No profile matches the filter.")), base)
            return Strip.blank(width, base)
        state = self._states[index]
        cursor = index == self.cursor
        style = (
            base + component_style(self, "profile-list--cursor", background=True)
            if cursor
            else base
        )
        if part == 0:
            status = state.status
            mark_style = component_style(self, f"profile-list--{status.replace('_', '-')}")
            text = Text.assemble(
                (" " + status.mark + " ", mark_style + Style(bold=status == Status.ERROR)),
                visible(state.profile.name),
                style=style,
            )
            if (tag := state.error_tag) is not None and status != Status.FETCHING:
                return self._line_with_tag(text, tag, mark_style, style)
        else:
            appid = Style() if cursor else component_style(self, "profile-list--appid")
            text = Text.assemble(("   " + visible(state.profile.appid), appid), style=style)
        return self._line(text, style)

    def _line(self, text: Text, style: Style) -> Strip:
        width = self.scrollable_content_region.width
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = [
            Segment(seg.text, style + seg.style if seg.style else style)
            for seg in text.render(self.app.console)
        ]
        scroll_x = self.scroll_offset.x
        return Strip(segments, width).crop(scroll_x, scroll_x + width)

    def _line_with_tag(self, text: Text, tag: str, tag_style: Style, style: Style) -> Strip:
        """The name line with the error's tag at its right end; the name gives way first."""
        width = self.scrollable_content_region.width
        tag_text = Text(f" {tag} ", style=style + tag_style)
        room = max(width - tag_text.cell_len, 0)
        text.truncate(room, overflow="ellipsis", pad=True)
        return self._line(Text.assemble(text, tag_text, style=style), style)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self._states) * ROW_HEIGHT)

    # -- moving --------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_lines(old * ROW_HEIGHT, ROW_HEIGHT)
        self.refresh_lines(new * ROW_HEIGHT, ROW_HEIGHT)
        self._scroll_to_cursor()
        if self.current is not None:
            self.post_message(self.Highlighted(self.current))

    def _scroll_to_cursor(self) -> None:
        top = self.cursor * ROW_HEIGHT
        if top < self.scroll_offset.y:
            self.scroll_to(y=top, animate=False)
        elif top + ROW_HEIGHT > self.scroll_offset.y + self.size.height:
            self.scroll_to(y=top + ROW_HEIGHT - self.size.height, animate=False)

    def _set_cursor(self, index: int) -> None:
        if self._states:
            self.cursor = max(0, min(index, len(self._states) - 1))

    def action_cursor(self, delta: int) -> None:
        self._set_cursor(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        rows = max(1, self.size.height // ROW_HEIGHT)
        self._set_cursor(self.cursor + direction * rows)

    def action_jump(self, index: int) -> None:
        self._set_cursor(index if index >= 0 else len(self._states) - 1)

    def action_select(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self.current))

    def on_click(self, event: events.Click) -> None:
        index = (event.y + self.scroll_offset.y) // ROW_HEIGHT
        if 0 <= index < len(self._states):
            self.cursor = index
            self.post_message(self.Selected(self._states[index]))
