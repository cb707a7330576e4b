"""One small handler per endpoint of the fake API: each takes the request, returns its answer."""

from __future__ import annotations

import copy
from typing import Any

from wxdash.fakeserver.answers import NOT_FOUND, Answer, Refused, Request, json_answer
from wxdash.fakeserver.apps import FakeApp
from wxdash.fakeserver.scenarios import misbehave

DOMAIN_PATH = "/wxa/get_effective_domain"


def effective_domain(request: Request) -> Answer:
    """The app's server domains, while its daily limit lasts."""
    app = _domain_caller(request)
    app.domain_calls += 1
    _require_body(request)
    if app.domain_calls > app.daily_limit:
        raise Refused(45009)
    return misbehave(request, app.scenario, app.domain_calls, _ok(app.domains))


def effective_webviewdomain(request: Request) -> Answer:
    """The app's business (webview) domains; no daily limit."""
    app = _domain_caller(request)
    app.webview_calls += 1
    _require_body(request)
    return misbehave(request, app.webview_scenario, app.webview_calls, _ok(app.webview))


def quota(request: Request) -> Answer:
    """How much of get_effective_domain's daily limit the app has used (the only cgi_path
    the fake knows)."""
    app = request.caller()
    app.quota_calls += 1
    asked = request.json()
    if not isinstance(asked, dict) or not asked.get("cgi_path"):
        raise Refused(44002)
    if asked["cgi_path"] != DOMAIN_PATH:
        raise Refused(76021)
    used = min(app.domain_calls, app.daily_limit)
    answer = {
        "errcode": 0,
        "errmsg": "ok",
        "quota": {"daily_limit": app.daily_limit, "used": used, "remain": app.daily_limit - used},
        "rate_limit": {"call_count": 5000, "refresh_second": 60},
    }
    return misbehave(request, app.quota_scenario, app.quota_calls, answer)


def stable_token(request: Request) -> Answer:
    """A token for appid and secret; with force_refresh, a new one (the old one expires)."""
    asked = request.json()
    if not isinstance(asked, dict):
        raise Refused(44002)
    app = request.fake.find(str(asked.get("appid")))
    if app is None:
        raise Refused(40013)
    if app.secret is None or asked.get("secret") != app.secret:
        raise Refused(40125)
    app.token_calls += 1
    if asked.get("force_refresh"):
        request.fake.expire_token(app.appid)
    return json_answer({"access_token": app.token, "expires_in": 7200})


def not_found(_request: Request) -> Answer:
    """Any path the fake does not know, as a web server would answer it."""
    return NOT_FOUND


def _domain_caller(request: Request) -> FakeApp:
    """The caller of a domain call. Every call counts towards `expire_all_at`, refused or not,
    and only once the token was checked: the call that reaches the count still gets through."""
    try:
        return request.caller()
    finally:
        request.fake.count_domain_call()


def _require_body(request: Request) -> None:
    """WeChat refuses a POST without a body (errcode 44002): `{}` is the least it takes."""
    if not request.body.strip():
        raise Refused(44002)


def _ok(data: dict[str, Any] | None) -> dict[str, Any]:
    return {"errcode": 0, "errmsg": "ok", **copy.deepcopy(data or {})}
