"""What the dashboard holds for one profile as fetches land: a call that failed keeps the data it
had before, and the merged view and pending diff follow what is held. Plain values, no app."""

from __future__ import annotations

from datetime import UTC, datetime

from wxdash.fleet import FetchOutcome
from wxdash.insight import Change
from wxdash.profiles import Profile
from wxdash.state import ProfileState, Status
from wxdash.wechat.errors import ApiError
from wxdash.wechat.models import DomainGroup, DomainReport, Group, Protocol, WebviewReport
from wxdash.wechat.tokens import TokenKind, TokenSpec

SHOP = Profile("Shop A", "wx00000000000000aa", TokenSpec(TokenKind.ACCESS_TOKEN, "t"))
FIRST = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def requests(live: list[str], mp: list[str]) -> DomainReport:
    """Request domains in effect and configured in mp; the other groups empty."""
    return DomainReport.of(
        {
            Group.EFFECTIVE: DomainGroup.of({Protocol.REQUEST: live}),
            Group.MP: DomainGroup.of({Protocol.REQUEST: mp}),
            Group.THIRD: DomainGroup.of(),
            Group.DIRECT: DomainGroup.of(),
        }
    )


def sites(live: list[str], mp: list[str]) -> WebviewReport:
    return WebviewReport.of(
        {Group.EFFECTIVE: live, Group.MP: mp, Group.THIRD: [], Group.DIRECT: []}
    )


def effective(state: ProfileState, protocol: Protocol) -> tuple[str, ...]:
    view = state.view
    assert view is not None
    group = view[Group.EFFECTIVE]
    assert group is not None
    return group[protocol]


def fetched() -> ProfileState:
    state = ProfileState(SHOP)
    report = requests(["https://api.a.com"], ["https://api.a.com"])
    webview = sites(["https://www.a.com"], ["https://www.a.com", "https://new.a.com"])
    state.land(FetchOutcome(SHOP, FIRST, report, webview=webview))
    return state


def test_before_any_fetch_there_is_no_view_and_no_diff() -> None:
    state = ProfileState(SHOP)
    assert state.status is Status.NOT_FETCHED
    assert state.view is None
    assert state.pending is None


def test_a_fetch_shows_both_calls_lists_and_what_the_release_changes() -> None:
    state = fetched()
    assert effective(state, Protocol.REQUEST) == ("https://api.a.com",)
    assert effective(state, Protocol.WEBVIEW) == ("https://www.a.com",)
    assert state.pending is not None
    assert state.pending.adds == (Change(Protocol.WEBVIEW, "https://new.a.com", (Group.MP,)),)
    assert state.outcome().fetched_at == FIRST


def test_a_failed_webview_call_keeps_the_webview_lists_beside_the_new_server_lists() -> None:
    state = fetched()
    failure = ApiError(-1, "system error")
    report = requests(["https://api.a.com", "https://pay.a.com"], ["https://api.a.com"])
    state.land(FetchOutcome(SHOP, LATER, report, webview_error=failure))

    assert state.status is Status.OK
    assert effective(state, Protocol.REQUEST) == ("https://api.a.com", "https://pay.a.com")
    assert effective(state, Protocol.WEBVIEW) == ("https://www.a.com",)
    assert state.pending is not None
    assert {(c.protocol, c.domain) for c in state.pending.adds + state.pending.drops} == {
        (Protocol.REQUEST, "https://pay.a.com"),
        (Protocol.WEBVIEW, "https://new.a.com"),
    }
    outcome = state.outcome()
    assert (outcome.fetched_at, outcome.webview_error) == (LATER, failure)


def test_a_failed_fetch_keeps_the_last_good_data_marked_stale() -> None:
    state = fetched()
    before = state.view
    failure = ApiError(40001, "invalid credential")
    state.land(FetchOutcome(SHOP, LATER, error=failure, webview_error=failure))

    assert state.status is Status.STALE
    assert state.view == before
    assert state.pending is not None and state.pending.count == 1
    outcome = state.outcome()
    assert (outcome.fetched_at, outcome.error, outcome.webview_error) == (FIRST, failure, None)

    # The retry that works clears the error and shows the new lists.
    state.land(FetchOutcome(SHOP, LATER, requests([], []), webview=sites([], [])))
    assert state.status is Status.OK
    assert effective(state, Protocol.REQUEST) == ()
    assert state.pending is not None and not state.pending
    assert state.outcome().error is None
