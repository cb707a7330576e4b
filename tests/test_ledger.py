"""The ledger of domain changes: where and how it is written, what a lost answer reads as,
a call's overall result, and the month counted in Beijing time."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import Run

from wxdash.changes.ledger import Ledger, ledger_path


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


def test_a_result_line_holds_the_worst_result_of_its_domains() -> None:
    ledger = Ledger.for_user()
    pairs = [("requestdomain", "https://a.example.com"), ("requestdomain", "https://b.example.com")]
    expected = {}
    for results, overall in (
        (("applied", "applied"), "applied"),
        (("applied", "refused"), "refused"),
        (("skipped", "applied"), "skipped"),
        (("refused", "failed"), "failed"),
        (("failed", "unknown"), "unknown"),
    ):
        call = ledger.sent(name="shop", appid="wx1", via="direct", action="add", kind="server",
                           domains=pairs)  # fmt: skip
        ledger.result(call, [{"protocol": p, "domain": d, "result": r, "errcode": None, "rid": ""}
                             for (p, d), r in zip(pairs, results, strict=True)])  # fmt: skip
        expected[call] = overall
    lines = [json.loads(line) for line in ledger_path().read_text().splitlines()]
    assert {r["id"]: r["result"] for r in lines if r["event"] == "result"} == expected
    assert {c["id"]: c["result"] for c in Ledger.for_user().calls()} == expected


def test_a_line_written_before_the_overall_result_reads_with_it(run_cli: Run, check: Any) -> None:
    path = ledger_path()
    path.parent.mkdir(parents=True, mode=0o700)
    pairs = [{"protocol": "requestdomain", "domain": "https://a.example.com"},
             {"protocol": "requestdomain", "domain": "https://b.example.com"}]  # fmt: skip
    sent = {"time": "2026-12-01T08:00:00+00:00", "event": "sent", "profile": "shop",
            "appid": "wx1", "via": "direct", "action": "add", "kind": "server",
            "domains": pairs}  # fmt: skip
    result = {"time": "2026-12-01T08:00:01+00:00", "event": "result", "id": "c1", "domains": [
        {"protocol": "requestdomain", "domain": "https://a.example.com", "result": "applied",
         "errcode": 0, "rid": ""},
        {"protocol": "requestdomain", "domain": "https://b.example.com", "result": "refused",
         "errcode": 0, "rid": ""},
    ]}  # fmt: skip
    lost = {**sent, "id": "c2", "time": "2026-12-02T08:00:00+00:00"}
    lines = [{**sent, "id": "c1"}, result, lost]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    path.chmod(0o600)
    text = check(run_cli("domains", "log"), 0).stdout.splitlines()
    assert text[0] == "2026-12-01T08:00:00+00:00  shop  wx1  direct  add  refused"
    assert text[1] == "  requestdomain  https://a.example.com  applied"
    assert text[3] == "2026-12-02T08:00:00+00:00  shop  wx1  direct  add  unknown"
    log = json.loads(check(run_cli("domains", "log", "-f", "json"), 0).stdout)["log"]
    assert [(c["id"], c["result"]) for c in log] == [("c1", "refused"), ("c2", "unknown")]
