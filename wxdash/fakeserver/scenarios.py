"""How an app misbehaves on request: the scenarios, and the answer each makes of the right one."""

from __future__ import annotations

import json
from typing import Any

from wxdash.fakeserver.answers import (
    BAD_GATEWAY,
    HOSTILE_ERRMSG,
    HOSTILE_REASON,
    RESET,
    Answer,
    Request,
    error,
    json_answer,
    package,
)
from wxdash.fakeserver.datasets import REFERENCE_SAMPLE
from wxdash.fakeserver.hostile import HOSTILE, hostile

SCENARIOS = (
    "ok",  # the app's domains
    "errcode:N",  # that errcode, with WeChat's errmsg and a rid
    "slow:SECONDS",  # the right answer, late
    "flaky:N",  # errcode -1 for the first N calls, then the right answer
    "flaky5xx:N",  # HTTP 502 for the first N calls, then the right answer
    "frequent:N",  # errcode 45011 (too frequent) for the first N calls, then the right answer
    "html502",  # a proxy's HTML error page
    "truncated",  # the right answer cut in half
    "invalid",  # the reference page's sample, verbatim (not valid JSON)
    "junk",  # 10 MB of junk with status 200
    "redirect",  # 302 to another host, token and all
    "reset",  # the connection is reset before any answer
    "escapes",  # errcode 48001, its errmsg and the reason phrase full of terminal controls
    # HTTP itself broken, byte for byte (see hostile.py): "drip:SECONDS", "trailers",
    # "chunkext", "deflate-empty", "gzip-trailing", "superscript-length",
    # "length-and-chunked", "hangup"
    *HOSTILE,
)


def misbehave(request: Request, scenario: str, calls: int, answer: dict[str, Any]) -> Answer:
    """The right `answer` to the app's `calls`th call, or what `scenario` makes of it."""
    name, _, arg = scenario.partition(":")
    match name:
        case "errcode":
            return error(int(arg))
        case "slow":
            package().time.sleep(float(arg))
            return json_answer(answer)
        case "flaky" if calls <= int(arg):
            return error(-1)
        case "flaky5xx" if calls <= int(arg):
            return BAD_GATEWAY
        case "frequent" if calls <= int(arg):
            return error(45011)
        case "html502":
            return BAD_GATEWAY
        case "truncated":
            data = json.dumps(answer).encode()
            return Answer(body=data[: len(data) // 2])
        case "invalid":
            return Answer(body=REFERENCE_SAMPLE.encode())
        case "junk":
            return Answer(
                body=b"\x00junk" * (2 * 1024 * 1024), content_type="application/octet-stream"
            )
        case "redirect":
            # To another host, with the token in the URL, as a hostile proxy would.
            where = ("Location", f"https://evil.example.net{request.target}")
            return Answer(302, content_type=None, headers=(where,))
        case "reset":
            return RESET
        case "escapes":
            errmsg = f"{HOSTILE_ERRMSG} {package()._rid()}"
            body = json.dumps({"errcode": 48001, "errmsg": errmsg}, ensure_ascii=False).encode()
            return Answer(body=body, reason=HOSTILE_REASON)
        case _ if name in HOSTILE:
            return hostile(name, arg, answer)
        case _:
            return json_answer(answer)
