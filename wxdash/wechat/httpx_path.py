"""The same POST through httpx, for hosts behind a proxy and for tests' own transports.

httpx reads the proxy settings of the environment and speaks to HTTP and SOCKS proxies; the
lean path (`wire`) does not. This module gives httpx's answers the attributes the client reads
and turns httpx's exceptions into `wire`'s, so the client handles both paths alike. It is
imported only when one of its callers is.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator
from typing import Any

import httpx

from wxdash.wechat.transport import (
    BadEncoding,
    Closed,
    ConnectFailed,
    NotHttp,
    ProxyRefused,
    TimedOut,
    Timeouts,
    WireError,
)

# Loopback never goes through a proxy, whatever HTTPS_PROXY and NO_PROXY say.
_LOOPBACK_MOUNTS: dict[str, httpx.AsyncBaseTransport | None] = {
    "all://127.0.0.1": None,
    "all://localhost": None,
    "all://[::1]": None,
}


class HttpxPath:
    """POSTs through httpx: one client over `transport` if a test gives one, else a pool of
    one-connection clients ("lanes"). httpcore looks at every pooled connection on each
    request, which at fleet scale costs more CPU than the request; a lane has one."""

    def __init__(
        self,
        timeouts: Timeouts,
        headers: dict[str, str],
        tls: ssl.SSLContext | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 64,
    ) -> None:
        options: dict[str, Any] = {
            "timeout": httpx.Timeout(timeouts.read, connect=timeouts.connect),
            "follow_redirects": False,
            "headers": headers,
        }
        self._shared: httpx.AsyncClient | None = None
        self._free: list[httpx.AsyncClient] = []
        self._lanes: list[httpx.AsyncClient] = []
        if transport is not None:
            limits = httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            )
            self._shared = httpx.AsyncClient(transport=transport, limits=limits, **options)
        else:
            one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
            verify = tls if tls is not None else True
            self._lane_options = {
                **options,
                "mounts": _LOOPBACK_MOUNTS,
                "limits": one,
                "verify": verify,
            }

    @contextlib.asynccontextmanager
    async def post(self, url: str, payload: dict[str, Any]) -> AsyncIterator[httpx.Response]:
        """httpx's streamed response; errors, also while the body is read, as `wire`'s."""
        try:
            if self._shared is not None:
                async with self._shared.stream("POST", url, json=payload) as response:
                    yield response
                return
            lane = self._free.pop() if self._free else self._new_lane()
            try:
                async with lane.stream("POST", url, json=payload) as response:
                    yield response
            finally:
                self._free.append(lane)
        except httpx.RequestError as exc:
            raise _wire_error(exc) from None
        except ImportError as exc:  # a SOCKS proxy, and an install without httpx[socks]
            raise ConnectFailed(str(exc)) from None

    def _new_lane(self) -> httpx.AsyncClient:
        lane = httpx.AsyncClient(**self._lane_options)
        self._lanes.append(lane)
        return lane

    async def aclose(self) -> None:
        for client in [*self._lanes, *([self._shared] if self._shared else [])]:
            await client.aclose()


def _wire_error(exc: httpx.RequestError) -> WireError:
    """httpx's exception as `wire`'s, with `sent` set unless it failed before the request
    could go out (connecting, waiting for the pool, a proxy that refused)."""
    error: WireError
    if isinstance(exc, httpx.TimeoutException):
        error = TimedOut(type(exc).__name__)
    elif isinstance(exc, httpx.ProxyError):
        error = ProxyRefused(str(exc))
    elif isinstance(exc, httpx.DecodingError):
        error = BadEncoding(str(exc))
    elif isinstance(exc, httpx.ConnectError):
        error = ConnectFailed(str(exc))
    elif isinstance(exc, httpx.ReadError | httpx.WriteError):
        error = Closed(str(exc))
    elif isinstance(exc, httpx.RemoteProtocolError):
        error = NotHttp(str(exc))
    else:
        error = WireError(str(exc) or type(exc).__name__)
    unsent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
    error.sent = not isinstance(exc, unsent)
    return error
