"""Daily quota: the appids WeChat said are out of calls for today (errcode 45009).

Each call to `get_effective_domain` spends one of an appid's daily calls, and once they are used
up every further call fails with 45009 until WeChat's reset at midnight Beijing time. A fleet
fetch that keeps calling such an appid wastes time and learns nothing, so the `Fleet` asks a
`QuotaBook` first and skips the appid, with an error that says until when. The book is kept in
memory and, outside the demo, in `quota.json` in the user cache folder (appids and times only,
mode 0600), so the next run knows too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from wxdash.i18n import N_, _
from wxdash.wechat.errors import QUOTA_EXHAUSTED, WxDashError

log = logging.getLogger("wxdash.quota")

QUOTA_FILE = "quota.json"
# WeChat resets daily quotas at midnight in China, which has had no daylight saving since 1991.
BEIJING = timezone(timedelta(hours=8), "UTC+8")


def next_reset(moment: datetime) -> datetime:
    """The first midnight Beijing time after `moment`, in UTC."""
    local = moment.astimezone(BEIJING)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC)


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


class QuotaSkipped(WxDashError):
    """Not called: WeChat said earlier today that this appid's daily quota is used up."""

    kind = "api"

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(
            N_(
                "Not called: WeChat said this appid's daily quota is used up (errcode 45009); "
                "wxdash waits for the reset at {until} (midnight Beijing time)"
            ),
            until=_local(until),
        )

    @property
    def errcode(self) -> int:
        return QUOTA_EXHAUSTED

    @property
    def hint(self) -> str:
        return _(
            "To call it anyway (say, after resetting the quota in the console): "
            "wxdash fetch --ignore-quota, or r on this profile in the dashboard."
        )


def _read(path: Path) -> dict[str, datetime]:
    """The file's entries; an absent, unreadable or garbled file counts as empty."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring the quota file %s: %s", path, exc)
        return {}
    entries = data.get("exhausted") if isinstance(data, dict) else None
    found: dict[str, datetime] = {}
    for appid, until in (entries or {}).items() if isinstance(entries, dict) else ():
        try:
            moment = datetime.fromisoformat(until)
        except (TypeError, ValueError):
            continue
        if moment.tzinfo is not None:
            found[str(appid)] = moment
    return found


class QuotaBook:
    """Which appids are out of daily quota, and until when. `path=None` keeps it in memory."""

    def __init__(
        self, path: Path | None = None, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.path = path
        self._clock = clock or (lambda: datetime.now(UTC))
        self._until: dict[str, datetime] = {}
        self._loaded = path is None

    @classmethod
    def in_cache(cls) -> QuotaBook:
        """The book kept in the user cache folder (`~/.cache/wxdash/quota.json` on Linux)."""
        import platformdirs

        from wxdash.profiles import APP_NAME

        return cls(platformdirs.user_cache_path(APP_NAME) / QUOTA_FILE)

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            assert self.path is not None
            self._until.update(_read(self.path))

    def blocked(self, appid: str) -> QuotaSkipped | None:
        """The error to report instead of calling `appid`, or None if it may be called."""
        self._load()
        until = self._until.get(appid)
        if until is None:
            return None
        if self._clock() >= until:
            self.cleared(appid)
            return None
        return QuotaSkipped(until)

    def exhausted(self, appid: str) -> None:
        """WeChat answered 45009 for `appid`: skip it until the next reset."""
        self._load()
        until = next_reset(self._clock())
        self._until[appid] = until
        log.info("daily quota of %s used up: not calling it again before %s", appid, until)
        self._save({appid: until}, ())

    def cleared(self, appid: str) -> None:
        """`appid` answered again (or its reset passed): it may be called."""
        self._load()
        if self._until.pop(appid, None) is not None:
            self._save({}, (appid,))

    def _save(self, added: Mapping[str, datetime], removed: Iterable[str]) -> None:
        if self.path is None:
            return
        from wxdash.profiles import write_atomic

        # Another wxdash may have written the file meanwhile: apply this change on top of it.
        entries = _read(self.path)
        entries.update(added)
        for appid in removed:
            entries.pop(appid, None)
        now = self._clock()
        data = {
            "version": 1,
            "exhausted": {a: u.isoformat() for a, u in sorted(entries.items()) if u > now},
        }
        try:
            write_atomic(self.path, json.dumps(data, indent=1).encode() + b"\n", backup=None)
        except WxDashError as error:
            log.warning("could not save the quota file: %s", error.message)
