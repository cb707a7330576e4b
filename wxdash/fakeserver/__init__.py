"""A stand-in for WeChat's API on loopback, shared by the demo, the tests and the benchmarks."""

# It answers `/wxa/get_effective_domain`, `/wxa/get_effective_webviewdomain`,
# `/cgi-bin/stable_token` and `/cgi-bin/openapi/quota/get` over real HTTP like WeChat does
# (tokens, errcodes with `rid:`, the `{}` body rule, a daily quota), and misbehaves on request:
# each app has a scenario per call that makes it slow, broken, truncated, redirected or reset.
#
#   server.py     FakeWeChat: the apps, their tokens, start and stop
#   apps.py       FakeApp: one mini program, its data, scenarios and call counts
#   handler.py    the HTTP server and the handler that routes each request
#   routes.py     the route table: path -> endpoint
#   endpoints.py  one small function per endpoint: Request -> Answer
#   writes.py     the write endpoints (modify_domain..., setwebviewdomain...), a release hook
#   platform.py   the third-party platform: its own lists (component/modify_wxa_*_domain)
#   answers.py    Request, Answer, and WeChat's errors (errmsg, rid)
#   scenarios.py  the misbehaviours an app can be given
#   hostile.py    those that break HTTP itself: dripped, endless, contradictory framing
#   datasets.py   the domains the demo and the tests serve
#   tls.py        TLS hosts on loopback for probes to reach (they count handshakes)
#   certificates.py, health.py   the demo's own CA, and its merchants' hosts' health
#
# Run `python -m wxdash.fakeserver --help` to serve it by hand.

from __future__ import annotations

import time

from wxdash.fakeserver.answers import ERRMSG, HOSTILE_ERRMSG, HOSTILE_REASON, rid
from wxdash.fakeserver.apps import FakeApp
from wxdash.fakeserver.datasets import (
    GROUP_KEYS,
    PROTOCOL_KEYS,
    REFERENCE_SAMPLE,
    WEBVIEW_KEYS,
    big_domains,
    empty_webview,
    extra_fields_domains,
    hostile_domains,
    idn_domains,
    lint_domains,
    missing_groups_domains,
    sample_domains,
    shop_domains,
    shop_webview,
    wrong_types_domains,
)
from wxdash.fakeserver.routes import QUOTA_PATH, ROUTES
from wxdash.fakeserver.scenarios import SCENARIOS
from wxdash.fakeserver.server import FakeWeChat

# The handlers look `time` and `_rid` up here on every call (see answers.package): tests replace
# them, e.g. monkeypatch.setattr(fakeserver, "time", ...) to hold `slow:` answers until they say so.
_rid = rid

__all__ = [
    "ERRMSG",
    "GROUP_KEYS",
    "HOSTILE_ERRMSG",
    "HOSTILE_REASON",
    "PROTOCOL_KEYS",
    "QUOTA_PATH",
    "REFERENCE_SAMPLE",
    "ROUTES",
    "SCENARIOS",
    "WEBVIEW_KEYS",
    "FakeApp",
    "FakeWeChat",
    "big_domains",
    "empty_webview",
    "extra_fields_domains",
    "hostile_domains",
    "idn_domains",
    "lint_domains",
    "missing_groups_domains",
    "sample_domains",
    "shop_domains",
    "shop_webview",
    "time",
    "wrong_types_domains",
]
