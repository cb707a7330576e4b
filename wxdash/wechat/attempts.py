"""Telling whoever waits on a call which attempt it is on, without an argument in every call.

A caller (the dashboard fetching one profile) sets a listener for its task with
`attempts_told_to`; every call made in that task, and in the tasks it starts (a profile's two
calls side by side), tells it the attempt each time one starts: 1, then 2 after a backoff.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

_listener: ContextVar[Callable[[int], None] | None] = ContextVar(
    "wxdash_attempt_listener", default=None
)


@contextlib.contextmanager
def attempts_told_to(listener: Callable[[int], None]) -> Iterator[None]:
    """Tell `listener` the attempt number each time a call made inside starts one."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def tell_attempt(attempt: int) -> None:
    """A call starts its `attempt`th attempt (a failover to another host keeps the number)."""
    listener = _listener.get()
    if listener is not None:
        listener(attempt)
