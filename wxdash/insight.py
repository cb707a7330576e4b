"""What the raw lists do not say by themselves: pending changes, lint, release checks, search.

Pure functions over the models (no network, no files, no Textual), shared by the CLI and the app.
Domains are compared the way WeChat compares them: scheme and port exactly, host without case,
and an internationalised host the same in Unicode or punycode.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from wxdash.i18n import _
from wxdash.wechat.models import (
    DomainReport,
    Group,
    ParseWarning,
    Protocol,
    WebviewReport,
)

CONFIGURED = (Group.MP, Group.THIRD, Group.DIRECT)
"""The groups whose union is what the next release makes effective."""

WECHAT_API_HOSTS = frozenset(
    {
        "api.weixin.qq.com",
        "api2.weixin.qq.com",
        "sh.api.weixin.qq.com",
        "sz.api.weixin.qq.com",
        "hk.api.weixin.qq.com",
    }
)

Where = Literal["effective", "configured"]


# -- addresses ---------------------------------------------------------------------------


def ascii_host(host: str) -> str:
    """A host in lower-case punycode (`xn--fsqu00a.xn--fiqs8s` for `例子.中国`)."""
    host = host.strip().rstrip(".").lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def unicode_host(host: str) -> str:
    """A host in lower-case Unicode (`例子.中国` for `xn--fsqu00a.xn--fiqs8s`)."""
    host = host.strip().rstrip(".").lower()
    if "xn--" not in host:
        return host
    try:
        return host.encode("ascii").decode("idna")
    except UnicodeError:
        return host


@dataclass(frozen=True, slots=True)
class Address:
    """A domain entry, or a URL the user typed, in the parts WeChat compares."""

    scheme: str  # lower case; "" when the text had none
    host: str  # lower-case punycode
    port: int | None
    rest: str  # path, query and fragment; "" when there are none

    @property
    def key(self) -> tuple[str, str, int | None]:
        """What two entries must share to be the same domain for WeChat."""
        return self.scheme, self.host, self.port

    def __str__(self) -> str:
        return self._text(self.host)

    @property
    def readable(self) -> str:
        """As people write it: an internationalised host in Unicode."""
        return self._text(unicode_host(self.host))

    def _text(self, host: str) -> str:
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.scheme}://{host}{port}" if self.scheme else f"{host}{port}"


# The shape nearly every entry has (`https://api.example.com`, `udp://live.example.com:8443`),
# read in one step; urlsplit takes several times as long, and a fleet has thousands.
_PLAIN_ADDRESS = re.compile(
    r"([A-Za-z][A-Za-z0-9+.-]*)://([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(?::([0-9]{1,5}))?/?"
)


@functools.lru_cache(maxsize=8192)
def parse_address(text: str, default_scheme: str = "") -> Address:
    """Split `https://Api.Example.com:8443/v1?x` into its parts; a missing scheme becomes
    `default_scheme`. Never raises: an odd entry keeps its odd parts for lint to flag.
    Remembered: a merchant's domains come back in several groups, and again on each fetch."""
    text = text.strip()
    if (plain := _PLAIN_ADDRESS.fullmatch(text)) is not None:
        scheme, host, port = plain.groups()
        if port is None or int(port) <= 65535:
            return Address(scheme.lower(), host.lower(), None if port is None else int(port), "")
    return _split_address(text, default_scheme)


def _split_address(text: str, default_scheme: str) -> Address:
    """`parse_address` for any text, by urlsplit."""
    if "://" not in text:
        text = f"{default_scheme}://{text}" if default_scheme else f"//{text}"
    try:
        parts = urlsplit(text)
    except ValueError:
        # Brackets that are not an IPv6 literal (`https://[bold red]x.com`): split by hand.
        return _rough_address(text)
    try:
        port = parts.port
        host = parts.hostname or ""
    except ValueError:
        port, host = None, parts.netloc.rpartition("@")[2]
    rest = parts.path.rstrip("/") if parts.path.strip("/") else ""
    if parts.query:
        rest += "?" + parts.query
    if parts.fragment:
        rest += "#" + parts.fragment
    return Address(parts.scheme.lower(), ascii_host(host), port, rest)


def _rough_address(text: str) -> Address:
    """`parse_address` for text urlsplit refuses: scheme, then the host up to the first `/`,
    `?` or `#`, then whatever follows."""
    scheme, _sep, rest = text.partition("://") if "://" in text else ("", "", text[2:])
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    after = rest[len(netloc) :]
    host, port = netloc.rpartition("@")[2], None
    if found := re.fullmatch(r"(.*[^:]):([0-9]{1,5})", host):
        host, port = found[1], int(found[2])
    return Address(scheme.lower(), ascii_host(host), port, after if after.strip("/") else "")


# -- lint --------------------------------------------------------------------------------


