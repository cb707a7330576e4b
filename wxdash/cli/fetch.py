"""`wxdash fetch`: the profiles' domains, printed as text, JSON or CSV."""

from __future__ import annotations

import argparse
import sys

from wxdash.cli import EXIT_FAILED, EXIT_OK, worst
from wxdash.cli.console import write
from wxdash.cli.options import (
    Commands,
    add_common_options,
    add_fetch_options,
    add_format_option,
    add_profile_options,
    add_selection_options,
)
from wxdash.cli.outcomes import InOrder, gather, report_failures
from wxdash.cli.session import Session, config_codes, select_profiles
from wxdash.i18n import _


def register(commands: Commands) -> None:
    fetch = commands.add_parser(
        "fetch",
        help=_("fetch profiles' domains and print them"),
        description=_("Fetch the domains of the named profiles (or all) and print them."),
    )
    add_common_options(fetch, top=False)
    add_profile_options(fetch)
    add_selection_options(
        fetch, groups_help=_("only this group: effective, mp, third or direct (repeatable)")
    )
    add_format_option(fetch, ("text", "json", "csv"))
    add_fetch_options(fetch)
    fetch.add_argument(
        "--ignore-quota",
        action="store_true",
        help=_("call appids whose daily quota WeChat said is used up (errcode 45009) anyway"),
    )
    fetch.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from wxdash.output import Selection, render_csv, render_json, render_text, warning_text

    selection = Selection(args.groups, args.protocols)
    with Session(args) as session:
        config = session.loaded()
        profiles = select_profiles(config, args.profiles, args.all)
        if args.format == "text":  # written profile by profile, as they come in
            printer = InOrder(len(profiles), lambda outcome: render_text([outcome], selection))
            outcomes = gather(session, profiles, landed=printer)
        else:
            outcomes = gather(session, profiles)
    if args.format != "text":
        render = render_json if args.format == "json" else render_csv
        write(render(outcomes, selection))
    sys.stdout.flush()
    if args.format != "text":
        # Text shows warnings inline; JSON has them as data; CSV has no place for them.
        # Either way a person watching the terminal should see that data was odd.
        for outcome in outcomes:
            if text := warning_text(outcome, selection):
                print(text, file=sys.stderr)
    failed = report_failures(outcomes, webview=selection.webview)
    return worst(EXIT_FAILED if failed else EXIT_OK, *config_codes(config))
