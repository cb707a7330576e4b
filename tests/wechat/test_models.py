"""The response parser: the documented sample, the reference page's broken sample, odd shapes
that must become warnings, and bodies that are not WeChat's JSON at all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import MARKER, WRONG_TYPES_WARNINGS

from wxdash.fakeserver import (
    GROUP_KEYS,
    PROTOCOL_KEYS,
    REFERENCE_SAMPLE,
    big_domains,
    extra_fields_domains,
    sample_domains,
    wrong_types_domains,
)
from wxdash.wechat.errors import ApiError, ResponseFormatError
from wxdash.wechat.models import (
    SERVER_PROTOCOLS,
    DomainGroup,
    Group,
    ParseWarning,
    Protocol,
    parse_domain_report,
    parse_json_body,
    parse_webview_report,
)
from wxdash.wechat.redact import register_secret


def body(groups: dict[str, Any], **top: Any) -> bytes:
    """A success body: errcode 0 and the given groups (any shape), as WeChat would send it."""
    return json.dumps({"errcode": 0, "errmsg": "ok", **top, **groups}).encode()


def one_group(group: str, content: Any) -> bytes:
    return body({group: content})


def warnings_of(raw: bytes) -> list[dict[str, Any]]:
    return [w.to_json() for w in parse_domain_report(raw).warnings]


# -- the documented sample ---------------------------------------------------------------


def test_documented_sample_parses_to_exactly_its_data() -> None:
    data = sample_domains()
    report = parse_domain_report(body(data))

    assert report.to_json() == data
    assert report.warnings == ()
    assert report[Group.MP][Protocol.UDP] == (
        "udp://melody2.WeChat.qq.com",
        "udp://melody5.WeChat.qq.com",
    )
    assert report[Group.DIRECT][Protocol.TCP] == ("tcp://melody6.WeChat.qq.com",)
    assert report[Group.EFFECTIVE][Protocol.WS] == ("wss://melody2.qq.com",)
    # Iterating a group gives the six protocols in the API's order, then webview (empty: it
    # comes from its own call), which the group's JSON leaves out.
    assert [p.value for p, _ in report[Group.THIRD]] == [*PROTOCOL_KEYS, "webviewdomain"]
    assert report[Group.THIRD][Protocol.WEBVIEW] == ()
    assert list(report[Group.THIRD].to_json()) == list(PROTOCOL_KEYS)
    assert report[Group.EFFECTIVE].total == 8


def test_group_order_and_key_names_in_json_are_the_apis() -> None:
    report = parse_domain_report(body(sample_domains()))
    out = report.to_json()
    assert set(out) == set(GROUP_KEYS)
    for group in GROUP_KEYS:
        assert list(out[group]) == list(PROTOCOL_KEYS)


def test_two_hundred_domains_per_protocol_are_all_kept_in_order() -> None:
    data = big_domains(200)
    report = parse_domain_report(body(data))
    assert report.to_json() == data
    assert sum(report[g].total for g in Group) == 4 * 6 * 200


def test_report_is_immutable() -> None:
    report = parse_domain_report(body(sample_domains()))
    with pytest.raises(TypeError):
        report.groups[Group.MP] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        report[Group.MP].lists[Protocol.REQUEST] = ()  # type: ignore[index]
    assert isinstance(report[Group.MP][Protocol.REQUEST], tuple)


def test_reference_pages_literal_sample_is_a_format_error_quoting_its_start() -> None:
    with pytest.raises(ResponseFormatError) as caught:
        parse_domain_report(REFERENCE_SAMPLE.encode())
    message = caught.value.message
    # It says where the garble is (the stray 初始值 is on line 60) and quotes the body's start,
    # with its newlines and indentation folded so the message stays on one line.
    assert "line 60" in message
    assert '{ "errcode": 0, "errmsg": "ok", "mp_domain"' in message
    assert "\n" not in message
    assert caught.value.hint


def test_reference_sample_with_the_garble_removed_is_the_sample_data() -> None:
    fixed = REFERENCE_SAMPLE.replace("]初始值", "],")
    report = parse_domain_report(fixed.encode())
    assert report.to_json() == sample_domains()


# -- not returned, empty, null -----------------------------------------------------------


def test_missing_group_is_not_returned() -> None:
    report = parse_domain_report(body({"effective_domain": sample_domains()["effective_domain"]}))
    assert report[Group.EFFECTIVE] is not None
    for group in (Group.MP, Group.THIRD, Group.DIRECT):
        assert report[group] is None
    assert report.to_json()["mp_domain"] is None
    assert report.warnings == ()


def test_null_group_is_not_returned_and_differs_from_an_empty_group() -> None:
    report = parse_domain_report(body({"mp_domain": None, "third_domain": {}}))
    assert report[Group.MP] is None
    empty = report[Group.THIRD]
    assert empty is not None
    assert all(domains == () for _, domains in empty)
    assert empty.total == 0
    out = report.to_json()
    assert out["mp_domain"] is None
    assert out["third_domain"] == {key: [] for key in PROTOCOL_KEYS}
    assert report.warnings == ()


def test_null_protocol_list_is_empty_without_a_warning() -> None:
    report = parse_domain_report(one_group("effective_domain", {"requestdomain": None}))
    assert report[Group.EFFECTIVE][Protocol.REQUEST] == ()
    assert report.to_json()["effective_domain"]["requestdomain"] == []
    assert report.warnings == ()


def test_missing_protocol_list_is_empty() -> None:
    report = parse_domain_report(one_group("mp_domain", {"requestdomain": ["https://a.com"]}))
    assert report[Group.MP][Protocol.REQUEST] == ("https://a.com",)
    assert report[Group.MP][Protocol.TCP] == ()


def test_empty_object_body_returns_no_groups() -> None:
    report = parse_domain_report(b"{}")
    assert all(report[g] is None for g in Group)
    assert report.warnings == ()


# -- unknown keys ------------------------------------------------------------------------


def test_unknown_protocol_key_is_kept_as_extra_and_in_json_with_a_warning() -> None:
    data = sample_domains()
    data["effective_domain"]["quicdomain"] = ["quic://future.example.com"]
    report = parse_domain_report(body(data))

    effective = report[Group.EFFECTIVE]
    assert effective.extra["quicdomain"] == ("quic://future.example.com",)
    assert report.to_json()["effective_domain"]["quicdomain"] == ["quic://future.example.com"]
    # The known lists are untouched.
    assert effective[Protocol.REQUEST] == ("https://melody1.qq.com",)
    assert effective.total == 9
    [warning] = report.warnings
    assert (warning.kind, warning.group, warning.protocol) == (
        "unknown_protocol",
        "effective_domain",
        "quicdomain",
    )
    assert "quicdomain" not in report.to_json()["mp_domain"]


def test_extra_fields_data_set_keeps_everything_known() -> None:
    data = extra_fields_domains()
    report = parse_domain_report(body(data))
    out = report.to_json()
    assert out["effective_domain"]["quicdomain"] == ["quic://future.example.com"]
    for group in GROUP_KEYS:
        for key in PROTOCOL_KEYS:
            assert out[group][key] == data[group][key]


# -- wrong shapes become visible warnings --------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "shown", "type_name"),
    [
        (42, "42", "a number"),
        (None, "null", "null"),
        (True, "true", "a boolean"),
        ({"host": "x"}, '{"host": "x"}', "an object"),
        (["nested"], '["nested"]', "an array"),
        (1.5, "1.5", "a number"),
    ],
)
def test_wrong_typed_entry_is_left_out_with_a_warning(
    entry: Any, shown: str, type_name: str
) -> None:
    raw = one_group("mp_domain", {"uploaddomain": ["https://a.com", entry, "https://b.com"]})
    report = parse_domain_report(raw)
    assert report[Group.MP][Protocol.UPLOAD] == ("https://a.com", "https://b.com")
    [warning] = report.warnings
    assert warning.to_json() == {
        "kind": "wrong_type",
        "group": "mp_domain",
        "protocol": "uploaddomain",
        "domain": shown,
        "message": f"{type_name} instead of a string, left out",
    }


def test_list_given_as_a_string_is_read_as_one_domain_with_a_warning() -> None:
    raw = one_group("direct_domain", {"wsrequestdomain": "wss://single.example.com"})
    report = parse_domain_report(raw)
    assert report[Group.DIRECT][Protocol.WS] == ("wss://single.example.com",)
    [warning] = warnings_of(raw)
    assert warning["kind"] == "not_a_list"
    assert warning["group"] == "direct_domain"
    assert warning["protocol"] == "wsrequestdomain"
    assert warning["domain"] == "wss://single.example.com"
    assert "a string instead of a list" in warning["message"]


@pytest.mark.parametrize(("value", "type_name"), [(7, "number"), ({"a": 1}, "object")])
def test_list_given_as_a_non_list_is_empty_with_a_warning(value: Any, type_name: str) -> None:
    raw = one_group("third_domain", {"downloaddomain": value, "requestdomain": ["https://a.com"]})
    report = parse_domain_report(raw)
    assert report[Group.THIRD][Protocol.DOWNLOAD] == ()
    assert report[Group.THIRD][Protocol.REQUEST] == ("https://a.com",)
    [warning] = warnings_of(raw)
    assert warning["kind"] == "bad_list"
    assert (warning["group"], warning["protocol"], warning["domain"]) == (
        "third_domain",
        "downloaddomain",
        None,
    )
    assert type_name in warning["message"]


@pytest.mark.parametrize(("value", "type_name"), [(["https://a.com"], "array"), ("x", "string")])
def test_group_given_as_a_non_object_is_not_returned_with_a_warning(
    value: Any, type_name: str
) -> None:
    raw = one_group("mp_domain", value)
    report = parse_domain_report(raw)
    assert report[Group.MP] is None
    assert report.to_json()["mp_domain"] is None
    [warning] = warnings_of(raw)
    assert warning["kind"] == "bad_group"
    assert (warning["group"], warning["protocol"], warning["domain"]) == ("mp_domain", None, None)
    assert type_name in warning["message"]
    assert "not returned" in warning["message"]


def test_wrong_types_everywhere_never_crash_and_every_oddity_is_reported() -> None:
    report = parse_domain_report(body(wrong_types_domains()))
    assert report.to_json() == {
        "effective_domain": {
            "requestdomain": ["https://ok.example.com"],
            "wsrequestdomain": ["wss://single.example.com"],
            "uploaddomain": [],
            "downloaddomain": [],
            "udpdomain": [],
            "tcpdomain": [],
        },
        "mp_domain": None,
        "third_domain": None,
        "direct_domain": {key: [] for key in PROTOCOL_KEYS},
    }
    found = {(w.kind, w.group, w.protocol, w.domain) for w in report.warnings}
    assert found == WRONG_TYPES_WARNINGS
    assert len(report.warnings) == 7
    for warning in report.warnings:
        assert warning.message
        assert set(warning.to_json()) == {"kind", "group", "protocol", "domain", "message"}


def test_unknown_protocol_with_a_wrong_shape_warns_twice_and_keeps_what_it_can() -> None:
    raw = one_group("effective_domain", {"quicdomain": ["quic://a.example.com", 3]})
    report = parse_domain_report(raw)
    assert report[Group.EFFECTIVE].extra["quicdomain"] == ("quic://a.example.com",)
    kinds = sorted((w.kind, w.protocol) for w in report.warnings)
    assert kinds == [("unknown_protocol", "quicdomain"), ("wrong_type", "quicdomain")]


def test_long_wrong_typed_entry_is_shortened_in_the_warning() -> None:
    raw = one_group("effective_domain", {"requestdomain": [{"x": "y" * 500}]})
    [warning] = parse_domain_report(raw).warnings
    assert warning.domain is not None
    assert len(warning.domain) <= 80
    assert warning.domain.startswith('{"x": "yyy')


# -- errcode and errmsg ------------------------------------------------------------------


def test_errcode_zero_as_a_string_is_success() -> None:
    raw = json.dumps({"errcode": "0", "errmsg": "ok", **sample_domains()}).encode()
    assert parse_domain_report(raw).to_json() == sample_domains()


@pytest.mark.parametrize("errcode", ["40001", " 40001 ", 40001])
def test_errcode_as_a_string_is_read_as_a_number(errcode: Any) -> None:
    raw = json.dumps({"errcode": errcode, "errmsg": "invalid credential rid: 1-2-3"}).encode()
    with pytest.raises(ApiError) as caught:
        parse_domain_report(raw)
    assert caught.value.errcode == 40001
    assert caught.value.token_rejected


def test_negative_errcode_as_a_string_is_retryable() -> None:
    raw = json.dumps({"errcode": "-1", "errmsg": "system error"}).encode()
    with pytest.raises(ApiError) as caught:
        parse_json_body(raw)
    assert caught.value.errcode == -1
    assert caught.value.retryable


@pytest.mark.parametrize("errcode", ["abc", "", None, True, 1.5, [0], {"code": 0}])
def test_errcode_that_is_not_a_number_is_a_format_error(errcode: Any) -> None:
    raw = json.dumps({"errcode": errcode, "errmsg": "ok"}).encode()
    with pytest.raises(ResponseFormatError) as caught:
        parse_domain_report(raw)
    assert "errcode is not a number" in caught.value.message
    assert '{"errcode": ' in caught.value.message


def test_errmsg_rid_is_kept_in_the_api_error_message() -> None:
    rid = "rid: 6761d3b4-4b7b0c41-1d8f3a2c"
    raw = json.dumps({"errcode": 48001, "errmsg": f"api unauthorized {rid}"}).encode()
    with pytest.raises(ApiError) as caught:
        parse_domain_report(raw)
    error = caught.value
    assert error.errcode == 48001
    assert error.errmsg == f"api unauthorized {rid}"
    assert rid in error.message
    assert rid in str(error)
    assert error.to_json()["errcode"] == 48001
    assert rid in error.to_json()["message"]


def test_errcode_is_checked_before_the_groups_are_read() -> None:
    raw = json.dumps({"errcode": 45009, "errmsg": "quota", **sample_domains()}).encode()
    with pytest.raises(ApiError) as caught:
        parse_domain_report(raw)
    assert caught.value.errcode == 45009


def test_missing_errmsg_does_not_crash() -> None:
    with pytest.raises(ApiError) as caught:
        parse_json_body(b'{"errcode": 40013}')
    assert caught.value.errcode == 40013
    assert "40013" in caught.value.message


# -- bodies that are not WeChat's JSON --------------------------------------------------


def test_truncated_json_is_a_format_error_saying_truncated() -> None:
    full = body(sample_domains())
    half = full[: len(full) // 2]
    with pytest.raises(ResponseFormatError) as caught:
        parse_domain_report(half)
    message = caught.value.message
    assert "truncated" in message
    assert f"({len(half)} bytes)" in message
    assert '{"errcode": 0, "errmsg": "ok"' in message


def test_html_error_page_is_a_format_error_quoting_it() -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    with pytest.raises(ResponseFormatError) as caught:
        parse_domain_report(page)
    message = caught.value.message
    assert "not JSON" in message
    assert "<html><head><title>502 Bad Gateway</title>" in message
    assert "proxy" in caught.value.hint


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        (b"<html>\x1b[2J\x1b]0;pwned\x07</html>", "<html>\\x1b[2J\\x1b]0;pwned\\x07</html>"),
        (b"\x00\x01\xff\xfe binary", "\\x00\\x01\\xff\\xfe binary"),
        (b'{"errcode": 0, "x": "\x1b[31m', "\\x1b[31m"),
        ("\u202eevil".encode(), "\\u202eevil"),
        ("ok\x9bcsi".encode(), "ok\\x9bcsi"),
    ],
)
def test_unreadable_body_preview_is_escaped(raw: bytes, escaped: str) -> None:
    with pytest.raises(ResponseFormatError) as caught:
        parse_domain_report(raw)
    error = caught.value
    assert escaped in error.message
    for text in (error.message, str(error), repr(error)):
        assert "\x1b" not in text
        assert "\x00" not in text
        assert "\x07" not in text
        assert "\u202e" not in text
        assert "\x9b" not in text


@pytest.mark.parametrize(
    "raw",
    [
        f"<p>Blocked: /wxa/get_effective_domain?access_token={MARKER}</p>".encode(),
        f"blocked {MARKER}".encode(),
        f'["{MARKER}"]'.encode(),
        f'{{"errcode": "x", "t": "{MARKER}"}}'.encode(),
        f'{{"errcode": 0, "t": "{MARKER}'.encode(),
    ],
)
def test_preview_masks_a_token_the_body_quotes(raw: bytes) -> None:
    register_secret(MARKER)
    with pytest.raises(ResponseFormatError) as caught:
        parse_domain_report(raw)
    for text in (caught.value.message, str(caught.value), repr(caught.value)):
        # Not even the start of the token, where the preview's cut falls inside it.
        assert MARKER[:8] not in text


def test_errmsg_quoting_a_token_is_masked() -> None:
    register_secret(MARKER)
    raw = json.dumps({"errcode": 40014, "errmsg": f"invalid {MARKER} rid: 1-2-3"}).encode()
    with pytest.raises(ApiError) as caught:
        parse_domain_report(raw)
    assert caught.value.errmsg == "invalid •••• rid: 1-2-3"
    assert MARKER not in caught.value.message


def test_preview_is_short_for_a_long_body() -> None:
    raw = b"<html>" + b"x" * 100_000
    with pytest.raises(ResponseFormatError) as caught:
        parse_domain_report(raw)
    message = caught.value.message
    assert "(100006 bytes)" in message
    assert len(message) < 200
    assert message.endswith("…")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "not JSON (0 bytes)"),
        (b"   ", "not JSON (3 bytes)"),
        (b"[1, 2]", "JSON array, not an object"),
        (b'"ok"', "JSON string, not an object"),
        (b"null", "JSON null, not an object"),
        (b"42", "JSON number, not an object"),
    ],
)
def test_empty_and_non_object_bodies_are_format_errors(raw: bytes, expected: str) -> None:
    with pytest.raises(ResponseFormatError) as caught:
        parse_domain_report(raw)
    assert expected in caught.value.message
    assert caught.value.kind == "format"
    assert caught.value.errcode is None
    assert not caught.value.retryable


def test_deeply_nested_body_is_a_format_error_not_a_crash() -> None:
    raw = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(ResponseFormatError):
        parse_domain_report(raw)


def test_utf8_bom_is_tolerated() -> None:
    raw = b"\xef\xbb\xbf" + body(sample_domains())
    assert parse_domain_report(raw).to_json() == sample_domains()


def test_unicode_domains_are_kept_as_sent() -> None:
    raw = json.dumps(
        {"effective_domain": {"requestdomain": ["https://例子.中国", "https://bücher.example"]}},
        ensure_ascii=False,
    ).encode()
    report = parse_domain_report(raw)
    assert report[Group.EFFECTIVE][Protocol.REQUEST] == (
        "https://例子.中国",
        "https://bücher.example",
    )


# -- names users type ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("request", Protocol.REQUEST),
        ("REQUEST", Protocol.REQUEST),
        ("requestdomain", Protocol.REQUEST),
        ("RequestDomain", Protocol.REQUEST),
        ("ws", Protocol.WS),
        ("wsrequestdomain", Protocol.WS),
        ("Upload", Protocol.UPLOAD),
        ("downloaddomain", Protocol.DOWNLOAD),
        (" udp ", Protocol.UDP),
        ("TCPDOMAIN", Protocol.TCP),
    ],
)
def test_protocol_parse_accepts_short_and_api_names_in_any_case(
    text: str, expected: Protocol
) -> None:
    assert Protocol.parse(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("effective", Group.EFFECTIVE),
        ("EFFECTIVE_DOMAIN", Group.EFFECTIVE),
        ("mp", Group.MP),
        ("Mp_Domain", Group.MP),
        ("third", Group.THIRD),
        ("third_domain", Group.THIRD),
        ("DIRECT", Group.DIRECT),
        ("direct_domain", Group.DIRECT),
    ],
)
def test_group_parse_accepts_short_and_api_names_in_any_case(text: str, expected: Group) -> None:
    assert Group.parse(text) is expected


@pytest.mark.parametrize("text", ["socket", "http", "", "request domain", "requestdomains"])
def test_protocol_parse_rejects_others_naming_the_choices(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        Protocol.parse(text)
    message = str(caught.value)
    assert repr(text) in message
    assert "request, ws, upload, download, udp, tcp" in message


@pytest.mark.parametrize("text", ["effect", "webview", "", "mp_domains", "all"])
def test_group_parse_rejects_others_naming_the_choices(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        Group.parse(text)
    message = str(caught.value)
    assert repr(text) in message
    assert "effective, mp, third, direct" in message


def test_short_names_round_trip() -> None:
    for protocol in Protocol:
        assert Protocol.parse(protocol.short) is protocol
    for group in Group:
        assert Group.parse(group.short) is group
    assert [p.short for p in Protocol] == [
        "request",
        "ws",
        "upload",
        "download",
        "udp",
        "tcp",
        "webview",
    ]
    assert [p.short for p in SERVER_PROTOCOLS] == [p.short for p in Protocol][:6]
    assert [p.scheme for p in Protocol] == ["https", "wss", "https", "https", "udp", "tcp", "https"]
    assert [g.short for g in Group] == ["effective", "mp", "third", "direct"]


# -- building values by hand --------------------------------------------------------------


def test_domain_group_of_fills_missing_protocols_and_keeps_extra() -> None:
    group = DomainGroup.of({Protocol.REQUEST: ["https://a.com"]}, quicdomain=["quic://q.com"])
    assert group[Protocol.REQUEST] == ("https://a.com",)
    assert group[Protocol.UDP] == ()
    assert group.to_json()["quicdomain"] == ["quic://q.com"]
    assert group.total == 2


def test_parse_warning_message_for_an_unknown_kind_is_its_kind() -> None:
    warning = ParseWarning("future_kind", group="mp_domain")
    assert warning.message == "future_kind"
    assert warning.to_json()["group"] == "mp_domain"


# -- webview domains ---------------------------------------------------------------------


def test_webview_answers_are_flat_lists_per_group() -> None:
    data = {
        "effective_webviewdomain": ["https://www.a.com"],
        "mp_webviewdomain": ["https://www.a.com", "https://m.a.com"],
        "third_webviewdomain": [],
    }
    report = parse_webview_report(body(data))
    assert report.lists[Group.EFFECTIVE] == ("https://www.a.com",)
    assert report.lists[Group.MP] == ("https://www.a.com", "https://m.a.com")
    assert report.lists[Group.THIRD] == ()
    assert report.lists[Group.DIRECT] is None  # not returned, not empty
    assert report.to_json() == {**data, "direct_webviewdomain": None}
    assert report.warnings == ()


def test_odd_webview_entries_become_warnings() -> None:
    data = {
        "effective_webviewdomain": ["https://www.a.com", 7],
        "mp_webviewdomain": "https://single.a.com",
        "third_webviewdomain": {"x": 1},
    }
    report = parse_webview_report(body(data))
    assert report.lists[Group.EFFECTIVE] == ("https://www.a.com",)
    assert report.lists[Group.MP] == ("https://single.a.com",)
    assert report.lists[Group.THIRD] == ()
    assert [(w.kind, w.group, w.protocol) for w in report.warnings] == [
        ("wrong_type", "effective_domain", "webviewdomain"),
        ("not_a_list", "mp_domain", "webviewdomain"),
        ("bad_list", "third_domain", "webviewdomain"),
    ]


def test_a_webview_errcode_is_an_api_error() -> None:
    with pytest.raises(ApiError) as caught:
        parse_webview_report(json.dumps({"errcode": 48001, "errmsg": "api unauthorized"}).encode())
    assert caught.value.errcode == 48001


def test_webview_lists_join_a_report_as_a_seventh_protocol() -> None:
    report = parse_domain_report(body(missing_groups_data()))
    web = parse_webview_report(
        body({"effective_webviewdomain": ["https://www.a.com"], "mp_webviewdomain": []})
    )
    merged = report.with_webview(web)
    assert merged[Group.EFFECTIVE][Protocol.WEBVIEW] == ("https://www.a.com",)  # type: ignore[index]
    assert merged[Group.EFFECTIVE][Protocol.REQUEST] == ("https://melody1.qq.com",)  # type: ignore[index]
    assert merged[Group.MP] is not None  # returned by the webview call only
    assert merged[Group.THIRD] is None  # returned by neither
    assert merged.to_json()["effective_domain"] == sample_domains()["effective_domain"]
    assert report.with_webview(None) is report


def missing_groups_data() -> dict[str, Any]:
    return {"effective_domain": sample_domains()["effective_domain"]}