def _is_ip(host: str) -> bool:
    if not host or not (host[0].isdigit() or host[0] == "[" or ":" in host):
        return False  # a name: no need to ask ipaddress (whose refusal is an exception)
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def lint_domain(protocol: Protocol, domain: str) -> list[tuple[str, str | None]]:
    """The rules `domain` breaks as an entry of `protocol`: (kind, detail) pairs."""
    address = parse_address(domain)
    found: list[tuple[str, str | None]] = []
    if address.scheme != protocol.scheme:
        found.append(("lint_scheme", protocol.scheme))
    if _is_ip(address.host):
        found.append(("lint_ip", None))
    elif address.host == "localhost" or address.host.endswith(".localhost"):
        found.append(("lint_localhost", None))
    if address.rest:
        found.append(("lint_path", None))
    if "*" in address.host:
        found.append(("lint_wildcard", None))
    if address.host in WECHAT_API_HOSTS:
        found.append(("lint_wechat", None))
    return found


@functools.lru_cache(maxsize=8192)
def _linted(
    protocol: Protocol, domain: str
) -> tuple[tuple[tuple[str, str | None], ...], tuple[str, str, int | None]]:
    """What lint asks of one entry: the rules it breaks, and the key its duplicates share.
    Remembered: the effective group repeats the other groups' entries, and a refresh repeats
    them all."""
    address = parse_address(domain)
    if not address.scheme:
        address = parse_address(domain, protocol.scheme)
    return tuple(lint_domain(protocol, domain)), address.key


def lint(report: DomainReport) -> tuple[ParseWarning, ...]:
    """Warnings for every entry that breaks WeChat's documented rules. Advice only: the
    flagged domains stay in the report."""
    warnings: list[ParseWarning] = []
    for group, data in report.groups.items():
        if data is None:
            continue
        for protocol, domains in data:
            seen: set[tuple[str, str, int | None]] = set()
            for domain in domains:
                found, key = _linted(protocol, domain)
                for kind, detail in found:
                    warnings.append(ParseWarning(kind, group.value, protocol.value, domain, detail))
                if key in seen:
                    warnings.append(
                        ParseWarning("lint_duplicate", group.value, protocol.value, domain)
                    )
                seen.add(key)
    return tuple(warnings)


def annotate(report: DomainReport | None, webview: WebviewReport | None) -> DomainReport | None:
    """What the user looks at: the server lists with webview as a seventh protocol, and the
    parser's warnings followed by lint's."""
    if report is None and webview is None:
        return None
    merged = (report or DomainReport.of({})).with_webview(webview)
    return merged.with_warnings(lint(merged))


# -- pending changes ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """A domain the next release adds (with the groups configuring it) or drops (no groups)."""

    protocol: Protocol
    domain: str
    groups: tuple[Group, ...] = ()

    @property
    def adds(self) -> bool:
        return bool(self.groups)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"protocol": self.protocol.value, "domain": self.domain}
        if self.adds:
            out["groups"] = [g.value for g in self.groups]
        return out


@dataclass(frozen=True, slots=True)
class Pending:
    """What the next code submission or release changes, per protocol. `unknown` lists the
    protocols that could not be compared because a side was not returned."""

    adds: tuple[Change, ...] = ()
    drops: tuple[Change, ...] = ()
    unknown: tuple[Protocol, ...] = ()

    @property
    def count(self) -> int:
        return len(self.adds) + len(self.drops)

    def __bool__(self) -> bool:
        return self.count > 0

    def of(self, protocol: Protocol) -> tuple[list[Change], list[Change]]:
        """This protocol's adds and drops."""
        return (
            [c for c in self.adds if c.protocol is protocol],
            [c for c in self.drops if c.protocol is protocol],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "adds": [c.to_json() for c in self.adds],
            "drops": [c.to_json() for c in self.drops],
            "not_compared": [p.value for p in self.unknown],
        }


def _keyed(domains: Iterable[str], protocol: Protocol) -> dict[tuple[Any, ...], str]:
    out: dict[tuple[Any, ...], str] = {}
    for domain in domains:
        out.setdefault(parse_address(domain, protocol.scheme).key, domain)
    return out


def pending(
    report: DomainReport,
    returned: Callable[[Group, Protocol], bool] | None = None,
) -> Pending:
    """Configured (mp + third + direct) against effective, per protocol. A configured group
    that was not returned counts as empty; a protocol without the effective list, or without
    any configured list, is not compared. `returned` says which lists the API returned (by
    default: the groups present in `report`)."""
    given = returned or (lambda group, _protocol: report[group] is not None)
    adds: list[Change] = []
    drops: list[Change] = []
    unknown: list[Protocol] = []
    for protocol in Protocol:
        if not given(Group.EFFECTIVE, protocol) or not any(given(g, protocol) for g in CONFIGURED):
            if any(_lists(report, g, protocol) for g in Group):
                unknown.append(protocol)
            continue
        effective = _keyed(_lists(report, Group.EFFECTIVE, protocol), protocol)
        configured: dict[tuple[Any, ...], tuple[str, list[Group]]] = {}
        for group in CONFIGURED:
            for key, domain in _keyed(_lists(report, group, protocol), protocol).items():
                configured.setdefault(key, (domain, []))[1].append(group)
        for key, (domain, groups) in configured.items():
            if key not in effective:
                adds.append(Change(protocol, domain, tuple(groups)))
        for key, domain in effective.items():
            if key not in configured:
                drops.append(Change(protocol, domain))
    return Pending(tuple(adds), tuple(drops), tuple(unknown))


