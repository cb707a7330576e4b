"""Answers that break HTTP itself (dripped, endless, contradictory framing), written raw."""

from __future__ import annotations

import gzip
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

from wxdash.fakeserver.answers import Answer, package

Raw = Callable[[], Iterator[bytes]]


def _head(*fields: str, status: str = "200 OK") -> bytes:
    lines = [f"HTTP/1.1 {status}", "Content-Type: application/json; charset=utf-8", *fields]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _drip(body: bytes, seconds: float) -> Raw:
    def pieces() -> Iterator[bytes]:
        yield _head(f"Content-Length: {len(body)}")
        for byte in body:
            package().time.sleep(seconds)
            yield bytes([byte])

    return pieces


def _forever(first: bytes, piece: bytes) -> Raw:
    def pieces() -> Iterator[bytes]:
        yield first
        yield from itertools.repeat(piece * 64)

    return pieces


def _once(data: bytes) -> Raw:
    return lambda: iter([data])


def _chunked(body: bytes) -> bytes:
    return f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n"


# name -> (the right answer's body, the scenario's argument) -> what goes out, byte for byte.
HOSTILE: dict[str, Callable[[bytes, str], Raw]] = {
    # The right answer, a byte every ARG seconds: each within read_timeout, never all in time.
    "drip": lambda body, arg: _drip(body, float(arg)),
    # The right answer chunked, then trailer fields without end.
    "trailers": lambda body, _arg: _forever(
        _head("Transfer-Encoding: chunked") + _chunked(body), b"X-Trailer: again\r\n"
    ),
    # One-byte chunks, each with an 8 KB chunk extension, without end.
    "chunkext": lambda _body, _arg: _forever(
        _head("Transfer-Encoding: chunked"), b"1;" + b"e" * 8000 + b"\r\n \r\n"
    ),
    # A deflate stream of empty stored blocks, without end: nothing ever decodes.
    "deflate-empty": lambda _body, _arg: _forever(
        _head("Content-Encoding: deflate", "Connection: close") + b"\x78\x9c",
        b"\x00\x00\x00\xff\xff",
    ),
    # The right answer gzipped, then junk after the member's end, without end.
    "gzip-trailing": lambda body, _arg: _forever(
        _head("Content-Encoding: gzip", "Connection: close") + gzip.compress(body),
        b"junk after the end ",
    ),
    # A Content-Length of "²": a digit to str.isdigit, not to HTTP.
    "superscript-length": lambda body, _arg: _once(_head("Content-Length: \xb2") + body),
    # Content-Length beside chunked: a smuggling attempt, or a broken proxy.
    "length-and-chunked": lambda body, _arg: _once(
        _head(f"Content-Length: {len(body)}", "Transfer-Encoding: chunked") + _chunked(body)
    ),
    # The request read, then the connection closed without a word.
    "hangup": lambda _body, _arg: lambda: iter(()),
}


def hostile(name: str, arg: str, answer: dict[str, Any]) -> Answer:
    body = json.dumps(answer, ensure_ascii=False).encode()
    return Answer(raw=HOSTILE[name](body, arg))
