"""`wxdash` with no command: the dashboard, on a terminal only; Textual is imported here alone."""

from __future__ import annotations

import argparse
import sys

from wxdash.cli import EXIT_OK, UsageError
from wxdash.cli.options import add_host_map_options
from wxdash.cli.probe import host_map
from wxdash.cli.session import no_offline_demo
from wxdash.i18n import _


def register(parser: argparse.ArgumentParser) -> None:
    """The dashboard's own options, on the top-level parser; with no command, it runs."""
    parser.add_argument(
        "-p",
        "--profile",
        metavar="NAME",
        help=_("open the dashboard on this profile"),
    )
    add_host_map_options(parser, top=True)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not sys.stdout.isatty():
        raise UsageError(
            _("The dashboard needs a terminal, and stdout is not one."),
            _("For scripts and pipes use: wxdash fetch --all -f json"),
        )
    no_offline_demo(args)
    hosts = host_map(args)
    from wxdash.app import WxDashApp

    app = WxDashApp(
        config_file=args.config,
        demo=args.demo,
        profile=args.profile,
        lang=args.lang,
        offline=args.offline,
        hosts=hosts,
    )
    app.run()
    return app.return_code or EXIT_OK
