"""Reading a WeChat response body: a JSON object whose errcode is 0, else the error saying why."""

from __future__ import annotations

import json
import re
from typing import Any

from wxdash.i18n import N_
from wxdash.safetext import preview
from wxdash.wechat.errors import ApiError, ResponseFormatError
from wxdash.wechat.redact import redact


def json_type_name(value: Any) -> str:
    """The JSON name of `value`'s type (`array` for a list), for messages about odd values."""
    return {
        bool: "boolean",
        int: "number",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def start_of(body: bytes) -> str:
    """The body's first bytes for an error message, with any token it quotes masked first (a
    proxy or captive portal may echo the URL it was asked for)."""
    head = body[:4096].decode("utf-8", errors="backslashreplace")
    return preview(redact(head).encode("utf-8"))


def _format_error(body: bytes, exc: Exception) -> ResponseFormatError:
    start, size = start_of(body), len(body)
    if isinstance(exc, json.JSONDecodeError) and body.lstrip().startswith(b"{"):
        cut_short = not body.rstrip().endswith(b"}") and not exc.msg.startswith("Extra data")
        if cut_short or exc.pos >= len(body.rstrip()) - 1:
            return ResponseFormatError(
                N_("The response is truncated JSON ({size} bytes), starting with: {start}"),
                size=size,
                start=start,
            )
        return ResponseFormatError(
            N_("The response is invalid JSON at line {line}, column {column}: {start}"),
            line=exc.lineno,
            column=exc.colno,
            start=start,
        )
    return ResponseFormatError(
        N_("The response is not JSON ({size} bytes), starting with: {start}"),
        size=size,
        start=start,
    )


def parse_json_body(body: bytes) -> dict[str, Any]:
    """Decode a WeChat response body; raise ResponseFormatError (quoting its start) if it is not
    a JSON object, or ApiError if its errcode is not 0."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise _format_error(body, exc) from None
    if not isinstance(data, dict):
        raise ResponseFormatError(
            N_("The response is a JSON {type}, not an object: {start}"),
            type=json_type_name(data),
            start=start_of(body),
        )
    errcode = data.get("errcode", 0)
    if isinstance(errcode, str):
        # Plain ASCII digits only: int() would also take "4_0001" and full-width digits.
        text = errcode.strip()
        errcode = int(text) if re.fullmatch(r"-?[0-9]+", text) else None
    if isinstance(errcode, bool) or not isinstance(errcode, int):
        raise ResponseFormatError(
            N_("The response's errcode is not a number: {start}"), start=start_of(body)
        )
    if errcode != 0:
        errmsg = data.get("errmsg")
        raise ApiError(errcode, redact(errmsg if isinstance(errmsg, str) else json.dumps(errmsg)))
    return data
