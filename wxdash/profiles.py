"""The profile store: where the config file lives, how it is read and checked, how it is saved.

The file is TOML, read with tomllib and written with tomli-w. Reading never changes it; a file
that cannot be read is never rewritten. Saving is atomic (temporary file, fsync, rename), keeps
the previous version as `config.toml.bak`, uses mode 0600 in a 0700 folder, and applies the
one change on top of the file as it is on disk now, so another editor's change is not lost.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import platformdirs
import tomli_w

from wxdash.i18n import LANGUAGES, N_, _
from wxdash.safetext import quoted, visible
from wxdash.wechat.client import NetworkSettings, is_loopback
from wxdash.wechat.errors import WxDashError
from wxdash.wechat.tokens import TokenKind, TokenSpec

APP_NAME = "wxdash"
CONFIG_FILENAME = "config.toml"
APPID_PATTERN = re.compile(r"wx[0-9a-f]{16}")
DEFAULT_CONCURRENCY = 16
MAX_CONCURRENCY = 256

PROFILE_KEYS = ("name", "appid", *(k.value for k in TokenKind), "api_base")
TOKEN_KEYS = tuple(k.value for k in TokenKind)
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


class ConfigError(WxDashError):
    """The config file cannot be used: unreadable, not TOML, or a save that could not be done."""

    kind = "config"

    def __init__(self, template: str, /, *, hint: str = "", **params: Any) -> None:
        self._hint = hint
        super().__init__(template, **params)

    @property
    def hint(self) -> str:
        return _(self._hint).format(**self.params) if self._hint else ""


def config_path(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The config file in use: --config, then WXDASH_CONFIG, then XDG_CONFIG_HOME, then the OS's
    usual folder (platformdirs)."""
    env = os.environ if environ is None else environ
    if explicit:
        return Path(explicit).expanduser()
    if env.get("WXDASH_CONFIG"):
        return Path(env["WXDASH_CONFIG"]).expanduser()
    if env.get("XDG_CONFIG_HOME"):
        return Path(env["XDG_CONFIG_HOME"]).expanduser() / APP_NAME / CONFIG_FILENAME
    return platformdirs.user_config_path(APP_NAME) / CONFIG_FILENAME


@dataclass(frozen=True, slots=True)
class Profile:
    """One mini program: its name, appid, token source and (optionally) its own API host."""

    name: str
    appid: str
    token: TokenSpec
    api_base: str | None = None

    def to_table(self) -> dict[str, str]:
        table = {"name": self.name, "appid": self.appid, self.token.kind.value: self.token.value}
        if self.api_base:
            table["api_base"] = self.api_base
        return table


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


# -- reading and checking ----------------------------------------------------------------


