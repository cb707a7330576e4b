"""The hardened HTTP path: every wait bounded by retry_time, every byte counted, no POST sent
twice behind the user's back, and the RFC 9112 rules and keep-alive cases the lean path relies
on (issue 14, items 1, 2, 3, 11, 12 and 18), against scripted loopback servers."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from conftest import fast
from scripted import ANSWER, PATIENCE, Scripted, json_answer, response, scripted_servers

from wxdash.wechat.attempts import attempts_told_to
from wxdash.wechat.client import EFFECTIVE_DOMAIN_PATH, STABLE_TOKEN_PATH, WeChatClient
from wxdash.wechat.errors import (
    ApiError,
    HttpStatusError,
    NetworkError,
    ResponseFormatError,
    TokenError,
    WxDashError,
)
from wxdash.wechat.models import parse_json_body
from wxdash.wechat.tokens import StableToken

Serve = Callable[..., Awaitable[Scripted]]
MiB = 1024 * 1024


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    async with scripted_servers() as start:
        yield start


async def fails(call: Awaitable[Any]) -> WxDashError:
    """The error `call` ends in. PATIENCE only turns a hang into a failure: it times nothing."""
    try:
        await asyncio.wait_for(call, PATIENCE)
    except WxDashError as error:
        return error
    raise AssertionError("the call succeeded")


def drip(head: bytes, every: float) -> Callable[[int], AsyncIterator[bytes]]:
    """An answer whose head comes at once and whose body then comes a byte every `every` s."""

    async def answer(_n: int) -> AsyncIterator[bytes]:
        yield head
        while True:
            yield b" "
            await asyncio.sleep(every)

    return answer


def endless(head: bytes, piece: bytes, first: bytes = b"") -> Callable[[int], AsyncIterator[bytes]]:
    async def answer(_n: int) -> AsyncIterator[bytes]:
        yield head + first
        while True:
            yield piece * 64

    return answer


DRIP_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"


# -- 1. the whole call is bounded by retry_time ----------------------------------------------


@pytest.mark.parametrize("carrier", ["wire", "httpx"])
async def test_item01_a_body_dripped_byte_by_byte_ends_at_retry_time(
    serve: Serve, carrier: str
) -> None:
    """Each byte comes well within read_timeout; only retry_time can end the answer."""
    server = await serve(drip(DRIP_HEAD, 0.2))
    transport = httpx.AsyncHTTPTransport() if carrier == "httpx" else None
    settings = fast(read_timeout=20, retry_time=1.5)
    async with WeChatClient(settings, transport=transport) as client:
        error = await fails(client.post_json(server.url, "/x", {}))
    assert isinstance(error, NetworkError)
    assert error.message.startswith("127.0.0.1:")
    assert "did not answer within retry_time (1.5 seconds)" in error.message
    assert "retry_time" in error.hint
    assert not error.retryable


class StuckRefresh:
    """A token source whose refresh never returns (a stable_token host that hangs)."""

    refreshable = True

    async def get(self) -> str:
        return "tok-stale"

    async def refresh(self, rejected: str) -> str:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_item01_the_token_refresh_counts_against_retry_time(serve: Serve) -> None:
    expired = json.dumps({"errcode": 42001, "errmsg": "access_token expired"}).encode()
    server = await serve(lambda _n: response(expired))
    async with WeChatClient(fast(read_timeout=20, retry_time=1.0)) as client:
        error = await fails(
            client.call_with_token(server.url, "/x", StuckRefresh(), parse_json_body)
        )
    assert "did not answer within retry_time (1 seconds)" in error.message
    assert len(server.requests) == 1


# -- 2. trailer fields count against the header limit ------------------------------------------


async def test_item02_an_endless_run_of_trailer_fields_is_refused(serve: Serve) -> None:
    body = json.dumps(ANSWER).encode()
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    first = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n"
    server = await serve(endless(head, b"X-Trailer: again\r\n", first))
    async with WeChatClient(fast(max_attempts=1, read_timeout=20, retry_time=20)) as client:
        error = await fails(client.post_json(server.url, "/x", {}))
    assert "trailer fields are over 65536 bytes" in error.message


# -- 3. raw bytes count, compressed streams end, chunk-size lines are short --------------------


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


async def test_item03_a_chunk_size_line_over_a_few_kilobytes_is_refused(serve: Serve) -> None:
    server = await serve(endless(CHUNKED_HEAD, b"1;" + b"e" * 8000 + b"\r\n{\r\n"))
    async with WeChatClient(fast(max_attempts=1, read_timeout=20, retry_time=20)) as client:
        error = await fails(client.post_json(server.url, "/x", {}))
    assert "a chunk-size line over 4096 bytes" in error.message


async def test_item03_chunk_extensions_count_against_the_size_cap(serve: Serve) -> None:
    """One byte of body for every three thousand on the wire: the raw bytes reach the cap."""
    server = await serve(endless(CHUNKED_HEAD, b"1;" + b"e" * 3000 + b"\r\n \r\n"))
    settings = fast(max_attempts=1, read_timeout=20, retry_time=20, max_response_bytes=MiB)
    async with WeChatClient(settings) as client:
        error = await fails(client.post_json(server.url, "/x", {}))
    assert isinstance(error, ResponseFormatError)
    assert "over 1048576 bytes" in error.message


async def test_item03_endless_empty_deflate_blocks_reach_the_size_cap(serve: Serve) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nConnection: close\r\n\r\n"
    empty_block = b"\x00\x00\x00\xff\xff"  # a stored block of no bytes, not the last
    server = await serve(endless(head, empty_block, b"\x78\x9c"))
    settings = fast(max_attempts=1, read_timeout=20, retry_time=20, max_response_bytes=MiB)
    async with WeChatClient(settings) as client:
        error = await fails(client.post_json(server.url, "/x", {}))
    assert isinstance(error, ResponseFormatError)
    assert "over 1048576 bytes" in error.message


async def test_item03_data_after_the_end_of_a_gzip_member_is_not_read(serve: Serve) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n"
    member = gzip.compress(json.dumps(ANSWER).encode())
    server = await serve(endless(head, b"after the end " * 100, member))
    async with WeChatClient(fast(max_attempts=1, read_timeout=20, retry_time=20)) as client:
        got = await asyncio.wait_for(client.post_json(server.url, "/x", {}), PATIENCE)
        await asyncio.wait_for(server.hung_up.wait(), PATIENCE)  # the client stopped reading
    assert got == ANSWER


# -- 11. a POST is never sent twice behind the user's back -------------------------------------


async def test_item11_a_kept_alive_connection_closed_after_the_request_is_a_counted_attempt(
    serve: Serve,
) -> None:
    """With one attempt allowed, the request the server read and dropped is not sent again."""
    server = await serve(hang_up_on=frozenset({2}))
    async with WeChatClient(fast(max_attempts=1)) as client:
        assert (await client.post_json(server.url, "/x", {}))["n"] == 1
        error = await fails(client.post_json(server.url, "/x", {}))
    assert "the connection was closed or reset before an answer" in error.message
    assert len(server.requests) == 2  # the second request went out once


async def test_item11_a_read_whose_connection_was_closed_is_retried_as_a_logged_attempt(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = await serve(hang_up_on=frozenset({2}))
    async with WeChatClient(fast(max_attempts=2)) as client:
        answers = [await client.post_json(server.url, "/x", {}) for _ in range(2)]
    assert [a["n"] for a in answers] == [1, 3]
    assert len(server.requests) == 3
    assert "attempt 1 failed" in caplog.text
    assert "retrying /x" in caplog.text


async def test_item11_a_write_is_never_sent_twice_and_its_outcome_is_unknown(
    serve: Serve,
) -> None:
    server = await serve(hang_up_on=frozenset({1}))
    async with WeChatClient(fast(max_attempts=3)) as client:
        error = await fails(client.post(server.url, "/w", parse_json_body, {}, idempotent=False))
    assert isinstance(error, NetworkError)
    assert "may or may not have" in error.message
    assert "does not send a change twice" in error.hint
    assert not error.retryable
    assert len(server.requests) == 1


def errcode_answer(errcode: int, *, then_ok_from: int | None = None) -> Callable[[int], bytes]:
    """WeChat's answer with `errcode` to each request (from request `then_ok_from` on: ok)."""

    def answer(n: int) -> bytes:
        if then_ok_from is not None and n >= then_ok_from:
            return json_answer(n)
        return response(json.dumps({"errcode": errcode, "errmsg": "rid: 1-2-3"}).encode())

    return answer


