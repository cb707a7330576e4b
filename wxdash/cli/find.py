"""`wxdash find`: which profiles use a domain, searched across the fleet."""

from __future__ import annotations

import argparse

from wxdash.cli import EXIT_FAILED, EXIT_NO_HIT, EXIT_OK, UsageError, worst
from wxdash.cli.console import write
from wxdash.cli.options import (
    Commands,
    add_common_options,
    add_fetch_options,
    add_format_option,
    add_profile_options,
    converter,
    parse_positive,
)
from wxdash.cli.outcomes import gather, report_failures
from wxdash.cli.session import Session, config_codes, select_profiles
from wxdash.i18n import _


def register(commands: Commands) -> None:
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
    add_common_options(find, top=False)
    find.add_argument("text", metavar="TEXT", help=_("part of a host, or a URL"))
    add_profile_options(find)
    add_format_option(find, ("text", "json", "csv"))
    add_fetch_options(find)
    find.add_argument(
        "--refresh", action="store_true", help=_("fetch every profile, even if cached")
    )
    find.add_argument(
        "--max-age",
        metavar="MINUTES",
        type=converter(parse_positive),
        default=60,
        help=_("use cached results younger than this (default: 60)"),
    )
    find.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from wxdash.output import find_csv, find_json, find_text

    if not args.text.strip():
        raise UsageError(
            _("Nothing to find"), _("Give part of a host, e.g.: wxdash find old-api.example.com")
        )
    with Session(args) as session:
        config = session.loaded()
        everyone = not args.profiles  # a fleet-wide search is the point: all by default
        profiles = select_profiles(config, args.profiles, args.all or everyone)
        max_age = None if args.refresh else args.max_age * 60
        outcomes = gather(session, profiles, max_age=max_age)
    render = {"json": find_json, "csv": find_csv, "text": find_text}[args.format]
    text, hits = render(outcomes, args.text)
    write(text)
    failed = report_failures(outcomes)
    return worst(
        EXIT_FAILED if failed else EXIT_OK,
        EXIT_OK if hits else EXIT_NO_HIT,
        *config_codes(config),
    )
