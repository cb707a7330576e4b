"""What `get_effective_domain` returns, as immutable typed values, and the parser that builds them.

The parser is strict about meaning and tolerant about shape: anything odd in a response becomes
a `ParseWarning` attached to the result, never a crash and never silently dropped. A body that
is not JSON at all, or an errcode other than 0, raises one of the errors in `errors`
(see `body`, whose `parse_json_body` is re-exported here).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from wxdash.i18n import N_, _, pgettext
from wxdash.safetext import quoted
from wxdash.wechat.body import json_type_name
from wxdash.wechat.body import parse_json_body as parse_json_body

E = TypeVar("E", bound=StrEnum)


class Protocol(StrEnum):
    """A protocol list, named as the API names it. `short` is what users type.

    The first six are server domains (`get_effective_domain`); WEBVIEW holds the business
    domains that `get_effective_webviewdomain` returns for the same groups.
    """

    REQUEST = "requestdomain"
    WS = "wsrequestdomain"
    UPLOAD = "uploaddomain"
    DOWNLOAD = "downloaddomain"
    UDP = "udpdomain"
    TCP = "tcpdomain"
    WEBVIEW = "webviewdomain"

    @property
    def is_server(self) -> bool:
        """True for the six lists of `get_effective_domain`, False for webview."""
        return self is not Protocol.WEBVIEW

    @property
    def short(self) -> str:
        return _PROTOCOL_SHORT[self]

    @property
    def scheme(self) -> str:
        """The URL scheme WeChat requires for domains of this protocol."""
        return _PROTOCOL_SCHEME[self]

    @property
    def label(self) -> str:
        """The list's name for people: `ws` in English, the console's socket合法域名 in Chinese."""
        return _protocol_label(self)

    @property
    def toggle_label(self) -> str:
        """The short name on the filter toggles: `ws` in English, `socket` in Chinese."""
        return _protocol_toggle_label(self)

    @classmethod
    def short_of(cls, key: str | None) -> str:
        """`request` for `requestdomain`; a key wxdash does not know stays as it is."""
        if key in cls._value2member_map_:
            return _PROTOCOL_SHORT[cls(key)]
        return key or ""

    @classmethod
    def parse(cls, text: str) -> Protocol:
        """Accept `request` or `requestdomain` (any case); raise ValueError naming the choices."""
        return _parse_choice(cls, text, _PROTOCOL_SHORT, N_("protocol"))


_PROTOCOL_SHORT = {
    Protocol.REQUEST: "request",
    Protocol.WS: "ws",
    Protocol.UPLOAD: "upload",
    Protocol.DOWNLOAD: "download",
    Protocol.UDP: "udp",
    Protocol.TCP: "tcp",
    Protocol.WEBVIEW: "webview",
}
_PROTOCOL_SCHEME = {
    Protocol.REQUEST: "https",
    Protocol.WS: "wss",
    Protocol.UPLOAD: "https",
    Protocol.DOWNLOAD: "https",
    Protocol.UDP: "udp",
    Protocol.TCP: "tcp",
    Protocol.WEBVIEW: "https",
}
SERVER_PROTOCOLS = tuple(p for p in Protocol if p.is_server)
# The API's keys of the six lists, worked out once: on Python 3.11 each `.value` of an enum
# member is a descriptor call, and parsing a fleet's answers asks for them 100,000 times.
_SERVER_KEYS = tuple((p, p.value) for p in SERVER_PROTOCOLS)
_SERVER_KEY_SET = frozenset(key for _p, key in _SERVER_KEYS)


def _protocol_label(protocol: Protocol) -> str:
    # Looked up at call time with a context: "request" the list is not "request" the verb.
    return {
        Protocol.REQUEST: pgettext("protocol list", "request"),
        Protocol.WS: pgettext("protocol list", "ws"),
        Protocol.UPLOAD: pgettext("protocol list", "upload"),
        Protocol.DOWNLOAD: pgettext("protocol list", "download"),
        Protocol.UDP: pgettext("protocol list", "udp"),
        Protocol.TCP: pgettext("protocol list", "tcp"),
        Protocol.WEBVIEW: pgettext("protocol list", "webview"),
    }.get(protocol, protocol.short)  # a protocol added later shows its short name until then


def _protocol_toggle_label(protocol: Protocol) -> str:
    return {
        Protocol.REQUEST: pgettext("protocol toggle", "request"),
        Protocol.WS: pgettext("protocol toggle", "ws"),
        Protocol.UPLOAD: pgettext("protocol toggle", "upload"),
        Protocol.DOWNLOAD: pgettext("protocol toggle", "download"),
        Protocol.UDP: pgettext("protocol toggle", "udp"),
        Protocol.TCP: pgettext("protocol toggle", "tcp"),
        Protocol.WEBVIEW: pgettext("protocol toggle", "webview"),
    }.get(protocol, protocol.short)


class Group(StrEnum):
    """Where a list comes from, named as the API names it. `short` is what users type."""

    EFFECTIVE = "effective_domain"
    MP = "mp_domain"
    THIRD = "third_domain"
    DIRECT = "direct_domain"

    @property
    def short(self) -> str:
        return self.value.removesuffix("_domain")

    @property
    def label(self) -> str:
        """The tab title: Effective, MP, Third-party, Direct (translated)."""
        return _(_GROUP_LABEL[self])

    @property
    def tab_label(self) -> str:
        """A shorter title for tabs short of room: 小程序 for 小程序后台配置 (English is short)."""
        return {
            Group.EFFECTIVE: pgettext("short tab label", "Effective"),
            Group.MP: pgettext("short tab label", "MP"),
            Group.THIRD: pgettext("short tab label", "Third-party"),
            Group.DIRECT: pgettext("short tab label", "Direct"),
        }.get(self, self.label)

    @property
    def note_label(self) -> str:
        """The group named inside a sentence ("takes effect at next release (mp)"): the short
        name users type in English, the console's name in Chinese."""
        return {
            Group.EFFECTIVE: pgettext("group in a note", "effective"),
            Group.MP: pgettext("group in a note", "mp"),
            Group.THIRD: pgettext("group in a note", "third"),
            Group.DIRECT: pgettext("group in a note", "direct"),
        }.get(self, self.short)

    @property
    def short_note_label(self) -> str:
        """The group named in a note short of room: the same in English, 小程序 for
        小程序后台配置 in Chinese."""
        return {
            Group.EFFECTIVE: pgettext("group in a short note", "effective"),
            Group.MP: pgettext("group in a short note", "mp"),
            Group.THIRD: pgettext("group in a short note", "third"),
            Group.DIRECT: pgettext("group in a short note", "direct"),
        }.get(self, self.short)

    @property
    def description(self) -> str:
        """One line on what the group means, for the help screen."""
        return _(_GROUP_DESCRIPTION[self])

    @classmethod
    def parse(cls, text: str) -> Group:
        """Accept `mp` or `mp_domain` (any case); raise ValueError naming the choices."""
        return _parse_choice(cls, text, {g: g.short for g in cls}, N_("group"))


