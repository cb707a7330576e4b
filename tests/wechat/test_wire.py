"""The lean HTTP path (`wire`) against a scripted loopback server: kept-alive connections,
servers that close them, compressed and chunked bodies, and what a bad answer becomes.

The fake WeChat server runs every other client test through this path too; this server only
does the HTTP things the fake does not (gzip, chunks, closing at odd moments)."""

from __future__ import annotations

import gzip
import json
import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import trustme
from conftest import MARKER, fast
from scripted import (
    ANSWER,
    Scripted,
    idle_connections_heard_the_server,
    json_answer,
    response,
    scripted_servers,
)

from wxdash.wechat.client import WeChatClient
from wxdash.wechat.errors import NetworkError, ResponseFormatError
from wxdash.wechat.models import parse_json_body

Serve = Callable[..., Awaitable[Scripted]]


Authority = tuple[trustme.CA, ssl.SSLContext, Path]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    async with scripted_servers() as start:
        yield start


async def test_calls_one_after_another_share_one_kept_alive_connection(serve: Serve) -> None:
    server = await serve()
    async with WeChatClient(fast()) as client:
        answers = [await client.post_json(server.url, "/x", {}) for _ in range(5)]
    assert [a["n"] for a in answers] == [1, 2, 3, 4, 5]
    assert server.connections == 1
    first = server.requests[0].decode()
    assert first.startswith("POST /x HTTP/1.1\r\n")
    assert "Content-Type: application/json" in first
    assert first.endswith("\r\n\r\n{}")


async def test_a_server_that_hangs_up_after_each_answer_gets_a_new_connection(serve: Serve) -> None:
    server = await serve(close_after=True)
    answers = []
    async with WeChatClient(fast(max_attempts=1)) as client:
        for _ in range(4):
            answers.append(await client.post_json(server.url, "/x", {}))
            # The hang-up, taken in while the connection idles. (A request that met it on
            # the way out would be a failed attempt: a POST is never resent unasked.)
            await idle_connections_heard_the_server(client)
    assert [a["n"] for a in answers] == [1, 2, 3, 4]
    assert server.connections == 4


async def test_connection_close_in_the_answer_is_honoured(serve: Serve) -> None:
    def answer(n: int) -> bytes:
        return response(json.dumps({**ANSWER, "n": n}).encode(), "Connection: close")

    server = await serve(answer)
    async with WeChatClient(fast(max_attempts=1)) as client:
        answers = [await client.post_json(server.url, "/x", {}) for _ in range(3)]
    assert [a["n"] for a in answers] == [1, 2, 3]
    assert server.connections == 3


async def test_gzip_and_chunked_bodies_are_read_whole(serve: Serve) -> None:
    body = gzip.compress(json.dumps({**ANSWER, "list": ["https://a.example.com"] * 500}).encode())
    chunks = b"".join(
        f"{len(body[i : i + 100]):x}\r\n".encode() + body[i : i + 100] + b"\r\n"
        for i in range(0, len(body), 100)
    )

    def answer(_n: int) -> bytes:
        return response(
            chunks + b"0\r\n\r\n", "Content-Encoding: gzip", "Transfer-Encoding: chunked"
        )

    server = await serve(answer)
    async with WeChatClient(fast()) as client:
        got = await client.post_json(server.url, "/x", {})
    assert got["list"] == ["https://a.example.com"] * 500


async def test_a_body_that_is_not_the_gzip_it_claims_is_a_clear_error(serve: Serve) -> None:
    server = await serve(lambda _n: response(b"not gzip at all", "Content-Encoding: gzip"))
    async with WeChatClient(fast(max_attempts=1)) as client:
        with pytest.raises(ResponseFormatError) as caught:
            await client.post_json(server.url, "/x", {})
    assert "could not be decoded" in caught.value.message


async def test_an_answer_cut_short_is_a_network_error_and_the_next_call_works(serve: Serve) -> None:
    def answer(n: int) -> bytes:
        if n == 1:  # promises 100 bytes, sends 5, hangs up
            return response(b'{"err', "Content-Length: 100")
        return json_answer(n)

    server = await serve(answer, close_after=True)
    async with WeChatClient(fast(max_attempts=1)) as client:
        with pytest.raises(NetworkError) as caught:
            await client.post_json(server.url, "/x", {})
        assert "127.0.0.1" in caught.value.message
        assert (await client.post_json(server.url, "/x", {}))["n"] == 2


