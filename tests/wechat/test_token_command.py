"""A hostile or broken token_command never hangs a fetch nor grows wxdash's memory (issue 14,
item 4): its output is read with a cap, its time bounded, its process group ended."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import APPID, MARKER, fast

from wxdash.fakeserver import FakeWeChat, sample_domains
from wxdash.fleet import Fleet
from wxdash.profiles import Profile
from wxdash.wechat.client import WeChatClient
from wxdash.wechat.errors import TokenError
from wxdash.wechat.tokens import CommandToken, TokenKind, TokenSpec

# Only stops a broken build from hanging the suite: the commands below end far sooner.
GUARD = 30.0


def command(tmp_path: Path, script: str, timeout: float = 20.0) -> CommandToken:
    # Not `cd X && SCRIPT`: `&` in SCRIPT would take the cd into the background with it.
    return CommandToken(
        f"cd {shlex.quote(str(tmp_path))} || exit 99; {script}",
        appid=APPID,
        profile="Shop A",
        timeout=timeout,
    )


async def token_error(source: CommandToken) -> TokenError:
    with pytest.raises(TokenError) as caught:
        await asyncio.wait_for(source.get(), GUARD)
    return caught.value


@pytest.fixture
def leftovers(tmp_path: Path) -> Iterator[Path]:
    """A file the command writes its background child's pid to; that child is killed after."""
    pid_file = tmp_path / "child.pid"
    yield pid_file
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)


async def test_item04_token_command_printing_forever_is_killed_and_capped(
    tmp_path: Path,
) -> None:
    error = await token_error(command(tmp_path, "yes", timeout=3.0))
    assert error.message == "token_command printed more than 64 KiB on stdout"
    assert "only the access_token" in error.hint


async def test_item04_token_command_flooding_stderr_is_killed_and_capped(tmp_path: Path) -> None:
    error = await token_error(command(tmp_path, f"yes {MARKER} >&2", timeout=3.0))
    assert error.message == "token_command printed more than 64 KiB on stderr"
    assert MARKER not in error.message + error.hint


@pytest.mark.parametrize("start", ["setsid sleep 600", "sleep 600"], ids=["setsid", "background"])
async def test_item04_token_command_background_child_holding_the_pipe_does_not_keep_it_waiting(
    tmp_path: Path, leftovers: Path, start: str
) -> None:
    # The command prints its token and ends; a child it left behind still holds stdout.
    script = f"{start} & echo $! > {leftovers.name}; echo {MARKER}"
    assert await asyncio.wait_for(command(tmp_path, script).get(), GUARD) == MARKER


async def test_item04_token_command_timing_out_with_a_setsid_child_ends_within_its_timeout(
    tmp_path: Path, leftovers: Path
) -> None:
    script = f"setsid sleep 600 & echo $! > {leftovers.name}; sleep 600"
    error = await token_error(command(tmp_path, script, timeout=0.5))
    assert error.message == "token_command did not finish within 0.5 seconds"


@pytest.mark.parametrize(
    "script",
    [
        f"echo {MARKER} >&2; exit 1",
        f"echo token is: {MARKER}; echo 'rejected {MARKER}' >&2; exit 1",
    ],
    ids=["on-stderr", "stdout-echoed-on-stderr"],
)
async def test_item04_token_command_token_printed_on_stderr_is_masked(
    tmp_path: Path, script: str
) -> None:
    error = await token_error(command(tmp_path, script))
    assert error.message.startswith("token_command exited with status 1: ")
    for text in (error.message, error.hint, str(error), repr(error)):
        assert MARKER not in text
    assert "••••" in error.message


async def test_item04_token_command_failing_runs_once_per_profile_fetch(
    tmp_path: Path, fake: FakeWeChat
) -> None:
    runs = tmp_path / "runs"
    script = f"echo run >> {shlex.quote(str(runs))}; echo 'vault is sealed' >&2; exit 1"
    profile = Profile(
        name="Shop A",
        appid=APPID,
        token=TokenSpec(TokenKind.TOKEN_COMMAND, script),
        api_base=fake.url,
    )
    async with WeChatClient(fast()) as client:
        fleet = Fleet(client)
        outcome = await fleet.fetch(profile)
        assert outcome.error is not None and outcome.webview_error is not None
        assert "vault is sealed" in outcome.error.message
        assert outcome.webview_error.message == outcome.error.message
        assert len(runs.read_text().splitlines()) == 1
        # The next fetch asks again: a failure is not remembered beyond the fetch it failed.
        await fleet.fetch(profile)
        assert len(runs.read_text().splitlines()) == 2


async def test_item04_token_command_that_recovers_gives_its_token_on_the_next_fetch(
    tmp_path: Path, fake: FakeWeChat
) -> None:
    app = fake.add_app(APPID)
    file = tmp_path / "token"
    profile = Profile(
        name="Shop A",
        appid=APPID,
        token=TokenSpec(TokenKind.TOKEN_COMMAND, f"cat {shlex.quote(str(file))}"),
        api_base=fake.url,
    )
    async with WeChatClient(fast()) as client:
        fleet = Fleet(client)
        assert not (await fleet.fetch(profile)).ok
        file.write_text(app.token)
        outcome: Any = await fleet.fetch(profile)
    assert outcome.ok, outcome.error
    assert outcome.report.to_json() == sample_domains()
