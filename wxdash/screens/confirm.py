"""A yes/no question, e.g. before deleting a profile."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from wxdash.i18n import _
from wxdash.screens.dialog import Dialog
from wxdash.styles import stylesheet


class ConfirmScreen(Dialog[bool]):
    """Dismisses with True for yes (`y`, enter on Yes), False for no (`n`, escape)."""

    DEFAULT_CSS = stylesheet(__file__)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "dismiss(True)", show=False),
        Binding("n,escape", "dismiss(False)", show=False),
    ]

    def __init__(self, title: str, question: str, yes: str) -> None:
        super().__init__()
        self._title = title
        self._question = question
        self._yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm") as box:
            box.border_title = self._title
            yield Static(self._question, markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(_("Cancel (n)"), id="no")
                yield Button(self._yes + " (y)", id="yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
