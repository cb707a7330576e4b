"""The Compare tab: per protocol, each domain once, marked under each group that lists it.

A row reads `https://api.example.com   ✓  ✓  ·  ·   + takes effect at next release (mp)`:
present (✓) or absent (·) in Effective, MP, Third-party and Direct, `?` where the API did not
return that list, then the Pending note where effective and configured differ. Once some of
the rows' hosts are probed, a Health column before the notes holds each one's mark as the group
trees show it (`✓`, `⚠ expires in 12 days`; cut to end in `…` where the notes, shortest, would
not fit beside them), and the header says it in full while the cursor is on its row. The columns
line up under each protocol's title; a screen too narrow for them scrolls sideways.
"""

from __future__ import annotations

from functools import partial

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Span, Text

from wxdash.compare import CompareRow, Comparison
from wxdash.i18n import _
from wxdash.insight import Change
from wxdash.output import change_note, pad, width
from wxdash.output.diff import NOTE_BREVITIES, note_brevity
from wxdash.probes.marks import HealthBook, short_mark
from wxdash.probes.results import Status
from wxdash.safetext import visible
from wxdash.wechat.models import Group
from wxdash.widgets.fitted_tree import FittedTree
from wxdash.widgets.kept_cursor import NodeInfo

PRESENT, ABSENT, UNKNOWN = "✓", "·", "?"
GAP = "  "  # before and after the groups' columns
MARK_GAP = " "  # between them
SHORTEST_MARK = 16  # cells a probe's mark keeps when cut to fit: `✗ certificate…`


class CompareTree(FittedTree):
    """Shares DomainTree's look, cursor keeping and copying; its rows are a table, scrolled
    sideways where it is too wide, never cut."""

    CUT_LONG_DOMAINS = False

    comparison: Comparison | None = None  # what it shows (for copying and the match count)

    def show_comparison(
        self,
        comparison: Comparison | None,
        placeholder: str | None,
        health: HealthBook | None = None,
    ) -> None:
        """Draw `comparison`; `health` marks the rows whose hosts were probed."""
        self.comparison = comparison
        self._health = health  # what the header says of the row under the cursor
        self._draw(partial(self._fill_comparison, comparison, placeholder))

    def _fill_comparison(self, comparison: Comparison | None, placeholder: str | None) -> None:
        if comparison is None:
            self._note(placeholder or "")
            return
        if any(comparison.unknown.get(p) for p in comparison.rows):
            self._note(_("{mark} the API did not return this list").format(mark=UNKNOWN))
        if not comparison.rows:
            self._note(
                _("No domain passes the filters.")
                if comparison.filtered
                else _("No domains in any group.")
            )
            return
        rows = [row for listed in comparison.rows.values() for row in listed]
        titles = {p: f"{p.label} ({len(listed)})" for p, listed in comparison.rows.items()}
        # A title starts after its fold icon, a row after its guide: the groups' names over
        # the marks need the domains' column to be as wide as the titles too.
        shift = self.guide_depth - cell_len(self.ICON_NODE_EXPANDED)
        column = len(GAP) + max(
            max(width(visible(row.domain)) for row in rows),
            max(width(title) for title in titles.values()) - shift,
        )
        heads = [group.tab_label for group in Group]
        # The marks and the notes get the room the columns leave; they shorten to fit.
        room = self.room - self.guide_depth - column - cell_len(MARK_GAP.join(heads)) - len(GAP)
        changes = [row.change for row in rows if row.change is not None]
        marks, health = self._marks(rows, changes, room)
        room -= (health + len(GAP) if health else 0) + len("+ ")
        brevity = note_brevity(changes, room) if self.room else 0
        draw = _RowDrawer(self, heads, column, brevity, (marks, health))
        for protocol, listed in comparison.rows.items():
            node = self.root.add(
                self._title(titles[protocol], column + shift, heads, health),
                data=NodeInfo("protocol", protocol.value),
                expand=True,
            )
            unknown = comparison.unknown.get(protocol, frozenset())
            for row in listed:
                node.add_leaf(
                    draw(row, unknown), data=NodeInfo("domain", protocol.value, row.domain)
                )

    def _marks(
        self, rows: list[CompareRow], changes: list[Change], room: int
    ) -> tuple[dict[str, tuple[Status, str]], int]:
        """Each probed row's status and mark, by domain, and the Health column's width (0 while
        no row was probed). The marks are the group trees', cut to end in `…` where the
        shortest notes would not fit in `room` beside them (never shorter than SHORTEST_MARK:
        narrower, the tree scrolls sideways); the header says them in full."""
        book = self._health
        if book is None or not book.results:
            return {}, 0
        found = ((row.domain, book.of(row.domain)) for row in rows)
        marks = {domain: short_mark(result) for domain, result in found if result is not None}
        if not marks:
            return marks, 0
        column = max(width(mark) for _status, mark in marks.values())
        shortest = (change_note(change, NOTE_BREVITIES[-1]) for change in changes)
        after = max((width(note) + len("+ ") for note in shortest), default=0)
        after = max(after, width(_("Pending")))  # the title's last word
        column = max(column, width(_("Health")))
        fits = max(room - len(GAP) - after, SHORTEST_MARK, width(_("Health")))
        if self.room and column > fits:
            column = fits
            marks = {domain: (status, _cut(mark, fits)) for domain, (status, mark) in marks.items()}
        return marks, column

    def _note(self, text: str) -> None:
        self.root.add_leaf(
            Text(text, style=self._style("domain-tree--note")), data=NodeInfo("note")
        )

    def _title(self, title: str, column: int, heads: list[str], health: int) -> Text:
        """`request (5)`, then the groups' names over their columns, `Health` over the marks
        when there are some (`health` cells wide), and `Pending`."""
        style = self._style("domain-tree--count")
        text = Text.assemble(pad(title, column), (MARK_GAP.join(heads), style), GAP)
        if health:
            text.append(pad(_("Health"), health) + GAP, style)
        text.append(_("Pending"), style)
        return text


