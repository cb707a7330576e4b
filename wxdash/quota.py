"""Daily quota: the appids WeChat said are out of calls for today (errcode 45009).

Each call to `get_effective_domain` spends one of an appid's daily calls, and once they are used
up every further call fails with 45009 until WeChat's reset at midnight Beijing time. A fleet
fetch that keeps calling such an appid wastes time and learns nothing, so the `Fleet` asks a
`QuotaBook` first and skips the appid, with an error that says until when. The book is kept in
memory and, outside the demo, in `quota.json` in the user cache folder (appids and times only,
mode 0600), so the next run knows too. A file that cannot be read is discarded with a warning,
a stop later than the next reset is cut to it, links are not followed, and a cache folder that
belongs to another user is neither read nor written.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from wxdash.files import ForeignFolderError, check_owner, private_folder, read_regular, replace_file
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


# What a quota file that cannot be used raises (RecursionError: JSON nested too deep).
_UNREADABLE = (OSError, ValueError, RecursionError)


def _read(path: Path) -> dict[str, datetime]:
    """The file's entries ({} if there is no file); one of _UNREADABLE if it cannot be read.
    Entries of the wrong shape are skipped."""
    try:
        data = json.loads(read_regular(path, follow=False)[0])
    except FileNotFoundError:
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
        self.problems: list[str] = []  # what was discarded or refused, for the user

    @classmethod
    def in_cache(cls) -> QuotaBook:
        """The book kept in the user cache folder (`~/.cache/wxdash/quota.json` on Linux)."""
        import platformdirs

        from wxdash.profiles import APP_NAME

        return cls(platformdirs.user_cache_path(APP_NAME) / QUOTA_FILE)

    def load(self) -> None:
        """Read the file, once (the first question reads it anyway)."""
        if self._loaded or self.path is None:
            return
        self._loaded = True
        try:
            check_owner(self.path.parent)
            entries = _read(self.path)
        except ForeignFolderError as error:
            self._refuse(error)
            return
        except _UNREADABLE as exc:
            self._discard(exc)
            return
        latest = next_reset(self._clock())
        late = {appid: until for appid, until in entries.items() if until > latest}
        for appid, until in late.items():
            self.problems.append(
                _(
                    "The quota stop of {appid} was set after the next reset ({until}): "
                    "wxdash waits only until {reset}."
                ).format(appid=appid, until=until.isoformat(), reset=_local(latest))
            )
            entries[appid] = latest
        self._until.update(entries)
        if late:
            self._save(dict.fromkeys(late, latest), ())

    def _refuse(self, error: ForeignFolderError) -> None:
        log.warning("not using the quota file: %s belongs to uid %s", error.folder, error.owner)
        self.problems.append(str(error))
        self.path = None

    def _discard(self, exc: BaseException) -> None:
        assert self.path is not None
        log.warning("discarding the quota file %s: %s", self.path, type(exc).__name__)
        with contextlib.suppress(OSError):
            self.path.unlink()
        self.problems.append(
            _("The quota file {path} could not be read and was discarded ({reason}).").format(
                path=self.path, reason=type(exc).__name__
            )
        )

    def blocked(self, appid: str) -> QuotaSkipped | None:
        """The error to report instead of calling `appid`, or None if it may be called."""
        self.load()
        until = self._until.get(appid)
        if until is None:
            return None
        if self._clock() >= until:
            self.cleared(appid)
            return None
        return QuotaSkipped(until)

    def exhausted(self, appid: str) -> None:
        """WeChat answered 45009 for `appid`: skip it until the next reset."""
        self.load()
        until = next_reset(self._clock())
        self._until[appid] = until
        log.info("daily quota of %s used up: not calling it again before %s", appid, until)
        self._save({appid: until}, ())

    def cleared(self, appid: str) -> None:
        """`appid` answered again (or its reset passed): it may be called."""
        self.load()
        if self._until.pop(appid, None) is not None:
            self._save({}, (appid,))

    def _save(self, added: Mapping[str, datetime], removed: Iterable[str]) -> None:
        if self.path is None:
            return
        # Another wxdash may have written the file meanwhile: apply this change on top of it.
        try:
            entries = _read(self.path)
        except _UNREADABLE:
            entries = {}  # told when it was loaded; replaced now
        entries.update(added)
        for appid in removed:
            entries.pop(appid, None)
        now = self._clock()
        data = {
            "version": 1,
            "exhausted": {a: u.isoformat() for a, u in sorted(entries.items()) if u > now},
        }
        try:
            private_folder(self.path.parent)
            # Renamed over the path: a link planted there is replaced, never written through.
            replace_file(self.path, json.dumps(data, indent=1).encode() + b"\n")
        except ForeignFolderError as error:
            self._refuse(error)
        except OSError as exc:
            log.warning("could not save the quota file: %s", exc.strerror or exc)
