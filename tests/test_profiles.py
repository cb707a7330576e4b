"""The profile store: where the config file is, what it may say, and how it is saved.

Everything here is what a user would notice: which file wxdash uses, what a mistake in the
file is reported as (file, profile, field, what was expected), and what is on disk after a
save, a failed save, a save racing another editor, or a save killed half-way.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import platformdirs
import pytest
import tomli_w
from conftest import APPID, MARKER, Writer, profile

from wxdash.profiles import (
    Config,
    ConfigError,
    Profile,
    ProfileStore,
    add_profile,
    config_path,
    remove_profile,
    rename_profile,
    update_profile,
)
from wxdash.wechat.tokens import TokenKind, TokenSpec


def load(path: Path) -> Config:
    return ProfileStore(path).load()


def problems(config: Config, severity: str) -> list[str]:
    return [str(p) for p in config.problems if p.severity == severity]


def only_problem(config: Config, severity: str) -> str:
    found = problems(config, severity)
    assert len(found) == 1, f"expected one {severity}, got {[str(p) for p in config.problems]}"
    return found[0]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def folder_listing(folder: Path) -> list[str]:
    """The folder's files, but the (empty) lock file every save takes beside the config."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".toml.lock"))


def new_profile(name: str = "Shop C", appid: str = "wx00000000000000cc") -> Profile:
    return Profile(name, appid, TokenSpec(TokenKind.TOKEN_ENV, "WX_SHOP_C"))


