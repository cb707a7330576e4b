"""`wxdash domains confirmfiles` end to end against the fake server: each merchant's webview
verification file written byte for byte, which merchant needs which, a failing profile, two
files under one name, names no folder should take, and a link planted where a file goes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import FAST, Run, Writer, serve

from wxdash.fakeserver import FakeWeChat
from wxdash.fakeserver.apps import FakeApp

CONFIRMFILE = "/wxa/get_webviewdomain_confirmfile"


def shops(fake: FakeWeChat, write_config: Writer, count: int, **app: Any) -> list[FakeApp]:
    """`count` profiles named A, B, ... for fake apps 1, 2, ..., the apps returned."""
    names = "ABCDEFGH"[:count]
    write_config({"network": FAST, "profiles": [
        serve(fake, name, i + 1, **app) for i, name in enumerate(names)
    ]})  # fmt: skip
    return [fake.app(f"wx{i + 1:016x}") for i in range(count)]


def confirmfiles(*extra: str) -> list[str]:
    return ["domains", "confirmfiles", "--all", "--out", "out", *extra]


def test_each_file_is_written_byte_for_byte_and_a_shared_one_once(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, tmp_path: Path
) -> None:
    a, b, c = shops(fake, write_config, 3)
    a.confirm = "验证 b2c3\n"  # written as WeChat gave it: UTF-8, the newline kept
    c.confirm_name, c.confirm = a.confirm_name, a.confirm  # C needs A's file
    assert a.confirm_name != b.confirm_name  # the fake gives each appid its own
    result = check(run_cli(*confirmfiles()), 0)
    out = tmp_path / "out"
    assert sorted(os.listdir(out)) == sorted([a.confirm_name, b.confirm_name])
    assert (out / a.confirm_name).read_bytes() == "验证 b2c3\n".encode()
    assert (out / b.confirm_name).read_bytes() == b.confirm.encode()
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["A", "wx0000000000000001", a.confirm_name, "written"]
    assert lines[1].split() == ["B", "wx0000000000000002", b.confirm_name, "written"]
    assert lines[2].split() == ["C", "wx0000000000000003", a.confirm_name, "written"]
    assert lines[3] == "Wrote 2 files to out, for 3 profiles"
    assert "https://DOMAIN/FILE_NAME" in lines[4]
    assert result.stderr == ""
    assert [app.write_calls[CONFIRMFILE] for app in (a, b, c)] == [1, 1, 1]
    listed = json.loads(check(run_cli(*confirmfiles("-f", "json")), 0).stdout)
    assert listed["files"][2] == {
        "name": "C", "appid": "wx0000000000000003", "file_name": a.confirm_name,
        "path": os.path.join("out", a.confirm_name), "ok": True, "error": None,
    }  # fmt: skip
    assert listed["summary"] == {"files": 2, "profiles": 3, "failed": 0}


def test_a_profile_that_fails_is_told_with_its_hint_and_the_others_written(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, tmp_path: Path
) -> None:
    a, b = shops(fake, write_config, 2)
    b.webview_scenario = "errcode:48001"
    result = check(run_cli(*confirmfiles()), 1)
    assert "wxdash: B: WeChat error 48001" in result.stderr
    assert "hint: This account is not authorized for the API" in result.stderr
    row = result.stdout.splitlines()[1].split(maxsplit=3)
    assert row[:3] == ["B", "wx0000000000000002", "-"]
    assert row[3].startswith("failed: WeChat error 48001")
    assert "Wrote 1 file to out, for 1 profile; 1 profile failed" in result.stdout
    assert os.listdir(tmp_path / "out") == [a.confirm_name]
    error = json.loads(check(run_cli(*confirmfiles("-f", "json")), 1).stdout)["files"][1]
    assert (error["ok"], error["path"], error["error"]["errcode"]) == (False, None, 48001)


def test_two_different_files_under_one_name_are_written_for_neither(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, tmp_path: Path
) -> None:
    a, b, c = shops(fake, write_config, 3)
    b.confirm_name = a.confirm_name  # the same name, another content
    result = check(run_cli(*confirmfiles()), 1)
    assert os.listdir(tmp_path / "out") == [c.confirm_name]
    assert f"A: {a.confirm_name} is also the name of a different file for B" in result.stderr
    assert f"B: {a.confirm_name} is also the name of a different file for A" in result.stderr
    assert "one at a time (-p NAME)" in result.stderr  # the hint
    assert "Wrote 1 file to out, for 1 profile; 2 profiles failed" in result.stdout
    alone = check(run_cli("domains", "confirmfiles", "-p", "B", "--out", "out"), 0)
    assert "B  wx0000000000000002" in alone.stdout
    assert (tmp_path / "out" / a.confirm_name).read_bytes() == b.confirm.encode()


def test_a_name_no_folder_should_take_is_refused(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, tmp_path: Path
) -> None:
    hostile = ["../escaped.txt", ".htaccess", "a\\b.txt", "a\x00b.txt", "", "a b.txt"]
    for app, name in zip(shops(fake, write_config, len(hostile)), hostile, strict=True):
        app.confirm_name = name
    result = check(run_cli(*confirmfiles()), 1)
    assert os.listdir(tmp_path / "out") == []
    assert not (tmp_path / "escaped.txt").exists()
    assert result.stderr.count("is not a plain file name: refused") == 5
    assert "no usable file_name" in result.stderr  # the empty one
    assert "'../escaped.txt'" in result.stderr and "'a\\x00b.txt'" in result.stderr
    assert "\x00" not in result.stderr + result.stdout
    assert "a proxy, captive portal or wrong api_base" in result.stderr  # the hint


def test_a_link_planted_where_a_file_goes_is_replaced_not_followed(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, tmp_path: Path
) -> None:
    (app,) = shops(fake, write_config, 1)
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    (out / app.confirm_name).symlink_to(elsewhere)
    check(run_cli(*confirmfiles()), 0)
    assert elsewhere.read_text() == "keep me"
    assert not (out / app.confirm_name).is_symlink()
    assert (out / app.confirm_name).read_bytes() == app.confirm.encode()
    assert os.listdir(out) == [app.confirm_name]  # no temporary file left behind


def test_a_file_that_cannot_be_written_fails_its_profile(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, tmp_path: Path
) -> None:
    a, b = shops(fake, write_config, 2)
    (tmp_path / "out" / b.confirm_name).mkdir(parents=True)  # a folder where the file goes
    result = check(run_cli(*confirmfiles()), 1)
    assert f"wxdash: B: {os.path.join('out', b.confirm_name)} could not be written" in (
        result.stderr
    )
    assert "hint: Check that the --out folder is one you can write to." in result.stderr
    assert (tmp_path / "out" / a.confirm_name).read_bytes() == a.confirm.encode()
    assert sorted(os.listdir(tmp_path / "out")) == sorted([a.confirm_name, b.confirm_name])


@pytest.mark.parametrize("out", [None, "afile"])
def test_without_a_usable_folder_nothing_is_asked(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, check: Any, tmp_path: Path,
    out: str | None,
) -> None:  # fmt: skip
    (app,) = shops(fake, write_config, 1)
    (tmp_path / "afile").write_text("")
    command = ["domains", "confirmfiles", "--all", *(["--out", out] if out else [])]
    result = check(run_cli(*command), 2)
    assert ("afile is not a folder" if out else "--out") in result.stderr
    assert app.write_calls[CONFIRMFILE] == 0


def test_the_demo_writes_its_merchants_files(run_cli: Run, check: Any, tmp_path: Path) -> None:
    command = ["--demo", "domains", "confirmfiles", "-p", "Lotus Tea House", "-p", "Harbor Books",
               "-p", "Night Market", "--out", "out"]  # fmt: skip
    result = check(run_cli(*command), 1)
    assert "Night Market: WeChat error 42001" in result.stderr  # the demo's broken merchant
    assert "Wrote 2 files to out, for 2 profiles; 1 profile failed" in result.stdout
    assert len(os.listdir(tmp_path / "out")) == 2