async def test_garbage_instead_of_http_is_a_network_error(serve: Serve) -> None:
    server = await serve(lambda _n: b"SSH-2.0-OpenSSH_9.6\r\n\r\n", close_after=True)
    async with WeChatClient(fast(max_attempts=1)) as client:
        with pytest.raises(NetworkError) as caught:
            await client.post_json(server.url, "/x", {})
    assert caught.value.message.startswith("Could not reach 127.0.0.1:")


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    """A certificate authority of the test's own, a server context it signed for 127.0.0.1,
    and its certificate as a file."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    return ca, context, pem


async def test_https_certificates_are_verified(serve: Serve, authority: Authority) -> None:
    _ca, context, _pem = authority
    server = await serve(tls=context)
    async with WeChatClient(fast(max_attempts=1)) as client:
        with pytest.raises(NetworkError) as caught:
            await client.post_json(server.url, "/x", {})
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.message
    assert server.requests == []  # nothing was sent to a server wxdash could not trust


async def test_https_with_a_trusted_certificate_keeps_its_connection(
    serve: Serve, authority: Authority, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ca, context, pem = authority
    monkeypatch.setenv("SSL_CERT_FILE", str(pem))  # as httpx honours it, so does this path
    server = await serve(tls=context)
    async with WeChatClient(fast(max_attempts=1)) as client:
        answers = [await client.post_json(server.url, "/x", {}) for _ in range(3)]
    assert [a["n"] for a in answers] == [1, 2, 3]
    assert server.connections == 1
    assert server.requests[0].startswith(b"POST /x HTTP/1.1\r\nHost: 127.0.0.1:")


async def test_bytes_after_an_answer_are_never_read_as_the_next_answer(serve: Serve) -> None:
    """A server that sends a second answer unasked (a smuggling attempt, or a broken proxy):
    the connection is dropped, and the next call gets its own answer from a new one."""

    def answer(n: int) -> bytes:
        smuggled = response(json.dumps({"errcode": 0, "errmsg": "SMUGGLED"}).encode())
        return json_answer(n) + (smuggled if n == 1 else b"")

    server = await serve(answer)
    async with WeChatClient(fast(max_attempts=1)) as client:
        first = await client.post_json(server.url, "/x", {})
        second = await client.post_json(server.url, "/x", {})
    assert (first["n"], second["n"]) == (1, 2)
    assert "SMUGGLED" not in json.dumps(second)
    assert server.connections == 2


async def test_a_408_sent_while_idle_means_a_quiet_reconnect(serve: Serve) -> None:
    timeout = response(b"", "Connection: close", status="408 Request Timeout")
    server = await serve(unasked=timeout)
    async with WeChatClient(fast(max_attempts=1)) as client:
        assert (await client.post_json(server.url, "/x", {}))["n"] == 1
        server.speak.set()  # the 408 goes out while the connection waits in the pool
        await idle_connections_heard_the_server(client)
        assert (await client.post_json(server.url, "/x", {}))["n"] == 2
    assert server.connections == 2


async def test_the_token_stays_out_of_the_log_when_a_connection_is_replaced(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    """Even a log handler without wxdash's redacting filter never gets the token."""
    caplog.set_level(logging.DEBUG)
    server = await serve(hang_up_on=frozenset({2}))
    async with WeChatClient(fast(max_attempts=2)) as client:
        for _ in range(2):
            await client.post(server.url, "/x", parse_json_body, {}, token=MARKER)
    assert "closed with the request sent" in caplog.text
    assert "attempt 1 failed" in caplog.text
    assert "access_token=" in caplog.text
    assert MARKER not in caplog.text


async def test_an_api_base_with_spaces_or_chinese_in_its_path_is_sent_encoded(
    serve: Serve,
) -> None:
    server = await serve()
    async with WeChatClient(fast(max_attempts=1)) as client:
        await client.post_json(server.url + "/a b/路径", "/x", {})
    assert server.requests[0].startswith(b"POST /a%20b/%E8%B7%AF%E5%BE%84/x HTTP/1.1\r\n")


