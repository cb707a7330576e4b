"""The export dialog (`x`): the current profile's data to a file, as JSON, CSV or text.

The dialog gathers format, scope and path; the app writes the file and says where. A file that
exists is replaced only after a second press of Export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from wxdash.i18n import _
from wxdash.safetext import visible
from wxdash.screens.dialog import Dialog
from wxdash.styles import stylesheet
from wxdash.widgets.text_input import TextInput

Format = Literal["json", "csv", "text"]
EXTENSIONS: dict[Format, str] = {"json": ".json", "csv": ".csv", "text": ".txt"}


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What the user asked for: where, in which format, and everything or the tab shown."""

    path: Path
    format: Format
    whole: bool


class ExportScreen(Dialog[None]):
    """`write` writes the file and returns an error message, or None when it was written."""

    DEFAULT_CSS = stylesheet(__file__)

    AUTO_FOCUS = "#export-path"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", show=False),
        Binding("ctrl+s", "export", show=False),
    ]

    def __init__(
        self,
        write: Callable[[ExportRequest], str | None],
        *,
        profile: str,
        tab: str,
        stem: str,
    ) -> None:
        super().__init__()
        self._write = write
        self._profile = profile
        self._tab = tab
        self._stem = stem
        self._replace: Path | None = None  # the existing file the user was warned about

    def compose(self) -> ComposeResult:
        with Vertical(id="export") as box:
            box.border_title = _("Export {name}").format(name=visible(self._profile))
            box.border_subtitle = _("ctrl+s exports · escape cancels")
            yield Label(_("Format"))
            yield Select(
                [(_("JSON"), "json"), (_("CSV"), "csv"), (_("Text"), "text")],
                value="json",
                allow_blank=False,
                compact=True,
                id="export-format",
            )
            yield Label(_("What"))
            yield Select(
                [
                    (_("All groups"), "whole"),
                    (_("This tab: {tab}").format(tab=self._tab), "tab"),
                ],
                value="whole",
                allow_blank=False,
                compact=True,
                id="export-scope",
            )
            yield Label(_("File"))
            yield TextInput(self._stem + EXTENSIONS["json"], id="export-path", compact=True)
            yield Static(id="export-error", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button(_("Cancel"), id="cancel")
                yield Button(_("Export"), id="export-button", variant="primary")

    @property
    def _format(self) -> Format:
        value = self.query_one("#export-format", Select).value
        return value if value in EXTENSIONS else "json"  # type: ignore[return-value]

    @on(Select.Changed, "#export-format")
    def _format_changed(self) -> None:
        # The extension follows the format, unless the user typed a name of their own.
        field = self.query_one("#export-path", Input)
        path = Path(field.value)
        if path.suffix in EXTENSIONS.values():
            field.value = str(path.with_suffix(EXTENSIONS[self._format]))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#export-button")
    @on(Input.Submitted, "#export-path")
    def action_export(self) -> None:
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self._say(_("Give the file a name."))
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        if path.is_dir():
            self._say(_("{path} is a folder: give a file name.").format(path=path))
            return
        if path.exists() and self._replace != path:
            self._replace = path
            self._say(_("{path} exists: press Export again to replace it.").format(path=path))
            return
        scope = self.query_one("#export-scope", Select).value
        failure = self._write(ExportRequest(path, self._format, scope == "whole"))
        if failure is None:
            self.dismiss(None)
        else:
            self._say(failure)

    def _say(self, message: str) -> None:
        error = self.query_one("#export-error", Static)
        error.update(visible(message))
        error.add_class("shown")
