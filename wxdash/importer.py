"""`wxdash profile import FILE`: many profiles from a CSV or JSON file, all checked first.

A CSV file has a header row naming its columns: `name`, `appid` and any other profile key
(`token_env`, `token_command`, `api_base`, ...); an empty cell is a key left out, so a profile
can inherit it from the config's `[defaults]`. A JSON file is a list of objects with the same
keys, or `{"profiles": [...]}`. Every row is checked as the config loader would check it, against
the profiles already in the file, before anything is written; one bad row and nothing is.
A row that sets `api_base` or `token_command` is refused unless the user allowed that key.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wxdash.files import read_regular
from wxdash.i18n import N_, _
from wxdash.profiles import PROFILE_KEYS, TOKEN_KEYS, ConfigError, Problem, check_profile
from wxdash.safetext import quoted, visible
from wxdash.wechat.redact import redact, register_secret
from wxdash.wechat.tokens import TokenKind

# Columns whose values are secrets: registered for redaction before anything is checked.
_SECRET_KEYS = tuple(k.value for k in TokenKind if k.secret)
# The field of a problem about a key wxdash does not know (its own field names are plain keys).
_UNKNOWN = "unknown:"


@dataclass(frozen=True, slots=True)
class Row:
    """One profile as the file gives it; `where` locates it for messages (`line 4`, `#3`)."""

    where: str
    table: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What an import would add (the tables to write) and every problem found on the way."""

    tables: tuple[dict[str, Any], ...]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def _file_error(template: str, path: Path, **params: Any) -> ConfigError:
    return ConfigError(
        template,
        hint=N_("Nothing was imported; the config file was not changed."),
        path=str(path),
        **params,
    )


def read_rows(path: Path) -> list[Row]:
    """The profiles in a CSV or JSON file; ConfigError if the file as a whole cannot be read."""
    try:
        raw = read_regular(path)[0]
    except OSError as exc:
        raise _file_error(
            N_("Cannot read {path}: {reason}"), path, reason=exc.strerror or type(exc).__name__
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            N_("{path} is not UTF-8 text (byte {position})"), path, position=exc.start
        ) from None
    suffix = path.suffix.lower()
    looks_json = text.lstrip()[:1] in ("[", "{")
    if suffix == ".json" or (suffix not in (".csv", ".tsv", ".txt") and looks_json):
        rows = _json_rows(text, path)
    else:
        rows = _csv_rows(text, path)
    if not rows:
        raise _file_error(N_("{path} holds no profiles"), path)
    for row in rows:
        for key in _SECRET_KEYS:
            if isinstance(row.table.get(key), str):
                register_secret(row.table[key].strip())
    return rows


def _json_rows(text: str, path: Path) -> list[Row]:
    try:
        data = json.loads(text)
    except RecursionError:
        raise _file_error(N_("{path} is too deeply nested to read"), path) from None
    except ValueError as exc:
        line = getattr(exc, "lineno", "?")
        column = getattr(exc, "colno", "?")
        raise _file_error(
            N_("{path}, line {line}, column {column}: not valid JSON"),
            path,
            line=line,
            column=column,
        ) from None
    if isinstance(data, dict) and isinstance(data.get("profiles"), list):
        data = data["profiles"]
    if not isinstance(data, list):
        raise _file_error(N_('{path}: expected a list of profiles, or {{"profiles": [...]}}'), path)
    rows = []
    for index, item in enumerate(data):
        where = _("entry {number}").format(number=index + 1)
        if isinstance(item, dict):
            # null is a key left out, as an empty cell is in CSV.
            table = {str(k): v for k, v in item.items() if v is not None}
        else:
            table = {"": item}
        rows.append(Row(where, table))
    return rows


def _csv_rows(text: str, path: Path) -> list[Row]:
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader, None)
        if header is None:
            return []
        columns = [cell.strip().lower() for cell in header]
        _check_header(columns, path)
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            where = _("line {number}").format(number=reader.line_num)
            if len(cells) > len(columns):
                rows.append(Row(where, {"": cells[len(columns) :]}))
                continue
            table = {
                column: cell.strip() for column, cell in zip(columns, cells, strict=False) if cell
            }
            rows.append(Row(where, {k: v for k, v in table.items() if v}))
    except csv.Error as exc:
        raise _file_error(
            N_("{path}, line {line}: not valid CSV: {reason}"),
            path,
            line=reader.line_num,
            reason=str(exc),
        ) from None
    return rows


