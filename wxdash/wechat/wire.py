"""A lean HTTP/1.1 path for WeChat's API calls: POST a small JSON body, read the answer.

httpx spends about a millisecond of CPU on each request on things these calls never use
(cookies, auth, redirects, URL merging, anyio's wrappers), and even h11, the parser under it,
took a third of what remained. Fetching a thousand merchants makes two thousand calls, and
that CPU, not the network, set the pace. So this path writes its requests and reads the answers
itself, over asyncio streams, one kept-alive connection per request in flight, strictly: a
status line and header fields as RFC 9112 writes them, a body framed by Content-Length, chunks
or the end of the connection, and nothing else. Hosts reached through a proxy go through httpx,
which knows proxies (`httpx_path`); both paths answer with the same response attributes and raise
the errors of `transport`; httpx is not even imported when no proxy is in the way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
import zlib
from collections.abc import AsyncIterator, Callable

from wxdash.i18n import N_
from wxdash.wechat.redact import redact
from wxdash.wechat.transport import (
    BadEncoding,
    Closed,
    ConnectFailed,
    NotHttp,
    Origin,
    TimedOut,
    Timeouts,
    WireError,
    ascii_host,
    authority,
    default_tls,
    load_tls,
    request_target,
    split_url,
)

log = logging.getLogger("wxdash.wire")

READ_SIZE = 64 * 1024


class Response:
    """What the client reads of an answer, named as httpx names it: status, reason, headers,
    body chunks."""

    def __init__(
        self, connection: Connection, status_code: int, reason: str, headers: dict[str, str]
    ) -> None:
        self._connection = connection
        self.status_code = status_code
        self.reason_phrase = reason
        self.headers = headers  # lower-case names; repeated headers joined by ", "

    @property
    def num_bytes_downloaded(self) -> int:
        """The body's bytes as they came over the wire, chunk framing and trailers included:
        the size cap counts these too, as a body can be small and its framing endless."""
        return self._connection.downloaded

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The body, decompressed if the server compressed it anyway (wxdash asks it not to)."""
        encoding = self.headers.get("content-encoding", "identity").strip().lower()
        async with contextlib.aclosing(self._connection.body()) as body:
            if encoding in ("identity", ""):
                async for chunk in body:
                    yield chunk
                return
            if encoding not in ("gzip", "deflate"):
                raise BadEncoding(N_("unsupported content-encoding {encoding}"), encoding=encoding)
            async for data in _inflate(body):
                yield data


async def _inflate(body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """A gzip or zlib stream, decompressed up to its end: what follows the end (another
    member, junk) is not read, and the connection, not read to its end, is not kept."""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # 32: gzip and zlib headers alike
    try:
        async for chunk in body:
            # In steps of READ_SIZE: the caller's size cap then stops a small chunk that would
            # inflate to gigabytes before it is all in memory.
            data = inflater.decompress(chunk, READ_SIZE)
            yield data  # even empty: the caller's cap also counts the bytes as they came
            while inflater.unconsumed_tail and not inflater.eof:
                yield inflater.decompress(inflater.unconsumed_tail, READ_SIZE)
            if inflater.eof:
                return
        if rest := inflater.flush():
            yield rest
    except zlib.error as exc:
        raise BadEncoding(str(exc)) from None


# HTTP/1.1 as RFC 9112 writes it. Lines may end in a bare LF, as RFC 9112 lets a client accept;
# obsolete folded header lines are refused.
_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?: ([^\r\n]*))?\r?\n")
_HEADER_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\r\n]*?)[ \t]*\r?\n")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,15})[ \t]*(?:;[^\r\n]*)?\r?\n")
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e]*")
_DIGITS = re.compile(r"[0-9]+")  # HTTP's digits: str.isdigit() also takes "²" and "٢"
MAX_HEAD = 64 * 1024  # the status line and headers of one answer, or its trailer fields
MAX_CHUNK_LINE = 4 * 1024  # a chunk size with its extensions


