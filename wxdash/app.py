"""WxDashApp: the dashboard. Wiring, bindings and workers; widgets draw, the core layer fetches.

Every fetch runs in a worker of its own profile's group, so fetching one profile never cancels
another's, and a result always lands on the profile it was fetched for.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.actions import SkipAction
from textual.app import App, ComposeResult, ScreenStackError, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.events import Resize
from textual.markup import escape
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Footer, Input, Static, TabbedContent, TabPane

from wxdash import clipboard
from wxdash.cache import ResultCache
from wxdash.demo import Demo
from wxdash.files import replace_file
from wxdash.fleet import CALLS_PER_FETCH, FetchOutcome, Fleet, QuotaOutcome
from wxdash.i18n import N_, _, detect_language, language, ngettext, set_language
from wxdash.profiles import (
    Change,
    Config,
    ConfigError,
    Profile,
    ProfileStore,
    add_profile,
    config_path,
    remove_profile,
    update_profile,
)
from wxdash.profiles import set_language as save_language
from wxdash.quota import QuotaBook
from wxdash.safetext import visible
from wxdash.screens.confirm import ConfirmScreen
from wxdash.screens.export import ExportRequest, ExportScreen
from wxdash.screens.find import FindScreen, Found
from wxdash.screens.help import HelpScreen
from wxdash.screens.picker import PickerScreen
from wxdash.screens.profile_form import ProfileFormScreen
from wxdash.state import Filters, ProfileState, Status
from wxdash.textual_words import TranslatedTextual, translate_bindings
from wxdash.wechat.client import WeChatClient
from wxdash.wechat.models import Group, Protocol
from wxdash.widgets.domain_tree import DomainTree
from wxdash.widgets.error_banner import ErrorBanner
from wxdash.widgets.filter_bar import FilterBar, ProtocolToggle
from wxdash.widgets.pending_tree import PendingTree
from wxdash.widgets.profile_filter import ProfileFilter
from wxdash.widgets.profile_header import ProfileHeader
from wxdash.widgets.profile_list import ProfileList

if TYPE_CHECKING:
    from wxdash.demo import Demo

# Below this width the profile list folds away so the tabs keep their room.
NARROW = 100
# `R` on more profiles than this asks first: each fetch spends daily quota.
ASK_BEFORE_FETCHING = 50
# Moving through the list shows a profile at once; it is fetched once the cursor rests.
FETCH_DELAY = 0.3
# The tabs: one per group, then what the next release changes.
PENDING = "pending"
TABS = (*(g.short for g in Group), PENDING)
# Each language named in itself, for the command that switches to it.
LANGUAGE_NAMES = {"en": "English", "zh": "简体中文"}
# `s` steps the profile list through these: every profile, then one status at a time.
STATUS_FILTERS = (
    None,
    Status.ERROR,
    Status.STALE,
    Status.NOT_FETCHED,
    Status.OK,
    Status.CACHED,
)
# How often the config file is looked at for changes made by another program (seconds).
CONFIG_POLL = 1.5


def _plain_highlight(candidate: str, query: str, provider: Provider) -> Content:
    """Like Matcher.highlight, but the candidate is text, never markup (names are user data)."""
    content = Content(candidate)
    matcher = provider.matcher(query)
    score, offsets = matcher.fuzzy_search.match(query, candidate)
    if score:
        for offset in offsets:
            if not candidate[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class ProfileCommands(Provider):
    """Command palette entries that switch to a profile by name."""

    def _entries(self) -> Iterable[tuple[str, str, str]]:
        app = self.app
        assert isinstance(app, WxDashApp)
        for state in app.states.values():
            name = state.profile.name
            title = _("Switch to profile: {name}").format(name=visible(name))
            # The palette reads help as markup: the appid is escaped for it.
            help_text = f"{escape(visible(state.profile.appid))} · {state.status.label}"
            yield name, title, help_text

    async def discover(self) -> Hits:
        for name, title, help_text in list(self._entries())[:30]:
            yield DiscoveryHit(Content(title), partial(self._switch, name), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, title, help_text in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    _plain_highlight(title, query, self),
                    partial(self._switch, name),
                    text=title,
                    help=help_text,
                )

    def _switch(self, name: str) -> None:
        app = self.app
        assert isinstance(app, WxDashApp)
        app.switch_to(name)


class WxDashApp(TranslatedTextual[int]):
    """The wxdash dashboard. With no arguments it reads the same config as `wxdash`."""

    CSS_PATH = "wxdash.tcss"
    TITLE = "wxdash"
    COMMANDS: ClassVar = App.COMMANDS | {ProfileCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", N_("Quit")),
        Binding("question_mark,f1", "help", N_("Help"), key_display="?"),
        Binding("p", "pick", N_("Pick")),
        Binding("b", "toggle_sidebar", N_("List")),
        Binding("r", "refetch", N_("Refetch")),
        Binding("R", "refetch_all", N_("All"), show=False, key_display="R"),
        # `/` and `f` are priority bindings: the app takes them before it hands any key on,
        # so that the keys typed right after them (quickly, or pasted) go to the text field
        # they open, in order. Bound the usual way, the keys after them would already be on
        # their way to the widget focused before, and lost.
        Binding("slash", "key_filter_text", N_("Filter"), key_display="/", priority=True),
        Binding("c", "copy", N_("Copy")),
        Binding("C,shift+c", "copy_json", N_("JSON"), show=False, key_display="C"),
        Binding("left_square_bracket", "tab(-1)", N_("Tab"), show=False, key_display="["),
        Binding("right_square_bracket", "tab(1)", N_("Tab"), show=False, key_display="]"),
        Binding("escape", "clear_filter", N_("Clear filter"), show=False),
        Binding("a", "add_profile", N_("Add"), show=False),
        Binding("e", "edit_profile", N_("Edit"), show=False),
        Binding("d", "delete_profile", N_("Delete"), show=False),
        Binding("F", "find", N_("Find"), key_display="F"),
        Binding("x", "export", N_("Export"), show=False),
        Binding("f", "key_filter_profiles", N_("Filter list"), show=False, priority=True),
        Binding("s", "cycle_status", N_("Status"), show=False),
        Binding("Q,shift+q", "quota", N_("Quota"), show=False, key_display="Q"),
        *(
            Binding(str(key), f"toggle_protocol({key - 1})", protocol.short, show=False)
            for key, protocol in enumerate(Protocol, start=1)
        ),
    ]

    def __init__(
        self,
        *,
        config_file: str | None = None,
        demo: bool = False,
        profile: str | None = None,
        lang: str | None = None,
        config: Config | None = None,
        offline: bool = False,
        cache: ResultCache | None = None,
    ) -> None:
        self._demo_server: Demo | None = None
        self.store: ProfileStore | None = None
        self._load_error: ConfigError | None = None
        if config is not None:
            self.config = config
        elif demo:
            # Imported here: the fake server (http.server) is no part of a real start-up.
            from wxdash.demo import Demo

            self._demo_server = Demo()
            self.config = self._demo_server.start()
        else:
            self.store = ProfileStore(config_path(config_file))
            try:
                self.config = self.store.load()
            except ConfigError as error:
                self._load_error = error
                self.config = Config(path=self.store.path)
        set_language(lang or self.config.lang or detect_language())
        super().__init__()
        translate_bindings(self)  # the footer's texts: msgids in BINDINGS, shown translated
        self.offline = offline
        # The demo's data is made up on the spot: it neither reads nor writes the cache.
        self.cache = None if demo else (cache or ResultCache())
        self.states: dict[str, ProfileState] = {}
        self.current: str | None = None
        self.filters = Filters()
        self._wanted = profile
        self._dirty: set[str] = set(TABS)
        self._fetch_timer: Timer | None = None
        self._summary_dirty = True
        self._client: WeChatClient | None = None
        self.fleet: Fleet | None = None
        self._status_filter: Status | None = None
        self._list_dirty = False
        self._config_notice: str | None = None

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield Static(id="sidebar-title")
                yield ProfileFilter(id="profile-filter")
                yield ProfileList(id="profiles")
                yield Static(id="summary")
            with ContentSwitcher(id="main", initial="dashboard"):
                with Vertical(id="dashboard"):
                    yield ProfileHeader(id="header")
                    yield ErrorBanner(id="banner")
                    yield FilterBar(id="filters")
                    with TabbedContent(id="tabs"):
                        for group in Group:
                            with TabPane(group.label, id=f"tab-{group.short}"):
                                yield DomainTree(group, id=f"tree-{group.short}")
                        with TabPane(_("Pending"), id=f"tab-{PENDING}"):
                            yield PendingTree(id=f"tree-{PENDING}")
                yield Static(id="empty")
        yield Footer()

    def on_mount(self) -> None:
        settings = self.config.network
        connections = max(self.config.concurrency, 8) * CALLS_PER_FETCH
        self._client = WeChatClient(settings, max_connections=connections)
        self.fleet = Fleet(
            self._client,
            concurrency=self.config.concurrency,
            command_timeout=self.config.token_command_timeout,
            # The demo keeps nothing on disk.
            quota=QuotaBook() if self._demo_server is not None else QuotaBook.in_cache(),
        )
        start = self._initial_profile()
        # Current before the states exist, so adopting them does not show (and fetch) the first
        # profile when --profile names another.
        self.current = start
        self._set_states(self.config.profiles)
        if start is not None:
            self._load_cached([start])  # at once, so the first frame has data
            self._load_all_cached()
        self.set_interval(0.25, self._draw_summary)
        if self.store is not None:
            self.set_interval(CONFIG_POLL, self._watch_config)
        if self._load_error is not None:
            self._config_notice = self._load_error.message
            self._show_empty(self._load_error)
        else:
            self._report_config_problems(self.config)
        if start is not None:
            self.switch_to(start)
        self._layout_for(self.size.width)

    async def on_unmount(self) -> None:
        if self._client is not None:
            await self._client.aclose()
        if self._demo_server is not None:
            self._demo_server.stop()

    def _initial_profile(self) -> str | None:
        if not self.config.profiles:
            return None
        if self._wanted:
            try:
                return self.config.find(self._wanted).name
            except ConfigError as error:
                self.notify(
                    error.message, title=_("No such profile"), severity="warning", markup=False
                )
        return self.config.profiles[0].name

    def on_resize(self, event: Resize) -> None:
        self._layout_for(event.size.width)

    def _layout_for(self, width: int) -> None:
        self.screen.set_class(width < NARROW, "narrow")
        self.call_after_refresh(self._relabel_tabs)
        if not self._sidebar_shown() and isinstance(self.focused, ProfileList | None):
            # Keys must not drive a list nobody can see.
            self.call_after_refresh(self._focus_tree)

    def _sidebar_shown(self) -> bool:
        """The list shows on wide screens unless hidden with `b`, on narrow ones only with `b`."""
        screen = self.screen
        return screen.has_class("narrow") == screen.has_class("sidebar-flipped")

    def _focus_tree(self) -> None:
        if self.states:
            self._tree().focus()

    # -- state ---------------------------------------------------------------------------

    def _set_states(self, profiles: Iterable[Profile]) -> None:
        """Adopt a new list of profiles, keeping what is known about those that did not change."""
        old = self.states
        self.states = {}
        for profile in profiles:
            state = old.get(profile.name)
            if state is None or state.profile != profile:
                state = ProfileState(profile)
            self.states[profile.name] = state
        listing = self.query_one(ProfileList)
        listing.set_profiles(list(self.states.values()), self.current)
        self._draw_title()
        self._summary_dirty = True
        if not self.states:
            self.current = None
            self._show_empty(self._load_error)
        else:
            self.query_one("#main", ContentSwitcher).current = "dashboard"
            if self.current not in self.states:
                self.switch_to(next(iter(self.states)))

    def _draw_sidebar_title(self) -> None:
        count = len(self.states)
        title = ngettext("{n} profile", "{n} profiles", count).format(n=count)
        self.query_one("#sidebar-title", Static).update(Content.styled(title, "bold"))

    def _state(self) -> ProfileState | None:
        return self.states.get(self.current or "")

    def _draw_title(self) -> None:
        """`1000 profiles`, or `12 of 1000 profiles · error` while the list is filtered."""
        listing = self.query_one(ProfileList)
        total = len(self.states)
        title = ngettext("{n} profile", "{n} profiles", total).format(n=total)
        if listing.shown != total or self._status_filter is not None:
            title = ngettext("{shown} of {n} profile", "{shown} of {n} profiles", total).format(
                shown=listing.shown, n=total
            )
        if self._status_filter is not None:
            title += f" ({self._status_filter.mark} {self._status_filter.label})"
        self.query_one("#sidebar-title", Static).update(Content.styled(title, "bold"))

    def _draw_summary(self) -> None:
        if self._list_dirty:
            self._list_dirty = False
            self.query_one(ProfileList).refilter()
            self._draw_title()
        if not self._summary_dirty:
            return
        try:
            summary = self.query_one("#summary", Static)
        except (NoMatches, ScreenStackError):
            return  # quitting: this timer can outlive the screen's widgets
        self._summary_dirty = False
        counts = Counter(state.status for state in self.states.values())
        entries = [
            Content.styled(f"{status.mark} {counts[status]} {status.label}", style)
            for status, style in (
                (Status.OK, "$text-success"),
                (Status.CACHED, "$text-success"),
                (Status.ERROR, "$text-error"),
                (Status.STALE, "$text-warning"),
                (Status.FETCHING, "$text-accent"),
                (Status.NOT_FETCHED, "$text-muted"),
            )
            if counts[status]
        ]
        # Break between entries, never inside one ("not fetched" stays together).
        width = max(summary.content_region.width, 1)
        lines: list[list[Content]] = [[]]
        for entry in entries:
            used = sum(c.cell_length + 2 for c in lines[-1])
            if lines[-1] and used + entry.cell_length > width:
                lines.append([])
            lines[-1].append(entry)
        summary.update(Content("\n").join(Content("  ").join(line) for line in lines))

    def _changed(self, name: str) -> None:
        """A profile's state changed: redraw what shows it."""
        self.query_one(ProfileList).refresh_profile(name)
        self._summary_dirty = True
        self._list_dirty = self._status_filter is not None
        if name == self.current:
            self._refresh_view()

    def _show_empty(self, error: ConfigError | None) -> None:
        empty = self.query_one("#empty", Static)
        if error is not None:
            text = Content.assemble(
                (_("The config file cannot be read") + "\n\n", "bold $text-error"),
                visible(error.message) + "\n\n",
                (error.hint + "\n\n" if error.hint else "", "italic"),
                (
                    _("wxdash has not changed the file. Fix it, then start wxdash again."),
                    "$text-muted",
                ),
            )
        else:
            text = Content.assemble(
                (_("No profiles yet") + "\n\n", "bold"),
                _("A profile is a mini program's appid and where its access_token comes from.")
                + "\n\n",
                (_("Press a to add one."), "bold $text-accent"),
                "\n",
                _("Or try the built-in demo first: wxdash --demo") + "\n\n",
                (_("Profiles are kept in {path}").format(path=self.config.path), "$text-muted"),
            )
        empty.update(text)
        self.query_one("#main", ContentSwitcher).current = "empty"

    def _report_config_problems(self, config: Config) -> None:
        if not config.problems:
            return
        shown = "\n".join(str(p) for p in config.problems[:4])
        more = len(config.problems) - 4
        if more > 0:
            shown += "\n" + _("… and {n} more: run wxdash config check").format(n=more)
        self.notify(
            shown,
            title=_("Problems in the config file"),
            severity="error" if config.errors else "warning",
            timeout=15,
            markup=False,
        )

    # -- showing a profile ---------------------------------------------------------------

    def switch_to(self, name: str, *, fetch: bool = True) -> None:
        """Show the profile called `name`; fetch it if it has never been fetched."""
        if name not in self.states:
            return
        self.current = name
        self.query_one(ProfileList).move_to(name)
        self._refresh_view()
        if fetch and self._wants_fetch(name):
            self.fetch(name)

    def _refresh_view(self) -> None:
        state = self._state()
        if state is None:
            return
        self.query_one(ProfileHeader).show_state(state)
        stale_since = state.fetched_at if state.report is not None else None
        self.query_one(ErrorBanner).show_error(state.error, stale_since, state.webview_error)
        self._dirty = set(TABS)
        self._draw_active_tree()

    def _active_tab(self) -> str:
        """`effective`, `mp`, `third`, `direct` or `pending`."""
        return (self.query_one(TabbedContent).active or "tab-effective").removeprefix("tab-")

    def _active_group(self) -> Group | None:
        """The group on screen; None on the Pending tab."""
        tab = self._active_tab()
        return None if tab == PENDING else Group.parse(tab)

    def _tree(self, tab: str | None = None) -> DomainTree:
        return self.query_one(f"#tree-{tab or self._active_tab()}", DomainTree)

    def _tab_label(self, tab: str) -> str:
        return _("Pending") if tab == PENDING else Group.parse(tab).label

    def _placeholder(self, state: ProfileState) -> str:
        match state.status:
            case Status.FETCHING:
                return _("Fetching…")
            case Status.ERROR:
                return _("No data: the fetch failed (see above).")
            case _ if self.offline:
                # r is refused offline: say what would help instead.
                return _("Not in the cache: start wxdash without --offline to fetch it.")
            case _:
                return _("Not fetched yet: press r.")

    def _draw_active_tree(self) -> None:
        """Rebuild only the tab on screen; other tabs are rebuilt when they are shown."""
        state = self._state()
        if state is None:
            return
        tab = self._active_tab()
        if tab in self._dirty:
            self._dirty.discard(tab)
            tree = self._tree(tab)
            if isinstance(tree, PendingTree):
                tree.show_pending(state.pending, self.filters, self._placeholder(state))
            else:
                assert tree.group is not None
                tree.show(
                    state.view, self.filters, self._placeholder(state), state.gaps(tree.group)
                )
        # Each group's count once: the match count and the tab labels both need them.
        view = state.view
        counts = self.filters.counts(view)
        matches = sum(counts.values()) if view is not None else None
        self.query_one(FilterBar).show_filters(self.filters, matches)
        self._label_tabs(state, counts)

    def _label_tabs(self, state: ProfileState, counts: dict[Group, int]) -> None:
        """While a filter is on, each tab says how many of its domains pass it; Pending always
        says how many changes it holds. Tabs short of room take short titles (Chinese ones
        are long)."""
        tabs = self.query_one(TabbedContent)
        suffixes = {
            group: f" ({counts[group]})"
            for group in Group
            if self.filters.active and group in counts
        }
        # Pending always says how many: the count is the news.
        changes = state.pending
        pending = f" ({changes.count})" if changes is not None else ""
        labels = {group.short: group.label + suffixes.get(group, "") for group in Group}
        labels[PENDING] = _("Pending") + pending
        # A tab pads its title with a cell on each side.
        needed = sum(Content(label).cell_length + 2 for label in labels.values())
        if tabs.size.width and needed > tabs.size.width:
            labels = {group.short: group.tab_label + suffixes.get(group, "") for group in Group}
            labels[PENDING] = _("Pending") + pending
        for tab, label in labels.items():
            widget = tabs.get_tab(f"tab-{tab}")
            if widget.label.plain != label:
                widget.label = Content(label)

    def _relabel_tabs(self) -> None:
        """The tabs' room changed (a resize, the list shown or hidden): fit their titles."""
        if (state := self._state()) is not None:
            self._label_tabs(state, self.filters.counts(state.view))

    @on(TabbedContent.TabActivated, "#tabs")
    def _tab_shown(self) -> None:
        self._draw_active_tree()

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

    def _fetch_if_resting(self, name: str) -> None:
        if name == self.current and self._wants_fetch(name):
            # Quitting: the timer can outlive the screen's widgets.
            with contextlib.suppress(NoMatches, ScreenStackError):
                self.fetch(name)

    def _wants_fetch(self, name: str) -> bool:
        """Shown and never fetched in this session (cached data is refreshed in the background)."""
        state = self.states.get(name)
        if state is None or self.offline:
            return False
        return state.status in (Status.NOT_FETCHED, Status.CACHED)

    @on(ProfileList.Selected)
    def _selected(self, event: ProfileList.Selected) -> None:
        self.switch_to(event.state.profile.name)
        if self.screen.has_class("narrow") and self.screen.has_class("sidebar-flipped"):
            self.screen.remove_class("sidebar-flipped")
            self._tree().focus()

    # -- fetching ------------------------------------------------------------------------

    def fetch(self, name: str, *, force: bool = False) -> None:
        """Fetch one profile in the background, in a worker group of its own. Unless `force`,
        an appid whose daily quota is used up is not called (its error says so)."""
        state = self.states.get(name)
        if state is None:
            return
        state.fetching = True
        self._changed(name)
        self.run_worker(
            self._fetch(state.profile, force),
            name=f"fetch {name}",
            group=f"fetch:{name}",
            exclusive=True,
            exit_on_error=False,
        )

    async def _fetch(self, profile: Profile, force: bool = False) -> None:
        assert self.fleet is not None
        outcome = await self.fleet.fetch_bounded(profile, force=force)
        if self.cache is not None:
            await asyncio.to_thread(self.cache.save, outcome)
        self._land(outcome)

    def _land(self, outcome: FetchOutcome) -> None:
        """Put a result on the profile it was fetched for (which may no longer be on screen)."""
        state = self.states.get(outcome.profile.name)
        if state is None or state.profile != outcome.profile:
            return  # the profile was edited or deleted while the fetch ran
        if outcome.source == "cache" and (state.fetching or state.fetched_at is not None):
            return  # the network got there first
        state.land(outcome)
        self._changed(state.profile.name)

    # -- the cache -----------------------------------------------------------------------

    def _load_cached(self, names: Iterable[str]) -> None:
        if self.cache is None:
            return
        for name in names:
            state = self.states.get(name)
            if state is not None and (outcome := self.cache.load(state.profile)) is not None:
                self._land(outcome)
        self._report_cache_problems()

    @work(thread=True, group="cache", exit_on_error=False)
    def _load_all_cached(self) -> None:
        """Every other profile's cached result, read off the event loop (there may be 1,000)."""
        if self.cache is None:
            return
        profiles = [s.profile for s in self.states.values() if s.profile.name != self.current]
        for profile in profiles:
            outcome = self.cache.load(profile)
            if outcome is not None:
                self.call_from_thread(self._land, outcome)
        self.call_from_thread(self._report_cache_problems)

    def _report_cache_problems(self) -> None:
        if self.cache is None or not self.cache.problems:
            return
        shown = "\n".join(self.cache.problems[:3])
        self.cache.problems.clear()
        self.notify(shown, title=_("Cache"), severity="warning", timeout=10, markup=False)

    def _refuse_offline(self) -> bool:
        if self.offline:
            self.notify(
                _("Offline: showing the cache. Start wxdash without --offline to fetch."),
                severity="warning",
            )
        return self.offline

    def action_refetch(self) -> None:
        # Asked for by name: called even if WeChat said its quota was used up (it may be reset).
        if self.current is not None and not self._refuse_offline():
            self.fetch(self.current, force=True)

    def action_refetch_all(self) -> None:
        if self._refuse_offline():
            return
        count = len(self.states)
        if count <= ASK_BEFORE_FETCHING:
            self._fetch_all(True)
            return
        self.push_screen(
            ConfirmScreen(
                _("Fetch every profile?"),
                _(
                    "This fetches {n} profiles, {c} at a time. Each fetch counts against its "
                    "mini program's daily quota for the API."
                ).format(n=count, c=self.config.concurrency),
                _("Fetch {n}").format(n=count),
            ),
            self._fetch_all,
        )

    def _fetch_all(self, confirmed: bool | None) -> None:
        if not confirmed:
            return
        # The shown profile first, then the rest in list order.
        names = sorted(self.states, key=lambda n: n != self.current)
        profiles = []
        for name in names:
            self.states[name].fetching = True
            profiles.append(self.states[name].profile)
        self.query_one(ProfileList).refresh()
        self._summary_dirty = True
        self._refresh_view()
        # One worker streams every result as it lands: a thousand workers would each post
        # their own state changes and keep the screen busy.
        self.run_worker(
            self._fetch_many(profiles),
            name="fetch all",
            group="fetch-all",
            exclusive=True,
            exit_on_error=False,
        )

    async def _fetch_many(self, profiles: list[Profile]) -> None:
        assert self.fleet is not None
        pending = {p.name: p for p in profiles}
        try:
            async for outcome in self.fleet.fetch_each(profiles):
                pending.pop(outcome.profile.name, None)
                if self.cache is not None:
                    await asyncio.to_thread(self.cache.save, outcome)
                self._land(outcome)
        finally:
            # Cancelled (R again, or quitting): what did not land is not fetching any more.
            for name, profile in pending.items():
                state = self.states.get(name)
                if state is not None and state.profile == profile and state.fetching:
                    state.fetching = False
                    self._changed(name)

    # -- a fleet: finding profiles, quota, the config changing under us ------------------

    def action_key_filter_profiles(self) -> None:
        self._skip_while_typing()
        self.action_filter_profiles()

    def action_filter_profiles(self) -> None:
        if not self._sidebar_shown():
            self.screen.toggle_class("sidebar-flipped")
        self.query_one(ProfileFilter).open()

    @on(ProfileFilter.FilterChanged)
    def _profile_filter_changed(self, event: ProfileFilter.FilterChanged) -> None:
        self.query_one(ProfileList).set_filter(event.text, self._status_filter)
        self._draw_title()

    @on(ProfileFilter.Done)
    def _profile_filter_done(self) -> None:
        self.query_one(ProfileList).focus()

    def action_cycle_status(self) -> None:
        index = STATUS_FILTERS.index(self._status_filter)
        self._status_filter = STATUS_FILTERS[(index + 1) % len(STATUS_FILTERS)]
        text = self.query_one(ProfileFilter).value
        self.query_one(ProfileList).set_filter(text, self._status_filter)
        self._draw_title()
        if not self._sidebar_shown():
            self.screen.toggle_class("sidebar-flipped")

    def action_quota(self) -> None:
        state = self._state()
        if state is None:
            return
        name = state.profile.name
        self.notify(
            _("Asking WeChat for the daily quota of {name}…").format(name=visible(name)),
            timeout=3,
            markup=False,
        )
        self.run_worker(
            self._quota(state.profile),
            name=f"quota {name}",
            group=f"quota:{name}",
            exclusive=True,
            exit_on_error=False,
        )

    async def _quota(self, profile: Profile) -> None:
        assert self.fleet is not None
        self._show_quota(await self.fleet.check_quota(profile))

    def _show_quota(self, outcome: QuotaOutcome) -> None:
        name = visible(outcome.profile.name)
        if outcome.quota is None:
            error = outcome.error
            assert error is not None
            text = visible(error.message) + (f"\n{error.hint}" if error.hint else "")
            self.notify(
                text,
                title=_("Quota of {name}: not available").format(name=name),
                severity="error",
                timeout=12,
                markup=False,
            )
            return
        quota = outcome.quota
        lines = [
            _("{used} of {limit} calls used today, {remain} left").format(
                used=f"{quota.used:,}", limit=f"{quota.daily_limit:,}", remain=f"{quota.remain:,}"
            ),
            _("get_effective_domain; resets at midnight Beijing time"),
        ]
        self.notify(
            "\n".join(lines),
            title=_("Daily quota of {name}").format(name=name),
            severity="warning" if quota.remain == 0 else "information",
            timeout=12,
            markup=False,
        )

    def _watch_config(self) -> None:
        """Another program changed the config file: take its profiles, or say why not."""
        store = self.store
        if store is None or not store.changed_on_disk(settle=True):
            return
        try:
            config = store.load()
        except ConfigError as error:
            if self._config_notice != error.message:
                self._config_notice = error.message
                self.notify(
                    f"{error.message}\n"
                    + _("wxdash keeps the profiles it has and will not save over the file."),
                    title=_("The config file changed and cannot be read"),
                    severity="error",
                    timeout=15,
                    markup=False,
                )
            return
        self._config_notice = None
        before = set(self.states)
        self.config = config
        self._load_error = None
        self._set_states(config.profiles)
        after = set(self.states)
        self.notify(
            _(
                "{file} was changed by another program: reloaded ({added} added, {removed} removed)"
            ).format(file=config.path.name, added=len(after - before), removed=len(before - after)),
            title=_("Config file changed"),
            timeout=8,
            markup=False,
        )
        self._report_config_problems(config)

    # -- keys ----------------------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_pick(self) -> None:
        if not self.states:
            self.notify(_("No profiles yet: press a to add one."), severity="warning")
            return
        self.push_screen(PickerScreen(list(self.states.values()), self.current), self._picked)

    def _picked(self, name: str | None) -> None:
        if name is not None:
            self.switch_to(name)
            self._tree().focus()

    def action_tab(self, delta: int) -> None:
        tabs = self.query_one(TabbedContent)
        ids = [f"tab-{tab}" for tab in TABS]
        index = ids.index(tabs.active) if tabs.active in ids else 0
        tabs.active = ids[(index + delta) % len(ids)]

    def action_toggle_protocol(self, index: int) -> None:
        protocols = list(Protocol)
        if 0 <= index < len(protocols):
            self.filters.toggle(protocols[index])
            self._filters_changed()

    @on(ProtocolToggle.Toggled)
    def _toggle_clicked(self, event: ProtocolToggle.Toggled) -> None:
        self.filters.toggle(event.protocol)
        self._filters_changed()

    def action_key_filter_text(self) -> None:
        self._skip_while_typing()
        self.action_filter_text()

    def action_filter_text(self) -> None:
        self.query_one(FilterBar).open_text()

    def _skip_while_typing(self) -> None:
        """For a priority binding's key: in a text field, or in a dialog, it is only a key
        like any other, passed on (Textual's SkipAction)."""
        if isinstance(self.focused, Input) or len(self.screen_stack) > 1:
            raise SkipAction()

    @on(FilterBar.TextChanged)
    def _text_changed(self, event: FilterBar.TextChanged) -> None:
        self.filters.text = event.text
        self._filters_changed()

    @on(FilterBar.Done)
    def _filter_done(self) -> None:
        self.screen.set_focus(self._tree())

    def action_clear_filter(self) -> None:
        bar = self.query_one(FilterBar)
        if self.filters.text or bar.input.has_focus:
            self.filters.text = ""
            bar.input.value = ""
            self._filters_changed()
            self.screen.set_focus(self._tree())

    def _filters_changed(self) -> None:
        self._dirty = set(TABS)
        self._draw_active_tree()

    def action_toggle_sidebar(self) -> None:
        self.screen.toggle_class("sidebar-flipped")
        self.call_after_refresh(self._relabel_tabs)
        if self._sidebar_shown():
            self.call_after_refresh(self.query_one(ProfileList).focus)
        else:
            self.call_after_refresh(self._focus_tree)

    # -- copying -------------------------------------------------------------------------

    def _shown(self) -> dict[str, list[str]]:
        """The domains the tab on screen shows, by the API's protocol key."""
        state = self._state()
        tree = self._tree()
        if isinstance(tree, PendingTree):
            return tree.pending_domains(state.pending if state else None, self.filters)
        return tree.visible_domains(state.view if state else None, self.filters)

    def _copy_target(self) -> tuple[list[str], str]:
        """The domains `c` copies, and a description: the focused node, else the whole tab."""
        tab_label = self._tab_label(self._active_tab())
        tree = self._tree()
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
        self._copy("\n".join(domains), len(domains), where)

    def action_copy_json(self) -> None:
        shown = self._shown()
        count = sum(len(v) for v in shown.values())
        text = json.dumps(shown, ensure_ascii=False, indent=2)
        label = self._tab_label(self._active_tab())
        self._copy(text, count, _("{group}, as JSON").format(group=label), allow_empty=bool(shown))

    def _copy(self, text: str, count: int, where: str, *, allow_empty: bool = False) -> None:
        if count == 0 and not allow_empty:
            self.notify(_("Nothing to copy: no domain is shown here."), severity="warning")
            return
        self.copy_to_clipboard(text)  # OSC 52: works over SSH, but nothing confirms it
        self._copy_native(text, count, where)

    @work(thread=True, group="clipboard", exclusive=True, exit_on_error=False)
    def _copy_native(self, text: str, count: int, where: str) -> None:
        copied = clipboard.copy_native(text)
        self.call_from_thread(self._copied, copied, count, where)

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

    # -- finding and exporting ------------------------------------------------------------

    def action_find(self) -> None:
        fetched = [s for s in self.states.values() if s.view is not None]
        if not fetched:
            self.notify(
                _("Nothing fetched yet to search: press r, or R for every profile."),
                severity="warning",
            )
            return
        self.push_screen(FindScreen(fetched), self._found)

    def _found(self, found: Found | None) -> None:
        """Go to a search hit: its profile and tab, filters opened up so it shows, cursor on it."""
        if found is None:
            return
        self.switch_to(found.profile, fetch=False)
        if not self.filters.shows(found.protocol):
            self.filters.toggle(found.protocol)
        if not self.filters.matches(found.domain):
            self.filters.text = ""
        self._dirty = set(TABS)
        self.query_one(TabbedContent).active = f"tab-{found.group.short}"
        self._draw_active_tree()
        tree = self._tree(found.group.short)

        def land() -> None:
            tree.focus()
            tree.focus_domain(found.protocol, found.domain)

        self.call_after_refresh(land)

    def action_export(self) -> None:
        state = self._state()
        if state is None or state.view is None:
            self.notify(
                _("Nothing to export yet: fetch this profile first (r)."), severity="warning"
            )
            return
        slug = re.sub(r"[^a-z0-9]+", "-", state.profile.name.lower()).strip("-")
        stem = f"wxdash-{slug or state.profile.appid}-{datetime.now():%Y%m%d-%H%M}"
        self.push_screen(
            ExportScreen(
                partial(self._export, state),
                profile=state.profile.name,
                tab=self._tab_label(self._active_tab()),
                stem=stem,
            )
        )

    def _export(self, state: ProfileState, request: ExportRequest) -> str | None:
        """Write the export; an error message for the dialog if it could not be written."""
        from wxdash import output

        outcome = state.outcome()
        group = self._active_group()
        if not request.whole and group is None:  # the Pending tab
            render = {"json": output.diff_json, "csv": output.diff_csv, "text": output.diff_text}
            text = render[request.format]([outcome])
        else:
            selection = output.Selection([group] if group and not request.whole else None)
            render_outcomes = {
                "json": output.render_json,
                "csv": output.render_csv,
                "text": output.render_text,
            }[request.format]
            text = render_outcomes([outcome], selection)
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

    # -- managing profiles ---------------------------------------------------------------

    def _apply(self, change: Change, describe: str) -> str | None:
        """Save a change (or keep it in memory in the demo); an error message if it failed."""
        if self.store is None:
            document = {"profiles": [p.to_table() for p in self.config.profiles]}
            try:
                change(document)
            except ConfigError as error:
                return error.message
            from wxdash.profiles import build_config

            self.config = build_config(self.config.path, document)
            self._set_states(self.config.profiles)
            self.notify(describe + "\n" + _("Demo: kept until you quit, not saved."), markup=False)
            return None
        try:
            result = self.store.save(change)
        except ConfigError as error:
            return f"{error.message}\n{error.hint}" if error.hint else error.message
        self.config = result.config
        self._set_states(self.config.profiles)
        self.notify(describe, markup=False)
        if result.notice:
            self.notify(
                result.notice,
                title=_("Config file changed"),
                severity="warning",
                timeout=12,
                markup=False,
            )
        return None

    def action_add_profile(self) -> None:
        def save(profile: Profile) -> str | None:
            described = _("Added profile {name}").format(name=visible(profile.name))
            failure = self._apply(add_profile(profile), described)
            if failure is None:
                self.call_after_refresh(self.switch_to, profile.name)
            return failure

        self.push_screen(ProfileFormScreen(save, taken=self.states))

    def action_edit_profile(self) -> None:
        state = self._state()
        if state is None:
            self.action_add_profile()
            return
        old = state.profile.name

        def save(profile: Profile) -> str | None:
            described = _("Saved profile {name}").format(name=visible(profile.name))
            failure = self._apply(update_profile(old, profile), described)
            if failure is None:
                self.current = profile.name if old == self.current else self.current
                self.call_after_refresh(self.switch_to, profile.name)
            return failure

        self.push_screen(ProfileFormScreen(save, taken=self.states, profile=state.profile))

    def action_delete_profile(self) -> None:
        state = self._state()
        if state is None:
            return
        name = state.profile.name

        def confirmed(yes: bool | None) -> None:
            if yes:
                failure = self._apply(
                    remove_profile(name), _("Deleted profile {name}").format(name=visible(name))
                )
                if failure is not None:
                    self.notify(failure, title=_("Not deleted"), severity="error", markup=False)

        self.push_screen(
            ConfirmScreen(
                _("Delete profile"),
                _("Delete the profile {name} ({appid})? Its mini program is not affected.").format(
                    name=visible(name), appid=visible(state.profile.appid)
                ),
                _("Delete"),
            ),
            confirmed,
        )

    # -- language ------------------------------------------------------------------------

    def set_ui_language(self, lang: str) -> None:
        """Show every text in `lang` from now on, keeping the profile, tab, filters and cursor.
        The choice is saved as `[ui] lang` (the demo keeps it until quitting)."""
        if lang == language():
            return
        set_language(lang)
        self._retranslate()
        described = _("Language: {name}").format(name=LANGUAGE_NAMES[lang])
        failure = self._apply(save_language(lang), described)
        if failure is not None:
            self.notify(failure, title=_("Language not saved"), severity="error", markup=False)

    def _retranslate(self) -> None:
        """Redraw every text on the dashboard in the current language."""
        translate_bindings(self)
        self.refresh_bindings()
        self.query_one(FilterBar).retranslate()
        self._draw_sidebar_title()
        self._summary_dirty = True
        if self.query_one("#main", ContentSwitcher).current == "empty":
            self._show_empty(self._load_error)
        else:
            self._refresh_view()

    # -- command palette -----------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from self.textual_system_commands(screen)
        other = "zh" if language() == "en" else "en"
        yield SystemCommand(
            _("Language: {name}").format(name=LANGUAGE_NAMES[other]),
            # The palette reads help as markup, and [ui] is not a tag.
            escape(
                _("Show wxdash in {name}; the choice is saved as [ui] lang").format(
                    name=LANGUAGE_NAMES[other]
                )
            ),
            partial(self.set_ui_language, other),
        )
        yield SystemCommand(
            _("Refetch this profile"), _("Fetch its domains again (r)"), self.action_refetch
        )
        yield SystemCommand(
            _("Refetch all profiles"), _("Fetch every profile (R)"), self.action_refetch_all
        )
        yield SystemCommand(_("Pick a profile"), _("Switch profile by name (p)"), self.action_pick)
        yield SystemCommand(
            _("Filter the profile list"),
            _("Only names or appids holding a text (f)"),
            self.action_filter_profiles,
        )
        yield SystemCommand(
            _("Filter the profile list by status"),
            _("All, errors, stale, not fetched, ok in turn (s)"),
            self.action_cycle_status,
        )
        yield SystemCommand(
            _("Show this profile's daily quota"),
            _("Ask WeChat how many calls are left today (Q)"),
            self.action_quota,
        )
        yield SystemCommand(
            _("Add a profile"), _("Open the profile form (a)"), self.action_add_profile
        )
        yield SystemCommand(
            _("Edit this profile"), _("Open the profile form (e)"), self.action_edit_profile
        )
        yield SystemCommand(
            _("Delete this profile"), _("Asks first (d)"), self.action_delete_profile
        )
        yield SystemCommand(
            _("Copy"), _("Copy the focused domain, protocol or tab (c)"), self.action_copy
        )
        yield SystemCommand(
            _("Copy as JSON"), _("Copy this tab's shown domains as JSON (C)"), self.action_copy_json
        )
        yield SystemCommand(_("Filter domains"), _("Filter by text (/)"), self.action_filter_text)
        yield SystemCommand(
            _("Find a domain"), _("Search every fetched profile (F)"), self.action_find
        )
        yield SystemCommand(
            _("Export this profile"),
            _("Write it to a JSON, CSV or text file (x)"),
            self.action_export,
        )
        yield SystemCommand(
            _("Toggle the profile list"), _("Show or hide it (b)"), self.action_toggle_sidebar
        )
        for key, protocol in enumerate(Protocol, start=1):
            yield SystemCommand(
                _("Toggle protocol {name}").format(name=protocol.label),
                _("Show or hide {name} domains ({key})").format(name=protocol.label, key=key),
                partial(self.action_toggle_protocol, key - 1),
            )
        yield SystemCommand(_("Keys and groups"), _("The help screen (? or f1)"), self.action_help)
