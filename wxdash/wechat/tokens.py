"""Where a profile's access_token comes from: a literal, an environment variable, a command, or
an appsecret exchanged at `/cgi-bin/stable_token`.

Sources that can refresh (command, appsecret) cache their token and refresh it only when WeChat
rejects it; concurrent callers that share a source share one refresh. Every token obtained is
registered with `redact`, so no text built afterwards can show it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from wxdash.i18n import N_, _
from wxdash.safetext import visible
from wxdash.wechat.errors import ApiError, TokenError, WxDashError
from wxdash.wechat.redact import mask, redact, register_secret

if TYPE_CHECKING:
    from wxdash.wechat.client import WeChatClient

COMMAND_TIMEOUT = 20.0
# Refresh a stable_token this long before WeChat says it expires.
EXPIRY_MARGIN = 300.0


class TokenKind(StrEnum):
    """The config key that names a profile's token source."""

    ACCESS_TOKEN = "access_token"
    TOKEN_ENV = "token_env"
    TOKEN_COMMAND = "token_command"
    APPSECRET_ENV = "appsecret_env"
    APPSECRET = "appsecret"

    @property
    def refreshable(self) -> bool:
        return self in (TokenKind.TOKEN_COMMAND, TokenKind.APPSECRET_ENV, TokenKind.APPSECRET)

    @property
    def secret(self) -> bool:
        """Whether the config value itself is a secret (and must be masked everywhere)."""
        return self in (TokenKind.ACCESS_TOKEN, TokenKind.APPSECRET)


@dataclass(frozen=True, slots=True)
class TokenSpec:
    """A profile's token source as the config states it. Its repr never shows a secret value."""

    kind: TokenKind
    value: str = field(repr=False)

    def __post_init__(self) -> None:
        if self.kind.secret:
            register_secret(self.value)

    def describe(self) -> str:
        """For the header: `env WX_SHOP_A`, `token ••••3f2a`, `command get-token`."""
        match self.kind:
            case TokenKind.ACCESS_TOKEN:
                return _("token {masked}").format(masked=mask(self.value))
            case TokenKind.TOKEN_ENV:
                return _("env {name}").format(name=visible(self.value))
            case TokenKind.TOKEN_COMMAND:
                return _("command {program}").format(program=visible(_program(self.value)))
            case TokenKind.APPSECRET_ENV:
                return _("appsecret env {name}").format(name=visible(self.value))
            case TokenKind.APPSECRET:
                return _("appsecret {masked}").format(masked=mask(self.value))


def _program(command: str) -> str:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    return os.path.basename(words[0]) if words else "?"


class TokenSource:
    """Gives the token for one profile. Subclasses that cannot refresh return the same token."""

    refreshable = False

    def __init__(self) -> None:
        # How many times the source produced a token: tests check nobody asks more than needed.
        self.asked = 0

    async def get(self) -> str:
        raise NotImplementedError

    async def refresh(self, rejected: str) -> str:
        return await self.get()


class LiteralToken(TokenSource):
    def __init__(self, token: str) -> None:
        super().__init__()
        register_secret(token)
        self._token = token

    async def get(self) -> str:
        self.asked += 1
        return self._token


class EnvToken(TokenSource):
    def __init__(self, variable: str, environ: dict[str, str] | None = None) -> None:
        super().__init__()
        self.variable = variable
        self._environ = os.environ if environ is None else environ

    async def get(self) -> str:
        self.asked += 1
        token = self._environ.get(self.variable, "").strip()
        if not token:
            raise TokenError(
                N_("The environment variable {name} is not set or empty"),
                hint=N_("Export {name} with the access_token, or change token_env."),
                name=visible(self.variable),
            )
        register_secret(token)
        return token


class _CachedToken(TokenSource):
    """A refreshable source: one token at a time, one refresh for all concurrent callers."""

    refreshable = True

    def __init__(self) -> None:
        super().__init__()
        self._token: str | None = None
        self._lock = asyncio.Lock()

    def _valid(self) -> bool:
        return self._token is not None

    async def get(self) -> str:
        async with self._lock:
            if not self._valid():
                self._token = await self._obtain(force=False)
            assert self._token is not None
            return self._token

    async def refresh(self, rejected: str) -> str:
        async with self._lock:
            if self._token is not None and self._token != rejected:
                return self._token  # another caller refreshed it while we waited
            self._token = await self._obtain(force=True)
            return self._token

    async def _obtain(self, *, force: bool) -> str:
        raise NotImplementedError


