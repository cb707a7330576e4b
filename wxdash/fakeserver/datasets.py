"""The data sets the fake server answers with: the demo's merchants and the tests' odd shapes."""

from __future__ import annotations

import copy
from typing import Any

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
