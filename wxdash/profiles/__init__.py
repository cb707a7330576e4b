"""The profile store: where the config file lives, how it is read and checked, how it is saved.

The file is TOML, read with tomllib and written with tomli-w. Reading never changes it; a file
that cannot be read is never rewritten. Saving is atomic (temporary file, fsync, rename), keeps
the previous version as `config.toml.bak`, uses mode 0600 in a 0700 folder, and applies the
one change on top of the file as it is on disk now, so another editor's change is not lost.

`location` finds the file, `reading` and `checking` turn it into a `Config`, `edits` are the
changes a save applies, `saving` writes the bytes, and `store` ties them to one file.
"""

from wxdash.profiles.checking import APPID_PATTERN, check_api_base, check_appid, check_profile
from wxdash.profiles.config import (
    DEFAULT_CONCURRENCY,
    PLATFORM_KEYS,
    PROFILE_KEYS,
    TOKEN_KEYS,
    Config,
    ConfigError,
    Platform,
    Problem,
    Profile,
)
from wxdash.profiles.edits import (
    Change,
    add_profile,
    add_tables,
    remove_profile,
    rename_profile,
    set_language,
    set_theme,
    update_profile,
)
from wxdash.profiles.location import APP_NAME, CONFIG_FILENAME, config_path
from wxdash.profiles.reading import (
    DEFAULT_KEYS,
    MAX_CONCURRENCY,
    NETWORK_KEYS,
    build_config,
    read_document,
)
from wxdash.profiles.saving import dumps_document, write_atomic
from wxdash.profiles.store import ProfileStore, SaveResult, secrets_exposed

__all__ = [
    "APPID_PATTERN",
    "APP_NAME",
    "CONFIG_FILENAME",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_KEYS",
    "MAX_CONCURRENCY",
    "NETWORK_KEYS",
    "PLATFORM_KEYS",
    "PROFILE_KEYS",
    "TOKEN_KEYS",
    "Change",
    "Config",
    "ConfigError",
    "Platform",
    "Problem",
    "Profile",
    "ProfileStore",
    "SaveResult",
    "add_profile",
    "add_tables",
    "build_config",
    "check_api_base",
    "check_appid",
    "check_profile",
    "config_path",
    "dumps_document",
    "read_document",
    "remove_profile",
    "rename_profile",
    "secrets_exposed",
    "set_language",
    "set_theme",
    "update_profile",
    "write_atomic",
]
