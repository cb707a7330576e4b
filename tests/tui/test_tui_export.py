"""Exporting with `x`: the file written, in each format and scope, is what the command line
prints for the same profile; an existing file is replaced only when asked twice; a file that
cannot be written is said in the dialog and leaves nothing behind."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import MARKER, Run, assert_no_marker, screen_text
from textual.pilot import Pilot
from textual.widgets import Input
from tuikit import (
    APPID_A,
    Writer,
    make_app,
    notices,
    paste,
    running,
    settle,
    shop,
    shop_a,
    wait_for_text,
    widget_text,
)

from wxdash.fakeserver import FakeWeChat, shop_domains
from wxdash.screens.export import ExportScreen

DEFAULT_NAME = re.compile(r"wxdash-shop-a-\d{8}-\d{4}\.(json|csv|txt)")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Exports land in the working folder: make it the test's own."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(run_cli: Run, *args: str, code: int = 0) -> str:
    """What the command line prints for Shop A (it fetches the same fake server)."""
    result = run_cli(*args, "-p", "Shop A")
    assert result.returncode == code, result.stderr
    return result.stdout


def without_times(document: dict[str, Any]) -> dict[str, Any]:
    """A JSON document with each profile's fetch time left out (two fetches, two times)."""
    for entry in document["profiles"]:
        assert entry.pop("fetched_at")
    return document


def files(folder: Path) -> set[Path]:
    """The files in the working folder, the test's home (config, cache) left out."""
    return {p for p in folder.rglob("*") if p.is_file() and "home" not in p.parts}


async def open_export(pilot: Pilot[Any]) -> str:
    """Press x; return the file name the dialog offers."""
    await pilot.press("x")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ExportScreen)
    return path_field(pilot).value


def path_field(pilot: Pilot[Any]) -> Input:
    return pilot.app.screen.query_one("#export-path", Input)


async def choose(pilot: Pilot[Any], select: str, downs: int) -> None:
    """Open a Select of the dialog with the mouse and pick the option `downs` below the first."""
    await pilot.click(select)
    await pilot.pause()
    await pilot.press("home", *["down"] * downs, "enter")
    await pilot.pause()


async def name_file(pilot: Pilot[Any], name: str) -> None:
    """Replace the file name in the dialog, as typed (pasted) by the user."""
    path_field(pilot).focus()
    await pilot.pause()
    await pilot.press("end", "ctrl+u")
    await paste(pilot, name)


def dialog_message(pilot: Pilot[Any]) -> str:
    """The dialog's message, its lines joined (a long path is broken anywhere)."""
    return "".join(widget_text(pilot.app, "#export-error").split())


def unspaced(text: str) -> str:
    return "".join(text.split())


# -- what is written -------------------------------------------------------------------------


async def test_x_exports_the_profile_as_the_json_of_wxdash_fetch(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, in_tmp: Path
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        offered = await open_export(pilot)
        assert DEFAULT_NAME.fullmatch(offered), offered
        text = screen_text(app)
        assert "Export Shop A" in text
        assert "JSON" in text
        assert "All groups" in text
        # Where it goes, before anything is written; it follows the name typed.
        where = "".join(widget_text(app, "#export-where").split())
        assert where == unspaced(f"In {in_tmp}")
        await name_file(pilot, "sub/x.json")
        await pilot.pause()
        assert "".join(widget_text(app, "#export-where").split()) == unspaced(
            f"In {in_tmp / 'sub'}"
        )
        assert files(in_tmp) == set()
        await name_file(pilot, offered)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen)
        written = in_tmp / offered
        assert notices(app) == [f"Exported Shop A to {written}"]
        await wait_for_text(pilot, "Exported Shop A to")
    exported = json.loads(written.read_text(encoding="utf-8"))
    printed = json.loads(cli(run_cli, "fetch", "-f", "json"))
    assert without_times(exported) == without_times(printed)
    (entry,) = exported["profiles"]
    assert entry["domains"]["mp_domain"]["requestdomain"] == [
        "https://api.shopa.com",
        "https://api-v2.shopa.com",
    ]
    assert entry["webview_domains"]["mp_webviewdomain"][-1] == "https://events.shopa.com"
    assert files(in_tmp) == {written}


