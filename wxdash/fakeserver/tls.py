"""TLS servers on loopback for probes to reach: the demo's merchants' hosts, the tests' and the
benchmark's. Each answers a handshake and nothing more; each counts the handshakes it sees
by the name the client asked for (SNI), so a test can tell how often a host was probed.

They run on an asyncio loop in a thread of their own, and keep what any client sends after
its handshake in `received` (a probe sends nothing). `silent()` is a server that accepts a
connection and never says a word (a handshake that never finishes); `closed_port()` a port
where nothing listens.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class _Listen(asyncio.Protocol):
    """After the handshake, keeps whatever the client sends (a probe should send nothing) and
    waits for it to hang up."""

    def __init__(self, received: bytearray) -> None:
        self._received = received

    def data_received(self, data: bytes) -> None:
        self._received.extend(data)


class _Mute(asyncio.Protocol):
    """Holds a connection open and never answers."""

    def __init__(self, held: list[asyncio.BaseTransport]) -> None:
        self._held = held

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._held.append(transport)


class TlsHosts:
    """Loopback servers, started on port 0. Use as a context manager, or `start()`/`stop()`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.handshakes: Counter[str] = Counter()  # by SNI name ("" when none was sent)
        self.received = bytearray()  # what clients sent after their handshakes
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.AbstractServer] = []
        self._held: list[asyncio.BaseTransport] = []
        self._closed: list[socket.socket] = []

    def start(self) -> TlsHosts:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="tls-hosts", daemon=True
            )
            self._thread.start()
        return self

    def __enter__(self) -> TlsHosts:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        self.start()
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def _count(self, tls: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
        with self._lock:
            self.handshakes[name or ""] += 1

    def serve(self, context: ssl.SSLContext) -> int:
        """Serve handshakes with `context` (its certificate loaded); the port."""
        context.sni_callback = self._count  # type: ignore[assignment]

        async def listen() -> asyncio.AbstractServer:
            return await self._loop.create_server(
                lambda: _Listen(self.received),
                self.host,
                0,
                ssl=context,
                ssl_handshake_timeout=30,
                backlog=512,
            )

        return self._port(self._run(listen()))

    def silent(self) -> int:
        """A port that accepts connections and never answers them; the port."""

        async def listen() -> asyncio.AbstractServer:
            return await self._loop.create_server(lambda: _Mute(self._held), self.host, 0)

        return self._port(self._run(listen()))

    def closed_port(self) -> int:
        """A port nothing listens on: bound (so no one else takes it), never listening."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, 0))
        self._closed.append(sock)
        return int(sock.getsockname()[1])

    def _port(self, server: asyncio.AbstractServer) -> int:
        self._servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    def stop(self) -> None:
        for sock in self._closed:
            sock.close()
        if self._thread is None:
            self._loop.close()
            return

        async def close() -> None:
            for server in self._servers:
                server.close()
            for transport in self._held:
                transport.abort()

        self._run(close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._thread = None
        self._loop.close()
