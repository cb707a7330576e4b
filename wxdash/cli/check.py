"""`wxdash check`: are these domains registered? For release pipelines."""

from __future__ import annotations

import argparse

from wxdash.cli import EXIT_FAILED, EXIT_MISSING, EXIT_OK, UsageError, worst
from wxdash.cli.console import write
from wxdash.cli.options import (
    Commands,
    add_common_options,
    add_fetch_options,
    add_format_option,
    add_profile_options,
)
from wxdash.cli.outcomes import gather, report_failures
from wxdash.cli.session import Session, config_codes, select_profiles
from wxdash.i18n import _
from wxdash.wechat.models import Protocol


def register(commands: Commands) -> None:
    check = commands.add_parser(
        "check",
        help=_("check that domains are registered, for release pipelines"),
        description=_(
            "Exit 0 when every listed domain is in its protocol's list, 4 when any is missing. "
            "A full URL may be given: its path and query are ignored. Scheme and port must "
            "match exactly, as WeChat matches them."
        ),
    )
    add_common_options(check, top=False)
    add_profile_options(check)
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
    add_format_option(check, ("text", "json"))
    add_fetch_options(check)
    check.set_defaults(run=run)


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


def run(args: argparse.Namespace) -> int:
    from wxdash.output import check_json, check_text

    wanted = _wanted(args)
    with Session(args) as session:
        config = session.loaded()
        outcomes = gather(session, select_profiles(config, args.profiles, args.all))
    webview_wanted = any(p is Protocol.WEBVIEW for p, _url in wanted)
    results = check_json if args.format == "json" else check_text
    text, missing = results(outcomes, wanted, args.where)
    write(text)
    failed = report_failures(outcomes, webview=webview_wanted)
    if webview_wanted and any(o.webview is None for o in outcomes if o.ok):
        failed = True
    return worst(
        EXIT_FAILED if failed else EXIT_OK,
        EXIT_MISSING if missing else EXIT_OK,
        *config_codes(config),
    )
