"""What the dashboard knows about each profile, and what the filters let through.

Plain data, no Textual: widgets draw from these values, the app changes them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from wxdash.fleet import FetchOutcome, Source, now
from wxdash.i18n import N_, _
from wxdash.insight import Pending
from wxdash.profiles import Profile
from wxdash.wechat.errors import WxDashError
from wxdash.wechat.models import DomainGroup, DomainReport, Group, Protocol, WebviewReport


class Status(StrEnum):
    """A profile's status mark in the list."""

    NOT_FETCHED = "not_fetched"
    FETCHING = "fetching"
    OK = "ok"
    CACHED = "cached"
    ERROR = "error"
    STALE = "stale"

    @property
    def mark(self) -> str:
        return _STATUS_MARK[self]

    @property
    def label(self) -> str:
        return _(_STATUS_LABEL[self])


_STATUS_MARK = {
    Status.NOT_FETCHED: "·",
    Status.FETCHING: "↻",
    Status.OK: "✓",
    Status.CACHED: "◷",
    Status.ERROR: "✗",
    Status.STALE: "◐",
}
_STATUS_LABEL = {
    Status.NOT_FETCHED: N_("not fetched"),
    Status.FETCHING: N_("fetching"),
    Status.OK: N_("ok"),
    Status.CACHED: N_("cached"),
    Status.ERROR: N_("error"),
    Status.STALE: N_("stale"),
}

# An error without an errcode, named by its kind in the list's few characters.
_KIND_TAG = {
    "network": N_("network"),
    "http": "http",
    "format": N_("format"),
    "token": N_("token"),
    "config": N_("config"),
    "cache": N_("cache"),
    "internal": N_("bug"),
}


def error_tag(error: WxDashError) -> str:
    """An error in a few characters: its errcode (`42001`), HTTP status, or kind (`network`)."""
    if error.errcode is not None:
        return str(error.errcode)
    status = getattr(error, "status", None)
    if error.kind == "http" and isinstance(status, int):
        return f"http {status}"
    return _(_KIND_TAG.get(error.kind, N_("error")))


def error_tags(states: Iterable[ProfileState]) -> Counter[str]:
    """How many of these profiles fail with each error tag."""
    return Counter(tag for state in states if (tag := state.error_tag) is not None)


@dataclass(frozen=True)
class ListFilter:
    """What `s` narrows the profile list to: one status, or the profiles failing with one
    error tag (`42001`, `network`)."""

    status: Status | None = None
    tag: str | None = None

    def admits(self, state: ProfileState) -> bool:
        if self.status is not None and state.settled_status != self.status:
            return False
        return self.tag is None or state.error_tag == self.tag

    @property
    def label(self) -> str:
        """`✗ error`, or `✗ 42001`."""
        if self.tag is not None:
            return f"{Status.ERROR.mark} {self.tag}"
        assert self.status is not None
        return f"{self.status.mark} {self.status.label}"


