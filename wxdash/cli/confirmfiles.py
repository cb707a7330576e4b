"""`wxdash domains confirmfiles`: each profile's webview verification file, written to a
folder, and which merchant needs which; what a platform uploads to its domains' roots before
adding them the direct way."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from wxdash.cli import UsageError
from wxdash.cli.console import write
from wxdash.cli.options import (
    Commands,
    add_common_options,
    add_format_option,
    add_profile_options,
)
from wxdash.i18n import _
from wxdash.safetext import visible

if TYPE_CHECKING:
    from wxdash.changes.confirmfiles import FileOutcome


def register(actions: Commands) -> None:
    """Add `confirmfiles` to the `domains` actions."""
    text = _("write each profile's webview verification file to a folder")
    parser = actions.add_parser(
        "confirmfiles",
        help=text,
        description=_(
            "Ask WeChat (get_webviewdomain_confirmfile) for each profile's verification file and "
            "write it to DIR as FILE_NAME, byte for byte, with a list of which merchant needs "
            "which file: the file a domain must serve at its root before a direct webview add."
        ),
    )
    add_common_options(parser, top=False)
    add_profile_options(
        parser, _("a profile whose file to write (repeatable)"), _("every profile's file")
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        required=True,
        help=_("the folder to write the files to (made if missing)"),
    )
    add_format_option(parser, ("text", "json"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from wxdash.changes.confirmfiles import fetch_files, write_files
    from wxdash.cli.outcomes import exit_after, open_fleet
    from wxdash.cli.session import Session, select_profiles
    from wxdash.output.confirmfiles import files_json, files_text

    with Session(args) as session:
        config = session.loaded()
        profiles = select_profiles(config, args.profiles, args.all)
        _make_folder(args.out)
        concurrency = config.concurrency

        async def work() -> list[FileOutcome]:
            async with open_fleet(session, concurrency) as fleet:
                return await fetch_files(fleet, profiles, concurrency)

        outcomes = write_files(asyncio.run(work()), args.out)
    render = files_json if args.format == "json" else files_text
    write(render(outcomes, args.out))
    return exit_after(outcomes, config)


def _make_folder(folder: Path) -> None:
    """The --out folder, made if missing (before any call: a bad one costs nothing)."""
    hint = _("Name a folder for --out; it is made if missing.")
    if folder.exists() and not folder.is_dir():
        raise UsageError(_("{folder} is not a folder").format(folder=visible(str(folder))), hint)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        message = _("{folder} could not be made: {reason}")
        raise UsageError(message.format(folder=visible(str(folder)), reason=reason), hint) from None
