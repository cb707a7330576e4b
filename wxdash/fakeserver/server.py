"""FakeWeChat: the fake server's apps and tokens, and the thread that serves them on loopback."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from typing import Any

from wxdash.fakeserver.answers import Refused
from wxdash.fakeserver.apps import FakeApp
from wxdash.fakeserver.datasets import empty_webview, sample_domains
from wxdash.fakeserver.handler import LoopbackServer
from wxdash.fakeserver.platform import FakePlatform


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
        # The third-party platform: its own lists, which 方式一 adds must be on.
        self.platform = FakePlatform()
        self._server = LoopbackServer((host, port), self)
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

    @property
    def platform_domains(self) -> set[str]:
        """The platform's testing server list (hosts, lower case); tests add to it."""
        return self.platform.testing["server"]

    @property
    def platform_webview(self) -> set[str]:
        """The platform's testing jump (business) domain list."""
        return self.platform.testing["jump"]

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

    def find(self, appid: str) -> FakeApp | None:
        """The app with this appid, if the server knows one."""
        return self._apps.get(appid)

    def set_scenario(self, appid: str, scenario: str, *, webview: bool = False) -> None:
        """Make one of the app's calls behave as `scenario` (see SCENARIOS)."""
        if webview:
            self._apps[appid].webview_scenario = scenario
        else:
            self._apps[appid].scenario = scenario

    def release(self, appid: str) -> None:
        """Simulate a release: the app's configured domains become its effective ones."""
        from wxdash.fakeserver.writes import release

        with self._lock:
            release(self._apps[appid])

    # -- tokens --------------------------------------------------------------------------

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

    def count_domain_call(self) -> None:
        """One more domain call (either kind, any app); see `expire_all_at`."""
        with self._lock:
            self.domain_calls += 1
            if self.domain_calls == self._expire_all_at:
                # All at once: no call may slip through with a token that is about to expire.
                for app in self._apps.values():
                    self._expire(app)

    def caller(self, token: str | None) -> FakeApp:
        """The app this token belongs to; `Refused` with WeChat's errcode if it is missing
        (41001), unknown (40001) or expired (42001)."""
        if token is None:
            raise Refused(41001)
        with self._lock:
            app = self._by_token.get(token)
            if app is None:
                raise Refused(40001)
            if token in app.expired_tokens:
                raise Refused(42001)
            return app
