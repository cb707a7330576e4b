"""The profile list's filter (`f`): narrows the list to names or appids holding what is typed.

Hidden until opened; `enter` or `down` goes back to the list keeping the filter, `escape`
clears it. The app reacts to `Changed` (the text) and `Done` (back to the list).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

from wxdash.i18n import _
from wxdash.styles import stylesheet
from wxdash.widgets.text_input import TextInput


class ProfileFilter(TextInput):
    """A one-line input above the profile list."""

    DEFAULT_CSS = stylesheet(__file__)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", show=False),
        Binding("down", "done", show=False),
    ]

    class FilterChanged(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Done(Message):
        """Back to the list: the filter stays as it is."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=_("filter profiles: name or appid"), id=id)

    def allow_focus(self) -> bool:
        # Hidden, it must not take the focus (the first focusable widget gets it at start).
        return self.has_class("shown") and super().allow_focus()

    def open(self) -> None:
        self.add_class("shown")
        # Synchronously: keys typed right after `f` must land in the input.
        self.screen.set_focus(self)

    def action_clear(self) -> None:
        self.value = ""
        self.remove_class("shown")
        self.post_message(self.Done())

    def action_done(self) -> None:
        self.set_class(bool(self.value), "shown")
        self.post_message(self.Done())

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.FilterChanged(event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_done()
