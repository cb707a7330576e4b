"""Fetching many profiles at once: one client, one token source per profile, bounded concurrency.

Both the headless CLI and the app fetch through a `Fleet`. A fetch never raises: every outcome,
good or bad, is a `FetchOutcome` value with the time it was taken. A profile's fetch is two
calls made side by side, server domains and webview domains; either may fail alone. An appid
whose daily quota WeChat said is used up (45009) is not called again before the reset (see
`quota`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Literal, TypeVar

from wxdash.i18n import N_, _
from wxdash.insight import Pending, annotate, pending_of
from wxdash.profiles import DEFAULT_CONCURRENCY, Profile
from wxdash.quota import QuotaBook
from wxdash.wechat.client import WeChatClient
from wxdash.wechat.errors import QUOTA_EXHAUSTED, ApiError, WxDashError
from wxdash.wechat.models import DomainReport, WebviewReport
from wxdash.wechat.quota import ApiQuota
from wxdash.wechat.redact import redact
from wxdash.wechat.tokens import COMMAND_TIMEOUT, TokenSource, TokenSpec, make_source

log = logging.getLogger("wxdash.fleet")

T = TypeVar("T")
Source = Literal["network", "cache"]


class UnexpectedError(WxDashError):
    """A bug in wxdash, shown as a value rather than a traceback."""

    kind = "internal"

    @classmethod
    def of(cls, exc: Exception) -> UnexpectedError:
        return cls(
            N_("Unexpected {type}: {detail}"), type=type(exc).__name__, detail=redact(str(exc))
        )

    @property
    def hint(self) -> str:
        return _("This is a bug in wxdash; run with --log FILE and report it.")


@dataclass(frozen=True)  # no slots: the merged view is worked out once, then kept
class FetchOutcome:
    """The result of fetching one profile: for each call a report or an error, and when.

    `ok` is about the server-domain call; the webview call's failure is `webview_error`.
    """

    profile: Profile
    fetched_at: datetime
    report: DomainReport | None = None
    error: WxDashError | None = None
    webview: WebviewReport | None = None
    webview_error: WxDashError | None = None
    source: Source = "network"

    @property
    def ok(self) -> bool:
        return self.error is None

    def view(self) -> DomainReport | None:
        """Both calls' lists together (webview as a seventh protocol), with lint warnings."""
        return self._view

    def pending(self) -> Pending:
        """What the next release changes; empty when the server-domain call failed."""
        return self._pending

    # Output asks for these several times per profile (lines, warnings, exit code): linting and
    # diffing thousands of domains once is enough.
    @cached_property
    def _view(self) -> DomainReport | None:
        return annotate(self.report, self.webview)

    @cached_property
    def _pending(self) -> Pending:
        found = pending_of(self.report, self.webview, self._view)
        return found if found is not None else Pending()


@dataclass(frozen=True, slots=True)
class QuotaOutcome:
    """What WeChat said about one profile's daily quota for get_effective_domain, or why not."""

    profile: Profile
    checked_at: datetime
    quota: ApiQuota | None = None
    error: WxDashError | None = None


