"""The dashboard: the profile list beside the shown profile's tabs; it routes what they say.

It holds each profile's state and which one is shown. Network work is `Fetching`'s, which
answers by messages; the key families live beside what they drive (copy and export with the
export dialog, add/edit/delete with the profile form, find with the find screen, the fleet's
keys in `fleet_actions`, probes and the Health screen in `probe_actions`, adding and removing
domains in `change_actions`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Resize
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Footer, Static, TabbedContent

from wxdash.changes.ledger import Ledger
from wxdash.changing import Changing
from wxdash.fetching import Fetching
from wxdash.i18n import N_, ngettext
from wxdash.probing import Probing
from wxdash.profiles import Profile
from wxdash.quota import QuotaBook
from wxdash.screens.change_actions import ChangeActions
from wxdash.screens.export import CopyExportActions
from wxdash.screens.filter_actions import FilterActions
from wxdash.screens.find import FindActions
from wxdash.screens.fleet_actions import FleetActions
from wxdash.screens.key_rules import KeyRules
from wxdash.screens.picker import PickActions
from wxdash.screens.probe_actions import ProbeActions
from wxdash.screens.profile_form import ProfileActions
from wxdash.state import Filters, ListFilter, ProfileState
from wxdash.textual_words import translate_bindings
from wxdash.wechat.models import Protocol
from wxdash.widgets.domain_tabs import (
    TABS,
    active_tab,
    compose_tabs,
    draw_tree,
    label_tabs,
    step_tab,
    tab_matches,
)
from wxdash.widgets.domain_tree import DomainTree
from wxdash.widgets.empty_view import EmptyView
from wxdash.widgets.error_banner import ErrorBanner
from wxdash.widgets.filter_bar import FilterBar
from wxdash.widgets.fleet_progress import FleetProgressLine
from wxdash.widgets.fleet_summary import FleetSummary
from wxdash.widgets.profile_filter import ProfileFilter
from wxdash.widgets.profile_header import ProfileHeader
from wxdash.widgets.profile_list import ProfileList

if TYPE_CHECKING:
    from wxdash.app import WxDashApp

# Below this width the profile list folds away so the tabs keep their room.
NARROW = 100
# Moving through the list shows a profile at once; it is fetched once the cursor rests.
FETCH_DELAY = 0.3


# The dashboard's keys, in the order the footer shows those it shows.
KEYS: list[BindingType] = [
    # The app's own keys (they work in dialogs too), listed here first for the footer.
    Binding("q", "app.quit", N_("Quit")),
    Binding("question_mark,f1", "app.help", N_("Help"), key_display="?"),
    Binding("p", "pick", N_("Pick")),
    Binding("b", "toggle_sidebar", N_("List")),
    Binding("r", "refetch", N_("Refetch")),
    Binding("R", "refetch_all", N_("All"), show=False, key_display="R"),
    # `/` and `f` are priority bindings: the screen takes them before it hands any key on,
    # so that the keys typed right after them (quickly, or pasted) go to the text field
    # they open, in order. Bound the usual way, the keys after them would already be on
    # their way to the widget focused before, and lost.
    Binding("slash", "key_filter_text", N_("Filter"), key_display="/", priority=True),
    Binding("c", "copy", N_("Copy")),
    # Shown on the Direct and Third-party tabs only, the lists they change (key_rules); before
    # the keys a narrow footer has no room for.
    Binding("plus", "add_domain", N_("Add"), show=False, key_display="+"),
    Binding("minus", "remove_domain", N_("Remove"), show=False, key_display="-"),
    Binding("C,shift+c", "copy_json", N_("JSON"), show=False, key_display="C"),
    Binding("left_square_bracket", "tab(-1)", N_("Tab"), show=False, key_display="["),
    Binding("right_square_bracket", "tab(1)", N_("Tab"), show=False, key_display="]"),
    Binding("escape", "escape", N_("Clear filter or cancel"), show=False),
    Binding("a", "add_profile", N_("Add"), show=False),
    Binding("e", "edit_profile", N_("Edit"), show=False),
    Binding("d", "delete_profile", N_("Delete"), show=False),
    Binding("F", "find", N_("Find"), key_display="F"),
    Binding("h", "probe", N_("Probe")),
    Binding("H", "health", N_("Health"), key_display="H"),
    Binding("x", "export", N_("Export"), show=False),
    Binding("f", "key_filter_profiles", N_("Filter list"), show=False, priority=True),
    Binding("s", "cycle_status", N_("Status"), show=False),
    Binding("Q,shift+q", "quota", N_("Quota"), show=False, key_display="Q"),
    *(
        Binding(str(key), f"toggle_protocol({key - 1})", protocol.short, show=False)
        for key, protocol in enumerate(Protocol, start=1)
    ),
]


class DashboardScreen(
    KeyRules,
    FleetActions,
    ProbeActions,
    ChangeActions,
    FilterActions,
    PickActions,
    CopyExportActions,
    FindActions,
    ProfileActions,
    Screen[None],
):
    """Every profile in a list; the one under the cursor in four groups, side by side in
    Compare, and Pending."""

    app: WxDashApp

    BINDINGS: ClassVar[list[BindingType]] = KEYS

    def __init__(self, *, start: str | None, offline: bool) -> None:
        super().__init__()
        translate_bindings(self)  # the footer's texts: msgids in BINDINGS, shown translated
        self.offline = offline
        self.states: dict[str, ProfileState] = {}
        # Current before the states exist, so adopting them does not show (and fetch) the
        # first profile when --profile names another.
        self.current = start
        self.filters = Filters()
        self.status_filter: ListFilter | None = None
        self.summary_dirty = True
        self._list_dirty = False
        self._dirty: set[str] = set(TABS)  # tabs to rebuild when next shown
        self._fetch_timer: Timer | None = None
        app = self.app
        quota = QuotaBook() if app.demo else QuotaBook.in_cache()  # the demo keeps nothing
        self.fetching = Fetching(self, app.config, cache=app.cache, quota=quota)
        self.probing = Probing(self, app.probe_setup, app.probe_settings, app.probe_store)
        ledger = Ledger.for_user(demo=app.demo)  # the demo keeps none
        self.changing = Changing(
            self, self.fetching.fleet, ledger, cache=app.cache, confirm=self.confirm_check,
            platform=lambda: self.app.config.platform,
        )  # fmt: skip

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield Static(id="sidebar-title")
                yield ProfileFilter(id="profile-filter")
                yield ProfileList(id="profiles")
                yield FleetSummary(id="summary")
            with ContentSwitcher(id="main", initial="dashboard"):
                with Vertical(id="dashboard"):
                    yield ProfileHeader(id="header")
                    yield ErrorBanner(id="banner")
                    yield FilterBar(id="filters")
                    yield from compose_tabs()
                yield EmptyView(id="empty")
        yield FleetProgressLine(id="fleet-progress")
        yield Footer()

    def on_mount(self) -> None:
        start = self.current
        self.adopt(self.app.config.profiles)
        if start is not None and (outcome := self.fetching.cached(self.states[start].profile)):
            self.land(outcome)  # at once, so the first frame has data
        self.fetching.report_cache_problems()
        others = [s.profile for s in self.states.values() if s.profile.name != start]
        self.fetching.load_cached(others)
        self.probing.load_kept()
        self.set_interval(0.25, self._draw_summary)
        if self.app.load_error is not None:
            self.show_empty()
        if start is not None:
            self.switch_to(start)
        self._layout_for(self.size.width)

    async def on_unmount(self) -> None:
        await self.fetching.aclose()

    def on_resize(self, event: Resize) -> None:
        self._layout_for(event.size.width)

    def _layout_for(self, width: int) -> None:
        self.set_class(width < NARROW, "narrow")
        # Narrow, the footer's keys go closer together and fewer: at 80 columns they fit, in
        # Chinese too.
        self.query_one(Footer).compact = width < NARROW
        self.show_footer_keys(width)
        self.call_after_refresh(self._relabel_tabs)
        if not self.sidebar_shown() and isinstance(self.focused, ProfileList | None):
            # Keys must not drive a list nobody can see.
            self.call_after_refresh(self._focus_tree)

    def sidebar_shown(self) -> bool:
        """The list shows on wide screens unless hidden with `b`, on narrow ones only with `b`."""
        return self.has_class("narrow") == self.has_class("sidebar-flipped")

    def _focus_tree(self) -> None:
        if self.states:
            self.tree().focus()

    def show_empty(self) -> None:
        self.query_one(EmptyView).show(self.app.load_error, self.app.config.path)
        self.query_one("#main", ContentSwitcher).current = "empty"
        self._show_add_key(self.app.load_error is None)

    # -- state ---------------------------------------------------------------------------

    def adopt(self, profiles: Iterable[Profile]) -> None:
        """Take a new list of profiles, keeping what is known about those that did not change."""
        old = self.states
        self.states = {}
        for profile in profiles:
            state = old.get(profile.name)
            if state is None or state.profile != profile:
                state = ProfileState(profile)
            self.states[profile.name] = state
        self.query_one(ProfileList).set_profiles(list(self.states.values()), self.current)
        self.draw_title()
        self.summary_dirty = True
        if not self.states:
            self.current = None
            self.show_empty()
        else:
            self.query_one("#main", ContentSwitcher).current = "dashboard"
            self._show_add_key(False)
            if self.current not in self.states:
                self.switch_to(next(iter(self.states)))

    def shown_state(self) -> ProfileState | None:
        return self.states.get(self.current or "")

    def draw_title(self) -> None:
        """`1,000 profiles`, or `12 of 1,000 profiles (error)` while the list is filtered."""
        listing = self.query_one(ProfileList)
        total = len(self.states)
        title = ngettext("{n} profile", "{n} profiles", total).format(n=f"{total:,}")
        if listing.shown != total or self.status_filter is not None:
            title = ngettext("{shown} of {n} profile", "{shown} of {n} profiles", total).format(
                shown=f"{listing.shown:,}", n=f"{total:,}"
            )
        if self.status_filter is not None:
            title += f" ({self.status_filter.label})"
        self.query_one("#sidebar-title", Static).update(Content.styled(title, "bold"))

    def _draw_summary(self) -> None:
        if self._list_dirty:
            self._list_dirty = False
            self.query_one(ProfileList).refilter()
            self.draw_title()
        if self.summary_dirty:
            self.summary_dirty = False
            self.query_one(FleetSummary).show(self.states.values())
        if self.fetching.fleet_running:
            self.query_one(FleetProgressLine).show(self.fetching.run)

    def _changed(self, name: str) -> None:
        """A profile's state changed: redraw what shows it."""
        self.query_one(ProfileList).refresh_profile(name)
        self.summary_dirty = True
        self._list_dirty = self.status_filter is not None
        if name == self.current:
            self.refresh_view()

    # -- showing a profile ---------------------------------------------------------------

    def switch_to(self, name: str, *, fetch: bool = True) -> None:
        """Show the profile called `name`; fetch it if it has never been fetched."""
        if name not in self.states:
            return
        self.current = name
        self.query_one(ProfileList).move_to(name)
        self.refresh_view()
        if fetch and self._wants_fetch(name):
            self.fetch(name)

    def refresh_view(self) -> None:
        state = self.shown_state()
        if state is None:
            return
        self.query_one(ProfileHeader).show_state(state, self.time_the_wait())
        stale_since = state.fetched_at if state.report is not None else None
        self.query_one(ErrorBanner).show_error(state.error, stale_since, state.webview_error)
        self.redraw_trees()

    def redraw_trees(self) -> None:
        """What the trees show changed: rebuild the tab on screen, the others when shown."""
        self._dirty = set(TABS)
        self._draw_active_tree()

    def tree(self, tab: str | None = None) -> DomainTree:
        return self.query_one(
            f"#tree-{tab or active_tab(self.query_one(TabbedContent))}", DomainTree
        )

    def _draw_active_tree(self) -> None:
        """Rebuild only the tab on screen; other tabs are rebuilt when they are shown."""
        state = self.shown_state()
        if state is None:
            return
        tabs = self.query_one(TabbedContent)
        tab = active_tab(tabs)
        if tab in self._dirty:
            self._dirty.discard(tab)
            draw_tree(self.tree(tab), state, self.filters, self.offline, self.probing.book)
        # Each group's count once: the match count and the tab labels both need them.
        view = state.view
        counts = self.filters.counts(view)
        matches, everywhere = tab_matches(tabs, counts, view is not None)
        self.query_one(FilterBar).show_filters(self.filters, matches, everywhere=everywhere)
        label_tabs(tabs, state, self.filters, counts)

    def _relabel_tabs(self) -> None:
        """The tabs' room changed (a resize, the list shown or hidden): fit their titles."""
        if (state := self.shown_state()) is not None:
            tabs = self.query_one(TabbedContent)
            label_tabs(tabs, state, self.filters, self.filters.counts(state.view))

    @on(TabbedContent.TabActivated, "#tabs")
    def _tab_shown(self) -> None:
        self._draw_active_tree()
        self.show_footer_keys(self.size.width)
        if self.focused is None and self.is_active:
            # The tree that had the focus is hidden with its tab: the keys go on to the
            # tree shown, not nowhere (nor, after a dialog, to a folded-away list).
            self.tree().focus()

    @on(DomainTree.LongDomain)
    def _long_domain(self, event: DomainTree.LongDomain) -> None:
        self.query_one(ProfileHeader).show_long_domain(event.text)

    @on(ProfileList.Highlighted)
    def _highlighted(self, event: ProfileList.Highlighted) -> None:
        if event.state is not self.query_one(ProfileList).current:
            return  # a stale echo: keys in a burst have moved the cursor on since
        name = event.state.profile.name
        if name == self.current:
            return
        self.switch_to(name, fetch=False)
        if self._fetch_timer is not None:
            self._fetch_timer.stop()
        self._fetch_timer = self.set_timer(FETCH_DELAY, partial(self._fetch_if_resting, name))

    @on(ProfileList.Selected)
    def _selected(self, event: ProfileList.Selected) -> None:
        self.switch_to(event.state.profile.name)
        if self.has_class("narrow") and self.has_class("sidebar-flipped"):
            self.remove_class("sidebar-flipped")
            self.tree().focus()

    # -- keys ----------------------------------------------------------------------------

    def action_tab(self, delta: int) -> None:
        step_tab(self.query_one(TabbedContent), delta)

    def action_toggle_sidebar(self) -> None:
        self.toggle_class("sidebar-flipped")
        self.call_after_refresh(self._relabel_tabs)
        if self.sidebar_shown():
            self.call_after_refresh(self.query_one(ProfileList).focus)
        else:
            self.call_after_refresh(self._focus_tree)

    def retranslate(self) -> None:
        """Redraw every text on the dashboard in the current language."""
        translate_bindings(self)
        self.query_one(FilterBar).retranslate()
        self.draw_title()
        self.summary_dirty = True
        if self.query_one("#main", ContentSwitcher).current == "empty":
            self.show_empty()
        else:
            self.refresh_view()
