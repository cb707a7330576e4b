"""A lean HTTP/1.1 path for WeChat's API calls: POST a small JSON body, read the answer.

httpx spends about a millisecond of CPU on each request on things these calls never use
(cookies, auth, redirects, URL merging, anyio's wrappers). Fetching a thousand merchants makes
two thousand calls, and that CPU, not the network, set the pace. This path speaks HTTP/1.1
with h11 (the sans-IO parser under httpx) over asyncio streams, one kept-alive connection per
request in flight. Hosts reached through a proxy go through httpx, which knows proxies
(`httpx_path`); both paths answer with the same response attributes and the errors below,
and httpx is not even imported when no proxy is in the way.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import ssl
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import h11

from wxdash.wechat.redact import redact

log = logging.getLogger("wxdash.wire")

READ_SIZE = 64 * 1024

Origin = tuple[str, str, int]  # scheme, host, port


@functools.lru_cache(maxsize=256)
def origin_of(url: str) -> Origin:
    """`(scheme, host, port)` of a URL without secrets in it (an api_base): asked per call."""
    parts = urlsplit(url)
    scheme = parts.scheme
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, parts.hostname or "", port


# -- what can go wrong ----------------------------------------------------------------


class WireError(Exception):
    """No usable answer. The text says why in the transport's words, or is empty."""


class ConnectFailed(WireError):
    """Refused, unreachable, not resolved, or a certificate that could not be verified."""


class Closed(WireError):
    """The connection was closed or reset before the answer was complete."""


class NotHttp(WireError):
    """What came back was not HTTP/1.1."""


class BadEncoding(WireError):
    """A compressed body that could not be decompressed."""


class ProxyRefused(WireError):
    """The proxy would not connect us (only through httpx)."""


class TimedOut(WireError):
    """No answer in time; `what` says which wait ran out, in httpx's names."""

    def __init__(self, what: str) -> None:
        super().__init__("")
        self.what = what  # ConnectTimeout, ReadTimeout, WriteTimeout or PoolTimeout


def default_tls() -> ssl.SSLContext:
    """The certificates httpx would trust: SSL_CERT_FILE, or SSL_CERT_DIR, or certifi's."""
    if cafile := os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=cafile)
    if capath := os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=capath)
    import certifi  # only when an https host is first called

    return ssl.create_default_context(cafile=certifi.where())


def _ascii(host: str) -> str:
    """A host as DNS and the Host header take it: internationalised names in punycode."""
    return host if host.isascii() else host.encode("idna").decode("ascii")


def _authority(origin: Origin) -> str:
    """The Host header: IPv6 literals in brackets, the port unless it is the scheme's own."""
    scheme, host, port = origin
    host = f"[{host}]" if ":" in host else _ascii(host)
    return host if port == (443 if scheme == "https" else 80) else f"{host}:{port}"


def _request_target(target: str) -> str:
    """Path and query with what HTTP does not allow there (spaces, non-ASCII) percent-encoded,
    as httpx does; what is already encoded stays as it is."""
    return quote(target, safe="/?&=%:@!$'()*+,;~-._")


def split_url(url: str) -> tuple[Origin, str]:
    """The origin and the request target (path and query) of a URL. The query holds the
    token, so only the part before the path goes through `origin_of`'s memory."""
    start = url.index("://") + 3
    ends = [i for i in (url.find("/", start), url.find("?", start)) if i >= 0]
    cut = min(ends) if ends else len(url)
    target = url[cut:]
    return origin_of(url[:cut]), target if target.startswith("/") else "/" + target