_GROUP_LABEL = {
    Group.EFFECTIVE: N_("Effective"),
    Group.MP: N_("MP"),
    Group.THIRD: N_("Third-party"),
    Group.DIRECT: N_("Direct"),
}
_GROUP_DESCRIPTION = {
    Group.EFFECTIVE: N_("What is live: the lists as of the last code submission or release."),
    Group.MP: N_("Configured in the mini program's own admin console (mp.weixin.qq.com)."),
    Group.THIRD: N_("Configured by a third-party platform through modify_domain."),
    Group.DIRECT: N_("Configured through the modify_domain_directly API."),
}


def _parse_choice(enum: type[E], text: str, short: Mapping[E, str], what: str) -> E:
    wanted = text.strip().lower()
    for member in enum:
        if wanted in (member.value, short[member]):
            return member
    choices = ", ".join(short[m] for m in enum)
    raise ValueError(
        _("unknown {what} {text}; choose from: {choices}").format(
            what=_(what), text=quoted(text), choices=choices
        )
    )


def _frozen(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class DomainGroup:
    """The six protocol lists of one group, plus protocol keys wxdash does not know yet."""

    lists: Mapping[Protocol, tuple[str, ...]]
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _frozen({}))

    @classmethod
    def of(cls, lists: Mapping[Protocol, Any] | None = None, **extra: Any) -> DomainGroup:
        """Build a group; protocols left out are empty."""
        given = lists or {}
        return cls(
            _frozen({p: tuple(given.get(p, ())) for p in PROTOCOLS}),
            _frozen({k: tuple(v) for k, v in extra.items()}),
        )

    def __getitem__(self, protocol: Protocol) -> tuple[str, ...]:
        return self.lists[protocol]

    def __iter__(self) -> Iterator[tuple[Protocol, tuple[str, ...]]]:
        lists = self.lists
        return iter([(p, lists[p]) for p in PROTOCOLS])

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.lists.values()) + sum(len(v) for v in self.extra.values())

    def to_json(self) -> dict[str, list[str]]:
        """The server-domain lists as the API names them (webview has a JSON key of its own)."""
        lists = self.lists
        out = {key: list(lists[p]) for p, key in _SERVER_KEYS}
        out.update({k: list(v) for k, v in self.extra.items()})
        return out


