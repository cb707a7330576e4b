"""WxDashApp: start-up, the config file and its changes, language and theme, the palette.

What is on screen is the dashboard's (`screens/dashboard.py`); the network work is
`fetching.py`'s. The app owns what outlives a screen: the config and where it is saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.theme import Theme

from wxdash.cache import ResultCache
from wxdash.commands import (
    LANGUAGE_NAMES,
    BilingualSystemCommands,
    ProfileCommands,
    dashboard_commands,
    language_command,
)
from wxdash.i18n import N_, _, detect_language, language, set_language
from wxdash.probes import HostMap, ProbeSettings, ProbeStore, Trust
from wxdash.profiles import (
    Change,
    Config,
    ConfigError,
    ProfileStore,
    build_config,
    config_path,
    secrets_exposed,
)
from wxdash.profiles import set_language as save_language
from wxdash.profiles import set_theme as save_theme
from wxdash.safetext import visible
from wxdash.screens.confirm import ConfirmScreen
from wxdash.screens.dashboard import DashboardScreen
from wxdash.screens.help import HelpScreen
from wxdash.textual_words import TranslatedTextual, translate_bindings

if TYPE_CHECKING:
    from wxdash.demo import Demo

# How often the config file is looked at for changes made by another program (seconds).
CONFIG_POLL = 1.5


class WxDashApp(TranslatedTextual[int]):
    """The wxdash dashboard. With no arguments it reads the same config as `wxdash`."""

    CSS_PATH = "wxdash.tcss"
    TITLE = "wxdash"
    COMMANDS: ClassVar = {BilingualSystemCommands, ProfileCommands}

    # Keys that work everywhere, dialogs included; the dashboard binds the rest.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", N_("Quit")),
        Binding("question_mark,f1", "help", N_("Help"), key_display="?"),
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
        hosts: HostMap | None = None,
        probe_settings: ProbeSettings | None = None,
    ) -> None:
        self._demo_server: Demo | None = None
        self.store: ProfileStore | None = None
        self.load_error: ConfigError | None = None
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
                self.load_error = error
                self.config = Config(path=self.store.path)
        set_language(lang or self.config.lang or detect_language())
        super().__init__()
        translate_bindings(self)  # the footer's texts: msgids in BINDINGS, shown translated
        self.demo = demo
        self.offline = offline
        # The demo's data is made up on the spot: it neither reads nor writes the cache.
        self.cache = None if demo else (cache or ResultCache())
        # Probes: --resolve and --connect-to (the demo's own servers under --demo).
        self._hosts = hosts or HostMap()
        self.probe_settings = probe_settings or ProbeSettings()
        self.probe_store = None if demo else ProbeStore()
        self._wanted = profile
        self._dashboard: DashboardScreen | None = None
        self._config_notice = self.load_error.message if self.load_error else None
        if self.config.theme in self.available_themes:
            self.theme = self.config.theme
        self._saved_theme = self.theme

    @property
    def dashboard(self) -> DashboardScreen:
        """The screen beneath any dialog (kept after quitting, for what it last showed)."""
        assert self._dashboard is not None, "the app has not started"
        return self._dashboard

    async def action_quit(self) -> None:
        """Quit; while domain changes are being applied, only once the user says so: the
        calls under way would end `unknown` (the next run settles them)."""
        changing = self._dashboard.changing if self._dashboard is not None else None
        if changing is None or not changing.busy or isinstance(self.screen, ConfirmScreen):
            self.exit()
            return
        self.push_screen(
            ConfirmScreen(
                _("Quit while changes are applied?"),
                _("Calls to WeChat are under way. Quitting now leaves them unknown in the "
                  "ledger until the next run settles them; escape on the plan stops the rest "
                  "cleanly."),
                _("Quit"),
            ),
            lambda yes: self.exit() if yes else None,
        )  # fmt: skip

    def get_default_screen(self) -> Screen[Any]:
        self._dashboard = DashboardScreen(start=self._initial_profile(), offline=self.offline)
        return self._dashboard

    def on_mount(self) -> None:
        if self.store is not None:
            self.set_interval(CONFIG_POLL, self._watch_config)
        if self.load_error is None:
            self._report_config_problems(self.config)
        if self.config.theme not in (None, *self.available_themes):
            self.notify(
                _("[ui] theme {name} is not a theme wxdash knows; the default is used.").format(
                    name=visible(str(self.config.theme))
                ),
                severity="warning",
                markup=False,
            )
        self.theme_changed_signal.subscribe(self, self._theme_chosen)

    def _theme_chosen(self, theme: Theme) -> None:
        """A theme picked in the palette is saved as `[ui] theme`, like the language."""
        if theme.name == self._saved_theme:
            return
        self._saved_theme = theme.name
        failure = self.save_change(
            save_theme(theme.name), _("Theme: {name}").format(name=theme.name)
        )
        if failure is not None:
            self.notify(failure, title=_("Theme not saved"), severity="error", markup=False)

    async def on_unmount(self) -> None:
        if self._demo_server is not None:
            self._demo_server.stop()

    @property
    def demo_url(self) -> str | None:
        """The demo's own fake server: the only place --demo sends a change to."""
        return self._demo_server.server.url if self._demo_server is not None else None

    def probe_setup(self) -> tuple[HostMap, Trust]:
        """Where probes connect and what they trust: the demo's loopback servers and CA (made
        on the first probe), else the host map given and the API calls' trust store."""
        if self._demo_server is not None:
            return self._demo_server.probe_hosts()
        return self._hosts, Trust()

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

    # -- the config file -----------------------------------------------------------------

    def _report_config_problems(self, config: Config) -> None:
        problems = config.problems
        if self.store is not None and (exposed := secrets_exposed(config)):
            problems = (exposed, *problems)  # first: the one about every secret in the file
        if not problems:
            return
        shown = "\n".join(str(p) for p in problems[:4])
        more = len(problems) - 4
        if more > 0:
            shown += "\n" + _("… and {n} more: run wxdash config check").format(n=more)
        self.notify(
            shown,
            title=_("Problems in the config file"),
            severity="error" if config.errors else "warning",
            timeout=15,
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
        before = set(self.dashboard.states)
        self.config = config
        self.load_error = None
        self.dashboard.adopt(config.profiles)
        after = set(self.dashboard.states)
        self.notify(
            _(
                "{file} was changed by another program: reloaded ({added} added, {removed} removed)"
            ).format(file=config.path.name, added=len(after - before), removed=len(before - after)),
            title=_("Config file changed"),
            timeout=8,
            markup=False,
        )
        self._report_config_problems(config)

    def save_change(self, change: Change, describe: str) -> str | None:
        """Save a change (or keep it in memory in the demo); an error message if it failed."""
        if self.store is None:
            document = {
                "defaults": dict(self.config.defaults),
                "profiles": [p.to_table() for p in self.config.profiles],
            }
            try:
                change(document)
            except ConfigError as error:
                return error.message
            self.config = build_config(self.config.path, document)
            self.dashboard.adopt(self.config.profiles)
            self.notify(describe + "\n" + _("Demo: kept until you quit, not saved."), markup=False)
            return None
        try:
            result = self.store.save(change)
        except ConfigError as error:
            return f"{error.message}\n{error.hint}" if error.hint else error.message
        self.config = result.config
        self.dashboard.adopt(self.config.profiles)
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

    # -- help, language and the palette --------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def set_ui_language(self, lang: str) -> None:
        """Show every text in `lang` from now on, keeping the profile, tab, filters and cursor.
        The choice is saved as `[ui] lang` (the demo keeps it until quitting)."""
        if lang == language():
            return
        set_language(lang)
        translate_bindings(self)
        self.dashboard.retranslate()
        self.refresh_bindings()
        described = _("Language: {name}").format(name=LANGUAGE_NAMES[lang])
        failure = self.save_change(save_language(lang), described)
        if failure is not None:
            self.notify(failure, title=_("Language not saved"), severity="error", markup=False)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from self.textual_system_commands(screen)
        yield language_command(self.set_ui_language, language())
        yield from dashboard_commands(self.dashboard)
        yield SystemCommand(_("Keys and groups"), _("The help screen (? or f1)"), self.action_help)
