"""`wxdash profile`: list, add, import, remove and rename the profiles in the config file."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from wxdash.cli import EXIT_OK, EXIT_USAGE, UsageError
from wxdash.cli.console import print_error, print_notice
from wxdash.cli.options import Commands, add_common_options
from wxdash.cli.session import Session, print_problems
from wxdash.i18n import _, ngettext
from wxdash.profiles import (
    TOKEN_KEYS,
    Config,
    ConfigError,
    ProfileStore,
    SaveResult,
    add_tables,
    check_profile,
    read_document,
    remove_profile,
    rename_profile,
)
from wxdash.safetext import quoted, visible


def register(commands: Commands) -> None:
    profile = commands.add_parser(
        "profile", help=_("list, add, remove or rename profiles"), description=_("Profiles.")
    )
    add_common_options(profile, top=False)
    profile_commands = profile.add_subparsers(dest="profile_command", metavar=_("COMMAND"))
    profile_commands.required = True
    listing = profile_commands.add_parser("list", help=_("list the profiles"))
    add_common_options(listing, top=False)
    listing.add_argument("-f", "--format", choices=("text", "json"), default="text")
    _register_add(profile_commands)
    importing = profile_commands.add_parser(
        "import",
        help=_("add many profiles from a CSV or JSON file"),
        description=_(
            "Add the profiles in FILE: CSV with a header row (name, appid and any profile key), "
            'or JSON (a list of objects, or {"profiles": [...]}). Every row is checked first; '
            "if any is wrong, nothing is written."
        ),
    )
    add_common_options(importing, top=False)
    importing.add_argument("file", metavar="FILE")
    importing.add_argument(
        "--allow-api-base",
        action="store_true",
        help=_("accept rows that set api_base (the token goes to that host)"),
    )
    importing.add_argument(
        "--allow-token-command",
        action="store_true",
        help=_("accept rows that set token_command (wxdash runs that command)"),
    )
    remove = profile_commands.add_parser("remove", help=_("remove a profile"))
    add_common_options(remove, top=False)
    remove.add_argument("name", metavar="NAME")
    rename = profile_commands.add_parser("rename", help=_("rename a profile"))
    add_common_options(rename, top=False)
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")
    profile.set_defaults(run=run)


def _register_add(profile_commands: Commands) -> None:
    add = profile_commands.add_parser(
        "add",
        help=_("add a profile"),
        description=_(
            "Add a profile. A literal token or appsecret is read from stdin, never from the "
            "command line, where every user of the machine could see it."
        ),
    )
    add_common_options(add, top=False)
    add.add_argument("name", metavar="NAME")
    add.add_argument("--appid", required=True, help=_("the mini program's appid (wx...)"))
    # Not required: a profile may take its token source from the config's [defaults].
    source = add.add_mutually_exclusive_group()
    source.add_argument("--token-env", metavar="VAR", help=_("read the token from $VAR"))
    source.add_argument(
        "--token-command",
        metavar="CMD",
        help=_("run CMD (sh -c) to get the token; it sees $WXDASH_APPID and $WXDASH_PROFILE"),
    )
    source.add_argument(
        "--appsecret-env",
        metavar="VAR",
        help=_("exchange the appsecret in $VAR for a token at stable_token"),
    )
    source.add_argument(
        "--token-stdin", action="store_true", help=_("read a literal access_token from stdin")
    )
    source.add_argument(
        "--appsecret-stdin", action="store_true", help=_("read a literal appsecret from stdin")
    )
    add.add_argument("--api-base", metavar="URL", help=_("API host (default: WeChat's)"))


def run(args: argparse.Namespace) -> int:
    with Session(args) as session:
        if args.profile_command == "list":
            return _list(session.config(), args.format)
        store = session.writable_store()
        config = store.load()
        if args.profile_command == "add":
            return _add(store, config, args)
        if args.profile_command == "import":
            return _import(store, config, args)
        if args.profile_command == "remove":
            name = _name_in_file(config, args.name)
            result = store.save(remove_profile(name))
            message = _("Removed profile {name} from {path}")
            print(message.format(name=quoted(name), path=store.path))
        else:
            name = _name_in_file(config, args.old)
            new = args.new.strip()
            if not new:
                raise UsageError(
                    _("The new name is empty"), _("Give the profile a name that is not blank.")
                )
            result = store.save(rename_profile(name, new))
            message = _("Renamed profile {old} to {new}")
            print(message.format(old=quoted(name), new=quoted(new)))
        _tell_notice(result)
        return EXIT_OK


def _tell_notice(result: SaveResult) -> None:
    if result.notice:
        print_notice(result.notice)


def _name_in_file(config: Config, name: str) -> str:
    """The profile called `name`: a usable one, else one the file holds that failed the checks
    (`config check` names it, so removing or renaming it must work too)."""
    try:
        return config.find(name).name
    except ConfigError:
        found = read_document(config.path)
        tables = found[0].get("profiles") if found else None
        if isinstance(tables, list) and any(
            isinstance(t, dict) and t.get("name") == name for t in tables
        ):
            return name
        raise


def _list(config: Config, fmt: str) -> int:
    print_problems(config)
    if fmt == "json":
        rows = [
            {
                "name": p.name,
                "appid": p.appid,
                "token_source": p.token.kind.value,
                "api_base": p.api_base,
            }
            for p in config.profiles
        ]
        from wxdash.output import dumps

        print(dumps({"profiles": rows}))
        return EXIT_USAGE if config.errors else EXIT_OK
    if not config.profiles:
        print(_("No profiles yet. Add one with: wxdash profile add NAME --appid wx..."))
    from wxdash.output import pad, width

    names = [visible(p.name) for p in config.profiles]
    column = max([width(n) for n in names] + [4]) + 2
    for name, profile in zip(names, config.profiles, strict=True):
        line = f"{pad(name, column)}{visible(profile.appid)}  {profile.token.describe()}"
        if profile.api_base:
            line += f"  {visible(profile.api_base)}"
        print(line)
    return EXIT_USAGE if config.errors else EXIT_OK


def _read_secret(what: str) -> str:
    if sys.stdin.isatty():
        value = getpass.getpass(_("{what} (input hidden): ").format(what=what))
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise UsageError(
            _("No {what} on stdin").format(what=what),
            _("Pipe it in, e.g.: wxdash profile add NAME --appid wx... --token-stdin < token.txt"),
        )
    return value


_SOURCE_FLAGS = {
    "token_env": "token_env",
    "token_command": "token_command",
    "appsecret_env": "appsecret_env",
}


def _given_table(args: argparse.Namespace) -> dict[str, str]:
    """The profile's keys as the command line gives them, secrets read from stdin."""
    table: dict[str, str] = {"name": args.name.strip(), "appid": args.appid.strip()}
    for flag, key in _SOURCE_FLAGS.items():
        if getattr(args, flag):
            table[key] = getattr(args, flag)
    if args.token_stdin:
        table["access_token"] = _read_secret("access_token")
    if args.appsecret_stdin:
        table["appsecret"] = _read_secret("appsecret")
    if args.api_base:
        table["api_base"] = args.api_base
    return table