def _cut(mark: str, cells: int) -> str:
    """A mark cut to `cells`, ending in `…` (no space left hanging before it)."""
    if width(mark) <= cells:
        return mark
    return set_cell_size(mark, cells - 1).rstrip() + "…"


class _RowDrawer:
    """Draws rows: the domain in its column, a mark under the middle of each group's name,
    then the note. The cells and styles are worked out once for all the rows (a big profile
    has thousands)."""

    def __init__(
        self,
        tree: CompareTree,
        heads: list[str],
        column: int,
        brevity: int,
        health: tuple[dict[str, tuple[Status, str]], int],
    ) -> None:
        styles = {
            PRESENT: tree._style("domain-tree--add"),
            UNKNOWN: tree._style("domain-tree--warning"),
            ABSENT: tree._style("domain-tree--empty"),
        }
        # Per group, per mark: the cell's text, where the mark sits in it, and its style.
        self.cells: list[dict[str, tuple[str, int, Style]]] = []
        for head in heads:
            before = (cell_len(head) - 1) // 2
            after = cell_len(head) - 1 - before
            self.cells.append(
                {
                    mark: (" " * before + mark + " " * after + MARK_GAP, before, style)
                    for mark, style in styles.items()
                }
            )
        self.column = column
        self.brevity = brevity
        self.marks, self.health = health  # the probed rows' marks, the Health column's width
        self.statuses = {s: tree._style(f"domain-tree--{s}") for s in ("ok", "warn", "fail")}
        self.signs = {
            True: ("+ ", tree._style("domain-tree--add"), tree._style("domain-tree--count")),
            False: ("− ", tree._style("domain-tree--drop"), tree._style("domain-tree--warning")),
        }

    def __call__(self, row: CompareRow, unknown: frozenset[Group]) -> Text:
        parts = [pad(visible(row.domain), self.column)]
        at = len(parts[0])
        spans: list[Span] = []
        for group, cells in zip(Group, self.cells, strict=True):
            mark = PRESENT if group in row.groups else UNKNOWN if group in unknown else ABSENT
            cell, offset, style = cells[mark]
            spans.append(Span(at + offset, at + offset + 1, style))
            parts.append(cell)
            at += len(cell)
        parts.append(GAP[len(MARK_GAP) :])
        at += len(GAP) - len(MARK_GAP)
        if self.health:
            status, mark = self.marks.get(row.domain, ("ok", ""))
            spans.append(Span(at, at + len(mark), self.statuses[status]))
            parts.append(pad(mark, self.health) + GAP)
            at += len(parts[-1])
        if row.change is not None:
            sign, sign_style, note_style = self.signs[row.change.adds]
            note = change_note(row.change, self.brevity)
            parts.append(sign + note)
            spans.append(Span(at, at + len(sign), sign_style))
            spans.append(Span(at + len(sign), at + len(sign) + len(note), note_style))
        plain = "".join(parts).rstrip()
        # A style that would start past the row's end (the empty Health mark of a row not
        # probed, an empty note) is left out: rich cannot draw one.
        end = len(plain)
        return Text(plain, spans=[span for span in spans if span.start < end])