@pytest.fixture
def umask_zero() -> Iterator[None]:
    """A permissive umask, so that modes in the tests come from wxdash, not from the umask."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


# -- which file -------------------------------------------------------------------------


def test_config_option_beats_every_environment_variable(tmp_path: Path) -> None:
    env = {"WXDASH_CONFIG": "/from/env.toml", "XDG_CONFIG_HOME": "/xdg"}
    assert config_path(tmp_path / "given.toml", env) == tmp_path / "given.toml"


def test_config_option_expands_the_home_folder() -> None:
    home = Path(os.environ["HOME"])
    assert config_path("~/mine.toml", {}) == home / "mine.toml"


def test_wxdash_config_beats_xdg_config_home() -> None:
    env = {"WXDASH_CONFIG": "/from/env.toml", "XDG_CONFIG_HOME": "/xdg"}
    assert config_path(None, env) == Path("/from/env.toml")


def test_empty_wxdash_config_is_ignored() -> None:
    env = {"WXDASH_CONFIG": "", "XDG_CONFIG_HOME": "/xdg"}
    assert config_path(None, env) == Path("/xdg/wxdash/config.toml")


def test_xdg_config_home_is_honoured_whatever_platformdirs_would_say(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On macOS and Windows platformdirs ignores XDG_CONFIG_HOME; wxdash must not.
    mac = Path("/Users/someone/Library/Application Support/wxdash")
    monkeypatch.setattr(platformdirs, "user_config_path", lambda *a, **k: mac)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert config_path(None, {"XDG_CONFIG_HOME": "/xdg"}) == Path("/xdg/wxdash/config.toml")
    assert config_path(None, {}) == mac / "config.toml"


def test_without_any_setting_the_os_config_folder_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    found = config_path(None, dict(os.environ))
    assert found == platformdirs.user_config_path("wxdash") / "config.toml"
    assert found.name == "config.toml"
    assert Path(os.environ["HOME"]) in found.parents


def test_the_process_environment_is_read_when_none_is_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WXDASH_CONFIG", str(tmp_path / "env.toml"))
    assert config_path() == tmp_path / "env.toml"


# -- reading a good file ----------------------------------------------------------------


def test_a_missing_file_is_an_empty_config_and_is_not_created(config_path: Path) -> None:
    config = load(config_path)
    assert config.profiles == ()
    assert config.problems == ()
    assert not config.exists
    assert not config_path.exists()
    assert not config_path.parent.exists()


def test_a_good_file_gives_its_profiles_in_order(write_config: Writer) -> None:
    path = write_config(
        {
            "profiles": [
                profile("Shop A", access_token=MARKER),
                profile("Shop B", "wx00000000000000bb", token_env="WX_B"),
                profile("Shop C", "wx00000000000000cc", token_command="get-token --app c"),
                profile("Shop D", "wx00000000000000dd", appsecret_env="WX_D_SECRET"),
                profile(
                    "Shop E",
                    "wx00000000000000ee",
                    appsecret="s3cret-value",
                    api_base="https://api2.weixin.qq.com/",
                ),
            ]
        }
    )
    config = load(path)
    assert config.problems == ()
    assert [(p.name, p.appid, p.token.kind, p.token.value) for p in config.profiles] == [
        ("Shop A", APPID, TokenKind.ACCESS_TOKEN, MARKER),
        ("Shop B", "wx00000000000000bb", TokenKind.TOKEN_ENV, "WX_B"),
        ("Shop C", "wx00000000000000cc", TokenKind.TOKEN_COMMAND, "get-token --app c"),
        ("Shop D", "wx00000000000000dd", TokenKind.APPSECRET_ENV, "WX_D_SECRET"),
        ("Shop E", "wx00000000000000ee", TokenKind.APPSECRET, "s3cret-value"),
    ]
    assert config.profiles[4].api_base == "https://api2.weixin.qq.com"
    assert config.profiles[0].api_base is None


def test_reading_never_changes_the_file(write_config: Writer) -> None:
    text = '# my shops\n[[profiles]]\nname = "Shop A"  # main\nappid = "wx0123456789abcdef"\n'
    path = write_config(text + 'token_env = "WX_A"\nfavourite = true\n')
    before = path.read_bytes()
    stamp = path.stat().st_mtime_ns
    load(path)
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == stamp
    assert folder_listing(path.parent) == ["config.toml"]


def test_find_matches_exactly_then_ignoring_case_and_suggests(write_config: Writer) -> None:
    path = write_config(
        {
            "profiles": [
                profile("Shop A", token_env="A"),
                profile("Shop B", "wx00000000000000bb", token_env="B"),
            ]
        }
    )
    config = load(path)
    assert config.find("Shop B").appid == "wx00000000000000bb"
    assert config.find("shop a").name == "Shop A"
    with pytest.raises(ConfigError) as caught:
        config.find("Shop Q")
    assert "Shop Q" in caught.value.message
    assert str(path) in caught.value.message
    assert "Shop A" in caught.value.hint and "Shop B" in caught.value.hint


# -- validation: errors -----------------------------------------------------------------

ERROR_CASES = {
    "missing name": (
        '[[profiles]]\nappid = "wx0123456789abcdef"\naccess_token = "tok-12345678"\n',
        ["profile #1", "name is required"],
        "name",
    ),
    "missing appid": (
        '[[profiles]]\nname = "Shop A"\naccess_token = "tok-12345678"\n',
        ["profile 'Shop A' (#1)", "appid is required"],
        "appid",
    ),
    "empty name": (
        '[[profiles]]\nname = ""\nappid = "wx0123456789abcdef"\ntoken_env = "X"\n',
        ["profile #1", "name is required"],
        "name",
    ),
    "appid is a number": (
        '[[profiles]]\nname = "Shop A"\nappid = 3\ntoken_env = "X"\n',
        ["profile 'Shop A' (#1), appid", "expected a non-empty string, got 3"],
        "appid",
    ),
    "name is an array": (
        '[[profiles]]\nname = []\nappid = "wx0123456789abcdef"\ntoken_env = "X"\n',
        ["profile #1, name", "expected a non-empty string, got []"],
        "name",
    ),
    "two token sources": (
        '[[profiles]]\nname = "Shop A"\nappid = "wx0123456789abcdef"\n'
        'access_token = "tok-12345678"\ntoken_env = "WX_A"\n',
        ["profile 'Shop A' (#1)", "two token sources", "access_token, token_env", "exactly one"],
        "token",
    ),
    "no token source": (
        '[[profiles]]\nname = "Shop A"\nappid = "wx0123456789abcdef"\n',
        [
            "profile 'Shop A' (#1)",
            "no token source",
            "access_token, token_env, token_command, appsecret_env, appsecret",
        ],
        "token",
    ),
    "token source of the wrong type": (
        '[[profiles]]\nname = "Shop A"\nappid = "wx0123456789abcdef"\ntoken_env = 7\n',
        ["profile 'Shop A' (#1), token_env", "expected a non-empty string"],
        "token",
    ),
    "plain http to a remote host": (
        '[[profiles]]\nname = "Shop A"\nappid = "wx0123456789abcdef"\ntoken_env = "X"\n'
        'api_base = "http://api.weixin.qq.com"\n',
        ["profile 'Shop A' (#1), api_base", "plain http://", "use https://"],
        "api_base",
    ),
    "api_base that is not a URL": (
        '[[profiles]]\nname = "Shop A"\nappid = "wx0123456789abcdef"\ntoken_env = "X"\n'
        'api_base = "api.weixin.qq.com"\n',
        ["profile 'Shop A' (#1), api_base", "expected a URL like https://api.weixin.qq.com"],
        "api_base",
    ),
    "api_base with a query": (
        '[[profiles]]\nname = "Shop A"\nappid = "wx0123456789abcdef"\ntoken_env = "X"\n'
        'api_base = "https://proxy.example.com/?x=1"\n',
        ["profile 'Shop A' (#1), api_base", "no query"],
        "api_base",
    ),
    "api_base of the wrong type": (
        '[[profiles]]\nname = "Shop A"\nappid = "wx0123456789abcdef"\ntoken_env = "X"\n'
        "api_base = 443\n",
        ["profile 'Shop A' (#1), api_base", "expected a string, got 443"],
        "api_base",
    ),
}


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_an_error_names_file_profile_field_and_what_is_expected(
    write_config: Writer, case: str
) -> None:
    text, expected, field = ERROR_CASES[case]
    path = write_config(text)
    config = load(path)
    message = only_problem(config, "error")
    assert message.startswith(f"{path}, ")
    assert ": error: " in message
    for part in expected:
        assert part in message
    assert config.errors[0].field == field
    assert config.profiles == ()  # an unusable profile is not offered


def test_duplicate_names_are_an_error_on_the_second_one(write_config: Writer) -> None:
    path = write_config(
        {
            "profiles": [
                profile("Shop A", token_env="A"),
                profile("Shop A", "wx00000000000000bb", token_env="B"),
            ]
        }
    )
    config = load(path)
    message = only_problem(config, "error")
    assert message.startswith(f"{path}, profile 'Shop A' (#2), name: error: ")
    assert "duplicate name 'Shop A'" in message
    assert "unique" in message
    assert [p.appid for p in config.profiles] == [APPID]


def test_a_profile_is_located_by_position_among_others(write_config: Writer) -> None:
    path = write_config(
        {
            "profiles": [
                profile("Shop A", token_env="A"),
                profile("Shop B", "wx00000000000000bb", token_env="B"),
                {"appid": "wx00000000000000cc", "token_env": "C"},
            ]
        }
    )
    config = load(path)
    assert "profile #3" in only_problem(config, "error")
    # The good profiles stay usable.
    assert [p.name for p in config.profiles] == ["Shop A", "Shop B"]


def test_a_profile_that_is_not_a_table_is_an_error(write_config: Writer) -> None:
    path = write_config('profiles = ["Shop A"]\n')
    message = only_problem(load(path), "error")
    assert "profile #1" in message and "[[profiles]]" in message


def test_profiles_that_are_not_an_array_are_an_error(write_config: Writer) -> None:
    path = write_config('profiles = "Shop A"\n')
    message = only_problem(load(path), "error")
    assert message.startswith(f"{path}, profiles: error: ")
    assert "[[profiles]]" in message


@pytest.mark.parametrize(
    "base",
    [
        "http://127.0.0.1:8765",
        "http://127.0.0.2:1",
        "http://localhost:8080/",
        "http://[::1]:9000",
        "https://api.weixin.qq.com",
        "https://wechat-proxy.example.com/",
    ],
)
def test_https_or_plain_http_to_this_machine_is_accepted(write_config: Writer, base: str) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="A", api_base=base)]})
    config = load(path)
    assert config.problems == ()
    assert config.profiles[0].api_base == base.rstrip("/")


@pytest.mark.parametrize(
    "base", ["http://localhost.example.com", "http://127.0.0.1.nip.io", "http://10.0.0.1:80"]
)
def test_plain_http_to_a_host_that_only_looks_local_is_refused(
    write_config: Writer, base: str
) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="A", api_base=base)]})
    config = load(path)
    assert "plain http://" in only_problem(config, "error")
    assert config.profiles == ()


# -- validation: warnings ---------------------------------------------------------------


@pytest.mark.parametrize("appid", ["wx123", "wx0123456789ABCDEF", "0123456789abcdef01", "wx 1"])
def test_an_odd_appid_is_a_warning_and_the_profile_is_usable(
    write_config: Writer, appid: str
) -> None:
    path = write_config({"profiles": [profile("Shop A", appid, token_env="A")]})
    config = load(path)
    message = only_problem(config, "warning")
    assert message.startswith(f"{path}, profile 'Shop A' (#1), appid: warning: ")
    assert "wx followed by 16 hex characters" in message
    assert repr(appid) in message
    assert config.errors == []
    assert [p.appid for p in config.profiles] == [appid]


def test_an_unknown_profile_key_is_a_warning_and_the_profile_is_usable(
    write_config: Writer,
) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="A", colour="red")]})
    config = load(path)
    message = only_problem(config, "warning")
    assert message.startswith(f"{path}, profile 'Shop A' (#1), colour: warning: ")
    assert "unknown key" in message
    assert "name, appid" in message  # it says which keys are known
    assert [p.name for p in config.profiles] == ["Shop A"]


def test_an_unknown_top_level_key_is_a_warning(write_config: Writer) -> None:
    path = write_config({"theme": "dark", "profiles": [profile("Shop A", token_env="A")]})
    message = only_problem(load(path), "warning")
    assert message.startswith(f"{path}, theme: warning: ")
    assert "profiles, defaults, network, ui" in message


def test_a_token_value_never_appears_in_a_problem(write_config: Writer) -> None:
    path = write_config(
        {
            "profiles": [
                profile("Shop A", "wx1", access_token=MARKER, token_env="A", colour=MARKER),
                profile("Shop A", access_token=MARKER),
            ]
        }
    )
    config = load(path)
    assert len(config.problems) >= 3
    for problem in config.problems:
        assert MARKER not in str(problem)


# -- [defaults] -------------------------------------------------------------------------


def test_a_profile_without_a_token_source_takes_the_default(write_config: Writer) -> None:
    path = write_config(
        {
            "defaults": {"token_command": "get-token", "api_base": "https://proxy.example.com"},
            "profiles": [profile("Shop A"), profile("Shop B", "wx00000000000000bb")],
        }
    )
    config = load(path)
    assert config.problems == ()
    for p in config.profiles:
        assert p.token == TokenSpec(TokenKind.TOKEN_COMMAND, "get-token")
        assert p.api_base == "https://proxy.example.com"


def test_a_profile_own_token_source_and_api_base_win_over_the_defaults(
    write_config: Writer,
) -> None:
    path = write_config(
        {
            "defaults": {"token_command": "get-token", "api_base": "https://proxy.example.com"},
            "profiles": [profile("Shop A", token_env="WX_A", api_base="http://127.0.0.1:1")],
        }
    )
    config = load(path)
    assert config.problems == ()  # own + default is not "two token sources"
    (only,) = config.profiles
    assert only.token == TokenSpec(TokenKind.TOKEN_ENV, "WX_A")
    assert only.api_base == "http://127.0.0.1:1"


def test_defaults_with_two_token_sources_are_an_error(write_config: Writer) -> None:
    path = write_config(
        {"defaults": {"token_env": "A", "token_command": "b"}, "profiles": [profile("Shop A")]}
    )
    config = load(path)
    messages = problems(config, "error")
    assert any(m.startswith(f"{path}, [defaults]: error: ") for m in messages)
    assert config.profiles == ()


def test_an_unknown_default_is_a_warning(write_config: Writer) -> None:
    path = write_config({"defaults": {"appid": APPID, "token_env": "A"}, "profiles": []})
    message = only_problem(load(path), "warning")
    assert message.startswith(f"{path}, [defaults], appid: warning: ")


def test_defaults_that_are_not_a_table_are_an_error(write_config: Writer) -> None:
    path = write_config('defaults = "x"\n')
    assert only_problem(load(path), "error").startswith(f"{path}, [defaults]: error: ")


# -- [network] and [ui] -----------------------------------------------------------------


def test_network_settings_are_read(write_config: Writer) -> None:
    path = write_config(
        "[network]\nconnect_timeout = 2\nread_timeout = 0.5\nretries = 4\nretry_time = 9.5\n"
        "concurrency = 3\ntoken_command_timeout = 7\n"
    )
    config = load(path)
    assert config.problems == ()
    assert config.network.connect_timeout == 2
    assert config.network.read_timeout == 0.5
    assert config.network.max_attempts == 4
    assert config.network.retry_time == 9.5
    assert config.concurrency == 3
    assert config.token_command_timeout == 7


def test_network_defaults_when_the_table_is_absent(write_config: Writer) -> None:
    config = load(write_config("[[profiles]]\nname='A'\nappid='wx0123456789abcdef'\ntoken_env='A'"))
    assert config.network.read_timeout > 0
    assert config.network.max_attempts >= 1
    assert config.concurrency >= 1


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("retries = 0", "above 0"),
        ("retries = -2", "above 0"),
        ("retries = 1.5", "whole number"),
        ('read_timeout = "fast"', "above 0"),
        ("read_timeout = true", "above 0"),
        ("connect_timeout = -1.0", "above 0"),
        ("read_timeout = nan", "above 0"),
        ("connect_timeout = inf", "above 0"),
        ("concurrency = 100000", "at most"),
    ],
)
def test_a_bad_network_setting_is_an_error_naming_it(
    write_config: Writer, line: str, expected: str
) -> None:
    path = write_config(f"[network]\n{line}\n")
    key = line.split(" = ")[0]
    message = only_problem(load(path), "error")
    assert message.startswith(f"{path}, [network], {key}: error: ")
    assert expected in message


def test_a_bad_network_setting_falls_back_to_the_default(write_config: Writer) -> None:
    good = load(write_config("[network]\n"))
    bad = load(write_config("[network]\nread_timeout = nan\nretries = 0\nconcurrency = 5000\n"))
    assert bad.network.read_timeout == good.network.read_timeout
    assert bad.network.max_attempts == good.network.max_attempts
    assert bad.concurrency <= 256


def test_an_unknown_network_key_is_a_warning(write_config: Writer) -> None:
    path = write_config("[network]\ntimeout = 3\n")
    message = only_problem(load(path), "warning")
    assert message.startswith(f"{path}, [network], timeout: warning: ")
    assert "read_timeout" in message  # says what it might have meant


def test_network_that_is_not_a_table_is_an_error(write_config: Writer) -> None:
    path = write_config("network = 3\n")
    assert only_problem(load(path), "error").startswith(f"{path}, [network]: error: ")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ui_language_is_read(write_config: Writer, lang: str) -> None:
    config = load(write_config(f'[ui]\nlang = "{lang}"\n'))
    assert config.problems == ()
    assert config.lang == lang


def test_an_unknown_ui_language_is_an_error_naming_the_choices(write_config: Writer) -> None:
    path = write_config('[ui]\nlang = "fr"\n')
    config = load(path)
    message = only_problem(config, "error")
    assert message.startswith(f"{path}, [ui], lang: error: ")
    assert "en, zh" in message and "'fr'" in message
    assert config.lang is None


def test_ui_that_is_not_a_table_is_an_error(write_config: Writer) -> None:
    path = write_config('ui = "zh"\n')
    assert only_problem(load(path), "error").startswith(f"{path}, [ui]: error: ")


# -- files that cannot be read ----------------------------------------------------------

BROKEN_TOML = '[[profiles]]\nname = "Shop A"\nappid = wx0123\naccess_token = "keep-me"\n'


def snapshot(path: Path) -> tuple[bytes, int, int]:
    """The file's bytes, and what would change if it were rewritten even with the same bytes."""
    info = path.stat()
    return path.read_bytes(), info.st_ino, info.st_mtime_ns


