"""The dashboard's network work: fetching profiles, the cache, quota; it reports by messages.

Every fetch runs in a worker of its own profile's group, so fetching one profile never cancels
another's, and a result always lands on the profile it was fetched for. A fleet fetch (`R`) is
one worker that streams each result as it lands: a thousand workers would each post their own
state changes and keep the screen busy. The screen that owns this object handles its messages;
nothing here draws.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from textual.message import Message
from textual.widget import Widget

from wxdash.cache import ResultCache
from wxdash.fleet import CALLS_PER_FETCH, FetchOutcome, Fleet, QuotaOutcome
from wxdash.profiles import Config, Profile
from wxdash.quota import QuotaBook
from wxdash.wechat.attempts import attempts_told_to
from wxdash.wechat.client import WeChatClient


class FetchLanded(Message):
    """A profile's result arrived, from the network or the cache."""

    def __init__(self, outcome: FetchOutcome) -> None:
        super().__init__()
        self.outcome = outcome


@dataclass
class FetchWait:
    """How long one profile's own fetch has waited, and the attempt its calls are on."""

    started: float = field(default_factory=time.monotonic)
    attempt: int = 1

    @property
    def seconds(self) -> int:
        return int(time.monotonic() - self.started)


class FetchRetried(Message):
    """A profile's own fetch started another attempt (the client backed off and retried)."""

    def __init__(self, profile: Profile, wait: FetchWait) -> None:
        super().__init__()
        self.profile = profile
        self.wait = wait


class FetchAbandoned(Message):
    """A fleet fetch stopped (cancelled, replaced, or the app is quitting) before these
    profiles landed."""

    def __init__(self, profiles: list[Profile]) -> None:
        super().__init__()
        self.profiles = profiles


@dataclass
class FleetRun:
    """How far a fleet fetch has got: `done` of `total` landed, `errors` of them failed."""

    total: int
    waiting: dict[str, Profile] = field(default_factory=dict)  # by name: not landed yet
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    errors: int = 0
    cancelled: bool = False
    ended_after: float | None = None  # seconds, once it has ended

    @property
    def ended(self) -> bool:
        return self.ended_after is not None

    @property
    def ok(self) -> int:
        return self.done - self.errors

    @property
    def seconds(self) -> float:
        """How long it ran, or has run so far."""
        return self.ended_after if self.ended_after is not None else time.monotonic() - self.started


class FleetProgress(Message):
    """A fleet fetch started, moved on, or (`ended`) ended, maybe `run.cancelled`. The run
    goes on changing while the message waits in the queue: only the last one says `ended`."""

    def __init__(self, run: FleetRun) -> None:
        super().__init__()
        self.run = run
        self.ended = run.ended


# A fleet fetch reports its progress at most this often (seconds); its end at once.
PROGRESS_EVERY = 0.2


