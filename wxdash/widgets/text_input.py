"""An Input that refuses control and invisible characters.

Textual's Input draws its value as it is: a pasted ESC would reach the terminal, and a bidi
override would disguise what was typed. Nothing a user types into wxdash needs either.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

# Anything but C0/C1 controls, DEL and the invisible formatting characters safetext escapes.
PRINTABLE_ONLY = (
    r"[^\x00-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]*"
)


class TextInput(Input):
    """An Input whose value never holds a control character (typed or pasted)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("restrict", PRINTABLE_ONLY)
        super().__init__(*args, **kwargs)