def assert_untouched(path: Path, before: tuple[bytes, int, int]) -> None:
    assert snapshot(path) == before
    assert folder_listing(path.parent) == [path.name]  # no .bak, no temporary file


def test_a_toml_syntax_error_names_file_line_and_column(write_config: Writer) -> None:
    path = write_config(BROKEN_TOML)
    with pytest.raises(ConfigError) as caught:
        load(path)
    message = caught.value.message
    assert str(path) in message
    assert "line 3, column 9" in message
    assert "TOML" in message
    assert "not rewrite" in caught.value.hint


def test_a_file_with_a_syntax_error_is_never_rewritten(write_config: Writer) -> None:
    path = write_config(BROKEN_TOML)
    content = snapshot(path)
    store = ProfileStore(path)
    with pytest.raises(ConfigError):
        store.load()
    for change in (add_profile(new_profile()), remove_profile("Shop A")):
        with pytest.raises(ConfigError):
            store.save(change)
    assert_untouched(path, content)


def test_a_file_that_is_not_utf8_is_reported_and_untouched(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    content = b'[[profiles]]\nname = "Caf\xe9"\nappid = "wx0123456789abcdef"\ntoken_env = "A"\n'
    config_path.write_bytes(content)
    before = snapshot(config_path)
    store = ProfileStore(config_path)
    with pytest.raises(ConfigError) as caught:
        store.load()
    assert str(config_path) in caught.value.message
    assert "UTF-8" in caught.value.message
    assert "untouched" in caught.value.hint
    with pytest.raises(ConfigError):
        store.save(add_profile(new_profile()))
    assert_untouched(config_path, before)


def test_an_unreadable_file_is_reported_and_untouched(
    write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="A")]})
    content = snapshot(path)
    real_open = os.open

    def refuse(file: Any, *args: Any, **kwargs: Any) -> int:
        if Path(file) == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    store = ProfileStore(path)
    with monkeypatch.context() as patch:
        patch.setattr(os, "open", refuse)
        with pytest.raises(ConfigError) as caught:
            store.load()
        assert caught.value.message == f"Cannot read {path}: Permission denied"
        assert "permissions" in caught.value.hint
        with pytest.raises(ConfigError):
            store.save(add_profile(new_profile()))
    assert_untouched(path, content)


