"""A lean HTTP/1.1 path for WeChat's API calls: POST a small JSON body, read the answer.

httpx spends about a millisecond of CPU on each request on things these calls never use
(cookies, auth, redirects, URL merging, anyio's wrappers). Fetching a thousand merchants makes
two thousand calls, and that CPU, not the network, set the pace. This path speaks HTTP/1.1
with h11 (the sans-IO parser under httpx) over asyncio streams, one kept-alive connection per
request in flight, and answers in httpx's terms: its response attributes and its exceptions,
so the client treats both paths alike. Hosts reached through a proxy stay on httpx, which
knows proxies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11
import httpx

from wxdash.wechat.redact import redact

log = logging.getLogger("wxdash.wire")

READ_SIZE = 64 * 1024

Origin = tuple[str, str, int]  # scheme, host, port


def origin_of(url: str) -> Origin:
    parts = urlsplit(url)
    scheme = parts.scheme
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, parts.hostname or "", port


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float
    read: float  # also bounds each write, as httpx's single `timeout` does


class Response:
    """The part of httpx.Response the client reads: status, reason, headers, body chunks."""

    def __init__(self, connection: Connection, event: h11.Response) -> None:
        self._connection = connection
        self.status_code = event.status_code
        self.reason_phrase = event.reason.decode("latin-1")
        self.headers = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in event.headers
        }

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The body, decompressed if the server compressed it anyway (wxdash asks it not to)."""
        encoding = self.headers.get("content-encoding", "identity").strip().lower()
        if encoding in ("identity", ""):
            async for chunk in self._connection.body():
                yield chunk
            return
        if encoding not in ("gzip", "deflate"):
            raise httpx.DecodingError(f"unsupported content-encoding {encoding!r}")
        # 32 + MAX_WBITS reads gzip and zlib headers alike.
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)
        try:
            async for chunk in self._connection.body():
                if data := inflater.decompress(chunk):
                    yield data
            if rest := inflater.flush():
                yield rest
        except zlib.error as exc:
            raise httpx.DecodingError(str(exc)) from None


class Connection:
    """One kept-alive HTTP/1.1 connection to one origin, one request at a time."""

    def __init__(
        self, origin: Origin, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.origin = origin
        self._reader = reader
        self._writer = writer
        self._h11 = h11.Connection(h11.CLIENT)
        self._read_timeout = 0.0
        self.heard = False  # whether the server sent anything for the current request

    @classmethod
    async def open(
        cls, origin: Origin, timeouts: Timeouts, tls: ssl.SSLContext | None
    ) -> Connection:
        scheme, host, port = origin
        try:
            async with asyncio.timeout(timeouts.connect):
                reader, writer = await asyncio.open_connection(
                    host,
                    port,
                    ssl=tls if scheme == "https" else None,
                    server_hostname=host if scheme == "https" else None,
                    limit=READ_SIZE,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout("connect timed out") from None
        except OSError as exc:  # refused, unreachable, DNS, TLS verification
            raise httpx.ConnectError(str(exc)) from None
        return cls(origin, reader, writer)

    @property
    def reusable(self) -> bool:
        """Idle, and not closed by the server while it waited in the pool."""
        return (
            self._h11.our_state is h11.IDLE
            and not self._reader.at_eof()
            and not self._writer.is_closing()
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()

    async def send(
        self, target: str, headers: list[tuple[str, str]], body: bytes, timeouts: Timeouts
    ) -> Response:
        """Send one request and read the head of its answer; the body is read through the
        response, then `finish()`. On failure the connection is closed."""
        self._read_timeout = timeouts.read
        self.heard = False
        scheme, host, port = self.origin
        default_port = 443 if scheme == "https" else 80
        authority = host if port == default_port else f"{host}:{port}"
        request = h11.Request(
            method="POST",
            target=target,
            headers=[("Host", authority), *headers, ("Content-Length", str(len(body)))],
        )
        try:
            data = self._h11.send(request) + self._h11.send(h11.Data(data=body))
            data += self._h11.send(h11.EndOfMessage())
            self._writer.write(data)
            try:
                async with asyncio.timeout(timeouts.read):
                    await self._writer.drain()
            except TimeoutError:
                raise httpx.WriteTimeout("write timed out") from None
            except OSError:
                raise httpx.WriteError("") from None  # the client says: closed or reset
            event = await self._next_event()
            while not isinstance(event, h11.Response):  # skip 1xx informational answers
                event = await self._next_event()
        except BaseException:
            self.close()
            raise
        return Response(self, event)

    def finish(self) -> bool:
        """After the answer: ready for the next request (True), or closed (False) because
        its body was not read to the end or the server ends the connection."""
        if self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
            self._h11.start_next_cycle()
            return self.reusable
        self.close()
        return False

    async def body(self) -> AsyncIterator[bytes]:
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return

    async def _next_event(self) -> h11.Event:
        while True:
            try:
                event = self._h11.next_event()
            except h11.ProtocolError as exc:  # not HTTP, or cut short
                raise httpx.RemoteProtocolError("" if not self.heard else str(exc)) from None
            if event is not h11.NEED_DATA:
                if event is h11.PAUSED or isinstance(event, h11.ConnectionClosed):
                    raise httpx.RemoteProtocolError("")  # closed before an answer
                return event
            try:
                async with asyncio.timeout(self._read_timeout):
                    data = await self._reader.read(READ_SIZE)
            except TimeoutError:
                raise httpx.ReadTimeout("read timed out") from None
            except OSError:
                raise httpx.ReadError("") from None  # reset
            self.heard = self.heard or bool(data)
            self._h11.receive_data(data)  # b"" tells h11 the server closed


class Pool:
    """Kept-alive connections by origin. The caller bounds how many requests run at once."""

    def __init__(self, timeouts: Timeouts, tls: ssl.SSLContext, keep: int) -> None:
        self.timeouts = timeouts
        self._tls = tls
        self._keep = keep
        self._idle: dict[Origin, list[Connection]] = {}

    @contextlib.asynccontextmanager
    async def post(
        self, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> AsyncIterator[Response]:
        parts = urlsplit(url)
        origin = origin_of(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection = self._idle_connection(origin)
        response: Response | None = None
        if connection is not None:
            try:
                response = await connection.send(target, headers, body, self.timeouts)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                if connection.heard:
                    raise
                # The server closed this idle connection as the request went out, a race
                # every kept-alive client meets: nothing was answered, so ask on a new one.
                log.debug("kept-alive connection to %s closed by the server; reconnecting", url)
        if response is None:
            tls = self._tls if origin[0] == "https" else None
            connection = await Connection.open(origin, self.timeouts, tls)
            response = await connection.send(target, headers, body, self.timeouts)
        assert connection is not None
        if log.isEnabledFor(logging.DEBUG):  # as httpx logs each answer, token masked
            status = f"{response.status_code} {response.reason_phrase}"
            log.debug('HTTP Request: POST %s "HTTP/1.1 %s"', redact(url), redact(status))
        try:
            yield response
        except BaseException:
            connection.close()
            raise
        if connection.finish():
            self._park(connection)

    def _idle_connection(self, origin: Origin) -> Connection | None:
        idle = self._idle.get(origin, [])
        while idle:
            connection = idle.pop()
            if connection.reusable:
                return connection
            connection.close()
        return None

    def _park(self, connection: Connection) -> None:
        idle = self._idle.setdefault(connection.origin, [])
        if len(idle) < self._keep:
            idle.append(connection)
        else:
            connection.close()

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
