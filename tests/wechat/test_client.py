"""The HTTP client against the fake WeChat server over real loopback sockets: the request it
sends, retries, failover, redirects, the size cap, plain-http refusal, proxies, hints, and the
token staying out of every error and log line."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from conftest import APPID, MARKER, fast

from wxdash.fakeserver import ERRMSG, FakeWeChat, sample_domains, shop_webview
from wxdash.wechat import client as client_module
from wxdash.wechat import errors
from wxdash.wechat.attempts import attempts_told_to
from wxdash.wechat.client import (
    EFFECTIVE_DOMAIN_PATH,
    EFFECTIVE_WEBVIEW_PATH,
    NetworkSettings,
    WeChatClient,
    check_base,
    is_loopback,
)
from wxdash.wechat.errors import (
    ApiError,
    HttpStatusError,
    InsecureUrlError,
    NetworkError,
    ResponseFormatError,
    WxDashError,
)
from wxdash.wechat.redact import RedactingFilter
from wxdash.wechat.tokens import LiteralToken

PATH = EFFECTIVE_DOMAIN_PATH


class Recording(httpx.AsyncBaseTransport):
    """The real network transport, noting every request that goes out."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []

    @property
    def hosts(self) -> list[str]:
        return [f"{r.url.host}:{r.url.port}" for r in self.requests]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., WeChatClient]]:
    made: list[WeChatClient] = []

    def make(settings: NetworkSettings | None = None, **kwargs: Any) -> WeChatClient:
        client = WeChatClient(settings or fast(), **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


# Ports closed_url() holds bound until the test ends.
_closed_ports: list[socket.socket] = []


@pytest.fixture(autouse=True)
def _release_closed_ports() -> Iterator[None]:
    yield
    while _closed_ports:
        _closed_ports.pop().close()


def closed_url() -> str:
    """A loopback URL where nothing listens: connecting is refused at once. Its port stays
    bound, never listening, until the test ends: a port let go at once could be taken by
    another test's server (on this machine, in any process) before this test connects."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    _closed_ports.append(sock)
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def host_of(url: str) -> str:
    return url.removeprefix("http://")


def domain_calls(fake: FakeWeChat) -> int:
    return fake.requests[PATH]


async def fetch(client: WeChatClient, api_base: str | None, token: str = MARKER) -> Any:
    return await client.get_effective_domain(api_base, LiteralToken(token))


async def failure(call: Awaitable[Any]) -> WxDashError:
    with pytest.raises(WxDashError) as caught:
        await call
    return caught.value


# -- the request -------------------------------------------------------------------------


async def test_an_empty_body_is_refused_by_the_fake_so_the_premise_holds(
    fake: FakeWeChat,
) -> None:
    fake.add_app(APPID, token=MARKER)
    async with httpx.AsyncClient() as raw:
        response = await raw.post(fake.url + PATH, params={"access_token": MARKER})
    assert response.json()["errcode"] == 44002


async def test_posts_an_empty_json_object_with_the_token_in_the_url(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER)
    recording = Recording()
    client = make_client(transport=recording)

    report = await fetch(client, fake.url)

    assert report.to_json() == sample_domains()
    [request] = recording.requests
    assert request.method == "POST"
    assert request.url.path == PATH
    assert request.url.params["access_token"] == MARKER
    assert request.content == b"{}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("wxdash/")
    assert fake.app(APPID).domain_calls == 1


async def test_webview_domains_are_read_with_the_same_token_and_body(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, webview=shop_webview("lotus", pending=True))
    recording = Recording()
    client = make_client(transport=recording)

    report = await client.get_effective_webviewdomain(fake.url, LiteralToken(MARKER))

    assert report.to_json() == shop_webview("lotus", pending=True)
    assert report.warnings == ()
    [request] = recording.requests
    assert request.method == "POST"
    assert request.url.path == EFFECTIVE_WEBVIEW_PATH == "/wxa/get_effective_webviewdomain"
    assert request.url.params["access_token"] == MARKER
    assert request.content == b"{}"
    assert (fake.app(APPID).webview_calls, fake.app(APPID).domain_calls) == (1, 0)

    fake.set_scenario(APPID, "errcode:48001", webview=True)
    error = await failure(client.get_effective_webviewdomain(fake.url, LiteralToken(MARKER)))
    assert isinstance(error, ApiError)
    assert error.errcode == 48001
    # The server-domain call is not affected by the webview call's scenario.
    assert (await fetch(client, fake.url)).to_json() == sample_domains()


async def test_trailing_slash_in_api_base_is_ignored(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER)
    report = await fetch(make_client(), fake.url + "/")
    assert report.to_json() == sample_domains()


async def test_post_json_sends_the_payload_and_needs_no_token(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, secret="appsecret-0123456789")
    data = await make_client().post_json(
        fake.url,
        "/cgi-bin/stable_token",
        {"grant_type": "client_credential", "appid": APPID, "secret": "appsecret-0123456789"},
    )
    assert data["access_token"] == fake.app(APPID).token
    assert data["expires_in"] == 7200


# -- retries -----------------------------------------------------------------------------


async def test_system_busy_is_retried_until_it_succeeds(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="flaky:2")
    report = await fetch(make_client(fast(max_attempts=3)), fake.url)
    assert report.to_json() == sample_domains()
    assert fake.app(APPID).domain_calls == 3


async def test_a_caller_is_told_each_attempt_its_calls_start(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="flaky:2")
    told: list[int] = []
    with attempts_told_to(told.append):
        await fetch(make_client(fast(max_attempts=3)), fake.url)
    assert told == [1, 2, 3]
    await fetch(make_client(fast(max_attempts=3)), fake.url)  # nobody listening now
    assert told == [1, 2, 3]


async def test_system_busy_gives_up_after_max_attempts(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="flaky:2")
    error = await failure(fetch(make_client(fast(max_attempts=2)), fake.url))
    assert isinstance(error, ApiError)
    assert error.errcode == -1
    assert "system error" in error.message
    assert fake.app(APPID).domain_calls == 2


async def test_http_5xx_is_retried_until_it_succeeds(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="flaky5xx:2")
    report = await fetch(make_client(fast(max_attempts=3)), fake.url)
    assert report.to_json() == sample_domains()
    assert fake.app(APPID).domain_calls == 3


async def test_http_5xx_gives_up_after_max_attempts_with_the_status(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="html502")
    error = await failure(fetch(make_client(fast(max_attempts=4)), fake.url))
    assert isinstance(error, HttpStatusError)
    assert error.status == 502
    assert error.message == "HTTP 502 Bad Gateway"
    assert "retry" in error.hint
    assert fake.app(APPID).domain_calls == 4


async def test_connection_reset_is_retried(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="reset")
    error = await failure(fetch(make_client(fast(max_attempts=3)), fake.url))
    assert isinstance(error, NetworkError)
    assert not error.timeout
    assert host_of(fake.url) in error.message
    assert error.hint
    assert domain_calls(fake) == 3


async def test_connection_reset_then_an_answer_succeeds(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="reset")

    async def heal(delay: float) -> None:
        fake.set_scenario(APPID, "ok")

    report = await fetch(make_client(fast(max_attempts=3), sleep=heal), fake.url)
    assert report.to_json() == sample_domains()
    assert domain_calls(fake) == 2


# -1 (busy) and 45011 (too frequent) are retried; tests/wechat/test_quota.py covers 45011.
@pytest.mark.parametrize("errcode", sorted(set(ERRMSG) - {-1, 45011}))
async def test_no_retry_for_errors_that_retrying_cannot_fix(
    errcode: int, fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario=f"errcode:{errcode}")
    error = await failure(fetch(make_client(fast(max_attempts=5)), fake.url))
    assert isinstance(error, ApiError)
    assert error.errcode == errcode
    assert fake.app(APPID).domain_calls == 1


@pytest.mark.parametrize("scenario", ["truncated", "invalid", "redirect"])
async def test_no_retry_for_garbled_answers_or_redirects(
    scenario: str, fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario=scenario)
    await failure(fetch(make_client(fast(max_attempts=5)), fake.url))
    assert fake.app(APPID).domain_calls == 1


async def test_backoff_grows_exponentially_with_jitter(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="errcode:-1")
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)

    client = make_client(fast(max_attempts=4, backoff=0.01), sleep=sleep)
    await failure(fetch(client, fake.url))
    assert fake.app(APPID).domain_calls == 4
    assert len(delays) == 3
    for attempt, delay in enumerate(delays):
        base = 0.01 * 2**attempt
        assert 0.5 * base <= delay <= 1.5 * base


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.now += delay


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The client's clock and jitter made predictable: sleeping advances the clock exactly."""
    fake_clock = FakeClock()
    monkeypatch.setattr(client_module, "time", fake_clock)
    monkeypatch.setattr(client_module, "random", SimpleNamespace(uniform=lambda a, b: 1.0))
    return fake_clock


@pytest.mark.parametrize(
    ("retry_time", "calls"),
    # (A retry_time of 0 would end the call before its first attempt; the config never gives one.)
    [(0.5, 1), (1.5, 2), (5.0, 3), (20.0, 5), (1000.0, 8)],
)
async def test_retry_time_bounds_the_retries(
    retry_time: float,
    calls: int,
    clock: FakeClock,
    fake: FakeWeChat,
    make_client: Callable[..., WeChatClient],
) -> None:
    # Delays are 1, 2, 4, 8, 16... seconds; a retry that would end past retry_time is not made.
    fake.add_app(APPID, token=MARKER, scenario="errcode:-1")
    settings = fast(max_attempts=8, backoff=1.0, retry_time=retry_time)
    error = await failure(fetch(make_client(settings, sleep=clock.sleep), fake.url))
    assert isinstance(error, ApiError)
    assert error.errcode == -1
    assert fake.app(APPID).domain_calls == calls


async def test_slow_answer_beyond_read_timeout_is_a_timeout(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="slow:1")
    client = make_client(fast(read_timeout=0.1, max_attempts=2))
    error = await failure(fetch(client, fake.url))
    assert isinstance(error, NetworkError)
    assert error.timeout is True
    assert "did not answer in time" in error.message
    assert host_of(fake.url) in error.message
    assert "read_timeout" in error.hint
    assert error.retryable
    assert domain_calls(fake) == 2


async def test_slow_answer_within_read_timeout_is_fine(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="slow:0.2")
    report = await fetch(make_client(fast(read_timeout=5.0)), fake.url)
    assert report.to_json() == sample_domains()


# -- redirects and size ------------------------------------------------------------------


async def test_redirect_is_not_followed_and_names_the_other_host(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="redirect")
    recording = Recording()
    error = await failure(fetch(make_client(transport=recording), fake.url))

    assert isinstance(error, HttpStatusError)
    assert error.status == 302
    assert "evil.example.net" in error.message
    assert "redirect" in error.hint
    for text in (error.message, error.hint, str(error), repr(error)):
        assert MARKER not in text
    # Only the fake was ever asked; the host the redirect names was never contacted.
    assert recording.hosts == [host_of(fake.url)]
    assert all(r.url.host != "evil.example.net" for r in recording.requests)


async def test_junk_over_the_size_cap_is_refused(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="junk")
    error = await failure(fetch(make_client(), fake.url))
    assert isinstance(error, ResponseFormatError)
    assert f"over {4 * 1024 * 1024} bytes" in error.message
    assert "refused" in error.message
    assert fake.app(APPID).domain_calls == 1


async def test_normal_answer_over_a_small_cap_is_refused(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER)
    error = await failure(fetch(make_client(fast(max_response_bytes=100)), fake.url))
    assert isinstance(error, ResponseFormatError)
    assert "over 100 bytes" in error.message


async def test_answer_exactly_at_the_cap_is_read(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER)
    size = len(json.dumps({"errcode": 0, "errmsg": "ok", **sample_domains()}).encode())
    report = await fetch(make_client(fast(max_response_bytes=size)), fake.url)
    assert report.to_json() == sample_domains()


async def test_streamed_body_without_a_length_stops_being_read_at_the_cap(
    make_client: Callable[..., WeChatClient],
) -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(100_000):  # 100 MB if nobody stops reading
            sent += 1
            yield b"x" * 1024

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())

    client = make_client(fast(max_response_bytes=64 * 1024), transport=httpx.MockTransport(handler))
    error = await failure(fetch(client, "https://api.example.test"))
    assert isinstance(error, ResponseFormatError)
    assert "over 65536 bytes" in error.message
    assert sent < 100


