"""Every token source, the refresh-once rule through the client, and fetching a fleet."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import APPID, MARKER, fast

from wxdash.fakeserver import FakeWeChat, sample_domains
from wxdash.fleet import Fleet, UnexpectedError
from wxdash.profiles import Profile
from wxdash.wechat.client import EFFECTIVE_DOMAIN_PATH, WeChatClient
from wxdash.wechat.errors import ApiError, NetworkError, TokenError
from wxdash.wechat.redact import redact
from wxdash.wechat.tokens import (
    EXPIRY_MARGIN,
    CommandToken,
    EnvToken,
    LiteralToken,
    StableToken,
    TokenKind,
    TokenSource,
    TokenSpec,
    make_source,
)

SECRET = "appsecret-9d8c7b6a5f4e3d2c1b0a"
PATH = EFFECTIVE_DOMAIN_PATH


@pytest.fixture
async def client() -> AsyncIterator[WeChatClient]:
    async with WeChatClient(fast()) as shared:
        yield shared


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def command(tmp_path: Path, script: str, **kwargs: Any) -> CommandToken:
    """A CommandToken running `script`, from a folder the test owns."""
    kwargs.setdefault("appid", APPID)
    kwargs.setdefault("profile", "Shop A")
    kwargs.setdefault("timeout", 10.0)
    return CommandToken(f"cd {shlex.quote(str(tmp_path))} && {script}", **kwargs)


def reading(path: Path, **kwargs: Any) -> CommandToken:
    """A command that prints whatever token the test last wrote to `path`, counting its runs."""
    runs = path.with_suffix(".runs")
    script = f"echo run >> {shlex.quote(str(runs))}; cat {shlex.quote(str(path))}"
    return command(path.parent, script, **kwargs)


def runs_of(path: Path) -> int:
    runs = path.with_suffix(".runs")
    return len(runs.read_text().splitlines()) if runs.exists() else 0


async def token_error(call: Any) -> TokenError:
    with pytest.raises(TokenError) as caught:
        await call
    return caught.value


# -- literal and environment ----------------------------------------------------------------


async def test_literal_token_is_given_as_is_and_cannot_refresh() -> None:
    source = LiteralToken(MARKER)
    assert await source.get() == MARKER
    assert source.refreshable is False
    assert await source.refresh(MARKER) == MARKER
    assert source.asked == 2


async def test_env_token_reads_the_variable_stripped() -> None:
    source = EnvToken("WX_TOKEN_SHOP_A", environ={"WX_TOKEN_SHOP_A": f"  {MARKER}\n"})
    assert await source.get() == MARKER
    assert source.refreshable is False


async def test_env_token_reads_the_process_environment_at_call_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = EnvToken("WX_TOKEN_SHOP_A")
    monkeypatch.setenv("WX_TOKEN_SHOP_A", "token-one-abcdefgh")
    assert await source.get() == "token-one-abcdefgh"
    monkeypatch.setenv("WX_TOKEN_SHOP_A", "token-two-abcdefgh")
    assert await source.get() == "token-two-abcdefgh"


@pytest.mark.parametrize("environ", [{}, {"WX_TOKEN_SHOP_A": ""}, {"WX_TOKEN_SHOP_A": "  \n"}])
async def test_env_token_missing_or_empty_names_the_variable(environ: dict[str, str]) -> None:
    error = await token_error(EnvToken("WX_TOKEN_SHOP_A", environ=environ).get())
    assert error.message == "The environment variable WX_TOKEN_SHOP_A is not set or empty"
    assert "WX_TOKEN_SHOP_A" in error.hint
    assert "token_env" in error.hint
    assert error.kind == "token"
    assert error.errcode is None


async def test_env_token_variable_name_with_control_characters_is_shown_escaped() -> None:
    error = await token_error(EnvToken("BAD\x1b[2JNAME", environ={}).get())
    assert "\x1b" not in error.message
    assert "\x1b" not in error.hint
    assert "BAD\\x1b[2JNAME" in error.message


# -- command -----------------------------------------------------------------------------


async def test_command_stdout_stripped_is_the_token(tmp_path: Path) -> None:
    source = command(tmp_path, f"printf '  \\n{MARKER}  \\n\\n'")
    assert await source.get() == MARKER
    assert source.refreshable is True


async def test_command_sees_the_appid_and_profile(tmp_path: Path) -> None:
    source = command(
        tmp_path,
        'echo "tok-$WXDASH_APPID-$WXDASH_PROFILE"',
        appid="wx00000000000000aa",
        profile="Shop B 商店",
    )
    assert await source.get() == "tok-wx00000000000000aa-Shop B 商店"


async def test_command_inherits_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_TOKEN_FOR_TEST", "vault-token-123456")
    source = command(tmp_path, 'echo "$VAULT_TOKEN_FOR_TEST"')
    assert await source.get() == "vault-token-123456"


async def test_command_failure_shows_its_status_and_stderr(tmp_path: Path) -> None:
    source = command(tmp_path, "echo 'vault: permission denied' >&2; exit 3")
    error = await token_error(source.get())
    assert error.message == "token_command exited with status 3: vault: permission denied"
    assert f"WXDASH_APPID={APPID}" in error.hint


async def test_command_failure_without_stderr_says_so(tmp_path: Path) -> None:
    error = await token_error(command(tmp_path, "exit 1").get())
    assert "status 1" in error.message
    assert "(nothing on stderr)" in error.message


async def test_command_not_found_says_so(tmp_path: Path) -> None:
    error = await token_error(command(tmp_path, "wxdash-no-such-program-xyz").get())
    assert "status 127" in error.message
    assert "not found" in error.message


async def test_command_stderr_is_cut_to_its_end_and_escaped(tmp_path: Path) -> None:
    script = "i=0; while [ $i -lt 200 ]; do printf 'noise ' >&2; i=$((i+1)); done; "
    script += "printf '\\033[2J the real reason' >&2; exit 2"
    error = await token_error(command(tmp_path, script).get())
    assert error.message.endswith("\\x1b[2J the real reason")
    assert "\x1b" not in error.message
    assert len(error.message) < 400


@pytest.mark.parametrize("script", ["true", "echo", "printf '  \\n\\t\\n'"])
async def test_command_with_empty_stdout_is_an_error(tmp_path: Path, script: str) -> None:
    error = await token_error(command(tmp_path, script).get())
    assert error.message == "token_command printed nothing on stdout"
    assert "print the access_token" in error.hint


async def test_command_that_hangs_is_killed_after_its_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = f"sleep 600 & echo $! > {shlex.quote(str(pid_file))}; wait"
    source = command(tmp_path, script, timeout=0.3)
    try:
        # The guard only stops a broken build from hanging the suite for ten minutes.
        error = await token_error(asyncio.wait_for(source.get(), 30))
        assert error.message == "token_command did not finish within 0.3 seconds"
        assert "does not wait for input" in error.hint

        # The command's own children are killed too, not left running.
        child = int(pid_file.read_text())
        for _ in range(100):
            if not _running(child):
                break
            await asyncio.sleep(0.05)
        assert not _running(child)
    finally:
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def test_command_waiting_for_input_gets_end_of_file(tmp_path: Path) -> None:
    source = command(tmp_path, 'read line; echo "token-after-read-$line"', timeout=5.0)
    assert await source.get() == "token-after-read-"


async def test_command_token_is_cached_for_many_calls(tmp_path: Path) -> None:
    file = tmp_path / "token"
    file.write_text(MARKER)
    source = reading(file)
    tokens = [await source.get() for _ in range(10)]
    tokens += await asyncio.gather(*(source.get() for _ in range(20)))
    assert tokens == [MARKER] * 30
    assert source.asked == 1
    assert runs_of(file) == 1


async def test_command_refresh_runs_the_command_again(tmp_path: Path) -> None:
    file = tmp_path / "token"
    file.write_text("token-one-abcdefgh")
    source = reading(file)
    assert await source.get() == "token-one-abcdefgh"
    file.write_text("token-two-abcdefgh")
    assert await source.refresh("token-one-abcdefgh") == "token-two-abcdefgh"
    assert await source.get() == "token-two-abcdefgh"
    assert source.asked == 2


async def test_command_refresh_for_an_already_replaced_token_does_not_run_again(
    tmp_path: Path,
) -> None:
    file = tmp_path / "token"
    file.write_text("token-one-abcdefgh")
    source = reading(file)
    await source.get()
    file.write_text("token-two-abcdefgh")
    await source.refresh("token-one-abcdefgh")
    # A late caller still holding the first token gets the new one without another run.
    assert await source.refresh("token-one-abcdefgh") == "token-two-abcdefgh"
    assert source.asked == 2


async def test_command_failure_is_not_cached(tmp_path: Path) -> None:
    file = tmp_path / "token"
    source = reading(file)
    await token_error(source.get())
    file.write_text(MARKER)
    assert await source.get() == MARKER
    assert source.asked == 2


async def test_command_stderr_never_shows_a_token(tmp_path: Path) -> None:
    # The command printed a token once; when it later fails it echoes that token on stderr.
    state = tmp_path / "state"
    script = (
        f"if [ -f {shlex.quote(str(state))} ]; then echo 'rejected {MARKER}' >&2; exit 1; fi; "
        f"touch {shlex.quote(str(state))}; echo {MARKER}"
    )
    source = command(tmp_path, script)
    assert await source.get() == MARKER
    error = await token_error(source.refresh(MARKER))
    for text in (error.message, error.hint, str(error), repr(error)):
        assert MARKER not in text
    assert "rejected ••••" in error.message


# -- stable_token ------------------------------------------------------------------------


def stable(
    fake: FakeWeChat, client: WeChatClient, clock: Clock, secret: str = SECRET
) -> StableToken:
    return StableToken(APPID, lambda: secret, client, fake.url, clock=clock)


async def test_stable_token_is_obtained_and_cached_until_shortly_before_expiry(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    app = fake.add_app(APPID, secret=SECRET)
    clock = Clock()
    source = stable(fake, client, clock)

    assert await source.get() == app.token
    assert app.token_calls == 1

    clock.now += 7200 - EXPIRY_MARGIN - 1
    assert await source.get() == app.token
    assert app.token_calls == 1

    clock.now += 2  # now within the margin before expires_in
    assert await source.get() == app.token
    assert app.token_calls == 2
    assert source.asked == 2


async def test_stable_token_sends_the_documented_payload_and_forces_only_when_needed(
    client: WeChatClient,
) -> None:
    sent: list[dict[str, Any]] = []
    answers = iter(["token-aaaa-11111111", "token-aaaa-11111111", "token-bbbb-22222222"])

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST"
        assert request.url.path == "/cgi-bin/stable_token"
        assert "access_token" not in request.url.params
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"access_token": next(answers), "expires_in": 7200})

    async with WeChatClient(fast(), transport=httpx.MockTransport(handler)) as mocked:
        source = StableToken(APPID, lambda: SECRET, mocked, "https://api.example.test")
        first = await source.get()
        # WeChat rejected it, but normal mode returns the same token: then force a new one.
        second = await source.refresh(first)

    assert (first, second) == ("token-aaaa-11111111", "token-bbbb-22222222")
    base = {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}
    assert sent == [
        {**base, "force_refresh": False},
        {**base, "force_refresh": False},
        {**base, "force_refresh": True},
    ]


async def test_stable_token_with_a_short_expires_in_is_still_cached(client: WeChatClient) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200, json={"access_token": "token-short-lived", "expires_in": 200})

    clock = Clock()
    async with WeChatClient(fast(), transport=httpx.MockTransport(handler)) as mocked:
        source = StableToken(APPID, lambda: SECRET, mocked, "https://api.example.test", clock)
        await source.get()
        clock.now += 50
        await source.get()
        assert calls == 1
        clock.now += 60
        await source.get()
        assert calls == 2


async def test_wrong_appsecret_is_a_token_error_about_the_appsecret(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    fake.add_app(APPID, secret=SECRET)
    error = await token_error(stable(fake, client, Clock(), secret="wrong-secret-123456").get())
    assert error.message.startswith("stable_token refused the appid and appsecret: WeChat error")
    assert error.errcode == 40125
    assert isinstance(error.cause, ApiError)
    assert "appsecret" in error.hint
    assert "console" in error.hint
    for text in (error.message, error.hint, str(error), repr(error)):
        assert "wrong-secret-123456" not in text
        assert SECRET not in text


async def test_unknown_appid_is_a_token_error_about_the_appid(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    source = StableToken("wx00000000000000ff", lambda: SECRET, client, fake.url, clock=Clock())
    error = await token_error(source.get())
    assert error.errcode == 40013
    assert "appid" in error.hint


async def test_stable_token_network_failure_is_a_token_error_with_the_cause(
    client: WeChatClient,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    async with WeChatClient(fast(max_attempts=1), transport=httpx.MockTransport(handler)) as down:
        source = StableToken(APPID, lambda: SECRET, down, "https://api.example.test")
        error = await token_error(source.get())
    assert error.message.startswith("Could not get a token from stable_token:")
    assert isinstance(error.cause, NetworkError)
    assert error.hint == error.cause.hint


@pytest.mark.parametrize(
    "answer", [{"expires_in": 7200}, {"access_token": "", "expires_in": 7200}, {"access_token": 5}]
)
async def test_stable_token_answer_without_a_token_is_an_error(answer: dict[str, Any]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    async with WeChatClient(fast(), transport=httpx.MockTransport(handler)) as mocked:
        source = StableToken(APPID, lambda: SECRET, mocked, "https://api.example.test")
        error = await token_error(source.get())
    assert error.message == "stable_token answered without an access_token"
    assert error.hint


async def test_appsecret_env_missing_names_the_variable(client: WeChatClient) -> None:
    spec = TokenSpec(TokenKind.APPSECRET_ENV, "WX_SECRET_SHOP_A")
    source = make_source(spec, appid=APPID, profile="Shop A", client=client, api_base=None)
    error = await token_error(source.get())
    assert "WX_SECRET_SHOP_A" in error.message
    assert "WX_SECRET_SHOP_A" in error.hint
    assert "appsecret_env" in error.hint


async def test_appsecret_env_is_read_and_exchanged(
    fake: FakeWeChat, client: WeChatClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = fake.add_app(APPID, secret=SECRET)
    monkeypatch.setenv("WX_SECRET_SHOP_A", SECRET)
    spec = TokenSpec(TokenKind.APPSECRET_ENV, "WX_SECRET_SHOP_A")
    source = make_source(spec, appid=APPID, profile="Shop A", client=client, api_base=fake.url)
    report = await client.get_effective_domain(fake.url, source)
    assert report.to_json() == sample_domains()
    assert app.token_calls == 1


# -- specs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "cls", "shown"),
    [
        (TokenKind.ACCESS_TOKEN, MARKER, LiteralToken, "token ••••4086"),
        (TokenKind.TOKEN_ENV, "WX_TOKEN", EnvToken, "env WX_TOKEN"),
        (TokenKind.TOKEN_COMMAND, "/usr/bin/get-token --app x", CommandToken, "command get-token"),
        (TokenKind.APPSECRET_ENV, "WX_SECRET", StableToken, "appsecret env WX_SECRET"),
        (TokenKind.APPSECRET, SECRET, StableToken, "appsecret ••••1b0a"),
    ],
)
async def test_each_spec_makes_its_source_and_describes_itself_without_secrets(
    kind: TokenKind, value: str, cls: type[TokenSource], shown: str, client: WeChatClient
) -> None:
    spec = TokenSpec(kind, value)
    source = make_source(spec, appid=APPID, profile="Shop A", client=client, api_base=None)
    assert type(source) is cls
    assert source.refreshable is kind.refreshable
    assert spec.describe() == shown
    assert MARKER not in repr(spec)
    assert SECRET not in repr(spec)


def test_secret_spec_values_are_redacted_from_any_text() -> None:
    TokenSpec(TokenKind.APPSECRET, "another-appsecret-value-42")
    assert redact("secret is another-appsecret-value-42!") == "secret is ••••!"


# -- refresh once, through the client -----------------------------------------------------


async def test_expired_stable_token_is_refreshed_once_and_the_call_retried(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    app = fake.add_app(APPID, secret=SECRET)
    source = stable(fake, client, Clock())
    await client.get_effective_domain(fake.url, source)
    old = app.token

    new = fake.expire_token(APPID)
    report = await client.get_effective_domain(fake.url, source)

    assert report.to_json() == sample_domains()
    assert new != old
    assert await source.get() == new
    assert source.asked == 2
    assert app.token_calls == 2
    assert fake.requests[PATH] == 3  # ok, 42001, ok


async def test_command_token_is_refreshed_when_it_expires_mid_run(
    fake: FakeWeChat, client: WeChatClient, tmp_path: Path
) -> None:
    app = fake.add_app(APPID)
    file = tmp_path / "token"
    file.write_text(app.token)
    source = reading(file)

    for _ in range(3):
        await client.get_effective_domain(fake.url, source)
    assert runs_of(file) == 1

    file.write_text(fake.expire_token(APPID))
    for _ in range(3):
        report = await client.get_effective_domain(fake.url, source)
        assert report.to_json() == sample_domains()

    assert source.asked == 2
    assert runs_of(file) == 2
    assert fake.requests[PATH] == 7  # 3 ok, one 42001, 3 ok


async def test_command_token_rejected_with_40001_is_replaced(
    fake: FakeWeChat, client: WeChatClient, tmp_path: Path
) -> None:
    app = fake.add_app(APPID, token=MARKER)
    state = tmp_path / "state"
    # The first run prints a stale token (unknown to WeChat: 40001); later runs the right one.
    script = (
        f"if [ -f {shlex.quote(str(state))} ]; then echo {MARKER}; "
        f"else touch {shlex.quote(str(state))}; echo stale-token-12345678; fi"
    )
    source = command(tmp_path, script)
    report = await client.get_effective_domain(fake.url, source)
    assert report.to_json() == sample_domains()
    assert source.asked == 2
    assert fake.requests[PATH] == 2
    assert app.domain_calls == 1


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
async def test_token_rejection_refreshes_a_refreshable_source_once(
    errcode: int, fake: FakeWeChat, client: WeChatClient, tmp_path: Path
) -> None:
    app = fake.add_app(APPID, scenario=f"errcode:{errcode}")
    file = tmp_path / "token"
    file.write_text(app.token)
    source = reading(file)

    with pytest.raises(ApiError) as caught:
        await client.get_effective_domain(fake.url, source)

    assert caught.value.errcode == errcode
    assert source.asked == 2
    assert app.domain_calls == 2


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
async def test_token_rejection_does_not_retry_a_literal_token(
    errcode: int, fake: FakeWeChat, client: WeChatClient
) -> None:
    app = fake.add_app(APPID, token=MARKER, scenario=f"errcode:{errcode}")
    source = LiteralToken(MARKER)
    with pytest.raises(ApiError) as caught:
        await client.get_effective_domain(fake.url, source)
    assert caught.value.errcode == errcode
    assert source.asked == 1
    assert app.domain_calls == 1


async def test_expired_env_token_is_not_retried(
    fake: FakeWeChat, client: WeChatClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = fake.add_app(APPID, token=MARKER)
    fake.expire_token(APPID)
    monkeypatch.setenv("WX_TOKEN_SHOP_A", MARKER)
    with pytest.raises(ApiError) as caught:
        await client.get_effective_domain(fake.url, EnvToken("WX_TOKEN_SHOP_A"))
    assert caught.value.errcode == 42001
    assert "expired" in caught.value.hint
    assert fake.requests[PATH] == 1
    assert app.domain_calls == 0


@pytest.mark.parametrize("errcode", [40013, 40164, 43104, 48001, 61007])
async def test_other_errors_do_not_refresh_the_token(
    errcode: int, fake: FakeWeChat, client: WeChatClient, tmp_path: Path
) -> None:
    app = fake.add_app(APPID, scenario=f"errcode:{errcode}")
    file = tmp_path / "token"
    file.write_text(app.token)
    source = reading(file)
    with pytest.raises(ApiError):
        await client.get_effective_domain(fake.url, source)
    assert source.asked == 1
    assert app.domain_calls == 1


async def test_stable_token_rejected_although_current_forces_a_new_one(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    # WeChat rejects a token that stable_token's normal mode keeps returning: wxdash asks for
    # a forced refresh (which issues a new token) and retries the call once with it.
    app = fake.add_app(APPID, secret=SECRET, scenario="errcode:40001")
    source = stable(fake, client, Clock())
    with pytest.raises(ApiError) as caught:
        await client.get_effective_domain(fake.url, source)
    assert caught.value.errcode == 40001
    assert app.token_calls == 3  # get, refresh (same token), forced refresh
    assert app.domain_calls == 2


async def test_failed_refresh_is_a_token_error(
    fake: FakeWeChat, client: WeChatClient, tmp_path: Path
) -> None:
    app = fake.add_app(APPID)
    file = tmp_path / "token"
    file.write_text(app.token)
    source = reading(file)
    await client.get_effective_domain(fake.url, source)
    fake.expire_token(APPID)
    file.unlink()
    error = await token_error(client.get_effective_domain(fake.url, source))
    assert "token_command exited with status 1" in error.message


async def test_concurrent_calls_after_expiry_share_one_stable_token_refresh(
    fake: FakeWeChat, client: WeChatClient
) -> None:
    app = fake.add_app(APPID, secret=SECRET)
    source = stable(fake, client, Clock())
    await client.get_effective_domain(fake.url, source)
    assert source.asked == 1

    fake.expire_token(APPID)
    reports = await asyncio.gather(
        *(client.get_effective_domain(fake.url, source) for _ in range(20))
    )

    assert [r.to_json() for r in reports] == [sample_domains()] * 20
    assert source.asked == 2
    assert app.token_calls == 2


async def test_concurrent_calls_after_expiry_share_one_command_refresh(
    fake: FakeWeChat, client: WeChatClient, tmp_path: Path
) -> None:
    app = fake.add_app(APPID)
    file = tmp_path / "token"
    file.write_text(app.token)
    source = reading(file)
    await client.get_effective_domain(fake.url, source)

    file.write_text(fake.expire_token(APPID))
    reports = await asyncio.gather(
        *(client.get_effective_domain(fake.url, source) for _ in range(20))
    )

    assert len(reports) == 20
    assert source.asked == 2
    assert runs_of(file) == 2


async def test_concurrent_first_calls_share_one_command_run(
    fake: FakeWeChat, client: WeChatClient, tmp_path: Path
) -> None:
    app = fake.add_app(APPID)
    file = tmp_path / "token"
    file.write_text(app.token)
    source = reading(file)
    await asyncio.gather(*(client.get_effective_domain(fake.url, source) for _ in range(20)))
    assert source.asked == 1
    assert runs_of(file) == 1
    assert app.domain_calls == 20


# -- the fleet ---------------------------------------------------------------------------


class InFlight(httpx.AsyncBaseTransport):
    """The real network transport, noting how many requests were in flight at most."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.now = 0
        self.most = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.now -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


