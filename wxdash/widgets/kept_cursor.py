"""A domain tree's cursor: kept on the same node across rebuilds, shown when the tree has focus.

A rebuild (a filter changed, new data, another profile) replaces every node; the cursor is put
back on the node that stands for the same thing, worked out only once the new nodes have their
lines, since by then the tree may have been rebuilt again, shorter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from wxdash.wechat.models import Protocol

if TYPE_CHECKING:
    from textual.widgets import Tree

    _Tree = Tree["NodeInfo"]
else:
    _Tree = object

NodeKind = Literal["protocol", "domain", "extra", "note", "warning"]


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What a node stands for, so that copying knows what to copy."""

    kind: NodeKind
    protocol: str | None = None  # the API's key, e.g. "requestdomain"
    domain: str | None = None


class KeptCursor(_Tree):
    """Mixed into a Tree of NodeInfo nodes, before Tree."""

    _cursor_wish: tuple[NodeInfo | None, int] | None = None  # placed after a rebuild

    def on_focus(self) -> None:
        """Show the cursor row as soon as the tree has focus."""
        if self.cursor_line < 0 and self.last_line >= 0 and self._cursor_wish is None:
            self.cursor_line = 0

    def _remembered(self) -> tuple[NodeInfo | None, int]:
        """Where the cursor is, to put it back after a rebuild: the node it is on and its line,
        or, while an earlier rebuild's cursor is still to be placed, where that one was."""
        if self._cursor_wish is not None:
            return self._cursor_wish
        keep = self.cursor_node.data if self.cursor_node is not None else None
        return keep, self.cursor_line

    def _restore(self, keep: NodeInfo | None, line: int) -> None:
        """Put the cursor back once the new nodes have their lines. It is worked out when it
        is placed, not now: by then the tree may have been rebuilt again, shorter."""
        self._cursor_wish = (keep, line)
        self.call_after_refresh(self._place_cursor)

    def _place_cursor(self) -> None:
        if self._cursor_wish is None:
            return
        keep, line = self._cursor_wish
        self._cursor_wish = None
        if keep is None:
            return
        shown = [tree_line.node for tree_line in self._tree_lines]  # folded nodes have none
        if not shown:
            return
        same = next((node for node in shown if node.data == keep), None)
        # The domain went (hidden, filtered, another profile): its protocol, else the line it
        # was on, or the last line if the tree is shorter now.
        target = same or next(
            (n for n in shown if n.data is not None and n.data.protocol == keep.protocol), None
        )
        self.move_cursor(target or shown[min(max(line, 0), len(shown) - 1)], animate=False)

    def focus_domain(self, protocol: Protocol | str, domain: str) -> bool:
        """Move the cursor to a domain; False if it is not shown."""
        key = protocol.value if isinstance(protocol, Protocol) else protocol
        wanted = NodeInfo("domain", key, domain)
        for tree_line in self._tree_lines:
            if tree_line.node.data == wanted:
                self._cursor_wish = None  # this placement wins over one still to come
                self.move_cursor(tree_line.node, animate=False)
                return True
        return False
