"""Writing a file whole (`replace_file`): the cache, exports and anything else written at once."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from wxdash import files
from wxdash.files import replace_file


def test_a_file_is_written_whole_with_exactly_its_mode_and_nothing_beside_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.json"
    old = os.umask(0o077)  # a strict umask must not narrow an export's 0644
    try:
        replace_file(target, b"first", mode=0o644)
        replace_file(target, b"second \n line", mode=0o644)
    finally:
        os.umask(old)
    assert target.read_bytes() == b"second \n line"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert os.listdir(folder) == ["out.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    target = folder / "cache.json"
    replace_file(target, b"the good one")

    def disk_full(_fd: int, _data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "write", disk_full)
    with pytest.raises(OSError, match="No space left"):
        replace_file(target, b"x" * 100_000)
    assert target.read_bytes() == b"the good one"
    assert os.listdir(folder) == ["cache.json"]


def test_a_temporary_name_left_by_a_crashed_process_is_passed_over(tmp_path: Path) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    target = folder / "cache.json"
    start = next(files._numbers) + 1  # the numbers this process takes next
    leftovers = {f".cache.json.{os.getpid()}.{n}.tmp" for n in range(start, start + 50)}
    for name in leftovers:
        (folder / name).write_bytes(b"half")
    replace_file(target, b"whole")
    assert target.read_bytes() == b"whole"
    assert set(os.listdir(folder)) == {"cache.json", *leftovers}  # none of them touched
