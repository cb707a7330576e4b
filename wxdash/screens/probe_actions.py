"""The dashboard's probes: `h` probes the shown profile's hosts, `H` opens the Health screen
(which probes the fleet's); results mark the trees as they land, and `escape` stops a probe."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wxdash.i18n import _, ngettext
from wxdash.probes import targets_of
from wxdash.probing import ProbeProgress, ProbeRefused, ProbeRun, ProbesKept
from wxdash.safetext import visible
from wxdash.screens.health import HealthScreen
from wxdash.wechat.models import Group
from wxdash.widgets.fleet_progress import FleetProgressLine

if TYPE_CHECKING:
    from wxdash.screens.dashboard import DashboardScreen as _Dashboard
else:
    _Dashboard = object


class ProbeActions(_Dashboard):
    """Probing a profile's hosts or the fleet's, and showing what the probes found. Message
    handlers are found by name: `@on` does not reach into a mixin."""

    def action_probe(self) -> None:
        """Probe every host of the shown profile, all groups' (each host once)."""
        state = self.shown_state()
        if state is None:
            return
        name = visible(state.profile.name)
        if state.view is None:
            self.notify(
                _("Nothing to probe yet: {name} has no domains fetched.").format(name=name),
                severity="warning",
                markup=False,
            )
            return
        targets = targets_of([state.outcome()], tuple(Group))
        if not targets:
            self.notify(_("{name} lists no host to probe.").format(name=name), markup=False)
            return
        self.probing.probe(targets, state.profile.name)
        self.notify(
            ngettext(
                "Probing {n} host of {name}…", "Probing {n} hosts of {name}…", len(targets)
            ).format(n=f"{len(targets):,}", name=name),
            timeout=3,
            markup=False,
        )

    def probe_fleet(self) -> ProbeRun | None:
        """Probe the live (effective) hosts of every fetched profile; None if there are none."""
        outcomes = [s.outcome() for s in self.states.values() if s.view is not None]
        targets = targets_of(outcomes, (Group.EFFECTIVE,))
        if not targets:
            self.notify(
                _("Nothing to probe: no fetched profile has a live host. Press R to fetch."),
                severity="warning",
            )
            return None
        return self.probing.probe(targets)

    def cancel_probes(self) -> bool:
        """Stop every running probe (what landed stays); False if none runs."""
        return self.probing.cancel()

    def action_health(self) -> None:
        screen = HealthScreen(
            self.probing.book,
            list(self.states.values()),
            self.probe_fleet,
            self.cancel_probes,
            self.probing.running(None),
        )
        self.app.push_screen(screen, self._health_chosen)

    def _health_chosen(self, name: str | None) -> None:
        if name is not None:
            self.switch_to(name)
            self.tree().focus()

    # -- results landing -----------------------------------------------------------------

    def on_probes_kept(self, event: ProbesKept) -> None:
        self.probing.keep_older(event.results)
        self.redraw_trees()

    def on_probe_refused(self, event: ProbeRefused) -> None:
        self.notify(
            f"{event.message}\n{event.hint}",
            title=_("Cannot probe"),
            severity="error",
            timeout=12,
            markup=False,
        )

    def on_probe_progress(self, event: ProbeProgress) -> None:
        run = event.run
        self.redraw_trees()  # only a tree whose marks changed is drawn again
        if not self.fetching.fleet_running:  # the fleet fetch's line wins
            running = self.probing.runs
            self.query_one(FleetProgressLine).show(running[-1] if running else run)
        for screen in self.app.screen_stack:
            if isinstance(screen, HealthScreen):
                screen.show_progress(run)
        if event.ended:
            self._probe_ended(run)

    def _probe_ended(self, run: ProbeRun) -> None:
        counts = {
            "n": f"{run.total:,}",
            "done": f"{run.done:,}",
            "failing": f"{run.errors:,}",
            "warning": f"{run.warnings:,}",
            "fine": f"{run.ok:,}",
        }
        if run.cancelled:
            text = _(
                "Probe stopped after {done} of {n} hosts: {failing} failing, {warning} with "
                "warnings, {fine} fine; what was probed is kept."
            ).format(**counts)
        elif run.done < run.total:
            return  # replaced by a newer probe, or refused: that one says so
        else:
            text = ngettext(
                "Probed {n} host: {failing} failing, {warning} with warnings, {fine} fine",
                "Probed {n} hosts: {failing} failing, {warning} with warnings, {fine} fine",
                run.total,
            ).format(**counts)
        if run.profile is not None:
            text = f"{visible(run.profile)}: {text}"
        severity = "error" if run.errors else "warning" if run.warnings else "information"
        self.notify(text, severity=severity, markup=False)
