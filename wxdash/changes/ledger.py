"""The ledger of domain changes: `changes.jsonl`, a `sent` line before each write call and a
result line after it, and this month's calls per mini program counted from it.

It lives in the user data folder (platformdirs `user_data_path`), 0600 in a 0700 folder,
appended without following links. It holds names, appids, domains, results, errcodes and
rids, never a token. WeChat reports no budget: the count here is what wxdash sent, and changes
made elsewhere (the console, other tools) are not in it. A `sent` line without its result
(a run killed, an answer lost) counts as spent and reads as `unknown` until a later run settles
it. `locked` makes the budget check and the apply exclusive among wxdash processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from wxdash.files import private_folder, read_regular
from wxdash.profiles import APP_NAME

LEDGER_NAME = "changes.jsonl"
MONTHLY_LIMIT = 50  # WeChat's documented limit of server-domain changes a month
BEIJING = timezone(timedelta(hours=8))  # China keeps no summer time
RECENT = timedelta(hours=1)  # a domain applied this recently is not sent again
# Seconds between two tries of a lock another run holds, when the wait may be given up.
LOCK_POLL = 0.05
# A call's result is the worst of its domains' in this order; a call without domains (or a
# result line without them) is `skipped`: nothing was changed.
WORST_FIRST = ("unknown", "failed", "refused", "skipped", "applied")
_APPEND = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
_APPEND |= getattr(os, "O_NOFOLLOW", 0)


def ledger_path() -> Path:
    import platformdirs

    return platformdirs.user_data_path(APP_NAME) / LEDGER_NAME


def month_of(moment: datetime) -> str:
    """The month (YYYY-MM) in Beijing time, as WeChat counts its monthly limit."""
    return moment.astimezone(BEIJING).strftime("%Y-%m")


def overall_result(domains: Iterable[dict[str, Any]]) -> str:
    """The worst of the domains' results (WORST_FIRST); one not known reads `unknown`."""
    found = {d.get("result") for d in domains}
    if found - set(WORST_FIRST):
        return "unknown"
    return next((r for r in WORST_FIRST if r in found), "skipped")


def rid_of(message: str) -> str:
    """The `rid: ...` WeChat appends to an errmsg, or ''."""
    at = message.rfind("rid:")
    return message[at + 4 :].strip() if at >= 0 else ""


