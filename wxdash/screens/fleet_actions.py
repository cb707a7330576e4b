"""The dashboard's fleet: `r` and `R` fetch, results land, `f` and `s` narrow the list, `Q`."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from textual.app import ScreenStackError
from textual.css.query import NoMatches

from wxdash.fetching import CacheProblems, FetchAbandoned, FetchLanded, QuotaAnswered
from wxdash.fleet import FetchOutcome
from wxdash.i18n import _
from wxdash.safetext import visible
from wxdash.screens.confirm import ConfirmScreen
from wxdash.state import Status
from wxdash.widgets.profile_filter import ProfileFilter
from wxdash.widgets.profile_list import ProfileList

if TYPE_CHECKING:
    from wxdash.screens.dashboard import DashboardScreen as _Dashboard
else:
    _Dashboard = object

# `R` on more profiles than this asks first: each fetch spends daily quota.
ASK_BEFORE_FETCHING = 50
# `s` steps the profile list through these: every profile, then one status at a time.
STATUS_FILTERS = (
    None,
    Status.ERROR,
    Status.STALE,
    Status.NOT_FETCHED,
    Status.OK,
    Status.CACHED,
)


class FleetActions(_Dashboard):
    """Fetching one profile or all, results landing, finding profiles in a long list, and the
    daily quota. Message handlers are found by name: `@on` does not reach into a mixin."""

    def fetch(self, name: str, *, force: bool = False) -> None:
        """Fetch one profile in the background; its result lands on it, shown or not."""
        state = self.states.get(name)
        if state is None:
            return
        state.fetching = True
        self._changed(name)
        self.fetching.fetch(state.profile, force=force)

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
        if self._refuse_offline():
            return
        count = len(self.states)
        if count <= ASK_BEFORE_FETCHING:
            self._fetch_all(True)
            return
        self.app.push_screen(
            ConfirmScreen(
                _("Fetch every profile?"),
                _(
                    "This fetches {n} profiles, {c} at a time. Each fetch counts against its "
                    "mini program's daily quota for the API."
                ).format(n=count, c=self.app.config.concurrency),
                _("Fetch {n}").format(n=count),
            ),
            self._fetch_all,
        )

    def _fetch_all(self, confirmed: bool | None) -> None:
        if not confirmed:
            return
        # The shown profile first, then the rest in list order.
        names = sorted(self.states, key=lambda n: n != self.current)
        profiles = []
        for name in names:
            self.states[name].fetching = True
            profiles.append(self.states[name].profile)
        self.query_one(ProfileList).refresh()
        self.summary_dirty = True
        self.refresh_view()
        self.fetching.fetch_many(profiles)

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
        index = STATUS_FILTERS.index(self.status_filter)
        self.status_filter = STATUS_FILTERS[(index + 1) % len(STATUS_FILTERS)]
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
