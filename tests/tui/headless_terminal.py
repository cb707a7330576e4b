"""Fixtures for what the dashboard tests' headless terminal receives, and the clipboard tools
the machine has. A test module that uses them says `pytest_plugins = ["headless_terminal"]`
(this folder has no conftest of its own: the root conftest keeps its module name)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.drivers.headless_driver import HeadlessDriver


@pytest.fixture
def no_native_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with no clipboard tool to run (as over SSH)."""
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "WSL_DISTRO_NAME", "WSL_INTEROP"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch, no_native_clipboard: None) -> Iterator[list[str]]:
    """Everything the app writes to the (headless) terminal. No native clipboard tool either,
    unless the test asks for a fixture that puts one back after `no_native_clipboard`."""
    written: list[str] = []
    monkeypatch.setattr(HeadlessDriver, "write", lambda self, data: written.append(data))
    yield written