def _add(store: ProfileStore, config: Config, args: argparse.Namespace) -> int:
    table = _given_table(args)
    defaults, _taken = _defaults_and_names(store)
    if not any(k in table for k in TOKEN_KEYS) and not any(k in defaults for k in TOKEN_KEYS):
        raise UsageError(
            _("No token source for {name}").format(name=quoted(table["name"])),
            _(
                "Give one of --token-env, --token-command, --appsecret-env, --token-stdin or "
                "--appsecret-stdin, or set a token source in the config's [defaults]."
            ),
        )
    profile, problems = check_profile(
        table, taken={p.name for p in config.profiles}, defaults=defaults, path=store.path
    )
    for problem in problems:
        print_notice(str(problem))
    if profile is None:
        return EXIT_USAGE
    # Only what was given is written: what [defaults] gives stays inherited.
    written: dict[str, str] = {"name": profile.name, "appid": profile.appid}
    if any(k in table for k in TOKEN_KEYS):
        written[profile.token.kind.value] = profile.token.value
    if args.api_base and profile.api_base:
        written["api_base"] = profile.api_base
    result = store.save(add_tables([written]))
    print(
        _("Added profile {name} ({source}) to {path}").format(
            name=quoted(profile.name), source=profile.token.describe(), path=store.path
        )
    )
    _tell_notice(result)
    return EXIT_OK


def _defaults_and_names(store: ProfileStore) -> tuple[dict[str, Any], set[str]]:
    """The file's [defaults], and every profile name in it (even of profiles that failed the
    checks: they are still there)."""
    found = read_document(store.path)
    doc = found[0] if found is not None else {}
    defaults = doc.get("defaults") if isinstance(doc.get("defaults"), dict) else {}
    tables = doc.get("profiles") if isinstance(doc.get("profiles"), list) else []
    names = {t["name"] for t in tables if isinstance(t, dict) and isinstance(t.get("name"), str)}
    return defaults, names


def _import(store: ProfileStore, config: Config, args: argparse.Namespace) -> int:
    from pathlib import Path

    from wxdash.importer import hint_for, plan_import, read_rows

    print_problems(config)
    file = args.file
    defaults, taken = _defaults_and_names(store)
    allowed = [k for k in ("api_base", "token_command") if getattr(args, f"allow_{k}")]
    rows = read_rows(Path(file))
    plan = plan_import(rows, taken=taken, defaults=defaults, label=file, allowed=allowed)
    for problem in plan.problems:
        hint = hint_for(problem) if problem.severity == "error" else ""
        print_error(str(problem), hint)
    if plan.errors:
        raise UsageError(
            ngettext(
                "Nothing was imported: {n} problem to fix in {file}",
                "Nothing was imported: {n} problems to fix in {file}",
                len(plan.errors),
            ).format(n=len(plan.errors), file=file),
            _("Fix the rows named above and run the import again; the config file is unchanged."),
        )
    result = store.save(add_tables(list(plan.tables)))
    count = len(plan.tables)
    print(
        ngettext("Added {n} profile to {path}", "Added {n} profiles to {path}", count).format(
            n=count, path=store.path
        )
    )
    _tell_notice(result)
    return EXIT_OK
