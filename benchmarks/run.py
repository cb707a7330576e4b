"""wxdash's benchmarks: each figure is a ratio to a floor measured side by side in the same run.

    .venv/bin/python benchmarks/run.py            # the full run (a few minutes)
    .venv/bin/python benchmarks/run.py --quick    # a smoke run: small sizes, one repetition

The fake WeChat server runs in this process with injected latency; wxdash and the floors
(`floor.py`, `floor_app.py`, `raw.py`; `raw_probe.py` against the loopback TLS hosts of
`probes.py`) run as separate processes against it, one at a time, with their own config and
cache folders. A noisy machine slows both sides alike, so the ratios
compare fairly where the absolute times do not. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from wxdash.fakeserver import FakeWeChat, big_domains, shop_domains  # noqa: E402
from wxdash.profiles import DEFAULT_CONCURRENCY  # noqa: E402

NEEDLE = "https://api.shop0.com"  # the first profile's first domain
BIG_NEEDLE = "request000.effective.example.com"


@dataclass
class Row:
    name: str
    ours: str
    floor: str
    ratio: float | None
    target: str
    met: bool | None


# -- the child processes ---------------------------------------------------------------


def _screen(app: Any) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def _until(pilot: Any, condition: Callable[[], bool], timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise SystemExit("timed out:\n" + _screen(pilot.app))
        await pilot.pause(0.01)


def _make_app(kind: str, config: str, **floor: Any) -> Any:
    if kind == "wxdash":
        from wxdash.app import WxDashApp

        return WxDashApp(config_file=config)
    from floor_app import BareApp

    return BareApp(config, **floor)


async def child_first_frame(kind: str, config: str) -> None:
    app = _make_app(kind, config)
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(pilot, lambda: NEEDLE in _screen(app))
        print("shown", flush=True)


async def _timed_key(pilot: Any, key: str) -> float:
    """Seconds from a key arriving to the screen updated: the key and every message it set off
    handled, then the layout and the changed lines drawn (what the refresh timer does next).

    The key goes in as the terminal driver sends it; `Pilot.press` would add its own waits for
    the process to look idle, which on a busy machine measure the machine."""
    from textual import events

    app = pilot.app
    await pilot.pause()
    started = time.perf_counter()
    app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
    for _ in range(3):  # the key, the messages it posts, and theirs
        await pilot._wait_for_screen()
    app.screen._on_timer_update()
    return time.perf_counter() - started


async def child_filter(kind: str, config: str, runs: int) -> None:
    """Time a protocol toggle and each letter typed into the text filter, key to screen."""
    app = _make_app(kind, config)
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(pilot, lambda: BIG_NEEDLE in _screen(app))
        tree = app.query("Tree").first()
        toggles, typing = [], []
        for _ in range(runs):
            tree.focus()
            await pilot.pause()
            for _twice in range(2):
                toggles.append(await _timed_key(pilot, "1"))
            if kind == "wxdash":
                await pilot.press("slash")
            else:
                app.query_one("Input").focus()
            await pilot.pause()
            for letter in "example":
                typing.append(await _timed_key(pilot, letter))
            await pilot.press(*["backspace"] * len("example"))
            await pilot.pause()
        print(json.dumps({"toggle": toggles, "type": typing}), flush=True)


async def child_memory(kind: str, config: str) -> None:
    """Fetch every profile, then report the peak resident memory."""
    app = _make_app(kind, config, fetch_all=True)
    async with app.run_test(size=(120, 40)) as pilot:
        if kind == "wxdash":
            await _until(pilot, lambda: NEEDLE in _screen(app))
            app.dashboard._fetch_names(list(app.dashboard.states), True)  # R, confirmed
            await _until(pilot, lambda: all(s.report for s in app.dashboard.states.values()))
        else:
            await _until(pilot, lambda: len(app.kept) == len(app.profiles))
        await pilot.pause()
        _screen(app)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(json.dumps({"peak": peak}), flush=True)


def run_child(argv: list[str]) -> None:
    kind, what, config, *rest = argv
    if what == "first-frame":
        asyncio.run(child_first_frame(kind, config))
    elif what == "filter":
        asyncio.run(child_filter(kind, config, int(rest[0])))
    elif what == "memory":
        asyncio.run(child_memory(kind, config))


# -- the parent ------------------------------------------------------------------------


class Bench:
    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.profiles = 50 if quick else 1000
        self.repeat = 1 if quick else 5
        self.folder = Path(tempfile.mkdtemp(prefix="wxdash-bench-"))
        home = self.folder / "home"
        kept = {
            k: v
            for k, v in os.environ.items()
            if "proxy" not in k.lower() and k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")
        }
        self.env = {
            **kept,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "LC_ALL": "C.UTF-8",
            "PYTHONPATH": os.pathsep.join([str(HERE.parent), str(HERE)]),
            # Compiled once, into this run's folder, as an installed package is: otherwise a
            # run under PYTHONDONTWRITEBYTECODE compiles every module it imports, every time.
            # (PYTHONUNBUFFERED is left out too: output is buffered as Python buffers it.)
            "PYTHONPYCACHEPREFIX": str(self.folder / "pycache"),
        }
        sources = [str(HERE.parent / "wxdash"), str(HERE)]
        compile_all = [sys.executable, "-m", "compileall", "-q", *sources]
        subprocess.run(compile_all, env=self.env, check=True)
        self.server = FakeWeChat().start()
        self.tables = []
        for i in range(self.profiles):
            appid = f"wx{i:016x}"
            app = self.server.add_app(appid, domains=shop_domains(f"shop{i}"))
            self.tables.append(
                {
                    "name": f"Merchant {i:04d}",
                    "appid": appid,
                    "access_token": app.token,
                    "api_base": self.server.url,
                }
            )
        big = self.server.add_app("wxb000000000000000", domains=big_domains(200))
        self.big_table = {
            "name": "Grand Mall",
            "appid": "wxb000000000000000",
            "access_token": big.token,
            "api_base": self.server.url,
        }
        self.one = self.config("one", self.tables[:1])
        self.many = self.config("many", self.tables)
        self.big = self.config("big", [self.big_table])

    def config(self, name: str, tables: list[dict[str, Any]]) -> str:
        path = self.folder / f"{name}.toml"
        path.write_text(tomli_w.dumps({"profiles": tables}), encoding="utf-8")
        return str(path)

    def close(self) -> None:
        self.server.stop()
        shutil.rmtree(self.folder, ignore_errors=True)  # configs, caches and bytecode

    # -- running things ----------------------------------------------------------------

    def timed(self, argv: list[str], until: str | None = None) -> float:
        """Seconds from start to exit, or to the first line that starts with `until`."""
        started = time.perf_counter()
        child = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env, text=True
        )
        assert child.stdout is not None
        if until is not None:
            for line in child.stdout:
                if line.startswith(until):
                    break
            elapsed = time.perf_counter() - started
            child.stdout.read()
        _out, err = child.communicate(timeout=600)
        if until is None:
            elapsed = time.perf_counter() - started
        if child.returncode not in (0, None):
            raise SystemExit(f"{' '.join(argv)} failed ({child.returncode}):\n{err[-2000:]}")
        return elapsed

    def json_child(self, argv: list[str]) -> Any:
        result = subprocess.run(
            argv, capture_output=True, text=True, env=self.env, timeout=900, check=False
        )
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{result.stderr[-2000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def child(self, kind: str, what: str, config: str, *rest: str) -> list[str]:
        return [sys.executable, str(HERE / "run.py"), "--child", kind, what, config, *rest]

    def side_by_side(self, *commands: list[str], until: str | None = None) -> list[float]:
        """Median seconds of each command, runs interleaved so that noise hits all alike."""
        times: list[list[float]] = [[] for _ in commands]
        for _ in range(self.repeat):
            for command, kept in zip(commands, times, strict=True):
                kept.append(self.timed(command, until))
        return [statistics.median(kept) for kept in times]

    # -- the measurements --------------------------------------------------------------

    def first_frame(self) -> list[Row]:
        self.server.latency = 0.02
        rows = []
        for label, config in (("1 profile", self.one), (f"{self.profiles:,} profiles", self.many)):
            ours, floor = self.side_by_side(
                self.child("wxdash", "first-frame", config),
                self.child("floor", "first-frame", config),
                until="shown",
            )
            rows.append(ratio_row(f"1. TUI first frame, {label}", ours, floor, 1.3))
        return rows

    def fetch_one(self) -> list[Row]:
        self.server.latency = 0.02
        table = self.tables[0]
        ours, floor = self.side_by_side(
            [sys.executable, "-m", "wxdash", "--config", self.one, "fetch", "-f", "json"],
            [sys.executable, str(HERE / "floor.py"), table["api_base"], table["access_token"]],
        )
        return [ratio_row("2. fetch -p X -f json, wall time", ours, floor, 1.3)]

    def fetch_all(self) -> list[Row]:
        latency = 0.02
        self.server.latency = latency
        ideal = self.profiles / DEFAULT_CONCURRENCY * latency
        concurrency = str(DEFAULT_CONCURRENCY)
        ours, floor, raw = self.side_by_side(
            [sys.executable, "-m", "wxdash", "--config", self.many, "fetch", "--all"],
            [sys.executable, str(HERE / "floor.py"), "--all", self.many, concurrency],
            [sys.executable, str(HERE / "raw.py"), self.many, concurrency],
        )
        name = f"3. fetch --all, {self.profiles:,} x 20 ms, concurrency {DEFAULT_CONCURRENCY}"
        target = f"{seconds(ideal)} ideal"
        return [
            Row(name, seconds(ours), target, ours / ideal, "<= 1.3x", ours / ideal <= 1.3),
            Row("   bare httpx, same calls", seconds(floor), target, floor / ideal, "", None),
            Row("   bare asyncio sockets, same calls", seconds(raw), target, raw / ideal, "", None),
        ]

    def filters(self) -> list[Row]:
        self.server.latency = 0.0
        runs = "2" if self.quick else "10"
        ours = self.json_child(self.child("wxdash", "filter", self.big, runs))
        floor = self.json_child(self.child("floor", "filter", self.big, runs))
        rows = []
        for key, label in (("toggle", "toggle a protocol"), ("type", "type in the text filter")):
            median, p95 = quantiles(ours[key])
            floor_median, floor_p95 = quantiles(floor[key])
            rows.append(
                Row(
                    f"4. {label} (4,800 domains), median / p95",
                    f"{ms(median)} / {ms(p95)}",
                    f"{ms(floor_median)} / {ms(floor_p95)}",
                    median / floor_median,
                    "median < 50 ms",
                    median < 0.050,
                )
            )
        return rows

    def probes(self) -> list[Row]:
        """`wxdash probe` of many hosts on loopback against bare asyncio handshakes."""
        from probes import CONCURRENCY, TARGET, ProbeFleet, check_answers

        self.server.latency = 0.0
        count = 50 if self.quick else 500
        with ProbeFleet(self.folder, self.server, count) as fleet:
            env, self.env = self.env, fleet.env(self.env)
            try:
                check_answers(fleet, self.env)
                ours, floor = self.side_by_side(fleet.wxdash(), fleet.raw())
            finally:
                self.env = env
        name = f"6. probe {count:,} hosts, concurrency {CONCURRENCY}"
        return [ratio_row(name, ours, floor, TARGET)]

    def memory(self) -> list[Row]:
        self.server.latency = 0.0
        ours = self.json_child(self.child("wxdash", "memory", self.many))["peak"]
        floor = self.json_child(self.child("floor", "memory", self.many))["peak"]
        label = f"5. peak memory, {self.profiles:,} profiles fetched"
        return [Row(label, mib(ours), mib(floor), ours / floor, "<= 2x", ours / floor <= 2)]


def ratio_row(name: str, ours: float, floor: float, target: float) -> Row:
    ratio = ours / floor
    return Row(name, seconds(ours), seconds(floor), ratio, f"<= {target}x", ratio <= target)


def quantiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def seconds(value: float) -> str:
    return f"{value:.2f} s"


def ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def mib(value: float) -> str:
    return f"{value / 2**20:.0f} MiB"


def machine() -> str:
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory = float("nan")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} CPUs, {memory:.0f} GiB RAM, load {load:.1f} at start, "
        f"Python {platform.python_version()}, {platform.system()}"
    )


def table(rows: list[Row]) -> str:
    head = ("measurement", "wxdash", "floor", "ratio", "target", "")
    lines = [
        (
            r.name,
            r.ours,
            r.floor,
            f"{r.ratio:.2f}x" if r.ratio is not None else "",
            r.target,
            {True: "met", False: "MISSED", None: ""}[r.met],
        )
        for r in rows
    ]
    widths = [max(len(str(x[i])) for x in [head, *lines]) for i in range(len(head))]
    out = []
    for index, line in enumerate([head, *lines]):
        out.append("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child)
        return
    print(f"wxdash benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(machine(), flush=True)
    bench = Bench(args.quick)
    rows: list[Row] = []
    try:
        for step in (
            bench.first_frame,
            bench.fetch_one,
            bench.fetch_all,
            bench.filters,
            bench.memory,
            bench.probes,
        ):
            rows.extend(step())
            print(f"  done: {step.__name__}", file=sys.stderr, flush=True)
    finally:
        bench.close()
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