# What each kind of warning says: the parser's, then the domain lint's (`insight.lint`).
_WARNING_MESSAGES = {
    "wrong_type": N_("{detail} instead of a string, left out"),
    "not_a_list": N_("a string instead of a list, read as one domain"),
    "bad_list": N_("{detail} instead of a list, read as empty"),
    "bad_group": N_("{detail} instead of an object, read as not returned"),
    "unknown_protocol": N_("unknown list, kept as extra (WeChat may have added it)"),
    "unknown_group": N_("unknown group, not shown (WeChat may have added it)"),
    "lint_scheme": N_("must start with {detail}://"),
    "lint_ip": N_("an IP address: WeChat needs a domain name"),
    "lint_localhost": N_("localhost: phones cannot reach it"),
    "lint_path": N_("a path or query: only the host counts"),
    "lint_wildcard": N_("a wildcard: list each host"),
    "lint_duplicate": N_("listed twice"),
    "lint_wechat": N_("WeChat's own API: call it from your server"),
}


# JSON type names as a warning's sentence uses them.
_TYPE_PHRASE = {
    "number": N_("a number"),
    "string": N_("a string"),
    "array": N_("an array"),
    "object": N_("an object"),
    "boolean": N_("a boolean"),
    "null": N_("null"),
}


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """Something in a response that was odd but did not stop it being read."""

    kind: str
    group: str | None = None
    protocol: str | None = None
    domain: str | None = None
    detail: str | None = None

    @property
    def message(self) -> str:
        template = _WARNING_MESSAGES.get(self.kind, self.kind)
        detail = _(_TYPE_PHRASE[self.detail]) if self.detail in _TYPE_PHRASE else self.detail
        return _(template).format(detail=detail or "")

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "group": self.group,
            "protocol": self.protocol,
            "domain": self.domain,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class DomainReport:
    """One successful answer: each group's lists, or None where the API did not return the group."""

    groups: Mapping[Group, DomainGroup | None]
    warnings: tuple[ParseWarning, ...] = ()

    @classmethod
    def of(
        cls, groups: Mapping[Group, DomainGroup | None], warnings: tuple[ParseWarning, ...] = ()
    ) -> DomainReport:
        return cls(_frozen({g: groups.get(g) for g in GROUPS}), tuple(warnings))

    def __getitem__(self, group: Group) -> DomainGroup | None:
        return self.groups[group]

    def to_json(self) -> dict[str, dict[str, list[str]] | None]:
        groups = self.groups
        return {
            key: (None if (data := groups[g]) is None else data.to_json()) for g, key in _GROUP_KEYS
        }

    def with_webview(self, webview: WebviewReport | None) -> DomainReport:
        """This report with the webview lists put in each group as a seventh protocol."""
        if webview is None:
            return self
        groups: dict[Group, DomainGroup | None] = {}
        for group in GROUPS:
            server, web = self.groups[group], webview.lists[group]
            if server is None and web is None:
                groups[group] = None
                continue
            base = server if server is not None else DomainGroup.of()
            lists = dict(base.lists)
            lists[_WEBVIEW] = web or ()
            groups[group] = DomainGroup(_frozen(lists), base.extra)
        return DomainReport(_frozen(groups), self.warnings + webview.warnings)

    def with_warnings(self, warnings: tuple[ParseWarning, ...]) -> DomainReport:
        return DomainReport(self.groups, self.warnings + warnings) if warnings else self


def webview_key(group: Group) -> str:
    """`mp_webviewdomain` for Group.MP: the key `get_effective_webviewdomain` uses."""
    return f"{group.short}_webviewdomain"


