"""The lines under the profile list that count profiles by status, and errors by their tag:
`✓ 922 ok  ✗ 82 error  ✗ 42001 ×70  45009 ×10  network ×2`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from textual.content import Content
from textual.widgets import Static

from wxdash.state import ProfileState, Status, error_tags

# The statuses in the order they are counted, each in its colour.
_SHOWN = (
    (Status.OK, "$text-success"),
    (Status.CACHED, "$text-success"),
    (Status.ERROR, "$text-error"),
    (Status.STALE, "$text-warning"),
    (Status.FETCHING, "$text-accent"),
    (Status.NOT_FETCHED, "$text-muted"),
)


class FleetSummary(Static):
    """How many profiles have each status, wrapped between entries, never inside one."""

    def show(self, states: Iterable[ProfileState]) -> None:
        states = list(states)
        counts = Counter(state.status for state in states)
        statuses = [
            Content.styled(f"{status.mark} {counts[status]} {status.label}", style)
            for status, style in _SHOWN
            if counts[status]
        ]
        tags = error_tags(states)
        errors = [
            Content.styled(f"{Status.ERROR.mark + ' ' if n == 0 else ''}{tag} ×{count}", "$error")
            for n, (tag, count) in enumerate(tags.most_common())
        ]
        lines = self._wrap(statuses) + (self._wrap(errors) if errors else [])
        self.update(Content("\n").join(Content("  ").join(line) for line in lines))

    def _wrap(self, entries: list[Content]) -> list[list[Content]]:
        """Break between entries, never inside one ("not fetched" stays together)."""
        width = max(self.content_region.width, 1)
        lines: list[list[Content]] = [[]]
        for entry in entries:
            used = sum(c.cell_length + 2 for c in lines[-1])
            if lines[-1] and used + entry.cell_length > width:
                lines.append([])
            lines[-1].append(entry)
        return lines
