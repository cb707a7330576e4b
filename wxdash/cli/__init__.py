"""The `wxdash` command: headless commands for scripts and CI, and the entry to the dashboard.

Nothing here imports Textual: the app is imported only when the dashboard is opened, so the
headless commands start fast and run where Textual is not wanted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import getpass
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from wxdash import __version__
from wxdash.i18n import (
    LANGUAGES,
    N_,
    N_plural,
    _,
    detect_language,
    ngettext,
    set_language,
    wrap,
)
from wxdash.profiles import (
    TOKEN_KEYS,
    Config,
    ConfigError,
    Profile,
    ProfileStore,
    add_tables,
    check_profile,
    config_path,
    read_document,
    remove_profile,
    rename_profile,
)
from wxdash.safetext import quoted, visible
from wxdash.wechat.models import Group, Protocol
from wxdash.wechat.redact import RedactingFilter

if TYPE_CHECKING:
    from wxdash.fleet import FetchOutcome

# Without any handler, logging's last resort would print an error's traceback to stderr.
logging.getLogger("wxdash").addHandler(logging.NullHandler())

EXIT_OK = 0
EXIT_FAILED = 1  # at least one profile could not be fetched
EXIT_USAGE = 2  # bad arguments or a bad config file
EXIT_PENDING = 3  # diff: something takes effect or drops at the next release
EXIT_MISSING = 4  # check: a domain is not in the list
EXIT_NO_HIT = 5  # find: no domain matched
# When several apply, the first in this order wins.
_EXIT_PRECEDENCE = (EXIT_USAGE, EXIT_FAILED, EXIT_NO_HIT, EXIT_MISSING, EXIT_PENDING)


def worst(*codes: int) -> int:
    """The exit code to report when several apply."""
    for code in _EXIT_PRECEDENCE:
        if code in codes:
            return code
    return max(codes, default=EXIT_OK)


class UsageError(Exception):
    """A mistake in how the command was called; printed with a hint, exit code 2."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


# -- argument parsing --------------------------------------------------------------------

# argparse's own words (as Python 3.11 writes them), which it looks up with gettext when it
# prints help and errors: marked here for wxdash's catalog, found there once `main` has
# pointed argparse at wxdash's gettext.
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)
ARGPARSE_PLURALS = (N_plural("expected %s argument", "expected %s arguments"),)


