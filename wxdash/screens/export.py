"""The export dialog (`x`): the current profile's data to a file, as JSON, CSV or text.

The dialog gathers format, scope and path; the app writes the file and says where. A file that
exists is replaced only after a second press of Export.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static, TabbedContent

from wxdash import clipboard, output
from wxdash.files import replace_file
from wxdash.i18n import _, ngettext
from wxdash.safetext import visible
from wxdash.screens.dialog import Dialog
from wxdash.state import ProfileState
from wxdash.styles import stylesheet
from wxdash.wechat.models import Group, Protocol
from wxdash.widgets.compare_tree import CompareTree
from wxdash.widgets.domain_tabs import COMPARE, active_group, active_tab, tab_title
from wxdash.widgets.pending_tree import PendingTree
from wxdash.widgets.text_input import TextInput

if TYPE_CHECKING:
    from wxdash.screens.dashboard import DashboardScreen as _Dashboard
else:
    _Dashboard = object

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
            yield Static(id="export-where", markup=False)
            yield Static(id="export-error", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button(_("Cancel"), id="cancel")
                yield Button(_("Export"), id="export-button", variant="primary")

    def on_mount(self) -> None:
        self._show_where()

    @on(Input.Changed, "#export-path")
    def _show_where(self) -> None:
        """Where the file goes, in full, before anything is written."""
        target = self._target()
        where = self.query_one("#export-where", Static)
        where.update(
            visible(_("In {folder}").format(folder=target.parent)) if target is not None else ""
        )

    def _target(self) -> Path | None:
        """The file the name in the field stands for (relative to the working folder)."""
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            return None
        path = Path(text).expanduser()
        return path if path.is_absolute() else Path.cwd() / path

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
        path = self._target()
        if path is None:
            self._say(_("Give the file a name."))
            return
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


class CopyExportActions(_Dashboard):
    """The dashboard's `c`, `C` and `x`: the domains shown, to the clipboard or a file."""

    def _shown(self) -> dict[str, list[str]]:
        """The domains the tab on screen shows, by the API's protocol key."""
        state = self.shown_state()
        tree = self.tree()
        if isinstance(tree, PendingTree):
            return tree.pending_domains(state.pending if state else None, self.filters)
        if isinstance(tree, CompareTree):
            return tree.comparison.domains() if tree.comparison is not None else {}
        return tree.visible_domains(state.view if state else None, self.filters)

    def _copy_target(self) -> tuple[list[str], str]:
        """The domains `c` copies, and a description: the focused node, else the whole tab."""
        tab_label = tab_title(active_tab(self.query_one(TabbedContent)))
        tree = self.tree()
        shown = self._shown()
        node = tree.cursor_node if tree.has_focus else None
        info = node.data if node is not None else None
        if info is not None and info.protocol:
            known = info.protocol in Protocol._value2member_map_
            name = Protocol(info.protocol).label if known else visible(info.protocol)
            where = _("{protocol}, {group}").format(protocol=name, group=tab_label)
            if info.kind == "domain" and info.domain is not None:
                return [info.domain], where
            if info.kind in ("protocol", "extra"):
                return list(shown.get(info.protocol, [])), where
        return [d for domains in shown.values() for d in domains], tab_label

    def action_copy(self) -> None:
        domains, where = self._copy_target()
        tree = self.tree()
        if isinstance(tree, PendingTree):
            # The changes as the tab shows them: each with its sign and its note.
            node = tree.cursor_node if tree.has_focus else None
            lines, count = tree.shown_lines(node.data if node is not None else None)
            self._copy("\n".join(lines), count, where)
            return
        self._copy("\n".join(domains), len(domains), where)

    def action_copy_json(self) -> None:
        label = tab_title(active_tab(self.query_one(TabbedContent)))
        where = _("{group}, as JSON").format(group=label)
        state = self.shown_state()
        if isinstance(self.tree(), PendingTree):
            if state is None or state.pending is None:
                self._copy("", 0, where)
                return
            # As `wxdash diff -f json` gives a profile's "pending", through the filters.
            shown_changes = self.filters.pending(state.pending)
            self._copy(output.dumps(shown_changes.to_json()), shown_changes.count, where)
            return
        shown = self._shown()
        count = sum(len(v) for v in shown.values())
        text = json.dumps(shown, ensure_ascii=False, indent=2)
        self._copy(text, count, where, allow_empty=bool(shown))

    def _copy(self, text: str, count: int, where: str, *, allow_empty: bool = False) -> None:
        if count == 0 and not allow_empty:
            self.notify(_("Nothing to copy: no domain is shown here."), severity="warning")
            return
        self.app.copy_to_clipboard(text)  # OSC 52: works over SSH, but nothing confirms it
        self._copy_native(text, count, where)

    @work(thread=True, group="clipboard", exclusive=True, exit_on_error=False)
    def _copy_native(self, text: str, count: int, where: str) -> None:
        copied = clipboard.copy_native(text)
        self.app.call_from_thread(self._copied, copied, count, where)

    def _copied(self, native: bool, count: int, where: str) -> None:
        if native:
            message = ngettext("Copied {n} domain ({where})", "Copied {n} domains ({where})", count)
        else:
            message = ngettext(
                "Sent {n} domain ({where}) to the terminal clipboard (OSC 52)",
                "Sent {n} domains ({where}) to the terminal clipboard (OSC 52)",
                count,
            )
        self.notify(message.format(n=count, where=visible(where)), markup=False)

    def action_export(self) -> None:
        state = self.shown_state()
        if state is None or state.view is None:
            self.notify(
                _("Nothing to export yet: fetch this profile first (r)."), severity="warning"
            )
            return
        slug = re.sub(r"[^a-z0-9]+", "-", state.profile.name.lower()).strip("-")
        stem = f"wxdash-{slug or state.profile.appid}-{datetime.now():%Y%m%d-%H%M}"
        self.app.push_screen(
            ExportScreen(
                partial(self._export, state),
                profile=state.profile.name,
                tab=tab_title(active_tab(self.query_one(TabbedContent))),
                stem=stem,
            )
        )

    def _export(self, state: ProfileState, request: ExportRequest) -> str | None:
        """Write the export; an error message for the dialog if it could not be written."""
        tabs = self.query_one(TabbedContent)
        if active_tab(tabs) == COMPARE:
            request = replace(request, whole=True)  # Compare shows every group
        text = export_text(state, request, active_group(tabs))
        try:
            replace_file(request.path, text.encode("utf-8"), mode=0o644)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            return _("Could not write {path}: {reason}. Choose another folder or name.").format(
                path=request.path, reason=reason
            )
        self.notify(
            _("Exported {name} to {path}").format(
                name=visible(state.profile.name), path=request.path
            ),
            title=_("Exported"),
            markup=False,
        )
        return None


def export_text(state: ProfileState, request: ExportRequest, group: Group | None) -> str:
    """The file's content: the whole profile, or the group on screen (None: the Pending tab)."""
    outcome = state.outcome()
    if not request.whole and group is None:
        render = {"json": output.diff_json, "csv": output.diff_csv, "text": output.diff_text}
        return render[request.format]([outcome])
    selection = output.Selection([group] if group and not request.whole else None)
    render_outcomes = {
        "json": output.render_json,
        "csv": output.render_csv,
        "text": output.render_text,
    }[request.format]
    return render_outcomes([outcome], selection)