class QuotaAnswered(Message):
    """WeChat answered (or failed to answer) how much of a profile's daily quota is left."""

    def __init__(self, outcome: QuotaOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class CacheProblems(Message):
    """Cache files that could not be read (they were set aside), one line each."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines


class Fetching:
    """Starts the dashboard's fetches and quota calls as workers of `owner`, which receives
    their results as messages. The demo keeps nothing on disk: pass no cache, a fresh book."""

    def __init__(
        self, owner: Widget, config: Config, *, cache: ResultCache | None, quota: QuotaBook
    ) -> None:
        self._owner = owner
        connections = max(config.concurrency, 8) * CALLS_PER_FETCH
        self._client = WeChatClient(config.network, max_connections=connections)
        self.fleet = Fleet(
            self._client,
            concurrency=config.concurrency,
            command_timeout=config.token_command_timeout,
            quota=quota,
        )
        self.cache = cache
        self.run: FleetRun | None = None  # the last fleet fetch
        self._waits: dict[str, FetchWait] = {}  # by name: the profiles fetched on their own

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- one profile, many profiles -------------------------------------------------------

    def fetch(self, profile: Profile, *, force: bool = False) -> None:
        """Fetch one profile. Unless `force`, an appid whose daily quota is used up is not
        called (its error says so)."""
        wait = self._waits[profile.name] = FetchWait()
        self._owner.run_worker(
            partial(self._fetch, profile, force, wait),
            name=f"fetch {profile.name}",
            group=f"fetch:{profile.name}",
            exclusive=True,
            exit_on_error=False,
        )

    async def _fetch(self, profile: Profile, force: bool, wait: FetchWait) -> None:
        def attempted(attempt: int) -> None:
            # The profile's two calls each say so: the one furthest on counts.
            if attempt > wait.attempt:
                wait.attempt = attempt
                self._owner.post_message(FetchRetried(profile, wait))

        try:
            with attempts_told_to(attempted):
                outcome = await self.fleet.fetch_bounded(profile, force=force)
        finally:
            if self._waits.get(profile.name) is wait:
                del self._waits[profile.name]
        await self._keep(outcome)
        self._owner.post_message(FetchLanded(outcome))

    def waiting(self, profile: Profile) -> FetchWait | None:
        """How this profile's own fetch is going; None unless one is in flight."""
        return self._waits.get(profile.name)

    def fetch_many(self, profiles: list[Profile]) -> None:
        """Fetch these profiles, `concurrency` at a time, in this order; a second call
        replaces the first. Its progress comes as `FleetProgress` messages."""
        self.run = FleetRun(total=len(profiles), waiting={p.name: p for p in profiles})
        self._owner.run_worker(
            partial(self._fetch_many, profiles, self.run),
            name="fetch all",
            group="fetch-all",
            exclusive=True,
            exit_on_error=False,
        )

    @property
    def fleet_running(self) -> bool:
        return self.run is not None and not self.run.ended

    def cancel_fleet(self) -> bool:
        """Stop the fleet fetch: nothing new starts, what landed stays; False if none runs."""
        if not self.fleet_running:
            return False
        assert self.run is not None
        self.run.cancelled = True
        self._owner.workers.cancel_group(self._owner, "fetch-all")
        return True

    def queued(self, name: str) -> bool:
        """The running fleet fetch has yet to fetch this profile."""
        return self.fleet_running and name in self.run.waiting  # type: ignore[union-attr]

    def cancel(self, profile: Profile) -> bool:
        """Stop fetching one profile; False if it was not being fetched on its own."""
        self._waits.pop(profile.name, None)
        return bool(self._owner.workers.cancel_group(self._owner, f"fetch:{profile.name}"))

    async def _fetch_many(self, profiles: list[Profile], run: FleetRun) -> None:
        self._owner.post_message(FleetProgress(run))
        reported = run.started
        try:
            async for outcome in self.fleet.fetch_each(profiles):
                run.waiting.pop(outcome.profile.name, None)
                run.done += 1
                run.errors += not outcome.ok
                await self._keep(outcome)
                self._owner.post_message(FetchLanded(outcome))
                if (now := time.monotonic()) - reported >= PROGRESS_EVERY:
                    reported = now
                    self._owner.post_message(FleetProgress(run))
        finally:
            left = list(run.waiting.values())
            run.waiting.clear()
            if left:
                self._owner.post_message(FetchAbandoned(left))
            run.ended_after = time.monotonic() - run.started
            self._owner.post_message(FleetProgress(run))

    async def _keep(self, outcome: FetchOutcome) -> None:
        if self.cache is not None:
            await asyncio.to_thread(self.cache.save, outcome)
        self.report_cache_problems()

    # -- the cache ------------------------------------------------------------------------

    def cached(self, profile: Profile) -> FetchOutcome | None:
        """This profile's cached result, read now (for the first frame)."""
        return self.cache.load(profile) if self.cache is not None else None

    def load_cached(self, profiles: Iterable[Profile]) -> None:
        """Every one of these profiles' cached results, read off the event loop (there may be
        1,000), each posted as it is read."""
        if self.cache is not None:
            read = partial(self._read_cache, list(profiles))
            self._owner.run_worker(read, thread=True, group="cache", exit_on_error=False)

    def _read_cache(self, profiles: list[Profile]) -> None:
        assert self.cache is not None
        for profile in profiles:
            outcome = self.cache.load(profile)
            if outcome is not None:
                self._owner.post_message(FetchLanded(outcome))
        self.report_cache_problems()

    def report_cache_problems(self) -> None:
        """Tell what was discarded or refused in the cache folder (results and quota; the
        quota file is read by the first fetch, which tells it)."""
        lines = []
        for problems in (self.cache.problems if self.cache else [], self.fleet.quota.problems):
            lines.extend(problems)
            problems.clear()
        if lines:
            self._owner.post_message(CacheProblems(lines))

    # -- quota ----------------------------------------------------------------------------

    def check_quota(self, profile: Profile) -> None:
        self._owner.run_worker(
            partial(self._quota, profile),
            name=f"quota {profile.name}",
            group=f"quota:{profile.name}",
            exclusive=True,
            exit_on_error=False,
        )

    async def _quota(self, profile: Profile) -> None:
        self._owner.post_message(QuotaAnswered(await self.fleet.check_quota(profile)))
