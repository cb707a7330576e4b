"""Which of the dashboard's keys work now, and which pane has the focus.

With no profile to show, only adding one works (the footer shows `a`), and a key that needs a
profile says so. A priority key typed into a text field is a letter, not a command. The pane
holding the focus marks its title line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.actions import SkipAction
from textual.events import DescendantFocus, Key
from textual.widgets import Input

from wxdash.i18n import _

if TYPE_CHECKING:
    from wxdash.screens.dashboard import DashboardScreen as _Dashboard
else:
    _Dashboard = object


# The keys that change domains: in the footer on the tabs of the lists they change.
CHANGE_KEYS = ("plus", "minus")
# Keys the footer leaves to `?` and the palette where it has no room for them (a footer wider
# than the screen runs under the palette key, and its cut letters show beside it): the columns
# each needs, elsewhere and beside + and -, in English and in Chinese.
FOOTER_ROOM = {"F": (0, 120), "h": (0, 120), "H": (100, 120)}


class KeyRules(_Dashboard):
    """Mixed into the dashboard: `check_action`, the welcome screen's keys, the focus mark.
    Message handlers are found by name: `@on` does not reach into a mixin."""

    def _works_without_profiles(self, action: str) -> bool:
        return action == "add_profile" and self.app.load_error is None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """With no profile to show, the footer shows (and the keys do) only what works."""
        return bool(self.states) or self._works_without_profiles(action)

    def _show_add_key(self, shown: bool) -> None:
        """`a` joins the footer on the welcome screen: it is the way on from there."""
        self._show_keys(("a",), shown)

    def show_footer_keys(self, width: int) -> None:
        """`+` and `-` show in the footer on the Direct and Third-party tabs, whose lists they
        change. Elsewhere they still work, to say where to go: a key typed right after `]`
        reaches the screen before the tab has changed. Find, probe and health show where the
        footer has room for them, in English and in Chinese."""
        changing = self.changing_way() is not None
        self._show_keys(CHANGE_KEYS, changing)
        for key, (elsewhere, beside_change_keys) in FOOTER_ROOM.items():
            self._show_keys((key,), width >= (beside_change_keys if changing else elsewhere))

    def _show_keys(self, keys: Iterable[str], shown: bool) -> None:
        bindings = self._bindings.key_to_bindings
        for key in keys:
            bindings[key] = [dataclasses.replace(b, show=shown) for b in bindings.get(key, [])]
        self.refresh_bindings()

    def on_key(self, event: Key) -> None:
        """A key that needs a profile, pressed with none: say so, rather than nothing."""
        if self.states or not self.is_active:
            return
        listed = self._bindings.key_to_bindings.get(event.key, [])
        if any(not self._works_without_profiles(b.action) for b in listed):
            event.stop()
            self.notify(
                _("No profile to show yet: press a to add one.")
                if self.app.load_error is None
                else _("The config file cannot be read: fix it first (wxdash reads it again)."),
                timeout=4,
            )

    def skip_while_typing(self) -> None:
        """For a priority binding's key: in a text field, or in a dialog, it is only a key
        like any other, passed on (Textual's SkipAction)."""
        if isinstance(self.focused, Input) or not self.is_active:
            raise SkipAction()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """Mark the pane that has the focus (its title line shows it)."""
        in_list = any(node.id == "sidebar" for node in event.widget.ancestors_with_self)
        self.set_class(in_list, "-focus-list")
        self.set_class(not in_list, "-focus-main")
