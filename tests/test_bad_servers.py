"""The bad-server matrix through the command line: `wxdash fetch --all -v --log FILE` over a bad
mini program between two good ones (see tests/badservers.py for the cases)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from badservers import BAD, CASES, GOOD, Case, first_domain, serve_matrix
from conftest import MARKER, Run, Writer, assert_no_marker, profile

from wxdash.fakeserver import FakeWeChat


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_server_is_one_clear_error_and_touches_no_other_profile(
    fake: FakeWeChat,
    write_config: Writer,
    config_path: Path,
    run_cli: Run,
    tmp_path: Path,
    case: Case,
) -> None:
    write_config(serve_matrix(fake, case))
    log = tmp_path / "support.log"
    result = run_cli("fetch", "--all", "-v", "--log", str(log))

    assert result.returncode == (1 if case.error else 0), result.stderr
    out, err = result.stdout, result.stderr
    assert "Traceback" not in out + err
    # The good profiles: fetched, with their own data, whatever the bad one did.
    for name in GOOD:
        assert f"{name}  wx" in out
        assert first_domain(name) in out
    sections = out.split("\n\n")
    assert len(sections) == 3
    bad = sections[1]
    assert bad.startswith(f"{BAD}  wx")
    if case.error:
        assert f"{BAD}  wx0000000000000002  failed: " in bad
        assert case.message in bad
        assert f"wxdash: {BAD}: " in err and case.message in err
        assert f"  hint: {case.hint}" in err or case.hint in err
    else:
        for needle in case.shows:
            assert needle in out, needle
    # Support can follow the run in the log: hosts, timings, and never a token.
    text = log.read_text(encoding="utf-8")
    for raw in case.hidden:  # not on the terminal, and not in a log read in one
        assert raw not in out + err + text
    assert "\x00" not in out + err  # no junk echoed raw
    assert "POST http://127.0.0.1:" in text
    assert_no_marker(out, err, folders=(tmp_path,), allowed=(config_path,))


def test_item01_fetch_against_a_server_dripping_its_body_ends_at_retry_time(
    fake: FakeWeChat, write_config: Writer, run_cli: Run
) -> None:
    """A byte every 2 s, each well within read_timeout: only retry_time ends the fetch. The
    bound is generous (a Python start on a busy machine); the deadline itself is 2 s."""
    app = fake.add_app("wx0000000000000001", token=MARKER, scenario="drip:2")
    network = {"retry_time": 2, "read_timeout": 10, "retries": 3}
    drip = profile("Drip", app.appid, access_token=MARKER, api_base=fake.url)
    write_config({"network": network, "profiles": [drip]})
    started = time.monotonic()
    result = run_cli("fetch", "-p", "Drip", timeout=40)
    took = time.monotonic() - started
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "did not answer within retry_time (2 seconds)" in result.stdout + result.stderr
    assert "raise retry_time in the [network] table" in result.stderr
    assert took < 2 + 6, took
    assert_no_marker(result.stdout, result.stderr)
