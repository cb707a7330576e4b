"""The edits a save applies: add, update, rename or remove profiles, set the language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wxdash.i18n import N_
from wxdash.profiles.config import PROFILE_KEYS, ConfigError, Profile
from wxdash.safetext import quoted

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
    return _set_ui("lang", lang)


def set_theme(theme: str) -> Change:
    return _set_ui("theme", theme)


def _set_ui(key: str, value: str) -> Change:
    def apply(doc: dict[str, Any]) -> None:
        ui = doc.setdefault("ui", {})
        if not isinstance(ui, dict):
            raise ConfigError(N_("The file's [ui] entry is not a table; wxdash left it untouched"))
        ui[key] = value

    return apply
