"""Probing many distinct hosts on loopback: `wxdash probe` against the same handshakes made by a
bare asyncio script (`raw_probe.py`), side by side in one run.

One TLS server on loopback (a `*.probe.bench` certificate from the fake server's demo CA)
answers every host; a profile on the fake WeChat server lists them all; `wxdash probe`
reaches each through `--connect-to`, trusting the CA through SSL_CERT_FILE. `run.py` puts the
result in its table; run alone, this prints the two times and their ratio:

    .venv/bin/python benchmarks/probes.py --hosts 100     # small sizes only on a shared machine
    .venv/bin/python benchmarks/probes.py --quick         # 50 hosts, one repetition
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import tomli_w

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from wxdash.fakeserver import FakeWeChat  # noqa: E402
from wxdash.fakeserver.certificates import DemoCA  # noqa: E402
from wxdash.fakeserver.tls import TlsHosts  # noqa: E402

CONCURRENCY = 32
HOSTS = 500
TARGET = 1.5


class ProbeFleet:
    """The TLS server, the CA file, and a config whose one profile lists `count` hosts."""

    def __init__(self, folder: Path, server: FakeWeChat, count: int) -> None:
        self.folder = folder
        self.hosts = [f"h{i:04d}.probe.bench" for i in range(count)]
        ca = DemoCA()
        self.ca_file = folder / "probe-ca.pem"
        self.ca_file.write_bytes(ca.root_pem)
        self.servers = TlsHosts().start()
        self.port = self.servers.serve(ca.leaf(["*.probe.bench"]).context())
        domains = {"requestdomain": [f"https://{h}" for h in self.hosts]}
        app = server.add_app("wxbe00000000000000", domains={"effective_domain": domains})
        table = {
            "name": "Probe bench",
            "appid": "wxbe00000000000000",
            "access_token": app.token,
            "api_base": server.url,
        }
        self.config = folder / "probes.toml"
        self.config.write_text(tomli_w.dumps({"profiles": [table]}), encoding="utf-8")

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return {**base, "SSL_CERT_FILE": str(self.ca_file)}

    def wxdash(self) -> list[str]:
        command = [sys.executable, "-m", "wxdash", "--config", str(self.config), "probe"]
        command += ["--all", "-f", "json", "--concurrency", str(CONCURRENCY)]
        for host in self.hosts:
            command += ["--connect-to", f"{host}:443:127.0.0.1:{self.port}"]
        return command

    def raw(self) -> list[str]:
        script = str(HERE / "raw_probe.py")
        where = [str(self.ca_file), str(self.port), str(CONCURRENCY)]
        return [sys.executable, script, *where, *self.hosts]

    def handshakes(self) -> int:
        return sum(self.servers.handshakes.values())

    def close(self) -> None:
        self.servers.stop()

    def __enter__(self) -> ProbeFleet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_answers(fleet: ProbeFleet, env: dict[str, str]) -> None:
    """Both commands must find every host fine, or their times compare nothing."""
    ours = subprocess.run(fleet.wxdash(), capture_output=True, text=True, env=env, check=False)
    if ours.returncode != 0:
        raise SystemExit(f"wxdash probe failed ({ours.returncode}):\n{ours.stderr[-2000:]}")
    statuses = {h["status"] for h in json.loads(ours.stdout)["hosts"]}
    raw = subprocess.run(fleet.raw(), capture_output=True, text=True, env=env, check=True)
    fine = json.loads(raw.stdout)["fine"]
    if statuses != {"ok"} or fine != len(fleet.hosts):
        raise SystemExit(f"not every host was fine: wxdash {statuses}, bare {fine}")


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, env=env, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=HOSTS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="50 hosts, one repetition")
    args = parser.parse_args()
    count, repeat = (50, 1) if args.quick else (args.hosts, args.repeat)
    env: dict[str, Any] = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    with tempfile.TemporaryDirectory(prefix="wxdash-probe-bench-") as folder:
        env |= {"XDG_CACHE_HOME": str(Path(folder) / "cache"), "PYTHONPATH": str(HERE.parent)}
        with FakeWeChat() as server, ProbeFleet(Path(folder), server, count) as fleet:
            env = fleet.env(env)
            check_answers(fleet, env)
            ours, floor = [], []
            for _ in range(repeat):
                ours.append(_timed(fleet.wxdash(), env))
                floor.append(_timed(fleet.raw(), env))
    ratio = statistics.median(ours) / statistics.median(floor)
    print(f"probe {count:,} hosts, concurrency {CONCURRENCY}")
    print(f"  wxdash probe      {statistics.median(ours):.2f} s")
    print(f"  bare asyncio      {statistics.median(floor):.2f} s")
    print(f"  ratio             {ratio:.2f}x (target <= {TARGET}x)")


if __name__ == "__main__":
    main()
