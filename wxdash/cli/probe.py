"""`wxdash probe`: probe each distinct host of the profiles' domains once and say what it breaks."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from wxdash.cli import EXIT_FAILED, EXIT_OK, EXIT_UNHEALTHY, UsageError, worst
from wxdash.cli.console import write
from wxdash.cli.options import (
    Commands,
    add_common_options,
    add_format_option,
    add_host_map_options,
    add_profile_options,
    add_selection_options,
    converter,
    parse_positive,
)
from wxdash.cli.outcomes import gather, report_failures
from wxdash.cli.session import Session, config_codes, select_profiles
from wxdash.i18n import _
from wxdash.wechat.models import Group, Protocol

if TYPE_CHECKING:
    from wxdash.probes import HostMap, HostResult, Target, Trust


def parse_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise ValueError(
            _("expected seconds above 0 (such as 5 or 0.5), got {value}").format(value=text)
        )
    return value


def parse_days(text: str) -> int:
    if not text.isdigit():
        raise ValueError(
            _("expected a whole number of days, 0 or more, got {value}").format(value=text)
        )
    return int(text)


def register(commands: Commands) -> None:
    probe = commands.add_parser(
        "probe",
        help=_("probe every live host: DNS, TCP, TLS and its certificate"),
        description=_(
            "Probe each distinct host of the profiles' domains once: DNS, a TCP connect, a TLS "
            "handshake verified as the API calls verify, the certificate's host name and "
            "expiry, and TLS 1.2 support, which WeChat requires. Probes send nothing but TLS "
            "handshakes. Hosts that are fine are counted; -v lists them too. Exit 6 when any "
            "host fails."
        ),
    )
    add_common_options(probe, top=False)
    add_profile_options(probe)
    add_selection_options(
        probe,
        groups_help=_(
            "probe this group's domains: effective (the default: what is live), mp, third or "
            "direct (repeatable)"
        ),
    )
    _add_probe_options(probe)
    add_format_option(probe, ("text", "json"))
    probe.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS,
        help=_("take the domains from the cache instead of WeChat (the hosts are still probed)"),
    )
    probe.set_defaults(run=run, concurrency=None)


def _add_probe_options(probe: argparse.ArgumentParser) -> None:
    from wxdash.probes import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, DEFAULT_WARN_DAYS

    probe.add_argument(
        "--warn-days",
        metavar="N",
        type=converter(parse_days),
        default=DEFAULT_WARN_DAYS,
        help=_("warn of a certificate with fewer days left than this (default: {days})").format(
            days=DEFAULT_WARN_DAYS
        ),
    )
    probe.add_argument(
        "--timeout",
        metavar="S",
        type=converter(parse_seconds),
        default=DEFAULT_TIMEOUT,
        help=_("seconds each step may wait (default: {seconds})").format(
            seconds=f"{DEFAULT_TIMEOUT:g}"
        ),
    )
    probe.add_argument(
        "--concurrency",
        dest="probe_concurrency",
        metavar="N",
        type=converter(parse_positive),
        default=DEFAULT_CONCURRENCY,
        help=_("hosts probed at once (default: {count})").format(count=DEFAULT_CONCURRENCY),
    )
    add_host_map_options(probe)


def host_map(args: argparse.Namespace) -> HostMap:
    """The host map --resolve and --connect-to make; UsageError (with a hint) if malformed."""
    from wxdash.probes import HostMap, HostMapError

    try:
        hosts = HostMap.of(args.resolve, args.connect_to)
    except HostMapError as error:
        raise UsageError(error.message, error.hint) from None
    if args.demo and hosts:
        raise UsageError(
            _(
                "--demo probes only its own loopback servers: --resolve and --connect-to do not "
                "apply"
            ),
            _("Leave out --demo to probe your own profiles' hosts."),
        )
    return hosts


def _probe(
    targets: list[Target], hosts: HostMap, trust: Trust, args: argparse.Namespace
) -> list[HostResult]:
    from wxdash.probes import ProbeSettings, TrustError, probe_all

    settings = ProbeSettings(args.timeout, args.warn_days, args.probe_concurrency)
    try:
        return asyncio.run(probe_all(targets, hosts=hosts, trust=trust, settings=settings))
    except TrustError as error:
        raise UsageError(error.message, error.hint) from None


def _keep(results: list[HostResult]) -> None:
    from wxdash.probes import ProbeStore

    store = ProbeStore()
    store.save(results)
    for problem in store.problems:
        print("wxdash: " + _("warning: {problem}").format(problem=problem), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from wxdash.output.probes import probe_json, probe_text
    from wxdash.probes import Trust, targets_of

    hosts = host_map(args)
    groups = args.groups or [Group.EFFECTIVE]
    protocols = args.protocols or list(Protocol)
    with Session(args) as session:
        config = session.loaded()
        outcomes = gather(session, select_profiles(config, args.profiles, args.all))
        targets = targets_of(outcomes, groups, protocols)
        trust = Trust()
        if session.demo is not None:  # its own servers and CA: nothing real is reached
            hosts, trust = session.demo.probe_hosts()
        results = _probe(targets, hosts, trust, args)
    if session.demo is None:
        _keep(results)
    if args.format == "json":
        write(probe_json(outcomes, targets, results))
    else:
        write(probe_text(outcomes, targets, results, verbose=args.verbose))
    sys.stdout.flush()
    failed = report_failures(outcomes, webview=Protocol.WEBVIEW in protocols)
    failing = any(r.status == "fail" for r in results)
    return worst(
        EXIT_FAILED if failed else EXIT_OK,
        EXIT_UNHEALTHY if failing else EXIT_OK,
        *config_codes(config),
    )