# -- saving -----------------------------------------------------------------------------


def test_a_first_save_creates_a_private_file_in_a_private_folder(
    config_path: Path, umask_zero: None
) -> None:
    store = ProfileStore(config_path)
    store.load()
    result = store.save(add_profile(new_profile()))
    assert mode(config_path) == 0o600
    assert mode(config_path.parent) == 0o700
    assert folder_listing(config_path.parent) == ["config.toml"]  # nothing to back up
    assert not result.merged and result.notice is None
    assert [p.name for p in result.config.profiles] == ["Shop C"]
    assert [p.name for p in load(config_path).profiles] == ["Shop C"]


def test_a_save_keeps_the_previous_version_as_a_private_bak(
    write_config: Writer, umask_zero: None
) -> None:
    path = write_config(
        f'# hand-written\n[[profiles]]\nname = "Shop A"\nappid = "{APPID}"\n'
        f'access_token = "{MARKER}"\n'
    )
    os.chmod(path, 0o644)
    original = path.read_bytes()
    store = ProfileStore(path)
    store.load()
    store.save(add_profile(new_profile()))
    backup = path.with_name("config.toml.bak")
    assert backup.read_bytes() == original  # comments and all
    assert mode(backup) == 0o600
    assert mode(path) == 0o600  # tightened: it holds a token
    first_save = path.read_bytes()

    store.save(remove_profile("Shop A"))
    assert backup.read_bytes() == first_save
    assert [p.name for p in load(path).profiles] == ["Shop C"]
    assert folder_listing(path.parent) == ["config.toml", "config.toml.bak"]


