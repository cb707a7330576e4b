"""Widget and screen styles live in `.tcss` files beside their modules, not in strings."""

from __future__ import annotations

from pathlib import Path


def stylesheet(module_file: str) -> str:
    """The text of the `.tcss` file next to `module_file` (pass `__file__`)."""
    return Path(module_file).with_suffix(".tcss").read_text(encoding="utf-8")
