"""What wxdash works out from the raw lists: addresses as WeChat compares them, lint, pending
changes, release checks and search. Pure functions over parsed reports, no network."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wxdash.fakeserver import (
    GROUP_KEYS,
    PROTOCOL_KEYS,
    WEBVIEW_KEYS,
    hostile_domains,
    idn_domains,
    lint_domains,
    sample_domains,
    shop_domains,
    shop_webview,
)
from wxdash.insight import (
    Address,
    Change,
    Pending,
    _split_address,
    annotate,
    check,
    find,
    host_matcher,
    lint,
    lint_domain,
    parse_address,
    pending,
    wanted_address,
)
from wxdash.wechat.models import (
    DomainReport,
    Group,
    Protocol,
    WebviewReport,
    parse_domain_report,
    parse_webview_report,
)

# -- building reports --------------------------------------------------------------------


def report(groups: dict[str, Any]) -> DomainReport:
    """Parse groups as `get_effective_domain` would return them."""
    return parse_domain_report(json.dumps({"errcode": 0, "errmsg": "ok", **groups}).encode())


def webview(lists: dict[str, Any]) -> WebviewReport:
    return parse_webview_report(json.dumps({"errcode": 0, "errmsg": "ok", **lists}).encode())


def lists(**by_group: dict[str, list[str]]) -> DomainReport:
    """A report whose groups hold the given protocol lists (short names: request=[...]);
    groups left out are empty, `None` means not returned."""
    data: dict[str, Any] = {}
    for group in GROUP_KEYS:
        given = by_group.get(group.removesuffix("_domain"), {})
        if given is None:
            data[group] = None
            continue
        data[group] = {key: [] for key in PROTOCOL_KEYS}
        for short, domains in given.items():
            data[group][Protocol.parse(short).value] = domains
    return report(data)


def kinds(warnings: Any) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(w.kind, w.group, w.protocol, w.domain) for w in warnings]


# -- addresses ---------------------------------------------------------------------------


def test_a_full_url_splits_into_the_parts_wechat_compares() -> None:
    address = parse_address("HTTPS://Api.Example.COM:8443/v1/orders?debug=1#top")
    assert address == Address("https", "api.example.com", 8443, "/v1/orders?debug=1#top")
    assert address.key == ("https", "api.example.com", 8443)
    assert str(address) == "https://api.example.com:8443"


@pytest.mark.parametrize(
    ("text", "key", "rest"),
    [
        ("https://a.com", ("https", "a.com", None), ""),
        ("https://a.com/", ("https", "a.com", None), ""),
        ("https://a.com:443", ("https", "a.com", 443), ""),
        ("wss://push.a.com:8443/socket", ("wss", "push.a.com", 8443), "/socket"),
        ("udp://live.a.com:9000", ("udp", "live.a.com", 9000), ""),
        ("https://a.com?x=1", ("https", "a.com", None), "?x=1"),
        ("  https://A.com.  ", ("https", "a.com", None), ""),
        ("https://[2001:db8::1]:8443", ("https", "2001:db8::1", 8443), ""),
    ],
)
def test_scheme_host_and_port_are_kept_apart(
    text: str, key: tuple[str, str, int | None], rest: str
) -> None:
    address = parse_address(text)
    assert address.key == key
    assert address.rest == rest


@pytest.mark.parametrize(
    "text",
    [
        "https://api.example.com",
        "HTTPS://Api.Example.COM/",
        "udp://live.example.com:8443",
        "https://a.com:0",
        "https://a.com:08443",
        "https://a.com:65535",
        "https://a.com:65536",  # no port: urlsplit refuses it, and so the host keeps it
        "https://a.com:99999/x",
        "https://a.com.",
        "https://a-b.c-d.com//",
        "https://-a.com",
        "wss://a..com",
        "https://user@a.com",
        "https://a.com?x=1",
        "https://a.com#top",
        "  https://a.com  ",
        "https://例子.中国",
        "https://[::1]:8443",
        "https://[bold red]a.com",
        "api.a.com",
        "api.a.com:81",
    ],
)
def test_plain_addresses_read_in_one_step_as_urlsplit_reads_them(text: str) -> None:
    # The common shape skips urlsplit: its answer must be the one urlsplit gives.
    for default in ("", "wss"):
        assert parse_address(text, default) == _split_address(text.strip(), default)


def test_an_explicit_default_port_is_not_the_same_domain() -> None:
    # WeChat compares the port as written: https://a.com:443 is not https://a.com.
    assert parse_address("https://a.com:443").key != parse_address("https://a.com").key
    assert parse_address("https://a.com").key != parse_address("http://a.com").key
    assert parse_address("https://A.COM").key == parse_address("https://a.com").key


def test_a_missing_scheme_takes_the_default_or_stays_empty() -> None:
    assert parse_address("api.a.com").key == ("", "api.a.com", None)
    assert parse_address("api.a.com", "wss").key == ("wss", "api.a.com", None)
    assert parse_address("tcp://api.a.com", "wss").scheme == "tcp"
    assert str(parse_address("api.a.com:81")) == "api.a.com:81"


def test_an_international_host_is_the_same_in_unicode_and_punycode() -> None:
    unicode, puny = (
        parse_address("https://例子.中国"),
        parse_address("https://xn--fsqu00a.xn--fiqs8s"),
    )
    assert unicode.key == puny.key == ("https", "xn--fsqu00a.xn--fiqs8s", None)
    assert parse_address("https://BÜCHER.example/x").host == "xn--bcher-kva.example"
    assert parse_address("https://XN--BCHER-KVA.example").host == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    "text",
    [
        *hostile_domains()["effective_domain"]["requestdomain"],
        "https://[::1",
        "https://a.com:99999",
        "https://a.com:port",
        "https://",
        "",
        "://",
        "https://例子..中国",
    ],
)
def test_parsing_never_raises_on_odd_text(text: str) -> None:
    address = parse_address(text)
    assert isinstance(address.host, str)
    # And so nothing built on it raises either.
    for protocol in Protocol:
        lint_domain(protocol, text)
    host_matcher("example")(text)


# -- lint --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("protocol", "domain", "expected"),
    [
        (Protocol.REQUEST, "http://a.com", [("lint_scheme", "https")]),
        (Protocol.UPLOAD, "ftp://a.com", [("lint_scheme", "https")]),
        (Protocol.DOWNLOAD, "a.com", [("lint_scheme", "https")]),
        (Protocol.WS, "https://a.com", [("lint_scheme", "wss")]),
        (Protocol.UDP, "tcp://a.com", [("lint_scheme", "udp")]),
        (Protocol.TCP, "udp://a.com", [("lint_scheme", "tcp")]),
        (Protocol.WEBVIEW, "http://www.a.com", [("lint_scheme", "https")]),
        (Protocol.REQUEST, "https://203.0.113.9", [("lint_ip", None)]),
        (Protocol.REQUEST, "https://[2001:db8::1]:8443", [("lint_ip", None)]),
        (Protocol.UDP, "udp://10.0.0.1:9000", [("lint_ip", None)]),
        (Protocol.REQUEST, "https://localhost", [("lint_localhost", None)]),
        (Protocol.WS, "wss://dev.localhost:8443", [("lint_localhost", None)]),
        (Protocol.REQUEST, "https://a.com/v1", [("lint_path", None)]),
        (Protocol.REQUEST, "https://a.com?debug=1", [("lint_path", None)]),
        (Protocol.REQUEST, "https://*.a.com", [("lint_wildcard", None)]),
        (Protocol.REQUEST, "https://api.weixin.qq.com", [("lint_wechat", None)]),
        (Protocol.REQUEST, "https://API.WEIXIN.QQ.COM", [("lint_wechat", None)]),
        (
            Protocol.REQUEST,
            "http://127.0.0.1/x",
            [("lint_scheme", "https"), ("lint_ip", None), ("lint_path", None)],
        ),
    ],
)
def test_each_rule_fires_for_what_it_is_about(
    protocol: Protocol, domain: str, expected: list[tuple[str, str | None]]
) -> None:
    assert lint_domain(protocol, domain) == expected


@pytest.mark.parametrize(
    ("protocol", "domain"),
    [
        (Protocol.REQUEST, "https://api.a.com"),
        (Protocol.REQUEST, "https://api.a.com:8443"),
        (Protocol.REQUEST, "https://a.com/"),
        (Protocol.WS, "wss://push.a.com"),
        (Protocol.UDP, "udp://live.a.com:9000"),
        (Protocol.TCP, "tcp://live.a.com:9001"),
        (Protocol.WEBVIEW, "https://www.a.com"),
        (Protocol.REQUEST, "https://例子.中国"),
        (Protocol.REQUEST, "https://weixin.qq.com.example.com"),
    ],
)
def test_a_good_domain_breaks_no_rule(protocol: Protocol, domain: str) -> None:
    assert lint_domain(protocol, domain) == []


@pytest.mark.parametrize(
    "data",
    [sample_domains(), shop_domains("lotustea"), shop_domains("lotustea", pending=True)],
    ids=["sample", "shop", "shop-pending"],
)
def test_clean_lists_give_no_warning(data: dict[str, Any]) -> None:
    assert lint(report(data)) == ()
    view = annotate(report(data), webview(shop_webview("lotustea", pending=True)))
    assert view is not None
    assert view.warnings == ()


def test_the_lint_data_set_trips_every_rule_and_keeps_every_domain() -> None:
    raw = lint_domains()
    found = kinds(lint(report(raw)))
    for group in ("effective_domain", "mp_domain"):
        here = [(k, p, d) for k, g, p, d in found if g == group]
        assert here == [
            ("lint_scheme", "requestdomain", "http://insecure.cornercafe.com"),
            ("lint_ip", "requestdomain", "https://203.0.113.9"),
            ("lint_localhost", "requestdomain", "https://localhost:8443"),
            ("lint_path", "requestdomain", "https://api.cornercafe.com/v1?debug=1"),
            # Same scheme, host and port as the first entry: the path does not count.
            ("lint_duplicate", "requestdomain", "https://api.cornercafe.com/v1?debug=1"),
            ("lint_wildcard", "requestdomain", "https://*.cornercafe.com"),
            ("lint_duplicate", "requestdomain", "https://API.cornercafe.com"),
            ("lint_wechat", "requestdomain", "https://api.weixin.qq.com"),
            ("lint_scheme", "wsrequestdomain", "https://push.cornercafe.com"),
            ("lint_scheme", "udpdomain", "tcp://live.cornercafe.com"),
            ("lint_scheme", "tcpdomain", "udp://live.cornercafe.com"),
        ]
    assert {g for _k, g, _p, _d in found} == {"effective_domain", "mp_domain"}
    # Advice only: the annotated view still lists every domain as served.
    view = annotate(report(raw), None)
    assert view is not None
    assert view.to_json() == raw
    assert kinds(view.warnings) == found


def test_duplicates_are_within_one_list_of_one_group() -> None:
    data = lists(
        effective={"request": ["https://a.com", "https://a.com:443", "https://b.com"]},
        mp={"request": ["https://a.com"], "download": ["https://a.com"]},
        third={"request": ["https://a.com", "a.com", "https://A.com/"]},
    )
    assert kinds(lint(data)) == [
        ("lint_scheme", "third_domain", "requestdomain", "a.com"),
        ("lint_duplicate", "third_domain", "requestdomain", "a.com"),
        ("lint_duplicate", "third_domain", "requestdomain", "https://A.com/"),
    ]


def test_warning_messages_name_the_rule() -> None:
    (scheme,) = lint(lists(effective={"ws": ["https://push.a.com"]}))
    assert scheme.message.startswith("must start with wss://")
    json_keys = scheme.to_json()
    assert json_keys["kind"] == "lint_scheme"
    assert (json_keys["group"], json_keys["protocol"]) == ("effective_domain", "wsrequestdomain")
    # Every rule has a sentence of its own, never its code.
    every = lint(report(lint_domains()))
    assert {w.kind for w in every} == {
        "lint_scheme",
        "lint_ip",
        "lint_localhost",
        "lint_path",
        "lint_wildcard",
        "lint_duplicate",
        "lint_wechat",
    }
    for warning in every:
        assert warning.message and "lint_" not in warning.message
    assert len({w.message for w in every if w.kind != "lint_scheme"}) == 6


def test_webview_domains_are_linted_as_a_seventh_protocol() -> None:
    served = webview(
        {
            "effective_webviewdomain": ["http://www.a.com", "https://www.a.com"],
            "mp_webviewdomain": ["https://www.a.com", "https://WWW.a.com"],
            "third_webviewdomain": [],
            "direct_webviewdomain": [],
        }
    )
    view = annotate(report(sample_domains()), served)
    assert view is not None
    assert kinds(view.warnings) == [
        ("lint_scheme", "effective_domain", "webviewdomain", "http://www.a.com"),
        ("lint_duplicate", "mp_domain", "webviewdomain", "https://WWW.a.com"),
    ]
    assert view[Group.EFFECTIVE][Protocol.WEBVIEW] == ("http://www.a.com", "https://www.a.com")


# -- annotate: the view the user sees ----------------------------------------------------


def test_annotate_puts_webview_beside_the_server_lists() -> None:
    assert annotate(None, None) is None
    served = report(sample_domains())
    only_server = annotate(served, None)
    assert only_server is not None
    assert only_server.to_json() == sample_domains()
    assert all(only_server[g][Protocol.WEBVIEW] == () for g in Group)  # type: ignore[index]

    web = webview(shop_webview("lotustea", pending=True))
    both = annotate(served, web)
    assert both is not None
    assert both.to_json() == sample_domains()  # server JSON unchanged
    assert both[Group.MP][Protocol.WEBVIEW] == (  # type: ignore[index]
        "https://www.lotustea.com",
        "https://m.lotustea.com",
        "https://events.lotustea.com",
    )
    # The server call failed: webview alone is still a view.
    only_web = annotate(None, web)
    assert only_web is not None
    assert only_web[Group.EFFECTIVE][Protocol.REQUEST] == ()  # type: ignore[index]
    assert only_web[Group.EFFECTIVE][Protocol.WEBVIEW] == (  # type: ignore[index]
        "https://www.lotustea.com",
        "https://m.lotustea.com",
    )


def test_parser_warnings_come_before_lint_warnings() -> None:
    data = lists(effective={"request": ["http://a.com"]})
    raw = {"effective_webviewdomain": ["https://w.a.com", 7]}
    view = annotate(data, webview(raw))
    assert view is not None
    assert [w.kind for w in view.warnings] == ["wrong_type", "lint_scheme"]


# -- pending changes ---------------------------------------------------------------------


def test_nothing_is_pending_when_configured_matches_effective() -> None:
    changes = pending(report(shop_domains("lotustea")))
    assert not changes
    assert changes.count == 0
    assert changes == Pending()
    assert changes.to_json() == {"count": 0, "adds": [], "drops": [], "not_compared": []}


def test_a_release_adds_and_drops_with_the_groups_named() -> None:
    changes = pending(report(shop_domains("lotustea", pending=True)))
    assert changes.count == 4
    assert changes.adds == (
        Change(Protocol.REQUEST, "https://api-v2.lotustea.com", (Group.MP,)),
        Change(Protocol.UDP, "udp://live.lotustea.com:8443", (Group.DIRECT,)),
    )
    assert changes.drops == (
        Change(Protocol.REQUEST, "https://pay.lotustea.com"),
        Change(Protocol.DOWNLOAD, "https://img.lotustea.com"),
    )
    assert all(c.adds for c in changes.adds)
    assert not any(c.adds for c in changes.drops)
    adds, drops = changes.of(Protocol.REQUEST)
    assert [c.domain for c in adds] == ["https://api-v2.lotustea.com"]
    assert [c.domain for c in drops] == ["https://pay.lotustea.com"]
    assert changes.of(Protocol.TCP) == ([], [])
    assert changes.to_json()["adds"][0] == {
        "protocol": "requestdomain",
        "domain": "https://api-v2.lotustea.com",
        "groups": ["mp_domain"],
    }
    assert changes.to_json()["drops"][0] == {
        "protocol": "requestdomain",
        "domain": "https://pay.lotustea.com",
    }


def test_a_domain_configured_in_several_groups_names_them_all() -> None:
    changes = pending(
        lists(
            mp={"tcp": ["tcp://a.com:9000"]},
            third={"tcp": ["tcp://a.com:9000"]},
            direct={"tcp": ["tcp://A.com:9000"], "ws": ["wss://b.com"]},
        )
    )
    assert changes.adds == (
        Change(Protocol.WS, "wss://b.com", (Group.DIRECT,)),
        Change(Protocol.TCP, "tcp://a.com:9000", (Group.MP, Group.THIRD, Group.DIRECT)),
    )
    assert changes.drops == ()


def test_pending_compares_as_wechat_does() -> None:
    same = lists(
        effective={"request": ["https://API.a.com", "https://例子.中国"]},
        mp={"request": ["https://api.a.com/", "https://xn--fsqu00a.xn--fiqs8s"]},
    )
    assert not pending(same)
    # A port, or a scheme, makes another domain: one added and one dropped.
    ported = lists(effective={"request": ["https://a.com"]}, mp={"request": ["https://a.com:443"]})
    changes = pending(ported)
    assert [c.domain for c in changes.adds] == ["https://a.com:443"]
    assert [c.domain for c in changes.drops] == ["https://a.com"]


def test_a_configured_group_not_returned_counts_as_empty() -> None:
    changes = pending(lists(effective={"upload": ["https://up.a.com"]}, mp=None, direct=None))
    assert changes.drops == (Change(Protocol.UPLOAD, "https://up.a.com"),)
    assert changes.unknown == ()


def test_without_the_effective_group_nothing_is_compared() -> None:
    # Claiming every configured domain "takes effect" would be a guess, not a diff.
    changes = pending(lists(effective=None, third={"download": ["https://cdn.a.com"]}))
    assert changes.adds == changes.drops == ()
    assert changes.unknown == (Protocol.DOWNLOAD,)
    assert changes.to_json()["not_compared"] == ["downloaddomain"]


def test_without_any_configured_group_nothing_is_compared() -> None:
    changes = pending(
        lists(effective={"upload": ["https://up.a.com"]}, mp=None, third=None, direct=None)
    )
    assert changes.adds == changes.drops == ()
    assert changes.unknown == (Protocol.UPLOAD,)


def test_webview_changes_are_pending_too() -> None:
    view = annotate(
        report(shop_domains("lotustea")), webview(shop_webview("lotustea", pending=True))
    )
    assert view is not None
    changes = pending(view)
    assert changes.adds == (Change(Protocol.WEBVIEW, "https://events.lotustea.com", (Group.MP,)),)
    assert changes.drops == ()


# -- release checks ----------------------------------------------------------------------


def shop_with_third_only() -> DomainReport:
    """Effective api and cdn; `https://new.shop.com` only in third_domain, not yet live;
    `https://old.shop.com` live but configured nowhere."""
    return lists(
        effective={
            "request": ["https://api.shop.com", "https://old.shop.com", "https://例子.中国"],
            "ws": ["wss://push.shop.com:8443"],
        },
        mp={"request": ["https://api.shop.com", "https://例子.中国"]},
        third={"request": ["https://new.shop.com"]},
        direct={"ws": ["wss://push.shop.com:8443"]},
    )


def test_check_finds_an_effective_domain() -> None:
    (result,) = check(shop_with_third_only(), [(Protocol.REQUEST, "https://api.shop.com")])
    assert result.found
    assert result.effective
    assert result.configured_in == (Group.MP,)
    assert result.note == ""
    assert result.to_json() == {
        "protocol": "requestdomain",
        "domain": "https://api.shop.com",
        "wanted": "https://api.shop.com",
        "found": True,
        "effective": True,
        "configured_in": ["mp_domain"],
        "note": "",
    }


def test_check_says_when_a_missing_domain_takes_effect_at_next_release() -> None:
    (result,) = check(shop_with_third_only(), [(Protocol.REQUEST, "https://new.shop.com")])
    assert not result.found
    assert result.configured_in == (Group.THIRD,)
    assert result.note == "configured in third, takes effect at next release"


def test_check_says_when_a_domain_is_nowhere() -> None:
    (result,) = check(shop_with_third_only(), [(Protocol.UPLOAD, "https://api.shop.com")])
    assert not result.found
    assert result.note == "not configured in any group"


def test_check_warns_that_an_effective_domain_drops_at_next_release() -> None:
    (result,) = check(shop_with_third_only(), [(Protocol.REQUEST, "https://old.shop.com")])
    assert result.found
    assert result.note == "effective now, drops at next release"


def test_check_in_configured_looks_at_mp_third_and_direct() -> None:
    wanted = [
        (Protocol.REQUEST, "https://new.shop.com"),
        (Protocol.REQUEST, "https://old.shop.com"),
        (Protocol.REQUEST, "https://api.shop.com"),
        (Protocol.WS, "wss://push.shop.com:8443"),
    ]
    new, old, api, push = check(shop_with_third_only(), wanted, "configured")
    assert (new.found, new.note) == (True, "configured in third, takes effect at next release")
    assert (old.found, old.note) == (False, "effective now, drops at next release")
    assert (api.found, api.note) == (True, "")
    assert (push.found, push.configured_in) == (True, (Group.DIRECT,))
    assert new.to_json()["found"] is True
    assert old.where == "configured"


@pytest.mark.parametrize(
    ("protocol", "wanted", "found"),
    [
        (Protocol.REQUEST, "https://api.shop.com/v1/orders?id=7#x", True),
        (Protocol.REQUEST, "HTTPS://API.SHOP.COM", True),
        (Protocol.REQUEST, "api.shop.com", True),  # a bare host takes the protocol's scheme
        (Protocol.REQUEST, "https://api.shop.com:443", False),  # the port is compared as is
        (Protocol.REQUEST, "http://api.shop.com", False),  # and the scheme
        (Protocol.WS, "wss://push.shop.com:8443/socket", True),
        (Protocol.WS, "push.shop.com:8443", True),
        (Protocol.WS, "wss://push.shop.com", False),
        (Protocol.WS, "https://push.shop.com:8443", False),
        (Protocol.REQUEST, "https://例子.中国/路径", True),
        (Protocol.REQUEST, "https://xn--fsqu00a.xn--fiqs8s", True),
        (Protocol.REQUEST, "https://例子.中国:8443", False),
    ],
)
def test_check_matches_as_wechat_does(protocol: Protocol, wanted: str, found: bool) -> None:
    (result,) = check(shop_with_third_only(), [(protocol, wanted)])
    assert result.found is found
    assert result.wanted == wanted


def test_check_keeps_the_order_given_and_checks_webview() -> None:
    view = annotate(
        report(shop_domains("lotustea")), webview(shop_webview("lotustea", pending=True))
    )
    assert view is not None
    wanted = [
        (Protocol.WEBVIEW, "https://events.lotustea.com/spring"),
        (Protocol.DOWNLOAD, "https://cdn.lotustea.com/logo.png"),
        (Protocol.WEBVIEW, "https://www.lotustea.com"),
    ]
    results = check(view, wanted)
    assert [(r.protocol, str(r.address), r.found) for r in results] == [
        (Protocol.WEBVIEW, "https://events.lotustea.com", False),
        (Protocol.DOWNLOAD, "https://cdn.lotustea.com", True),
        (Protocol.WEBVIEW, "https://www.lotustea.com", True),
    ]
    assert results[0].note == "configured in mp, takes effect at next release"


@pytest.mark.parametrize("text", ["", "https://", "https:///path", "   "])
def test_a_wanted_domain_without_a_host_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="no host in"):
        wanted_address(Protocol.REQUEST, text)


def test_a_wanted_url_loses_its_path() -> None:
    address = wanted_address(Protocol.DOWNLOAD, "https://cdn.a.com:8443/x/y.png?v=2")
    assert address == Address("https", "cdn.a.com", 8443, "")
    assert wanted_address(Protocol.UDP, "live.a.com:9000") == Address("udp", "live.a.com", 9000, "")


# -- search ------------------------------------------------------------------------------


def test_find_lists_every_group_and_protocol_holding_a_match() -> None:
    hits = find(report(sample_domains()), "MELODY2")
    assert [(h.group, h.protocol, h.domain) for h in hits] == [
        (Group.EFFECTIVE, Protocol.WS, "wss://melody2.qq.com"),
        (Group.EFFECTIVE, Protocol.UDP, "udp://melody2.WeChat.qq.com"),
        (Group.EFFECTIVE, Protocol.TCP, "tcp://melody2.WeChat.qq.com"),
        (Group.MP, Protocol.WS, "wss://melody2.qq.com"),
        (Group.MP, Protocol.UDP, "udp://melody2.WeChat.qq.com"),
        (Group.MP, Protocol.TCP, "tcp://melody2.WeChat.qq.com"),
        (Group.THIRD, Protocol.WS, "wss://melody2.qq.com"),
        (Group.THIRD, Protocol.UDP, "udp://melody2.WeChat.qq.com"),
        (Group.THIRD, Protocol.TCP, "tcp://melody2.WeChat.qq.com"),
        (Group.DIRECT, Protocol.WS, "wss://melody2.qq.com"),
    ]
    assert find(report(sample_domains()), "nowhere.example") == []


def test_find_searches_hosts_only() -> None:
    data = lists(effective={"request": ["https://a.com/v1/search", "https://b.com:8443"]})
    assert find(data, "search") == []
    assert find(data, "https") == []
    assert find(data, "8443") == []
    assert [h.domain for h in find(data, "b.co")] == ["https://b.com:8443"]


def test_find_takes_a_url_and_searches_its_host() -> None:
    data = report(shop_domains("lotustea"))
    hits = find(data, "https://CDN.lotustea.com/img/logo.png?v=3")
    assert {(h.group, h.protocol, h.domain) for h in hits} == {
        (Group.EFFECTIVE, Protocol.DOWNLOAD, "https://cdn.lotustea.com"),
        (Group.MP, Protocol.DOWNLOAD, "https://cdn.lotustea.com"),
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("例子", {"https://例子.中国", "https://xn--fsqu00a.xn--fiqs8s"}),
        ("XN--FSQU00A", {"https://例子.中国", "https://xn--fsqu00a.xn--fiqs8s"}),
        ("例子.中国", {"https://例子.中国", "https://xn--fsqu00a.xn--fiqs8s"}),
        (
            "https://xn--fsqu00a.xn--fiqs8s/",
            {"https://例子.中国", "https://xn--fsqu00a.xn--fiqs8s"},
        ),
        ("BÜCHER", {"https://bücher.example"}),
        ("xn--bcher-kva", {"https://bücher.example"}),
        ("ücher", {"https://bücher.example"}),
    ],
)
def test_find_matches_international_names_in_either_form(text: str, expected: set[str]) -> None:
    hits = find(report(idn_domains()), text)
    assert {h.domain for h in hits} == expected
    assert {h.group for h in hits} == set(Group)


def test_find_searches_webview_domains_in_the_view() -> None:
    view = annotate(report(sample_domains()), webview(shop_webview("lotustea", pending=True)))
    assert view is not None
    hits = find(view, "events.")
    assert [(h.group, h.protocol) for h in hits] == [(Group.MP, Protocol.WEBVIEW)]


def test_the_webview_parser_reads_flat_lists_per_group() -> None:
    parsed = webview(shop_webview("lotustea", pending=True))
    assert parsed.lists[Group.THIRD] == ()
    assert parsed.to_json() == shop_webview("lotustea", pending=True)
    assert list(parsed.to_json()) == list(WEBVIEW_KEYS)
    missing = webview({"effective_webviewdomain": ["https://w.a.com"]})
    assert missing.lists[Group.MP] is None
    assert missing.to_json()["mp_webviewdomain"] is None