def literal_profile(index: int, api_base: str) -> Profile:
    appid = f"wx{index:016x}"
    return Profile(
        name=f"Shop {index:02d}",
        appid=appid,
        token=TokenSpec(TokenKind.ACCESS_TOKEN, f"token-{index:04d}-abcdefgh"),
        api_base=api_base,
    )


def scenario_for(index: int) -> str:
    if index % 10 == 3:
        return "errcode:48001"
    if index % 10 == 7:
        return "truncated"
    if index == 42:
        return "html502"
    return "ok"


async def test_fleet_fetches_fifty_profiles_in_order_with_bounded_concurrency() -> None:
    with FakeWeChat(latency=0.01) as fake:
        profiles = [literal_profile(i, fake.url) for i in range(50)]
        for i, profile in enumerate(profiles):
            fake.add_app(profile.appid, token=profile.token.value, scenario=scenario_for(i))
        # Reverse the order so that the order of the answers differs from the order given.
        profiles.reverse()

        transport = InFlight()
        async with WeChatClient(fast(max_attempts=2), transport=transport) as client:
            outcomes = await Fleet(client, concurrency=5).fetch_all(profiles)

    assert [o.profile for o in outcomes] == profiles
    # Five profiles at once, each making its two calls (server and webview) side by side.
    assert 1 < transport.most <= 10
    for outcome in outcomes:
        index = int(outcome.profile.name.split()[1])
        expected = scenario_for(index)
        assert outcome.fetched_at.tzinfo is not None
        # The scenarios break only the server-domain call: the webview call is never hidden.
        assert outcome.webview is not None
        assert outcome.webview_error is None
        if expected == "ok":
            assert outcome.ok
            assert outcome.report is not None
            assert outcome.report.to_json() == sample_domains()
        else:
            assert not outcome.ok
            assert outcome.report is None
            assert outcome.error is not None
            assert (
                outcome.error.kind
                == {
                    "errcode:48001": "api",
                    "truncated": "format",
                    "html502": "http",
                }[expected]
            )
            assert outcome.error.hint


