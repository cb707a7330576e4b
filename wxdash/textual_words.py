"""Textual's own words that a wxdash user sees, in wxdash's language.

Textual writes a few texts in English in its code: the command palette's placeholder and its
"No matches found", the footer's `palette` key, the system commands (theme, quit, maximize,
screenshot), the ctrl+c hint and the screenshot notices. `TranslatedTextual` gives the app the
same features with texts from wxdash's catalog, looked up when they are shown, so a language
switch while the app runs reaches them too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterable
from typing import Any, TypeVar

from rich import _wrap
from rich.align import Align
from rich.text import Text
from textual import events, on
from textual.app import App, SystemCommand
from textual.command import CommandList, CommandPalette
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import Screen
from textual.theme import ThemeProvider
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from wxdash.i18n import N_, _
from wxdash.screens.dialog import DismissOnce

# Textual wraps text with Rich's divide_line, at spaces only: a Chinese sentence (no spaces) is
# one long word, folded wherever the width ends, even inside a Latin word in it ("OSC" as "OS"
# and "C"). Here a line may also break between two CJK characters, as in a browser, but not
# before closing punctuation.
_WIDE = (
    "\u1100-\u115f\u2e80-\u303e\u3040-\ua4cf\uac00-\ud7a3"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
)
_CLOSING = "，。、；：？！）」』》〉】”’"
_wrap.re_word = re.compile(rf"\s*(?:[{_WIDE}][{_CLOSING}]*|[^\s{_WIDE}]+[{_CLOSING}]*)\s*")

ReturnType = TypeVar("ReturnType")
# (key, index, action) -> the binding's English description and tooltip.
_Msgids = dict[tuple[str, int, str], tuple[str, str]]

# Textual's own binding texts that show in a footer or a tooltip, to look up in the catalog.
_TEXTUAL_BINDING_TEXT = (
    N_("palette"),
    N_("Open the command palette"),
    N_("Quit the app and return to the command prompt."),
    N_("Exit the command palette"),
)


_move_page_unguarded = OptionList._move_page


def _move_page(self: OptionList, direction: Any) -> None:
    """Textual's option lists (the palette's, the picker's) raise KeyError when paged while
    their options are being replaced or are all disabled: a page key then does nothing."""
    with contextlib.suppress(KeyError, IndexError):
        _move_page_unguarded(self, direction)


OptionList._move_page = _move_page  # type: ignore[method-assign]


def translate_bindings(node: DOMNode) -> None:
    """Show `node`'s binding descriptions and tooltips in the current language.

    The English texts (msgids) are remembered the first time, so this can run again after
    every language switch; call `refresh_bindings()` afterwards to redraw the footer.
    """
    originals: _Msgids | None = getattr(node, "_binding_msgids", None)
    if originals is None:
        originals = {}
        node._binding_msgids = originals  # type: ignore[attr-defined]
    bindings = node._bindings.key_to_bindings
    for key, listed in bindings.items():
        translated = []
        for index, binding in enumerate(listed):
            description, tooltip = originals.setdefault(
                (key, index, binding.action), (binding.description, binding.tooltip)
            )
            translated.append(
                dataclasses.replace(
                    binding,
                    description=_(description) if description else "",
                    tooltip=_(tooltip) if tooltip else "",
                )
            )
        bindings[key] = translated


class TranslatedCommandPalette(DismissOnce, CommandPalette):
    """The command palette with its placeholder, key texts and "no matches" translated."""

    def __init__(self, *args: Any, placeholder: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, placeholder=placeholder or _("Search for commands…"), **kwargs)
        translate_bindings(self)

    def _gather_commands(self, search_value: str) -> Any:
        # A letter typed just after escape can reach the field as the palette closes (the
        # field had it queued). Textual would search for it anyway, and a search that ends
        # after the palette is gone fails on its missing list, taking the app down with it.
        if self._dismissed:
            return None
        return super()._gather_commands(search_value)

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's own version adds the option in English.
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(_("No matches found"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


class TranslatedTextual(App[ReturnType]):
    """App features Textual provides in English, provided again in the current language."""

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(TranslatedCommandPalette(id="--command-palette"))

    def search_themes(self) -> None:
        self.push_screen(
            TranslatedCommandPalette(providers=[ThemeProvider], placeholder=_("Search for themes…"))
        )

    def action_help_quit(self) -> None:
        # ctrl+c in a terminal usually quits: say which key does here.
        # The app's own keys first: Textual's `ctrl+q` before a screen's `q`.
        for key, bindings in self._bindings.key_to_bindings.items():
            if any(binding.action in ("quit", "app.quit") for binding in bindings):
                text = _("Press {key} to quit the app").format(key=key)
                start = text.find(key)
                message = Content(text).stylize("bold", start, start + len(key))
                self.notify(message, title=_("Do you want to quit?"))
                return

    def textual_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's system commands, less its key panel (wxdash's help screen lists every key
        in the user's language, which Textual's panel cannot)."""
        yield SystemCommand(_("Theme"), _("Change the current theme"), self.action_change_theme)
        yield SystemCommand(
            _("Quit"), _("Quit the application as soon as possible"), self.action_quit
        )
        if screen.maximized is not None:
            yield SystemCommand(
                _("Minimize"),
                _("Minimize the widget and restore to normal size"),
                screen.action_minimize,
            )
        elif screen.focused is not None and screen.focused.allow_maximize:
            yield SystemCommand(
                _("Maximize"), _("Maximize the focused widget"), screen.action_maximize
            )
        yield SystemCommand(
            _("Screenshot"),
            _("Save an SVG screenshot of the current screen"),
            lambda: self.set_timer(0.1, self.deliver_screenshot),
        )

    @on(events.DeliveryComplete)
    def _screenshot_saved(self, event: events.DeliveryComplete) -> None:
        if event.name != "screenshot":
            return
        event.prevent_default()  # Textual's own notice is in English
        message = _("Saved screenshot")
        if event.path is not None:
            message = _("Saved screenshot to {path}").format(path=event.path)
        self.notify(message, title=_("Screenshot"), markup=False)

    @on(events.DeliveryFailed)
    def _screenshot_failed(self, event: events.DeliveryFailed) -> None:
        if event.name != "screenshot":
            return
        event.prevent_default()
        self.notify(_("Failed to save screenshot"), title=_("Screenshot"), severity="error")
