"""A domain tree whose lines are laid out for its width (columns, notes shortened to fit).

It is drawn again when its width changes (a resize, the list shown or hidden), with the
cursor kept on the same node as any rebuild keeps it.
"""

from __future__ import annotations

from collections.abc import Callable

from wxdash.widgets.domain_tree import DomainTree


class FittedTree(DomainTree):
    """A DomainTree drawn by `_draw(fill)`, where `fill` adds the nodes for the width now."""

    _fill_again: Callable[[], None] | None = None
    _fitted_to = 0  # the width the lines were laid out for

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(None, id=id)

    @property
    def room(self) -> int:
        """The cells a line has (0 until the tree is laid out: it is drawn again then)."""
        return self.scrollable_content_region.width

    def _draw(self, fill: Callable[[], None]) -> None:
        self._fill_again = fill
        self._fitted_to = self.room
        keep, keep_line = self._remembered()
        self.clear()
        self._rebuilding = True  # one layout for all the nodes, not one per node
        try:
            fill()
        finally:
            self._rebuilding = False
            self._invalidate()
        self._restore(keep, keep_line)

    def on_resize(self) -> None:
        if self._fill_again is not None and self.room != self._fitted_to:
            self._draw(self._fill_again)
