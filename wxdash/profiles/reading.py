"""Reading the config file: bytes to a TOML document, then each section checked into a Config."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wxdash.files import NotRegularFileError, read_regular
from wxdash.i18n import LANGUAGES, N_, _
from wxdash.profiles.checking import Checker, platform_from_table, profile_from_table
from wxdash.profiles.config import (
    DEFAULT_CONCURRENCY,
    TOKEN_KEYS,
    Config,
    ConfigError,
    Profile,
)
from wxdash.safetext import quoted, visible
from wxdash.wechat.client import NetworkSettings

MAX_CONCURRENCY = 256
SECTIONS = ("profiles", "defaults", "network", "ui", "platform")
# Keys a [defaults] table may give every profile.
DEFAULT_KEYS = (*TOKEN_KEYS, "api_base")
NETWORK_KEYS = {
    "connect_timeout": float,
    "read_timeout": float,
    "retries": int,
    "retry_time": float,
    "concurrency": int,
    "token_command_timeout": float,
}


def read_document(path: Path) -> tuple[dict[str, Any], bytes] | None:
    """The parsed file and its raw bytes, None if it does not exist; ConfigError if unusable."""
    try:
        raw = read_regular(path)[0]
    except FileNotFoundError:
        return None
    except NotRegularFileError:
        raise ConfigError(
            N_("{path} is not a regular file"),
            hint=N_(
                "Point --config or WXDASH_CONFIG at a TOML file; a FIFO, device or folder "
                "cannot hold the config."
            ),
            path=str(path),
        ) from None
    except OSError as exc:
        raise ConfigError(
            N_("Cannot read {path}: {reason}"),
            hint=N_("Check the file's permissions, or point WXDASH_CONFIG at another file."),
            path=str(path),
            reason=exc.strerror or type(exc).__name__,
        ) from None
    try:
        text = raw.decode("utf-8-sig")  # a BOM (Notepad) is not TOML's business
    except UnicodeDecodeError as exc:
        raise ConfigError(
            N_("{path} is not UTF-8 text (byte {position})"),
            hint=N_("Save the file as UTF-8; wxdash left it untouched."),
            path=str(path),
            position=exc.start,
        ) from None
    try:
        return tomllib.loads(text), raw
    except RecursionError:
        raise ConfigError(
            N_("{path} is too deeply nested to read"),
            hint=N_("Fix the file by hand; wxdash will not rewrite a file it cannot read."),
            path=str(path),
        ) from None
    except tomllib.TOMLDecodeError as exc:
        detail = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)", detail)
        line, column = (where.group(1), where.group(2)) if where else ("?", "?")
        raise ConfigError(
            N_("{path}, line {line}, column {column}: TOML syntax error: {detail}"),
            hint=N_("Fix that line by hand; wxdash will not rewrite a file it cannot read."),
            path=str(path),
            line=line,
            column=column,
            detail=re.sub(r"\s*\(at line \d+, column \d+\)", "", detail),
        ) from None


def build_config(path: Path, doc: Mapping[str, Any] | None) -> Config:
    """Check a parsed document and turn it into a Config; problems are collected, not raised."""
    if doc is None:
        return Config(path=path)
    checker = Checker(path)
    for key in doc:
        if key not in SECTIONS:
            checker.add(
                "warning",
                checker.where(visible(str(key))),
                _("unknown top-level key, ignored (known: {keys})").format(
                    keys=", ".join(SECTIONS)
                ),
            )
    defaults = _defaults(checker, doc)
    numbers = _network_numbers(checker, doc)
    concurrency = _concurrency(checker, numbers)
    ui = _table(checker, doc, "ui")
    lang = _language(checker, ui)
    return Config(
        path=path,
        profiles=_profiles(checker, doc, defaults),
        network=_network_settings(numbers),
        concurrency=concurrency,
        token_command_timeout=numbers.get("token_command_timeout") or 20.0,
        lang=lang,
        theme=_theme(checker, ui),
        defaults={k: v for k, v in defaults.items() if isinstance(v, str)},
        platform=platform_from_table(checker, doc["platform"]) if "platform" in doc else None,
        problems=tuple(checker.problems),
        exists=True,
    )


def _table(checker: Checker, doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = doc.get(key, {})
    if isinstance(value, dict):
        return value
    checker.add(
        "error",
        checker.where(f"[{key}]"),
        _("expected a table, got {value}").format(value=quoted(value)),
    )
    return {}


def _defaults(checker: Checker, doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """The [defaults] table, whose token source and api_base every profile may inherit."""
    defaults = _table(checker, doc, "defaults")
    for key in defaults:
        if key not in DEFAULT_KEYS:
            checker.add(
                "warning",
                checker.where("[defaults]", visible(str(key))),
                _("unknown key, ignored (a default can be: {keys})").format(
                    keys=", ".join(DEFAULT_KEYS)
                ),
            )
    if len([k for k in TOKEN_KEYS if k in defaults]) > 1:
        checker.add("error", checker.where("[defaults]"), _("keep exactly one token source"))
    return defaults


def _network_numbers(checker: Checker, doc: Mapping[str, Any]) -> dict[str, Any]:
    """The [network] numbers given, each None if it is not usable."""
    network = _table(checker, doc, "network")
    numbers: dict[str, Any] = {}
    for key, kind in NETWORK_KEYS.items():
        if key in network:
            numbers[key] = _number(checker, network, key, kind, "[network]")
    for key in network:
        if key not in NETWORK_KEYS:
            checker.add(
                "warning",
                checker.where("[network]", visible(str(key))),
                _("unknown key, ignored (known: {keys})").format(keys=", ".join(NETWORK_KEYS)),
            )
    return numbers


def _type_word(expected: type) -> str:
    return {str: _("a string"), int: _("a whole number"), float: _("a number"), dict: _("a table")}[
        expected
    ]


def _number(checker: Checker, table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = table[key]
    # TOML allows nan and inf; neither is a usable timeout or count.
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        checker.add(
            "error",
            checker.where(where, key),
            _("expected {what} above 0, got {value}").format(
                what=_type_word(kind), value=quoted(value)
            ),
        )
        return None
    if kind is int and not isinstance(value, int):
        checker.add("error", checker.where(where, key), _("expected a whole number"))
        return None
    return value


def _concurrency(checker: Checker, numbers: Mapping[str, Any]) -> int:
    concurrency = numbers.get("concurrency") or DEFAULT_CONCURRENCY
    if concurrency > MAX_CONCURRENCY:
        checker.add(
            "error",
            checker.where("[network]", "concurrency"),
            _("at most {limit}").format(limit=MAX_CONCURRENCY),
        )
        concurrency = MAX_CONCURRENCY
    return int(concurrency)


def _network_settings(numbers: Mapping[str, Any]) -> NetworkSettings:
    """The timeouts and retries given, the client's own for any not given (or not usable)."""
    base = NetworkSettings()
    return NetworkSettings(
        connect_timeout=numbers.get("connect_timeout") or base.connect_timeout,
        read_timeout=numbers.get("read_timeout") or base.read_timeout,
        max_attempts=numbers.get("retries") or base.max_attempts,
        retry_time=numbers.get("retry_time") or base.retry_time,
    )