async def test_csv_of_this_tab_holds_only_that_group(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, in_tmp: Path
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        await pilot.press("right_square_bracket")  # MP
        await open_export(pilot)
        await choose(pilot, "#export-format", 1)
        await choose(pilot, "#export-scope", 1)
        text = screen_text(app)
        assert "CSV" in text
        assert "This tab: MP" in text
        offered = path_field(pilot).value
        assert offered.endswith(".csv"), offered  # the extension follows the format
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen)
    written = (in_tmp / offered).read_text(encoding="utf-8")
    assert written == cli(run_cli, "fetch", "-g", "mp", "-f", "csv")
    rows = written.splitlines()
    assert rows[0] == "profile,appid,group,protocol,domain"
    assert {row.split(",")[2] for row in rows[1:]} == {"mp"}
    assert f"Shop A,{APPID_A},mp,webview,https://events.shopa.com" in rows


async def test_item10_csv_export_neutralises_cells_a_spreadsheet_would_run(
    fake: FakeWeChat, write_config: Writer, in_tmp: Path
) -> None:
    domains = shop_domains("shopa")
    nasty = ["=HYPERLINK(1)", "+cmd", "-2+3", "@SUM(A1)"]
    domains["effective_domain"]["requestdomain"] += nasty
    app = make_app(write_config, shop(fake, "=Shop", APPID_A, domains=domains))
    async with running(app) as pilot:
        await open_export(pilot)
        await choose(pilot, "#export-format", 1)
        offered = path_field(pilot).value
        assert offered.endswith(".csv"), offered
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen)
    rows = list(csv.reader(io.StringIO((in_tmp / offered).read_text(encoding="utf-8"))))
    cells = [cell for row in rows for cell in row]
    assert rows[1][0] == "'=Shop"
    assert {"'=HYPERLINK(1)", "'+cmd", "'-2+3", "'@SUM(A1)"} <= set(cells)
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in cells)