def test_saving_into_a_folder_wxdash_does_not_own_leaves_its_mode(
    tmp_path: Path, umask_zero: None
) -> None:
    folder = tmp_path / "dotfiles"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    path = folder / "wxdash.toml"
    ProfileStore(path).save(add_profile(new_profile()))
    assert mode(folder) == 0o755
    assert mode(path) == 0o600


def test_saving_through_a_symlink_updates_the_target_and_keeps_the_link(
    tmp_path: Path, config_path: Path
) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "wxdash.toml"
    target.write_text(tomli_w.dumps({"profiles": [profile("Shop A", token_env="A")]}))
    config_path.parent.mkdir(parents=True)
    config_path.symlink_to(target)
    store = ProfileStore(config_path)
    store.load()
    store.save(add_profile(new_profile()))
    assert config_path.is_symlink()
    assert [p.name for p in load(target).profiles] == ["Shop A", "Shop C"]


def test_saved_profiles_use_the_documented_form_a_person_can_extend(config_path: Path) -> None:
    store = ProfileStore(config_path)
    store.load()
    store.save(add_profile(new_profile("A", APPID)))
    store.save(add_profile(new_profile("B", "wx00000000000000bb")))
    text = config_path.read_text()
    assert text.count("[[profiles]]") == 2
    # Appending a profile by hand, as the README shows, keeps the file valid.
    with config_path.open("a") as handle:
        handle.write(OTHER_EDITOR.replace("Shop B", "By hand"))
    assert [p.name for p in load(config_path).profiles] == ["A", "B", "By hand"]


