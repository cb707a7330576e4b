"""Issue 14's leaks to the terminal and the log, through the command line: a failed
token_command ends quietly (item 14), `-v` and `--log` escape what a server sends (item 8),
the log file is private and never written through a link (item 8), and a token too short to be
registered as a secret still never shows (item 15)."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import APPID, profile

from wxdash.fakeserver import HOSTILE_ERRMSG, FakeWeChat
from wxdash.wechat.redact import MASK, redact

Run = Callable[..., subprocess.CompletedProcess[str]]
Writer = Callable[[dict[str, Any] | str], Path]
FAST = {"retries": 1, "read_timeout": 5.0, "connect_timeout": 5.0}
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


@pytest.fixture
def leftovers(tmp_path: Path) -> Iterator[Path]:
    """A file a command writes its detached child's pid to; that child is killed after."""
    pid_file = tmp_path / "child.pid"
    yield pid_file
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)


# -- item 14 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "script",
    ["echo 'vault is sealed' >&2; exit 1", "setsid sleep 20 & echo $! > {pid}; exit 1"],
    ids=["fails", "fails-leaving-a-detached-child"],
)
def test_item14_failed_token_command_leaves_no_event_loop_noise_at_exit(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, leftovers: Path, script: str
) -> None:
    good = fake.add_app("wx00000000000000aa")
    write_config(
        {
            "network": {**FAST, "token_command_timeout": 1.0},
            "profiles": [
                profile("Good", "wx00000000000000aa", access_token=good.token, api_base=fake.url),
                profile(
                    "Bad",
                    token_command=script.format(pid=shlex.quote(str(leftovers))),
                    api_base=fake.url,
                ),
            ],
        }
    )
    result = run_cli("fetch", "--all")
    assert result.returncode == 1
    assert "Bad  wx0123456789abcdef  failed: token_command exited with status 1" in result.stdout
    assert "wxdash: Bad: token_command exited with status 1" in result.stderr
    for noise in ("Event loop is closed", "Exception ignored", "Traceback", "ResourceWarning"):
        assert noise not in result.stderr


# -- item 8 --------------------------------------------------------------------------------


def test_item08_verbose_and_log_escape_control_sequences_from_errmsg_and_reason(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, tmp_path: Path
) -> None:
    app = fake.add_app(APPID, scenario="escapes")
    write_config({"network": FAST, "profiles": [profile("Shop", access_token=app.token,
                                                        api_base=fake.url)]})  # fmt: skip
    log = tmp_path / "support.log"
    result = run_cli("fetch", "-v", "--log", str(log))
    assert result.returncode == 1
    text = log.read_text(encoding="utf-8")
    for stream in (result.stdout, result.stderr, text):
        for raw in RAW_CONTROLS:
            assert raw not in stream, (raw, stream)
    # What the server said is still there for support to read, escaped.
    shown = "api unauthorized \\x1b]52;c;cHduZWQ=\\x07\\x1b[2J\\x9b31m\\u202eevil"
    assert HOSTILE_ERRMSG.startswith("api unauthorized")
    assert shown in text and shown in result.stderr
    assert '"HTTP/1.1 200 OK \\x1b]52;c;cHduZWQ=\\x07\\x1b[2J\\x9b2J"' in text


def test_item08_log_file_is_created_private(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, tmp_path: Path
) -> None:
    app = fake.add_app(APPID)
    write_config({"network": FAST, "profiles": [profile("Shop", access_token=app.token,
                                                        api_base=fake.url)]})  # fmt: skip
    log = tmp_path / "support.log"
    old = os.umask(0o022)  # the usual one, under which a plain open() makes it 0644
    try:
        result = run_cli("fetch", "--log", str(log))
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "POST http://127.0.0.1:" in log.read_text(encoding="utf-8")


def test_item08_log_file_planted_as_a_symlink_is_refused_with_a_hint(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, tmp_path: Path
) -> None:
    app = fake.add_app(APPID)
    write_config({"network": FAST, "profiles": [profile("Shop", access_token=app.token,
                                                        api_base=fake.url)]})  # fmt: skip
    target = tmp_path / "victim"
    target.write_text("precious\n")
    log = tmp_path / "support.log"
    log.symlink_to(target)
    result = run_cli("fetch", "--log", str(log))
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"wxdash: The log file {log} is a symbolic link" in result.stderr
    assert "hint: " in result.stderr
    assert "Traceback" not in result.stderr
    assert target.read_text() == "precious\n"
    assert app.domain_calls == 0


# -- item 15 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("POST https://api.weixin.qq.com/wxa/x?access_token=tok7", f"?access_token={MASK}"),
        ("/wxa/x?access_token=tok7&other=1", f"?access_token={MASK}&other=1"),
        ("ACCESS_TOKEN=t7 in a line", f"ACCESS_TOKEN={MASK} in a line"),
        ('"url": "https://h/x?access_token=tok7"', f'access_token={MASK}"'),
        ("secret=s7 appsecret=a7", f"secret={MASK} appsecret={MASK}"),
    ],
)
def test_item15_redact_masks_token_parameters_of_any_length(text: str, masked: str) -> None:
    shown = redact(text)
    assert masked in shown
    for short in ("tok7", "t7", "s7", "a7"):
        assert short not in shown


def test_item15_short_token_never_shows_with_verbose_and_log(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, tmp_path: Path
) -> None:
    # Tokens under 8 characters are never registered as secrets: only the parameter masking
    # in `redact` keeps them out of the URL that -v and --log show.
    fake.add_app("wx00000000000000a1", token="tok7")
    fake.add_app("wx00000000000000a2", token="tok8", scenario="flaky:1")
    fake.add_app("wx00000000000000a3", token="tok9")
    write_config(
        {
            "network": {**FAST, "retries": 2},
            "profiles": [
                profile("A", "wx00000000000000a1", access_token="tok7", api_base=fake.url),
                profile("B", "wx00000000000000a2", access_token="tok8", api_base=fake.url),
                profile("C", "wx00000000000000a3", token_command="echo tok9", api_base=fake.url),
            ],
        }
    )
    log = tmp_path / "support.log"
    result = run_cli("fetch", "--all", "-v", "--log", str(log))
    assert result.returncode == 0, result.stderr
    text = log.read_text(encoding="utf-8")
    assert f"access_token={MASK}" in text  # the URLs are logged, masked
    assert "retrying" in text
    for token in ("tok7", "tok8", "tok9"):
        for stream in (result.stdout, result.stderr, text):
            assert token not in stream
