"""`wxdash config`: which config file is in use, and whether it can be used."""

from __future__ import annotations

import argparse
import dataclasses

from wxdash.cli import EXIT_OK, EXIT_USAGE
from wxdash.cli.options import Commands, add_common_options
from wxdash.cli.session import Session, print_problems
from wxdash.i18n import _
from wxdash.profiles import Config, ProfileStore, config_path, secrets_exposed


def register(commands: Commands) -> None:
    config = commands.add_parser(
        "config", help=_("show or check the config file"), description=_("The config file.")
    )
    add_common_options(config, top=False)
    config_commands = config.add_subparsers(dest="config_command", metavar=_("COMMAND"))
    config_commands.required = True
    add_common_options(
        config_commands.add_parser("path", help=_("print the config file in use")), top=False
    )
    add_common_options(
        config_commands.add_parser(
            "check", help=_("check the config file; exit 0 if usable, 2 if not")
        ),
        top=False,
    )
    config.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.demo:
        return _demo(args)
    path = config_path(args.config)
    if args.config_command == "path":
        print(path)
        return EXIT_OK
    config = ProfileStore(path).load()
    if exposed := secrets_exposed(config):
        config = dataclasses.replace(config, problems=(*config.problems, exposed))
    print_problems(config)
    return _summary(config)


def _demo(args: argparse.Namespace) -> int:
    """Under --demo, what the demo uses: its built-in profiles, no file."""
    if args.config_command == "path":
        print(_("(demo: built-in profiles, no config file)"))
        return EXIT_OK
    with Session(args) as session:
        return _summary(session.loaded())


def _summary(config: Config) -> int:
    path = config.path
    if not config.exists and not config.profiles:  # the demo has profiles and no file
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
