"""The machine's own clipboard, when it has one (pbcopy, wl-copy, xclip, xsel, clip.exe).

The app always sends OSC 52 through the terminal too (it works over SSH, but nobody can see
whether the terminal accepted it); a native tool that exits 0 is a copy we can vouch for.
Tools run with a timeout, their own stdin, and no pipes inherited from the app.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping

TIMEOUT = 3.0


def native_command(environ: Mapping[str, str] | None = None) -> list[str] | None:
    """The clipboard tool to use here, or None when there is none (e.g. over SSH)."""
    env = os.environ if environ is None else environ
    path = env.get("PATH")
    candidates: list[list[str]] = []
    if sys.platform == "darwin":
        candidates.append(["pbcopy"])
    if env.get("WAYLAND_DISPLAY"):
        candidates.append(["wl-copy"])
    if env.get("DISPLAY"):
        candidates.append(["xclip", "-selection", "clipboard"])
        candidates.append(["xsel", "--clipboard", "--input"])
    if env.get("WSL_DISTRO_NAME") or env.get("WSL_INTEROP"):
        candidates.append(["clip.exe"])
    for command in candidates:
        found = shutil.which(command[0], path=path)
        if found:
            return [found, *command[1:]]
    return None


def copy_native(text: str, environ: Mapping[str, str] | None = None) -> bool:
    """Give `text` to the native clipboard tool; True when one took it. Blocking: run it in a
    thread."""
    command = native_command(environ)
    if command is None:
        return False
    try:
        completed = subprocess.run(
            command,
            input=text.encode("utf-8"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=TIMEOUT,
            close_fds=True,
            start_new_session=True,
            env=dict(os.environ if environ is None else environ),
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return completed.returncode == 0