@dataclass
class ProfileState:
    """One profile's last good data (server and webview lists), its last errors, where the
    data came from, and whether a fetch is running."""

    profile: Profile
    report: DomainReport | None = None
    fetched_at: datetime | None = None
    error: WxDashError | None = None
    failed_at: datetime | None = None
    fetching: bool = False
    webview: WebviewReport | None = None
    webview_error: WxDashError | None = None
    source: Source = "network"
    # What the fields above add up to, with its merged view and diff worked out once (the tabs
    # ask on every redraw); `land` drops it.
    _known: FetchOutcome | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def status(self) -> Status:
        return Status.FETCHING if self.fetching else self.settled_status

    @property
    def error_tag(self) -> str | None:
        """The last error in a few characters (`42001`, `network`), if the last fetch failed."""
        return error_tag(self.error) if self.error is not None else None

    @property
    def settled_status(self) -> Status:
        """The status without the fetch in flight: what the profile is known to be."""
        if self.error is not None:
            return Status.STALE if self.report is not None else Status.ERROR
        if self.report is not None:
            return Status.CACHED if self.source == "cache" else Status.OK
        return Status.NOT_FETCHED

    @property
    def view(self) -> DomainReport | None:
        """What the tabs show: server and webview lists together, with lint warnings."""
        return self.outcome().view()

    @property
    def pending(self) -> Pending | None:
        """What the next release changes; None until the server domains are known."""
        return self.outcome().pending() if self.report is not None else None

    def gaps(self, group: Group) -> tuple[str | None, str | None]:
        """Why the group's server lists, and why its webview list, are not known (None for a
        part that is): the tree says so rather than show empty lists."""
        server = webview = None
        if self.report is None:
            server = _("the fetch failed (see above)")
        elif self.report[group] is None:
            server = _("not returned by the API")
        if self.webview is None:
            webview = _("the fetch failed (see above)") if self.webview_error else _("not fetched")
        elif self.webview.lists[group] is None:
            webview = _("not returned by the API")
        return server, webview

    def outcome(self) -> FetchOutcome:
        """What is known, in the shape the output formats take (for export, and for the tabs'
        view and diff): the data each call last returned, and the errors since."""
        if self._known is None:
            self._known = FetchOutcome(
                self.profile,
                self.fetched_at or self.failed_at or now(),
                self.report,
                self.error,
                self.webview,
                self.webview_error,
                self.source,
            )
        return self._known

    def land(self, outcome: FetchOutcome) -> None:
        """Take in a fetch's outcome; a call that failed keeps the data it had before."""
        if outcome.report is not None:
            self.report, self.fetched_at = outcome.report, outcome.fetched_at
            self.error = self.failed_at = None
            self.source = outcome.source
        elif outcome.error is not None:
            self.error, self.failed_at = outcome.error, outcome.fetched_at
        if outcome.webview is not None:
            self.webview, self.webview_error = outcome.webview, None
        elif outcome.webview_error is not None and outcome.webview_error is not outcome.error:
            self.webview_error = outcome.webview_error
        self.fetching = False
        self._known = None


@dataclass
class Filters:
    """The protocol toggles and the text filter; they apply to every tab and every profile."""

    protocols: set[Protocol] = field(default_factory=lambda: set(Protocol))
    text: str = ""
    _folded: tuple[str, str] = field(default=("", ""), init=False, repr=False, compare=False)

    def shows(self, protocol: Protocol) -> bool:
        return protocol in self.protocols

    def matches(self, domain: str) -> bool:
        if not self.text:
            return True
        if self._folded[0] != self.text:  # asked thousands of times per keystroke
            self._folded = (self.text, self.text.casefold())
        return self._folded[1] in domain.casefold()

    @property
    def active(self) -> bool:
        return bool(self.text) or len(self.protocols) < len(Protocol)

    def toggle(self, protocol: Protocol) -> None:
        self.protocols ^= {protocol}

    def pending(self, changes: Pending) -> Pending:
        """The changes that pass the filters (those of the protocols shown, not compared too)."""
        return Pending(
            tuple(c for c in changes.adds if self.shows(c.protocol) and self.matches(c.domain)),
            tuple(c for c in changes.drops if self.shows(c.protocol) and self.matches(c.domain)),
            tuple(p for p in changes.unknown if self.shows(p)),
        )

    def visible(self, group: DomainGroup) -> dict[Protocol, list[str]]:
        """The group's domains that pass the filters, per shown protocol (in protocol order)."""
        return {
            protocol: [d for d in group[protocol] if self.matches(d)]
            for protocol in Protocol
            if self.shows(protocol)
        }

    def count(self, report: DomainReport | None) -> int:
        """How many domains pass the filters across all groups."""
        return sum(self.counts(report).values())

    def counts(self, report: DomainReport | None) -> dict[Group, int]:
        """How many domains pass the filters in each group the report has."""
        if report is None:
            return {}
        return {
            group: sum(len(domains) for domains in self.visible(data).values())
            for group in Group
            if (data := report[group]) is not None
        }


def age(moment: datetime, now: datetime | None = None) -> str:
    """`just now`, `5 min ago`, `3 h ago`, `2 d ago`."""
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if seconds < 45:
        return _("just now")
    if seconds < 3600:
        return _("{n} min ago").format(n=max(1, round(seconds / 60)))
    if seconds < 86400:
        return _("{n} h ago").format(n=round(seconds / 3600))
    return _("{n} d ago").format(n=round(seconds / 86400))


def clock(moment: datetime) -> str:
    """A fetch time as the user reads it: local time, date added when it is not today."""
    local = moment.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%Y-%m-%d %H:%M")