def load_tls(make: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    """`make()`, with certificates that cannot be read reported as a failure to connect."""
    try:
        return make()
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        raise ConnectFailed(
            f"cannot load the trusted certificates ({exc}); check SSL_CERT_FILE and SSL_CERT_DIR"
        ) from None


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float
    read: float  # also bounds each write, as httpx's single `timeout` does


class Response:
    """What the client reads of an answer, named as httpx names it: status, reason, headers,
    body chunks."""

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
            raise BadEncoding(f"unsupported content-encoding {encoding!r}")
        # 32 + MAX_WBITS reads gzip and zlib headers alike.
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)
        try:
            async for chunk in self._connection.body():
                # In steps of READ_SIZE: the caller's size cap then stops a small chunk that
                # would inflate to gigabytes before it is all in memory.
                data = inflater.decompress(chunk, READ_SIZE)
                while data:
                    yield data
                    data = inflater.decompress(inflater.unconsumed_tail, READ_SIZE)
            if rest := inflater.flush():
                yield rest
        except zlib.error as exc:
            raise BadEncoding(str(exc)) from None


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
            host = _ascii(host)
        except UnicodeError:
            raise ConnectFailed(f"{host!r} is not a valid host name") from None
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
            raise TimedOut("ConnectTimeout") from None
        except OSError as exc:  # refused, unreachable, DNS, TLS verification
            raise ConnectFailed(str(exc)) from None
        return cls(origin, reader, writer)

    @property
    def reusable(self) -> bool:
        """Idle, not closed by the server, and with nothing from it waiting unread: a server
        that speaks unasked (a 408 before hanging up, bytes past its answer) is done with
        this connection, and the next request must not read that as its answer."""
        # StreamReader has no public count of the bytes it holds; _buffer has been that
        # bytearray since asyncio began.
        unread = getattr(self._reader, "_buffer", b"")
        return (
            self._h11.our_state is h11.IDLE
            and not self._h11.trailing_data[0]
            and not unread
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
        try:
            request = h11.Request(
                method="POST",
                target=_request_target(target),
                headers=[
                    ("Host", _authority(self.origin)),
                    *headers,
                    ("Content-Length", str(len(body))),
                ],
            )
        except (h11.LocalProtocolError, UnicodeError) as exc:  # an api_base h11 cannot send
            self.close()
            raise WireError(f"cannot send that URL: {exc}") from None
        try:
            data = self._h11.send(request) + self._h11.send(h11.Data(data=body))
            data += self._h11.send(h11.EndOfMessage())
            self._writer.write(data)
            try:
                async with asyncio.timeout(timeouts.read):
                    await self._writer.drain()
            except TimeoutError:
                raise TimedOut("WriteTimeout") from None
            except OSError:
                raise Closed("") from None
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
                if not self.heard or self._reader.at_eof():
                    raise Closed("") from None
                raise NotHttp(str(exc)) from None
            if event is not h11.NEED_DATA:
                if event is h11.PAUSED or isinstance(event, h11.ConnectionClosed):
                    raise Closed("")
                return event
            try:
                async with asyncio.timeout(self._read_timeout):
                    data = await self._reader.read(READ_SIZE)
            except TimeoutError:
                raise TimedOut("ReadTimeout") from None
            except OSError:
                raise Closed("") from None  # reset
            self.heard = self.heard or bool(data)
            self._h11.receive_data(data)  # b"" tells h11 the server closed


class Pool:
    """Kept-alive connections by origin. The caller bounds how many requests run at once."""

    def __init__(
        self, timeouts: Timeouts, keep: int, tls: Callable[[], ssl.SSLContext] = default_tls
    ) -> None:
        self.timeouts = timeouts
        self._make_tls = tls  # loading certificates is slow: only for the first https host
        self._tls: ssl.SSLContext | None = None
        self._keep = keep
        self._idle: dict[Origin, list[Connection]] = {}
        self._closed = False

    @contextlib.asynccontextmanager
    async def post(
        self, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> AsyncIterator[Response]:
        origin, target = split_url(url)
        connection = self._idle_connection(origin)
        response: Response | None = None
        if connection is not None:
            try:
                response = await connection.send(target, headers, body, self.timeouts)
            except Closed:
                if connection.heard:
                    raise
                # The server closed this idle connection as the request went out, a race
                # every kept-alive client meets: nothing was answered, so ask on a new one.
                log.debug("kept-alive connection to %s closed; reconnecting", redact(url))
        if response is None:
            if origin[0] == "https" and self._tls is None:
                self._tls = load_tls(self._make_tls)
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
        if len(idle) < self._keep and not self._closed:
            idle.append(connection)
        else:
            connection.close()

    async def aclose(self) -> None:
        """Close the idle connections; those in use close when their request ends."""
        self._closed = True
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
