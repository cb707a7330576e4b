"""`wxdash platform domains [list|add|remove]`: the third-party platform's own server and jump
domain lists, read and changed with its component_access_token ([platform] in the config)
through the same plan, confirmation and ledger as `domains`."""

from __future__ import annotations

import argparse
import asyncio
import re
from typing import TYPE_CHECKING

from wxdash.cli import EXIT_FAILED, EXIT_OK, EXIT_PENDING, UsageError
from wxdash.cli.console import print_error, write
from wxdash.cli.options import Commands, add_common_options, add_format_option
from wxdash.i18n import _
from wxdash.safetext import visible

if TYPE_CHECKING:
    from wxdash.changes.ledger import Ledger
    from wxdash.changes.plan import Change
    from wxdash.changes.platform import PlatformPlan
    from wxdash.cli.session import Session
    from wxdash.profiles import Config, Platform
    from wxdash.wechat.platform import PlatformList

# A host as the platform's lists take it: no scheme, path, port, space or `;` (the separator).
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
SECTION_EXAMPLE = '\n    [platform]\n    token_command = "platform-tokens component"'


def register(commands: Commands) -> None:
    platform = commands.add_parser(
        "platform",
        help=_("the third-party platform's own domain lists ([platform] in the config)"),
        description=_(
            "Read and change your third-party platform's own server and jump (business) "
            "domain lists, which --via third merchant domains must be on. Needs a [platform] "
            "section with the platform's token source (its component_access_token)."
        ),
    )
    add_common_options(platform, top=False)
    things = platform.add_subparsers(dest="platform_thing", metavar=_("WHAT"), required=True)
    domains = things.add_parser(
        "domains",
        help=_("list, add or remove the platform's server and jump domains"),
        description=_("The platform's server and jump domain lists; list them by default."),
    )
    add_common_options(domains, top=False)
    add_format_option(domains, ("text", "json"))
    domains.set_defaults(run=run, platform_action="list")
    actions = domains.add_subparsers(dest="platform_action", metavar=_("ACTION"))
    for action, text in (
        ("list", _("show the platform's lists, testing and published")),
        ("add", _("add hosts to the platform's lists")),
        ("remove", _("remove hosts from the platform's lists")),
    ):
        parser = actions.add_parser(action, help=text, description=text)
        add_common_options(parser, top=False)
        parser.add_argument(
            "-f",
            "--format",
            choices=("text", "json"),
            default=argparse.SUPPRESS,
            help=_("output format (default: text)"),
        )
        if action != "list":
            _change_options(parser)
        parser.set_defaults(run=run, platform_action=action)


def _change_options(parser: argparse.ArgumentParser) -> None:
    for kind, text in (
        ("server", _("a host for the server-domain list (repeatable)")),
        ("jump", _("a host for the jump (business) domain list (repeatable)")),
    ):
        parser.add_argument(
            f"--{kind}",
            dest="wanted",
            metavar="HOST",
            action="append",
            type=lambda host, kind=kind: (kind, host.strip()),
            default=[],
            help=text,
        )
    parser.add_argument(
        "--published",
        action="store_true",
        help=_("change the published list together with the testing one"),
    )
    parser.add_argument("--dry-run", action="store_true", help=_("show the plan; change nothing"))
    parser.add_argument("--yes", action="store_true", help=_("apply without asking"))


def _wanted(args: argparse.Namespace) -> list[tuple[str, str]]:
    """The hosts asked for, each a bare host name (the lists hold no scheme or port)."""
    if not args.wanted:
        raise UsageError(_("no host given"), _("Name one with --server HOST or --jump HOST."))
    bad = [host for _kind, host in args.wanted if not _HOST.fullmatch(host)]
    if bad:
        raise UsageError(
            _("not a host name: {hosts}").format(hosts=", ".join(visible(h) for h in bad)),
            _("Give the host alone, without scheme, port or path: --server api.example.com"),
        )
    wanted = [(kind, host.lower()) for kind, host in args.wanted]
    _lint(wanted)
    return wanted


def _lint(wanted: list[tuple[str, str]]) -> None:
    """Refuse, before any call, a host WeChat would refuse: an IP, localhost, its own API."""
    from wxdash.changes.plan import lint_refusals
    from wxdash.wechat.models import Protocol

    as_urls = [
        (Protocol.REQUEST if k == "server" else Protocol.WEBVIEW, f"https://{h}") for k, h in wanted
    ]
    refused = lint_refusals(as_urls)
    if refused:
        listed = "; ".join(
            f"{visible((w.domain or '').removeprefix('https://'))}: {w.message}" for w in refused
        )
        raise UsageError(
            _("WeChat would refuse these hosts: {listed}").format(listed=listed),
            _("Give a domain name: no IP, localhost or WeChat's own API."),
        )


