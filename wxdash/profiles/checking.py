"""Checking one profile as the loader does: name, appid, a single token source, its api_base."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from wxdash.i18n import _
from wxdash.profiles.config import (
    PLATFORM_KEYS,
    PROFILE_KEYS,
    TOKEN_KEYS,
    Platform,
    Problem,
    Profile,
)
from wxdash.profiles.location import CONFIG_FILENAME
from wxdash.safetext import quoted, visible
from wxdash.wechat.client import is_loopback
from wxdash.wechat.tokens import TokenKind, TokenSpec

APPID_PATTERN = re.compile(r"wx[0-9a-f]{16}")


class Checker:
    """Collects problems with their location while turning the document into a Config."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def add(
        self,
        severity: Literal["error", "warning"],
        where: str,
        message: str,
        field: str | None = None,
    ) -> None:
        self.problems.append(Problem(severity, where, message, field))

    def where(self, *parts: str) -> str:
        return ", ".join([str(self.path), *parts])

    def errors_since(self, mark: int) -> bool:
        """Whether an error was added after the first `mark` problems."""
        return any(p.severity == "error" for p in self.problems[mark:])


def check_api_base(value: str) -> str | None:
    """Why `value` cannot be an api_base, or None if it can."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("expected a URL like https://api.weixin.qq.com, got {value}").format(
            value=quoted(value)
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        return _("plain http:// is only allowed to this machine; use https://")
    if parts.query or parts.fragment:
        return _("an api_base has no query or fragment")
    return None


def check_appid(value: str) -> str | None:
    """Why `value` does not look like an appid (a warning only), or None."""
    if APPID_PATTERN.fullmatch(value):
        return None
    return _("an appid is wx followed by 16 hex characters, got {value}").format(
        value=quoted(value)
    )


def check_profile(
    table: Mapping[str, Any],
    *,
    taken: set[str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    path: Path = Path(CONFIG_FILENAME),
) -> tuple[Profile | None, list[Problem]]:
    """Check one profile as the loader would (for forms and `profile add`)."""
    checker = Checker(path)
    profile = profile_from_table(checker, None, dict(table), defaults or {}, set(taken or ()))
    return profile, checker.problems


def profile_from_table(
    checker: Checker, index: int | None, table: Any, defaults: Mapping[str, Any], names: set[str]
) -> Profile | None:
    """The profile a `[[profiles]]` table describes, or None if it has an error. `names` holds
    the names earlier profiles took; this one's is added to it."""
    where = _profile_where(index, table)
    if not isinstance(table, dict):
        checker.add("error", checker.where(where), _("expected a table ([[profiles]])"))
        return None
    mark = len(checker.problems)
    values = _name_and_appid(checker, where, table)
    _warn_unknown_keys(checker, where, table)
    token = _token(checker, where, table, defaults)
    api_base = _api_base(checker, where, table, defaults)
    if "appid" in values and (problem := check_appid(values["appid"])):
        checker.add("warning", checker.where(where, "appid"), problem, "appid")
    if "name" in values:
        _claim_name(checker, where, values["name"], names)
    if checker.errors_since(mark) or token is None:
        return None
    inherited = {"token"} if not any(k in table for k in TOKEN_KEYS) else set()
    if "api_base" not in table and api_base is not None:
        inherited.add("api_base")
    return Profile(
        name=values["name"],
        appid=values["appid"],
        token=token,
        api_base=api_base,
        inherited=frozenset(inherited),
    )