async def test_text_export_reads_as_wxdash_fetch_prints_it(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, in_tmp: Path
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        await open_export(pilot)
        await choose(pilot, "#export-format", 2)
        offered = path_field(pilot).value
        assert offered.endswith(".txt"), offered
        await pilot.press("ctrl+s")
        await settle(pilot)
    written = (in_tmp / offered).read_text(encoding="utf-8")
    printed = cli(run_cli, "fetch")
    # The first line ends with the fetch time, which differs between the two fetches.
    head, _, rest = written.partition("\n")
    assert re.fullmatch(rf"Shop A  {APPID_A}  fetched .+", head), head
    assert rest == printed.partition("\n")[2]
    assert "    webview   https://www.shopa.com" in rest


async def test_this_tab_on_the_pending_tab_exports_the_diff(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, in_tmp: Path
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        await pilot.press("left_square_bracket")  # from Effective back to Pending
        await open_export(pilot)
        await choose(pilot, "#export-scope", 1)
        assert "This tab: Pending" in screen_text(app)
        offered = path_field(pilot).value
        await pilot.press("ctrl+s")
        await settle(pilot)
    exported = json.loads((in_tmp / offered).read_text(encoding="utf-8"))
    assert without_times(exported) == without_times(
        json.loads(cli(run_cli, "diff", "-f", "json", code=3))
    )
    pending = exported["profiles"][0]["pending"]
    assert pending["count"] == 5
    assert {
        "protocol": "webviewdomain",
        "domain": "https://events.shopa.com",
        "groups": ["mp_domain"],
    } in pending["adds"]


async def test_this_tab_on_the_compare_tab_exports_every_group(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, in_tmp: Path
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        await pilot.press("left_square_bracket", "left_square_bracket")  # back to Compare
        await open_export(pilot)
        await choose(pilot, "#export-scope", 1)
        assert "This tab: Compare" in screen_text(app)
        offered = path_field(pilot).value
        await pilot.press("ctrl+s")
        await settle(pilot)
    # Compare shows every group side by side: its file is the whole profile, as fetch gives it.
    exported = json.loads((in_tmp / offered).read_text(encoding="utf-8"))
    assert without_times(exported) == without_times(json.loads(cli(run_cli, "fetch", "-f", "json")))


async def test_the_token_is_not_in_an_export(
    fake: FakeWeChat, write_config: Writer, in_tmp: Path, config_path: Path
) -> None:
    app = make_app(write_config, shop_a(fake, token=MARKER))
    async with running(app) as pilot:
        for format_index in (0, 1, 2):
            await open_export(pilot)
            await choose(pilot, "#export-format", format_index)
            await pilot.press("ctrl+s")
            await settle(pilot)
        assert len(files(in_tmp)) == 3
        assert_no_marker(screen_text(app), folders=(in_tmp,), allowed=(config_path,))


# -- asking before replacing, and failing ----------------------------------------------------


async def test_an_existing_file_is_replaced_only_on_a_second_press(
    fake: FakeWeChat, write_config: Writer, in_tmp: Path
) -> None:
    existing = in_tmp / "domains.json"
    existing.write_text("keep me\n", encoding="utf-8")
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        await open_export(pilot)
        await name_file(pilot, "domains.json")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        assert dialog_message(pilot) == unspaced(
            f"{existing} exists: press Export again to replace it."
        )
        assert existing.read_text(encoding="utf-8") == "keep me\n"
        assert notices(app) == []

        await pilot.click("#export-button")
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen)
        assert notices(app) == [f"Exported Shop A to {existing}"]
    assert json.loads(existing.read_text(encoding="utf-8"))["profiles"][0]["name"] == "Shop A"
    assert files(in_tmp) == {existing}


async def test_escape_after_the_warning_keeps_the_existing_file(
    fake: FakeWeChat, write_config: Writer, in_tmp: Path
) -> None:
    existing = in_tmp / "domains.json"
    existing.write_text("keep me\n", encoding="utf-8")
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        await open_export(pilot)
        await name_file(pilot, "domains.json")
        await pilot.press("enter")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen)
        # Asked again from the start: the first press warns again.
        await open_export(pilot)
        await name_file(pilot, "domains.json")
        await pilot.press("enter")
        await settle(pilot)
        assert unspaced("exists: press Export again") in dialog_message(pilot)
    assert existing.read_text(encoding="utf-8") == "keep me\n"


async def test_a_folder_that_does_not_exist_is_said_in_the_dialog(
    fake: FakeWeChat, write_config: Writer, in_tmp: Path
) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        await open_export(pilot)
        await name_file(pilot, "no-such-folder/domains.json")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        target = in_tmp / "no-such-folder" / "domains.json"
        assert dialog_message(pilot) == unspaced(
            f"Could not write {target}: No such file or directory. Choose another folder or name."
        )
        assert notices(app) == []
        assert "Traceback" not in screen_text(app)

        # A folder is not a file name either.
        await name_file(pilot, ".")
        await pilot.press("enter")
        await settle(pilot)
        assert dialog_message(pilot) == unspaced(f"{in_tmp} is a folder: give a file name.")

        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen)
    assert files(in_tmp) == set()
    assert not (in_tmp / "no-such-folder").exists()


async def test_an_empty_name_is_refused(fake: FakeWeChat, write_config: Writer) -> None:
    app = make_app(write_config, shop_a(fake))
    async with running(app) as pilot:
        await open_export(pilot)
        await name_file(pilot, "   ")
        await pilot.press("enter")
        assert dialog_message(pilot) == unspaced("Give the file a name.")
        assert isinstance(app.screen, ExportScreen)


async def test_x_with_nothing_fetched_says_so(fake: FakeWeChat, write_config: Writer) -> None:
    app = make_app(write_config, shop_a(fake, scenario="errcode:40001"))
    fake.set_scenario(APPID_A, "errcode:40001", webview=True)
    async with running(app) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)
        assert notices(app) == ["Nothing to export yet: fetch this profile first (r)."]