def _language(checker: Checker, ui: Mapping[str, Any]) -> str | None:
    """The [ui] lang, None if unset or not one wxdash speaks."""
    lang = ui.get("lang")
    if lang is not None and lang not in LANGUAGES:
        checker.add(
            "error",
            checker.where("[ui]", "lang"),
            _("expected one of {choices}, got {value}").format(
                choices=", ".join(LANGUAGES), value=quoted(lang)
            ),
        )
        return None
    return lang


def _theme(checker: Checker, ui: Mapping[str, Any]) -> str | None:
    """The [ui] theme, a Textual theme's name (the app checks that it knows it)."""
    theme = ui.get("theme")
    if theme is not None and not isinstance(theme, str):
        checker.add(
            "error",
            checker.where("[ui]", "theme"),
            _("expected a string, got {value}").format(value=quoted(theme)),
        )
        return None
    return theme


def _profiles(
    checker: Checker, doc: Mapping[str, Any], defaults: Mapping[str, Any]
) -> tuple[Profile, ...]:
    """Every usable [[profiles]] table, in the file's order."""
    raw_profiles = doc.get("profiles", [])
    if not isinstance(raw_profiles, list):
        checker.add(
            "error",
            checker.where("profiles"),
            _("expected an array of tables ([[profiles]]), got {value}").format(
                value=quoted(raw_profiles)
            ),
        )
        raw_profiles = []
    names: set[str] = set()
    profiles = []
    for index, table in enumerate(raw_profiles):
        profile = profile_from_table(checker, index, table, defaults, names)
        if profile is not None:
            profiles.append(profile)
    return tuple(profiles)
