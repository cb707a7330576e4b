"""The ledger of domain changes: where and how it is written, what a lost answer reads as,
and the month counted in Beijing time."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wxdash.ledger import Ledger, ledger_path


def test_the_ledger_is_private_and_a_sent_line_without_result_reads_unknown() -> None:
    ledger = Ledger.for_user()
    call = ledger.sent(
        name="shop", appid="wx1", via="direct", action="add", kind="server",
        domains=[("downloaddomain", "https://cdn.example.com")],
    )  # fmt: skip
    lost = ledger.sent(
        name="shop", appid="wx1", via="direct", action="add", kind="server",
        domains=[("requestdomain", "https://api.example.com")],
    )  # fmt: skip
    ledger.result(call, [{"protocol": "downloaddomain", "domain": "https://cdn.example.com",
                          "result": "applied", "errcode": 0, "rid": ""}])  # fmt: skip
    path = ledger_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    calls = {c["id"]: c for c in Ledger.for_user().calls()}
    assert calls[call]["domains"][0]["result"] == "applied"
    assert calls[lost]["domains"][0]["result"] == "unknown"
    assert Ledger.for_user().calls_this_month("wx1", "server") == 2
    assert Ledger.for_user().calls_this_month("wx1", "webview") == 0
    assert ("downloaddomain", "https://cdn.example.com") in ledger.recently_applied(
        "wx1", "direct", "add"
    )


def test_the_month_is_beijing_time() -> None:
    ledger = Ledger(None)
    late = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 December in Beijing
    ledger.sent(name="a", appid="wx1", via="direct", action="add", kind="server", domains=[],
                when=late)  # fmt: skip
    assert ledger.calls_this_month("wx1", "server", datetime(2026, 12, 5, tzinfo=UTC)) == 1
    assert ledger.calls_this_month("wx1", "server", datetime(2026, 11, 20, tzinfo=UTC)) == 0


def test_a_link_in_place_of_the_ledger_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("")
    path = ledger_path()
    path.parent.mkdir(parents=True, mode=0o700)
    os.symlink(target, path)
    with pytest.raises(OSError):
        Ledger.for_user().sent(name="a", appid="wx1", via="direct", action="add",
                               kind="server", domains=[])  # fmt: skip
    assert target.read_text() == ""
