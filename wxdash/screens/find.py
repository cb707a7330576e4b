"""Fleet search (`F`): every fetched profile's domains whose host contains the text typed.

`enter` on a hit switches to that profile and tab with the domain under the cursor. The hosts
are indexed once when the screen opens, so typing stays quick across a thousand profiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, TabbedContent
from textual.widgets.option_list import Option

from wxdash.i18n import _, ngettext
from wxdash.insight import host_forms, needles
from wxdash.output import pad
from wxdash.output import width as cell_width
from wxdash.safetext import visible
from wxdash.screens.search_list import SearchListScreen
from wxdash.state import ProfileState
from wxdash.styles import stylesheet
from wxdash.wechat.models import Group, Protocol
from wxdash.widgets.text_input import TextInput

if TYPE_CHECKING:
    from wxdash.screens.dashboard import DashboardScreen as _Dashboard
else:
    _Dashboard = object

# Drawing thousands of options helps nobody: show the first hits and say how many there are.
SHOWN = 200


@dataclass(frozen=True, slots=True)
class Found:
    """A hit the user chose: where to go."""

    profile: str
    group: Group
    protocol: Protocol
    domain: str


@dataclass(frozen=True, slots=True)
class _Entry:
    found: Found
    forms: tuple[str, str]


class FindScreen(SearchListScreen[Found]):
    """Dismisses with the chosen hit, or None."""

    DEFAULT_CSS = stylesheet(__file__)

    def __init__(self, states: Sequence[ProfileState], text: str = "") -> None:
        super().__init__()
        self._entries = [
            _Entry(Found(state.profile.name, group, protocol, domain), host_forms(domain))
            for state in states
            if (view := state.view) is not None
            for group, data in view.groups.items()
            if data is not None
            for protocol, domains in data
            for domain in domains
        ]
        self._searched = sum(1 for s in states if s.view is not None)
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="find") as box:
            box.border_title = _("Find a domain in every fetched profile")
            yield TextInput(
                self._text, placeholder=_("part of a host, e.g. old-api"), id="find-input"
            )
            yield OptionList(id="find-options")

    def on_mount(self) -> None:
        self._fill(self._text)

    def _fill(self, text: str) -> None:
        wanted = needles(text)
        hits = (
            [e.found for e in self._entries if any(n in f for n in wanted for f in e.forms)]
            if wanted
            else []
        )
        shown = hits[:SHOWN]
        # Columns: domain, profile, then where; widths from the hits on screen.
        domain_width = max((cell_width(visible(h.domain)) for h in shown), default=0)
        name_width = max((cell_width(visible(h.profile)) for h in shown), default=0)
        options = [
            Option(
                Content.assemble(
                    (pad(visible(hit.domain), domain_width), "bold"),
                    "  " + pad(visible(hit.profile), name_width),
                    (f"  {hit.group.label} · {hit.protocol.label}", "$text-muted"),
                ),
                id=str(index),
            )
            for index, hit in enumerate(shown)
        ]
        if len(hits) > SHOWN:
            more = ngettext(
                "… {n} more: type more to narrow",
                "… {n} more: type more to narrow",
                len(hits) - SHOWN,
            )
            options.append(
                Option(
                    Content.styled(more.format(n=len(hits) - SHOWN), "$text-muted"), disabled=True
                )
            )
        if wanted and not hits:
            options.append(
                Option(Content.styled(_("no domain matches"), "$text-muted"), disabled=True)
            )
        self._hits = hits
        option_list = self.query_one(OptionList)
        option_list.set_options(options)
        option_list.highlighted = 0 if hits else None
        profiles = len({h.profile for h in hits})
        box = self.query_one("#find")
        box.border_subtitle = (
            ngettext(
                "{n} found in {p} of {s} profile · enter goes there",
                "{n} found in {p} of {s} profiles · enter goes there",
                self._searched,
            ).format(n=len(hits), p=profiles, s=self._searched)
            if wanted
            else ngettext(
                "searches {s} fetched profile", "searches {s} fetched profiles", self._searched
            ).format(s=self._searched)
        )

    @on(Input.Changed, "#find-input")
    def _typed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#find-input")
    def _submit(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is not None and highlighted < len(self._hits):
            self.dismiss(self._hits[highlighted])

    @on(OptionList.OptionSelected, "#find-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(self._hits[int(event.option.id)])


class FindActions(_Dashboard):
    """The dashboard's `F`: search every fetched profile, then go to the hit chosen."""

    def action_find(self) -> None:
        fetched = [s for s in self.states.values() if s.view is not None]
        if not fetched:
            self.notify(
                _("Nothing fetched yet to search: press r, or R for every profile."),
                severity="warning",
            )
            return
        self.app.push_screen(FindScreen(fetched), self._found)

    def _found(self, found: Found | None) -> None:
        """Go to a search hit: its profile and tab, filters opened up so it shows, cursor on it."""
        if found is None:
            return
        self.switch_to(found.profile, fetch=False)
        if not self.filters.shows(found.protocol):
            self.filters.toggle(found.protocol)
        if not self.filters.matches(found.domain):
            self.filters.text = ""
        self.query_one(TabbedContent).active = f"tab-{found.group.short}"
        self.redraw_trees()
        tree = self.tree(found.group.short)

        def land() -> None:
            tree.focus()
            tree.focus_domain(found.protocol, found.domain)

        self.call_after_refresh(land)
