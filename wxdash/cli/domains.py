"""`wxdash domains add|remove|log`: change server and business domains safely (plan, confirm,
apply, a ledger), and read the ledger; `confirmfiles` lives in its own module."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from wxdash.cli import EXIT_FAILED, EXIT_OK, EXIT_PENDING, UsageError, confirmfiles, worst
from wxdash.cli.console import print_error, print_notice, write
from wxdash.cli.options import (
    Commands,
    add_common_options,
    add_format_option,
    add_host_map_options,
    add_profile_options,
    converter,
    parse_positive,
)
from wxdash.i18n import _, ngettext
from wxdash.safetext import visible

if TYPE_CHECKING:
    from wxdash.changes.confirmcheck import ConfirmCheck
    from wxdash.changes.ledger import Ledger
    from wxdash.changes.plan import Change, ProfilePlan
    from wxdash.changes.platform import PlatformCheck
    from wxdash.cli.session import Session
    from wxdash.wechat.models import Protocol

# --option -> the protocol's short name
PROTOCOL_OPTIONS = ("request", "ws", "upload", "download", "udp", "tcp", "webview")
CACHE_AGE = 300.0  # a cached result younger than this may serve the plan
THIRD_ADD = ("third", "add")  # the one change the platform's own list is checked for


def register(commands: Commands) -> None:
    domains = commands.add_parser(
        "domains",
        help=_("add or remove domains (plan, confirm, apply), and read the change ledger"),
        description=_(
            "Change the server and business domains of the profiles' mini programs: a plan "
            "first, one confirmation, then one call per profile and API, each recorded in "
            "the ledger. WeChat allows 50 server-domain changes per mini program a month."
        ),
    )
    actions = domains.add_subparsers(dest="domains_action", metavar=_("ACTION"), required=True)
    for action, text in (
        ("add", _("add domains")),
        ("remove", _("remove domains")),
    ):
        parser = actions.add_parser(action, help=text, description=text)
        _change_options(parser)
        parser.set_defaults(run=run, action=action)
    log = actions.add_parser("log", help=_("show the change ledger"))
    add_common_options(log, top=False)
    add_profile_options(log, _("only this profile's changes (repeatable)"))
    log.add_argument("--month", metavar="YYYY-MM", help=_("only this month (Beijing time)"))
    add_format_option(log, ("text", "json"))
    log.set_defaults(run=run_log)
    confirmfiles.register(actions)


def _change_options(parser: argparse.ArgumentParser) -> None:
    add_common_options(parser, top=False)
    add_profile_options(parser, _("a profile to change (repeatable)"), _("change every profile"))
    parser.add_argument(
        "--via",
        choices=("direct", "third"),
        required=True,
        help=_("direct: modify_domain_directly; third: modify_domain (the platform's list)"),
    )
    for name in PROTOCOL_OPTIONS:
        parser.add_argument(
            f"--{name}",
            dest="wanted",
            metavar="URL",
            action="append",
            type=lambda text, name=name: (name, text),
            default=[],
            help=_("a {protocol} domain (repeatable)").format(protocol=name),
        )
    parser.add_argument(
        "--no-confirm-check",
        action="store_true",
        help=_("send a direct webview add without first fetching WeChat's file from the domain"),
    )
    add_host_map_options(parser)
    parser.add_argument("--dry-run", action="store_true", help=_("show the plan; change nothing"))
    parser.add_argument("--yes", action="store_true", help=_("apply without asking"))
    parser.add_argument(
        "--concurrency",
        metavar="N",
        type=converter(parse_positive),
        default=8,
        help=_("calls at once (default: 8)"),
    )
    add_format_option(parser, ("text", "json"))


def _wanted(args: argparse.Namespace) -> list[tuple[Protocol, str]]:
    from wxdash.changes.plan import lint_refusals
    from wxdash.wechat.models import Protocol

    wanted = [(Protocol.parse(name), url.strip()) for name, url in args.wanted]
    if not wanted:
        raise UsageError(
            _("no domain given"),
            _("Name one with --request, --ws, --upload, --download, --udp, --tcp or --webview."),
        )
    refused = lint_refusals(wanted) if args.action == "add" else []
    if refused:
        listed = "; ".join(f"{visible(w.domain or '')}: {w.message}" for w in refused)
        raise UsageError(
            _("WeChat would refuse these domains: {listed}").format(listed=listed),
            _("Fix the scheme and host: no IP, localhost, path, wildcard or WeChat's own API."),
        )
    return wanted


def run(args: argparse.Namespace) -> int:
    from wxdash.changes.ledger import Ledger
    from wxdash.changes.plan import over_limit, plan_profile
    from wxdash.cli.outcomes import gather, report_failures
    from wxdash.cli.session import Session, select_profiles
    from wxdash.output.changes import plan_json, plan_text

    wanted = _wanted(args)
    with Session(args) as session:
        config = session.loaded()
        profiles = select_profiles(config, args.profiles, args.all)
        _only_demo_server(session, profiles)
        check = _platform_check(session, wanted) if (args.via, args.action) == THIRD_ADD else None
        args.offline = False
        outcomes = gather(session, profiles, max_age=None if args.demo else CACHE_AGE)
        ledger = Ledger.for_user(demo=session.demo is not None)
        plans = [plan_profile(o, wanted, args.via, args.action, ledger) for o in outcomes]
        for plan in plans:
            if check is not None:
                check.refuse(plan)
            over_limit(plan)
        fetch_failed = report_failures(outcomes, webview=False)
        refused = any(plan.refused for plan in plans)
        calls = sum(plan.calls for plan in plans)
        if args.dry_run:
            write(plan_json(plans, check) if args.format == "json" else plan_text(plans, check))
            failed = EXIT_FAILED if fetch_failed or refused else EXIT_OK
            return worst(failed, EXIT_PENDING if calls else 0)
        if args.format == "text":
            write(plan_text(plans, check))
        if calls and not confirmed(args, _question(calls, plans)):
            return EXIT_FAILED
        changes = _apply(session, plans, ledger, args)
    return _report(args, plans, changes)


def _question(calls: int, plans: list[ProfilePlan]) -> str:
    changing = sum(1 for p in plans if p.calls)
    return _("{make}, to change {profiles}? [y/N] ").format(
        make=make_calls(calls),
        profiles=ngettext("{n} profile", "{n} profiles", changing).format(n=f"{changing:,}"),
    )


def _platform_check(session: Session, wanted: list[tuple[Protocol, str]]) -> PlatformCheck:
    """The platform's lists a third-party add needs (server, jump), read once for the run; or
    why they could not be."""
    from wxdash.changes.platform import check_platform
    from wxdash.cli.platform import platform_of
    from wxdash.wechat.client import WeChatClient

    config = session.config_read
    assert config is not None
    platform = platform_of(session, config) if config.platform is not None else None

    async def read() -> PlatformCheck:
        async with WeChatClient(config.network) as client:
            return await check_platform(client, platform, wanted, config.token_command_timeout)

    check = asyncio.run(read())
    if check.unchecked == "unreadable":
        print_error(check.detail, check.hint)
    return check


def _only_demo_server(session: Session, profiles: list) -> None:
    """--demo writes only to its own fake server."""
    if session.demo is None:
        return
    url = session.demo.server.url
    if any((p.api_base or "").rstrip("/") != url for p in profiles):
        raise UsageError(_("--demo sends changes only to its own fake server"))


def make_calls(calls: int) -> str:
    return ngettext("Make {n} call", "Make {n} calls", calls).format(n=f"{calls:,}")


def confirmed(args: argparse.Namespace, question: str) -> bool:
    """--yes, or the user's yes to `question` on the terminal (none there: a usage error)."""
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError(
            _("No terminal to confirm the changes on"),
            _("Check the plan with --dry-run, then run again with --yes."),
        )
    print(question, end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    if answer in ("y", "yes", _("y"), _("yes")):
        return True
    print_notice(_("Nothing was changed."))
    return False


def _apply(
    session: Session, plans: list[ProfilePlan], ledger: Ledger, args: argparse.Namespace
) -> list[Change]:
    from wxdash.changes.apply import apply_plans
    from wxdash.changes.plan import over_limit, settle
    from wxdash.cli.outcomes import open_fleet
    from wxdash.output.changes import change_line

    def done(results: list[Change]) -> None:
        if args.format == "text":
            write("".join(change_line(c) + "\n" for c in results))

    confirm = _confirm_check(session, args)

    async def work() -> list[Change]:
        async with open_fleet(session, args.concurrency) as fleet:
            return await apply_plans(fleet, plans, ledger, args.concurrency, done, confirm)

    with ledger.locked():  # the budget check and the calls, one run at a time
        for plan in plans:
            settle(ledger, plan)
            over_limit(plan, ledger)
        changing = [plan for plan in plans if plan.calls]
        if not changing:
            return []
        if session.demo is None:
            # Before the calls: a run killed halfway must not leave a stale cache behind
            # for the next run's plan to trust.
            _drop_cache(changing)
        return asyncio.run(work())


def _confirm_check(session: Session, args: argparse.Namespace) -> ConfirmCheck | None:
    """How direct webview adds are checked first; none under --demo (its domains are made
    up) or with --no-confirm-check."""
    if session.demo is not None or args.no_confirm_check:
        return None
    from wxdash.changes.confirmcheck import ConfirmCheck
    from wxdash.cli.probe import host_map
    from wxdash.wechat.transport import WireError, default_tls, load_tls

    config = session.config_read
    assert config is not None
    try:
        tls = load_tls(default_tls)
    except WireError as error:
        raise UsageError(error.reason) from None
    return ConfirmCheck(host_map(args), tls, config.network.read_timeout)


def _drop_cache(plans: list[ProfilePlan]) -> None:
    """The changed profiles' cached lists go out of date: their next fetch asks WeChat."""
    import contextlib

    from wxdash.cache import ResultCache

    cache = ResultCache()
    for plan in plans:
        with contextlib.suppress(OSError):
            cache.path(plan.profile).unlink(missing_ok=True)


def _report(args: argparse.Namespace, plans: list[ProfilePlan], changes: list[Change]) -> int:
    from wxdash.output.changes import change_line, changes_json, summary_text

    skipped = [c for plan in plans for c in (*plan.skipped, *plan.refused)]
    calls = sum(1 for plan in plans for changes_ in plan.send.values() if changes_)
    everything = changes + skipped
    if args.format == "json":
        write(changes_json(everything, calls))
    else:
        write("".join(change_line(c) + "\n" for c in skipped if c.reason != "present"))
        write(summary_text(everything, calls))
    bad = any(c.result in ("refused", "failed", "unknown") for c in everything)
    bad = bad or any(c.reason in ("limit", "fetch") for c in skipped)
    return EXIT_FAILED if bad else EXIT_OK


def run_log(args: argparse.Namespace) -> int:
    from wxdash.changes.ledger import Ledger, month_of, parse_time
    from wxdash.output.changes import log_json, log_text

    if args.demo:
        raise UsageError(_("--demo keeps no ledger"))
    if args.month is not None and not _is_month(args.month):
        raise UsageError(
            _("--month wants YYYY-MM, got {text}").format(text=args.month),
            _("For example 2026-12."),
        )
    calls = Ledger.for_user().calls()
    if args.profiles:
        calls = [c for c in calls if c.get("profile") in args.profiles]
    if args.month:
        calls = [c for c in calls if (t := parse_time(c.get("time"))) and month_of(t) == args.month]
    write(log_json(calls) if args.format == "json" else log_text(calls))
    return EXIT_OK


def _is_month(text: str) -> bool:
    import re

    return re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", text) is not None
