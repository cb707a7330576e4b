"""What a probe found about one host: its status, its problems in words, its certificate's dates.

Pure values: the engine makes them, the CLI prints them, the store keeps them, the dashboard
marks domains with them. A problem keeps its reason and parameters rather than a sentence, so
a result read back from `probes.json` speaks the language of the moment it is shown in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from wxdash.i18n import N_, N_plural, _, ngettext

Status = Literal["ok", "warn", "fail"]
KINDS = (
    "dns",
    "connect",
    "timeout",
    "tls",
    "cert_expired",
    "cert_expiring",
    "cert_hostname",
    "cert_untrusted",
    "tls12",
)
WARNING_KINDS = frozenset({"cert_expiring"})
_RANK: dict[str, int] = {"fail": 0, "warn": 1, "ok": 2}

# Each reason's words; a pair is a plural, chosen by the `days` parameter.
_MESSAGES: dict[str, str | tuple[str, str]] = {
    "dns": N_("{host} does not resolve: {reason}"),
    "dns_empty": N_("{host} has no A or AAAA record"),
    "dns_invalid": N_("{host} is not a valid host name; nothing was looked up"),
    "dns_unmapped": N_("{host} was not looked up: the demo reaches only its own loopback servers"),
    "connect": N_("no TCP connection to {address} port {port}: {reason}"),
    "timeout_dns": N_("no DNS answer for {host} within {seconds} s"),
    "timeout_connect": N_("no TCP connection to port {port} within {seconds} s"),
    "timeout_tls": N_(
        "the server accepted the connection but did not finish the TLS handshake within {seconds} s"
    ),
    "tls": N_("the TLS handshake failed: {reason}"),
    "tls_closed": N_("the server closed the connection during the TLS handshake"),
    "cert_expired": N_plural(
        "the certificate expired {days} day ago, on {date}",
        "the certificate expired {days} days ago, on {date}",
    ),
    "cert_expired_today": N_("the certificate expired today, on {date}"),
    "cert_not_yet": N_(
        "the certificate is not valid before {date}; is this machine's clock right?"
    ),
    "cert_expiring": N_plural(
        "the certificate expires in {days} day, on {date}",
        "the certificate expires in {days} days, on {date}",
    ),
    "cert_expiring_today": N_("the certificate expires within a day, on {date}"),
    "cert_hostname": N_("the certificate is for {names}, not {host}"),
    "cert_untrusted": N_(
        "the certificate is not trusted: either the server does not send its intermediate "
        "certificate (an incomplete chain, which Android phones refuse), or its issuer is not "
        "a trusted authority (issuer: {issuer})"
    ),
    "cert_self_signed": N_("the certificate is self-signed ({issuer}): no phone trusts it"),
    "cert_other": N_("the certificate could not be verified: {reason}"),
    "tls12": N_("the server does not accept TLS 1.2, which WeChat requires ({reason})"),
    "tls12_closed": N_(
        "the server does not accept TLS 1.2, which WeChat requires: offered only TLS 1.2, it "
        "closed the connection"
    ),
    "internal": N_("Unexpected {type}: {detail}; this is a bug in wxdash, please report it"),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a host: its `kind` (see KINDS) and the reason it is worded by."""

    kind: str
    reason: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        return "warn" if self.kind in WARNING_KINDS else "fail"

    @property
    def message(self) -> str:
        """The problem in the current language."""
        words = _MESSAGES.get(self.reason)
        if words is None:  # written by a later wxdash: say what kind it is
            return self.kind
        params = dict(self.params)
        if isinstance(words, tuple):
            template = ngettext(words[0], words[1], int(params.get("days", 0)))
        else:
            template = _(words)
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return self.kind

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message}

    def to_record(self) -> dict[str, Any]:
        return {"kind": self.kind, "reason": self.reason, "params": dict(self.params)}

    @classmethod
    def from_record(cls, record: Any) -> Problem:
        kind, reason, params = record["kind"], record["reason"], record["params"]
        if not (isinstance(kind, str) and isinstance(reason, str) and isinstance(params, dict)):
            raise ValueError("a problem of the wrong shape")
        return cls(kind, reason, params)


