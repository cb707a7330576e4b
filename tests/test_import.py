"""`wxdash profile import FILE`, end to end: CSV and JSON in, every row checked before anything is
written, `[defaults]` inherited, and the token never echoed."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from conftest import MARKER, Run, Writer, profile

from wxdash.fakeserver import FakeWeChat, sample_domains


def saved(config_path: Path) -> list[dict[str, Any]]:
    return tomllib.loads(config_path.read_text())["profiles"]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_file_adds_every_row_with_only_the_keys_it_gives(
    tmp_path: Path, write_config: Writer, config_path: Path, run_cli: Run, check: Any
) -> None:
    write_config({"profiles": [profile("Shop A", token_env="WX_A")]})
    source = write(
        tmp_path,
        "shops.csv",
        "name,appid,token_env,api_base\n"
        "Shop B,wx00000000000000bb,WX_B,\n"
        '" Shop, C ",wx00000000000000cc,WX_C,https://api2.weixin.qq.com/\n'
        "\n",
    )
    result = check(run_cli("profile", "import", "--allow-api-base", str(source)), 0)
    assert result.stdout == f"Added 2 profiles to {config_path}\n"
    assert saved(config_path) == [
        {"name": "Shop A", "appid": "wx0123456789abcdef", "token_env": "WX_A"},
        {"name": "Shop B", "appid": "wx00000000000000bb", "token_env": "WX_B"},
        {
            "name": "Shop, C",
            "appid": "wx00000000000000cc",
            "token_env": "WX_C",
            "api_base": "https://api2.weixin.qq.com",
        },
    ]
    # One atomic save: the previous file is the backup.
    backup = tomllib.loads(config_path.with_name("config.toml.bak").read_text())
    assert [p["name"] for p in backup["profiles"]] == ["Shop A"]


@pytest.mark.parametrize(
    "text",
    [
        '[{"name": "Shop B", "appid": "wx00000000000000bb", "token_env": "WX_B"}]',
        '{"profiles": [{"name": "Shop B", "appid": "wx00000000000000bb", "token_env": "WX_B",'
        ' "api_base": null}]}',
    ],
    ids=["list", "object"],
)
def test_a_json_file_is_a_list_or_an_object_with_profiles(
    tmp_path: Path, config_path: Path, run_cli: Run, check: Any, text: str
) -> None:
    source = write(tmp_path, "shops.json", text)
    result = check(run_cli("profile", "import", str(source)), 0)
    assert result.stdout == f"Added 1 profile to {config_path}\n"
    assert saved(config_path) == [
        {"name": "Shop B", "appid": "wx00000000000000bb", "token_env": "WX_B"}
    ]


def test_the_format_is_sniffed_when_the_extension_does_not_say(
    tmp_path: Path, config_path: Path, run_cli: Run, check: Any
) -> None:
    json_file = write(
        tmp_path, "shops", '[{"name": "J", "appid": "wx00000000000000aa", "token_env": "J"}]'
    )
    csv_file = write(tmp_path, "more", "name;appid;token_env\nC;wx00000000000000cc;C\n")
    check(run_cli("profile", "import", str(json_file)), 0)
    check(run_cli("profile", "import", str(csv_file)), 0)
    assert [p["name"] for p in saved(config_path)] == ["J", "C"]


def test_rows_inherit_the_defaults_and_the_file_stays_small(
    fake: FakeWeChat,
    tmp_path: Path,
    write_config: Writer,
    config_path: Path,
    run_cli: Run,
    check: Any,
) -> None:
    # A platform: one token command and one api_base for every merchant, in [defaults].
    tokens = {}
    for i in range(1, 4):
        appid = f"wx{i:016x}"
        tokens[appid] = fake.add_app(appid, token=f"{MARKER}-{i}").token
    script = tmp_path / "tokens.py"
    script.write_text(f"import os\nprint({tokens!r}[os.environ['WXDASH_APPID']])\n")
    command = f"{sys.executable} {script}"
    write_config({"defaults": {"token_command": command, "api_base": fake.url}})
    rows = "".join(f"Merchant {i},wx{i:016x}\n" for i in range(1, 4))
    source = write(tmp_path, "merchants.csv", "name,appid\n" + rows)
    check(run_cli("profile", "import", str(source)), 0, script)
    assert saved(config_path) == [
        {"name": f"Merchant {i}", "appid": f"wx{i:016x}"} for i in range(1, 4)
    ]
    result = check(run_cli("fetch", "--all", "-f", "json"), 0, script)
    data = json.loads(result.stdout)
    assert [p["ok"] for p in data["profiles"]] == [True, True, True]
    assert data["profiles"][0]["domains"] == sample_domains()


def test_every_bad_row_is_reported_and_nothing_is_written(
    tmp_path: Path, write_config: Writer, config_path: Path, run_cli: Run, check: Any
) -> None:
    path = write_config({"profiles": [profile("Shop A", token_env="WX_A")]})
    before = path.read_bytes()
    source = write(
        tmp_path,
        "shops.csv",
        "name,appid,token_env,access_token,api_base\n"
        "Shop B,wx00000000000000bb,WX_B,,\n"  # line 2: good
        "Shop A,wx00000000000000aa,WX_A2,,\n"  # line 3: taken by the config
        "Shop B,wx00000000000000bc,WX_B2,,\n"  # line 4: twice in the file
        f"Shop D,wx00000000000000dd,,{MARKER},http://api.weixin.qq.com\n"  # line 5: http
        ",wx00000000000000ee,WX_E,,\n"  # line 6: no name
        "Shop F,wx00000000000000ff,,,\n"  # line 7: no token source
        "Shop G,wx00000000000000a7,WX_G,,,extra\n",  # line 8: one cell too many
    )
    result = check(run_cli("profile", "import", "--allow-api-base", str(source)), 2, source)
    err = result.stderr
    assert f"{source}, line 3, profile 'Shop A', name: error: duplicate name 'Shop A'" in err
    assert f"{source}, line 4, profile 'Shop B', name: error: duplicate name 'Shop B'" in err
    assert f"{source}, line 5, profile 'Shop D', api_base: error: plain http://" in err
    assert f"{source}, line 6, profile '': error: name is required" in err
    assert f"{source}, line 7, profile 'Shop F': error: no token source" in err
    assert f"{source}, line 8: error: more cells than the header row has columns" in err
    assert "line 2" not in err
    assert "hint: Give each profile its own name, unique in the file and in the config." in err
    assert "or set one token source in the config's [defaults]" in err
    assert f"Nothing was imported: 6 problems to fix in {source}" in err
    assert "the config file is unchanged" in err
    assert path.read_bytes() == before
    assert not path.with_name("config.toml.bak").exists()


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("a.csv", "name,appid,tokn\nX,wx00000000000000aa,y\n", "unknown column 'tokn' (known:"),
        ("b.csv", "name,token_env\nX,y\n", "no appid column; the header row must name it"),
        ("c.csv", "name,appid,name\nX,wx00000000000000aa,Y\n", "the column name is there twice"),
        ("d.csv", "name,appid\n", "holds no profiles"),
        ("e.json", '{"name": "X"}', 'expected a list of profiles, or {"profiles": [...]}'),
        ("f.json", '[{"name": "X",', "line 1, column 15: not valid JSON"),
        ("g.json", "[]", "holds no profiles"),
    ],
)
def test_a_file_that_cannot_be_read_as_profiles_is_exit_2(
    tmp_path: Path,
    config_path: Path,
    run_cli: Run,
    check: Any,
    name: str,
    text: str,
    expected: str,
) -> None:
    source = write(tmp_path, name, text)
    result = check(run_cli("profile", "import", str(source)), 2)
    assert expected in result.stderr
    assert "hint: Nothing was imported; the config file was not changed." in result.stderr
    assert not config_path.exists()


def test_a_json_row_with_an_unknown_key_or_the_wrong_shape_is_refused(
    tmp_path: Path, config_path: Path, run_cli: Run, check: Any
) -> None:
    source = write(
        tmp_path,
        "shops.json",
        json.dumps(
            [
                {"name": "A", "appid": "wx00000000000000aa", "token": MARKER},
                "B",
                {"name": "C", "appid": 42, "token_env": "C"},
            ]
        ),
    )
    result = check(run_cli("profile", "import", str(source)), 2, source)
    err = result.stderr
    assert f"{source}, entry 1, token: error: unknown key" in err
    assert "hint: Rename the key to one wxdash knows, or drop it." in err
    assert f"{source}, entry 2: error: expected an object with the profile's keys" in err
    assert f"{source}, entry 3, profile 'C', appid: error: expected a non-empty string" in err
    assert not config_path.exists()


def test_a_literal_token_in_the_file_is_imported_but_never_echoed(
    tmp_path: Path, config_path: Path, run_cli: Run, check: Any
) -> None:
    # A token pasted into the appid column by mistake is the worst case: it is quoted back.
    source = write(
        tmp_path,
        "shops.csv",
        f"name,appid,access_token\nShop A,wx00000000000000aa,{MARKER}\n"
        f"Shop A,{MARKER}-2,{MARKER}\n",
    )
    result = check(run_cli("profile", "import", str(source)), 2, source)
    assert "line 3, profile 'Shop A', appid: warning: an appid is wx followed by 16 hex " in (
        result.stderr
    )
    assert "got '••••-2'" in result.stderr
    assert not config_path.exists()
    source.write_text(f"name,appid,access_token\nShop A,wx00000000000000aa,{MARKER}\n")
    check(run_cli("profile", "import", str(source)), 0, source)
    assert saved(config_path)[0]["access_token"] == MARKER


def test_a_thousand_rows_are_imported_in_one_save(
    tmp_path: Path, config_path: Path, run_cli: Run, check: Any
) -> None:
    rows = "".join(f"Merchant {i:04d},wx{i:016x},WX_{i}\n" for i in range(1000))
    source = write(tmp_path, "fleet.csv", "name,appid,token_env\n" + rows)
    result = check(run_cli("profile", "import", str(source)), 0)
    assert result.stdout == f"Added 1000 profiles to {config_path}\n"
    names = [p["name"] for p in saved(config_path)]
    assert names == [f"Merchant {i:04d}" for i in range(1000)]
    assert not config_path.with_name("config.toml.bak").exists()  # there was no file before
    listing = check(run_cli("profile", "list", "-f", "json"), 0)
    assert len(json.loads(listing.stdout)["profiles"]) == 1000


def test_import_refuses_the_demo_and_a_broken_config(
    tmp_path: Path, write_config: Writer, run_cli: Run, check: Any
) -> None:
    source = write(tmp_path, "a.csv", "name,appid,token_env\nA,wx00000000000000aa,A\n")
    demo = check(run_cli("--demo", "profile", "import", str(source)), 2)
    assert "--demo changes nothing" in demo.stderr
    path = write_config('[[profiles]]\nname = "broken\n')
    before = path.read_bytes()
    broken = check(run_cli("profile", "import", str(source)), 2)
    assert "TOML syntax error" in broken.stderr
    assert path.read_bytes() == before


# A `profile import` killed at each step of its save: the config is the old file or the new one.
KILLED_IMPORT = """
import os, sys, tempfile

