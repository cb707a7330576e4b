"""Widget and screen styles live in `.tcss` files beside their modules, not in strings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.style import Style

if TYPE_CHECKING:
    from textual.widget import Widget


def stylesheet(module_file: str) -> str:
    """The text of the `.tcss` file next to `module_file` (pass `__file__`)."""
    return Path(module_file).with_suffix(".tcss").read_text(encoding="utf-8")


def component_style(widget: Widget, component: str, *, background: bool = False) -> Style:
    """A component class's resolved look, for widgets that draw Rich segments themselves.

    The partial style would keep theme colours such as `$text-muted` unresolved (they are
    blended with the background when resolved) and show them as plain white; the full style
    carries the widget's background, which would paint over a cursor row. So: the resolved
    foreground and text style, and the background only when asked.
    """
    full = widget.get_component_rich_style(component)
    return Style(
        color=full.color,
        bgcolor=full.bgcolor if background else None,
        bold=full.bold,
        italic=full.italic,
        underline=full.underline,
        strike=full.strike,
    )
