"""`wxdash diff`: what takes effect or drops at the next release."""

from __future__ import annotations

import argparse

from wxdash.cli import EXIT_FAILED, EXIT_OK, EXIT_PENDING, worst
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


def register(commands: Commands) -> None:
    diff = commands.add_parser(
        "diff",
        help=_("show what takes effect or drops at the next release"),
        description=_(
            "Compare what is configured (mp, third and direct together) with what is effective, "
            "per protocol. Exit 0 when nothing is pending, 3 when something is."
        ),
    )
    add_common_options(diff, top=False)
    add_profile_options(diff)
    add_format_option(diff, ("text", "json"))
    add_fetch_options(diff)
    diff.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from wxdash.output import diff_json, diff_text

    with Session(args) as session:
        config = session.loaded()
        outcomes = gather(session, select_profiles(config, args.profiles, args.all))
    write(diff_json(outcomes) if args.format == "json" else diff_text(outcomes))
    failed = report_failures(outcomes)
    pending = any(o.ok and o.pending() for o in outcomes)
    return worst(
        EXIT_FAILED if failed else EXIT_OK,
        EXIT_PENDING if pending else EXIT_OK,
        *config_codes(config),
    )
