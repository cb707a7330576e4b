"""`wxdash quota` and the daily quota in `wxdash fetch`, end to end in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import FAST, Run, Writer, serve

from wxdash.fakeserver import FakeWeChat


def test_quota_prints_limit_used_and_remaining(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, "Shop A", 1, daily_limit=500)]})
    check(run_cli("fetch"), 0)
    result = check(run_cli("quota", "-p", "Shop A"), 0)
    assert result.stdout == (
        "Shop A  wx0000000000000001  /wxa/get_effective_domain\n"
        "  daily limit  500\n"
        "  used         1\n"
        "  remaining    499\n"
        "  rate limit   5000 calls per 60 s\n"
    )
    assert result.stderr == ""


def test_quota_json_has_a_documented_shape_and_errors_are_exit_1(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    shops = [serve(fake, "Shop A", 1), serve(fake, "Shop B", 2)]
    fake.app("wx0000000000000002").quota_scenario = "errcode:61007"
    write_config({"network": FAST, "profiles": shops})
    result = check(run_cli("quota", "--all", "-f", "json"), 1)
    data = json.loads(result.stdout)
    first, second = data["quotas"]
    assert set(first) == {"name", "appid", "ok", "error", "checked_at", "quota"}
    assert first["ok"] is True and first["error"] is None
    assert first["quota"] == {
        "cgi_path": "/wxa/get_effective_domain",
        "daily_limit": 100000,
        "used": 0,
        "remain": 100000,
        "rate_limit": {"call_count": 5000, "refresh_second": 60},
        "component_rate_limit": None,
    }
    assert second["ok"] is False and second["quota"] is None
    assert second["error"]["errcode"] == 61007
    assert "wxdash: Shop B: WeChat error 61007: api is unauthorized to component" in result.stderr
    assert "hint: The merchant has not granted this API" in result.stderr
    # The quota API has quota of its own: asking it spends no get_effective_domain call.
    assert fake.requests["/wxa/get_effective_domain"] == 0


def test_quota_with_several_profiles_asks_which(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, "A", 1), serve(fake, "B", 2)]})
    result = check(run_cli("quota"), 2)
    assert "Which profiles? There are 2." in result.stderr
    assert "hint: Name them with -p NAME" in result.stderr


def test_quota_of_the_demo_works_and_writes_nothing(
    run_cli: Run, check: Any, tmp_path: Path
) -> None:
    result = check(run_cli("--demo", "quota", "-p", "Harbor Books"), 0)
    assert "daily limit" in result.stdout
    assert not (tmp_path / "home" / ".cache").exists()


def test_a_used_up_quota_is_skipped_on_the_next_run_until_forced(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, tmp_path: Path
) -> None:
    shops = [serve(fake, "Shop A", 1, daily_limit=1), serve(fake, "Shop B", 2)]
    write_config({"network": FAST, "profiles": shops})
    check(run_cli("fetch", "--all"), 0)
    first = check(run_cli("fetch", "--all"), 1)
    assert "wxdash: Shop A: WeChat error 45009: reach max api daily quota limit" in first.stderr
    assert fake.app("wx0000000000000001").domain_calls == 2

    second = check(run_cli("fetch", "--all", "-f", "json"), 1)
    shop_a, shop_b = json.loads(second.stdout)["profiles"]
    assert shop_b["ok"] is True
    assert shop_a["error"]["kind"] == "api"
    assert shop_a["error"]["errcode"] == 45009
    assert shop_a["error"]["message"].startswith(
        "Not called: WeChat said this appid's daily quota is used up (errcode 45009); "
        "wxdash waits for the reset at "
    )
    assert "wxdash fetch --ignore-quota" in shop_a["error"]["hint"]
    assert fake.app("wx0000000000000001").domain_calls == 2  # not called

    # The console reset the quota: --ignore-quota calls it anyway, and the skip is forgotten.
    fake.app("wx0000000000000001").daily_limit = 10
    check(run_cli("fetch", "--all", "--ignore-quota"), 0)
    check(run_cli("fetch", "--all"), 0)
    assert fake.app("wx0000000000000001").domain_calls == 4
    cache = json.loads((tmp_path / "home" / ".cache" / "wxdash" / "quota.json").read_text())
    assert cache["exhausted"] == {}


def test_the_demo_remembers_no_quota(run_cli: Run, check: Any, tmp_path: Path) -> None:
    check(run_cli("--demo", "fetch", "--all", "-f", "json"), 1)
    assert not (tmp_path / "home" / ".cache").exists()