def _translate_argparse() -> None:
    """argparse calls the `_` and `ngettext` of its own module at run time: make them wxdash's."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


class _HelpFormatter(argparse.HelpFormatter):
    """Wraps help by terminal cells, and between CJK characters (Chinese has no spaces)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = wrap(" ".join(text.split()), width - len(indent))
        return "\n".join(indent + line for line in lines)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser (and so each subcommand's) with the help formatter above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def _converter(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(_("expected a whole number above 0, got {value}").format(value=text))
    return value


def _language(text: str) -> str:
    from wxdash.i18n import normalize_language

    lang = normalize_language(text)
    if lang is None:
        raise ValueError(
            _("unknown language {text}; choose from: {choices}").format(
                text=quoted(text), choices=", ".join(LANGUAGES)
            )
        )
    return lang


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Options accepted both before and after the command name."""
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help=_("config file to use (default: $WXDASH_CONFIG, else the user config folder)"),
    )
    parser.add_argument(
        "--lang",
        type=_converter(_language),
        default=default,
        help=_("language of messages: en or zh (default: [ui] lang, else the locale)"),
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help=_("use the built-in demo merchants on a local fake server; no config is read"),
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help=_("log hosts, retries and timings to stderr (never a token)"),
    )
    parser.add_argument(
        "--log",
        metavar="FILE",
        default=default,
        help=_("write a debug log to FILE for support tickets (never a token)"),
    )


def _profiles_options(
    parser: argparse.ArgumentParser, one: str | None = None, every: str | None = None
) -> None:
    """-p NAME (repeatable) and --all; `one` and `every` are their help texts."""
    parser.add_argument(
        "-p",
        "--profile",
        dest="profiles",
        metavar="NAME",
        action="append",
        default=[],
        help=one or _("a profile to use (repeatable)"),
    )
    parser.add_argument("--all", action="store_true", help=every or _("use every profile"))


def _format_option(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    parser.add_argument(
        "-f",
        "--format",
        choices=formats,
        default="text",
        help=_("output format (default: text)"),
    )


def _fetch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--concurrency",
        metavar="N",
        type=_converter(_positive),
        help=_("profiles fetched at once (default: [network] concurrency, else 16)"),
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS,  # keeps a --offline given before the command
        help=_("use the last good result cached on this machine; make no request"),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="wxdash",
        description=_(
            "See which server domains your WeChat mini programs have configured and which are "
            "in effect. With no command, opens the dashboard."
        ),
        epilog=_(
            "Exit codes: 0 ok, 1 a profile failed, 2 usage or config error, 3 diff: changes "
            "pending, 4 check: a domain missing, 5 find: no match."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"wxdash {__version__}",
        help=_("show program's version number and exit"),
    )
    _common(parser, top=True)
    parser.add_argument(
        "-p",
        "--profile",
        metavar="NAME",
        help=_("open the dashboard on this profile"),
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help=_("show the cached results and make no request"),
    )
    commands = parser.add_subparsers(dest="command", metavar=_("COMMAND"))

    fetch = commands.add_parser(
        "fetch",
        help=_("fetch profiles' domains and print them"),
        description=_("Fetch the domains of the named profiles (or all) and print them."),
    )
    _common(fetch, top=False)
    _profiles_options(fetch)
    fetch.add_argument(
        "-g",
        "--group",
        dest="groups",
        metavar="GROUP",
        action="append",
        type=_converter(Group.parse),
        default=[],
        help=_("only this group: effective, mp, third or direct (repeatable)"),
    )
    fetch.add_argument(
        "-t",
        "--protocol",
        dest="protocols",
        metavar="PROTOCOL",
        action="append",
        type=_converter(Protocol.parse),
        default=[],
        help=_(
            "only this protocol: request, ws, upload, download, udp, tcp or webview (repeatable)"
        ),
    )
    _format_option(fetch, ("text", "json", "csv"))
    _fetch_options(fetch)
    fetch.add_argument(
        "--ignore-quota",
        action="store_true",
        help=_("call appids whose daily quota WeChat said is used up (errcode 45009) anyway"),
    )

    diff = commands.add_parser(
        "diff",
        help=_("show what takes effect or drops at the next release"),
        description=_(
            "Compare what is configured (mp, third and direct together) with what is effective, "
            "per protocol. Exit 0 when nothing is pending, 3 when something is."
        ),
    )
    _common(diff, top=False)
    _profiles_options(diff)
    _format_option(diff, ("text", "json"))
    _fetch_options(diff)

    check = commands.add_parser(
        "check",
        help=_("check that domains are registered, for release pipelines"),
        description=_(
            "Exit 0 when every listed domain is in its protocol's list, 4 when any is missing. "
            "A full URL may be given: its path and query are ignored. Scheme and port must "
            "match exactly, as WeChat matches them."
        ),
    )
    _common(check, top=False)
    _profiles_options(check)
    for protocol in Protocol:
        check.add_argument(
            f"--{protocol.short}",
            dest=f"want_{protocol.short}",
            metavar="URL",
            action="append",
            default=[],
            help=_("a {protocol} domain that must be present (repeatable)").format(
                protocol=protocol.short
            ),
        )
    check.add_argument(
        "--in",
        dest="where",
        choices=("effective", "configured"),
        default="effective",
        help=_("the set to look in (default: effective, what is live now)"),
    )
    _format_option(check, ("text", "json"))
    _fetch_options(check)

    find = commands.add_parser(
        "find",
        help=_("find which profiles use a domain"),
        description=_(
            "Search every group and protocol of the profiles (all by default) for domains whose "
            "host contains TEXT, ignoring case; Unicode and punycode forms both match. Cached "
            "results younger than --max-age are used to spare the daily quota. Exit 0 with "
            "hits, 5 with none."
        ),
    )
    _common(find, top=False)
    find.add_argument("text", metavar="TEXT", help=_("part of a host, or a URL"))
    _profiles_options(find)
    _format_option(find, ("text", "json", "csv"))
    _fetch_options(find)
    find.add_argument(
        "--refresh", action="store_true", help=_("fetch every profile, even if cached")
    )
    find.add_argument(
        "--max-age",
        metavar="MINUTES",
        type=_converter(_positive),
        default=60,
        help=_("use cached results younger than this (default: 60)"),
    )

    quota = commands.add_parser(
        "quota",
        help=_("show the daily quota of get_effective_domain"),
        description=_(
            "Ask WeChat (cgi-bin/openapi/quota/get) how many get_effective_domain calls the "
            "profiles' mini programs may make today, how many they made and how many are left."
        ),
    )
    _common(quota, top=False)
    _profiles_options(quota, _("a profile to ask about (repeatable)"), _("ask about every profile"))
    _format_option(quota, ("text", "json"))

    config = commands.add_parser(
        "config", help=_("show or check the config file"), description=_("The config file.")
    )
    _common(config, top=False)
    config_commands = config.add_subparsers(dest="config_command", metavar=_("COMMAND"))
    config_commands.required = True
    _common(config_commands.add_parser("path", help=_("print the config file in use")), top=False)
    _common(
        config_commands.add_parser(
            "check", help=_("check the config file; exit 0 if usable, 2 if not")
        ),
        top=False,
    )

    profile = commands.add_parser(
        "profile", help=_("list, add, remove or rename profiles"), description=_("Profiles.")
    )
    _common(profile, top=False)
    profile_commands = profile.add_subparsers(dest="profile_command", metavar=_("COMMAND"))
    profile_commands.required = True
    listing = profile_commands.add_parser("list", help=_("list the profiles"))
    _common(listing, top=False)
    listing.add_argument("-f", "--format", choices=("text", "json"), default="text")

    add = profile_commands.add_parser(
        "add",
        help=_("add a profile"),
        description=_(
            "Add a profile. A literal token or appsecret is read from stdin, never from the "
            "command line, where every user of the machine could see it."
        ),
    )
    _common(add, top=False)
    add.add_argument("name", metavar="NAME")
    add.add_argument("--appid", required=True, help=_("the mini program's appid (wx...)"))
    # Not required: a profile may take its token source from the config's [defaults].
    source = add.add_mutually_exclusive_group()
    source.add_argument("--token-env", metavar="VAR", help=_("read the token from $VAR"))
    source.add_argument(
        "--token-command",
        metavar="CMD",
        help=_("run CMD (sh -c) to get the token; it sees $WXDASH_APPID and $WXDASH_PROFILE"),
    )
    source.add_argument(
        "--appsecret-env",
        metavar="VAR",
        help=_("exchange the appsecret in $VAR for a token at stable_token"),
    )
    source.add_argument(
        "--token-stdin", action="store_true", help=_("read a literal access_token from stdin")
    )
    source.add_argument(
        "--appsecret-stdin", action="store_true", help=_("read a literal appsecret from stdin")
    )
    add.add_argument("--api-base", metavar="URL", help=_("API host (default: WeChat's)"))

    importing = profile_commands.add_parser(
        "import",
        help=_("add many profiles from a CSV or JSON file"),
        description=_(
            "Add the profiles in FILE: CSV with a header row (name, appid and any profile key), "
            'or JSON (a list of objects, or {"profiles": [...]}). Every row is checked first; '
            "if any is wrong, nothing is written."
        ),
    )
    _common(importing, top=False)
    importing.add_argument("file", metavar="FILE")

    remove = profile_commands.add_parser("remove", help=_("remove a profile"))
    _common(remove, top=False)
    remove.add_argument("name", metavar="NAME")

    rename = profile_commands.add_parser("rename", help=_("rename a profile"))
    _common(rename, top=False)
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")
    return parser


# -- set-up ------------------------------------------------------------------------------


def _prescan(argv: Sequence[str]) -> argparse.Namespace:
    """Read --lang and --config before the real parser exists, so --help can be translated."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang")
    early.add_argument("--config")
    known, _rest = early.parse_known_args(argv)
    return known


