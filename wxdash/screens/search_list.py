"""What the picker and the fleet search share: a text input over an option list, where `up`
and `down` move in the list while the input keeps focus, and `escape` cancels."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.widgets import OptionList

from wxdash.screens.dialog import Dialog

T = TypeVar("T")


class SearchListScreen(Dialog[T | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def action_move(self, delta: int) -> None:
        option_list = self.query_one(OptionList)
        if delta > 0:
            option_list.action_cursor_down()
        else:
            option_list.action_cursor_up()
