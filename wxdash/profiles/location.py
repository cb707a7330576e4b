"""Where the config file lives: --config, the environment, or the OS's usual folder."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "wxdash"
CONFIG_FILENAME = "config.toml"


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