def test_a_save_writes_valid_toml_that_loads_back_the_same(write_config: Writer) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="A")]})
    odd = Profile(
        'Shop "quoted" \\ 商店 [x]',
        "wx00000000000000ee",
        TokenSpec(TokenKind.TOKEN_COMMAND, "sh -c 'echo \"$WXDASH_APPID\"'\n"),
        api_base="https://proxy.example.com",
    )
    store = ProfileStore(path)
    store.load()
    result = store.save(add_profile(odd))
    reloaded = load(path)
    assert reloaded.problems == ()
    assert reloaded.profiles[1].name == odd.name
    assert reloaded.profiles[1].token.value == odd.token.value.strip()
    assert reloaded.profiles == result.config.profiles


@pytest.mark.parametrize(
    ("target", "fault"),
    [
        ("os.replace", PermissionError(errno.EACCES, "Permission denied")),
        ("tempfile.mkstemp", OSError(errno.EROFS, "Read-only file system")),
        ("os.fsync", OSError(errno.ENOSPC, "No space left on device")),
    ],
    ids=["replace", "mkstemp", "fsync"],
)
def test_a_save_that_cannot_write_is_an_error_and_changes_nothing(
    write_config: Writer, monkeypatch: pytest.MonkeyPatch, target: str, fault: OSError
) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="A")]})
    original = path.read_bytes()
    store = ProfileStore(path)
    store.load()

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise fault

    module, name = target.split(".")
    with monkeypatch.context() as patch:
        patch.setattr({"os": os, "tempfile": tempfile}[module], name, fail)
        with pytest.raises(ConfigError) as caught:
            store.save(add_profile(new_profile()))
    assert caught.value.message == f"Could not save {path}: {fault.strerror}"
    assert "Nothing was changed" in caught.value.hint
    assert path.read_bytes() == original
    assert [n for n in folder_listing(path.parent) if n.endswith(".tmp")] == []
    # The fault gone, the same store saves.
    store.save(add_profile(new_profile()))
    assert [p.name for p in load(path).profiles] == ["Shop A", "Shop C"]


def test_a_save_that_fails_after_the_backup_leaves_the_original(
    write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="A")]})
    original = path.read_bytes()
    real_replace = os.replace
    calls: list[str] = []

    def replace_once(src: Any, dst: Any) -> None:
        calls.append(str(dst))
        if len(calls) > 1:
            raise PermissionError(errno.EACCES, "Permission denied")
        real_replace(src, dst)

    store = ProfileStore(path)
    store.load()
    monkeypatch.setattr(os, "replace", replace_once)
    with pytest.raises(ConfigError):
        store.save(add_profile(new_profile()))
    assert len(calls) == 2
    assert path.read_bytes() == original
    assert path.with_name("config.toml.bak").read_bytes() == original
    assert [n for n in folder_listing(path.parent) if n.endswith(".tmp")] == []


# -- another editor changed the file ----------------------------------------------------

OTHER_EDITOR = """
# added by hand while wxdash was open
[[profiles]]
name = "Shop B"
appid = "wx00000000000000bb"
token_env = "WX_B"
"""


def test_a_save_applies_the_change_on_top_of_another_editors_change(config_path: Path) -> None:
    path = config_path
    store = ProfileStore(path)
    store.load()
    store.save(add_profile(new_profile("Shop A", APPID)))
    with path.open("a", encoding="utf-8") as handle:
        handle.write(OTHER_EDITOR)
    theirs = path.read_bytes()
    assert store.changed_on_disk()

    result = store.save(add_profile(new_profile()))
    assert [p.name for p in load(path).profiles] == ["Shop A", "Shop B", "Shop C"]
    assert [(p.name, p.token.value) for p in load(path).profiles][1] == ("Shop B", "WX_B")
    assert result.merged
    assert result.notice is not None
    assert "changed by another program" in result.notice
    assert "config.toml.bak" in result.notice
    # Their version, comment included, is kept whole in the backup.
    assert path.with_name("config.toml.bak").read_bytes() == theirs
    assert not store.changed_on_disk()


def test_a_save_without_a_change_on_disk_says_nothing(write_config: Writer) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="A")]})
    store = ProfileStore(path)
    store.load()
    assert not store.changed_on_disk()
    result = store.save(add_profile(new_profile()))
    assert not result.merged
    assert result.notice is None
    second = store.save(remove_profile("Shop C"))
    assert not second.merged


