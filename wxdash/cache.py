"""The last good result of each profile on disk, so the dashboard opens with data at once and
`--offline` works without a network.

One JSON file per mini program (appid and API host), 0600 in a 0700 folder under the user's
cache folder. It holds domains and warnings, never a token. Its `fetched_at` says when those
lists were first seen; its modification time, when a fetch last found them unchanged. A fleet's
lists rarely change, and rewriting a thousand files that did not change cost a tenth of a
fleet fetch; setting a time costs next to nothing. A file that cannot be read (garbled,
nested too deep, a FIFO, a link) is deleted with a warning: the cache is a convenience, never a
reason to stop. Links are never followed, and a cache folder another user owns is not used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from wxdash.files import ForeignFolderError, check_owner, private_folder, read_regular, replace_file
from wxdash.fleet import FetchOutcome, now
from wxdash.i18n import N_, _
from wxdash.profiles import APP_NAME, Profile
from wxdash.wechat.errors import WxDashError
from wxdash.wechat.models import (
    ParseWarning,
    WebviewReport,
    parse_domain_report,
    parse_webview_report,
)

log = logging.getLogger("wxdash.cache")

CACHE_FORMAT = 1


class NotCachedError(WxDashError):
    """`--offline` asked for a profile that has never been fetched on this machine."""

    kind = "cache"

    @property
    def hint(self) -> str:
        return _("Fetch it once without --offline; wxdash keeps the last good result.")


def cache_folder() -> Path:
    """Where results are kept: `results/` in the platform's cache folder for wxdash."""
    import platformdirs

    return platformdirs.user_cache_path(APP_NAME) / "results"


@dataclass
class ResultCache:
    """Reads and writes the cached results; `problems` collects what was discarded."""

    folder: Path = field(default_factory=cache_folder)
    problems: list[str] = field(default_factory=list)
    _ready: bool = field(default=False, init=False, repr=False)  # folders made, 0700
    _refused: bool | None = field(default=None, init=False, repr=False)  # another user's

    def _usable(self) -> bool:
        """Whether the folder may be used: not if another user owns it (said once)."""
        if self._refused is None:
            try:
                check_owner(self.folder.parent, self.folder)
                self._refused = False
            except ForeignFolderError as error:
                self._refuse(error)
        return not self._refused

    def _refuse(self, error: ForeignFolderError) -> None:
        self._refused = True
        log.warning(
            "not using the cache folder %s: it belongs to uid %s", error.folder, error.owner
        )
        self.problems.append(str(error))

    def path(self, profile: Profile) -> Path:
        # Named by a hash: appids come from a user's file and must not shape a path.
        base = (profile.api_base or "").strip().rstrip("/")
        digest = hashlib.sha256(f"{profile.appid}\n{base}".encode()).hexdigest()[:32]
        return self.folder / f"{digest}.json"

    def load(self, profile: Profile) -> FetchOutcome | None:
        """The cached outcome for `profile` (source "cache"), or None if there is none."""
        path = self.path(profile)
        if not self._usable():
            return None
        try:
            data, status = read_regular(path, follow=False)
            return _outcome(profile, json.loads(data), _moment(status.st_mtime_ns))
        except FileNotFoundError:
            return None
        except _UNREADABLE as exc:
            self._discard(path, profile, exc)
            return None

    def miss(self, profile: Profile) -> FetchOutcome:
        """The outcome to show for a profile with nothing cached, under `--offline`."""
        error = NotCachedError(N_("No cached result for {appid} yet"), appid=profile.appid)
        return FetchOutcome(profile, now(), error=error, source="cache")

    def save(self, outcome: FetchOutcome) -> None:
        """Keep the good parts of a network outcome. A webview call that failed keeps the
        webview lists cached before; a failed server call saves nothing."""
        if outcome.source != "network" or outcome.report is None or not self._usable():
            return
        record = {
            "format": CACHE_FORMAT,
            "appid": outcome.profile.appid,
            "fetched_at": outcome.fetched_at.isoformat(),
            "domains": outcome.report.to_json(),
            "warnings": [asdict(w) for w in outcome.report.warnings],
            "webview_domains": None,
            "webview_warnings": [],
        }
        webview = outcome.webview
        if webview is None:
            previous = self.load(outcome.profile)
            webview = previous.webview if previous is not None else None
        if webview is not None:
            record["webview_domains"] = webview.to_json()
            record["webview_warnings"] = [asdict(w) for w in webview.warnings]
        path, stamp = self.path(outcome.profile), _nanoseconds(outcome.fetched_at)
        try:
            if _renewed(path, record, stamp):
                return
            self._write(path, json.dumps(record, ensure_ascii=False).encode(), stamp)
        except ForeignFolderError as error:
            self._refuse(error)
        except OSError as exc:
            # A full disk or a read-only home must not stop a fetch that worked.
            log.warning("could not cache %r: %s", outcome.profile.name, exc.strerror or exc)

    def _write(self, path: Path, data: bytes, stamp: int) -> None:
        if not self._ready:
            _prepare(self.folder)
            self._ready = True
        try:
            replace_file(path, data, mtime_ns=stamp)
        except FileNotFoundError:  # the folder was removed while wxdash ran
            _prepare(self.folder)
            replace_file(path, data, mtime_ns=stamp)

    def _discard(self, path: Path, profile: Profile, exc: Exception) -> None:
        log.warning("discarding unreadable cache file %s: %s", path.name, type(exc).__name__)
        with contextlib.suppress(OSError):
            path.unlink()
        self.problems.append(
            _("The cached result of {name} could not be read and was discarded ({reason}).").format(
                name=profile.name, reason=type(exc).__name__
            )
        )


