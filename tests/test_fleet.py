"""The fleet at scale, in process against the fake server: a thousand profiles with tokens that
expire mid-run, and appids whose daily quota runs out (45009) skipped until WeChat's reset."""

from __future__ import annotations

import json
import stat
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import MARKER, assert_no_marker, fast

from wxdash.fakeserver import FakeWeChat
from wxdash.fleet import Fleet
from wxdash.profiles import Profile
from wxdash.quota import QuotaBook, QuotaSkipped, next_reset
from wxdash.wechat.client import WeChatClient
from wxdash.wechat.tokens import TokenKind, TokenSpec


@pytest.fixture
async def client() -> AsyncIterator[WeChatClient]:
    async with WeChatClient(fast(max_attempts=1), max_connections=16) as made:
        yield made


def shops(fake: FakeWeChat, count: int, **scenarios: str) -> list[Profile]:
    """`count` mini programs on the fake server, each with its own literal token."""
    made = []
    for i in range(count):
        appid = f"wx{i:016x}"
        name = f"Shop {i}"
        token = fake.add_app(appid, token=f"{MARKER}-{i}", scenario=scenarios.get(name, "ok"))
        made.append(Profile(name, appid, TokenSpec(TokenKind.ACCESS_TOKEN, token.token), fake.url))
    return made


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# -- tokens expiring under load ----------------------------------------------------------


