"""Running a token_command: its output read with a cap, its time bounded, its process group ended.

`asyncio`'s own pipes would buffer all a command prints (`yes` fills memory) and make `wait()`
wait for every process still holding them, children in the background included. Here the
pipes are wxdash's: read as data arrives, up to `OUTPUT_CAP`, and closed as soon as the command
itself has ended, whoever else still holds them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# A token is a few hundred bytes; anything near this is not a token.
OUTPUT_CAP = 64 * 1024
# Once the command is killed, how long to wait for the system to report it gone.
REAP_TIME = 5.0
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Finished:
    """A command that ended on its own: its exit status and what it printed."""

    status: int
    stdout: bytes
    stderr: bytes


class TooMuchOutput(Exception):
    """The command printed more than `OUTPUT_CAP` bytes on `stream`; it was killed."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.stream = stream


class _Capture:
    """One of the command's output pipes, read as data arrives, up to `OUTPUT_CAP` bytes."""

    def __init__(self, fd: int, stream: str, wake: Callable[[], None]) -> None:
        self.stream = stream
        self.data = bytearray()
        self.ended = False
        self.overflow = False
        self._fd: int | None = fd
        self._wake = wake
        self._loop = asyncio.get_running_loop()
        os.set_blocking(fd, False)
        self._loop.add_reader(fd, self.read)

    def read(self) -> None:
        """Take what the pipe holds now; on its end or on overflow, close it and say so."""
        while self._fd is not None:
            try:
                chunk = os.read(self._fd, _CHUNK)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self.ended = True
            elif len(self.data) + len(chunk) > OUTPUT_CAP:
                self.overflow = True
            else:
                self.data += chunk
                continue
            self.close()
            self._wake()

    def close(self) -> None:
        if self._fd is not None:
            self._loop.remove_reader(self._fd)
            os.close(self._fd)
            self._fd = None


def kill_group(pid: int) -> None:
    """SIGKILL the process group `pid` leads (the command and the children it did not detach)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def run(argv: list[str], env: Mapping[str, str], timeout: float) -> Finished:
    """Run `argv` in a session of its own, stdin empty. Raises TimeoutError after `timeout`
    seconds and TooMuchOutput past the cap, the command's process group killed either way;
    OSError if it could not start."""
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out_write,
            stderr=err_write,
            env=dict(env),
            start_new_session=True,
        )
    except BaseException:
        os.close(out_read)
        os.close(err_read)
        raise
    finally:
        os.close(out_write)
        os.close(err_write)
    wake = asyncio.Event()
    out = _Capture(out_read, "stdout", wake.set)
    err = _Capture(err_read, "stderr", wake.set)
    exited = asyncio.ensure_future(process.wait())
    exited.add_done_callback(lambda _done: wake.set())
    try:
        async with asyncio.timeout(timeout):
            while True:
                if exited.done():
                    # All it wrote before it ended is in the pipes now; a child it left in the
                    # background may hold them open for ever, so read what is there and stop.
                    out.read()
                    err.read()
                for capture in (out, err):
                    if capture.overflow:
                        raise TooMuchOutput(capture.stream)
                if exited.done():
                    return Finished(exited.result(), bytes(out.data), bytes(err.data))
                wake.clear()
                await wake.wait()
    finally:
        out.close()
        err.close()
        if not exited.done():
            kill_group(process.pid)
            await asyncio.wait({exited}, timeout=REAP_TIME)
            exited.cancel()