async def test_an_ipv6_loopback_api_base_sends_a_bracketed_host(serve: Serve) -> None:
    try:
        server = await serve(host="::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    async with WeChatClient(fast(max_attempts=1)) as client:
        assert (await client.post_json(server.url, "/x", {}))["n"] == 1
    port = server.url.rsplit(":", 1)[1]
    assert f"\r\nHost: [::1]:{port}\r\n".encode() in server.requests[0]


async def test_a_compressed_body_over_the_size_cap_is_refused(serve: Serve) -> None:
    """Ten megabytes of zeros gzip to about ten kilobytes: the cap counts what they inflate to."""
    bomb = gzip.compress(b"0" * (10 * 1024 * 1024))
    server = await serve(lambda _n: response(bomb, "Content-Encoding: gzip"))
    async with WeChatClient(fast(max_attempts=1, max_response_bytes=1024 * 1024)) as client:
        with pytest.raises(ResponseFormatError) as caught:
            await client.post_json(server.url, "/x", {})
    assert "over 1048576 bytes" in caught.value.message


async def test_certificates_that_cannot_be_loaded_are_a_clear_error(
    serve: Serve, authority: Authority, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _ca, context, _pem = authority
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    server = await serve(tls=context)
    async with WeChatClient(fast(max_attempts=1)) as client:
        with pytest.raises(NetworkError) as caught:
            await client.post_json(server.url, "/x", {})
    assert "SSL_CERT_FILE" in caught.value.message


async def test_an_http_1_0_answer_read_to_its_end_leaves_its_connection(serve: Serve) -> None:
    def answer(n: int) -> bytes:  # no length: the body ends where the server hangs up
        body = json.dumps({**ANSWER, "n": n}).encode()
        return b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + body

    server = await serve(answer, close_after=True)
    async with WeChatClient(fast()) as client:
        answers = [await client.post_json(server.url, "/x", {}) for _ in range(2)]
    assert [a["n"] for a in answers] == [1, 2]
    assert server.connections == 2


async def test_an_http_1_0_answer_with_a_length_is_not_kept_alive(serve: Serve) -> None:
    def answer(n: int) -> bytes:
        return json_answer(n).replace(b"HTTP/1.1", b"HTTP/1.0", 1)

    server = await serve(answer)
    async with WeChatClient(fast()) as client:
        answers = [await client.post_json(server.url, "/x", {}) for _ in range(2)]
    assert [a["n"] for a in answers] == [1, 2]
    assert server.connections == 2  # HTTP/1.0 keeps nothing alive unless it says so


async def test_an_informational_answer_first_is_passed_over(serve: Serve) -> None:
    server = await serve(lambda n: b"HTTP/1.1 100 Continue\r\n\r\n" + json_answer(n))
    async with WeChatClient(fast()) as client:
        answers = [await client.post_json(server.url, "/x", {}) for _ in range(3)]
    assert [a["n"] for a in answers] == [1, 2, 3]
    assert server.connections == 1


async def test_chunk_extensions_trailers_and_bare_line_feeds_are_read(serve: Serve) -> None:
    body = json.dumps(ANSWER).encode()
    half = len(body) // 2

    def answer(_n: int) -> bytes:
        return (
            b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nX-Note:  spaced out  \n\n"
            + f"{half:X};name=value\r\n".encode()
            + body[:half]
            + f"\r\n{len(body) - half:x}\n".encode()
            + body[half:]
            + b"\n0\r\nX-Trailer: ignored\r\n\r\n"
        )

    server = await serve(answer)
    async with WeChatClient(fast()) as client:
        answers = [await client.post_json(server.url, "/x", {}) for _ in range(2)]
    assert answers == [ANSWER, ANSWER]
    assert server.connections == 1  # read to its end, trailers too: the connection is reused


@pytest.mark.parametrize(
    ("head", "said"),
    [
        ("Content-Length: 5\r\nContent-Length: 6", "Content-Length is not one number"),
        ("Content-Length: -5", "Content-Length is not one number"),
        ("Transfer-Encoding: gzip", "transfer-encoding wxdash does not read"),
        ("Bad Header: x", "a header line HTTP does not allow"),
        (" folded: x", "a header line HTTP does not allow"),
        ("X-Long: " + "a" * 70_000, "over 65536 bytes long"),
    ],
)
async def test_an_answer_http_does_not_allow_is_refused_clearly(
    serve: Serve, head: str, said: str
) -> None:
    def answer(n: int) -> bytes:
        if n == 1:
            return f"HTTP/1.1 200 OK\r\n{head}\r\n\r\n{{}}".encode()
        return json_answer(n)

    server = await serve(answer)
    async with WeChatClient(fast(max_attempts=1)) as client:
        with pytest.raises(NetworkError) as caught:
            await client.post_json(server.url, "/x", {})
        assert caught.value.message.startswith("Could not reach 127.0.0.1:")
        assert said in caught.value.message
        assert (await client.post_json(server.url, "/x", {}))["n"] == 2  # on a new connection
    assert server.connections == 2