# Members and keys in order, worked out once: iterating an enum class on Python 3.11 runs a
# generator in Python, and a fleet's parsing and linting iterate them hundreds of thousands
# of times.
PROTOCOLS = tuple(Protocol)
GROUPS = tuple(Group)
_GROUP_KEYS = tuple((g, g.value) for g in GROUPS)
_GROUP_KEY_SET = frozenset(key for _g, key in _GROUP_KEYS)
_WEBVIEW_KEYS = tuple((g, webview_key(g)) for g in GROUPS)
_WEBVIEW = Protocol.WEBVIEW
_NO_EXTRA: Mapping[str, tuple[str, ...]] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class WebviewReport:
    """One answer of `get_effective_webviewdomain`: a flat list per group, or None where the
    API did not return the group."""

    lists: Mapping[Group, tuple[str, ...] | None]
    warnings: tuple[ParseWarning, ...] = ()

    @classmethod
    def of(
        cls, lists: Mapping[Group, Any] | None = None, warnings: tuple[ParseWarning, ...] = ()
    ) -> WebviewReport:
        given = lists or {}
        return cls(
            _frozen({g: (tuple(given[g]) if given.get(g) is not None else None) for g in GROUPS}),
            tuple(warnings),
        )

    def to_json(self) -> dict[str, list[str] | None]:
        lists = self.lists
        return {key: (None if (v := lists[g]) is None else list(v)) for g, key in _WEBVIEW_KEYS}


def _parse_list(
    value: Any, group: Group, key: str, warnings: list[ParseWarning]
) -> tuple[str, ...]:
    if type(value) is list and all(type(entry) is str for entry in value):
        return tuple(value)  # as WeChat sends them
    if value is None:
        return ()
    if isinstance(value, str):
        warnings.append(ParseWarning("not_a_list", group.value, key, value))
        return (value,)
    if not isinstance(value, list):
        detail = json_type_name(value)
        warnings.append(ParseWarning("bad_list", group.value, key, None, detail))
        return ()
    domains = []
    for entry in value:
        if isinstance(entry, str):
            domains.append(entry)
        else:
            shown = json.dumps(entry, ensure_ascii=False)[:80]
            detail = json_type_name(entry)
            warnings.append(ParseWarning("wrong_type", group.value, key, shown, detail))
    return tuple(domains)


def _parse_group(value: Any, group: Group, warnings: list[ParseWarning]) -> DomainGroup | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        warnings.append(ParseWarning("bad_group", group.value, None, None, json_type_name(value)))
        return None
    lists = {p: _parse_list(value.get(key), group, key, warnings) for p, key in _SERVER_KEYS}
    lists[_WEBVIEW] = ()
    extra = {}
    for key, raw in value.items():
        if key not in _SERVER_KEY_SET:
            warnings.append(ParseWarning("unknown_protocol", group.value, key))
            extra[key] = _parse_list(raw, group, key, warnings)
    # Read-only views of dicts made here and held by nobody else: no copy needed.
    return DomainGroup(MappingProxyType(lists), MappingProxyType(extra) if extra else _NO_EXTRA)


def parse_domain_report(body: bytes) -> DomainReport:
    """Read a `get_effective_domain` body into a DomainReport."""
    data = parse_json_body(body)
    warnings: list[ParseWarning] = []
    groups = {g: _parse_group(data.get(key), g, warnings) for g, key in _GROUP_KEYS}
    for key, value in data.items():
        # A group WeChat may add one day: say so rather than drop it without a word.
        if key.endswith("_domain") and key not in _GROUP_KEY_SET and isinstance(value, dict):
            warnings.append(ParseWarning("unknown_group", key))
    return DomainReport(_frozen(groups), tuple(warnings))


def parse_webview_report(body: bytes) -> WebviewReport:
    """Read a `get_effective_webviewdomain` body into a WebviewReport."""
    data = parse_json_body(body)
    warnings: list[ParseWarning] = []
    lists: dict[Group, tuple[str, ...] | None] = {}
    for group, key in _WEBVIEW_KEYS:
        raw = data.get(key)
        lists[group] = (
            None if raw is None else _parse_list(raw, group, Protocol.WEBVIEW.value, warnings)
        )
    return WebviewReport(_frozen(lists), tuple(warnings))
