"""A stand-in for WeChat's API on loopback, shared by the demo, the tests and the benchmarks.

It answers `/wxa/get_effective_domain`, `/wxa/get_effective_webviewdomain`,
`/cgi-bin/stable_token` and `/cgi-bin/openapi/quota/get` over real HTTP like WeChat does (tokens,
errcodes with `rid:`, the `{}` body rule, a daily quota), and misbehaves on request: each app has
a scenario per call that makes it slow, broken, truncated, redirected or reset. Data sets for the
demo and for the tests are the functions at the bottom.

Run `python -m wxdash.fakeserver --help` to serve it by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import itertools
import json
import secrets
import socket
import struct
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from time import monotonic
from typing import Any
from urllib.parse import parse_qs, urlsplit

# errmsg texts as WeChat words them; each answer gets a fresh `rid:` like the real service.
ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40013: "invalid appid",
    40014: "invalid access_token",
    40125: "invalid appsecret",
    40164: "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist",
    41001: "access_token missing",
    42001: "access_token expired",
    43104: "this appid does not have permission",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    48001: "api unauthorized",
    61007: "api is unauthorized to component",
    76021: "cgi_path not found, please check",
}

SCENARIOS = (
    "ok",  # the app's domains
    "errcode:N",  # that errcode, with WeChat's errmsg and a rid
    "slow:SECONDS",  # the right answer, late
    "flaky:N",  # errcode -1 for the first N calls, then the right answer
    "flaky5xx:N",  # HTTP 502 for the first N calls, then the right answer
    "frequent:N",  # errcode 45011 (too frequent) for the first N calls, then the right answer
    "html502",  # a proxy's HTML error page
    "truncated",  # the right answer cut in half
    "invalid",  # the reference page's sample, verbatim (not valid JSON)
    "junk",  # 10 MB of junk with status 200
    "redirect",  # 302 to another host, token and all
    "reset",  # the connection is reset before any answer
)


QUOTA_PATH = "/cgi-bin/openapi/quota/get"


def _rid() -> str:
    return "rid: " + secrets.token_hex(4) + "-" + secrets.token_hex(4) + "-" + secrets.token_hex(4)


class _Server(ThreadingHTTPServer):
    # Class attributes: listen() runs in the constructor, so setting the backlog on the
    # instance afterwards would be too late (and the default of 5 drops bursts of connects).
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a test ending, a fetch cancelled) is not the server's error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class FakeApp:
    """One mini program the server knows: its credentials, its data and how it behaves."""

    appid: str
    token: str
    secret: str | None = None
    domains: dict[str, Any] | None = None
    scenario: str = "ok"
    webview: dict[str, Any] | None = None
    webview_scenario: str = "ok"
    expired_tokens: set[str] = field(default_factory=set)
    domain_calls: int = 0
    webview_calls: int = 0
    token_calls: int = 0
    # Calls to get_effective_domain allowed a day; past it, errcode 45009 (as WeChat answers).
    daily_limit: int = 100_000
    quota_calls: int = 0
    quota_scenario: str = "ok"


class FakeWeChat:
    """The server. Use it as a context manager, or call `start()` and `stop()`."""

    def __init__(self, *, latency: float = 0.0, host: str = "127.0.0.1", port: int = 0) -> None:
        self.latency = latency
        self._apps: dict[str, FakeApp] = {}
        self._by_token: dict[str, FakeApp] = {}
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.domain_calls = 0
        # Every app's token expires when the domain calls reach this number (see expire_all_at).
        self._expire_all_at: int | None = None
        self._server = _Server((host, port), _make_handler(self))
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeWeChat:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits up to this long
            name="fake-wechat",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeWeChat:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- apps ----------------------------------------------------------------------------

    def add_app(
        self,
        appid: str,
        *,
        token: str | None = None,
        secret: str | None = None,
        domains: dict[str, Any] | None = None,
        scenario: str = "ok",
        webview: dict[str, Any] | None = None,
        webview_scenario: str = "ok",
        daily_limit: int = 100_000,
    ) -> FakeApp:
        """Register a mini program. `domains` and `webview` are the raw response bodies' groups
        (any shape); webview defaults to four empty lists."""
        app = FakeApp(
            appid=appid,
            token=token or "tok-" + secrets.token_hex(16),
            secret=secret,
            domains=sample_domains() if domains is None else domains,
            scenario=scenario,
            webview=empty_webview() if webview is None else webview,
            webview_scenario=webview_scenario,
            daily_limit=daily_limit,
        )
        with self._lock:
            self._apps[appid] = app
            self._by_token[app.token] = app
        return app

    def app(self, appid: str) -> FakeApp:
        return self._apps[appid]

    def set_scenario(self, appid: str, scenario: str, *, webview: bool = False) -> None:
        """Make one of the app's calls behave as `scenario` (see SCENARIOS)."""
        if webview:
            self._apps[appid].webview_scenario = scenario
        else:
            self._apps[appid].scenario = scenario

    def expire_token(self, appid: str) -> str:
        """Expire the app's token (later calls with it get 42001) and issue a new one."""
        with self._lock:
            return self._expire(self._apps[appid])

    def _expire(self, app: FakeApp) -> str:
        app.expired_tokens.add(app.token)
        app.token = "tok-" + secrets.token_hex(16)
        self._by_token[app.token] = app
        return app.token

    def expire_all_at(self, calls: int) -> None:
        """Expire every app's token once, when the domain calls (all apps) reach `calls`: tokens
        that run out in the middle of a fleet fetch."""
        self._expire_all_at = calls

    def _count_domain_call(self) -> None:
        with self._lock:
            self.domain_calls += 1
            if self.domain_calls == self._expire_all_at:
                # All at once: no call may slip through with a token that is about to expire.
                for app in self._apps.values():
                    self._expire(app)

    # -- answers -------------------------------------------------------------------------

    def _lookup(self, token: str | None) -> tuple[FakeApp | None, int]:
        if token is None:
            return None, 41001
        with self._lock:
            app = self._by_token.get(token)
            if app is None:
                return None, 40001
            if token in app.expired_tokens:
                return None, 42001
            return app, 0


