"""The benchmark script runs and prints its table (its `--quick` mode; no timing is checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
PROBES = SCRIPT.with_name("probes.py")


@pytest.mark.slow
def test_the_quick_benchmark_prints_a_row_for_each_measurement(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert out.startswith("wxdash benchmarks, ")
    assert "CPUs" in out and "GiB RAM" in out
    header = next(line for line in out.splitlines() if line.startswith("measurement"))
    assert header.split() == ["measurement", "wxdash", "floor", "ratio", "target"]
    for start in ("1. TUI first frame, 1 profile", "1. TUI first frame, 50 profiles",
                  "2. fetch -p X -f json", "3. fetch --all", "4. toggle a protocol",
                  "   bare asyncio sockets", "4. type in the text filter",
                  "5. peak memory", "6. probe 50 hosts"):  # fmt: skip
        assert any(line.startswith(start) for line in out.splitlines()), start
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_quick_probe_benchmark_compares_wxdash_with_bare_handshakes(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(PROBES), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "probe 50 hosts, concurrency 32"
    assert lines[1].split()[:2] == ["wxdash", "probe"]
    assert lines[2].split()[:2] == ["bare", "asyncio"]
    assert lines[3].startswith("  ratio") and lines[3].endswith("(target <= 1.5x)")
    assert "Traceback" not in result.stderr
