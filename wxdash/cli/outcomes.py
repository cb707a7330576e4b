"""The profiles' outcomes for a command: fetched (or cached), printed in order, failures told."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from wxdash.cli.session import Session, no_offline_demo
from wxdash.i18n import _
from wxdash.profiles import Config, Profile

if TYPE_CHECKING:
    from wxdash.cache import ResultCache
    from wxdash.fleet import FetchOutcome, Fleet, QuotaOutcome
    from wxdash.wechat.errors import WxDashError


@contextlib.asynccontextmanager
async def _fleet(session: Session, concurrency: int) -> AsyncIterator[Fleet]:
    """A Fleet on the session's config, with one pooled client for the whole command."""
    from wxdash.fleet import CALLS_PER_FETCH, Fleet
    from wxdash.quota import QuotaBook
    from wxdash.wechat.client import WeChatClient

    config = session.config_read
    assert config is not None
    # The demo keeps nothing on disk; a real run remembers used-up quotas for the next one.
    book = QuotaBook() if session.demo is not None else QuotaBook.in_cache()
    connections = concurrency * CALLS_PER_FETCH
    try:
        async with WeChatClient(config.network, max_connections=connections) as client:
            yield Fleet(
                client,
                concurrency=concurrency,
                command_timeout=config.token_command_timeout,
                quota=book,
            )
    finally:
        _tell(book.problems)


def _tell(problems: list[str]) -> None:
    """Warnings about local files wxdash discarded or would not use, on stderr."""
    for problem in problems:
        print("wxdash: " + _("warning: {problem}").format(problem=problem), file=sys.stderr)
    problems.clear()


async def _fetch(
    session: Session,
    profiles: list[Profile],
    concurrency: int,
    landed: Callable[[FetchOutcome], None] | None = None,
) -> list[FetchOutcome]:
    async with _fleet(session, concurrency) as fleet:
        # Commands without --ignore-quota (any but fetch) respect the quota stop.
        force = getattr(session.args, "ignore_quota", False)
        return await fleet.fetch_all(profiles, force=force, landed=landed)


async def quotas(session: Session, profiles: list[Profile], concurrency: int) -> list[QuotaOutcome]:
    """Each profile's daily quota of get_effective_domain, asked `concurrency` at a time."""
    async with _fleet(session, concurrency) as fleet:
        limit = asyncio.Semaphore(concurrency)

        async def one(profile: Profile) -> QuotaOutcome:
            async with limit:
                return await fleet.check_quota(profile)

        return list(await asyncio.gather(*(one(p) for p in profiles)))


def _lint(outcome: FetchOutcome) -> None:
    """Lint the lists now, while other fetches wait on the network; output needs them next."""
    outcome.view()


def _cached(
    session: Session, cache: ResultCache, profiles: list[Profile], max_age: float | None
) -> dict[int, FetchOutcome]:
    """The outcomes the cache answers for, by index: all under --offline (a miss is an outcome
    too), else those younger than `max_age` seconds."""
    from wxdash.fleet import now

    found: dict[int, FetchOutcome] = {}
    if not (session.args.offline or max_age is not None):
        return found
    moment = now()
    for index, profile in enumerate(profiles):
        cached = cache.load(profile)
        if session.args.offline:
            found[index] = cached or cache.miss(profile)
        elif cached is not None and (moment - cached.fetched_at).total_seconds() < max_age:
            found[index] = cached
    return found


