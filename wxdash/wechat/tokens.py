"""Where a profile's access_token comes from: a literal, an environment variable, a command, or
an appsecret exchanged at `/cgi-bin/stable_token`.

Sources that can refresh (command, appsecret) cache their token and refresh it only when WeChat
rejects it; concurrent callers that share a source share one refresh. Every token obtained is
registered with `redact`, so no text built afterwards can show it.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from wxdash.i18n import N_, _
from wxdash.safetext import visible
from wxdash.wechat import command
from wxdash.wechat.errors import ApiError, TokenError, UnsetVariableError, WxDashError
from wxdash.wechat.models import parse_json_body
from wxdash.wechat.redact import MASK, mask, redact, register_secret

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
            raise UnsetVariableError(
                visible(self.variable),
                N_("Export {name} with the access_token, or change token_env."),
            )
        register_secret(token)
        return token


class _CachedToken(TokenSource):
    """A refreshable source: one token at a time, one refresh for all concurrent callers.

    Callers that waited while another's attempt failed get that failure rather than trying
    again: a profile's fetch makes its calls side by side, and a failing command should run
    (or a refused appsecret be sent) once per fetch, not once per call.
    """

    refreshable = True

    def __init__(self) -> None:
        super().__init__()
        self._token: str | None = None
        self._lock = asyncio.Lock()
        self._ended = 0  # attempts that ended, well or not
        self._failure: WxDashError | None = None

    def _valid(self) -> bool:
        return self._token is not None

    async def get(self) -> str:
        seen = self._ended
        async with self._lock:
            if not self._valid():
                self._token = await self._attempt(seen, lambda: self._obtain(force=False))
            assert self._token is not None
            return self._token

    async def refresh(self, rejected: str) -> str:
        seen = self._ended
        async with self._lock:
            if self._token is not None and self._token != rejected:
                return self._token  # another caller refreshed it while we waited
            self._token = await self._attempt(seen, lambda: self._renew(rejected))
            return self._token

    async def _attempt(self, seen: int, obtain: Callable[[], Awaitable[str]]) -> str:
        if self._failure is not None and self._ended != seen:
            raise self._failure  # it failed while this caller waited: no second try
        self._failure = None
        try:
            return await obtain()
        except WxDashError as error:
            self._failure = error
            raise
        finally:
            self._ended += 1

    async def _renew(self, rejected: str) -> str:
        """A new token to replace `rejected`, which WeChat refused."""
        return await self._obtain(force=True)

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
            finished = await command.run(["sh", "-c", self.command], env, self.timeout)
        # TimeoutError is an OSError too: it comes first.
        except TimeoutError:
            raise TokenError(
                N_("token_command did not finish within {seconds:g} seconds"),
                hint=N_("Check that the command runs on its own and does not wait for input."),
                seconds=self.timeout,
            ) from None
        except OSError as exc:
            raise TokenError(
                N_("token_command could not start: {reason}"), reason=redact(str(exc))
            ) from None
        except command.TooMuchOutput as exc:
            raise TokenError(
                N_("token_command printed more than {size} on {stream}"),
                hint=N_(
                    "A token is short: make the command print only the access_token, and "
                    "little on stderr."
                ),
                size="64 KiB",
                stream=exc.stream,
            ) from None
        out = finished.stdout.decode("utf-8", "replace").strip()
        if finished.status != 0:
            raise TokenError(
                N_("token_command exited with status {status}: {stderr}"),
                hint=N_("Run the command by hand with WXDASH_APPID={appid} set to see why."),
                status=finished.status,
                stderr=_stderr_shown(finished.stderr, out) or _("(nothing on stderr)"),
                appid=self.appid,
            )
        if not out:
            raise TokenError(
                N_("token_command printed nothing on stdout"),
                hint=N_("The command must print the access_token and nothing else."),
            )
        register_secret(out)
        return out


# A word as long as this, of the characters tokens are made of, with a digit in it, is taken
# for a token a failing command printed on stderr by mistake.
_TOKEN_LIKE = re.compile(r"(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{24,}")


def _stderr_shown(stderr: bytes, stdout: str) -> str:
    """The end of a failed command's stderr, escaped, without anything that may be a token:
    what it printed on stdout, and token-like words."""
    text = stderr.decode("utf-8", "replace").strip()
    for line in stdout.splitlines():
        if len(line.strip()) >= 4:
            text = text.replace(line.strip(), MASK)
    text = _TOKEN_LIKE.sub(MASK, redact(text))
    return visible(text)[-300:]


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

    async def _renew(self, rejected: str) -> str:
        # Normal mode first: it does not invalidate the token other services hold.
        token = await self._obtain(force=False)
        if token == rejected:
            token = await self._obtain(force=True)
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
            # is sent at most once per refresh, never again on a lost answer or errcode -1
            # (whether WeChat counts a busy answer is not documented).
            data = await self._client.post(
                self._api_base,
                STABLE_TOKEN_PATH,
                parse_json_body,
                payload,
                idempotent=not force,
                resend_busy=False,
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
            raise UnsetVariableError(
                visible(variable), N_("Export {name} with the appsecret, or change appsecret_env.")
            )
        return secret

    return read