class Ledger:
    """The ledger at `path`, or (None, for --demo) one kept in memory only."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._memory: list[dict[str, Any]] = []
        # What was read, kept until the lock is taken (another run may have written before)
        # and extended by this run's own lines: a thousand plans read the file once.
        self._read: list[dict[str, Any]] | None = None
        self._calls: list[dict[str, Any]] | None = None
        self._by_appid: dict[Any, list[dict[str, Any]]] | None = None

    @classmethod
    def for_user(cls, demo: bool = False) -> Ledger:
        return cls(None if demo else ledger_path())

    # -- writing -------------------------------------------------------------------------

    def _append(self, record: dict[str, Any]) -> None:
        self._calls = self._by_appid = None
        if self.path is None:
            self._memory.append(record)
            return
        if self._read is not None:
            self._read.append(record)
        private_folder(self.path.parent)
        fd = os.open(self.path, _APPEND, 0o600)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(f"not a regular file: {self.path}")
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)

    def sent(
        self,
        *,
        name: str,
        appid: str,
        via: str,
        action: str,
        kind: str,
        domains: Iterable[tuple[str, str]],
        when: datetime | None = None,
        **extra: Any,
    ) -> str:
        """The line before a call; returns its id for the result line. `extra` keys (the
        platform's `scope` and `published`) go into the line as they are."""
        call = secrets.token_hex(8)
        self._append({
            "time": (when or datetime.now(UTC)).isoformat(timespec="seconds"),
            "event": "sent", "id": call, "profile": name, "appid": appid, "via": via,
            "action": action, "kind": kind, **extra,
            "domains": [{"protocol": p, "domain": d} for p, d in domains],
        })  # fmt: skip
        return call

    def result(self, call: str, results: Iterable[dict[str, Any]]) -> None:
        """The line after a call: the call's overall result, and each domain's result,
        errcode and rid (never a message)."""
        domains = list(results)
        self._append({
            "time": datetime.now(UTC).isoformat(timespec="seconds"), "event": "result",
            "id": call, "result": overall_result(domains), "domains": domains,
        })  # fmt: skip

    # -- reading -------------------------------------------------------------------------

    def records(self) -> list[dict[str, Any]]:
        if self.path is None:
            return list(self._memory)
        if self._read is None:
            self._read = self._load(self.path)
        return self._read

    def _forget(self) -> None:
        self._read = self._calls = self._by_appid = None

    @staticmethod
    def _load(path: Path) -> list[dict[str, Any]]:
        try:
            data, _status = read_regular(path, follow=False)
        except FileNotFoundError:
            return []
        found = []
        for line in data.decode("utf-8", "replace").splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict) and isinstance(record.get("id"), str):
                    found.append(record)
        return found

    def calls(self) -> list[dict[str, Any]]:
        """Each `sent` line with its results merged in: `result` per domain, `unknown` where
        no result line came, and the call's `result` (worked out from its domains for a line
        written before wxdash wrote one)."""
        if self._calls is None:
            self._calls = self._merged()
        return self._calls

    def calls_of(self, appid: str) -> list[dict[str, Any]]:
        """`calls` for one appid (indexed once: a thousand plans ask)."""
        if self._by_appid is None:
            self._by_appid = {}
            for call in self.calls():
                self._by_appid.setdefault(call.get("appid"), []).append(call)
        return self._by_appid.get(appid, [])

    def _merged(self) -> list[dict[str, Any]]:
        results = {r["id"]: r for r in self.records() if r.get("event") == "result"}
        calls = []
        for record in self.records():
            if record.get("event") != "sent":
                continue
            answered = results.get(record["id"])
            by_domain = {
                (d.get("protocol"), d.get("domain")): d
                for d in (answered or {}).get("domains", [])
                if isinstance(d, dict)
            }
            domains = []
            for entry in record.get("domains", []):
                got = by_domain.get((entry.get("protocol"), entry.get("domain")), {})
                result = got.get("result", "unknown")
                errcode, rid = got.get("errcode"), got.get("rid", "")
                domains.append({**entry, "result": result, "errcode": errcode, "rid": rid})
            overall = "unknown" if answered is None else answered.get("result")
            if overall not in WORST_FIRST:
                overall = overall_result(domains)
            calls.append(
                {**record, "result": overall, "domains": domains, "answered": answered is not None}
            )
        return calls

    def calls_this_month(self, appid: str, kind: str, moment: datetime | None = None) -> int:
        """The write calls sent for `appid` this month (Beijing time), of one kind (server or
        webview, counted apart), answered or not."""
        month = month_of(moment or datetime.now(UTC))
        return sum(
            1
            for call in self.calls_of(appid)
            if call.get("kind") == kind and _month_of_text(call.get("time")) == month
        )

    def recently_applied(self, appid: str, via: str, action: str) -> set[tuple[str, str]]:
        """(protocol, domain) applied for `appid` by `via` and `action` in the last hour."""
        since = datetime.now(UTC) - RECENT
        found = set()
        for call in self.calls_of(appid):
            if (call.get("via"), call.get("action")) != (via, action):
                continue
            if (parse_time(call.get("time")) or since) < since:
                continue
            for d in call["domains"]:
                if d["result"] == "applied":
                    found.add((d.get("protocol"), d.get("domain")))
        return found

    @contextlib.contextmanager
    def locked(self, give_up: Callable[[], bool] | None = None) -> Iterator[None]:
        """Hold `changes.jsonl.lock` exclusively (flock, waiting for another run to finish);
        released by the system if the holder dies. No lock in memory or without flock. With
        `give_up`, the wait asks it often and ends in LockGivenUp once it says so."""
        try:
            import fcntl
        except ImportError:
            fcntl = None  # type: ignore[assignment]
        if self.path is None or fcntl is None:
            yield
            return
        private_folder(self.path.parent)
        lock = self.path.with_name(self.path.name + ".lock")
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(lock, flags, 0o600)
        try:
            if give_up is None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            else:
                _flock_unless(fd, give_up)
            self._forget()  # read again: another run may have written while we waited
            yield
        finally:
            os.close(fd)


class LockGivenUp(Exception):
    """The wait for another run's lock was given up: nothing was sent."""


def _flock_unless(fd: int, give_up: Callable[[], bool]) -> None:
    """flock `fd`, asking `give_up` while another process holds it (a blocking flock could
    not be interrupted: the dashboard's stop and quit would wait for the other run)."""
    import fcntl

    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if give_up():
                raise LockGivenUp from None
            time.sleep(LOCK_POLL)


def parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _month_of_text(text: Any) -> str | None:
    moment = parse_time(text)
    return None if moment is None else month_of(moment)