# -- plain http --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "api_base",
    [
        "http://api.weixin.qq.com",
        "http://example.com:8080",
        "http://0.0.0.0",
        "http://10.0.0.1",
        "http://127.0.0.1.nip.io",
        "http://127.0.0.1@evil.example.com",
        "ftp://127.0.0.1",
        "api.weixin.qq.com",
        "https://",
    ],
)
async def test_insecure_url_is_refused_before_any_request(
    api_base: str, make_client: Callable[..., WeChatClient]
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"errcode": 0})

    client = make_client(transport=httpx.MockTransport(handler))
    error = await failure(fetch(client, api_base))
    assert isinstance(error, InsecureUrlError)
    assert "plain http" in error.message
    assert "https://" in error.hint
    assert seen == []


async def test_plain_http_to_a_non_loopback_address_of_this_machine_is_refused(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER)
    port = fake.url.rsplit(":", 1)[1]
    error = await failure(fetch(make_client(), f"http://0.0.0.0:{port}"))
    assert isinstance(error, InsecureUrlError)
    assert fake.requests.total() == 0


async def test_insecure_default_host_is_refused_too(
    make_client: Callable[..., WeChatClient],
) -> None:
    client = make_client(default_hosts=["http://api.example.com"])
    error = await failure(fetch(client, None))
    assert isinstance(error, InsecureUrlError)


