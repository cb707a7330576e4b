"""The Compare tab: per protocol, each domain once, marked under each group that lists it.

A row reads `https://api.example.com   ✓  ✓  ·  ·   + takes effect at next release (mp)`:
present (✓) or absent (·) in Effective, MP, Third-party and Direct, `?` where the API did not
return that list, then the Pending note where effective and configured differ. The columns
line up under each protocol's title; a screen too narrow for them scrolls sideways.
"""

from __future__ import annotations

from functools import partial

from rich.cells import cell_len
from rich.style import Style
from rich.text import Span, Text

from wxdash.compare import CompareRow, Comparison
from wxdash.i18n import _
from wxdash.output import change_note, pad, width
from wxdash.output.diff import note_brevity
from wxdash.safetext import visible
from wxdash.wechat.models import Group
from wxdash.widgets.fitted_tree import FittedTree
from wxdash.widgets.kept_cursor import NodeInfo

PRESENT, ABSENT, UNKNOWN = "✓", "·", "?"
GAP = "  "  # before and after the groups' columns
MARK_GAP = " "  # between them


class CompareTree(FittedTree):
    """Shares DomainTree's look, cursor keeping and copying; its rows are a table, scrolled
    sideways where it is too wide, never cut."""

    CUT_LONG_DOMAINS = False

    comparison: Comparison | None = None  # what it shows (for copying and the match count)

    def show_comparison(self, comparison: Comparison | None, placeholder: str | None) -> None:
        self.comparison = comparison
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
        # The notes get the room the columns leave; they shorten to fit, groups kept.
        room = self.room - self.guide_depth - column
        room -= cell_len(MARK_GAP.join(heads)) + len(GAP) + len("+ ")
        changes = [row.change for row in rows if row.change is not None]
        brevity = note_brevity(changes, room) if self.room else 0
        draw = _RowDrawer(self, heads, column, brevity)
        for protocol, listed in comparison.rows.items():
            node = self.root.add(
                self._title(titles[protocol], column + shift, heads),
                data=NodeInfo("protocol", protocol.value),
                expand=True,
            )
            unknown = comparison.unknown.get(protocol, frozenset())
            for row in listed:
                node.add_leaf(
                    draw(row, unknown), data=NodeInfo("domain", protocol.value, row.domain)
                )

    def _note(self, text: str) -> None:
        self.root.add_leaf(
            Text(text, style=self._style("domain-tree--note")), data=NodeInfo("note")
        )

    def _title(self, title: str, column: int, heads: list[str]) -> Text:
        """`request (5)`, then the groups' names over their columns, and `Pending`."""
        style = self._style("domain-tree--count")
        return Text.assemble(
            pad(title, column), (MARK_GAP.join(heads), style), GAP, (_("Pending"), style)
        )


class _RowDrawer:
    """Draws rows: the domain in its column, a mark under the middle of each group's name,
    then the note. The cells and styles are worked out once for all the rows (a big profile
    has thousands)."""

    def __init__(self, tree: CompareTree, heads: list[str], column: int, brevity: int) -> None:
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
        if row.change is not None:
            sign, sign_style, note_style = self.signs[row.change.adds]
            note = change_note(row.change, self.brevity)
            parts.append(GAP[len(MARK_GAP) :] + sign + note)
            at += len(GAP) - len(MARK_GAP)
            spans.append(Span(at, at + len(sign), sign_style))
            spans.append(Span(at + len(sign), at + len(sign) + len(note), note_style))
        return Text("".join(parts).rstrip(), spans=spans)