def platform_of(session: Session, config: Config) -> Platform:
    """The config's [platform]; a usage error with the section to add when there is none."""
    if config.platform is None and any("[platform]" in p.where for p in config.errors):
        raise UsageError(
            _("The [platform] section of {path} cannot be used: see the errors above").format(
                path=config.path
            ),
            _("Fix it, then check with: wxdash config check"),
        )
    if config.platform is None:
        raise UsageError(
            _("No [platform] section in {path}").format(path=config.path),
            _("Add the platform's token source (a profile's keys), for example:{example}").format(
                example=SECTION_EXAMPLE
            ),
        )
    if session.demo is not None and config.platform.api_base != session.demo.server.url:
        raise UsageError(_("--demo sends changes only to its own fake server"))
    return config.platform


async def read_lists(
    config: Config, platform: Platform, kinds: list[str]
) -> dict[str, PlatformList]:
    """The platform's lists of these kinds, read one after the other."""
    from wxdash.changes.platform import platform_source
    from wxdash.wechat.client import WeChatClient
    from wxdash.wechat.platform import read_list

    async with WeChatClient(config.network) as client:
        token = platform_source(client, platform, config.token_command_timeout)
        return {kind: await read_list(client, platform.api_base, token, kind) for kind in kinds}


def run(args: argparse.Namespace) -> int:
    from wxdash.changes.ledger import Ledger
    from wxdash.changes.platform import plan_platform
    from wxdash.cli.session import Session
    from wxdash.wechat.errors import WxDashError
    from wxdash.wechat.platform import KINDS

    action = args.platform_action or "list"
    wanted = _wanted(args) if action != "list" else []
    with Session(args) as session:
        config = session.loaded()
        platform = platform_of(session, config)
        kinds = [k for k in KINDS if action == "list" or any(w == k for w, _h in wanted)]
        try:
            lists = asyncio.run(read_lists(config, platform, kinds))
        except WxDashError as error:
            print_error(error.message, error.hint)
            return EXIT_FAILED
        if action == "list":
            return _show(args, lists)
        ledger = Ledger.for_user(demo=session.demo is not None)
        plan = plan_platform(lists, wanted, action, args.published, ledger)
        return _change(args, session, platform, plan, ledger)


def _show(args: argparse.Namespace, lists: dict[str, PlatformList]) -> int:
    from wxdash.output.platform import lists_json, lists_text

    write(lists_json(lists) if args.format == "json" else lists_text(lists))
    return EXIT_OK


def _change(
    args: argparse.Namespace, session: Session, platform: Platform, plan: PlatformPlan,
    ledger: Ledger,
) -> int:  # fmt: skip
    from wxdash.cli.domains import confirmed, make_calls
    from wxdash.output.changes import change_line, changes_json, summary_text
    from wxdash.output.platform import plan_json, plan_text

    if args.dry_run:
        write(plan_json(plan) if args.format == "json" else plan_text(plan))
        return EXIT_PENDING if plan.calls else EXIT_OK
    if args.format == "text":
        write(plan_text(plan))
    question = _("{make}, to change the platform's lists? [y/N] ").format(
        make=make_calls(plan.calls)
    )
    if plan.calls and not confirmed(args, question):
        return EXIT_FAILED
    changes = _apply(args, session, platform, plan, ledger)
    everything = changes + plan.skipped
    calls = sum(1 for c in plan.send.values() if c)
    if args.format == "json":
        write(changes_json(everything, calls))
    else:
        write("".join(change_line(c) + "\n" for c in plan.skipped if c.reason == "limit"))
        write(summary_text(everything, calls))
    bad = any(c.result in ("refused", "failed", "unknown") for c in changes)
    return EXIT_FAILED if bad or any(c.reason == "limit" for c in plan.skipped) else EXIT_OK


def _apply(
    args: argparse.Namespace, session: Session, platform: Platform, plan: PlatformPlan,
    ledger: Ledger,
) -> list[Change]:  # fmt: skip
    from wxdash.changes.platform import apply_platform, over_limit, platform_source, settle
    from wxdash.output.changes import change_line
    from wxdash.wechat.client import WeChatClient

    config = session.config_read
    assert config is not None

    def done(results: list[Change]) -> None:
        if args.format == "text":
            write("".join(change_line(c) + "\n" for c in results))

    async def work() -> list[Change]:
        async with WeChatClient(config.network) as client:
            token = platform_source(client, platform, config.token_command_timeout)
            return await apply_platform(client, platform.api_base, token, plan, ledger, done)

    with ledger.locked():  # the budget check and the calls, one run at a time
        settle(ledger, plan.lists)
        over_limit(plan, ledger)
        if not plan.calls:
            return []
        return asyncio.run(work())