CALLS_PER_FETCH = 2
"""A profile's fetch is two calls side by side: a client needs this many connections per
profile fetched at once."""


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Fleet:
    """Fetches profiles' domains through one shared client."""

    def __init__(
        self,
        client: WeChatClient,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        command_timeout: float = COMMAND_TIMEOUT,
        quota: QuotaBook | None = None,
    ) -> None:
        self.client = client
        self.concurrency = max(1, concurrency)
        self.command_timeout = command_timeout
        self.quota = quota or QuotaBook()
        # One bound for every fetch through this fleet, whoever asks (fetch_each, the app).
        self._limit = asyncio.Semaphore(self.concurrency)
        self._sources: dict[tuple[str, str, TokenSpec, str | None], TokenSource] = {}

    def source(self, profile: Profile) -> TokenSource:
        """The profile's token source, kept for the fleet's life so its cached token is reused."""
        key = (profile.name, profile.appid, profile.token, profile.api_base)
        source = self._sources.get(key)
        if source is None:
            source = make_source(
                profile.token,
                appid=profile.appid,
                profile=profile.name,
                client=self.client,
                api_base=profile.api_base,
                command_timeout=self.command_timeout,
            )
            self._sources[key] = source
        return source

    async def fetch(self, profile: Profile, *, force: bool = False) -> FetchOutcome:
        """Fetch one profile's server and webview domains; errors come back as values. Unless
        `force`, an appid whose daily quota is used up is not called."""
        if not force and (skipped := self.quota.blocked(profile.appid)) is not None:
            log.info("profile %r skipped: daily quota used up", profile.name)
            return FetchOutcome(profile, now(), error=skipped)
        token = self.source(profile)
        # Side by side: the webview call in a task of its own, the server-domain call here.
        webview_call = asyncio.ensure_future(
            self._call(
                profile, "webview", self.client.get_effective_webviewdomain(profile.api_base, token)
            )
        )
        try:
            report, error = await self._call(
                profile, "domains", self.client.get_effective_domain(profile.api_base, token)
            )
        except BaseException:
            webview_call.cancel()
            raise
        webview, webview_error = await webview_call
        if isinstance(error, ApiError) and error.errcode == QUOTA_EXHAUSTED:
            self.quota.exhausted(profile.appid)
        elif error is None:
            self.quota.cleared(profile.appid)
        return FetchOutcome(profile, now(), report, error, webview, webview_error)

    async def _call(
        self, profile: Profile, what: str, call: Awaitable[T]
    ) -> tuple[T | None, WxDashError | None]:
        try:
            return await call, None
        except WxDashError as error:
            log.info("profile %r %s failed: %s %s", profile.name, what, error.kind, error.message)
            return None, error
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as exc:
            log.exception("unexpected error fetching %r %s", profile.name, what)
            return None, UnexpectedError.of(exc)

    async def fetch_bounded(self, profile: Profile, *, force: bool = False) -> FetchOutcome:
        """`fetch`, once fewer than `concurrency` fetches of this fleet are running."""
        async with self._limit:
            return await self.fetch(profile, force=force)

    async def check_quota(self, profile: Profile) -> QuotaOutcome:
        """Ask WeChat for the profile's daily quota of get_effective_domain (never skipped: the
        quota API has its own)."""
        try:
            quota = await self.client.get_quota(profile.api_base, self.source(profile))
        except WxDashError as error:
            log.info("quota of %r failed: %s %s", profile.name, error.kind, error.message)
            return QuotaOutcome(profile, now(), error=error)
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as exc:
            log.exception("unexpected error asking the quota of %r", profile.name)
            return QuotaOutcome(profile, now(), error=UnexpectedError.of(exc))
        return QuotaOutcome(profile, now(), quota=quota)

    async def fetch_each(
        self, profiles: Iterable[Profile], *, force: bool = False
    ) -> AsyncIterator[FetchOutcome]:
        """Fetch many profiles, at most `concurrency` at a time, yielding outcomes as they land."""
        tasks = [asyncio.ensure_future(self.fetch_bounded(p, force=force)) for p in profiles]
        try:
            for finished in asyncio.as_completed(tasks):
                yield await finished
        finally:
            for task in tasks:
                task.cancel()

    async def fetch_all(
        self,
        profiles: Iterable[Profile],
        *,
        force: bool = False,
        landed: Callable[[FetchOutcome], None] | None = None,
    ) -> list[FetchOutcome]:
        """Fetch many profiles; outcomes in the order the profiles were given. `landed` is
        called with each outcome as it comes in, while the others still wait on the network:
        work done there costs no time of its own."""
        wanted = list(profiles)
        results = {}
        # Closed on the way out, so that `landed` failing cancels the fetches still running.
        async with contextlib.aclosing(self.fetch_each(wanted, force=force)) as outcomes:
            async for outcome in outcomes:
                if landed is not None:
                    landed(outcome)
                results[id(outcome.profile)] = outcome
        return [results[id(p)] for p in wanted]
