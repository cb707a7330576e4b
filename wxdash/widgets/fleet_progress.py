"""The line over the footer while a fleet fetch runs (`↻ 312/1,004 ✓ 290 ✗ 22`) or a probe
does (`⌁ 12/30 ✓ 9 ⚠ 1 ✗ 2`), a bar, `esc`."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import ProgressBar, Static

from wxdash.fetching import FleetRun
from wxdash.i18n import _
from wxdash.probing import ProbeRun
from wxdash.styles import stylesheet


class FleetProgressLine(Horizontal):
    """How far the fleet fetch (or a probe) has got; hidden when none runs."""

    DEFAULT_CSS = stylesheet(__file__)

    def compose(self) -> ComposeResult:
        yield Static(id="fleet-progress-counts")
        yield ProgressBar(id="fleet-progress-bar", show_eta=False)
        yield Static(id="fleet-progress-hint")

    def show(self, run: FleetRun | None) -> None:
        """Draw `run`, or hide the line when it is None or has ended."""
        running = run is not None and not run.ended
        self.display = running
        if not running:
            return
        assert run is not None
        probe = isinstance(run, ProbeRun)
        warned: tuple[str, str] | str = ""
        if probe:
            warned = (f"⚠ {run.warnings:,}  ", "$text-warning" if run.warnings else "$text-muted")
        counts = Content.assemble(
            ("⌁ " if probe else "↻ ", "$text-accent"),
            f"{run.done:,}/{run.total:,}  ",
            (f"✓ {run.ok:,}", "$text-success"),
            "  ",
            warned,
            (f"✗ {run.errors:,}", "$text-error" if run.errors else "$text-muted"),
        )
        self.query_one("#fleet-progress-counts", Static).update(counts)
        self.query_one(ProgressBar).update(total=max(run.total, 1), progress=run.done)
        hint = Content.assemble(("esc", "bold"), " ", _("cancel"))
        self.query_one("#fleet-progress-hint", Static).update(hint)