def read_document(path: Path) -> tuple[dict[str, Any], bytes] | None:
    """The parsed file and its raw bytes, None if it does not exist; ConfigError if unusable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
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


class _Checker:
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


def _type_word(expected: type) -> str:
    return {str: _("a string"), int: _("a whole number"), float: _("a number"), dict: _("a table")}[
        expected
    ]


def _profile_where(index: int | None, table: Any) -> str:
    name = table.get("name") if isinstance(table, dict) else None
    if index is None:
        return _("profile {name}").format(name=quoted(str(name or "")))
    if isinstance(name, str) and name:
        return _("profile {name} (#{number})").format(name=quoted(name), number=index + 1)
    return _("profile #{number}").format(number=index + 1)


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


def _profile(
    checker: _Checker, index: int | None, table: Any, defaults: Mapping[str, Any], names: set[str]
) -> Profile | None:
    where = _profile_where(index, table)
    if not isinstance(table, dict):
        checker.add("error", checker.where(where), _("expected a table ([[profiles]])"))
        return None
    ok = True
    values: dict[str, str] = {}
    for key in ("name", "appid"):
        value = table.get(key)
        if value is None or value == "":
            checker.add("error", checker.where(where), _("{key} is required").format(key=key), key)
            ok = False
        elif not isinstance(value, str) or not value.strip():
            checker.add(
                "error",
                checker.where(where, key),
                _("expected a non-empty string, got {value}").format(value=quoted(value)),
                key,
            )
            ok = False
        else:
            values[key] = value.strip()
    for key in table:
        if key not in PROFILE_KEYS:
            checker.add(
                "warning",
                checker.where(where, visible(str(key))),
                _("unknown key, ignored (known keys: {keys})").format(keys=", ".join(PROFILE_KEYS)),
            )
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
        ok = False
    elif len(token_keys) > 1:
        checker.add(
            "error",
            checker.where(where),
            _("two token sources ({keys}): keep exactly one").format(keys=", ".join(token_keys)),
            "token",
        )
        ok = False
    else:
        value = source[token_keys[0]]
        if not isinstance(value, str) or not value.strip():
            checker.add(
                "error",
                checker.where(where, token_keys[0]),
                _("expected a non-empty string"),
                "token",
            )
            ok = False
    api_base = table.get("api_base", defaults.get("api_base"))
    if api_base is not None:
        problem = (
            check_api_base(api_base)
            if isinstance(api_base, str)
            else _("expected a string, got {value}").format(value=quoted(api_base))
        )
        if problem:
            checker.add("error", checker.where(where, "api_base"), problem, "api_base")
            ok = False
    if "appid" in values and (problem := check_appid(values["appid"])):
        checker.add("warning", checker.where(where, "appid"), problem, "appid")
    if "name" in values:
        if values["name"] in names:
            checker.add(
                "error",
                checker.where(where, "name"),
                _("duplicate name {name}: profile names must be unique").format(
                    name=quoted(values["name"])
                ),
                "name",
            )
            ok = False
        names.add(values["name"])
    if not ok:
        return None
    kind = TokenKind(token_keys[0])
    return Profile(
        name=values["name"],
        appid=values["appid"],
        token=TokenSpec(kind, source[kind.value].strip()),
        api_base=api_base.strip().rstrip("/") if api_base else None,
    )


def check_profile(
    table: Mapping[str, Any],
    *,
    taken: set[str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    path: Path = Path(CONFIG_FILENAME),
) -> tuple[Profile | None, list[Problem]]:
    """Check one profile as the loader would (for forms and `profile add`)."""
    checker = _Checker(path)
    profile = _profile(checker, None, dict(table), defaults or {}, set(taken or ()))
    return profile, checker.problems


def _table(checker: _Checker, doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = doc.get(key, {})
    if isinstance(value, dict):
        return value
    checker.add(
        "error",
        checker.where(f"[{key}]"),
        _("expected a table, got {value}").format(value=quoted(value)),
    )
    return {}


def _number(checker: _Checker, table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
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


def build_config(path: Path, doc: Mapping[str, Any] | None) -> Config:
    """Check a parsed document and turn it into a Config; problems are collected, not raised."""
    if doc is None:
        return Config(path=path)
    checker = _Checker(path)
    for key in doc:
        if key not in ("profiles", "defaults", "network", "ui"):
            checker.add(
                "warning",
                checker.where(visible(str(key))),
                _("unknown top-level key, ignored (known: profiles, defaults, network, ui)"),
            )
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
    concurrency = numbers.get("concurrency") or DEFAULT_CONCURRENCY
    if concurrency > MAX_CONCURRENCY:
        checker.add(
            "error",
            checker.where("[network]", "concurrency"),
            _("at most {limit}").format(limit=MAX_CONCURRENCY),
        )
        concurrency = MAX_CONCURRENCY
    base = NetworkSettings()
    settings = NetworkSettings(
        connect_timeout=numbers.get("connect_timeout") or base.connect_timeout,
        read_timeout=numbers.get("read_timeout") or base.read_timeout,
        max_attempts=numbers.get("retries") or base.max_attempts,
        retry_time=numbers.get("retry_time") or base.retry_time,
    )

    ui = _table(checker, doc, "ui")
    lang = ui.get("lang")
    if lang is not None and lang not in LANGUAGES:
        checker.add(
            "error",
            checker.where("[ui]", "lang"),
            _("expected one of {choices}, got {value}").format(
                choices=", ".join(LANGUAGES), value=quoted(lang)
            ),
        )
        lang = None

    raw_profiles = doc.get("profiles", [])
    profiles: list[Profile] = []
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
    for index, table in enumerate(raw_profiles):
        profile = _profile(checker, index, table, defaults, names)
        if profile is not None:
            profiles.append(profile)
    return Config(
        path=path,
        profiles=tuple(profiles),
        network=settings,
        concurrency=int(concurrency),
        token_command_timeout=numbers.get("token_command_timeout") or 20.0,
        lang=lang,
        problems=tuple(checker.problems),
        exists=True,
    )


# -- changes -----------------------------------------------------------------------------

Change = Callable[[dict[str, Any]], None]
"""A change to the document, applied to the file as it is on disk at save time."""


def _profiles_of(doc: dict[str, Any]) -> list[Any]:
    profiles = doc.setdefault("profiles", [])
    if not isinstance(profiles, list):
        raise ConfigError(
            N_("The file's profiles entry is not an array of tables; wxdash left it untouched"),
            hint=N_("Fix it by hand: each profile starts with [[profiles]]."),
        )
    return profiles


def _index_of(profiles: list[Any], name: str) -> int:
    for index, table in enumerate(profiles):
        if isinstance(table, dict) and table.get("name") == name:
            return index
    raise ConfigError(
        N_("No profile is called {name} in the file any more"),
        hint=N_("Another program may have changed the file; reload and try again."),
        name=quoted(name),
    )


def _require_free(profiles: list[Any], name: str) -> None:
    if any(isinstance(t, dict) and t.get("name") == name for t in profiles):
        raise ConfigError(
            N_("A profile called {name} already exists"),
            hint=N_("Profile names must be unique: choose another name."),
            name=quoted(name),
        )


def add_profile(profile: Profile) -> Change:
    def apply(doc: dict[str, Any]) -> None:
        profiles = _profiles_of(doc)
        _require_free(profiles, profile.name)
        profiles.append(profile.to_table())

    return apply


def add_tables(tables: list[dict[str, Any]]) -> Change:
    """Append profiles as given (an import): each keeps inheriting what [defaults] set."""

    def apply(doc: dict[str, Any]) -> None:
        profiles = _profiles_of(doc)
        for table in tables:
            _require_free(profiles, table["name"])
            profiles.append(dict(table))

    return apply


def update_profile(name: str, profile: Profile) -> Change:
    """Replace the profile called `name`, keeping keys the form does not manage."""

    def apply(doc: dict[str, Any]) -> None:
        profiles = _profiles_of(doc)
        index = _index_of(profiles, name)
        if profile.name != name:
            _require_free(profiles, profile.name)
        kept = {k: v for k, v in profiles[index].items() if k not in PROFILE_KEYS}
        profiles[index] = {**profile.to_table(), **kept}

    return apply


def remove_profile(name: str) -> Change:
    def apply(doc: dict[str, Any]) -> None:
        profiles = _profiles_of(doc)
        del profiles[_index_of(profiles, name)]

    return apply


def rename_profile(old: str, new: str) -> Change:
    def apply(doc: dict[str, Any]) -> None:
        profiles = _profiles_of(doc)
        index = _index_of(profiles, old)
        _require_free(profiles, new)
        profiles[index]["name"] = new

    return apply


def set_language(lang: str) -> Change:
    def apply(doc: dict[str, Any]) -> None:
        ui = doc.setdefault("ui", {})
        if not isinstance(ui, dict):
            raise ConfigError(N_("The file's [ui] entry is not a table; wxdash left it untouched"))
        ui["lang"] = lang

    return apply


# -- the store ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SaveResult:
    config: Config
    merged: bool = False  # the file had changed on disk; the change was applied on top

    @property
    def notice(self) -> str | None:
        if not self.merged:
            return None
        return _(
            "{path} was changed by another program since wxdash read it: your change was "
            "applied on top of that version (the previous file is in {backup})."
        ).format(path=self.config.path.name, backup=self.config.path.name + ".bak")


@dataclass
class ProfileStore:
    """Reads and saves one config file."""

    path: Path
    _seen: bytes | None = field(default=None, repr=False)
    _polled: tuple[bytes | None] | None = field(default=None, repr=False)

    def load(self) -> Config:
        """Read and check the file. ConfigError if it cannot be read or is not TOML."""
        found = read_document(self.path)
        if found is None:
            self._seen = None
            return build_config(self.path, None)
        doc, raw = found
        self._seen = raw
        return build_config(self.path, doc)

    def changed_on_disk(self, *, settle: bool = False) -> bool:
        """Whether the file differs from what `load()` last read. With `settle`, only once it
        has stayed the same since the previous call (an editor may still be writing it)."""
        try:
            current = self.path.read_bytes()
        except FileNotFoundError:
            current = None
        except OSError:
            return True
        if current == self._seen:
            return False
        if not settle:
            return True
        settled, self._polled = self._polled == (current,), (current,)
        return settled

    def save(self, change: Change) -> SaveResult:
        """Apply `change` to the file as it is now and write it atomically."""
        found = read_document(self.path)
        doc, raw = found if found is not None else ({}, None)
        merged = raw != self._seen
        change(doc)
        data = dumps_document(doc).encode("utf-8")
        config = build_config(self.path, tomllib.loads(data.decode("utf-8")))
        write_atomic(self.path, data, backup=raw)
        self._seen = data
        return SaveResult(config, merged=merged)


def dumps_document(doc: Mapping[str, Any]) -> str:
    """The document as TOML, each profile under its own `[[profiles]]` header.

    tomli-w writes an array of short tables inline (`profiles = [{...}]`), and TOML forbids
    adding `[[profiles]]` to an inline array: a person who then appends a profile by hand, as
    the README shows, would break the file.
    """
    profiles = doc.get("profiles")
    if not (isinstance(profiles, list) and all(isinstance(t, dict) for t in profiles)):
        return tomli_w.dumps(doc)
    rest = {k: v for k, v in doc.items() if k != "profiles"}
    parts = [tomli_w.dumps(rest)] if rest else []
    for table in profiles:
        # Sub-tables of a profile belong to it: [notes] becomes [profiles.notes].
        body = re.sub(r"^(\[+)", r"\1profiles.", tomli_w.dumps(table), flags=re.MULTILINE)
        parts.append("[[profiles]]\n" + body)
    text = "\n".join(parts)
    return text if tomllib.loads(text) == doc else tomli_w.dumps(doc)


def _secure_folder(folder: Path) -> None:
    """Create the folder 0700; tighten an existing one only if it is wxdash's own."""
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if created or folder.name == APP_NAME:
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)