async def test_insecure_url_error_does_not_show_a_token_in_the_url(
    make_client: Callable[..., WeChatClient],
) -> None:
    error = await failure(fetch(make_client(), f"http://example.com/?access_token={MARKER}"))
    assert isinstance(error, InsecureUrlError)
    for text in (error.message, str(error), repr(error), error.hint):
        assert MARKER not in text


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://api.weixin.qq.com", True),
        ("https://api2.weixin.qq.com/", True),
        ("http://127.0.0.1:8080", True),
        ("http://127.1.2.3", True),
        ("http://localhost:9000", True),
        ("http://LOCALHOST", True),
        ("http://[::1]:8080", True),
        ("http://api.weixin.qq.com", False),
        ("http://localhost.evil.com", False),
        ("http://[::2]", False),
    ],
)
def test_check_base_allows_https_and_loopback_http_only(url: str, allowed: bool) -> None:
    if allowed:
        check_base(url)
    else:
        with pytest.raises(InsecureUrlError):
            check_base(url)


def test_is_loopback() -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("[::1]")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("192.168.1.1")
    assert not is_loopback("example.com")


# -- failover ----------------------------------------------------------------------------


async def test_failover_reaches_the_working_host_and_sticks_to_it(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER)
    dead1, dead2 = closed_url(), closed_url()
    recording = Recording()
    client = make_client(transport=recording, default_hosts=[dead1, dead2, fake.url])

    first = await fetch(client, None)
    assert first.to_json() == sample_domains()
    assert recording.hosts == [host_of(dead1), host_of(dead2), host_of(fake.url)]

    recording.requests.clear()
    for _ in range(3):
        await fetch(client, None)
    assert recording.hosts == [host_of(fake.url)] * 3
    assert fake.app(APPID).domain_calls == 4


