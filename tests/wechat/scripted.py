"""A loopback HTTP/1.1 server whose answers a test writes as raw bytes, for the lean path's tests.

The fake WeChat server runs every other client test; this one does the HTTP things the fake does
not (gzip, chunks, closing at odd moments, answers that never end)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from wxdash.wechat.client import WeChatClient

ANSWER = {"errcode": 0, "errmsg": "ok", "n": 1}
PATIENCE = 30.0  # seconds a test waits for the client to see what the server did

# The nth request (from 1) -> the bytes sent back, all at once or piece by piece (an answer
# that drips or never ends: the pieces stop when the client hangs up).
Answer = bytes | AsyncIterator[bytes]


@dataclass
class Scripted:
    """A loopback HTTP/1.1 server whose answers a test writes as raw bytes."""

    answer: Callable[[int], Answer]
    close_after: bool = False  # hang up after each answer
    unasked: bytes = b""  # sent after an answer, nobody having asked, once `speak` is set
    hang_up_on: frozenset[int] = frozenset()  # requests read, then no answer: the server hangs up
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    url: str = ""
    speak: asyncio.Event = field(default_factory=asyncio.Event)
    hung_up: asyncio.Event = field(default_factory=asyncio.Event)  # the client went away

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length)
                self.requests.append(head + body)
                if len(self.requests) in self.hang_up_on:
                    break
                await self._send(writer, self.answer(len(self.requests)))
                if self.unasked:
                    await self.speak.wait()
                    writer.write(self.unasked)
                    await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            self.hung_up.set()
        finally:
            writer.close()

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, answer: Answer) -> None:
        if isinstance(answer, bytes):
            writer.write(answer)
            await writer.drain()
            return
        async for piece in answer:
            if writer.is_closing():
                raise ConnectionResetError
            writer.write(piece)
            await writer.drain()


def response(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    lines = [f"HTTP/1.1 {status}", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def json_answer(n: int) -> bytes:
    return response(json.dumps({**ANSWER, "n": n}).encode(), "Content-Type: application/json")


Start = Callable[..., Any]


@contextlib.asynccontextmanager
async def scripted_servers() -> AsyncIterator[Start]:
    """`start(answer, tls=..., host=..., port=..., **Scripted options)` starts one (on a free
    port unless given); all stop at the end."""
    servers: list[asyncio.Server] = []

    async def start(
        answer: Callable[[int], Answer] = json_answer,
        *,
        tls: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        **options: Any,
    ) -> Scripted:
        scripted = Scripted(answer, **options)
        server = await asyncio.start_server(scripted.handle, host, port, ssl=tls)
        servers.append(server)
        scheme = "https" if tls else "http"
        where = f"[{host}]" if ":" in host else host
        scripted.url = f"{scheme}://{where}:{server.sockets[0].getsockname()[1]}"
        return scripted

    try:
        yield start
    finally:
        for server in servers:
            server.close()


async def idle_connections_heard_the_server(client: WeChatClient) -> None:
    """Wait until the client's idle connections have taken in what the server did while they
    waited (a hang-up, bytes nobody asked for), as the next call then finds them: so the test
    does not guess how long that takes on a busy machine."""
    idle = [c for connections in client._wire._idle.values() for c in connections]
    for _ in range(int(PATIENCE / 0.01)):
        if not any(connection.reusable for connection in idle):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("an idle connection never saw the server's hang-up or unasked bytes")
