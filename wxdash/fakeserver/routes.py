"""The route table: which endpoint answers each path of the fake API."""

from __future__ import annotations

from collections.abc import Callable

from wxdash.fakeserver import endpoints, platform, writes
from wxdash.fakeserver.answers import Answer, Request

Endpoint = Callable[[Request], Answer]

QUOTA_PATH = "/cgi-bin/openapi/quota/get"

# A new endpoint is a function in `endpoints` (Request -> Answer; `raise Refused(errcode)` for
# WeChat's errors) and one line here.
ROUTES: dict[str, Endpoint] = {
    endpoints.DOMAIN_PATH: endpoints.effective_domain,
    "/wxa/get_effective_webviewdomain": endpoints.effective_webviewdomain,
    QUOTA_PATH: endpoints.quota,
    "/cgi-bin/stable_token": endpoints.stable_token,
    "/wxa/modify_domain_directly": writes.modify_domain_directly,
    "/wxa/modify_domain": writes.modify_domain,
    "/wxa/setwebviewdomain_directly": writes.setwebviewdomain_directly,
    "/wxa/setwebviewdomain": writes.setwebviewdomain,
    "/wxa/get_webviewdomain_confirmfile": writes.webviewdomain_confirmfile,
    platform.SERVER_PATH: platform.modify_wxa_server_domain,
    platform.JUMP_PATH: platform.modify_wxa_jump_domain,
}


def route(path: str) -> Endpoint:
    """The endpoint for `path`; paths the table lacks get a web server's 404."""
    return ROUTES.get(path, endpoints.not_found)
