"""The profile picker (`p`): type part of a name or appid, `enter` switches to the first match."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from wxdash.i18n import _, ngettext
from wxdash.safetext import visible
from wxdash.screens.search_list import SearchListScreen
from wxdash.state import ProfileState
from wxdash.styles import stylesheet
from wxdash.widgets.text_input import TextInput

if TYPE_CHECKING:
    from wxdash.screens.dashboard import DashboardScreen as _Dashboard
else:
    _Dashboard = object

# Drawing thousands of options for a few letters typed helps nobody: show the first matches.
SHOWN = 200


class PickerScreen(SearchListScreen[str]):
    """Dismisses with the chosen profile's name, or None."""

    DEFAULT_CSS = stylesheet(__file__)

    def __init__(
        self,
        states: Sequence[ProfileState],
        current: str | None = None,
        *,
        title: str | None = None,
    ) -> None:
        super().__init__()
        self._states = list(states)
        self._current = current
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="picker") as box:
            box.border_title = self._title or _("Switch profile")
            box.border_subtitle = _("enter switches · escape cancels")
            yield TextInput(placeholder=_("type part of a name or appid"), id="picker-input")
            yield OptionList(id="picker-options")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, text: str) -> None:
        needle = text.strip().casefold()
        # Names first: appids are hex, so a letter a-f typed for a name is in nearly every one.
        by_name = [s for s in self._states if needle in s.profile.name.casefold()]
        named = {id(s) for s in by_name}
        by_appid = [
            s for s in self._states if id(s) not in named and needle in s.profile.appid.casefold()
        ]
        matches = by_name + by_appid
        options = [
            Option(
                Content.assemble(
                    (s.status.mark + " ", ""),
                    (visible(s.profile.name), "bold" if s.profile.name == self._current else ""),
                    ("  " + visible(s.profile.appid), "$text-muted"),
                ),
                id=s.profile.name,
            )
            for s in matches[:SHOWN]
        ]
        if len(matches) > SHOWN:
            more = len(matches) - SHOWN
            note = ngettext(
                "… {n} more: type more to narrow", "… {n} more: type more to narrow", more
            )
            options.append(
                Option(Content.styled(note.format(n=more), "$text-muted"), disabled=True)
            )
        if not matches:
            options.append(
                Option(Content.styled(_("no profile matches"), "$text-muted"), disabled=True)
            )
        option_list = self.query_one(OptionList)
        option_list.set_options(options)
        option_list.highlighted = 0 if matches else None
        box = self.query_one("#picker")
        box.border_subtitle = ngettext(
            "{n} profile · enter switches · escape cancels",
            "{n} profiles · enter switches · escape cancels",
            len(matches),
        ).format(n=f"{len(matches):,}")

    @on(Input.Changed, "#picker-input")
    def _typed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#picker-input")
    def _submit(self) -> None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is not None:
            option = option_list.get_option_at_index(option_list.highlighted)
            if option.id is not None:
                self.dismiss(option.id)

    @on(OptionList.OptionSelected, "#picker-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(event.option.id)


class PickActions(_Dashboard):
    """The dashboard's `p`: switch to a profile by typing part of its name."""

    def action_pick(self) -> None:
        if not self.states:
            self.notify(_("No profiles yet: press a to add one."), severity="warning")
            return
        self.app.push_screen(PickerScreen(list(self.states.values()), self.current), self._picked)

    def _picked(self, name: str | None) -> None:
        if name is not None:
            self.switch_to(name)
            self.tree().focus()
