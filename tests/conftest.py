"""Shared fixtures: the fake WeChat server on loopback, config files, and the CLI in a subprocess.

Every test runs with its own config and cache folders (never the user's), English messages,
and no proxy. MARKER is the token tests give the fake server; `assert_no_marker` searches
outputs and files for it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import textual.constants
import tomli_w

from wxdash.fakeserver import FakeWeChat
from wxdash.i18n import set_language
from wxdash.wechat.client import NetworkSettings

# Where the environment says PYTHONDONTWRITEBYTECODE (this project's CI machines do), every
# `wxdash` a test starts would compile each module it imports again: an installed wxdash runs
# from bytecode, and so do the tests.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

# Tests look at where things end up, not at them moving: with animations on, every key press
# that moves a tab's underline waits the animation out (0.4 s), most of the suite's time. The
# snapshot plugin imports Textual before this file, so its constant is set as well as the
# variable (which the apps started in a subprocess read).
os.environ["TEXTUAL_ANIMATIONS"] = "none"
textual.constants.TEXTUAL_ANIMATIONS = "none"  # type: ignore[misc]

# A token no real output could contain by accident: tests search everything for it.
MARKER = "MARKER-TOKEN-5f3a9c1e7b2d4086"
APPID = "wx0123456789abcdef"
# What the CLI tests' configs say under [network]: one attempt, short timeouts, so that a failing
# scenario fails at once instead of backing off.
FAST = {"retries": 1, "read_timeout": 5.0, "connect_timeout": 5.0}
Run = Callable[..., subprocess.CompletedProcess[str]]
Writer = Callable[[dict[str, Any] | str], Path]
# (kind, group, protocol, domain) of the warnings fakeserver.wrong_types_domains() must give.
WRONG_TYPES_WARNINGS = {
    ("wrong_type", "effective_domain", "requestdomain", "42"),
    ("wrong_type", "effective_domain", "requestdomain", "null"),
    ("wrong_type", "effective_domain", "requestdomain", '{"host": "x"}'),
    ("not_a_list", "effective_domain", "wsrequestdomain", "wss://single.example.com"),
    ("bad_list", "effective_domain", "downloaddomain", None),
    ("bad_group", "mp_domain", None, None),
    ("wrong_type", "direct_domain", "requestdomain", "true"),
}


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))  # the change ledger
    for name in (
        "WXDASH_CONFIG",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "LANGUAGE",
        "LC_MESSAGES",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("LANG", "C.UTF-8")
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def fake() -> Iterator[FakeWeChat]:
    """A fresh fake WeChat server, with no apps yet."""
    with FakeWeChat() as server:
        yield server


@pytest.fixture
def check(tmp_path: Path, config_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Assert a command's exit code, that no traceback reached the user, and that the marker
    token is nowhere but in the config file and its backup (when `literal`: the user put it
    there) and the `allowed` files."""

    def verify(
        result: subprocess.CompletedProcess[str], code: int, *allowed: Path, literal: bool = True
    ) -> subprocess.CompletedProcess[str]:
        assert result.returncode == code, (
            f"exit {result.returncode}, wanted {code}\n"
            f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
        )
        assert "Traceback" not in result.stderr
        assert "Traceback" not in result.stdout
        config = (config_path, config_path.with_name("config.toml.bak")) if literal else ()
        assert_no_marker(
            result.stdout, result.stderr, folders=(tmp_path,), allowed=(*config, *allowed)
        )
        return result

    return verify


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return tmp_path / "home" / ".config" / "wxdash" / "config.toml"


@pytest.fixture
def write_config(config_path: Path) -> Writer:
    """Write a config (a dict for tomli-w, or raw TOML text) where wxdash looks for it, 0600."""

    def write(content: dict[str, Any] | str) -> Path:
        config_path.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else tomli_w.dumps(content)
        config_path.write_text(text, encoding="utf-8")
        config_path.chmod(0o600)  # as wxdash saves it: a literal token is warned of otherwise
        return config_path

    return write


@pytest.fixture
def run_cli(tmp_path: Path) -> Run:
    """Run `python -m wxdash ARGS` in a subprocess with the test's environment."""

    def run(
        *args: str, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "wxdash", *args],
            input=input,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
            cwd=tmp_path,
        )

    return run


def assert_no_marker(
    *texts: str, folders: tuple[Path, ...] = (), allowed: tuple[Path, ...] = ()
) -> None:
    """Fail if the marker token is in any text, or in any file under `folders` other than
    the `allowed` ones (the config file the user asked to hold a literal token, and its .bak)."""
    for text in texts:
        assert MARKER not in text, f"token leaked into output: ...{text[:200]}..."
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and path not in allowed:
                assert MARKER.encode() not in path.read_bytes(), f"token leaked into {path}"


def profile(name: str, appid: str = APPID, **keys: Any) -> dict[str, Any]:
    """A [[profiles]] table; give the token source and api_base as keys."""
    return {"name": name, "appid": appid, **keys}


def serve(fake: FakeWeChat, name: str, index: int, **app: Any) -> dict[str, Any]:
    """A profile for app number `index` of the fake server, its token marked."""
    appid = f"wx{index:016x}"
    token = fake.add_app(appid, token=f"{MARKER}-{index}", **app).token
    return profile(name, appid, access_token=token, api_base=fake.url)


def screen_text(app: Any) -> str:
    """Everything the app's screen shows right now, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def fast(**overrides: Any) -> NetworkSettings:
    """Settings that keep a test quick: tiny backoff, short timeouts."""
    values: dict[str, Any] = {
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "max_attempts": 3,
        "retry_time": 10.0,
        "backoff": 0.01,
        "rate_limit_backoff": 0.02,
    }
    values.update(overrides)
    return NetworkSettings(**values)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` starts two workers per CPU: a dashboard test spends about half its time waiting
    for frames and sockets. Measured on 2 CPUs: 20% faster than one worker per CPU; three or
    four per CPU, no faster."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 2 * (cpus or 1)
