"""The HTTP side of WeChat's API: one pooled async client with timeouts, retries and failover.

Rules this module keeps, whatever the caller does:
- the token goes only into the URL of a POST to https (or plain http to this machine);
- redirects are never followed, and bodies over a size cap are refused;
- errcode -1, 5xx and transport failures are retried with exponential backoff and jitter,
  bounded by attempts and by total time; credential and permission errors are not;
- errcode 45011 (calls too frequent) is retried the same way, with a longer backoff;
- on transport failures, a profile on WeChat's default host fails over to the backup hosts;
- a token rejected with 40001/40014/42001 is refreshed once when its source can refresh;
- the whole call (attempts, failover, backoff, token refresh) ends within `retry_time`;
- nothing is sent twice behind the caller's back: a connection lost after the request went out
  is a counted, logged attempt; a write (`idempotent=False`) goes to one host, sent again only
  if surely not carried out (refused unsent, or errcode -1): sent, its lost answer is unknown.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlencode, urlsplit

from wxdash import __version__
from wxdash.i18n import N_
from wxdash.wechat.attempts import tell_attempt
from wxdash.wechat.errors import (
    ApiError,
    CallTimeoutError,
    HttpStatusError,
    InsecureUrlError,
    NetworkError,
    ProxyRefusedError,
    ResponseFormatError,
    UnknownOutcomeError,
    WxDashError,
    too_large,
)
from wxdash.wechat.models import (
    DomainReport,
    WebviewReport,
    parse_domain_report,
    parse_json_body,
    parse_webview_report,
)
from wxdash.wechat.quota import QUOTA_PATH, ApiQuota, parse_api_quota
from wxdash.wechat.redact import redact
from wxdash.wechat.transport import (
    BadEncoding,
    Origin,
    ProxyRefused,
    TimedOut,
    Timeouts,
    WireError,
    default_tls,
    is_loopback,
    load_tls,
    proxy_for,
    split_url,
)
from wxdash.wechat.wire import Pool

if TYPE_CHECKING:
    import httpx

    from wxdash.wechat.httpx_path import HttpxPath

log = logging.getLogger("wxdash.client")

DEFAULT_API_BASE = "https://api.weixin.qq.com"
# WeChat's disaster-recovery host first, then the regional access points.
BACKUP_API_BASES = (
    "https://api2.weixin.qq.com",
    "https://sh.api.weixin.qq.com",
    "https://sz.api.weixin.qq.com",
    "https://hk.api.weixin.qq.com",
)
EFFECTIVE_DOMAIN_PATH = "/wxa/get_effective_domain"
EFFECTIVE_WEBVIEW_PATH = "/wxa/get_effective_webviewdomain"
STABLE_TOKEN_PATH = "/cgi-bin/stable_token"

T = TypeVar("T")

USER_AGENT = f"wxdash/{__version__}"
# What the lean path sends with each POST (httpx adds its own defaults on the other path).
_HEADERS = [
    ("User-Agent", USER_AGENT),
    ("Accept", "*/*"),
    ("Accept-Encoding", "identity"),
    ("Content-Type", "application/json"),
]


@dataclass(frozen=True, slots=True)
class NetworkSettings:
    """How patient wxdash is with the network; the config's `[network]` table sets these."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_attempts: int = 3
    retry_time: float = 30.0
    backoff: float = 0.5
    # The first wait after errcode 45011 (too frequent); it doubles, with jitter, like `backoff`.
    rate_limit_backoff: float = 5.0
    max_response_bytes: int = 4 * 1024 * 1024


class TokenProvider(Protocol):
    """What the client needs from a token source (see `tokens`)."""

    @property
    def refreshable(self) -> bool: ...

    async def get(self) -> str: ...

    async def refresh(self, rejected: str) -> str: ...


def normalize_base(api_base: str) -> str:
    return api_base.strip().rstrip("/")


@functools.lru_cache(maxsize=256)
def check_base(api_base: str) -> None:
    """Raise InsecureUrlError unless `api_base` is https, or http to this machine."""
    parts = urlsplit(api_base)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return
    raise InsecureUrlError(redact(api_base))


