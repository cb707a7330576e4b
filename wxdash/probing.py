"""The dashboard's probes: a profile's hosts (`h`) or the fleet's (the Health screen), each run
in a worker that reports by messages, and the results kept in `probes.json` (not by the demo).

A run reports its progress as `ProbeProgress` messages (at most twice a second, its end at
once) and puts each result in the `HealthBook` as it lands, so the trees mark domains while
the run goes on. `escape` sets a run's cancel event: the probes still going stop, and what
landed is kept. Nothing here draws.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from textual.message import Message
from textual.widget import Widget

from wxdash.fetching import CacheProblems, FleetRun
from wxdash.probes import (
    HostMap,
    HostResult,
    ProbeSettings,
    ProbeStore,
    Target,
    Trust,
    TrustError,
    probe_all,
)
from wxdash.probes.marks import HealthBook

# A probe's progress is told at most this often (seconds): each time marks the tree anew.
PROGRESS_EVERY = 0.5
# What a probe connects through: the host map (`--resolve`, `--connect-to`, or the demo's) and
# the trust store. Made in a thread on the first probe: certifi's file, or the demo's servers.
Setup = Callable[[], tuple[HostMap, Trust]]


@dataclass
class ProbeRun(FleetRun):
    """How far a probe has got: `done` of `total` hosts, `errors` failing, `warnings` warned.
    `profile` is the profile probed with `h`; None for the fleet."""

    profile: str | None = None
    warnings: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ok(self) -> int:
        return self.done - self.errors - self.warnings

    def count(self, result: HostResult) -> None:
        self.done += 1
        self.errors += result.status == "fail"
        self.warnings += result.status == "warn"


class ProbeProgress(Message):
    """A probe started, moved on (results are in the book), or (`ended`) ended."""

    def __init__(self, run: ProbeRun) -> None:
        super().__init__()
        self.run = run
        self.ended = run.ended


class ProbesKept(Message):
    """The results kept in `probes.json`, read at start."""

    def __init__(self, results: list[HostResult]) -> None:
        super().__init__()
        self.results = results


class ProbeRefused(Message):
    """A probe could not start: the trusted certificates could not be loaded."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__()
        self.message = message
        self.hint = hint


class Probing:
    """Starts the dashboard's probes as workers of `owner`; `book` holds every result known."""

    def __init__(
        self,
        owner: Widget,
        setup: Setup,
        settings: ProbeSettings,
        store: ProbeStore | None,
    ) -> None:
        self._owner = owner
        self._setup = setup
        self._ready: tuple[HostMap, Trust] | None = None
        self._lock = threading.Lock()  # one setup, one save at a time
        self.settings = settings
        self.store = store
        self.book = HealthBook()
        self.runs: list[ProbeRun] = []  # running, oldest first

    def load_kept(self) -> None:
        """Read `probes.json` off the event loop; its results come as `ProbesKept`."""
        if self.store is not None:
            read = self._read
            self._owner.run_worker(read, thread=True, group="probes-kept", exit_on_error=False)

    def _read(self) -> None:
        assert self.store is not None
        results = list(self.store.load().values())
        if results:
            self._owner.post_message(ProbesKept(results))
        self._report_store_problems()

    def keep_older(self, results: Sequence[HostResult]) -> None:
        """Put results read from the file in the book, unless this session probed them since."""
        known = self.book.results
        self.book.put(r for r in results if r.key not in known)

    def probe(self, targets: Sequence[Target], profile: str | None = None) -> ProbeRun:
        """Probe these hosts; a second probe of the same profile (or of the fleet) replaces
        the first."""
        run = ProbeRun(total=len(targets), profile=profile)
        self.runs.append(run)
        group = "probe-fleet" if profile is None else f"probe:{profile}"
        self._owner.run_worker(
            partial(self._probe, list(targets), run),
            name=f"probe {profile or 'fleet'}",
            group=group,
            exclusive=True,
            exit_on_error=False,
        )
        return run

    def running(self, profile: str | None = None) -> ProbeRun | None:
        """The running probe of this profile (None: of the fleet)."""
        return next((r for r in reversed(self.runs) if r.profile == profile), None)

    def cancel(self) -> bool:
        """Stop every running probe; what landed stays. False if none runs."""
        for run in self.runs:
            run.cancelled = True
            run.stop.set()
        return bool(self.runs)

    def _prepare(self) -> tuple[HostMap, Trust]:
        with self._lock:
            if self._ready is None:
                hosts, trust = self._setup()
                trust.load()
                self._ready = hosts, trust
            return self._ready

    async def _tell_progress(self, run: ProbeRun) -> None:
        """Say how far the run has got, each time something landed, at most so often."""
        told = 0
        while True:
            await asyncio.sleep(PROGRESS_EVERY)
            if run.done != told:
                told = run.done
                self._owner.post_message(ProbeProgress(run))

    async def _probe(self, targets: list[Target], run: ProbeRun) -> None:
        self._owner.post_message(ProbeProgress(run))
        landed: list[HostResult] = []

        def heard(result: HostResult, _done: int, _total: int) -> None:
            landed.append(result)
            run.count(result)
            self.book.put((result,))

        ticking = asyncio.ensure_future(self._tell_progress(run))
        try:
            hosts, trust = await asyncio.to_thread(self._prepare)
            await probe_all(
                targets,
                hosts=hosts,
                trust=trust,
                settings=self.settings,
                progress=heard,
                cancel=run.stop,
            )
            await asyncio.to_thread(self._keep, landed)
        except TrustError as error:
            self._owner.post_message(ProbeRefused(error.message, error.hint))
        finally:
            ticking.cancel()
            if run in self.runs:
                self.runs.remove(run)
            run.ended_after = time.monotonic() - run.started
            self._owner.post_message(ProbeProgress(run))

    def _keep(self, results: list[HostResult]) -> None:
        if self.store is None:
            return
        with self._lock:
            self.store.save(results)
        self._report_store_problems()

    def _report_store_problems(self) -> None:
        if self.store is not None and self.store.problems:
            lines = list(self.store.problems)
            self.store.problems.clear()
            self._owner.post_message(CacheProblems(lines))