def test_two_windows_saving_in_turn_keep_both_changes(write_config: Writer) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="A")]})
    first, second = ProfileStore(path), ProfileStore(path)
    first.load()
    second.load()
    assert not first.save(add_profile(new_profile("Shop X", "wx000000000000000a"))).merged
    result = second.save(add_profile(new_profile("Shop Y", "wx000000000000000b")))
    assert result.merged
    assert [p.name for p in load(path).profiles] == ["Shop A", "Shop X", "Shop Y"]


def test_a_rename_keeps_another_editors_edit_to_the_same_profile(write_config: Writer) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="A")]})
    store = ProfileStore(path)
    store.load()
    path.write_text(path.read_text().replace(APPID, "wx00000000000000ff"))
    result = store.save(rename_profile("Shop A", "Shop Z"))
    assert result.merged
    (only,) = load(path).profiles
    assert (only.name, only.appid) == ("Shop Z", "wx00000000000000ff")


@pytest.mark.parametrize(
    ("theirs", "change", "expected"),
    [
        ("", rename_profile("Shop A", "Shop Z"), "No profile is called 'Shop A'"),
        ("", remove_profile("Shop A"), "No profile is called 'Shop A'"),
        (OTHER_EDITOR.replace("Shop B", "Shop C"), add_profile(new_profile()), "already exists"),
    ],
    ids=["rename-removed", "remove-removed", "add-taken"],
)
def test_a_change_that_no_longer_fits_the_file_is_refused_and_changes_nothing(
    write_config: Writer, theirs: str, change: Any, expected: str
) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="A")]})
    store = ProfileStore(path)
    store.load()
    path.write_text(theirs if theirs else "# emptied by hand\n")
    on_disk = path.read_bytes()
    with pytest.raises(ConfigError) as caught:
        store.save(change)
    assert expected in caught.value.message
    assert path.read_bytes() == on_disk
    assert not path.with_name("config.toml.bak").exists()


def test_a_file_deleted_after_loading_is_created_again_by_a_save(write_config: Writer) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="A")]})
    store = ProfileStore(path)
    store.load()
    path.unlink()
    result = store.save(add_profile(new_profile()))
    assert result.merged
    assert [p.name for p in load(path).profiles] == ["Shop C"]


# -- what a save keeps ------------------------------------------------------------------

KEPT = {
    "extra": {"owner": "ops team", "since": 2024},
    "defaults": {"api_base": "https://proxy.example.com"},
    "network": {"retries": 2, "read_timeout": 4.5},
    "ui": {"lang": "zh", "theme": "dark"},
    "profiles": [
        profile("Shop A", token_env="A", colour="red", tags=["vip", "cn"]),
        profile("Shop B", "wx00000000000000bb", access_token=MARKER, notes={"x": 1}),
    ],
}


@pytest.mark.parametrize(
    "change",
    [
        add_profile(new_profile()),
        rename_profile("Shop B", "Shop B2"),
        update_profile("Shop A", Profile("Shop A", APPID, TokenSpec(TokenKind.TOKEN_ENV, "A2"))),
    ],
    ids=["add", "rename", "update"],
)
def test_unknown_keys_and_other_profiles_extra_keys_survive_a_save(
    write_config: Writer, change: Any
) -> None:
    path = write_config(KEPT)
    store = ProfileStore(path)
    store.load()
    store.save(change)
    doc = tomllib.loads(path.read_text())
    assert doc["extra"] == KEPT["extra"]
    assert doc["defaults"] == KEPT["defaults"]
    assert doc["network"] == KEPT["network"]
    assert doc["ui"] == KEPT["ui"]
    shop_a, shop_b = doc["profiles"][:2]
    assert shop_a["colour"] == "red" and shop_a["tags"] == ["vip", "cn"]
    assert path.read_text().count("[[profiles]]") == len(doc["profiles"])
    assert shop_b["notes"] == {"x": 1}
    assert shop_b["access_token"] == MARKER


def test_remove_and_rename_change_only_their_profile(write_config: Writer) -> None:
    path = write_config(KEPT)
    store = ProfileStore(path)
    store.load()
    store.save(rename_profile("Shop A", "Shop A2"))
    store.save(remove_profile("Shop B"))
    doc = tomllib.loads(path.read_text())
    assert doc["profiles"] == [{**KEPT["profiles"][0], "name": "Shop A2"}]


# -- a save killed half-way -------------------------------------------------------------

CRASHING_SAVE = textwrap.dedent(
    """
    import builtins, io, os, sys, tempfile
    from pathlib import Path

    from wxdash.profiles import Profile, ProfileStore, add_profile
    from wxdash.wechat.tokens import TokenKind, TokenSpec

    path, crash_at = Path(sys.argv[1]), int(sys.argv[2])
    calls = 0

    def step():
        global calls
        calls += 1
        return calls == crash_at

    def hook(module, name):
        real = getattr(module, name)
        def hooked(*args, **kwargs):
            if step():
                os._exit(77)
            return real(*args, **kwargs)
        setattr(module, name, hooked)

    for name in ("open", "close", "write", "fsync", "replace", "rename", "chmod", "unlink",
                 "mkdir"):
        hook(os, name)
    hook(tempfile, "mkstemp")

    class Dying:
        # A file whose write stops half-way (the process is killed mid-write).
        def __init__(self, handle):
            self.handle = handle
        def write(self, data):
            if step():
                self.handle.write(data[: len(data) // 2])
                self.handle.flush()
                os._exit(77)
            return self.handle.write(data)
        def __getattr__(self, name):
            return getattr(self.handle, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.handle.__exit__(*exc)

    real_fdopen, real_open = os.fdopen, io.open

    def dying_open(*args, **kwargs):
        if step():
            os._exit(77)
        return Dying(real_open(*args, **kwargs))

    os.fdopen = lambda *a, **k: Dying(real_fdopen(*a, **k))
    io.open = builtins.open = dying_open

    store = ProfileStore(path)
    store.load()
    store.save(add_profile(Profile("Shop C", "wx00000000000000cc",
                                   TokenSpec(TokenKind.TOKEN_ENV, "WX_C"))))
    print("saved after", calls, "steps")
    """
)

