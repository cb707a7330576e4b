"""The base of wxdash's dialogs: a modal screen that closes once, however many keys ask it to."""

from __future__ import annotations

from typing import TypeVar

from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen

T = TypeVar("T")


class Dialog(ModalScreen[T]):
    """A modal screen whose `dismiss` acts once, and only while the dialog is on top."""

    _dismissed = False  # not `_closing`: Textual's message pump owns that name

    def dismiss(self, result: T | None = None) -> AwaitComplete:
        # Keys that arrive in a burst (`enter enter`, `y` then `escape`) can reach a dialog
        # after it was dismissed. A second dismiss would run its callback again (a second
        # delete, a second save) and pop the screen beneath it.
        if self._dismissed or not self.is_active:
            return AwaitComplete.nothing()
        self._dismissed = True
        return super().dismiss(result)
