"""What a config file holds once read: profiles, network settings, and the problems found."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from wxdash.i18n import N_, _
from wxdash.safetext import quoted
from wxdash.wechat.client import NetworkSettings
from wxdash.wechat.errors import WxDashError
from wxdash.wechat.tokens import TokenKind, TokenSpec

DEFAULT_CONCURRENCY = 16

PROFILE_KEYS = ("name", "appid", *(k.value for k in TokenKind), "api_base")
TOKEN_KEYS = tuple(k.value for k in TokenKind)
# A [platform] table: the third-party platform's own token source (component_access_token).
PLATFORM_KEYS = (*TOKEN_KEYS, "api_base")


class ConfigError(WxDashError):
    """The config file cannot be used: unreadable, not TOML, or a save that could not be done."""

    kind = "config"

    def __init__(self, template: str, /, *, hint: str = "", **params: Any) -> None:
        self._hint = hint
        super().__init__(template, **params)

    @property
    def hint(self) -> str:
        return _(self._hint).format(**self.params) if self._hint else ""


@dataclass(frozen=True, slots=True)
class Profile:
    """One mini program: its name, appid, token source and (optionally) its own API host."""

    name: str
    appid: str
    token: TokenSpec
    api_base: str | None = None
    # What comes from [defaults] ("token", "api_base"): saved profiles go on inheriting it.
    inherited: frozenset[str] = field(default=frozenset(), compare=False)

    def to_table(self) -> dict[str, str]:
        """The profile's own keys, as its [[profiles]] table holds them."""
        table = {"name": self.name, "appid": self.appid}
        if "token" not in self.inherited:
            table[self.token.kind.value] = self.token.value
        if self.api_base and "api_base" not in self.inherited:
            table["api_base"] = self.api_base
        return table


@dataclass(frozen=True, slots=True)
class Platform:
    """The third-party platform itself ([platform]): where its component_access_token comes
    from, and (optionally) its own API host."""

    token: TokenSpec
    api_base: str | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the config file, located as precisely as possible."""

    severity: Literal["error", "warning"]
    where: str
    message: str
    field: str | None = None  # the profile field it is about, for forms

    def __str__(self) -> str:
        label = _("error") if self.severity == "error" else _("warning")
        return f"{self.where}: {label}: {self.message}"


@dataclass(frozen=True, slots=True)
class Config:
    """What the config file says, with every problem found while reading it."""

    path: Path
    profiles: tuple[Profile, ...] = ()
    network: NetworkSettings = field(default_factory=NetworkSettings)
    concurrency: int = DEFAULT_CONCURRENCY
    token_command_timeout: float = 20.0
    lang: str | None = None
    theme: str | None = None
    defaults: dict[str, str] = field(default_factory=dict)  # [defaults]' token and api_base
    platform: Platform | None = None  # [platform], for `platform domains` and --via third
    problems: tuple[Problem, ...] = ()
    exists: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def find(self, name: str) -> Profile:
        """The profile called `name` (exactly, else case-insensitively); ConfigError if none."""
        for profile in self.profiles:
            if profile.name == name:
                return profile
        folded = [p for p in self.profiles if p.name.casefold() == name.casefold()]
        if len(folded) == 1:
            return folded[0]
        close = difflib.get_close_matches(name, [p.name for p in self.profiles], n=3)
        raise ConfigError(
            N_("No profile is called {name} in {path}"),
            hint=N_("Did you mean: {close}?")
            if close
            else N_("List them with: wxdash profile list"),
            name=quoted(name),
            path=str(self.path),
            close=", ".join(close),
        )