async def test_failover_applies_when_the_profile_names_the_default_host(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    # A profile that spells out https://api.weixin.qq.com is on the default host list, whose
    # hosts this test replaces with loopback ones: nothing leaves this machine.
    fake.add_app(APPID, token=MARKER)
    client = make_client(default_hosts=[closed_url(), fake.url])
    report = await fetch(client, "https://api.weixin.qq.com/")
    assert report.to_json() == sample_domains()


async def test_all_hosts_down_is_one_network_error_after_every_host_was_tried(
    make_client: Callable[..., WeChatClient],
) -> None:
    dead = [closed_url(), closed_url(), closed_url()]
    recording = Recording()
    client = make_client(fast(max_attempts=2), transport=recording, default_hosts=dead)
    error = await failure(fetch(client, None))
    assert isinstance(error, NetworkError)
    assert not error.timeout
    assert "backup hosts" in error.hint
    assert recording.hosts == [host_of(u) for u in dead] * 2


async def test_pinned_api_base_never_fails_over(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER)
    pinned = closed_url()
    recording = Recording()
    client = make_client(
        fast(max_attempts=2), transport=recording, default_hosts=[closed_url(), fake.url]
    )
    error = await failure(fetch(client, pinned))
    assert isinstance(error, NetworkError)
    assert recording.hosts == [host_of(pinned)] * 2
    assert fake.requests.total() == 0


@pytest.mark.parametrize(
    ("scenario", "error_type", "calls"),
    [
        ("errcode:40013", ApiError, 1),
        ("errcode:48001", ApiError, 1),
        ("errcode:-1", ApiError, 3),
        ("html502", HttpStatusError, 3),
        ("truncated", ResponseFormatError, 1),
    ],
)
async def test_no_failover_on_api_errors_or_5xx(
    scenario: str,
    error_type: type[WxDashError],
    calls: int,
    fake: FakeWeChat,
    make_client: Callable[..., WeChatClient],
) -> None:
    fake.add_app(APPID, token=MARKER, scenario=scenario)
    with FakeWeChat() as backup:
        backup.add_app(APPID, token=MARKER)
        client = make_client(fast(max_attempts=3), default_hosts=[fake.url, backup.url])
        error = await failure(fetch(client, None))
        assert isinstance(error, error_type)
        assert fake.app(APPID).domain_calls == calls
        assert backup.requests.total() == 0


async def test_a_failed_call_does_not_move_later_calls_off_the_working_host(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="errcode:48001")
    with FakeWeChat() as backup:
        backup.add_app(APPID, token=MARKER)
        client = make_client(default_hosts=[fake.url, backup.url])
        await failure(fetch(client, None))
        fake.set_scenario(APPID, "ok")
        await fetch(client, None)
        assert fake.app(APPID).domain_calls == 2
        assert backup.requests.total() == 0


# -- proxies -----------------------------------------------------------------------------


class RefusingProxy:
    """A proxy on loopback that notes each request line and refuses it with 403."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.raw = b""
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                self.raw += data
                self.lines.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sock.close()


@pytest.fixture
def proxy() -> Iterator[RefusingProxy]:
    server = RefusingProxy()
    yield server
    server.close()


def set_proxy(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(name, url)


async def test_dead_proxy_in_the_environment_does_not_affect_loopback(
    fake: FakeWeChat, monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER)
    set_proxy(monkeypatch, closed_url())
    # The premise: an ordinary client honouring the environment cannot reach the fake.
    async with httpx.AsyncClient() as plain:
        with pytest.raises((httpx.ConnectError, httpx.ProxyError)):
            await plain.post(fake.url + PATH, params={"access_token": MARKER}, json={})

    client = make_client()
    report = await fetch(client, fake.url)
    assert report.to_json() == sample_domains()


async def test_https_proxy_from_the_environment_is_used_and_never_sees_the_token(
    proxy: RefusingProxy, monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., WeChatClient]
) -> None:
    set_proxy(monkeypatch, proxy.url)
    client = make_client(fast(max_attempts=1))
    error = await failure(fetch(client, "https://api.example.test"))
    assert isinstance(error, NetworkError)
    assert proxy.lines == ["CONNECT api.example.test:443 HTTP/1.1"]
    # Only the host goes to the proxy; the token stays inside TLS.
    assert MARKER.encode() not in proxy.raw
    assert MARKER not in error.message


# -- errors, hints and the token ------------------------------------------------------------


@pytest.mark.parametrize("errcode", sorted(errors._HINTS))
async def test_every_known_errcode_has_a_message_and_its_own_hint(
    errcode: int, fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario=f"errcode:{errcode}")
    error = await failure(fetch(make_client(fast(max_attempts=1)), fake.url))
    assert isinstance(error, ApiError)
    assert error.errcode == errcode
    assert error.message.startswith(f"WeChat error {errcode}: {ERRMSG[errcode]} rid: ")
    assert error.hint.strip()
    assert "look it up" not in error.hint
    assert error.to_json() == {
        "kind": "api",
        "errcode": errcode,
        "message": error.message,
        "hint": error.hint,
    }


def test_hints_differ_between_errcodes() -> None:
    hints = [ApiError(code, "x").hint for code in errors._HINTS]
    assert len(set(hints)) == len(hints)


async def test_unknown_errcode_gets_a_generic_hint_with_the_code_and_errmsg(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="errcode:89999")
    error = await failure(fetch(make_client(), fake.url))
    assert isinstance(error, ApiError)
    assert error.errcode == 89999
    assert "89999" in error.hint
    assert error.errmsg in error.hint
    assert "rid: " in error.hint
    assert fake.app(APPID).domain_calls == 1


async def test_wrong_token_is_40001_with_its_hint(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    fake.add_app(APPID, token="some-other-token-0000")
    error = await failure(fetch(make_client(), fake.url))
    assert isinstance(error, ApiError)
    assert error.errcode == 40001
    assert error.token_rejected
    assert "stable_token" in error.hint
    assert fake.requests[PATH] == 1


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record at DEBUG, through the same redacting filter the CLI attaches."""
    redacting = RedactingFilter()
    caplog.handler.addFilter(redacting)
    caplog.set_level(logging.DEBUG)
    yield caplog
    caplog.handler.removeFilter(redacting)


MATRIX = [
    "ok",
    *(f"errcode:{code}" for code in sorted(ERRMSG)),
    "errcode:89999",
    "slow:1",
    "flaky:1",
    "flaky:9",
    "flaky5xx:1",
    "flaky5xx:9",
    "html502",
    "truncated",
    "invalid",
    "junk",
    "redirect",
    "reset",
]


def assert_clean(error: WxDashError | None, logs: pytest.LogCaptureFixture) -> None:
    if error is not None:
        texts = [str(error), error.message, error.hint, repr(error), json.dumps(error.to_json())]
        for text in texts:
            assert text.strip()
            assert MARKER not in text
    for record in logs.records:
        assert MARKER not in record.getMessage()
    assert MARKER not in logs.text


@pytest.mark.parametrize("scenario", MATRIX)
async def test_token_never_appears_in_errors_or_logs(
    scenario: str,
    fake: FakeWeChat,
    make_client: Callable[..., WeChatClient],
    logs: pytest.LogCaptureFixture,
) -> None:
    fake.add_app(APPID, token=MARKER, scenario=scenario)
    # Only the slow answer needs a short read timeout; the others (10 MB of junk among them)
    # keep fast()'s, or a busy machine turns them into timeouts and their answers go unlogged.
    short = {"read_timeout": 0.2} if scenario.startswith("slow:") else {}
    client = make_client(fast(max_attempts=2, **short))
    error: WxDashError | None = None
    try:
        await fetch(client, fake.url)
    except WxDashError as caught:
        error = caught
    assert_clean(error, logs)
    if scenario not in ("slow:1", "reset"):
        # Each answered request is logged with its URL; the token in it is masked.
        assert "access_token=••••" in logs.text


async def test_token_never_appears_when_no_host_answers(
    make_client: Callable[..., WeChatClient], logs: pytest.LogCaptureFixture
) -> None:
    client = make_client(fast(max_attempts=2), default_hosts=[closed_url(), closed_url()])
    error = await failure(fetch(client, None))
    assert isinstance(error, NetworkError)
    assert_clean(error, logs)


async def test_token_never_appears_for_a_refused_url(
    make_client: Callable[..., WeChatClient], logs: pytest.LogCaptureFixture
) -> None:
    error = await failure(fetch(make_client(), f"http://example.com/?access_token={MARKER}"))
    assert_clean(error, logs)


def echo(request: httpx.Request) -> str:
    return f"access_token={request.url.params['access_token']}"


@pytest.mark.parametrize(
    "answer",
    [
        # A captive portal or misconfigured proxy that quotes the URL it was asked for.
        lambda r: httpx.Response(200, text=f"{echo(r)} was blocked"),
        lambda r: httpx.Response(200, text=f"blocked: {r.url.params['access_token']}"),
        lambda r: httpx.Response(200, json=[echo(r)]),
        lambda r: httpx.Response(200, json={"errcode": "x", "q": echo(r)}),
        # An errmsg that quotes the token.
        lambda r: httpx.Response(
            200, json={"errcode": 40014, "errmsg": f"bad {r.url.params['access_token']}"}
        ),
        # A status line that quotes the token.
        lambda r: httpx.Response(
            403, extensions={"reason_phrase": f"no {r.url.params['access_token']}".encode()}
        ),
        lambda r: httpx.Response(302, headers={"location": f"https://{MARKER}@evil.example/"}),
    ],
)
async def test_token_echoed_by_the_server_is_masked(
    answer: Callable[[httpx.Request], httpx.Response],
    make_client: Callable[..., WeChatClient],
    logs: pytest.LogCaptureFixture,
) -> None:
    client = make_client(fast(max_attempts=1), transport=httpx.MockTransport(answer))
    error = await failure(fetch(client, "https://api.example.test"))
    assert_clean(error, logs)


async def test_many_concurrent_calls_share_one_client(
    fake: FakeWeChat, make_client: Callable[..., WeChatClient]
) -> None:
    apps = [fake.add_app(f"wx{i:016x}", token=f"token-{i:04d}-abcdefgh") for i in range(30)]
    client = make_client()
    reports = await asyncio.gather(*(fetch(client, fake.url, app.token) for app in apps))
    assert [r.to_json() for r in reports] == [sample_domains()] * 30
    assert all(app.domain_calls == 1 for app in apps)
