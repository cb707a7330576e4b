"""Key storms: seeded random key sequences drawn from the dashboard's own bindings.

The keys come from the `BINDINGS` of the app and of every screen and widget class it shows
(Textual's own included), so a key bound later joins the storm by itself. Navigation keys are
drawn more often than the rest, as a tired operator presses them; keys that open a text field
are often followed by typing, and some keys arrive in bursts, all queued before the app reads
the first, as a paste or `tmux send-keys` deliver them.
"""

from __future__ import annotations

import inspect
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import _character_to_key, _get_unicode_name_from_key

import wxdash.screens
import wxdash.widgets

# Keys a tired operator presses most: drawn this many times as often as the others.
NAVIGATION = {
    "tab",
    "shift+tab",
    "up",
    "down",
    "left",
    "right",
    "home",
    "end",
    "pageup",
    "pagedown",
    "enter",
    "escape",
}
NAVIGATION_WEIGHT = 4
# Keys after which the operator usually types something: a filter, a name, a path.
OPENS_TEXT = {"slash", "f", "p", "F", "a", "e", "x", "ctrl+p"}
# What they type: ASCII, a domain's punctuation, Chinese, a space.
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789.-:/ 店铺商城"


def _classes() -> Iterator[type[DOMNode]]:
    """The app's screen and widget classes, and every class they are built from."""
    import pkgutil
    from importlib import import_module

    for package in (wxdash.screens, wxdash.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            module = import_module(f"{package.__name__}.{info.name}")
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                    yield from cls.__mro__  # type: ignore[misc]


def binding_keys(app_class: type[App[Any]]) -> list[str]:
    """Every key bound anywhere in the dashboard, sorted (so a seed gives the same storm)."""
    keys: set[str] = set()
    classes = [*app_class.__mro__, *_classes()]
    for cls in classes:
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding):
                keys.update(k.strip() for k in binding.key.split(","))
            elif isinstance(binding, tuple):
                keys.update(k.strip() for k in str(binding[0]).split(","))
    keys.add(app_class.COMMAND_PALETTE_BINDING)
    keys.discard("")
    return sorted(keys)


@dataclass(frozen=True)
class Step:
    """Keys to send: one by one (the app may settle between them) or all at once."""

    keys: tuple[str, ...]
    burst: bool = False


def storm(seed: int, length: int, keys: list[str]) -> list[Step]:
    """A reproducible sequence of about `length` keys."""
    rng = random.Random(seed)
    pool = [k for key in keys for k in [key] * (NAVIGATION_WEIGHT if key in NAVIGATION else 1)]
    steps: list[Step] = []
    sent = 0
    while sent < length:
        key = rng.choice(pool)
        typed: tuple[str, ...] = ()
        if key in OPENS_TEXT and rng.random() < 0.7:
            typed = tuple(rng.choice(ALPHABET) for _ in range(rng.randint(1, 8)))
        if rng.random() < 0.15:
            # A burst: this key, what is typed after it, and a few more keys after that.
            more = tuple(rng.choice(pool) for _ in range(rng.randint(2, 12)))
            step = Step((key, *typed, *more), burst=True)
        else:
            step = Step((key, *typed))
        steps.append(step)
        sent += len(step.keys)
    return steps


def key_event(key: str) -> events.Key:
    """The event a terminal sends for `key`, as Pilot builds it."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(key))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


def send_burst(app: App[Any], keys: tuple[str, ...]) -> None:
    """Queue every key at once: all arrive before the app has handled the first."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        driver.send_message(event)
