"""The Compare tab: per protocol, each domain once, marked under each group that lists it.

A row reads `https://api.example.com   ✓  ✓  ·  ·   + takes effect at next release (mp)`:
present (✓) or absent (·) in Effective, MP, Third-party and Direct, `?` where the API did not
return that list, then the Pending note where effective and configured differ. The columns
line up under each protocol's title; a screen too narrow for them scrolls sideways.
"""

from __future__ import annotations

from functools import partial

from rich.cells import cell_len
from rich.text import Text

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
    """Shares DomainTree's look, cursor keeping and copying; its rows are a table."""

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
        for protocol, listed in comparison.rows.items():
            node = self.root.add(
                self._title(titles[protocol], column + shift, heads),
                data=NodeInfo("protocol", protocol.value),
                expand=True,
            )
            unknown = comparison.unknown.get(protocol, frozenset())
            for row in listed:
                node.add_leaf(
                    self._row(row, column, heads, unknown, brevity),
                    data=NodeInfo("domain", protocol.value, row.domain),
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

    def _row(
        self,
        row: CompareRow,
        column: int,
        heads: list[str],
        unknown: frozenset[Group],
        brevity: int,
    ) -> Text:
        marks = []
        for group, head in zip(Group, heads, strict=True):
            mark, style = (
                (PRESENT, "domain-tree--add")
                if group in row.groups
                else (UNKNOWN, "domain-tree--warning")
                if group in unknown
                else (ABSENT, "domain-tree--empty")
            )
            before = (cell_len(head) - 1) // 2  # the mark under the middle of the name
            after = cell_len(head) - 1 - before
            marks.append(Text.assemble(" " * before, (mark, self._style(style)), " " * after))
        text = Text(pad(visible(row.domain), column))
        text.append_text(Text(MARK_GAP).join(marks))
        text.append(GAP)
        if row.change is not None:
            adds = row.change.adds
            text.append(
                "+ " if adds else "− ",
                style=self._style("domain-tree--add" if adds else "domain-tree--drop"),
            )
            text.append(
                change_note(row.change, brevity),
                style=self._style("domain-tree--count" if adds else "domain-tree--warning"),
            )
        text.rstrip()
        return text