async def test_item11_a_write_answered_busy_is_sent_again_as_a_logged_attempt(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    """Errcode -1 says WeChat did not carry the call out: a write may be sent again."""
    caplog.set_level(logging.INFO)
    server = await serve(errcode_answer(-1, then_ok_from=2))
    told: list[int] = []
    async with WeChatClient(fast(max_attempts=3)) as client:
        with attempts_told_to(told.append):
            got = await asyncio.wait_for(
                client.post(server.url, "/w", parse_json_body, {}, idempotent=False), PATIENCE
            )
    assert got["n"] == 2
    assert len(server.requests) == 2
    assert told == [1, 2]
    assert "retrying /w" in caplog.text


async def test_item11_a_write_answered_busy_every_time_stays_on_its_host_and_fails_with_1(
    serve: Serve,
) -> None:
    main = await serve(errcode_answer(-1))
    backup = await serve()
    hosts = (main.url, backup.url)
    async with WeChatClient(fast(max_attempts=3), default_hosts=hosts) as client:
        error = await fails(client.post(None, "/w", parse_json_body, {}, idempotent=False))
    assert isinstance(error, ApiError)
    assert error.errcode == -1
    assert error.hint == "WeChat is busy; wait a moment and retry."
    assert len(main.requests) == 3  # max_attempts
    assert backup.requests == []


@pytest.mark.parametrize("errcode", [85015, 45009, 45011])
async def test_item11_a_write_answered_with_another_error_is_not_sent_again(
    serve: Serve, errcode: int
) -> None:
    """Not even 45011 (too frequent), which a read retries: only -1 says "not carried out"."""
    server = await serve(errcode_answer(errcode))
    async with WeChatClient(fast(max_attempts=3)) as client:
        error = await fails(client.post(server.url, "/w", parse_json_body, {}, idempotent=False))
    assert error.errcode == errcode
    assert len(server.requests) == 1


async def test_item11_a_write_refused_before_it_was_sent_is_sent_again_to_the_same_host(
    serve: Serve,
) -> None:
    # A port bound and not listening: the first connection is refused. The backoff then
    # starts a server on that very port (SO_REUSEADDR on both: no other process can take it).
    held = socket.socket()
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    held.bind(("127.0.0.1", 0))
    port = held.getsockname()[1]
    backup = await serve()
    started: list[Scripted] = []

    async def listen(_delay: float) -> None:
        started.append(await serve(port=port))

    hosts = (f"http://127.0.0.1:{port}", backup.url)
    try:
        async with WeChatClient(fast(max_attempts=3), default_hosts=hosts, sleep=listen) as client:
            got = await asyncio.wait_for(
                client.post(None, "/w", parse_json_body, {}, idempotent=False), PATIENCE
            )
    finally:
        held.close()
    assert got["n"] == 1
    assert len(started) == 1 and len(started[0].requests) == 1
    assert backup.requests == []


async def test_item11_a_write_never_fails_over_to_a_backup_host(serve: Serve) -> None:
    main = await serve(hang_up_on=frozenset({1, 2}))
    backup = await serve()
    hosts = (main.url, backup.url)
    async with WeChatClient(fast(max_attempts=3), default_hosts=hosts) as client:
        error = await fails(client.post(None, "/w", parse_json_body, {}, idempotent=False))
        assert "may or may not have" in error.message
        # A read on the same client, lost the same way, still fails over.
        assert (await client.post_json(None, "/x", {}))["n"] == 1
    assert len(main.requests) == 2  # the write, then the read
    assert len(backup.requests) == 1  # the read's, never the write's


async def test_item11_stable_token_force_refresh_is_sent_once_per_refresh(serve: Serve) -> None:
    tokens = iter(["tok-A", "tok-A"])  # normal mode keeps returning the rejected token

    def stable_or_domain(n: int) -> bytes:
        request = server.requests[n - 1]
        if STABLE_TOKEN_PATH.encode() not in request.split(b"\r\n", 1)[0]:
            rejected = {"errcode": 40001, "errmsg": "invalid credential"}
            return response(json.dumps(rejected).encode())
        if b'"force_refresh":true' in request:
            return response(json.dumps({"errcode": -1, "errmsg": "system error"}).encode())
        token = {"access_token": next(tokens), "expires_in": 7200}
        return response(json.dumps(token).encode())

    server = await serve(stable_or_domain)
    async with WeChatClient(fast(max_attempts=3)) as client:
        source = StableToken("wx0123456789abcdef", lambda: "secret", client, server.url)
        error = await fails(
            client.call_with_token(server.url, EFFECTIVE_DOMAIN_PATH, source, parse_json_body)
        )
    assert isinstance(error, TokenError)
    forced = [r for r in server.requests if b'"force_refresh":true' in r]
    assert len(forced) == 1


# -- 12. header numbers are ASCII digits; Content-Length beside chunked is refused --------------


@pytest.mark.parametrize(
    ("head", "said"),
    [
        # Latin-1 as header bytes are read: b"\xb2" is "²", b"\xb9" is "¹".
        ("Content-Length: \u00b2", "Content-Length is not one number"),
        ("Content-Length: 1\u00b9", "Content-Length is not one number"),
        (
            "Content-Length: 2\r\nTransfer-Encoding: chunked",
            "both Content-Length and Transfer-Encoding",
        ),
    ],
)
async def test_item12_header_numbers_are_ascii_digits_and_lengths_do_not_meet_chunks(
    serve: Serve, head: str, said: str
) -> None:
    def answer(n: int) -> bytes:
        if n == 1:
            return f"HTTP/1.1 200 OK\r\n{head}\r\n\r\n{{}}".encode("latin-1")
        return json_answer(n)

    server = await serve(answer)
    async with WeChatClient(fast(max_attempts=1)) as client:
        error = await fails(client.post_json(server.url, "/x", {}))
        assert isinstance(error, NetworkError)
        assert error.message.startswith("Could not reach 127.0.0.1:")
        assert said in error.message
        assert (await client.post_json(server.url, "/x", {}))["n"] == 2  # on a new connection


# -- 18. the RFC 9112 rules the lean path relies on, beside tests/wechat/test_wire.py ----------
# Covered there: the status line and header syntax (obs-fold refused), bare LF, Content-Length
# lists that must agree, chunked last, chunk extensions and trailers, 1xx skipped, HTTP/1.0 not
# kept alive, Connection: close, the body read to the close, an answer cut short; and the
# keep-alive cases: a 408 sent on an idle connection, bytes after an answer. Item 11 above has
# a POST on a connection the server just closed.


@pytest.mark.parametrize("status", ["204 No Content", "304 Not Modified"])
async def test_item18_a_204_or_304_has_no_body_whatever_its_headers_say(
    serve: Serve, status: str
) -> None:
    def answer(n: int) -> bytes:
        if n == 1:  # RFC 9112 6.3: no body, even with a length; the next answer follows
            return f"HTTP/1.1 {status}\r\nContent-Length: 10\r\n\r\n".encode()
        return json_answer(n)

    server = await serve(answer)
    async with WeChatClient(fast(max_attempts=1)) as client:
        error = await fails(client.post_json(server.url, "/x", {}))
        assert isinstance(error, HttpStatusError)
        assert (await client.post_json(server.url, "/x", {}))["n"] == 2


@pytest.mark.parametrize(
    ("status_line", "said"),
    [
        ("HTTP/1.1 101 Switching Protocols", "switches protocols"),
        ("HTTP/2.0 200 OK", "not HTTP/1.1"),
        ("HTTP/1.1 2000 OK", "not HTTP/1.1"),
    ],
)
async def test_item18_a_status_line_of_another_protocol_is_refused(
    serve: Serve, status_line: str, said: str
) -> None:
    server = await serve(lambda _n: f"{status_line}\r\n\r\n".encode())
    async with WeChatClient(fast(max_attempts=1)) as client:
        error = await fails(client.post_json(server.url, "/x", {}))
    assert said in error.message


async def test_item18_a_body_cut_short_inside_a_chunk_is_an_error(serve: Serve) -> None:
    """RFC 9112 8: an incomplete message is not an answer, whatever it held so far."""
    body = json.dumps(ANSWER).encode()
    cut = CHUNKED_HEAD + f"{len(body) + 10:x}\r\n".encode() + body
    server = await serve(lambda _n: cut, close_after=True)
    async with WeChatClient(fast(max_attempts=1)) as client:
        error = await fails(client.post_json(server.url, "/x", {}))
    assert "closed or reset before an answer" in error.message