class Connection:
    """One kept-alive HTTP/1.1 connection to one origin, one request at a time.

    The request is a POST of a small body; the answer's body is framed by Content-Length,
    chunked, or the end of the connection (RFC 9112, section 6.3)."""

    def __init__(
        self, origin: Origin, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.origin = origin
        self._reader = reader
        self._writer = writer
        self._read_timeout = 0.0
        self._idle = True  # between requests
        self._framing: tuple[str, int] = ("length", 0)  # the current answer's body
        self._keep = False  # the current answer lets the connection be used again
        self._complete = False  # the current answer was read to its end
        self.heard = False  # whether the server sent anything for the current request
        self.wrote = False  # whether the current request's bytes were written
        self.downloaded = 0  # bytes of the current answer's body read, framing included

    @classmethod
    async def open(
        cls, origin: Origin, timeouts: Timeouts, tls: ssl.SSLContext | None
    ) -> Connection:
        scheme, host, port = origin
        try:
            host = ascii_host(host)
        except UnicodeError:
            raise ConnectFailed(N_("{host} is not a valid host name"), host=repr(host)) from None
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
        return (
            self._idle
            and not self._buffered()
            and not self._reader.at_eof()
            and not self._writer.is_closing()
        )

    def close(self) -> None:
        self._idle = False
        with contextlib.suppress(Exception):
            self._writer.close()

    async def send(
        self, target: str, headers: list[tuple[str, str]], body: bytes, timeouts: Timeouts
    ) -> Response:
        """Send one request and read the head of its answer; the body is read through the
        response, then `finish()`. On failure the connection is closed."""
        self._read_timeout = timeouts.read
        self._idle = self._complete = self.heard = self.wrote = False
        self.downloaded = 0
        try:
            head = _request_head(self.origin, target, headers, len(body))
        except WireError:
            self.close()
            raise
        try:
            self.wrote = True  # from here on the server may have it, even if write() fails
            self._writer.write(head + body)
            if self._writer.transport.get_write_buffer_size():  # not all sent at once
                try:
                    async with asyncio.timeout(timeouts.read):
                        await self._writer.drain()
                except TimeoutError:
                    raise TimedOut("WriteTimeout") from None
                except OSError:
                    raise Closed() from None
            try:
                async with asyncio.timeout(timeouts.read):
                    return await self._answer()
            except TimeoutError:
                raise TimedOut("ReadTimeout") from None
        except BaseException:
            self.close()
            raise

    def finish(self) -> bool:
        """After the answer: ready for the next request (True), or closed (False) because
        its body was not read to the end or the server ends the connection."""
        if self._complete and self._keep:
            self._idle = True
            if self.reusable:
                return True
        self.close()
        return False

    async def body(self) -> AsyncIterator[bytes]:
        """The body of the current answer, in pieces of at most READ_SIZE bytes."""
        kind, size = self._framing
        if kind == "length":
            async for piece in self._exactly(size):
                yield piece
        elif kind == "chunked":
            while size := await self._chunk_size():
                async for piece in self._exactly(size):
                    yield piece
                await self._chunk_end()
            await self._trailer()
        else:  # until the server closes
            while data := await self._read(READ_SIZE):
                yield data
        self._complete = True

    # -- reading the answer ------------------------------------------------------------

    async def _answer(self) -> Response:
        """The head of the answer; informational (1xx) answers are skipped."""
        while True:
            line = await self._line(heading=True)
            if (status := _STATUS_LINE.fullmatch(line)) is None:
                shown = repr(bytes(line[:40]))
                raise NotHttp(N_("the answer is not HTTP/1.1 (it begins {shown})"), shown=shown)
            minor, code, reason = status.groups()
            headers = await self._headers()
            status_code = int(code)
            if status_code == 101 or status_code < 100:
                raise NotHttp(N_("the answer switches protocols ({status})"), status=status_code)
            if status_code >= 200:
                break
        self._framing = _framing(status_code, headers)
        tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        self._keep = minor == b"1" and "close" not in tokens and self._framing[0] != "close"
        return Response(self, status_code, (reason or b"").decode("latin-1"), headers)

    async def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        size = 0
        while (line := await self._line(heading=True)) not in (b"\r\n", b"\n"):
            size += len(line)
            if (field := _HEADER_LINE.fullmatch(line)) is None or size > MAX_HEAD:
                shown = repr(bytes(line[:40]))
                raise NotHttp(
                    N_("the answer has a header line HTTP does not allow: {shown}"), shown=shown
                )
            name = field[1].decode("ascii").lower()
            value = field[2].decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return headers

    async def _line(self, *, heading: bool = False) -> bytes:
        """One line, with its end. The head's lines are read under `send`'s timeout, the
        body's (chunk sizes, trailer fields) each under the read timeout, already here or not:
        a server that keeps sending lines must still meet a timeout."""
        try:
            if heading:
                line = await self._reader.readuntil(b"\n")
            else:
                async with asyncio.timeout(self._read_timeout):
                    line = await self._reader.readuntil(b"\n")
                self.downloaded += len(line)
        except asyncio.IncompleteReadError as exc:  # the server closed mid-line
            self.heard = self.heard or bool(exc.partial)
            raise Closed() from None
        except asyncio.LimitOverrunError:
            raise NotHttp(
                N_("a line of the answer is over {limit} bytes long"), limit=READ_SIZE
            ) from None
        except TimeoutError:
            raise TimedOut("ReadTimeout") from None
        except OSError:
            raise Closed() from None  # reset
        self.heard = True
        return line

    async def _read(self, limit: int) -> bytes:
        """Up to `limit` bytes; b"" once the server has closed."""
        try:
            if self._buffered():  # already here: no wait to time
                data = await self._reader.read(limit)
            else:
                async with asyncio.timeout(self._read_timeout):
                    data = await self._reader.read(limit)
        except TimeoutError:
            raise TimedOut("ReadTimeout") from None
        except OSError:
            raise Closed() from None  # reset
        self.downloaded += len(data)
        return data

    async def _exactly(self, size: int) -> AsyncIterator[bytes]:
        while size:
            if not (data := await self._read(min(size, READ_SIZE))):
                raise Closed()  # cut short
            size -= len(data)
            yield data

    async def _chunk_size(self) -> int:
        line = await self._line()
        if len(line) > MAX_CHUNK_LINE:
            raise NotHttp(
                N_("the answer has a chunk-size line over {limit} bytes"), limit=MAX_CHUNK_LINE
            )
        if (found := _CHUNK_SIZE.fullmatch(line)) is None:
            shown = repr(bytes(line[:40]))
            raise NotHttp(
                N_("the answer has a chunk size HTTP does not allow: {shown}"), shown=shown
            )
        return int(found[1], 16)

    async def _chunk_end(self) -> None:
        if (await self._line()) not in (b"\r\n", b"\n"):
            raise NotHttp(N_("a chunk of the answer is longer than its size"))

    async def _trailer(self) -> None:
        """The trailer fields after the last chunk: read, ignored, and counted against the
        limit the head has, so that a server cannot keep sending them."""
        size = 0
        while (line := await self._line()).strip():
            size += len(line)
            if size > MAX_HEAD:
                raise NotHttp(
                    N_("the answer's trailer fields are over {limit} bytes"), limit=MAX_HEAD
                )

    def _buffered(self) -> bytes | bytearray:
        """What the server sent that is not read yet. (StreamReader has no public view of
        it; _buffer has been that bytearray since asyncio began.)"""
        return getattr(self._reader, "_buffer", b"")


def _request_head(
    origin: Origin, target: str, headers: list[tuple[str, str]], length: int
) -> bytes:
    try:
        host = authority(origin)
    except UnicodeError as exc:
        raise WireError(N_("cannot send that URL: {reason}"), reason=str(exc)) from None
    fields = [("Host", host), *headers, ("Content-Length", str(length))]
    if not all(_FIELD_VALUE.fullmatch(value) for _name, value in fields):
        raise WireError(
            N_("cannot send that URL: {host} is not a host HTTP allows"), host=repr(host)
        )
    lines = "".join(f"{name}: {value}\r\n" for name, value in fields)
    return f"POST {request_target(target)} HTTP/1.1\r\n{lines}\r\n".encode("ascii")


def _framing(status_code: int, headers: dict[str, str]) -> tuple[str, int]:
    """How the answer's body ends (RFC 9112, section 6.3): ("length", n), ("chunked", 0) or
    ("close", 0), read until the server closes."""
    if status_code in (204, 304):
        return ("length", 0)
    coding = headers.get("transfer-encoding")
    declared = headers.get("content-length")
    if coding is not None and declared is not None:
        # RFC 9112 6.1: a smuggling attempt, or a broken proxy; a client may refuse it.
        raise NotHttp(N_("the answer has both Content-Length and Transfer-Encoding"))
    if coding is not None:
        if coding.rsplit(",", 1)[-1].strip().lower() != "chunked":
            raise NotHttp(
                N_("the answer has a transfer-encoding wxdash does not read: {shown}"),
                shown=repr(coding[:40]),
            )
        return ("chunked", 0)
    if declared is not None:
        values = {v.strip() for v in declared.split(",")}  # repeated, it must agree
        if len(values) != 1 or not _DIGITS.fullmatch(value := values.pop()):
            raise NotHttp(
                N_("the answer's Content-Length is not one number: {shown}"),
                shown=repr(declared[:40]),
            )
        return ("length", int(value))
    return ("close", 0)


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
        self, url: str, headers: list[tuple[str, str]], body: bytes, *, reuse: bool = True
    ) -> AsyncIterator[Response]:
        """The answer to one POST, on a kept-alive connection if `reuse` and one is idle.

        Nothing is ever sent twice here: a kept-alive connection the server closes as the
        request goes out fails like any other, with `sent` set on the error, and the client
        decides whether another attempt may follow (never for a write). A write (`reuse`
        False) goes on a new connection, where that race cannot happen."""
        origin, target = split_url(url)
        connection = self._idle_connection(origin) if reuse else None
        if connection is None:
            if origin[0] == "https" and self._tls is None:
                self._tls = load_tls(self._make_tls)
            tls = self._tls if origin[0] == "https" else None
            connection = await Connection.open(origin, self.timeouts, tls)
        try:
            response = await connection.send(target, headers, body, self.timeouts)
            if log.isEnabledFor(logging.DEBUG):  # as httpx logs each answer, token masked
                status = f"{response.status_code} {response.reason_phrase}"
                log.debug('HTTP Request: POST %s "HTTP/1.1 %s"', redact(url), redact(status))
            yield response
        except WireError as exc:
            connection.close()
            exc.sent = connection.wrote
            if exc.sent and not connection.heard:
                log.debug("connection to %s closed with the request sent: not resent", redact(url))
            raise
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