def _error(errcode: int) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": f"{ERRMSG.get(errcode, 'error')} {_rid()}"}


def _make_handler(server: FakeWeChat) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
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

        def _wait(self) -> None:
            """Hold the answer until `latency` seconds after its request arrived. Reading the
            request and making the answer happen within that time, as they would at WeChat,
            rather than on top of it."""
            if (left := server.latency - (monotonic() - self.arrived)) > 0:
                time.sleep(left)

        def do_GET(self) -> None:
            self._send_json({"errcode": 43002, "errmsg": f"require POST method {_rid()}"})

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, keep_blank_values=True)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            server.requests[parts.path] += 1
            token = query.get("access_token", [None])[0]
            if parts.path == "/wxa/get_effective_domain":
                self._effective(token, body, webview=False)
            elif parts.path == "/wxa/get_effective_webviewdomain":
                self._effective(token, body, webview=True)
            elif parts.path == QUOTA_PATH:
                self._quota(token, body)
            elif parts.path == "/cgi-bin/stable_token":
                self._stable_token(body)
            else:
                self._send(404, b"<html><body>404 Not Found</body></html>", "text/html")

        def _effective(self, token: str | None, body: bytes, *, webview: bool) -> None:
            app, errcode = server._lookup(token)
            server._count_domain_call()
            if app is None:
                self._send_json(_error(errcode))
                return
            if webview:
                app.webview_calls += 1
                calls, scenario, data = app.webview_calls, app.webview_scenario, app.webview
            else:
                app.domain_calls += 1
                calls, scenario, data = app.domain_calls, app.scenario, app.domains
            if not body.strip():
                self._send_json(_error(44002))
                return
            if not webview and app.domain_calls > app.daily_limit:
                self._send_json(_error(45009))
                return
            answer = {"errcode": 0, "errmsg": "ok", **copy.deepcopy(data or {})}
            self._answer(scenario, calls, answer)

        def _quota(self, token: str | None, body: bytes) -> None:
            app, errcode = server._lookup(token)
            if app is None:
                self._send_json(_error(errcode))
                return
            app.quota_calls += 1
            try:
                request = json.loads(body or b"null")
            except ValueError:
                request = None
            if not isinstance(request, dict) or not request.get("cgi_path"):
                self._send_json(_error(44002))
                return
            if request["cgi_path"] != "/wxa/get_effective_domain":
                self._send_json(_error(76021))
                return
            used = min(app.domain_calls, app.daily_limit)
            answer = {
                "errcode": 0,
                "errmsg": "ok",
                "quota": {
                    "daily_limit": app.daily_limit,
                    "used": used,
                    "remain": app.daily_limit - used,
                },
                "rate_limit": {"call_count": 5000, "refresh_second": 60},
            }
            self._answer(app.quota_scenario, app.quota_calls, answer)

        def _answer(self, scenario: str, calls: int, answer: dict[str, Any]) -> None:
            """The right answer, or the misbehaviour the scenario asks for."""
            name, _, arg = scenario.partition(":")
            match name:
                case "errcode":
                    self._send_json(_error(int(arg)))
                case "slow":
                    time.sleep(float(arg))
                    self._send_json(answer)
                case "flaky" if calls <= int(arg):
                    self._send_json(_error(-1))
                case "flaky5xx" if calls <= int(arg):
                    self._send_html_error()
                case "frequent" if calls <= int(arg):
                    self._send_json(_error(45011))
                case "html502":
                    self._send_html_error()
                case "truncated":
                    data = json.dumps(answer).encode()
                    self._send(200, data[: len(data) // 2], "application/json")
                case "invalid":
                    self._send(200, REFERENCE_SAMPLE.encode(), "application/json")
                case "junk":
                    self._send(200, b"\x00junk" * (2 * 1024 * 1024), "application/octet-stream")
                case "redirect":
                    self._wait()
                    self.send_response(302)
                    self.send_header(
                        "Location", f"https://evil.example.net{self.path}"
                    )  # carries the token, as a hostile proxy would
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                case "reset":
                    self._reset()
                case _:
                    self._send_json(answer)

        def _stable_token(self, body: bytes) -> None:
            try:
                request = json.loads(body or b"null")
            except ValueError:
                request = None
            if not isinstance(request, dict):
                self._send_json(_error(44002))
                return
            app = server._apps.get(str(request.get("appid")))
            if app is None:
                self._send_json(_error(40013))
                return
            if app.secret is None or request.get("secret") != app.secret:
                self._send_json(_error(40125))
                return
            app.token_calls += 1
            if request.get("force_refresh"):
                server.expire_token(app.appid)
            self._send_json({"access_token": app.token, "expires_in": 7200})

        def _send_html_error(self) -> None:
            page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
            self._send(502, page, "text/html")

        def _send_json(self, data: dict[str, Any]) -> None:
            self._send(200, json.dumps(data, ensure_ascii=False).encode(), "application/json")

        def _send(self, status: int, payload: bytes, content_type: str) -> None:
            self.send_response(status)  # the head is only gathered until end_headers
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self._wait()
            self.end_headers()
            try:
                self.wfile.write(payload)
            except OSError:
                self.close_connection = True

        def _reset(self) -> None:
            self._wait()
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def finish(self) -> None:
            with contextlib.suppress(OSError):
                super().finish()

    return Handler


# -- data sets ---------------------------------------------------------------------------

PROTOCOL_KEYS = (
    "requestdomain",
    "wsrequestdomain",
    "uploaddomain",
    "downloaddomain",
    "udpdomain",
    "tcpdomain",
)
GROUP_KEYS = ("effective_domain", "mp_domain", "third_domain", "direct_domain")
WEBVIEW_KEYS = (
    "effective_webviewdomain",
    "mp_webviewdomain",
    "third_webviewdomain",
    "direct_webviewdomain",
)


def empty_webview() -> dict[str, Any]:
    """A webview answer with no business domains in any group."""
    return {key: [] for key in WEBVIEW_KEYS}


def shop_webview(shop: str, *, pending: bool = False) -> dict[str, Any]:
    """A merchant's business domains: its site, and (if `pending`) a new one not yet live."""
    live = [f"https://www.{shop}.com", f"https://m.{shop}.com"]
    mp = [*live, f"https://events.{shop}.com"] if pending else list(live)
    return {
        "effective_webviewdomain": live,
        "mp_webviewdomain": mp,
        "third_webviewdomain": [],
        "direct_webviewdomain": [],
    }


def sample_domains() -> dict[str, Any]:
    """The reference page's sample, as valid JSON (the garble after downloaddomain removed)."""
    full = {
        "requestdomain": ["https://melody1.qq.com"],
        "wsrequestdomain": ["wss://melody2.qq.com"],
        "uploaddomain": ["https://melody3.qq.com"],
        "downloaddomain": ["https://melody4.qq.com"],
        "udpdomain": ["udp://melody2.WeChat.qq.com", "udp://melody5.WeChat.qq.com"],
        "tcpdomain": ["tcp://melody2.WeChat.qq.com", "tcp://melody6.WeChat.qq.com"],
    }
    direct = copy.deepcopy(full)
    direct["udpdomain"] = ["udp://melody5.WeChat.qq.com"]
    direct["tcpdomain"] = ["tcp://melody6.WeChat.qq.com"]
    return {
        "mp_domain": copy.deepcopy(full),
        "third_domain": copy.deepcopy(full),
        "direct_domain": direct,
        "effective_domain": copy.deepcopy(full),
    }


def big_domains(per_protocol: int = 200) -> dict[str, Any]:
    """Every group with `per_protocol` domains in each of the six lists (4,800 at 200)."""
    schemes = dict(
        zip(PROTOCOL_KEYS, ("https", "wss", "https", "https", "udp", "tcp"), strict=True)
    )
    return {
        group: {
            key: [
                f"{schemes[key]}://{key[:-6]}{i:03d}.{group[:-7]}.example.com"
                for i in range(per_protocol)
            ]
            for key in PROTOCOL_KEYS
        }
        for group in GROUP_KEYS
    }


def shop_domains(shop: str, *, pending: bool = False) -> dict[str, Any]:
    """A plausible merchant: API and CDN hosts, and (if `pending`) a change awaiting release."""
    effective = {
        "requestdomain": [
            f"https://api.{shop}.com",
            f"https://pay.{shop}.com",
            "https://analytics.example-platform.com",
        ],
        "wsrequestdomain": [f"wss://push.{shop}.com"],
        "uploaddomain": [f"https://upload.{shop}.com"],
        "downloaddomain": [f"https://cdn.{shop}.com", f"https://img.{shop}.com"],
        "udpdomain": [],
        "tcpdomain": [],
    }
    mp = copy.deepcopy(effective)
    mp["requestdomain"] = mp["requestdomain"][:2]
    third = {key: [] for key in PROTOCOL_KEYS}
    third["requestdomain"] = [f"https://api.{shop}.com", "https://analytics.example-platform.com"]
    direct = {key: [] for key in PROTOCOL_KEYS}
    if pending:
        mp["requestdomain"] = [f"https://api.{shop}.com", f"https://api-v2.{shop}.com"]
        mp["downloaddomain"] = [f"https://cdn.{shop}.com"]
        direct["udpdomain"] = [f"udp://live.{shop}.com:8443"]
    return {
        "effective_domain": effective,
        "mp_domain": mp,
        "third_domain": third,
        "direct_domain": direct,
    }


def wrong_types_domains() -> dict[str, Any]:
    """Wrong types everywhere: numbers in lists, a list as a string, a group as a list, nulls."""
    return {
        "effective_domain": {
            "requestdomain": ["https://ok.example.com", 42, None, {"host": "x"}],
            "wsrequestdomain": "wss://single.example.com",
            "uploaddomain": None,
            "downloaddomain": 7,
            "udpdomain": [],
            "tcpdomain": [],
        },
        "mp_domain": ["https://not-a-group.example.com"],
        "third_domain": None,
        "direct_domain": {"requestdomain": [True]},
    }


def missing_groups_domains() -> dict[str, Any]:
    """Only the effective group; the others are absent or null."""
    data = sample_domains()
    return {"effective_domain": data["effective_domain"], "mp_domain": None}


def extra_fields_domains() -> dict[str, Any]:
    """Fields WeChat might add one day: unknown protocols, unknown groups, metadata."""
    data = sample_domains()
    data["effective_domain"]["quicdomain"] = ["quic://future.example.com"]
    data["future_domain"] = {"requestdomain": ["https://future.example.com"]}
    data["update_time"] = 1764300000
    return data


def idn_domains() -> dict[str, Any]:
    """International domain names, in Unicode and in punycode."""
    data = {g: {k: [] for k in PROTOCOL_KEYS} for g in GROUP_KEYS}
    for group in GROUP_KEYS:
        data[group]["requestdomain"] = ["https://例子.中国", "https://xn--fsqu00a.xn--fiqs8s"]
        data[group]["downloaddomain"] = ["https://bücher.example"]
    return data


def lint_domains() -> dict[str, Any]:
    """One entry per lint rule, in the effective group (and so in mp, which mirrors it)."""
    effective = {key: [] for key in PROTOCOL_KEYS}
    effective["requestdomain"] = [
        "https://api.cornercafe.com",
        "http://insecure.cornercafe.com",  # not https
        "https://203.0.113.9",  # an IP address
        "https://localhost:8443",  # localhost
        "https://api.cornercafe.com/v1?debug=1",  # a path and query
        "https://*.cornercafe.com",  # a wildcard
        "https://API.cornercafe.com",  # the first entry again
        "https://api.weixin.qq.com",  # WeChat's own API
    ]
    effective["wsrequestdomain"] = ["https://push.cornercafe.com"]  # not wss
    effective["udpdomain"] = ["tcp://live.cornercafe.com"]  # not udp
    effective["tcpdomain"] = ["udp://live.cornercafe.com"]  # not tcp
    return {
        "effective_domain": effective,
        "mp_domain": copy.deepcopy(effective),
        "third_domain": {key: [] for key in PROTOCOL_KEYS},
        "direct_domain": {key: [] for key in PROTOCOL_KEYS},
    }


def hostile_domains() -> dict[str, Any]:
    """Domains that try to be terminal escapes or Rich markup; they must show as plain text."""
    data = {g: {k: [] for k in PROTOCOL_KEYS} for g in GROUP_KEYS}
    data["effective_domain"]["requestdomain"] = [
        "https://[bold red]markup[/].example.com",
        "https://esc\x1b[2J\x1b]0;pwned\x07.example.com",
        "https://bidi\u202eevil.example.com",
    ]
    return data


# The reference page's sample exactly as published: not valid JSON (a stray 初始值).
REFERENCE_SAMPLE = """{
    "errcode": 0,
    "errmsg": "ok",
    "mp_domain": {
        "requestdomain": [
            "https://melody1.qq.com"
        ],
        "wsrequestdomain": [
            "wss://melody2.qq.com"
        ],
        "uploaddomain": [
            "https://melody3.qq.com"
        ],
        "downloaddomain": [
            "https://melody4.qq.com"
        ],
        "udpdomain": [
            "udp://melody2.WeChat.qq.com",
            "udp://melody5.WeChat.qq.com"
        ],
        "tcpdomain": [
            "tcp://melody2.WeChat.qq.com",
            "tcp://melody6.WeChat.qq.com"
        ]
    },
    "third_domain": {
        "requestdomain": [
            "https://melody1.qq.com"
        ],
        "wsrequestdomain": [
            "wss://melody2.qq.com"
        ],
        "uploaddomain": [
            "https://melody3.qq.com"
        ],
        "downloaddomain": [
            "https://melody4.qq.com"
        ],
        "udpdomain": [
            "udp://melody2.WeChat.qq.com",
            "udp://melody5.WeChat.qq.com"
        ],
        "tcpdomain": [
            "tcp://melody2.WeChat.qq.com",
            "tcp://melody6.WeChat.qq.com"
        ]
    },
    "direct_domain": {
        "requestdomain": [
            "https://melody1.qq.com"
        ],
        "wsrequestdomain": [
            "wss://melody2.qq.com"
        ],
        "uploaddomain": [
            "https://melody3.qq.com"
        ],
        "downloaddomain": [
            "https://melody4.qq.com"
        ]初始值
        "udpdomain": [
            "udp://melody5.WeChat.qq.com"
        ],
        "tcpdomain": [
            "tcp://melody6.WeChat.qq.com"
        ]
    },
    "effective_domain": {
        "requestdomain": [
            "https://melody1.qq.com"
        ],
        "wsrequestdomain": [
            "wss://melody2.qq.com"
        ],
        "uploaddomain": [
            "https://melody3.qq.com"
        ],
        "downloaddomain": [
            "https://melody4.qq.com"
        ],
        "udpdomain": [
            "udp://melody2.WeChat.qq.com",
            "udp://melody5.WeChat.qq.com"
        ],
        "tcpdomain": [
            "tcp://melody2.WeChat.qq.com",
            "tcp://melody6.WeChat.qq.com"
        ]
    }
}"""


def _main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m wxdash.fakeserver",
        description="Serve a fake WeChat API on loopback for trying wxdash by hand.",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds from each request to its answer"
    )
    parser.add_argument("--apps", type=int, default=3, help="how many apps to register")
    parser.add_argument(
        "--per-protocol", type=int, default=0, help="domains per list (0: a merchant's few)"
    )
    args = parser.parse_args()
    server = FakeWeChat(latency=args.latency, port=args.port)
    for i in range(args.apps):
        appid = f"wx{i:016x}"
        domains = big_domains(args.per_protocol) if args.per_protocol else shop_domains(f"shop{i}")
        webview = shop_webview(f"shop{i}")
        server.add_app(appid, token=f"token-{appid}", domains=domains, webview=webview)
    print(f"fake WeChat on {server.url} with {args.apps} apps; token of appid X is token-X")
    server.start()
    try:
        for _ in itertools.count():
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    _main()