def _mentions_lang(path: os.PathLike[str]) -> bool:
    # Parsing a thousand profiles only to find no [ui] lang costs more than the whole start-up.
    try:
        with open(path, "rb") as handle:
            return b"lang" in handle.read()
    except OSError:
        return True  # let the reader say what is wrong


def choose_language(argv: Sequence[str]) -> str:
    """--lang, then [ui] lang in the config file, then the locale, else English."""
    early = _prescan(argv)
    if early.lang:
        with contextlib.suppress(ValueError):
            return _language(early.lang)
    if "--demo" not in argv and _mentions_lang(config_path(early.config)):
        with contextlib.suppress(ConfigError):
            found = read_document(config_path(early.config))
            if found is not None:
                ui = found[0].get("ui")
                lang = ui.get("lang") if isinstance(ui, dict) else None
                if lang in LANGUAGES:
                    return lang
    return detect_language()


def _setup_logging(args: argparse.Namespace, *, tui: bool) -> None:
    logger = logging.getLogger("wxdash")
    handlers: list[logging.Handler] = []
    if args.log:
        try:
            handler: logging.Handler = logging.FileHandler(args.log, encoding="utf-8")
        except OSError as exc:
            raise UsageError(
                _("Cannot write the log file {path}: {reason}").format(
                    path=args.log, reason=exc.strerror
                )
            ) from None
        handlers.append(handler)
    if args.verbose and not tui:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    if handlers:
        logger.setLevel(logging.DEBUG)