def pending_of(
    report: DomainReport | None,
    webview: WebviewReport | None,
    view: DomainReport | None = None,
) -> Pending | None:
    """The pending changes of a fetch: server lists from `report`, webview lists from
    `webview`, each compared only where its own call returned the groups (`view`, their
    annotated merge, is made if not given). None when the server domains are not known."""
    view = view if view is not None else annotate(report, webview)
    if report is None or view is None:
        return None
    return pending(view, returned_lists(report, webview))


def returned_lists(
    report: DomainReport | None, webview: WebviewReport | None
) -> Callable[[Group, Protocol], bool]:
    """Whether a call returned a group's list of a protocol: the server lists come from
    `report`, webview's from `webview` (a group left out, or a call that failed, did not)."""

    def returned(group: Group, protocol: Protocol) -> bool:
        if protocol.is_server:
            return report is not None and report[group] is not None
        return webview is not None and webview.lists[group] is not None

    return returned


def _lists(report: DomainReport, group: Group, protocol: Protocol) -> tuple[str, ...]:
    data = report[group]
    return data[protocol] if data is not None else ()


def group_names(groups: Sequence[Group], *, short: bool = False) -> str:
    """`mp, third` in English, the console's names in Chinese (`short`: their short forms)."""
    return ", ".join(g.short_note_label if short else g.note_label for g in groups)


# -- release checks ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Whether one wanted domain is in its protocol's list, and where else it is."""

    protocol: Protocol
    wanted: str
    address: Address
    where: Where
    effective: bool
    configured_in: tuple[Group, ...]

    @property
    def found(self) -> bool:
        return self.effective if self.where == "effective" else bool(self.configured_in)

    @property
    def note(self) -> str:
        """What the user should know beyond found or missing."""
        if self.where == "effective":
            if not self.effective and self.configured_in:
                return _("configured in {groups}, takes effect at next release").format(
                    groups=group_names(self.configured_in)
                )
            if self.effective and not self.configured_in:
                return _("effective now, drops at next release")
        else:
            if not self.configured_in and self.effective:
                return _("effective now, drops at next release")
            if self.configured_in and not self.effective:
                return _("configured in {groups}, takes effect at next release").format(
                    groups=group_names(self.configured_in)
                )
        if not self.found:
            return _("not configured in any group")
        return ""

    def to_json(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol.value,
            "domain": str(self.address),
            "wanted": self.wanted,
            "found": self.found,
            "effective": self.effective,
            "configured_in": [g.value for g in self.configured_in],
            "note": self.note,
        }


def wanted_address(protocol: Protocol, text: str) -> Address:
    """A domain the user asked to check: a full URL is fine (its path and query are ignored),
    and a bare host gets the protocol's scheme. Raises ValueError when there is no host."""
    address = parse_address(text, protocol.scheme)
    if not address.host:
        raise ValueError(
            _("no host in {text}; give a domain like {example}").format(
                text=text, example=f"{protocol.scheme}://example.com"
            )
        )
    return Address(address.scheme, address.host, address.port, "")


def check(
    report: DomainReport, wanted: Sequence[tuple[Protocol, str]], where: Where = "effective"
) -> list[CheckResult]:
    """One result per wanted domain, in the order given."""
    results = []
    for protocol, text in wanted:
        address = wanted_address(protocol, text)

        def has(group: Group, protocol: Protocol = protocol, key: Any = address.key) -> bool:
            return key in _keyed(_lists(report, group, protocol), protocol)

        results.append(
            CheckResult(
                protocol,
                text,
                address,
                where,
                effective=has(Group.EFFECTIVE),
                configured_in=tuple(g for g in CONFIGURED if has(g)),
            )
        )
    return results


# -- search ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    """A domain that matched a search, and where it is."""

    group: Group
    protocol: Protocol
    domain: str


def needles(text: str) -> set[str]:
    """What to look for in hosts for a search `text`: lower case, in each IDN form. A URL may
    be given: only its host is searched for."""
    needle = text.strip()
    if "://" in needle:
        needle = parse_address(needle).host or needle
    needle = needle.lower()
    return {needle, ascii_host(needle), unicode_host(needle)} - {""}


def host_forms(domain: str) -> tuple[str, str]:
    """A domain's host in punycode and in Unicode, lower case: what a search looks in."""
    host = parse_address(domain).host
    return host, unicode_host(host)


def host_matcher(text: str) -> Callable[[str], bool]:
    """A test for domains whose host contains `text`, ignoring case, in either IDN form."""
    wanted = needles(text)

    def matches(domain: str) -> bool:
        return any(n in form for n in wanted for form in host_forms(domain))

    return matches


def find(report: DomainReport, text: str) -> list[Hit]:
    """Every group and protocol of `report` holding a domain whose host contains `text`."""
    matches = host_matcher(text)
    return [
        Hit(group, protocol, domain)
        for group, data in report.groups.items()
        if data is not None
        for protocol, domains in data
        for domain in domains
        if matches(domain)
    ]
