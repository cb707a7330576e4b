"""The base of wxdash's dialogs: a modal screen that closes once, however many keys ask it to."""

from __future__ import annotations

from typing import Any, TypeVar

from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen, Screen

T = TypeVar("T")


class DismissOnce:
    """A screen mixin: `dismiss` acts once, and only while the screen is on top.

    Keys that arrive in a burst (`enter enter`, `y` then `escape`) can reach a screen after it
    was dismissed. A second dismiss would run its callback again (a second delete, a second
    save) and pop the screen beneath it: the dashboard, leaving none.
    """

    _dismissed = False  # not `_closing`: Textual's message pump owns that name

    def dismiss(self, result: Any = None) -> AwaitComplete:
        assert isinstance(self, Screen)
        if self._dismissed or not self.is_active:
            return AwaitComplete.nothing()
        self._dismissed = True
        return super().dismiss(result)  # type: ignore[misc]


class Dialog(DismissOnce, ModalScreen[T]):
    """A modal screen whose `dismiss` acts once, and only while the dialog is on top."""