def days_left(not_after: datetime, moment: datetime) -> int:
    """Whole days from `moment` to `not_after`, towards zero: 9 for nine and a half, -5 for a
    certificate that expired five and a half days ago."""
    return int((not_after - moment) / timedelta(days=1))


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class HostResult:
    """One host's probe. `problems` hold at most one failure (the probe stops there) and any
    warning found before it; `status` is the worst of them."""

    host: str  # lower-case punycode, as it was looked up
    port: int | None  # None: a udp:// or tcp:// domain without a port, looked up only
    checked_at: datetime
    problems: tuple[Problem, ...] = ()
    tls_version: str | None = None
    not_after: datetime | None = None
    days_left: int | None = None
    issuer: str | None = None
    addresses: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, int | None]:
        return self.host, self.port

    @property
    def status(self) -> Status:
        statuses = {p.status for p in self.problems}
        return "fail" if "fail" in statuses else "warn" if statuses else "ok"

    @property
    def rank(self) -> int:
        """0 for a failure, 1 for a warning, 2 for a host that is fine: sorts worst first."""
        return _RANK[self.status]

    @property
    def worst(self) -> Problem | None:
        """The problem to show when there is room for one: the failure, else the warning."""
        return min(self.problems, key=lambda p: _RANK[p.status], default=None)

    def age(self, moment: datetime | None = None) -> timedelta:
        """How long ago the probe was made."""
        return (moment or utc_now()) - self.checked_at

    def days_left_at(self, moment: datetime | None = None) -> int | None:
        """The certificate's days left as of `moment` (now), for a result read back later."""
        if self.not_after is None:
            return None
        return days_left(self.not_after, moment or utc_now())

    def to_json(self) -> dict[str, Any]:
        """The keys after a host's domains and profiles in `wxdash probe -f json`."""
        return {
            "status": self.status,
            "problems": [p.to_json() for p in self.problems],
            "tls_version": self.tls_version,
            "not_after": _iso(self.not_after),
            "days_left": self.days_left,
            "issuer": self.issuer,
            "checked_at": self.checked_at.isoformat(),
        }

    def to_record(self) -> dict[str, Any]:
        """The result as `probes.json` keeps it."""
        return {
            "host": self.host,
            "port": self.port,
            "checked_at": self.checked_at.isoformat(),
            "problems": [p.to_record() for p in self.problems],
            "tls_version": self.tls_version,
            "not_after": _iso(self.not_after),
            "days_left": self.days_left,
            "issuer": self.issuer,
            "addresses": list(self.addresses),
        }

    @classmethod
    def from_record(cls, record: Any) -> HostResult:
        """A result read back from `probes.json`; ValueError (or KeyError, TypeError) if the
        record is not one."""
        host, port = record["host"], record["port"]
        if not isinstance(host, str) or not (port is None or isinstance(port, int)):
            raise ValueError("a host of the wrong shape")
        issuer, version = record.get("issuer"), record.get("tls_version")
        if not all(v is None or isinstance(v, str) for v in (issuer, version)):
            raise ValueError("a certificate of the wrong shape")
        days = record.get("days_left")
        return cls(
            host=host,
            port=port,
            checked_at=_moment(record["checked_at"]),
            problems=tuple(Problem.from_record(p) for p in record["problems"]),
            tls_version=version,
            not_after=_moment(record["not_after"]) if record.get("not_after") else None,
            days_left=days if isinstance(days, int) else None,
            issuer=issuer,
            addresses=tuple(str(a) for a in record.get("addresses") or ()),
        )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _moment(text: Any) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("a time without a zone")
    return moment
