"""The options several commands share, and the parser they are added to.

argparse's own words are translated here too, so a command's --help is in one language.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TypeAlias

from wxdash.i18n import LANGUAGES, N_, N_plural, _, ngettext, wrap
from wxdash.safetext import quoted

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

# What `add_subparsers` returns: each command module adds its parser to it.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def translate_argparse() -> None:
    """argparse calls the `_` and `ngettext` of its own module at run time: make them wxdash's."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


class HelpFormatter(argparse.HelpFormatter):
    """Wraps help by terminal cells, and between CJK characters (Chinese has no spaces)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = wrap(" ".join(text.split()), width - len(indent))
        return "\n".join(indent + line for line in lines)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser (and so each subcommand's) with the help formatter above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def converter(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse `type` from a function that raises ValueError with a message for the user."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def parse_positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(_("expected a whole number above 0, got {value}").format(value=text))
    return value


def parse_language(text: str) -> str:
    from wxdash.i18n import normalize_language

    lang = normalize_language(text)
    if lang is None:
        raise ValueError(
            _("unknown language {text}; choose from: {choices}").format(
                text=quoted(text), choices=", ".join(LANGUAGES)
            )
        )
    return lang


def add_common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
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
        type=converter(parse_language),
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


def add_profile_options(
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


def add_format_option(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    parser.add_argument(
        "-f",
        "--format",
        choices=formats,
        default="text",
        help=_("output format (default: text)"),
    )


def add_selection_options(parser: argparse.ArgumentParser, *, groups_help: str) -> None:
    """-g GROUP and -t PROTOCOL, repeatable, for the commands that pick domains."""
    from wxdash.wechat.models import Group, Protocol

    parser.add_argument(
        "-g",
        "--group",
        dest="groups",
        metavar="GROUP",
        action="append",
        type=converter(Group.parse),
        default=[],
        help=groups_help,
    )
    parser.add_argument(
        "-t",
        "--protocol",
        dest="protocols",
        metavar="PROTOCOL",
        action="append",
        type=converter(Protocol.parse),
        default=[],
        help=_(
            "only this protocol: request, ws, upload, download, udp, tcp or webview (repeatable)"
        ),
    )


def add_fetch_options(parser: argparse.ArgumentParser) -> None:
    """--concurrency and --offline, for the commands that fetch domains."""
    parser.add_argument(
        "--concurrency",
        metavar="N",
        type=converter(parse_positive),
        help=_("profiles fetched at once (default: [network] concurrency, else 16)"),
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS,  # keeps a --offline given before the command
        help=_("use the last good result cached on this machine; make no request"),
    )


def add_host_map_options(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """--resolve and --connect-to, as curl has them: for `probe`, and (`top`, before any
    command) the dashboard's probes. Given before `probe`, they count for it too."""
    default: Any = [] if top else argparse.SUPPRESS
    parser.add_argument(
        "--resolve",
        metavar="HOST:PORT:ADDR",
        action="append",
        default=default,
        help=_("connect to ADDR for HOST:PORT instead of asking DNS, as curl does (repeatable)"),
    )
    parser.add_argument(
        "--connect-to",
        metavar="HOST:PORT:ADDR:PORT2",
        action="append",
        default=default,
        help=_(
            "connect to ADDR:PORT2 for HOST:PORT, checking the certificate for HOST, as curl "
            "does (repeatable)"
        ),
    )