def platform_from_table(checker: Checker, table: Any) -> Platform | None:
    """The [platform] table: a token source as a profile's (not inherited from [defaults],
    whose token is the merchants'), and an optional api_base; None if it has an error."""
    where = "[platform]"
    if not isinstance(table, dict):
        checker.add(
            "error",
            checker.where(where),
            _("expected a table, got {value}").format(value=quoted(table)),
        )
        return None
    mark = len(checker.problems)
    for key in table:
        if key not in PLATFORM_KEYS:
            checker.add(
                "warning",
                checker.where(where, visible(str(key))),
                _("unknown key, ignored (known keys: {keys})").format(
                    keys=", ".join(PLATFORM_KEYS)
                ),
            )
    token = _token(checker, where, table, {})
    api_base = _api_base(checker, where, table, {})
    if token is not None and token.kind in (TokenKind.APPSECRET, TokenKind.APPSECRET_ENV):
        checker.add(
            "error",
            checker.where(where, token.kind.value),
            _(
                "a component_access_token cannot be had for an appsecret: WeChat gives it only "
                "for the component_verify_ticket it pushes to the platform's server; use "
                "token_command (your platform's token service), token_env or access_token"
            ),
            "token",
        )
    if checker.errors_since(mark) or token is None:
        return None
    return Platform(token=token, api_base=api_base)


def _profile_where(index: int | None, table: Any) -> str:
    name = table.get("name") if isinstance(table, dict) else None
    if index is None:
        return _("profile {name}").format(name=quoted(str(name or "")))
    if isinstance(name, str) and name:
        return _("profile {name} (#{number})").format(name=quoted(name), number=index + 1)
    return _("profile #{number}").format(number=index + 1)


def _name_and_appid(checker: Checker, where: str, table: Mapping[str, Any]) -> dict[str, str]:
    """The profile's name and appid, each only if it is a non-empty string."""
    values: dict[str, str] = {}
    for key in ("name", "appid"):
        value = table.get(key)
        if value is None or value == "":
            checker.add("error", checker.where(where), _("{key} is required").format(key=key), key)
        elif not isinstance(value, str) or not value.strip():
            checker.add(
                "error",
                checker.where(where, key),
                _("expected a non-empty string, got {value}").format(value=quoted(value)),
                key,
            )
        else:
            values[key] = value.strip()
    return values


def _warn_unknown_keys(checker: Checker, where: str, table: Mapping[str, Any]) -> None:
    for key in table:
        if key not in PROFILE_KEYS:
            checker.add(
                "warning",
                checker.where(where, visible(str(key))),
                _("unknown key, ignored (known keys: {keys})").format(keys=", ".join(PROFILE_KEYS)),
            )


def _token(
    checker: Checker, where: str, table: Mapping[str, Any], defaults: Mapping[str, Any]
) -> TokenSpec | None:
    """The profile's one token source: its own, else the one [defaults] gives."""
    own_tokens = [k for k in TOKEN_KEYS if k in table]
    token_keys = own_tokens or [k for k in TOKEN_KEYS if k in defaults]
    source = table if own_tokens else defaults
    if not token_keys:
        checker.add(
            "error",
            checker.where(where),
            _("no token source: set one of {keys}").format(keys=", ".join(TOKEN_KEYS)),
            "token",
        )
        return None
    if len(token_keys) > 1:
        checker.add(
            "error",
            checker.where(where),
            _("two token sources ({keys}): keep exactly one").format(keys=", ".join(token_keys)),
            "token",
        )
        return None
    value = source[token_keys[0]]
    if not isinstance(value, str) or not value.strip():
        checker.add(
            "error", checker.where(where, token_keys[0]), _("expected a non-empty string"), "token"
        )
        return None
    return TokenSpec(TokenKind(token_keys[0]), value.strip())


def _api_base(
    checker: Checker, where: str, table: Mapping[str, Any], defaults: Mapping[str, Any]
) -> str | None:
    """The profile's API host (its own, else the default), without a trailing slash."""
    api_base = table.get("api_base", defaults.get("api_base"))
    if api_base is None:
        return None
    problem = (
        check_api_base(api_base)
        if isinstance(api_base, str)
        else _("expected a string, got {value}").format(value=quoted(api_base))
    )
    if problem:
        checker.add("error", checker.where(where, "api_base"), problem, "api_base")
        return None
    return api_base.strip().rstrip("/")


def _claim_name(checker: Checker, where: str, name: str, names: set[str]) -> None:
    if name in names:
        checker.add(
            "error",
            checker.where(where, "name"),
            _("duplicate name {name}: profile names must be unique").format(name=quoted(name)),
            "name",
        )
    names.add(name)
