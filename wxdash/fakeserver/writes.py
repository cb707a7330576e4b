"""The fake's write endpoints: add and delete server and business domains, per appid."""

from __future__ import annotations

from typing import Any

from wxdash.fakeserver.answers import Answer, Refused, Request
from wxdash.fakeserver.apps import FakeApp
from wxdash.fakeserver.datasets import PROTOCOL_KEYS
from wxdash.fakeserver.scenarios import misbehave

# WeChat's documented limit: 50 server-domain modifications per mini program per month.
MONTHLY_CHANGES = 50
_SCHEMES = {
    "requestdomain": "https://",
    "wsrequestdomain": "wss://",
    "uploaddomain": "https://",
    "downloaddomain": "https://",
    "udpdomain": "udp://",
    "tcpdomain": "tcp://",
}


def same_host(entry: str) -> str:
    """An entry as the fake compares it: lower case, no trailing slash."""
    return entry.strip().rstrip("/").lower()


def modify_domain_directly(request: Request) -> Answer:
    """方式二: add or delete server domains in the app's direct_domain."""
    return _modify_server(request, "direct_domain", third=False)


def modify_domain(request: Request) -> Answer:
    """方式一: the same in third_domain, for domains on the platform's list only (85018)."""
    return _modify_server(request, "third_domain", third=True)


def setwebviewdomain_directly(request: Request) -> Answer:
    """方式二 for business domains: direct_webviewdomain."""
    return _modify_webview(request, "direct_webviewdomain", third=False)


def setwebviewdomain(request: Request) -> Answer:
    """方式一 for business domains: third_webviewdomain, on the platform's list only (89021)."""
    return _modify_webview(request, "third_webviewdomain", third=True)


def webviewdomain_confirmfile(request: Request) -> Answer:
    """The verification file a direct webview add needs at the domain's root; it misbehaves
    as the app's webview read does (the same token, the same kind of call)."""
    app = _writer(request)
    if not request.body.strip():
        raise Refused(44002)
    answer = {"errcode": 0, "errmsg": "ok", "file_name": app.confirm_name,
              "file_content": app.confirm}  # fmt: skip
    return misbehave(request, app.webview_scenario, app.write_calls[request.path], answer)


def _writer(request: Request) -> FakeApp:
    app = request.caller()
    app.write_calls[request.path] += 1
    app.write_bodies.append((request.path, request.json()))
    return app


def _unless_busy(app: FakeApp, path: str) -> None:
    """Errcode -1 before any change for the first N writes of a "flaky:N" app: WeChat's busy
    answer says the call was not carried out, so it may be sent again."""
    name, _, arg = app.write_scenario.partition(":")
    if name == "flaky" and app.write_calls[path] <= int(arg):
        raise Refused(-1)


def _asked(request: Request) -> tuple[dict[str, Any], str]:
    asked = request.json()
    if not isinstance(asked, dict):
        raise Refused(44002)
    action = asked.get("action")
    if action not in ("add", "delete"):
        raise Refused(40066 if action is None else 85015)  # the fake answers what it does
    return asked, action


def _modify_server(request: Request, group: str, *, third: bool) -> Answer:
    app = _writer(request)
    _unless_busy(app, request.path)
    asked, action = _asked(request)
    if app.month_changes >= MONTHLY_CHANGES:
        raise Refused(86102)
    lists = app.domains.setdefault(group, {}) if app.domains is not None else {}
    asked_lists = {key: [str(e) for e in asked.get(key) or []] for key in PROTOCOL_KEYS}
    for key, entries in asked_lists.items():
        if any(not e.startswith(_SCHEMES[key]) for e in entries):
            raise Refused(86100)
        listed = request.fake.platform
        if third and action == "add" and not all(listed.on_list("server", e) for e in entries):
            raise Refused(85018)
    changed, refused = 0, []
    for key, entries in asked_lists.items():
        step, no_icp = _apply(lists.setdefault(key, []), entries, action)
        changed += step
        refused += no_icp
    answer = _answer(app, changed, refused, counted=True)
    return misbehave(request, app.write_scenario, app.write_calls[request.path], answer)


def _modify_webview(request: Request, group: str, *, third: bool) -> Answer:
    app = _writer(request)
    _unless_busy(app, request.path)
    asked, action = _asked(request)
    entries = [str(e) for e in asked.get("webviewdomain") or []]
    if any(not e.startswith("https://") for e in entries):
        raise Refused(86100)
    listed = request.fake.platform
    if third and action == "add" and not all(listed.on_list("jump", e) for e in entries):
        raise Refused(89021)
    current = (app.webview if app.webview is not None else {}).setdefault(group, [])
    changed, refused = _apply(current, entries, action)
    answer = _answer(app, changed, refused, counted=False, nothing=89019)
    return misbehave(request, app.write_scenario, app.write_calls[request.path], answer)


def _apply(current: list[str], entries: list[str], action: str) -> tuple[int, list[str]]:
    """Change `current` in place; how many entries changed, and those refused (no ICP)."""
    changed, refused = 0, []
    for entry in entries:
        if "noicp" in entry.lower():
            refused.append(entry)
            continue
        there = [e for e in current if same_host(e) == same_host(entry)]
        if action == "add" and not there:
            current.append(entry.rstrip("/"))
            changed += 1
        elif action == "delete" and there:
            for found in there:
                current.remove(found)
            changed += 1
    return changed, refused


def _answer(
    app: FakeApp, changed: int, refused: list[str], *, counted: bool, nothing: int = 85017
) -> dict[str, Any]:
    """The answer to a write that changed `changed` entries (made before any scenario: a
    lost answer is a change made all the same)."""
    if not changed:
        raise Refused(85302 if refused else nothing)
    if counted:
        app.month_changes += 1
    answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
    if refused:
        answer["no_icp_domain"] = refused
    return answer


def release(app: FakeApp) -> None:
    """A simulated release: the configured lists (mp, third, direct) become the effective ones."""
    if app.domains is not None:
        effective = app.domains.setdefault("effective_domain", {})
        for key in PROTOCOL_KEYS:
            merged: list[str] = []
            for group in ("mp_domain", "third_domain", "direct_domain"):
                for entry in (app.domains.get(group) or {}).get(key) or []:
                    if same_host(entry) not in {same_host(e) for e in merged}:
                        merged.append(entry)
            effective[key] = merged
    if app.webview is not None:
        merged = []
        for group in ("mp_webviewdomain", "third_webviewdomain", "direct_webviewdomain"):
            for entry in app.webview.get(group) or []:
                if same_host(entry) not in {same_host(e) for e in merged}:
                    merged.append(entry)
        app.webview["effective_webviewdomain"] = merged
