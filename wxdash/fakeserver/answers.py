"""What an endpoint gets and gives: the request, its answer, and WeChat's errors in its words."""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wxdash.fakeserver.apps import FakeApp
    from wxdash.fakeserver.server import FakeWeChat

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
    45082: "need icp license",
    85015: "not a mini program account",
    85016: "exceed valid domain count",
    85017: "no domain to modify after filtered",
    85018: "the domain is not set in the third-party platform",
    85301: "domain does not meet the rules",
    85302: "domain without icp filing",
    85303: "domain does not meet the rules or has no icp filing",
    86100: "invalid url scheme",
    86101: "api.weixin.qq.com can not be configured",
    86102: "reach modify domain quota limit",
    86103: "check confirmfile fail",
    89019: "webview domain not change",
    89020: "the third-party platform has no webview domain",
    89021: "request domain is not in the third-party platform's business domains",
    89029: "exceed webview domain count",
    89231: "personal mini program can not set webview domain",
}


# Terminal control sequences a hostile server might send to whoever reads wxdash's output or log:
# OSC 52 (write the clipboard), clear screen, a C1 CSI, a bidi override.
HOSTILE_ERRMSG = "api unauthorized \x1b]52;c;cHduZWQ=\x07\x1b[2J\x9b31m\u202eevil"
# A reason phrase may hold any byte but CR and LF; the status line is latin-1.
HOSTILE_REASON = "OK \x1b]52;c;cHduZWQ=\x07\x1b[2J\x9b2J"


def package() -> ModuleType:
    """`wxdash.fakeserver` itself. Tests replace its `time` (to hold `slow:` answers until they
    say so) and its `_rid` (for fixed screenshots), so handlers look both up there per call."""
    return sys.modules[__package__]


def rid() -> str:
    """A request id as WeChat appends it to every errmsg."""
    return "rid: " + secrets.token_hex(4) + "-" + secrets.token_hex(4) + "-" + secrets.token_hex(4)


@dataclass(frozen=True, slots=True)
class Request:
    """One POST as its endpoint sees it: the server, what was asked, and with which token."""

    fake: FakeWeChat
    path: str  # without the query
    target: str  # path and query as sent: a redirect carries the token along
    token: str | None
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None when it is empty or not JSON."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def caller(self) -> FakeApp:
        """The app whose token this is; `Refused` if it is missing, unknown or expired."""
        return self.fake.caller(self.token)


@dataclass(frozen=True, slots=True)
class Answer:
    """What goes back: a status, headers and a body; or (`reset`) a reset connection and no
    answer at all; or (`raw`) bytes written as they come, HTTP or not, then a hang-up."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    reset: bool = False
    reason: str | None = None  # the status line's reason phrase, if not the usual one
    raw: Callable[[], Iterator[bytes]] | None = None


class Refused(Exception):
    """Raised by an endpoint to answer with WeChat's error `errcode` and stop there."""

    def __init__(self, errcode: int) -> None:
        super().__init__(errcode)
        self.errcode = errcode


def json_answer(data: dict[str, Any]) -> Answer:
    return Answer(body=json.dumps(data, ensure_ascii=False).encode())


def error(errcode: int) -> Answer:
    """WeChat's error answer: the errcode, its errmsg and a fresh rid, with status 200."""
    errmsg = f"{ERRMSG.get(errcode, 'error')} {package()._rid()}"
    return json_answer({"errcode": errcode, "errmsg": errmsg})


BAD_GATEWAY = Answer(
    502,
    b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
    "text/html",
)
NOT_FOUND = Answer(404, b"<html><body>404 Not Found</body></html>", "text/html")
RESET = Answer(reset=True)
