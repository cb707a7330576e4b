"""The dashboard's domain changes: a plan (each profile's current lists, fetched where what the
dashboard holds is older than five minutes), then, once the user confirmed it, the calls, each
recorded in the ledger. Both run in workers that report by messages; nothing here draws.

The apply holds the ledger's lock (taken in a thread: another wxdash run may hold it), so the
budget check and the calls are the same as the command line's. `escape` stops a run: no new
call starts, and the calls under way finish, so nothing is left `unknown` by the stop itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from textual.message import Message
from textual.widget import Widget

from wxdash.changes.apply import apply_plans
from wxdash.changes.ledger import Ledger, LockGivenUp
from wxdash.changes.plan import Change, ProfilePlan, over_limit, plan_profile, settle
from wxdash.changes.platform import PlatformCheck, check_platform
from wxdash.fetching import FetchLanded
from wxdash.fleet import FetchOutcome, now
from wxdash.i18n import _
from wxdash.probes.trust import TrustError
from wxdash.safetext import visible
from wxdash.wechat.models import Protocol

if TYPE_CHECKING:
    from wxdash.cache import ResultCache
    from wxdash.changes.confirmcheck import ConfirmCheck
    from wxdash.fleet import Fleet
    from wxdash.profiles import Platform, Profile

# What the dashboard holds may serve a plan if fetched this recently (seconds), as for the CLI.
FRESH = 300.0
# Writes are not reads: at most this many calls at once (the CLI's default).
CONCURRENCY = 8
# Progress is told at most this often (seconds); the end at once.
PROGRESS_EVERY = 0.2


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    """What the user asked: `action` (add, remove) the domains of `wanted`, `via` direct or
    third, for `profiles`."""

    action: str
    via: str
    wanted: tuple[tuple[Protocol, str], ...]
    profiles: tuple[Profile, ...]


@dataclass
class ChangeRun:
    """One request's way: the plans once made, then each call's results as they come."""

    request: ChangeRequest
    stage: str = "planning"  # planning, planned, waiting (for the lock), applying, done
    fetched: int = 0  # profiles whose lists were fetched for the plan, of `to_fetch`
    to_fetch: int = 0
    plans: list[ProfilePlan] = field(default_factory=list)
    check: PlatformCheck | None = None  # a third-party add's, against the platform's lists
    calls_done: int = 0
    results: list[Change] = field(default_factory=list)
    error: str | None = None  # the run could not go on (the lock, the verification check)
    stopped: bool = False
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    started: float = field(default_factory=time.monotonic)

    @property
    def calls(self) -> int:
        return sum(plan.calls for plan in self.plans)

    @property
    def changing(self) -> int:
        """How many profiles the plan changes."""
        return sum(1 for plan in self.plans if plan.calls)

    @property
    def skipped(self) -> list[Change]:
        """What is not sent: nothing to do, over the limit, and (ahead of time) refused."""
        return [change for plan in self.plans for change in (*plan.refused, *plan.skipped)]


class ChangeProgress(Message):
    """A change run moved on: its plan grew, was made, a call came back, or it ended."""

    def __init__(self, run: ChangeRun) -> None:
        super().__init__()
        self.run = run
        self.stage = run.stage


def fresh_outcome(outcome: FetchOutcome, wanted: Sequence[tuple[Protocol, str]]) -> bool:
    """The dashboard's data can serve the plan: fetched lately, both calls' lists if needed."""
    if outcome.report is None or outcome.error is not None:
        return False
    if any(not p.is_server for p, _d in wanted) and outcome.webview is None:
        return False
    return (now() - outcome.fetched_at).total_seconds() < FRESH


def ledger_trouble(error: OSError) -> str:
    """What the user reads when the ledger cannot be read, locked or written."""
    return "\n".join((
        _("The change ledger cannot be used: {error}").format(error=visible(str(error))),
        _("wxdash sends no change it cannot record: make changes.jsonl a regular file of "
          "yours in a folder you can write, then plan again."),
    ))  # fmt: skip


class Changing:
    """Plans and applies domain changes as workers of `owner`, which gets `ChangeProgress`
    (and `FetchLanded` for the lists fetched on the way)."""

    def __init__(
        self,
        owner: Widget,
        fleet: Fleet,
        ledger: Ledger,
        *,
        cache: ResultCache | None,
        confirm: Callable[[], ConfirmCheck | None],
        platform: Callable[[], Platform | None],
    ) -> None:
        self._owner = owner
        self._fleet = fleet
        self.ledger = ledger
        self._cache = cache
        self._confirm = confirm
        self._platform = platform
        self.run: ChangeRun | None = None

    @property
    def busy(self) -> bool:
        """A run is applying: its calls must finish before another plan is made."""
        return self.run is not None and self.run.stage in ("waiting", "applying")

    def plan(self, request: ChangeRequest, known: dict[str, FetchOutcome]) -> ChangeRun:
        """Plan `request`: `known` holds what the dashboard has (by profile name); a profile
        whose data is not fresh is fetched first."""
        run = self.run = ChangeRun(request)
        self._start(partial(self._plan, run, known), "change-plan")
        return run

    def apply(self, run: ChangeRun) -> None:
        run.stage = "waiting"
        self._start(partial(self._apply, run), "change-apply")

    def stop(self) -> bool:
        """Stop the run: a plan is dropped, an apply starts no new call. False if none runs."""
        run = self.run
        if run is None or run.stage in ("planned", "done"):
            return False
        run.stopped = True
        run.stop.set()
        if run.stage == "planning":
            self._owner.workers.cancel_group(self._owner, "change-plan")
            run.stage = "done"
            self._tell(run)
        return True

    def _start(self, work: Callable[[], object], group: str) -> None:
        self._owner.run_worker(work, name=group, group=group, exclusive=True, exit_on_error=False)

    def _tell(self, run: ChangeRun) -> None:
        self._owner.post_message(ChangeProgress(run))

    # -- the plan ------------------------------------------------------------------------

    async def _plan(self, run: ChangeRun, known: dict[str, FetchOutcome]) -> None:
        try:
            await self._planned(run, known)
        except OSError as error:  # the ledger (its budget and recent calls) cannot be read
            run.error = ledger_trouble(error)
            run.stage = "done"
            self._tell(run)

    async def _planned(self, run: ChangeRun, known: dict[str, FetchOutcome]) -> None:
        request = run.request
        outcomes = {}
        stale = []
        for profile in request.profiles:
            outcome = known.get(profile.name)
            if outcome is not None and fresh_outcome(outcome, request.wanted):
                outcomes[profile.name] = outcome
            else:
                stale.append(profile)
        run.to_fetch = len(stale)
        self._tell(run)
        told = time.monotonic()
        async with contextlib.aclosing(self._fleet.fetch_each(stale)) as fetched:
            async for outcome in fetched:
                outcomes[outcome.profile.name] = outcome
                run.fetched += 1
                self._owner.post_message(FetchLanded(outcome))
                if time.monotonic() - told >= PROGRESS_EVERY:
                    told = time.monotonic()
                    self._tell(run)
        if (request.via, request.action) == ("third", "add"):
            run.check = await check_platform(
                self._fleet.client, self._platform(), request.wanted, self._fleet.command_timeout
            )
        ordered = [outcomes[p.name] for p in request.profiles]
        run.plans = await asyncio.to_thread(self._make_plans, request, ordered, run.check)
        run.stage = "planned"
        self._tell(run)

    def _make_plans(
        self, request: ChangeRequest, outcomes: list[FetchOutcome], check: PlatformCheck | None
    ) -> list[ProfilePlan]:
        wanted = list(request.wanted)
        plans = [
            plan_profile(o, wanted, request.via, request.action, self.ledger) for o in outcomes
        ]
        for plan in plans:
            if check is not None:
                check.refuse(plan)
            over_limit(plan)
        return plans

    # -- the calls -----------------------------------------------------------------------

    async def _apply(self, run: ChangeRun) -> None:
        self._tell(run)
        try:
            with contextlib.ExitStack() as held:
                # flock waits for another run to finish: not on the event loop, and given up
                # once the run is stopped (escape, or the app quitting).
                lock = self.ledger.locked(run.stop.is_set)
                await asyncio.to_thread(held.enter_context, lock)
                await self._calls(run)
        except LockGivenUp:
            pass  # stopped while waiting: nothing was sent
        except OSError as error:
            run.error = ledger_trouble(error)
        except asyncio.CancelledError:
            run.stop.set()  # the thread waiting for the lock gives up too
            raise
        finally:
            run.stage = "done"
            self._tell(run)

    async def _calls(self, run: ChangeRun) -> None:
        told = time.monotonic()

        def landed(results: list[Change]) -> None:
            nonlocal told
            run.calls_done += 1
            run.results += results
            if time.monotonic() - told >= PROGRESS_EVERY:  # the end is told at once anyway
                told = time.monotonic()
                self._tell(run)

        for plan in run.plans:
            settle(self.ledger, plan)
            over_limit(plan, self.ledger)
        changing = [plan for plan in run.plans if plan.calls]
        if not changing or run.stop.is_set():
            return
        try:
            confirm = await asyncio.to_thread(self._confirm)
        except TrustError as error:
            run.error = f"{error.message}\n{error.hint}"
            return
        run.stage = "applying"
        self._tell(run)
        self._drop_cached(changing)
        await apply_plans(
            self._fleet, changing, self.ledger, CONCURRENCY, landed, confirm, run.stop
        )

    def _drop_cached(self, plans: list[ProfilePlan]) -> None:
        """The changed profiles' cached lists go out of date: drop them before the calls, so
        a run killed halfway leaves no stale cache for the next plan to trust."""
        if self._cache is None:
            return
        for plan in plans:
            with contextlib.suppress(OSError):
                self._cache.path(plan.profile).unlink(missing_ok=True)
