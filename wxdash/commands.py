"""The command palette's entries: each profile by name, and every dashboard action by its name."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape
from textual.system_commands import SystemCommandsProvider

from wxdash.i18n import N_, _, language, set_language
from wxdash.safetext import visible
from wxdash.wechat.models import Protocol

if TYPE_CHECKING:
    from wxdash.screens.dashboard import DashboardScreen

# Each language named in itself, for the command that switches to it.
LANGUAGE_NAMES = {"en": "English", "zh": "简体中文"}

# (title, help, the dashboard's action): msgids, shown translated.
DASHBOARD_COMMANDS = (
    (N_("Refetch this profile"), N_("Fetch its domains again (r)"), "refetch"),
    (N_("Refetch all profiles"), N_("Fetch every profile the list shows (R)"), "refetch_all"),
    (N_("Refetch failed profiles"), N_("Fetch each profile with an error again"), "refetch_failed"),
    (
        N_("Cancel fetching"),
        N_("Stop the running fetch or probe; what landed stays (esc)"),
        "cancel_fetch",
    ),
    (N_("Pick a profile"), N_("Switch profile by name (p)"), "pick"),
    (
        N_("Filter the profile list"),
        N_("Only names or appids holding a text (f)"),
        "filter_profiles",
    ),
    (
        N_("Filter the profile list by status"),
        N_("All, errors, stale, not fetched, ok in turn (s)"),
        "cycle_status",
    ),
    (
        N_("Show this profile's daily quota"),
        N_("Ask WeChat how many calls are left today (Q)"),
        "quota",
    ),
    (N_("Add a profile"), N_("Open the profile form (a)"), "add_profile"),
    (N_("Edit this profile"), N_("Open the profile form (e)"), "edit_profile"),
    (N_("Delete this profile"), N_("Asks first (d)"), "delete_profile"),
    (N_("Copy"), N_("Copy the focused domain, protocol or tab (c)"), "copy"),
    (N_("Copy as JSON"), N_("Copy this tab's shown domains as JSON (C)"), "copy_json"),
    (N_("Filter domains"), N_("Filter by text (/)"), "filter_text"),
    (N_("Find a domain"), N_("Search every fetched profile (F)"), "find"),
    (
        N_("Probe this profile's hosts"),
        N_("DNS, TCP, TLS and the certificate of each of its hosts (h)"),
        "probe",
    ),
    (
        N_("Domain health"),
        N_("Every probed host, worst first, and whom it hits; probe the fleet (H)"),
        "health",
    ),
    (
        N_("Add a domain to the shown profiles"),
        N_("Plan one domain for every profile the list shows (f and s narrow it)"),
        "add_domain_to_shown",
    ),
    (
        N_("Add a domain to this profile"),
        N_("On the Direct or Third-party tab: a plan, then the call (+)"),
        "add_domain",
    ),
    (N_("Export this profile"), N_("Write it to a JSON, CSV or text file (x)"), "export"),
    (N_("Toggle the profile list"), N_("Show or hide it (b)"), "toggle_sidebar"),
)


def language_command(switch: Callable[[str], None], current: str) -> SystemCommand:
    """The command that shows wxdash in the other language."""
    other = "zh" if current == "en" else "en"
    return SystemCommand(
        _("Language: {name}").format(name=LANGUAGE_NAMES[other]),
        # The palette reads help as markup, and [ui] is not a tag.
        escape(
            _("Show wxdash in {name}; the choice is saved as [ui] lang").format(
                name=LANGUAGE_NAMES[other]
            )
        ),
        partial(switch, other),
    )


def dashboard_commands(dashboard: DashboardScreen) -> Iterator[SystemCommand]:
    """Every dashboard action the keys reach, by name, with its key in the help text."""
    for title, help_text, action in DASHBOARD_COMMANDS:
        yield SystemCommand(_(title), _(help_text), getattr(dashboard, f"action_{action}"))
    for key, protocol in enumerate(Protocol, start=1):
        yield SystemCommand(
            _("Toggle protocol {name}").format(name=protocol.label),
            _("Show or hide {name} domains ({key})").format(name=protocol.label, key=key),
            partial(dashboard.action_toggle_protocol, key - 1),
        )


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

    def _dashboard(self) -> DashboardScreen:
        return self.app.dashboard  # type: ignore[attr-defined, no-any-return]

    def _entries(self) -> Iterable[tuple[str, str, str]]:
        for state in self._dashboard().states.values():
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
        self._dashboard().switch_to(name)


class BilingualSystemCommands(SystemCommandsProvider):
    """The app's commands, found by their English names too while wxdash speaks Chinese: the
    names people read in Textual's and wxdash's docs (`theme`, `quit`) keep working."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        shown = list(self.app.get_system_commands(self.screen))
        english = shown
        if (current := language()) != "en":
            set_language("en")
            try:
                english = list(self.app.get_system_commands(self.screen))
            finally:
                set_language(current)
        for (name, help_text, callback, *_rest), (in_english, *_more) in zip(
            shown, english, strict=False
        ):
            score = matcher.match(name)
            title = matcher.highlight(name) if score > 0 else Content(name)
            if score <= 0 and in_english != name:
                score = matcher.match(in_english)
                help_text = f"{help_text} · {in_english}" if score > 0 else help_text
            if score > 0:
                yield Hit(score, title, callback, help=help_text)
