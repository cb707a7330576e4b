"""The dashboard's fleet: `r` and `R` fetch, results land, `f` and `s` narrow the list, `Q`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.app import ScreenStackError
from textual.css.query import NoMatches
from textual.timer import Timer

from wxdash.fetching import (
    CacheProblems,
    FetchAbandoned,
    FetchLanded,
    FetchRetried,
    FleetProgress,
    FleetRun,
    QuotaAnswered,
)
from wxdash.fleet import FetchOutcome
from wxdash.i18n import _
from wxdash.safetext import visible
from wxdash.screens.confirm import ConfirmScreen
from wxdash.state import ListFilter, ProfileState, Status, error_tags
from wxdash.widgets.fleet_progress import FleetProgressLine
from wxdash.widgets.profile_filter import ProfileFilter
from wxdash.widgets.profile_header import ProfileHeader
from wxdash.widgets.profile_list import ProfileList

if TYPE_CHECKING:
    from wxdash.screens.dashboard import DashboardScreen as _Dashboard
else:
    _Dashboard = object

# `R` on more profiles than this asks first: each fetch spends daily quota.
ASK_BEFORE_FETCHING = 50
# `s` steps the profile list through the statuses some profile has, in this order; after
# errors, through each error's tag (`42001`, `network`), most common first.
STATUS_ORDER = (Status.ERROR, Status.STALE, Status.NOT_FETCHED, Status.OK, Status.CACHED)


def status_filters(states: Iterable[ProfileState]) -> list[ListFilter | None]:
    """What `s` steps through for these profiles: all of them first."""
    states = list(states)
    present = {state.settled_status for state in states}
    tags = error_tags(states)
    steps: list[ListFilter | None] = [None]
    for status in STATUS_ORDER:
        if status in present:
            steps.append(ListFilter(status))
        if status == Status.ERROR:
            steps.extend(ListFilter(tag=tag) for tag, _count in tags.most_common())
    return steps


class FleetActions(_Dashboard):
    """Fetching one profile or all, results landing, finding profiles in a long list, and the
    daily quota. Message handlers are found by name: `@on` does not reach into a mixin."""

    _wait_timer: Timer | None = None  # ticks while the shown profile's own fetch waits

    def fetch(self, name: str, *, force: bool = False) -> None:
        """Fetch one profile in the background; its result lands on it, shown or not."""
        state = self.states.get(name)
        if state is None:
            return
        state.fetching = True
        self.fetching.fetch(state.profile, force=force)
        self._changed(name)

    def _fetch_if_resting(self, name: str) -> None:
        if name == self.current and self._wants_fetch(name):
            # Quitting: the timer can outlive the screen's widgets.
            with contextlib.suppress(NoMatches, ScreenStackError):
                self.fetch(name)

    def _wants_fetch(self, name: str) -> bool:
        """Shown and never fetched in this session (cached data is refreshed in the background)."""
        state = self.states.get(name)
        if state is None or self.offline:
            return False
        return state.status in (Status.NOT_FETCHED, Status.CACHED)

    def waited(self) -> tuple[int, int] | None:
        """The shown profile's own fetch, while it is in flight: its attempt and seconds."""
        state = self.shown_state()
        wait = None if state is None or not state.fetching else self.fetching.waiting(state.profile)
        return None if wait is None else (wait.attempt, wait.seconds)

    def time_the_wait(self) -> tuple[int, int] | None:
        """Tick once a second while the shown profile's own fetch waits, and only then;
        return `waited()`."""
        waited = self.waited()
        if waited is None and self._wait_timer is not None:
            self._wait_timer.stop()
            self._wait_timer = None
        elif waited is not None and self._wait_timer is None:
            self._wait_timer = self.set_interval(1, self._tick_wait)
        return waited

    def _tick_wait(self) -> None:
        self.query_one(ProfileHeader).show_wait(self.time_the_wait())

    def on_fetch_retried(self, event: FetchRetried) -> None:
        if event.profile.name == self.current:
            self.query_one(ProfileHeader).show_wait(self.waited())

    def on_fetch_landed(self, event: FetchLanded) -> None:
        self.land(event.outcome)

    def land(self, outcome: FetchOutcome) -> None:
        """Put a result on the profile it was fetched for (which may no longer be on screen)."""
        state = self.states.get(outcome.profile.name)
        if state is None or state.profile != outcome.profile:
            return  # the profile was edited or deleted while the fetch ran
        if outcome.source == "cache" and (state.fetching or state.fetched_at is not None):
            return  # the network got there first
        state.land(outcome)
        self._changed(state.profile.name)

    def on_fetch_abandoned(self, event: FetchAbandoned) -> None:
        """What did not land is not fetching any more."""
        for profile in event.profiles:
            if self.fetching.queued(profile.name):
                continue  # a newer fleet fetch has it in its queue
            state = self.states.get(profile.name)
            if state is not None and state.profile == profile and state.fetching:
                state.fetching = False
                self._changed(profile.name)

    def on_cache_problems(self, event: CacheProblems) -> None:
        shown = "\n".join(event.lines[:3])
        self.notify(shown, title=_("Cache"), severity="warning", timeout=10, markup=False)

    def _refuse_offline(self) -> bool:
        if self.offline:
            self.notify(
                _("Offline: showing the cache. Start wxdash without --offline to fetch."),
                severity="warning",
            )
        return self.offline

    def action_refetch(self) -> None:
        # Asked for by name: called even if WeChat said its quota was used up (it may be reset).
        if self.current is not None and not self._refuse_offline():
            self.fetch(self.current, force=True)

    def action_refetch_all(self) -> None:
        """Fetch every profile the list shows (all of them, or those `f` and `s` leave)."""
        self._fetch_fleet([s.profile.name for s in self.query_one(ProfileList).shown_states])

    def action_refetch_failed(self) -> None:
        failed = [name for name, state in self.states.items() if state.error is not None]
        if not failed:
            self.notify(_("No profile has an error."), timeout=3)
            return
        self._fetch_fleet(failed)

    def _fetch_fleet(self, names: list[str]) -> None:
        if self._refuse_offline() or not names:
            return
        count = len(names)
        if count <= ASK_BEFORE_FETCHING:
            self._fetch_names(names, True)
            return
        self.app.push_screen(
            ConfirmScreen(
                _("Fetch every profile?")
                if count == len(self.states)
                else _("Fetch {n} profiles?").format(n=count),
                _(
                    "This fetches {n} profiles, {c} at a time. Each fetch counts against its "
                    "mini program's daily quota for the API."
                ).format(n=count, c=self.app.config.concurrency),
                _("Fetch {n}").format(n=count),
            ),
            partial(self._fetch_names, names),
        )

    def _fetch_names(self, names: list[str], confirmed: bool | None) -> None:
        if not confirmed:
            return
        # The shown profile first, then the rest in list order.
        names = sorted((n for n in names if n in self.states), key=lambda n: n != self.current)
        profiles = []
        for name in names:
            self.states[name].fetching = True
            profiles.append(self.states[name].profile)
        self.query_one(ProfileList).refresh()
        self.summary_dirty = True
        self.refresh_view()
        self.fetching.fetch_many(profiles)

    def action_cancel_fetch(self) -> None:
        """Stop the fleet fetch, or else the shown profile's own fetch, or else the probes."""
        if self.fetching.cancel_fleet():
            return  # the fleet's end message says what was kept
        state = self.shown_state()
        if state is not None and state.fetching and self.fetching.cancel(state.profile):
            state.fetching = False
            self._changed(state.profile.name)
            self.notify(
                _("Stopped fetching {name}.").format(name=visible(state.profile.name)),
                timeout=3,
                markup=False,
            )
            return
        self.cancel_probes()  # their end messages say what was kept

    def on_fleet_progress(self, event: FleetProgress) -> None:
        run = event.run
        if run is not self.fetching.run:
            return  # a fleet fetch a newer one replaced
        self.query_one(FleetProgressLine).show(run)
        if event.ended:
            self._fleet_ended(run)

    def _fleet_ended(self, run: FleetRun) -> None:
        counts = {"n": f"{run.total:,}", "ok": f"{run.ok:,}", "errors": f"{run.errors:,}"}
        seconds = f"{run.seconds:.0f}"
        if run.cancelled:
            text = _(
                "Cancelled after {done} of {n}: {ok} ok, {errors} errors; "
                "the other {left} keep what they had."
            ).format(done=f"{run.done:,}", left=f"{run.total - run.done:,}", **counts)
        else:
            text = _("Fetched {n}: {ok} ok, {errors} errors in {s} s").format(s=seconds, **counts)
        self.notify(text, severity="error" if run.errors else "information", markup=False)

    def action_key_filter_profiles(self) -> None:
        self.skip_while_typing()
        self.action_filter_profiles()

    def action_filter_profiles(self) -> None:
        if not self.sidebar_shown():
            self.toggle_class("sidebar-flipped")
        self.query_one(ProfileFilter).open()

    def on_profile_filter_filter_changed(self, event: ProfileFilter.FilterChanged) -> None:
        self.query_one(ProfileList).set_filter(event.text, self.status_filter)
        self.draw_title()

    def on_profile_filter_done(self) -> None:
        self.query_one(ProfileList).focus()

    def action_cycle_status(self) -> None:
        steps = status_filters(self.states.values())
        index = steps.index(self.status_filter) if self.status_filter in steps else 0
        self.status_filter = steps[(index + 1) % len(steps)]
        text = self.query_one(ProfileFilter).value
        self.query_one(ProfileList).set_filter(text, self.status_filter)
        self.draw_title()
        if not self.sidebar_shown():
            self.toggle_class("sidebar-flipped")

    def action_quota(self) -> None:
        state = self.shown_state()
        if state is None:
            return
        self.notify(
            _("Asking WeChat for the daily quota of {name}…").format(
                name=visible(state.profile.name)
            ),
            timeout=3,
            markup=False,
        )
        self.fetching.check_quota(state.profile)

    def on_quota_answered(self, event: QuotaAnswered) -> None:
        outcome = event.outcome
        name = visible(outcome.profile.name)
        if outcome.quota is None:
            error = outcome.error
            assert error is not None
            text = visible(error.message) + (f"\n{error.hint}" if error.hint else "")
            self.notify(
                text,
                title=_("Quota of {name}: not available").format(name=name),
                severity="error",
                timeout=12,
                markup=False,
            )
            return
        quota = outcome.quota
        lines = [
            _("{used} of {limit} calls used today, {remain} left").format(
                used=f"{quota.used:,}", limit=f"{quota.daily_limit:,}", remain=f"{quota.remain:,}"
            ),
            _("get_effective_domain; resets at midnight Beijing time"),
        ]
        self.notify(
            "\n".join(lines),
            title=_("Daily quota of {name}").format(name=name),
            severity="warning" if quota.remain == 0 else "information",
            timeout=12,
            markup=False,
        )
