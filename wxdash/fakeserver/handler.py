"""The fake's HTTP side: a threading server whose handler routes each request to its endpoint."""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from time import monotonic
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from wxdash.fakeserver.answers import Answer, Refused, Request, error, json_answer, package, rid
from wxdash.fakeserver.routes import route

if TYPE_CHECKING:
    from wxdash.fakeserver.server import FakeWeChat


class LoopbackServer(ThreadingHTTPServer):
    """A thread per connection, and the FakeWeChat whose apps its handlers answer for."""

    # Class attributes: listen() runs in the constructor, so setting the backlog on the
    # instance afterwards would be too late (and the default of 5 drops bursts of connects).
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], fake: FakeWeChat) -> None:
        self.fake = fake
        super().__init__(address, RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a test ending, a fetch cancelled) is not the server's error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class RequestHandler(BaseHTTPRequestHandler):
    """Reads each request of a kept-alive connection, asks its endpoint, writes the answer."""

    server: LoopbackServer
    protocol_version = "HTTP/1.1"
    server_version = "FakeWeChat/1"
    # Headers and body go out in separate writes: with Nagle's algorithm on, each answer on
    # a kept-alive connection would wait ~40 ms for a delayed ACK, a latency WeChat lacks.
    disable_nagle_algorithm = True
    arrived = 0.0  # when the current request's line came in (monotonic)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the tests read stderr

    def parse_request(self) -> bool:
        self.arrived = monotonic()  # the request line is in: its latency starts now
        return super().parse_request()

    def do_GET(self) -> None:
        self._write(json_answer({"errcode": 43002, "errmsg": f"require POST method {rid()}"}))

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        fake = self.server.fake
        fake.requests[parts.path] += 1
        token = query.get("access_token", [None])[0]
        request = Request(fake, parts.path, self.path, token, body)
        try:
            answer = route(parts.path)(request)
        except Refused as refused:
            answer = error(refused.errcode)
        self._write(answer)

    def _write(self, answer: Answer) -> None:
        if answer.reset:
            self._wait()
            self._reset()
            return
        if answer.raw is not None:
            self._wait()
            self._write_raw(answer.raw())
            return
        # The head is only gathered until end_headers.
        self.send_response(answer.status, answer.reason)
        if answer.content_type is not None:
            self.send_header("Content-Type", f"{answer.content_type}; charset=utf-8")
        for name, value in answer.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self._wait()
        self.end_headers()
        try:
            self.wfile.write(answer.body)
        except OSError:
            self.close_connection = True

    def _write_raw(self, pieces: Iterator[bytes]) -> None:
        """Bytes as they come, until they end or the client hangs up; then the connection ends."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            for piece in pieces:
                self.wfile.write(piece)

    def _wait(self) -> None:
        """Hold the answer until `latency` seconds after its request arrived. Reading the
        request and making the answer happen within that time, as they would at WeChat,
        rather than on top of it."""
        if (left := self.server.fake.latency - (monotonic() - self.arrived)) > 0:
            package().time.sleep(left)

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
