"""A tree's domains too wide for it: cut to end in `…`, and told in full while the cursor is on one.

Widths are in cells, so a Chinese character counts two. A label is cut when its line is drawn,
so a resize cuts every label anew; the tree's own width counts the domains as cut, so it never
scrolls sideways for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import set_cell_size
from rich.text import Text
from textual.content import Content
from textual.message import Message
from textual.widgets.tree import TreeNode

from wxdash.widgets.kept_cursor import NodeInfo

if TYPE_CHECKING:
    from textual.widgets import Tree

    _Tree = Tree[NodeInfo]
else:
    _Tree = object


class LongDomains(_Tree):
    """Mixed into a Tree of NodeInfo nodes, before Tree."""

    class LongDomain(Message):
        """The cursor came onto a domain cut short to fit (`text` is its label in full, or
        what the tree says of it: `said_under_cursor`), or left it, or the tree lost focus
        (`text` is None)."""

        def __init__(self, text: str | Content | None) -> None:
            super().__init__()
            self.text = text

    # A tree whose rows are columns (Compare) scrolls sideways instead of cutting them.
    CUT_LONG_DOMAINS = True
    _told: str | Content | None = None  # the long domain last told of
    _narrowest: int | None = None  # while the lines are laid out: the tree's width, at least

    def _build(self) -> None:
        # Tree measures every line's label here: work the width out once, not per line.
        # Counted as if the vertical scrollbar were there: the lines decide whether it is.
        self._narrowest = self.content_region.width - self.styles.scrollbar_size_vertical
        try:
            super()._build()
        finally:
            self._narrowest = None

    def fit_width(self, node: TreeNode[NodeInfo], width: int) -> int:
        """The cells a label `width` cells wide takes once cut to fit."""
        narrowest = self._narrowest
        if narrowest is None:
            narrowest = self.content_region.width - self.styles.scrollbar_size_vertical
        room = self._room(node, narrowest)
        return width if room is None else min(width, room)

    def cut_to_fit(self, node: TreeNode[NodeInfo], label: Text) -> None:
        """Cut a domain's label as drawn, ending it in `…`, if it is too wide for the tree."""
        room = self._room(node, self.scrollable_content_region.width)
        if room is not None and label.cell_len > room:
            # No space left hanging before the `…` (a cut wide character leaves one).
            label.plain = set_cell_size(label.plain, room - 1).rstrip() + "…"

    def _room(self, node: TreeNode[NodeInfo], width: int) -> int | None:
        """The cells a domain's label has in a tree `width` cells wide; None for other
        nodes, and before the tree has a size (they are never cut)."""
        if not self.CUT_LONG_DOMAINS or width <= 0 or node.data is None:
            return None
        if node.data.kind != "domain":
            return None
        depth = 0
        parent = node.parent
        while parent is not None and parent is not self.root:
            depth += 1
            parent = parent.parent
        return max(1, width - depth * self.guide_depth)

    def _cut_under_cursor(self) -> str | None:
        """The full label of the domain under the cursor when it is cut short to fit."""
        node = self.cursor_node
        if not self.has_focus or node is None:
            return None
        room = self._room(node, self.scrollable_content_region.width)
        return node.label.plain if room is not None and node.label.cell_len > room else None

    def said_under_cursor(self) -> str | Content | None:
        """What the header shows for the node under the cursor: a domain cut short, in full."""
        return self._cut_under_cursor()

    def tell_long_domain(self) -> None:
        """Say whether the cursor is on a domain cut short, if that changed."""
        text = self.said_under_cursor()
        if text != self._told:
            self._told = text
            self.post_message(self.LongDomain(text))

    def watch_cursor_line(self, previous_line: int, line: int) -> None:
        super().watch_cursor_line(previous_line, line)
        self.tell_long_domain()

    def on_focus(self) -> None:
        self.tell_long_domain()

    def on_blur(self) -> None:
        self.tell_long_domain()

    def on_resize(self) -> None:
        self.call_after_refresh(self.tell_long_domain)  # once the new width is laid out