path, source, crash_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
calls = 0

def hook(module, name):
    real = getattr(module, name)
    def hooked(*args, **kwargs):
        global calls
        calls += 1
        if calls == crash_at:
            os._exit(77)
        return real(*args, **kwargs)
    setattr(module, name, hooked)

for name in ("write", "fsync", "replace", "rename", "chmod", "unlink", "mkdir", "close"):
    hook(os, name)
hook(tempfile, "mkstemp")
from wxdash.cli import main
code = main(["--config", path, "profile", "import", source])
print("steps", calls, "exit", code)
"""


def test_an_import_killed_at_any_step_of_its_save_leaves_the_old_or_the_new_file(
    tmp_path: Path,
) -> None:
    rows = "".join(f"Merchant {i:04d},wx{i:016x},WX_{i}\n" for i in range(1000))
    source = write(tmp_path, "fleet.csv", "name,appid,token_env\n" + rows)
    old = tomli_w.dumps({"profiles": [profile("Shop A", token_env="WX_A")]}).encode()

    def run(folder: Path, crash_at: int) -> subprocess.CompletedProcess[str]:
        folder.mkdir()
        (folder / "config.toml").write_bytes(old)
        return subprocess.run(
            [sys.executable, "-c", KILLED_IMPORT, str(folder / "config.toml"), str(source),
             str(crash_at)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    reference = run(tmp_path / "reference", 0)
    assert reference.returncode == 0, reference.stderr
    new = (tmp_path / "reference" / "config.toml").read_bytes()
    assert len(tomllib.loads(new.decode())["profiles"]) == 1001
    # Kill it at step 1, 2, 3... until a run gets through all its steps.
    outcomes = []
    for crash_at in range(1, 100):
        folder = tmp_path / f"crash-{crash_at}"
        result = run(folder, crash_at)
        content = (folder / "config.toml").read_bytes()
        assert content in (old, new), f"a half-written config.toml after step {crash_at}"
        if result.returncode == 0:
            assert content == new
            break
        assert result.returncode == 77, result.stderr
        outcomes.append(content == new)
    assert len(outcomes) > 8  # the hooks saw every file operation of the save
    assert outcomes == sorted(outcomes)  # old until the rename, new after it
    assert False in outcomes
