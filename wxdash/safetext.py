"""Make text from the network safe to print: control characters become visible escapes.

A domain or an errmsg is data, never instructions to the terminal. An ESC in a domain could
move the cursor or set the window title; a bidi override could make one domain look like
another. Everything that shows server-supplied text passes it through `visible()` first.
"""

from __future__ import annotations

import unicodedata

# Characters that reorder or hide text without being "control" characters (category Cc).
_INVISIBLE = {
    "\u200b",  # zero width space
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u2028",  # line separator
    "\u2029",  # paragraph separator
    "\ufeff",  # zero width no-break space
    *(chr(c) for c in range(0x202A, 0x202F)),  # bidi embeddings and overrides
    *(chr(c) for c in range(0x2066, 0x206A)),  # bidi isolates
}


# Format (Cf) and separator (Zl, Zp) characters are unprintable: isprintable() catches them.
assert not any(char.isprintable() for char in _INVISIBLE)


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def visible(text: str) -> str:
    """Return `text` with every control or invisible formatting character shown as an escape.

    Backslashes are left alone: a domain never holds one legitimately, and doubling them would
    make honest text harder to read. Printable Unicode (Chinese, IDN) is kept as it is.
    """
    if text.isprintable():  # every _INVISIBLE character is unprintable too (checked below)
        return text
    out = []
    for char in text:
        if char in _INVISIBLE or unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
            out.append(_escape(char))
        else:
            out.append(char)
    return "".join(out)


def preview(data: bytes, limit: int = 60) -> str:
    """The first bytes of a body, decoded leniently, whitespace folded and control characters
    escaped, for "it starts with ..." messages."""
    head = " ".join(data[:limit].decode("utf-8", errors="backslashreplace").split())
    suffix = "…" if len(data) > limit else ""
    return visible(head) + suffix


def _json_escape(char: str) -> str:
    return f"\\u{ord(char):04x}"


def json_safe(text: str) -> str:
    """Escape, inside JSON text, the characters a terminal would act on (C1 controls, bidi).

    json.dumps already escapes C0 controls; with ensure_ascii=False it leaves C1 controls such
    as U+009B (CSI) and bidi overrides raw. Both only occur inside JSON strings, where a
    `\\uXXXX` escape means the same character, so the data is unchanged.
    """
    if text.isascii():
        return text
    return "".join(
        _json_escape(ch)
        if ch in _INVISIBLE or (ord(ch) > 0x7E and unicodedata.category(ch).startswith("C"))
        else ch
        for ch in text
    )


def quoted(value: object) -> str:
    """A value for a message: text in quotes with control characters escaped (once, unlike
    `repr()` of escaped text, which would double every backslash); anything else as its repr."""
    if isinstance(value, str):
        return f"'{visible(value)}'"
    return visible(repr(value))