@pytest.mark.slow
async def test_a_thousand_profiles_fetch_through_tokens_expiring_mid_run(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    profiles = []
    for i in range(1000):
        appid = f"wx{i:016x}"
        secret = f"{MARKER}-secret-{i:04d}"
        fake.add_app(appid, secret=secret)
        spec = TokenSpec(TokenKind.APPSECRET, secret)
        profiles.append(Profile(f"Merchant {i:04d}", appid, spec, fake.url))
    fleet = Fleet(client, concurrency=16)
    first = await fleet.fetch_all(profiles)
    assert all(o.ok for o in first)
    assert [fleet.source(p).asked for p in profiles] == [1] * 1000  # one token each, cached

    # The next run: every token WeChat issued expires at its 400th call.
    before = fake.requests["/wxa/get_effective_domain"]
    before += fake.requests["/wxa/get_effective_webviewdomain"]
    # Two calls a profile: the 800th call is about the 400th profile.
    fake.expire_all_at(fake.domain_calls + 800)
    outcomes = await fleet.fetch_all(profiles)

    assert [o.profile for o in outcomes] == profiles
    failed = [(o.profile.name, o.error.message) for o in outcomes if o.error is not None]
    assert failed == []
    asked = [fleet.source(p).asked for p in profiles]
    # A profile whose cached token had expired asked its source once more, and only once;
    # the ~600 fetched after the expiry did, the ~400 before it did not.
    assert max(asked) == 2
    refreshed = sum(asked) - len(profiles)
    assert 600 - 2 * fleet.concurrency <= refreshed <= 600 + 2 * fleet.concurrency
    assert sum(fake.app(p.appid).token_calls for p in profiles) == sum(asked)
    # Each fetch is two calls with the same token; a call that met the expiry was retried
    # once, and one refresh serves both calls of a profile.
    calls = fake.requests["/wxa/get_effective_domain"]
    calls += fake.requests["/wxa/get_effective_webviewdomain"]
    retried = calls - before - 2 * len(profiles)
    assert refreshed <= retried <= 2 * refreshed


async def test_bounded_concurrency_fetches_every_profile_in_order(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    profiles = shops(fake, 200)
    fleet = Fleet(client, concurrency=8)
    outcomes = await fleet.fetch_all(profiles)
    assert [o.profile.name for o in outcomes] == [p.name for p in profiles]
    assert all(o.ok for o in outcomes)


# -- daily quota -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "reset"),
    [
        ("2026-11-28T15:00:00+00:00", "2026-11-28T16:00:00+00:00"),  # 23:00 in Beijing
        ("2026-11-28T16:00:00+00:00", "2026-11-29T16:00:00+00:00"),  # midnight exactly
        ("2026-11-28T17:30:00+00:00", "2026-11-29T16:00:00+00:00"),  # 01:30 in Beijing
        ("2026-11-28T08:00:00-08:00", "2026-11-29T16:00:00+00:00"),  # any time zone
    ],
)
def test_the_quota_resets_at_midnight_beijing_time(now: str, reset: str) -> None:
    assert next_reset(datetime.fromisoformat(now)) == datetime.fromisoformat(reset)


async def test_an_appid_out_of_quota_is_not_called_again_until_the_reset(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    profiles = shops(fake, 3, **{"Shop 1": "errcode:45009"})
    clock = Clock(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    fleet = Fleet(client, quota=QuotaBook(clock=clock))
    first = await fleet.fetch_all(profiles)
    assert [o.ok for o in first] == [True, False, True]
    assert first[1].error is not None and first[1].error.errcode == 45009
    assert not isinstance(first[1].error, QuotaSkipped)

    again = await fleet.fetch_all(profiles)
    assert [o.ok for o in again] == [True, False, True]
    skipped = again[1].error
    assert isinstance(skipped, QuotaSkipped)
    assert skipped.errcode == 45009
    assert skipped.kind == "api"
    assert skipped.until == datetime(2026, 11, 28, 16, 0, tzinfo=UTC)
    local = skipped.until.astimezone().strftime("%Y-%m-%d %H:%M")
    assert skipped.message == (
        "Not called: WeChat said this appid's daily quota is used up (errcode 45009); "
        f"wxdash waits for the reset at {local} (midnight Beijing time)"
    )
    assert "wxdash fetch --ignore-quota" in skipped.hint
    assert fake.app(profiles[1].appid).domain_calls == 1  # not called the second time
    assert fake.app(profiles[0].appid).domain_calls == 2

    # Asked for by name (r in the dashboard, --ignore-quota): called anyway.
    fake.set_scenario(profiles[1].appid, "ok")
    forced = await fleet.fetch(profiles[1], force=True)
    assert forced.ok
    assert fake.app(profiles[1].appid).domain_calls == 2
    # ...and an answer proves the quota is back: no more skipping.
    assert (await fleet.fetch(profiles[1])).ok


async def test_after_the_reset_the_appid_is_called_again(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    profiles = shops(fake, 1, **{"Shop 0": "errcode:45009"})
    clock = Clock(datetime(2026, 11, 28, 15, 59, tzinfo=UTC))
    fleet = Fleet(client, quota=QuotaBook(clock=clock))
    await fleet.fetch(profiles[0])
    assert isinstance((await fleet.fetch(profiles[0])).error, QuotaSkipped)
    clock.now += timedelta(minutes=1)  # midnight in Beijing
    fake.set_scenario(profiles[0].appid, "ok")
    assert (await fleet.fetch(profiles[0])).ok


async def test_the_quota_book_is_kept_for_the_next_run_privately_and_without_tokens(
    fake: FakeWeChat, client: WeChatClient, tmp_path: Path
) -> None:
    path = tmp_path / "home" / ".cache" / "wxdash" / "quota.json"
    profiles = shops(fake, 2, **{"Shop 0": "errcode:45009"})
    await Fleet(client, quota=QuotaBook.in_cache()).fetch_all(profiles)
    assert QuotaBook.in_cache().path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    saved = json.loads(path.read_text())
    assert list(saved["exhausted"]) == [profiles[0].appid]
    assert_no_marker(folders=(tmp_path,))

    # A later run (a new book read from the file) skips it without calling.
    outcome = await Fleet(client, quota=QuotaBook.in_cache()).fetch(profiles[0])
    assert isinstance(outcome.error, QuotaSkipped)
    assert fake.app(profiles[0].appid).domain_calls == 1

    # A forced call that succeeds takes it out of the file.
    fake.set_scenario(profiles[0].appid, "ok")
    assert (await Fleet(client, quota=QuotaBook.in_cache()).fetch(profiles[0], force=True)).ok
    assert json.loads(path.read_text())["exhausted"] == {}


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b"[]", b'{"exhausted": {"wx0000000000000000": "tomorrow"}}', b"\xff"],
)
async def test_a_garbled_quota_file_is_ignored(
    fake: FakeWeChat, client: WeChatClient, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "quota.json"
    path.write_bytes(content)
    profiles = shops(fake, 1)
    assert (await Fleet(client, quota=QuotaBook(path)).fetch(profiles[0])).ok


async def test_a_quota_file_that_cannot_be_written_does_not_stop_the_fetch(
    fake: FakeWeChat, client: WeChatClient, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    profiles = shops(fake, 2, **{"Shop 0": "errcode:45009"})
    fleet = Fleet(client, quota=QuotaBook(blocker / "quota.json"))
    outcomes = await fleet.fetch_all(profiles)
    assert [o.ok for o in outcomes] == [False, True]
    # Remembered in memory all the same.
    assert isinstance((await fleet.fetch(profiles[0])).error, QuotaSkipped)


async def test_quota_is_asked_with_the_profiles_token_source(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    profiles = shops(fake, 1)
    fleet = Fleet(client)
    await fleet.fetch(profiles[0])
    outcome = await fleet.check_quota(profiles[0])
    assert outcome.error is None and outcome.quota is not None
    assert (outcome.quota.used, outcome.quota.remain) == (1, 99_999)
    # A literal token is just read again: by each of the fetch's two calls, then the quota.
    assert fleet.source(profiles[0]).asked == 3