def _safe_streams() -> None:
    # A terminal that cannot show a character gets an escape instead of a crash.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


def _print_error(message: str, hint: str = "", stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    print(f"wxdash: {message}", file=out)
    if hint:
        print("  " + _("hint: {hint}").format(hint=hint), file=out)


# -- config ------------------------------------------------------------------------------


class Session:
    """What a command works on: the config (or the demo's) and the store to save to."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.demo = None
        self.store: ProfileStore | None = None
        self.config_read: Config | None = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.demo is not None:
            self.demo.stop()

    def config(self) -> Config:
        if self.args.demo:
            from wxdash.demo import Demo

            self.demo = Demo(latency=0.0)
            self.config_read = self.demo.start()
        else:
            self.store = ProfileStore(config_path(self.args.config))
            self.config_read = self.store.load()
        return self.config_read

    def writable_store(self) -> ProfileStore:
        if self.args.demo:
            raise UsageError(_("--demo changes nothing: leave it out to manage your profiles"))
        self.store = ProfileStore(config_path(self.args.config))
        return self.store


def _print_problems(config: Config) -> None:
    for problem in config.problems:
        print(f"wxdash: {problem}", file=sys.stderr)


# -- commands ----------------------------------------------------------------------------


def _select(config: Config, names: list[str], everything: bool) -> list[Profile]:
    if everything:
        if names:
            raise UsageError(
                _("use either --all or -p NAME, not both"),
                _("Drop --all to fetch only the named profiles."),
            )
        return list(config.profiles)
    if names:
        chosen: list[Profile] = []
        for name in names:
            profile = config.find(name)
            if profile not in chosen:
                chosen.append(profile)
        return chosen
    if len(config.profiles) == 1:
        return list(config.profiles)
    if not config.profiles:
        raise UsageError(
            _("No profiles in {path}").format(path=config.path),
            _("Add one with: wxdash profile add NAME --appid wx... --token-env VAR"),
        )
    raise UsageError(
        _("Which profiles? There are {count}.").format(count=len(config.profiles)),
        _("Name them with -p NAME (repeatable), or use --all."),
    )


@contextlib.asynccontextmanager
async def _fleet(session: Session, concurrency: int) -> AsyncIterator[Any]:
    """A Fleet on the session's config, with one pooled client for the whole command."""
    from wxdash.fleet import CALLS_PER_FETCH, Fleet
    from wxdash.quota import QuotaBook
    from wxdash.wechat.client import WeChatClient

    config = session.config_read
    assert config is not None
    # The demo keeps nothing on disk; a real run remembers used-up quotas for the next one.
    book = QuotaBook() if session.demo is not None else QuotaBook.in_cache()
    connections = concurrency * CALLS_PER_FETCH
    async with WeChatClient(config.network, max_connections=connections) as client:
        yield Fleet(
            client,
            concurrency=concurrency,
            command_timeout=config.token_command_timeout,
            quota=book,
        )


async def _fetch(
    session: Session,
    profiles: list[Profile],
    concurrency: int,
    landed: Callable[[FetchOutcome], None] | None = None,
) -> list[FetchOutcome]:
    async with _fleet(session, concurrency) as fleet:
        # Commands without --ignore-quota (any but fetch) respect the quota stop.
        force = getattr(session.args, "ignore_quota", False)
        return await fleet.fetch_all(profiles, force=force, landed=landed)


def _lint(outcome: FetchOutcome) -> None:
    """Lint the lists now, while other fetches wait on the network; output needs them next."""
    outcome.view()


async def _quotas(session: Session, profiles: list[Profile], concurrency: int) -> list[Any]:
    async with _fleet(session, concurrency) as fleet:
        limit = asyncio.Semaphore(concurrency)

        async def one(profile: Profile) -> Any:
            async with limit:
                return await fleet.check_quota(profile)

        return list(await asyncio.gather(*(one(p) for p in profiles)))


def _no_offline_demo(args: argparse.Namespace) -> None:
    if args.demo and args.offline:
        raise UsageError(
            _("--demo keeps no cache, so --offline has nothing to show"),
            _("Leave out --offline, or --demo to use your own profiles."),
        )


def gather(
    session: Session,
    profiles: list[Profile],
    *,
    max_age: float | None = None,
    landed: Callable[[int, FetchOutcome], None] | None = None,
) -> list[FetchOutcome]:
    """The profiles' outcomes: fetched, or from the cache under --offline (or where a cached
    result is younger than `max_age` seconds). Fetched results refresh the cache. `landed`
    hears of each outcome (with its index) as soon as it is known, while others are fetched."""
    from wxdash.cache import ResultCache
    from wxdash.fleet import now

    args, config = session.args, session.config_read
    assert config is not None
    if args.demo:
        _no_offline_demo(args)
    cache = None if args.demo else ResultCache()  # the demo keeps nothing on disk
    outcomes: dict[int, FetchOutcome] = {}

    def known(index: int, outcome: FetchOutcome) -> None:
        outcomes[index] = outcome
        if landed is not None:
            landed(index, outcome)

    if cache is not None and (args.offline or max_age is not None):
        moment = now()
        for index, profile in enumerate(profiles):
            cached = cache.load(profile)
            if args.offline:
                known(index, cached or cache.miss(profile))
            elif cached is not None and (moment - cached.fetched_at).total_seconds() < max_age:
                known(index, cached)
    wanted: dict[int, list[int]] = {}  # a profile (by identity) and where it is in the list
    for index, profile in enumerate(profiles):
        if index not in outcomes:
            wanted.setdefault(id(profile), []).append(index)
    if wanted:

        def fetched(outcome: FetchOutcome) -> None:
            _lint(outcome)
            if cache is not None:
                cache.save(outcome)
            for index in wanted[id(outcome.profile)]:
                known(index, outcome)

        concurrency = args.concurrency or config.concurrency
        fetching = [profiles[indexes[0]] for indexes in wanted.values()]
        _collect_less()
        asyncio.run(_fetch(session, fetching, concurrency, fetched))
    for problem in cache.problems if cache is not None else ():
        print("wxdash: " + _("warning: {problem}").format(problem=problem), file=sys.stderr)
    return [outcomes[i] for i in range(len(profiles))]


def _collect_less() -> None:
    """Before a fetch: what exists now (modules, the config, its profiles) lives until the
    command ends, so the collector need not walk it again (`gc.freeze`); and the outcomes
    that come in are kept, not garbage, so young objects can wait longer before a collection.
    A 1,000-profile fetch spent 63 ms collecting; now 22 ms."""
    gc.freeze()
    gc.set_threshold(5000, 20, 20)


class _InOrder:
    """Writes each profile's text as soon as it and every profile before it are known, so
    a long fleet's output starts at once and stays in the config's order."""

    def __init__(self, count: int, render: Callable[[FetchOutcome], str]) -> None:
        self._texts: list[str | None] = [None] * count
        self._render = render
        self._next = 0

    def __call__(self, index: int, outcome: FetchOutcome) -> None:
        self._texts[index] = self._render(outcome)
        start = self._next
        while self._next < len(self._texts) and (text := self._texts[self._next]) is not None:
            sys.stdout.write(text if self._next == 0 else "\n" + text)  # a blank line between
            self._texts[self._next] = ""
            self._next += 1
        if self._next > start:
            sys.stdout.flush()  # a pipe would hold it back until the end


def _report_failures(outcomes: list[FetchOutcome], *, webview: bool = True) -> bool:
    """Print each failed call's error on stderr; True if a server-domain call failed."""
    from wxdash.output import describe_error, error_text, webview_error

    for outcome in outcomes:
        if outcome.error is not None:
            print(error_text(outcome), file=sys.stderr)
        if webview and (error := webview_error(outcome)) is not None:
            print(describe_error(outcome.profile.name, error, "webview"), file=sys.stderr)
    return any(not o.ok for o in outcomes)


def _config_code(config: Config) -> list[int]:
    return [EXIT_USAGE] if config.errors else []


def _loaded(session: Session) -> Config:
    config = session.config()
    _print_problems(config)
    return config


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def cmd_fetch(args: argparse.Namespace) -> int:
    from wxdash.output import Selection, render_csv, render_json, render_text, warning_text

    selection = Selection(args.groups, args.protocols)
    with Session(args) as session:
        config = _loaded(session)
        profiles = _select(config, args.profiles, args.all)
        if args.format == "text":  # written profile by profile, as they come in
            printer = _InOrder(len(profiles), lambda outcome: render_text([outcome], selection))
            outcomes = gather(session, profiles, landed=printer)
        else:
            outcomes = gather(session, profiles)
    if args.format != "text":
        render = render_json if args.format == "json" else render_csv
        _write(render(outcomes, selection))
    sys.stdout.flush()
    if args.format != "text":
        # Text shows warnings inline; JSON has them as data; CSV has no place for them.
        # Either way a person watching the terminal should see that data was odd.
        for outcome in outcomes:
            if text := warning_text(outcome, selection):
                print(text, file=sys.stderr)
    failed = _report_failures(outcomes, webview=selection.webview)
    return worst(EXIT_FAILED if failed else EXIT_OK, *_config_code(config))


def cmd_diff(args: argparse.Namespace) -> int:
    from wxdash.output import diff_json, diff_text

    with Session(args) as session:
        config = _loaded(session)
        outcomes = gather(session, _select(config, args.profiles, args.all))
    _write(diff_json(outcomes) if args.format == "json" else diff_text(outcomes))
    failed = _report_failures(outcomes)
    pending = any(o.ok and o.pending() for o in outcomes)
    return worst(
        EXIT_FAILED if failed else EXIT_OK,
        EXIT_PENDING if pending else EXIT_OK,
        *_config_code(config),
    )


def _wanted(args: argparse.Namespace) -> list[tuple[Protocol, str]]:
    from wxdash.insight import wanted_address

    wanted = [(p, url) for p in Protocol for url in getattr(args, f"want_{p.short}")]
    if not wanted:
        raise UsageError(
            _("No domain to check"),
            _("Name at least one, e.g.: wxdash check -p NAME --request https://api.example.com"),
        )
    for protocol, url in wanted:
        try:
            wanted_address(protocol, url)
        except ValueError as exc:
            raise UsageError(str(exc), _("Give the URL your code calls.")) from None
    return wanted


def cmd_check(args: argparse.Namespace) -> int:
    from wxdash.output import check_json, check_text

    wanted = _wanted(args)
    with Session(args) as session:
        config = _loaded(session)
        outcomes = gather(session, _select(config, args.profiles, args.all))
    webview_wanted = any(p is Protocol.WEBVIEW for p, _url in wanted)
    results = check_json if args.format == "json" else check_text
    text, missing = results(outcomes, wanted, args.where)
    _write(text)
    failed = _report_failures(outcomes, webview=webview_wanted)
    if webview_wanted and any(o.webview is None for o in outcomes if o.ok):
        failed = True
    return worst(
        EXIT_FAILED if failed else EXIT_OK,
        EXIT_MISSING if missing else EXIT_OK,
        *_config_code(config),
    )


def cmd_find(args: argparse.Namespace) -> int:
    from wxdash.output import find_csv, find_json, find_text

    if not args.text.strip():
        raise UsageError(
            _("Nothing to find"), _("Give part of a host, e.g.: wxdash find old-api.example.com")
        )
    with Session(args) as session:
        config = _loaded(session)
        everyone = not args.profiles  # a fleet-wide search is the point: all by default
        profiles = _select(config, args.profiles, args.all or everyone)
        max_age = None if args.refresh else args.max_age * 60
        outcomes = gather(session, profiles, max_age=max_age)
    render = {"json": find_json, "csv": find_csv, "text": find_text}[args.format]
    text, hits = render(outcomes, args.text)
    _write(text)
    failed = _report_failures(outcomes)
    return worst(
        EXIT_FAILED if failed else EXIT_OK,
        EXIT_OK if hits else EXIT_NO_HIT,
        *_config_code(config),
    )


def cmd_quota(args: argparse.Namespace) -> int:
    from wxdash.output import error_text, render_quota_json, render_quota_text

    with Session(args) as session:
        config = session.config()
        _print_problems(config)
        profiles = _select(config, args.profiles, args.all)
        outcomes = asyncio.run(_quotas(session, profiles, config.concurrency))
    render = render_quota_json if args.format == "json" else render_quota_text
    sys.stdout.write(render(outcomes))
    sys.stdout.flush()
    failed = [o for o in outcomes if o.error is not None]
    for outcome in failed:
        print(error_text(outcome), file=sys.stderr)
    return worst(EXIT_FAILED if failed else EXIT_OK, EXIT_USAGE if config.errors else EXIT_OK)


def cmd_config(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    if args.config_command == "path":
        print(path)
        return EXIT_OK
    config = ProfileStore(path).load()
    _print_problems(config)
    if not config.exists:
        print(_("{path} does not exist yet: no profiles.").format(path=path))
        return EXIT_OK
    summary = _("{path}: {count} profiles, {errors} errors, {warnings} warnings").format(
        path=path,
        count=len(config.profiles),
        errors=len(config.errors),
        warnings=len(config.warnings),
    )
    print(summary)
    return EXIT_USAGE if config.errors else EXIT_OK


def _read_secret(what: str) -> str:
    if sys.stdin.isatty():
        value = getpass.getpass(_("{what} (input hidden): ").format(what=what))
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise UsageError(
            _("No {what} on stdin").format(what=what),
            _("Pipe it in, e.g.: wxdash profile add NAME --appid wx... --token-stdin < token.txt"),
        )
    return value


def cmd_profile(args: argparse.Namespace) -> int:
    with Session(args) as session:
        if args.profile_command == "list":
            return _profile_list(session.config(), args.format)
        store = session.writable_store()
        config = store.load()
        if args.profile_command == "add":
            return _profile_add(store, config, args)
        if args.profile_command == "import":
            return _profile_import(store, config, args.file)
        if args.profile_command == "remove":
            name = _name_in_file(config, args.name)
            result = store.save(remove_profile(name))
            message = _("Removed profile {name} from {path}")
            print(message.format(name=quoted(name), path=store.path))
        else:
            name = _name_in_file(config, args.old)
            new = args.new.strip()
            if not new:
                raise UsageError(
                    _("The new name is empty"), _("Give the profile a name that is not blank.")
                )
            result = store.save(rename_profile(name, new))
            message = _("Renamed profile {old} to {new}")
            print(message.format(old=quoted(name), new=quoted(new)))
        if result.notice:
            print(f"wxdash: {result.notice}", file=sys.stderr)
        return EXIT_OK


def _name_in_file(config: Config, name: str) -> str:
    """The profile called `name`: a usable one, else one the file holds that failed the checks
    (`config check` names it, so removing or renaming it must work too)."""
    try:
        return config.find(name).name
    except ConfigError:
        found = read_document(config.path)
        tables = found[0].get("profiles") if found else None
        if isinstance(tables, list) and any(
            isinstance(t, dict) and t.get("name") == name for t in tables
        ):
            return name
        raise


def _profile_list(config: Config, fmt: str) -> int:
    _print_problems(config)
    if fmt == "json":
        rows = [
            {
                "name": p.name,
                "appid": p.appid,
                "token_source": p.token.kind.value,
                "api_base": p.api_base,
            }
            for p in config.profiles
        ]
        from wxdash.output import dumps

        print(dumps({"profiles": rows}))
        return EXIT_USAGE if config.errors else EXIT_OK
    if not config.profiles:
        print(_("No profiles yet. Add one with: wxdash profile add NAME --appid wx..."))
    from wxdash.output import pad, width

    names = [visible(p.name) for p in config.profiles]
    column = max([width(n) for n in names] + [4]) + 2
    for name, profile in zip(names, config.profiles, strict=True):
        line = f"{pad(name, column)}{visible(profile.appid)}  {profile.token.describe()}"
        if profile.api_base:
            line += f"  {visible(profile.api_base)}"
        print(line)
    return EXIT_USAGE if config.errors else EXIT_OK


_SOURCE_FLAGS = {
    "token_env": "token_env",
    "token_command": "token_command",
    "appsecret_env": "appsecret_env",
}


def _profile_add(store: ProfileStore, config: Config, args: argparse.Namespace) -> int:
    table: dict[str, str] = {"name": args.name.strip(), "appid": args.appid.strip()}
    for flag, key in _SOURCE_FLAGS.items():
        if getattr(args, flag):
            table[key] = getattr(args, flag)
    if args.token_stdin:
        table["access_token"] = _read_secret("access_token")
    if args.appsecret_stdin:
        table["appsecret"] = _read_secret("appsecret")
    if args.api_base:
        table["api_base"] = args.api_base
    defaults, _taken = _defaults_and_names(store)
    if not any(k in table for k in TOKEN_KEYS) and not any(k in defaults for k in TOKEN_KEYS):
        raise UsageError(
            _("No token source for {name}").format(name=quoted(table["name"])),
            _(
                "Give one of --token-env, --token-command, --appsecret-env, --token-stdin or "
                "--appsecret-stdin, or set a token source in the config's [defaults]."
            ),
        )
    profile, problems = check_profile(
        table, taken={p.name for p in config.profiles}, defaults=defaults, path=store.path
    )
    for problem in problems:
        print(f"wxdash: {problem}", file=sys.stderr)
    if profile is None:
        return EXIT_USAGE
    # Only what was given is written: what [defaults] gives stays inherited.
    written: dict[str, str] = {"name": profile.name, "appid": profile.appid}
    if any(k in table for k in TOKEN_KEYS):
        written[profile.token.kind.value] = profile.token.value
    if args.api_base and profile.api_base:
        written["api_base"] = profile.api_base
    result = store.save(add_tables([written]))
    print(
        _("Added profile {name} ({source}) to {path}").format(
            name=quoted(profile.name), source=profile.token.describe(), path=store.path
        )
    )
    if result.notice:
        print(f"wxdash: {result.notice}", file=sys.stderr)
    return EXIT_OK


def _defaults_and_names(store: ProfileStore) -> tuple[dict[str, Any], set[str]]:
    """The file's [defaults], and every profile name in it (even of profiles that failed the
    checks: they are still there)."""
    found = read_document(store.path)
    doc = found[0] if found is not None else {}
    defaults = doc.get("defaults") if isinstance(doc.get("defaults"), dict) else {}
    tables = doc.get("profiles") if isinstance(doc.get("profiles"), list) else []
    names = {t["name"] for t in tables if isinstance(t, dict) and isinstance(t.get("name"), str)}
    return defaults, names


def _profile_import(store: ProfileStore, config: Config, file: str) -> int:
    from pathlib import Path

    from wxdash.importer import hint_for, plan_import, read_rows

    _print_problems(config)
    defaults, taken = _defaults_and_names(store)
    plan = plan_import(read_rows(Path(file)), taken=taken, defaults=defaults, label=file)
    for problem in plan.problems:
        hint = hint_for(problem) if problem.severity == "error" else ""
        _print_error(str(problem), hint)
    if plan.errors:
        raise UsageError(
            ngettext(
                "Nothing was imported: {n} problem to fix in {file}",
                "Nothing was imported: {n} problems to fix in {file}",
                len(plan.errors),
            ).format(n=len(plan.errors), file=file),
            _("Fix the rows named above and run the import again; the config file is unchanged."),
        )
    result = store.save(add_tables(list(plan.tables)))
    count = len(plan.tables)
    print(
        ngettext("Added {n} profile to {path}", "Added {n} profiles to {path}", count).format(
            n=count, path=store.path
        )
    )
    if result.notice:
        print(f"wxdash: {result.notice}", file=sys.stderr)
    return EXIT_OK


def run_dashboard(args: argparse.Namespace) -> int:
    if not sys.stdout.isatty():
        raise UsageError(
            _("The dashboard needs a terminal, and stdout is not one."),
            _("For scripts and pipes use: wxdash fetch --all -f json"),
        )
    _no_offline_demo(args)
    from wxdash.app import WxDashApp

    app = WxDashApp(
        config_file=args.config,
        demo=args.demo,
        profile=args.profile,
        lang=args.lang,
        offline=args.offline,
    )
    app.run()
    return app.return_code or EXIT_OK


# -- entry point -------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet_pipe() -> Iterator[None]:
    """`wxdash fetch | head` should end quietly when head stops reading."""
    try:
        yield
    except BrokenPipeError:
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(EXIT_FAILED) from None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _safe_streams()
    set_language(choose_language(argv))
    _translate_argparse()
    parser = build_parser()
    args = parser.parse_args(argv)
    commands: dict[str | None, Callable[[argparse.Namespace], int]] = {
        "fetch": cmd_fetch,
        "diff": cmd_diff,
        "check": cmd_check,
        "find": cmd_find,
        "quota": cmd_quota,
        "config": cmd_config,
        "profile": cmd_profile,
    }
    handler = commands.get(args.command, run_dashboard)
    try:
        _setup_logging(args, tui=handler is run_dashboard)
        with _quiet_pipe():
            return handler(args)
    except UsageError as error:
        _print_error(error.message, error.hint)
        return EXIT_USAGE
    except ConfigError as error:
        _print_error(error.message, error.hint)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