OLD_DOC = {"profiles": [profile("Shop A", access_token=MARKER), profile("Shop B", token_env="B")]}


def start_crashing_save(folder: Path, crash_at: int) -> subprocess.Popen[str]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(tomli_w.dumps(OLD_DOC))
    return subprocess.Popen(
        [sys.executable, "-c", CRASHING_SAVE, str(path), str(crash_at)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_save_killed_at_any_step_leaves_the_old_or_the_new_file_whole(tmp_path: Path) -> None:
    reference = start_crashing_save(tmp_path / "reference", 0)
    out, err = reference.communicate(timeout=60)
    assert reference.returncode == 0, err
    steps = int(re.fullmatch(r"saved after (\d+) steps\n", out).group(1))  # type: ignore[union-attr]
    assert steps > 8  # the hooks see every file operation of the save
    old = tomli_w.dumps(OLD_DOC).encode()
    new = (tmp_path / "reference" / "config.toml").read_bytes()
    assert new != old and b"Shop C" in new

    # Kill a save at each of its steps, one process per step, a few at a time.
    for first in range(1, steps + 1, 8):
        batch = {
            n: start_crashing_save(tmp_path / f"crash-{n}", n)
            for n in range(first, min(first + 8, steps + 1))
        }
        for crash_at, child in batch.items():
            _out, err = child.communicate(timeout=60)
            assert child.returncode == 77, f"step {crash_at}: {err}"
    outcomes = []
    for crash_at in range(1, steps + 1):
        folder = tmp_path / f"crash-{crash_at}"
        path = folder / "config.toml"
        assert path.exists(), f"config.toml missing after a crash at step {crash_at}"
        content = path.read_bytes()
        assert content in (old, new), f"half-written config.toml after step {crash_at}"
        tomllib.loads(content.decode())
        outcomes.append(content == new)
        backup = path.with_name("config.toml.bak")
        if backup.exists():
            assert backup.read_bytes() == old, f"half-written backup after step {crash_at}"
        # The next save works and cleans up whatever the killed one left behind.
        assert load(path).errors == []
        store = ProfileStore(path)
        store.load()
        store.save(remove_profile("Shop B"))
        assert not [n for n in folder_listing(folder) if n.endswith(".tmp")]
    # Killed before the rename: the old file; after it: the new one. Never anything else.
    assert outcomes == sorted(outcomes)
    assert outcomes.count(False) > 3 and outcomes.count(True) >= 1


LOOPING_SAVE = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from wxdash.profiles import Profile, ProfileStore, add_profile, remove_profile
    from wxdash.wechat.tokens import TokenKind, TokenSpec

    store = ProfileStore(Path(sys.argv[1]))
    extra = Profile("Shop C", "wx00000000000000cc", TokenSpec(TokenKind.TOKEN_ENV, "WX_C"))
    store.load()
    first = True
    while True:
        store.save(add_profile(extra))
        store.save(remove_profile("Shop C"))
        if first:
            print("looping", flush=True)
            first = False
    """
)


def test_a_process_killed_while_saving_in_a_loop_never_leaves_a_broken_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "wxdash" / "config.toml"
    path.parent.mkdir()
    old = tomli_w.dumps(OLD_DOC).encode()
    path.write_bytes(old)
    shop_c = profile("Shop C", "wx00000000000000cc", token_env="WX_C")
    with_c = tomli_w.dumps({"profiles": [*OLD_DOC["profiles"], shop_c]}).encode()
    for round_number in range(8):
        child = subprocess.Popen(
            [sys.executable, "-c", LOOPING_SAVE, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            assert child.stdout.readline() == "looping\n"
            # Let it run a varying number of saves before the kill.
            for _ in range(round_number * 3):
                os.sched_yield()
            child.send_signal(signal.SIGKILL)
        finally:
            child.wait(timeout=30)
            if child.stdout is not None:
                child.stdout.close()
            if child.stderr is not None:
                child.stderr.close()
        assert child.returncode == -signal.SIGKILL
        content = path.read_bytes()
        assert content in (old, with_c), f"broken config.toml after kill #{round_number}"
        backup = path.with_name("config.toml.bak")
        assert backup.read_bytes() in (old, with_c)
        if content == with_c:  # put it back for the next round
            path.write_bytes(old)