def gather(
    session: Session,
    profiles: list[Profile],
    *,
    max_age: float | None = None,
    landed: Callable[[int, FetchOutcome], None] | None = None,
) -> list[FetchOutcome]:
    """The profiles' outcomes: fetched, or from the cache under --offline (or where a cached
    result is younger than `max_age` seconds). Fetched results refresh the cache. `landed`
    hears of each outcome (with its index) as soon as it is known, while others are fetched."""
    from wxdash.cache import ResultCache

    args, config = session.args, session.config_read
    assert config is not None
    if args.demo:
        no_offline_demo(args)
    cache = None if args.demo else ResultCache()  # the demo keeps nothing on disk
    outcomes: dict[int, FetchOutcome] = {}

    def known(index: int, outcome: FetchOutcome) -> None:
        outcomes[index] = outcome
        if landed is not None:
            landed(index, outcome)

    if cache is not None:
        for index, outcome in _cached(session, cache, profiles, max_age).items():
            known(index, outcome)
    wanted: dict[int, list[int]] = {}  # a profile (by identity) and where it is in the list
    for index, profile in enumerate(profiles):
        if index not in outcomes:
            wanted.setdefault(id(profile), []).append(index)
    if wanted:

        def fetched(outcome: FetchOutcome) -> None:
            _lint(outcome)
            if cache is not None:
                cache.save(outcome)
            for index in wanted[id(outcome.profile)]:
                known(index, outcome)

        concurrency = args.concurrency or config.concurrency
        fetching = [profiles[indexes[0]] for indexes in wanted.values()]
        _collect_less()
        asyncio.run(_fetch(session, fetching, concurrency, fetched))
    if cache is not None:
        _tell(cache.problems)
    return [outcomes[i] for i in range(len(profiles))]


def _collect_less() -> None:
    """Before a fetch: what exists now (modules, the config, its profiles) lives until the
    command ends, so the collector need not walk it again (`gc.freeze`); and the outcomes
    that come in are kept, not garbage, so young objects can wait longer before a collection.
    A 1,000-profile fetch spent 63 ms collecting; now 22 ms."""
    gc.freeze()
    gc.set_threshold(5000, 20, 20)


class InOrder:
    """Writes each profile's text as soon as it and every profile before it are known, so
    a long fleet's output starts at once and stays in the config's order."""

    def __init__(self, count: int, render: Callable[[FetchOutcome], str]) -> None:
        self._texts: list[str | None] = [None] * count
        self._render = render
        self._next = 0

    def __call__(self, index: int, outcome: FetchOutcome) -> None:
        self._texts[index] = self._render(outcome)
        start = self._next
        while self._next < len(self._texts) and (text := self._texts[self._next]) is not None:
            sys.stdout.write(text if self._next == 0 else "\n" + text)  # a blank line between
            self._texts[self._next] = ""
            self._next += 1
        if self._next > start:
            sys.stdout.flush()  # a pipe would hold it back until the end


def report_failures(outcomes: list[FetchOutcome], *, webview: bool = True) -> bool:
    """Print each failed call's error on stderr; True if a server-domain call failed."""
    from wxdash.output import describe_error, error_text, webview_error

    for outcome in outcomes:
        if outcome.error is not None:
            print(error_text(outcome), file=sys.stderr)
        if webview and (error := webview_error(outcome)) is not None:
            print(describe_error(outcome.profile.name, error, "webview"), file=sys.stderr)
    return any(not o.ok for o in outcomes)


class _Answered(Protocol):
    """A profile's answer to one kind of call: a quota, a verification file."""

    @property
    def profile(self) -> Profile: ...

    @property
    def error(self) -> WxDashError | None: ...


def exit_after(outcomes: Sequence[_Answered], config: Config) -> int:
    """Tell each failed profile's error on stderr (with its hint); the exit code: 2 for a
    config with errors, else 1 if a profile failed, else 0."""
    from wxdash.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, worst
    from wxdash.output import describe_error

    failed = [(o.profile, o.error) for o in outcomes if o.error is not None]
    for profile, error in failed:
        print(describe_error(profile.name, error), file=sys.stderr)
    return worst(EXIT_FAILED if failed else EXIT_OK, EXIT_USAGE if config.errors else EXIT_OK)


def open_fleet(session: Session, concurrency: int) -> contextlib.AbstractAsyncContextManager[Fleet]:
    """A Fleet on the session's config, with one pooled client, for commands that write."""
    return _fleet(session, concurrency)
