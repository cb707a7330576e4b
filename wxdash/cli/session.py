"""What a command works on: the config (or the demo's), its store, and the profiles chosen."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from wxdash.cli import EXIT_USAGE, UsageError
from wxdash.cli.console import print_notice
from wxdash.i18n import _
from wxdash.profiles import Config, Profile, ProfileStore, config_path

if TYPE_CHECKING:
    from wxdash.demo import Demo


class Session:
    """The config a command reads (its own file, or the demo's) and the store to save to."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.demo: Demo | None = None
        self.store: ProfileStore | None = None
        self.config_read: Config | None = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.demo is not None:
            self.demo.stop()

    def config(self) -> Config:
        if self.args.demo:
            from wxdash.demo import Demo

            self.demo = Demo(latency=0.0)
            self.config_read = self.demo.start()
        else:
            self.store = ProfileStore(config_path(self.args.config))
            self.config_read = self.store.load()
        return self.config_read

    def loaded(self) -> Config:
        """The config, its problems told on stderr."""
        config = self.config()
        print_problems(config)
        return config

    def writable_store(self) -> ProfileStore:
        if self.args.demo:
            raise UsageError(_("--demo changes nothing: leave it out to manage your profiles"))
        self.store = ProfileStore(config_path(self.args.config))
        return self.store


def print_problems(config: Config) -> None:
    for problem in config.problems:
        print_notice(str(problem))


def config_codes(config: Config) -> list[int]:
    """The exit codes the config itself calls for: 2 when it has errors."""
    return [EXIT_USAGE] if config.errors else []


def select_profiles(config: Config, names: list[str], everything: bool) -> list[Profile]:
    """The profiles -p NAME and --all chose; with neither, the only one there is."""
    if everything:
        if names:
            raise UsageError(
                _("use either --all or -p NAME, not both"),
                _("Drop --all to fetch only the named profiles."),
            )
        return list(config.profiles)
    if names:
        chosen: list[Profile] = []
        for name in names:
            profile = config.find(name)
            if profile not in chosen:
                chosen.append(profile)
        return chosen
    if len(config.profiles) == 1:
        return list(config.profiles)
    if not config.profiles:
        raise UsageError(
            _("No profiles in {path}").format(path=config.path),
            _("Add one with: wxdash profile add NAME --appid wx... --token-env VAR"),
        )
    raise UsageError(
        _("Which profiles? There are {count}.").format(count=len(config.profiles)),
        _("Name them with -p NAME (repeatable), or use --all."),
    )


def no_offline_demo(args: argparse.Namespace) -> None:
    """The demo keeps no cache: refuse --demo with --offline before anything starts."""
    if args.demo and args.offline:
        raise UsageError(
            _("--demo keeps no cache, so --offline has nothing to show"),
            _("Leave out --offline, or --demo to use your own profiles."),
        )