@functools.lru_cache(maxsize=256)
def _host_of(url: str) -> str:
    return urlsplit(url).netloc or url


class WeChatClient:
    """Calls WeChat's API: the lean HTTP path (`wire`) for direct connections, httpx for
    hosts behind a proxy (`httpx_path`), at most `max_connections` requests at once.

    `transport` replaces the network with an httpx transport (tests may pass one);
    `default_hosts` replaces WeChat's host list for profiles that do not pin an api_base
    (tests point it at loopback servers).
    """

    def __init__(
        self,
        settings: NetworkSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        default_hosts: Sequence[str] = (DEFAULT_API_BASE, *BACKUP_API_BASES),
        max_connections: int = 64,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings or NetworkSettings()
        self._default_hosts = tuple(normalize_base(h) for h in default_hosts)
        # After a failover, later calls start on the host that answered.
        self._preferred = 0
        self._sleep = sleep
        self._limit = asyncio.Semaphore(max(1, max_connections))
        self._max_connections = max(1, max_connections)
        self._timeouts = Timeouts(self.settings.connect_timeout, self.settings.read_timeout)
        self._wire = Pool(self._timeouts, keep=self._max_connections)
        self._transport = transport
        self._httpx: HttpxPath | None = None
        self._proxied: dict[Origin, bool] = {}

    async def __aenter__(self) -> WeChatClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._wire.aclose()
        if self._httpx is not None:
            await self._httpx.aclose()

    @contextlib.asynccontextmanager
    async def _stream(
        self, url: str, payload: dict[str, Any], *, idempotent: bool = True
    ) -> AsyncIterator[Any]:
        """The response to one POST, once fewer than `max_connections` are under way. Both
        paths answer with httpx's attribute names and raise `wire`'s errors."""
        async with self._limit:
            if self._transport is None and not self._through_proxy(url):
                # httpx's own encoding of `json=`, so both paths send the same bytes.
                body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
                async with self._wire.post(url, _HEADERS, body, reuse=idempotent) as response:
                    yield response
            else:
                async with self._via_httpx().post(url, payload) as response:
                    yield response

    def _via_httpx(self) -> HttpxPath:
        if self._httpx is None:
            from wxdash.wechat.httpx_path import HttpxPath

            self._httpx = HttpxPath(
                self._timeouts,
                {"User-Agent": USER_AGENT},
                None if self._transport is not None else load_tls(default_tls),
                transport=self._transport,
                max_connections=self._max_connections,
            )
        return self._httpx

    def _through_proxy(self, url: str) -> bool:
        """Whether the environment's proxy settings (as httpx reads them) apply to `url`.
        Loopback never goes through a proxy, whatever HTTPS_PROXY and NO_PROXY say."""
        origin, _target = split_url(url)
        found = self._proxied.get(origin)
        if found is None:
            found = not is_loopback(origin[1]) and proxy_for(origin)
            self._proxied[origin] = found
        return found

    @property
    def default_api_base(self) -> str:
        return self._default_hosts[0]

    # -- the API calls -------------------------------------------------------------------

    async def get_effective_domain(
        self, api_base: str | None, token: TokenProvider
    ) -> DomainReport:
        """The four groups of server domains for the mini program the token belongs to."""
        return await self.call_with_token(
            api_base, EFFECTIVE_DOMAIN_PATH, token, parse_domain_report
        )

    async def get_effective_webviewdomain(
        self, api_base: str | None, token: TokenProvider
    ) -> WebviewReport:
        """The four groups of business (webview) domains, for the same token."""
        return await self.call_with_token(
            api_base, EFFECTIVE_WEBVIEW_PATH, token, parse_webview_report
        )

    async def get_quota(
        self, api_base: str | None, token: TokenProvider, cgi_path: str = EFFECTIVE_DOMAIN_PATH
    ) -> ApiQuota:
        """Today's quota of one API (get_effective_domain by default) for the token's account."""
        return await self.call_with_token(
            api_base,
            QUOTA_PATH,
            token,
            lambda body: parse_api_quota(body, cgi_path),
            {"cgi_path": cgi_path},
        )

    async def call_with_token(
        self,
        api_base: str | None,
        path: str,
        token: TokenProvider,
        parse: Callable[[bytes], T],
        payload: dict[str, Any] | None = None,
        *,
        idempotent: bool = True,
    ) -> T:
        """POST `payload` (default `{}`) with the source's token; refresh it once if rejected.
        The POST, the refresh and the POST again all end within one `retry_time`. A write
        (`idempotent` False) rejected for its token was not carried out: it is sent again."""
        current = await token.get()
        deadline = self._deadline()
        post = functools.partial(self.post, idempotent=idempotent, deadline=deadline)
        try:
            return await post(api_base, path, parse, payload, token=current)
        except ApiError as error:
            if not (error.token_rejected and token.refreshable):
                raise
            log.info("errcode %s on %s: refreshing the token once", error.errcode, path)
            timer = asyncio.timeout_at(deadline)
            try:
                async with timer:
                    fresh = await token.refresh(current)
            except TimeoutError:
                if not timer.expired():
                    raise
                raise self._out_of_time(self._hosts(api_base)[0], idempotent=True) from None
            return await post(api_base, path, parse, payload, token=fresh)

    async def post_json(
        self,
        api_base: str | None,
        path: str,
        payload: dict[str, Any],
        *,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """POST without a token (stable_token) and return the decoded object."""
        return await self.post(api_base, path, parse_json_body, payload, idempotent=idempotent)

    # -- retries and failover ------------------------------------------------------------

    def _hosts(self, api_base: str | None) -> list[str]:
        if api_base is None or normalize_base(api_base) == DEFAULT_API_BASE:
            hosts = list(self._default_hosts)
            start = self._preferred % len(hosts)
            return hosts[start:] + hosts[:start]
        return [normalize_base(api_base)]

    def _remember(self, hosts: list[str], base: str) -> None:
        # Only a call that could fail over moves the start: a profile pinned to a backup host
        # says nothing about whether WeChat's main host is reachable.
        if len(hosts) > 1 and base in self._default_hosts:
            self._preferred = self._default_hosts.index(base)

    def _deadline(self) -> float:
        """When a call starting now must be over, on the event loop's clock."""
        return asyncio.get_running_loop().time() + self.settings.retry_time

    async def post(
        self,
        api_base: str | None,
        path: str,
        parse: Callable[[bytes], T],
        payload: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        idempotent: bool = True,
        resend_busy: bool = True,
        deadline: float | None = None,
    ) -> T:
        """POST with retries: every host in turn on transport errors, backoff between rounds,
        all over by `deadline` (the loop's clock; `retry_time` from now by default).

        A write (`idempotent` False) goes to one host, sent again only if surely not carried
        out (never sent, or -1 if `resend_busy`): a lost answer is UnknownOutcomeError."""
        hosts = self._hosts(api_base)
        for base in hosts:
            check_base(base)
        deadline = self._deadline() if deadline is None else deadline
        # The backoff is planned on the client's clock (tests give it a fake one); the
        # loop's clock ends whatever is under way at the deadline.
        left = deadline - asyncio.get_running_loop().time()
        tries = _Tries(hosts if idempotent else hosts[:1], time.monotonic() + left, resend_busy)
        timer = asyncio.timeout_at(deadline)
        try:
            async with timer:
                return await self._attempts(tries, path, parse, payload or {}, token, idempotent)
        except TimeoutError:
            if not timer.expired():
                raise
            raise self._out_of_time(tries.base, idempotent) from None

    def _out_of_time(self, base: str, idempotent: bool) -> NetworkError:
        error = CallTimeoutError(_host_of(base), self.settings.retry_time)
        return error if idempotent else UnknownOutcomeError(_host_of(base), error.message)

    async def _attempts(
        self,
        tries: _Tries,
        path: str,
        parse: Callable[[bytes], T],
        payload: dict[str, Any],
        token: str | None,
        idempotent: bool,
    ) -> T:
        while True:
            base = tries.base
            started = time.monotonic()
            tell_attempt(tries.attempt)
            try:
                result = parse(await self._post_once(base, path, payload, token, idempotent))
            except WxDashError as error:
                elapsed = time.monotonic() - started
                log.debug(
                    "POST %s%s attempt %d failed after %.3fs: %s",
                    base,
                    path,
                    tries.attempt,
                    elapsed,
                    error.message,
                )
                await _next_try(error, tries, path, idempotent, self.settings, self._sleep)
                continue
            log.debug("POST %s%s ok in %.3fs", base, path, time.monotonic() - started)
            self._remember(tries.hosts, base)
            return result

    async def _post_once(
        self, base: str, path: str, payload: dict[str, Any], token: str | None, idempotent: bool
    ) -> bytes:
        url = base + path
        if token is not None:
            url += "?" + urlencode({"access_token": token})
        cap = self.settings.max_response_bytes
        host = _host_of(base)
        try:
            async with self._stream(url, payload, idempotent=idempotent) as response:
                if response.status_code != 200:
                    location = response.headers.get("location")
                    raise HttpStatusError(
                        response.status_code,
                        redact(response.reason_phrase),
                        location_host=_host_of(redact(location)) if location else None,
                    )
                declared = response.headers.get("content-length", "")
                if declared.isascii() and declared.isdigit() and int(declared) > cap:
                    raise too_large(int(declared), cap)
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    # Decoded and as sent: a small body may inflate, or come in endless framing.
                    size = max(size + len(chunk), response.num_bytes_downloaded)
                    if size > cap:
                        raise too_large(size, cap)
                    chunks.append(chunk)
                return b"".join(chunks)
        except TimedOut as exc:
            raise NetworkError(
                N_("{host} did not answer in time ({what})"),
                timeout=True,
                sent=exc.sent,
                host=host,
                what=exc.what,
            ) from None
        except ProxyRefused as exc:
            raise ProxyRefusedError(
                N_("The proxy refused the connection to {host}: {reason}"),
                host=host,
                reason=redact(exc.reason) or type(exc).__name__,
            ) from None
        except BadEncoding:
            raise ResponseFormatError(
                N_("The response from {host} could not be decoded (bad compression)"), host=host
            ) from None
        except WireError as exc:
            reason = redact(exc.reason) or exc.plain
            raise NetworkError(
                N_("Could not reach {host}: {reason}"), sent=exc.sent, host=host, reason=reason
            ) from None


@dataclass(slots=True)
class _Tries:
    """Where one call is: its hosts, the one it is on, its attempt, when it must be over."""

    hosts: list[str]
    deadline: float  # on the client's clock (time.monotonic)
    resend_busy: bool  # a write answered -1 may be sent again
    index: int = 0
    attempt: int = 1

    @property
    def base(self) -> str:
        return self.hosts[self.index]


async def _next_try(
    error: WxDashError,
    tries: _Tries,
    path: str,
    idempotent: bool,
    settings: NetworkSettings,
    sleep: Callable[[float], Awaitable[None]],
) -> None:
    """After a failed attempt: move to the next host, or wait and start a new round; or
    raise `error` when no try is left, or none may be made."""
    network = isinstance(error, NetworkError)
    if network:
        error.failed_over = len(tries.hosts) > 1
    if not idempotent and not (error.not_carried_out and (network or tries.resend_busy)):
        # Lost once sent, or answered with anything but "busy": a write is not sent again.
        if network and error.retryable:
            raise UnknownOutcomeError(_host_of(tries.base), error.message) from None
        raise error
    if not error.retryable:
        raise error
    if network and tries.index + 1 < len(tries.hosts):
        tries.index += 1
        log.info(
            "failing over from %s to %s",
            _host_of(tries.hosts[tries.index - 1]),
            _host_of(tries.base),
        )
        return
    if tries.attempt >= settings.max_attempts:
        raise error
    base_delay = settings.backoff
    if isinstance(error, ApiError) and error.rate_limited:
        base_delay = settings.rate_limit_backoff
    delay = base_delay * (2 ** (tries.attempt - 1)) * random.uniform(0.5, 1.5)
    if time.monotonic() + delay >= tries.deadline:
        raise error
    log.info("retrying %s in %.2fs (attempt %d)", path, delay, tries.attempt + 1)
    await sleep(delay)
    tries.attempt += 1
    tries.index = 0