_TEMP_PID = re.compile(r"\.(\d+)\.[^.]+\.tmp$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, it is just not ours
    return True


def _remove_stale_temps(path: Path) -> None:
    """Temporary files left by a save that was killed half-way. Each carries the saving
    process's id, so a save in progress in another wxdash is left alone."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        found = _TEMP_PID.search(stale.name)
        if found is None or not _alive(int(found.group(1))):
            with contextlib.suppress(OSError):
                stale.unlink()


def _replace_with(path: Path, data: bytes) -> None:
    prefix = f".{path.name}.{os.getpid()}."
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def write_atomic(path: Path, data: bytes, *, backup: bytes | None) -> None:
    """Write `data` to `path` so that a crash at any point leaves the old or the new file whole.

    `backup`, the file's previous content, goes to `<name>.bak` first (also atomically).
    A symlinked file (dotfiles) is written where it points, so the link stays a link.
    """
    try:
        if path.is_symlink():
            path = path.resolve()
        _secure_folder(path.parent)
        _remove_stale_temps(path)
        if backup is not None:
            _replace_with(path.with_name(path.name + ".bak"), backup)
        _replace_with(path, data)
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except OSError as exc:
        raise ConfigError(
            N_("Could not save {path}: {reason}"),
            hint=N_("Nothing was changed; check that the folder is writable and has space."),
            path=str(path),
            reason=exc.strerror or type(exc).__name__,
        ) from None