def _check_header(columns: Sequence[str], path: Path) -> None:
    unknown = [c for c in columns if c not in PROFILE_KEYS]
    if unknown:
        raise _file_error(
            N_("{path}: unknown column {column} (known: {keys})"),
            path,
            column=quoted(unknown[0]),
            keys=", ".join(PROFILE_KEYS),
        )
    twice = [c for c in columns if columns.count(c) > 1]
    if twice:
        raise _file_error(N_("{path}: the column {column} is there twice"), path, column=twice[0])
    for required in ("name", "appid"):
        if required not in columns:
            raise _file_error(
                N_("{path}: no {column} column; the header row must name it"),
                path,
                column=required,
            )


def plan_import(
    rows: Sequence[Row],
    *,
    taken: set[str],
    defaults: Mapping[str, Any],
    label: str,
    allowed: Collection[str] = (),
) -> ImportPlan:
    """Check every row against the profiles already `taken` and each other. A row that sets
    one of `GUARDED_KEYS` not in `allowed` is refused.

    The tables to write hold only the keys a row gives, so a profile keeps inheriting what the
    config's `[defaults]` set (one token_command for a whole platform stays one).
    """
    names = set(taken)
    tables: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for row in rows:
        where = f"{label}, {row.where}"
        if "" in row.table:
            problems.append(_row_problem(row.table[""], where))
            continue
        refused = [k for k in GUARDED_KEYS if k in row.table and k not in allowed]
        problems.extend(_refused(where, key) for key in refused)
        unknown = [k for k in row.table if k not in PROFILE_KEYS]
        for key in unknown:
            problems.append(
                Problem(
                    "error",
                    f"{where}, {visible(key)}",
                    _("unknown key (known keys: {keys})").format(keys=", ".join(PROFILE_KEYS)),
                    _UNKNOWN + key,
                )
            )
        table = {k: v for k, v in row.table.items() if k in PROFILE_KEYS}
        profile, found = check_profile(table, taken=names, defaults=defaults, path=Path(where))
        problems.extend(_redacted(found))
        name = table.get("name")
        if isinstance(name, str) and name.strip():
            names.add(name.strip())
        if profile is None or unknown or refused:
            continue
        written: dict[str, Any] = {"name": profile.name, "appid": profile.appid}
        if any(k in table for k in TOKEN_KEYS):
            written[profile.token.kind.value] = profile.token.value
        if "api_base" in table and profile.api_base:
            written["api_base"] = profile.api_base
        tables.append(written)
    return ImportPlan(tuple(tables), tuple(problems))


# Keys a file from elsewhere could use against the user: api_base sends the platform's token
# to the host it names, token_command runs a command. Importing them takes an explicit flag.
GUARDED_KEYS = {
    "api_base": (
        "--allow-api-base",
        N_("this file sets api_base: the platform's token would be sent to the host it names"),
    ),
    "token_command": (
        "--allow-token-command",
        N_("this file sets token_command: wxdash would run that command to get the token"),
    ),
}
_REFUSED = "refused:"


def _refused(where: str, key: str) -> Problem:
    return Problem("error", f"{where}, {key}", _(GUARDED_KEYS[key][1]), _REFUSED + key)


_HINTS = {
    "name": N_("Give each profile its own name, unique in the file and in the config."),
    "appid": N_("An appid is wx and 16 hex characters, as the mini program's console shows it."),
    "token": N_(
        "Fill exactly one token column (token_env, token_command, ...), or set one token "
        "source in the config's [defaults]."
    ),
    "api_base": N_("Use an https:// URL, or leave it empty for WeChat's own hosts."),
}


def hint_for(problem: Problem) -> str:
    """What to do about a problem in an imported row ("" when the message says it all)."""
    if problem.field is not None and problem.field.startswith(_UNKNOWN):
        return _("Rename the key to one wxdash knows, or drop it.")
    if problem.field is not None and problem.field.startswith(_REFUSED):
        flag = GUARDED_KEYS[problem.field.removeprefix(_REFUSED)][0]
        return _("If you trust this file, run the import again with {flag}.").format(flag=flag)
    if problem.field in _HINTS:
        return _(_HINTS[problem.field])
    return ""


def _row_problem(value: Any, where: str) -> Problem:
    if isinstance(value, list):
        message = _("more cells than the header row has columns")
    else:
        message = _("expected an object with the profile's keys")
    return Problem("error", where, message)


def _redacted(problems: Sequence[Problem]) -> list[Problem]:
    # A token typed into the wrong column would be quoted as that column's value: mask it.
    return [Problem(p.severity, redact(p.where), redact(p.message), p.field) for p in problems]
