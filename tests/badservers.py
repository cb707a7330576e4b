"""The bad-server matrix: every way the fake server can misbehave, with what a user must see.

tests/test_bad_servers.py runs each case through the command line, tests/tui/test_tui_bad_servers.py
through the dashboard. Each case is one bad mini program between two good ones: the bad one shows a
clear error (or its odd data, safely), the good ones are untouched, and the marker token is nowhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conftest import MARKER, profile

from wxdash.fakeserver import (
    ERRMSG,
    FakeWeChat,
    extra_fields_domains,
    hostile_domains,
    idn_domains,
    missing_groups_domains,
    shop_domains,
    wrong_types_domains,
)
from wxdash.wechat.errors import _HINTS

GOOD = ("Good A", "Good B")
BAD = "Bad"


@dataclass(frozen=True)
class Case:
    id: str
    scenario: str = "ok"
    domains: Callable[[], dict[str, Any]] | None = None
    # An error case: its kind as the banner names it, the message and the hint.
    kind: str | None = None
    message: str = ""
    hint: str = ""
    # A data case: what the profile's domains or warnings show (escaped where it must be).
    shows: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()  # never shown raw
    network: dict[str, Any] = field(default_factory=dict)  # the [network] table's changes

    @property
    def error(self) -> bool:
        return self.kind is not None


NETWORK_HINT = "Check the network, DNS, HTTPS_PROXY and the profile's api_base."

BANNER_KIND = {
    "api": "WeChat API error",
    "http": "HTTP error",
    "network": "Network error",
    "format": "Bad response",
}

CASES = [
    Case("html502", "html502", kind="http", message="HTTP 502 Bad Gateway",
         hint="The server or a proxy in between failed; retry in a moment."),
    Case("truncated", "truncated", kind="format", message="The response is truncated JSON",
         hint="This is not WeChat's JSON"),
    Case("invalid-json", "invalid", kind="format",
         message="The response is invalid JSON at line 60, column 10",
         hint="This is not WeChat's JSON"),
    Case("10mb-junk", "junk", kind="format", message="wxdash refused to read it",
         hint="This is not WeChat's JSON"),
    Case("redirect", "redirect", kind="http",
         message="HTTP 302: the server redirected to evil.example.net",
         hint="wxdash does not follow redirects because the token is in the URL"),
    Case("reset", "reset", kind="network",
         message="the connection was closed or reset before an answer",
         hint="Check the network, DNS, HTTPS_PROXY and the profile's api_base."),
    Case("slower-than-timeout", "slow:5", kind="network", message="did not answer in time",
         hint="raise read_timeout in the [network] table of the config"),
    Case("wrong-types", domains=wrong_types_domains,
         shows=("https://ok.example.com", "a number instead of a string, left out")),
    Case("missing-groups", domains=missing_groups_domains,
         shows=("https://melody1.qq.com", "not returned by the API")),
    Case("unknown-fields", domains=extra_fields_domains,
         shows=("quic://future.example.com", "kept as extra")),
    Case("idn-punycode", domains=idn_domains,
         shows=("https://例子.中国", "https://xn--fsqu00a.xn--fiqs8s", "https://bücher.example")),
    Case("escapes-and-markup", domains=hostile_domains,
         shows=("https://[bold red]markup[/].example.com",
                "https://esc\\x1b[2J\\x1b]0;pwned\\x07.example.com",
                "https://bidi\\u202eevil.example.com"),
         hidden=("\x1b", "\u202e")),
    Case("escapes-in-errmsg-and-reason", "escapes", kind="api",
         message="WeChat error 48001: api unauthorized "
                 "\\x1b]52;c;cHduZWQ=\\x07\\x1b[2J\\x9b31m\\u202eevil rid: ",
         hint=_HINTS[48001], hidden=("\x1b", "\x07", "\x9b", "\u202e")),
    # HTTP itself broken (issue 14): each wait bounded, each byte counted, each rule kept.
    Case("drip", "drip:2", kind="network",
         message="did not answer within retry_time (3 seconds)",
         hint="raise retry_time in the [network] table", network={"retry_time": 3}),
    Case("endless-trailers", "trailers", kind="network",
         message="trailer fields are over 65536 bytes", hint=NETWORK_HINT),
    Case("chunk-extensions", "chunkext", kind="network",
         message="a chunk-size line over 4096 bytes", hint=NETWORK_HINT),
    Case("endless-empty-deflate", "deflate-empty", kind="format",
         message="wxdash refused to read it", hint="This is not WeChat's JSON"),
    Case("junk-after-gzip", "gzip-trailing", shows=("https://api.bad.com",)),
    Case("superscript-length", "superscript-length", kind="network",
         message="Content-Length is not one number", hint=NETWORK_HINT),
    Case("length-and-chunked", "length-and-chunked", kind="network",
         message="both Content-Length and Transfer-Encoding", hint=NETWORK_HINT),
    Case("hang-up", "hangup", kind="network",
         message="the connection was closed or reset before an answer", hint=NETWORK_HINT),
    *(
        Case(f"errcode-{code}", f"errcode:{code}", kind="api",
             message=f"WeChat error {code}: {ERRMSG[code]} rid: ", hint=_HINTS[code])
        for code in sorted(_HINTS)
    ),
]  # fmt: skip


def good_domains(name: str) -> dict[str, Any]:
    return shop_domains(name.replace(" ", "").lower())


def first_domain(name: str) -> str:
    """What a good profile's Effective tab starts with: proof its data is there and its own."""
    return good_domains(name)["effective_domain"]["requestdomain"][0]


def serve_matrix(fake: FakeWeChat, case: Case, **network: Any) -> dict[str, Any]:
    """A config: the bad mini program between two good ones, every token holding the marker."""
    tables = []
    for index, name in enumerate((GOOD[0], BAD, GOOD[1])):
        appid = f"wx{index + 1:016d}"
        bad = name == BAD
        domains = (case.domains() if case.domains else good_domains(name)) if bad else None
        app = fake.add_app(
            appid,
            token=f"{MARKER}-{index}",
            domains=domains if bad else good_domains(name),
            scenario=case.scenario if bad else "ok",
        )
        tables.append(profile(name, appid, access_token=app.token, api_base=fake.url))
    settings = {"retries": 1, "read_timeout": 0.5 if case.id.startswith("slower") else 5}
    return {"network": {**settings, **case.network, **network}, "profiles": tables}