# What a cache file that cannot be used raises on the way to an outcome.
_UNREADABLE = (
    OSError,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    RecursionError,  # JSON nested a hundred thousand deep
    WxDashError,
)


def _warnings(records: Any) -> tuple[ParseWarning, ...]:
    fields = ("kind", "group", "protocol", "domain", "detail")
    out = []
    for record in records or ():
        values = {k: record.get(k) for k in fields}
        if not isinstance(values["kind"], str) or not all(
            v is None or isinstance(v, str) for v in values.values()
        ):
            raise ValueError("a warning of the wrong shape")
        out.append(ParseWarning(**values))
    return tuple(out)


def _body(data: Any) -> bytes:
    if not isinstance(data, dict):
        raise ValueError("lists of the wrong shape")
    return json.dumps({"errcode": 0, **data}).encode()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _nanoseconds(moment: datetime) -> int:
    """A moment as a file time, exact to the microsecond (a float would round it)."""
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


def _moment(nanoseconds: int) -> datetime:
    return _EPOCH + timedelta(microseconds=nanoseconds // 1000)


def _renewed(path: Path, record: dict[str, Any], stamp: int) -> bool:
    """If the file at `path` holds `record` but for its `fetched_at`, give it the time
    `stamp` and say so. One open, one read, one time set: a fleet does this a thousand times.
    A link is never followed, to read or to set the time: the file is replaced instead."""
    try:
        kept = json.loads(read_regular(path, follow=False)[0])
    except (OSError, ValueError, RecursionError):
        return False
    if not isinstance(kept, dict) or {**kept, "fetched_at": None} != {
        **record,
        "fetched_at": None,
    }:
        return False
    try:
        os.utime(
            path, ns=(stamp, stamp), follow_symlinks=os.utime not in os.supports_follow_symlinks
        )
    except OSError:
        return False
    return True


def _outcome(profile: Profile, record: Any, confirmed: datetime) -> FetchOutcome:
    if record.get("format") != CACHE_FORMAT or record.get("appid") != profile.appid:
        raise ValueError("another format or appid")
    fetched_at = datetime.fromisoformat(record["fetched_at"])
    if fetched_at.tzinfo is None:
        raise ValueError("a time without a zone")
    # Last found unchanged at the file's time; a time still to come was set by hand.
    fetched_at = max(fetched_at, min(confirmed, now()))
    report = parse_domain_report(_body(record["domains"]))
    report = type(report)(report.groups, _warnings(record.get("warnings")))
    webview: WebviewReport | None = None
    if record.get("webview_domains") is not None:
        parsed = parse_webview_report(_body(record["webview_domains"]))
        webview = WebviewReport(parsed.lists, _warnings(record.get("webview_warnings")))
    return FetchOutcome(profile, fetched_at, report=report, webview=webview, source="cache")


def _prepare(results: Path) -> None:
    """The cache folder and its results folder, made private to the user; ForeignFolderError
    if either belongs to another user."""
    for folder in (results.parent, results):
        private_folder(folder)