async def test_fleet_never_raises_for_a_broken_profile(
    fake: FakeWeChat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add_app(APPID, token=MARKER)
    monkeypatch.delenv("WX_TOKEN_UNSET", raising=False)
    profiles = [
        Profile("Good", APPID, TokenSpec(TokenKind.ACCESS_TOKEN, MARKER), fake.url),
        Profile("No env", APPID, TokenSpec(TokenKind.TOKEN_ENV, "WX_TOKEN_UNSET"), fake.url),
        Profile("Bad command", APPID, TokenSpec(TokenKind.TOKEN_COMMAND, "exit 4"), fake.url),
        Profile("Plain http", APPID, TokenSpec(TokenKind.ACCESS_TOKEN, MARKER), "http://a.b"),
        Profile("Nobody", APPID, TokenSpec(TokenKind.ACCESS_TOKEN, MARKER), "http://127.0.0.1:9"),
    ]
    async with WeChatClient(fast(max_attempts=1)) as client:
        outcomes = await Fleet(client, concurrency=2).fetch_all(profiles)
    assert [o.profile.name for o in outcomes] == [p.name for p in profiles]
    assert [o.ok for o in outcomes] == [True, False, False, False, False]
    assert [o.error.kind for o in outcomes[1:] if o.error] == [
        "token",
        "token",
        "config",
        "network",
    ]


async def test_fleet_turns_an_unexpected_exception_into_a_value(
    fake: FakeWeChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add_app(APPID, token=MARKER)
    profile = Profile("Shop", APPID, TokenSpec(TokenKind.ACCESS_TOKEN, MARKER), fake.url)

    async def broken(*args: Any) -> Any:
        raise RuntimeError(f"boom with {MARKER}")

    async with WeChatClient(fast()) as client:
        monkeypatch.setattr(client, "get_effective_domain", broken)
        [outcome] = await Fleet(client).fetch_all([profile])
    assert isinstance(outcome.error, UnexpectedError)
    assert outcome.error.kind == "internal"
    assert outcome.error.message == "Unexpected RuntimeError: boom with ••••"
    assert "bug" in outcome.error.hint


async def test_fleet_keeps_each_profiles_token_source_between_fetches(
    fake: FakeWeChat, tmp_path: Path
) -> None:
    app = fake.add_app(APPID)
    file = tmp_path / "token"
    file.write_text(app.token)
    script = f"echo run >> {shlex.quote(str(file.with_suffix('.runs')))}; cat {file}"
    profile = Profile("Shop", APPID, TokenSpec(TokenKind.TOKEN_COMMAND, script), fake.url)
    async with WeChatClient(fast()) as client:
        fleet = Fleet(client)
        for _ in range(3):
            [outcome] = await fleet.fetch_all([profile])
            assert outcome.ok
    assert runs_of(file) == 1


async def test_fleet_gives_the_command_the_profiles_name_and_appid(
    fake: FakeWeChat, tmp_path: Path
) -> None:
    # One command serves many profiles: it picks the token by WXDASH_APPID.
    apps = [fake.add_app(f"wx{i:016x}") for i in range(5)]
    for app in apps:
        (tmp_path / app.appid).write_text(app.token)
    script = f'cat {shlex.quote(str(tmp_path))}/"$WXDASH_APPID"'
    profiles = [
        Profile(f"Shop {i}", app.appid, TokenSpec(TokenKind.TOKEN_COMMAND, script), fake.url)
        for i, app in enumerate(apps)
    ]
    async with WeChatClient(fast()) as client:
        outcomes = await Fleet(client, concurrency=3).fetch_all(profiles)
    assert all(o.ok for o in outcomes)
    assert all(app.domain_calls == 1 for app in apps)