class CommandToken(_CachedToken):
    """Runs `sh -c COMMAND` with WXDASH_APPID and WXDASH_PROFILE set; stdout is the token."""

    def __init__(
        self, command: str, *, appid: str, profile: str, timeout: float = COMMAND_TIMEOUT
    ) -> None:
        super().__init__()
        self.command = command
        self.appid = appid
        self.profile = profile
        self.timeout = timeout

    async def _obtain(self, *, force: bool) -> str:
        self.asked += 1
        env = {**os.environ, "WXDASH_APPID": self.appid, "WXDASH_PROFILE": self.profile}
        try:
            process = await asyncio.create_subprocess_exec(
                "sh",
                "-c",
                self.command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            raise TokenError(
                N_("token_command could not start: {reason}"), reason=redact(str(exc))
            ) from None
        try:
            out, err = await asyncio.wait_for(process.communicate(), self.timeout)
        except asyncio.CancelledError:
            _kill_group(process.pid)
            raise
        except TimeoutError:
            _kill_group(process.pid)
            await process.wait()
            raise TokenError(
                N_("token_command did not finish within {seconds:g} seconds"),
                hint=N_("Check that the command runs on its own and does not wait for input."),
                seconds=self.timeout,
            ) from None
        if process.returncode != 0:
            stderr = visible(redact(err.decode("utf-8", "replace").strip()))[-300:]
            raise TokenError(
                N_("token_command exited with status {status}: {stderr}"),
                hint=N_("Run the command by hand with WXDASH_APPID={appid} set to see why."),
                status=process.returncode,
                stderr=stderr or _("(nothing on stderr)"),
                appid=self.appid,
            )
        token = out.decode("utf-8", "replace").strip()
        if not token:
            raise TokenError(
                N_("token_command printed nothing on stdout"),
                hint=N_("The command must print the access_token and nothing else."),
            )
        register_secret(token)
        return token


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class StableToken(_CachedToken):
    """Exchanges appid + appsecret at `/cgi-bin/stable_token`, cached until shortly before expiry.

    Normal mode does not invalidate tokens held elsewhere; `force_refresh` (20 a day) is used
    only when WeChat rejected the token normal mode keeps returning.
    """

    def __init__(
        self,
        appid: str,
        secret: Callable[[], str],
        client: WeChatClient,
        api_base: str | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.appid = appid
        self._secret = secret
        self._client = client
        self._api_base = api_base
        self._clock = clock
        self._expires_at = 0.0

    def _valid(self) -> bool:
        return self._token is not None and self._clock() < self._expires_at

    async def refresh(self, rejected: str) -> str:
        async with self._lock:
            if self._token is not None and self._token != rejected:
                return self._token
            token = await self._obtain(force=False)
            if token == rejected:
                token = await self._obtain(force=True)
            self._token = token
            return token

    async def _obtain(self, *, force: bool) -> str:
        from wxdash.wechat.client import STABLE_TOKEN_PATH

        self.asked += 1
        secret = self._secret()
        register_secret(secret)
        payload = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": secret,
            "force_refresh": force,
        }
        try:
            # force_refresh invalidates the token everywhere and counts against 20 a day: it
            # is sent at most once per refresh, never again on a lost answer or errcode -1.
            data = await self._client.post_json(
                self._api_base, STABLE_TOKEN_PATH, payload, idempotent=not force
            )
        except ApiError as error:
            raise TokenError(
                N_("stable_token refused the appid and appsecret: {message}"),
                hint=_STABLE_HINTS.get(error.errcode, ""),
                cause=error,
                message=error.message,
            ) from None
        except WxDashError as error:
            raise TokenError(
                N_("Could not get a token from stable_token: {message}"),
                cause=error,
                message=error.message,
            ) from None
        token = data.get("access_token")
        expires_in = data.get("expires_in", 7200)
        if not isinstance(token, str) or not token:
            raise TokenError(N_("stable_token answered without an access_token"))
        if not isinstance(expires_in, int | float) or isinstance(expires_in, bool):
            expires_in = 7200
        register_secret(token)
        self._expires_at = self._clock() + max(expires_in - EXPIRY_MARGIN, expires_in / 2)
        return token


_STABLE_HINTS = {
    40001: N_("The appsecret is wrong or was reset: copy it again from the console."),
    40125: N_("The appsecret is wrong or was reset: copy it again from the console."),
    40013: N_("The appid is not valid: check the profile's appid."),
}


def make_source(
    spec: TokenSpec,
    *,
    appid: str,
    profile: str,
    client: WeChatClient,
    api_base: str | None,
    command_timeout: float = COMMAND_TIMEOUT,
) -> TokenSource:
    """The live token source for a profile's spec."""
    match spec.kind:
        case TokenKind.ACCESS_TOKEN:
            return LiteralToken(spec.value)
        case TokenKind.TOKEN_ENV:
            return EnvToken(spec.value)
        case TokenKind.TOKEN_COMMAND:
            return CommandToken(spec.value, appid=appid, profile=profile, timeout=command_timeout)
        case TokenKind.APPSECRET_ENV:
            return StableToken(appid, _env_secret(spec.value), client, api_base)
        case TokenKind.APPSECRET:
            return StableToken(appid, lambda: spec.value, client, api_base)


def _env_secret(variable: str) -> Callable[[], str]:
    def read() -> str:
        secret = os.environ.get(variable, "").strip()
        if not secret:
            raise TokenError(
                N_("The environment variable {name} is not set or empty"),
                hint=N_("Export {name} with the appsecret, or change appsecret_env."),
                name=visible(variable),
            )
        return secret

    return read
