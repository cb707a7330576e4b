"""The `wxdash` command: headless commands for scripts and CI, and the entry to the dashboard.

Each command lives in a module of its own here, which adds its subparser (`register`) and runs
it (`run`). Nothing here imports Textual: the app is imported only when the dashboard is
opened, so the headless commands start fast and run where Textual is not wanted. The command
modules, the config store and the client are imported only once a command line needs them,
so `wxdash --version` answers without loading any of them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from wxdash import __version__

if TYPE_CHECKING:
    import argparse
    import os

EXIT_OK = 0
EXIT_FAILED = 1  # at least one profile could not be fetched
EXIT_USAGE = 2  # bad arguments or a bad config file
EXIT_PENDING = 3  # diff: something takes effect or drops at the next release
EXIT_MISSING = 4  # check: a domain is not in the list
EXIT_NO_HIT = 5  # find: no domain matched
EXIT_UNHEALTHY = 6  # probe: a host failed
# When several apply, the first in this order wins.
_EXIT_PRECEDENCE = (
    EXIT_USAGE,
    EXIT_FAILED,
    EXIT_UNHEALTHY,
    EXIT_NO_HIT,
    EXIT_MISSING,
    EXIT_PENDING,
)

VERSION = f"wxdash {__version__}"


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


def _prescan(argv: Sequence[str]) -> argparse.Namespace:
    """Read --lang and --config before the real parser exists, so --help can be translated."""
    import argparse

    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang")
    early.add_argument("--config")
    known, _rest = early.parse_known_args(argv)
    return known


def _mentions_lang(path: os.PathLike[str]) -> bool:
    # Parsing a thousand profiles only to find no [ui] lang costs more than the whole start-up.
    from wxdash.files import read_regular

    try:
        return b"lang" in read_regular(path)[0]  # a FIFO there must not make wxdash wait
    except OSError:
        return True  # let the reader say what is wrong


def choose_language(argv: Sequence[str]) -> str:
    """--lang, then [ui] lang in the config file, then the locale, else English."""
    import contextlib

    from wxdash.cli.options import parse_language
    from wxdash.i18n import LANGUAGES, detect_language

    early = _prescan(argv)
    if early.lang:
        with contextlib.suppress(ValueError):
            return parse_language(early.lang)
    from wxdash.profiles import ConfigError, config_path, read_document

    if "--demo" not in argv and _mentions_lang(config_path(early.config)):
        with contextlib.suppress(ConfigError):
            found = read_document(config_path(early.config))
            if found is not None:
                ui = found[0].get("ui")
                lang = ui.get("lang") if isinstance(ui, dict) else None
                if lang in LANGUAGES:
                    return lang
    return detect_language()


def build_parser() -> argparse.ArgumentParser:
    """The top-level options, then each command's subparser, in the order --help lists them."""
    from wxdash.cli import (
        check,
        config,
        dashboard,
        diff,
        domains,
        fetch,
        find,
        platform,
        probe,
        profile,
        quota,
    )
    from wxdash.cli.options import Parser, add_common_options
    from wxdash.i18n import _

    parser = Parser(
        prog="wxdash",
        description=_(
            "See which server domains your WeChat mini programs have configured and which are "
            "in effect. With no command, opens the dashboard."
        ),
        epilog=_(
            "Exit codes: 0 ok, 1 a profile failed, 2 usage or config error, 3 diff: changes "
            "pending, 4 check: a domain missing, 5 find: no match, 6 probe: a host failing; "
            "domains and platform: 1 a change not applied, 3 a dry run with changes."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=VERSION,
        help=_("show program's version number and exit"),
    )
    add_common_options(parser, top=True)
    dashboard.register(parser)
    # Before the command: for the dashboard, and for every command that fetches (unless given
    # again after the command name).
    parser.add_argument(
        "--offline",
        action="store_true",
        help=_("show the cached results and make no request"),
    )
    commands = parser.add_subparsers(dest="command", metavar=_("COMMAND"))
    for command in (fetch, diff, check, find, probe, quota, domains, platform, config, profile):
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:
        # Answered before the parser, the translations and the config exist: the line is the
        # same in every language, and a version check in a script should cost next to nothing.
        print(VERSION)
        return EXIT_OK
    from wxdash.cli.console import print_error, quiet_pipe, safe_streams, setup_logging
    from wxdash.cli.options import translate_argparse
    from wxdash.i18n import set_language
    from wxdash.profiles import ConfigError

    safe_streams()
    set_language(choose_language(argv))
    translate_argparse()
    args = build_parser().parse_args(argv)
    try:
        setup_logging(args, tui=args.command is None)
        with quiet_pipe():
            return args.run(args)
    except UsageError as error:
        print_error(error.message, error.hint)
        return EXIT_USAGE
    except ConfigError as error:
        print_error(error.message, error.hint)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
