"""`wxdash quota`: how many get_effective_domain calls each profile has left today."""

from __future__ import annotations

import argparse
import asyncio

from wxdash.cli.console import write
from wxdash.cli.options import Commands, add_common_options, add_format_option, add_profile_options
from wxdash.cli.outcomes import exit_after, quotas
from wxdash.cli.session import Session, select_profiles
from wxdash.i18n import _


def register(commands: Commands) -> None:
    quota = commands.add_parser(
        "quota",
        help=_("show the daily quota of get_effective_domain"),
        description=_(
            "Ask WeChat (cgi-bin/openapi/quota/get) how many get_effective_domain calls the "
            "profiles' mini programs may make today, how many they made and how many are left."
        ),
    )
    add_common_options(quota, top=False)
    add_profile_options(
        quota, _("a profile to ask about (repeatable)"), _("ask about every profile")
    )
    add_format_option(quota, ("text", "json"))
    quota.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from wxdash.output import render_quota_json, render_quota_text

    with Session(args) as session:
        config = session.loaded()
        profiles = select_profiles(config, args.profiles, args.all)
        outcomes = asyncio.run(quotas(session, profiles, config.concurrency))
    render = render_quota_json if args.format == "json" else render_quota_text
    write(render(outcomes))
    return exit_after(outcomes, config)
