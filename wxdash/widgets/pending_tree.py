"""The Pending tab: per protocol, what the next release adds and what it drops.

"Configured" is mp, third and direct together; "effective" is what is live. A domain configured
but not effective takes effect at the next code submission or release; one effective but no
longer configured drops then.
"""

from __future__ import annotations

from functools import partial

from rich.text import Text

from wxdash.i18n import _
from wxdash.insight import Change, Pending
from wxdash.output import change_note, not_compared, pad, width
from wxdash.output.diff import note_brevity
from wxdash.safetext import visible as visible_text
from wxdash.state import Filters
from wxdash.wechat.models import Protocol
from wxdash.widgets.fitted_tree import FittedTree
from wxdash.widgets.kept_cursor import NodeInfo


class PendingTree(FittedTree):
    """Shares DomainTree's look, cursor keeping and copying; only what it lists differs."""

    def show_pending(
        self, changes: Pending | None, filters: Filters, placeholder: str | None = None
    ) -> None:
        self._draw(partial(self._fill_pending, changes, filters, placeholder))

    def _fill_pending(
        self, changes: Pending | None, filters: Filters, placeholder: str | None
    ) -> None:
        if changes is None:
            self._note(placeholder or "")
            return
        if changes.unknown:
            self._note("? " + not_compared(changes))
        if not changes:
            if not changes.unknown:
                self._note(
                    "✓ " + _("effective matches configured: the next release changes nothing")
                )
            return
        by_protocol = self._visible(changes, filters)
        shown = [c for listed in by_protocol.values() for c in listed]
        # The notes start in one column, as the command line's do.
        column = max((width(visible_text(c.domain)) for c in shown), default=0) + 2
        room = self.room - self.guide_depth - len("+ ") - column
        brevity = note_brevity(shown, room) if self.room else 0
        for protocol, listed in by_protocol.items():
            count = Text(f"({len(listed)})", style=self._style("domain-tree--count"))
            node = self.root.add(
                Text.assemble(protocol.label, " ", count),
                data=NodeInfo("protocol", protocol.value),
                expand=True,
                allow_expand=bool(listed),
            )
            for change in listed:
                node.add_leaf(
                    self._label(change, column, brevity),
                    data=NodeInfo("domain", protocol.value, change.domain),
                )
        if not shown:
            self._note(_("No pending change passes the filters."))

    def _note(self, text: str) -> None:
        self.root.add_leaf(
            Text(text, style=self._style("domain-tree--note")), data=NodeInfo("note")
        )

    def _label(self, change: Change, column: int, brevity: int) -> Text:
        """`+ domain  note`, the note in the column given, shortened as far as `brevity`."""
        domain = pad(visible_text(change.domain), column)
        note = change_note(change, brevity)
        if change.adds:
            return Text.assemble(
                ("+ ", self._style("domain-tree--add")),
                domain,
                (note, self._style("domain-tree--count")),
            )
        return Text.assemble(
            ("− ", self._style("domain-tree--drop")),
            domain,
            (note, self._style("domain-tree--warning")),
        )

    @staticmethod
    def _visible(changes: Pending, filters: Filters) -> dict[Protocol, list[Change]]:
        shown = filters.pending(changes)
        out: dict[Protocol, list[Change]] = {}
        for protocol in Protocol:
            adds, drops = shown.of(protocol)
            if adds or drops:
                out[protocol] = [*adds, *drops]
        return out

    def shown_lines(self, info: NodeInfo | None) -> tuple[list[str], int]:
        """The lines `c` copies, as the tab shows them, and how many changes they hold: one
        change with its sign and note (the cursor on it), a protocol's (its title, then its
        changes), or the whole tab's."""
        lines: list[str] = []
        count = 0
        for node in self.root.children:
            if node.data is None or node.data.kind != "protocol":
                continue
            if info is not None and info.protocol not in (None, node.data.protocol):
                continue
            leaves = [
                leaf.label.plain.rstrip()
                for leaf in node.children
                if info is None or info.kind != "domain" or leaf.data == info
            ]
            count += len(leaves)
            if info is not None and info.kind == "domain":
                lines.extend(leaves)
            elif leaves:
                lines.append(node.label.plain.rstrip())
                lines.extend("  " + leaf for leaf in leaves)
        return lines, count

    def pending_domains(self, changes: Pending | None, filters: Filters) -> dict[str, list[str]]:
        """The domains this tab shows, by the API's protocol key (for copying)."""
        if changes is None:
            return {}
        return {
            p.value: [c.domain for c in listed]
            for p, listed in self._visible(changes, filters).items()
        }
