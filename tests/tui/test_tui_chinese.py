"""The dashboard in Chinese: every screen a user can reach shows no English word outside a short
allow-list, the layout holds at 80x24, and the language switches live from the command palette
keeping the profile, tab, filters and cursor (saved as [ui] lang, except in the demo).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import screen_text
from textual.widgets import Input
from tuikit import (
    APPID_A,
    APPID_B,
    APPID_C,
    Writer,
    active_tab,
    config,
    notices,
    paste,
    pick,
    running,
    settle,
    shop,
    tree_text,
    wait_for_text,
    wait_until,
    widget_text,
)

from wxdash import clipboard, fakeserver
from wxdash.app import WxDashApp
from wxdash.fakeserver import FakeWeChat
from wxdash.i18n import language
from wxdash.wechat.models import Protocol

# Words a Chinese screen may show: names of things the user types or WeChat's console shows as
# they are (keys, config keys, protocol names, API names), product names, formats, and the
# language's own name. Domains, paths and anything with a dot are data and skipped before.
ALLOWED = {
    # keys
    "enter", "tab", "escape", "esc", "ctrl", "shift", "home", "end", "pageup", "pagedown",
    # products, formats, protocols of the network
    "wxdash", "WeChat", "JSON", "CSV", "SVG", "OSC", "HTTP", "HTTPS", "DNS", "TCP", "TLS", "URL",
    "TOML", "UTF",
    # config keys and API names, as the file and WeChat's documentation spell them
    "appid", "AppID", "appsecret", "access_token", "token_env", "token_command", "appsecret_env",
    "api_base", "name", "errcode", "errmsg", "rid", "modify_domain", "modify_domain_directly",
    "get_effective_domain", "get_effective_webviewdomain",
    "wx",  # an appid's start, where a modal screen covers the rest
    "stable_token", "lang", "ui", "null", "POST",
    # the API's list names and its actions, in a plan's call and its lines
    "requestdomain", "wsrequestdomain", "uploaddomain", "downloaddomain", "udpdomain",
    "tcpdomain", "webviewdomain", "action", "add", "delete",
    # the protocols, as the console names them (request合法域名) and as users type them
    "request", "socket", "uploadFile", "downloadFile", "udp", "tcp",
    "ws", "upload", "download", "req", "up", "down",  # the toggles' short names
    # the other language, named in itself in the language command
    "English",
}  # fmt: skip
# What WeChat answers for an expired token: the API's own words, shown as they are.
ERRMSG = "access_token expired"
WORD = re.compile(r"[A-Za-z][A-Za-z_]*")


def english_words(text: str) -> set[str]:
    """English words on screen that are not on the allow-list."""
    text = text.replace(ERRMSG, "")
    found = set()
    for token in text.split():
        if any(mark in token for mark in './$"'):
            continue  # a domain, a URL, a path, a variable, quoted JSON: data
        if re.fullmatch(r"[0-9a-f-]*[0-9][0-9a-f-]*|wx[0-9a-f]{0,16}", token):
            continue  # hex with digits: a request id, an appid
        for word in WORD.findall(token):
            if len(word) == 1 or word in ALLOWED or re.fullmatch(r"[A-Z0-9_]+_[A-Z0-9_]+", word):
                continue  # single letters are keys; SHOUTING_NAMES are variables
            found.add(word)
    return found


def assert_chinese(app: WxDashApp, where: str, selector: str | None = None) -> str:
    """Fail on English in the screen, or in one widget: a modal's box, since the screen shows
    the view under it cut off at the box's edges."""
    text = widget_text(app, selector) if selector else screen_text(app)
    extra = english_words(text)
    assert not extra, f"English on the {where}: {sorted(extra)}\n--- screen ---\n{text}"
    assert re.search(r"[\u4e00-\u9fff]", text), f"no Chinese on the {where}:\n{text}"
    return text


def shops(fake: FakeWeChat) -> list[dict[str, Any]]:
    # Chinese names, so that the only English on screen would be wxdash's own.
    return [
        shop(
            fake,
            "莲花茶馆",
            APPID_A,
            token="tok-lotus-1234",
            domains=fakeserver.shop_domains("lotustea", pending=True),
        ),
        shop(
            fake,
            "夜市",
            APPID_B,
            token="tok-night-5678",
            domains=fakeserver.shop_domains("nightmarket"),
            scenario="errcode:42001",
        ),
        shop(
            fake,
            "古怪数据",
            APPID_C,
            token="tok-odd-9012",
            domains=fakeserver.wrong_types_domains(),
        ),
    ]


def chinese_app(write_config: Writer, fake: FakeWeChat) -> WxDashApp:
    path = write_config(config(*shops(fake)))
    return WxDashApp(config_file=str(path), lang="zh")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_screen_is_in_chinese(
    fake: FakeWeChat, write_config: Writer, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    monkeypatch.setattr(clipboard, "copy_native", lambda text: False)
    app = chinese_app(write_config, fake)
    async with running(app, size) as pilot:
        assert language() == "zh"
        # The main view, each tab: the four groups, Compare and Pending, then back to the first.
        for _ in range(6):
            text = assert_chinese(app, f"main view, tab {active_tab(app)}")
            await pilot.press("right_square_bracket")
            await settle(pilot)
        assert "待生效 (4)" in text
        assert "下次发布后生效" in text and "下次发布后失效" in text
        assert "request合法域名" in tree_text(app)
        assert "退出" in text  # the footer
        assert text.splitlines()[-1].rstrip().endswith("^p 命令面板")  # whole, at 80 columns too

        # A filter on: counts per tab and the match count.
        await pilot.press("2", "slash", *"api.", "enter")  # with a dot: data, not a word
        await settle(pilot)
        assert "个匹配" in assert_chinese(app, "filtered view")
        await pilot.press("escape", "2")
        await settle(pilot)

        # Notifications after copying (the tree has the focus, its cursor on request).
        await pilot.press("c")
        await settle(pilot)
        await wait_until(pilot, lambda: bool(notices(app)), "a copy notice")
        assert_chinese(app, "copy notification")
        copied = "已将 3 个域名（request合法域名，已生效）发送到终端剪贴板（OSC 52）"
        assert notices(app) == [copied]
        assert "OSC 52" in screen_text(app)  # never broken inside a word
        app.clear_notifications()

        # The error banner of an expired token, with its hint.
        await pick(pilot, "夜市")
        text = assert_chinese(app, "error banner")
        assert "微信接口错误 · errcode 42001" in text
        assert "已过期" in text and "提示：" in text

        # Parse warnings in the tree.
        await pick(pilot, "古怪数据")
        assert "解析警告" in assert_chinese(app, "parse warnings")

        # The help screen, from its top to its end (at 80x24 it scrolls).
        await pilot.press("question_mark")
        await pilot.pause()
        assert "按键" in assert_chinese(app, "help screen", "#help")
        await pilot.press("end")
        await pilot.pause()
        text = assert_chinese(app, "help screen's end", "#help")
        assert "四个分组" in text and "业务域名" in text
        await pilot.press("escape")

        # The picker, with a match and with none.
        await pilot.press("p")
        await pilot.pause()
        assert_chinese(app, "picker", "#picker")
        await paste(pilot, "不存在")
        assert "没有匹配的档案" in assert_chinese(app, "picker with no match", "#picker")
        await pilot.press("escape")

        # The profile form, saved empty: an error under each field.
        await pilot.press("a")
        await pilot.pause()
        assert_chinese(app, "profile form", "#form")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "缺少" in assert_chinese(app, "profile form with errors", "#form")
        await pilot.press("escape")

        # The confirm dialog.
        await pilot.press("d")
        await pilot.pause()
        assert "删除档案" in assert_chinese(app, "confirm dialog", "#confirm")
        await pilot.press("n")

        # The command palette: its placeholder, every command, and no match.
        await pilot.press("ctrl+p")
        await wait_for_text(pilot, "搜索命令")
        await wait_until(pilot, lambda: "更换当前主题" in screen_text(app), "commands listed")
        assert_chinese(app, "command palette")
        await paste(pilot, "不存在的命令")
        await wait_for_text(pilot, "没有匹配的命令")
        assert_chinese(app, "command palette with no match")
        await pilot.press("escape")
        await pilot.pause()

        # ctrl+c says how to quit.
        app.clear_notifications()
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: bool(notices(app)), "the quit hint")
        assert notices(app)[-1].plain == "按 ctrl+q 退出程序"
        assert "要退出吗？" in assert_chinese(app, "quit hint")


async def test_the_check_finds_english_on_a_screen(fake: FakeWeChat, write_config: Writer) -> None:
    path = write_config(config(*shops(fake)))
    app = WxDashApp(config_file=str(path), lang="en")
    async with running(app, (80, 24)):
        assert {"Quit", "Help", "Effective"} <= english_words(screen_text(app))
    assert english_words("莲花茶馆 wx1111111111111111 https://api.lotustea.com ctrl+p") == set()


async def test_tabs_take_short_titles_when_the_long_ones_do_not_fit(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = chinese_app(write_config, fake)
    async with running(app, (80, 24)) as pilot:
        assert "已生效  小程序后台配置  第三方平台配置  接口直接配置" in screen_text(app)
        await pilot.press("b")  # the list takes 30 columns
        await settle(pilot)
        await wait_for_text(pilot, "已生效  小程序  第三方  直接")
        assert "1 req 2 ws 3 up" in screen_text(app)  # the toggles' short names
        await pilot.press("b")
        await settle(pilot)
        await wait_for_text(pilot, "小程序后台配置", "1 request 2 socket")


async def test_switching_language_from_the_palette_keeps_the_view_and_saves_it(
    fake: FakeWeChat, write_config: Writer
) -> None:
    path = write_config(config(*shops(fake)))
    app = WxDashApp(config_file=str(path))
    async with running(app) as pilot:
        assert language() == "en"
        await pilot.press("2", "slash", *"a", "enter", "right_square_bracket")
        await settle(pilot)
        app.dashboard.tree().focus()
        await pilot.press("down", "down")
        await settle(pilot)
        before = (
            app.dashboard.current,
            active_tab(app),
            app.dashboard.filters.text,
            set(app.dashboard.filters.protocols),
        )
        cursor = app.dashboard.tree().cursor_line
        node = app.dashboard.tree().cursor_node
        assert node is not None and node.data is not None

        await pilot.press("ctrl+p")
        await pilot.pause()
        await paste(pilot, "Language")
        await wait_for_text(pilot, "Language: 简体中文")
        await pilot.press("enter")
        await settle(pilot)
        await wait_for_text(pilot, "退出", "帮助")

        assert language() == "zh"
        after = (
            app.dashboard.current,
            active_tab(app),
            app.dashboard.filters.text,
            set(app.dashboard.filters.protocols),
        )
        assert after == before
        assert Protocol.WS not in app.dashboard.filters.protocols
        await wait_until(pilot, lambda: app.dashboard.tree().cursor_line == cursor, "cursor kept")
        assert app.dashboard.tree().cursor_node is not None
        assert app.dashboard.tree().cursor_node.data == node.data
        text = screen_text(app)
        # The MP tab, counted (the long titles with their counts leave no room for Compare).
        assert "小程序 (" in text and "个匹配" in text
        assert "语言：简体中文" in " ".join(notices(app))
        assert app.query_one("#filter-input", Input).value == "a"

        saved = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        assert saved["ui"] == {"lang": "zh"}
        assert [p["name"] for p in saved["profiles"]] == ["莲花茶馆", "夜市", "古怪数据"]

        # And back: the palette offers English in English's own name.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await paste(pilot, "English")
        await wait_for_text(pilot, "语言：English")
        await pilot.press("enter")
        await settle(pilot)
        await wait_for_text(pilot, "Quit", "Help")
        assert language() == "en"
        assert tomllib.loads(Path(path).read_text(encoding="utf-8"))["ui"] == {"lang": "en"}


async def test_switching_language_in_the_demo_saves_nothing(tmp_path: Path) -> None:
    app = WxDashApp(demo=True, lang="en")
    async with running(app, wait=False) as pilot:
        app.set_ui_language("zh")
        await pilot.pause()
        await wait_for_text(pilot, "退出")
        assert "演示模式：保留到退出为止，不会保存。" in " ".join(notices(app))
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


async def test_a_theme_chosen_in_the_palette_is_saved_and_used_next_time(
    fake: FakeWeChat, write_config: Writer
) -> None:
    path = write_config(config(*shops(fake)))
    app = WxDashApp(config_file=str(path))
    async with running(app) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await paste(pilot, "theme")
        await pilot.press("enter")  # the theme picker
        await pilot.pause()
        await paste(pilot, "textual-light")
        await wait_for_text(pilot, "textual-light")
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "textual-light"
        await wait_for_text(pilot, "Theme: textual-light")
    assert tomllib.loads(path.read_text(encoding="utf-8"))["ui"] == {"theme": "textual-light"}
    again = WxDashApp(config_file=str(path))
    async with running(again):
        assert again.theme == "textual-light"


async def test_an_unknown_theme_in_the_file_says_so_and_keeps_the_default(
    fake: FakeWeChat, write_config: Writer
) -> None:
    path = write_config({**config(*shops(fake)), "ui": {"theme": "no-such-theme"}})
    app = WxDashApp(config_file=str(path))
    async with running(app) as pilot:
        await wait_for_text(pilot, "[ui] theme no-such-theme is not a theme wxdash knows")
        assert app.theme == "textual-dark"


async def test_the_palette_in_chinese_finds_commands_by_their_english_names_too(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = WxDashApp(config_file=str(write_config(config(*shops(fake)))), lang="zh")
    async with running(app) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await paste(pilot, "quit")
        text = await wait_for_text(pilot, "退出")
        assert "quit" in text  # said in the help line, since the title is Chinese
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code in (None, 0)
    assert not app.is_running


async def test_sentences_in_chinese_run_on_without_a_space(
    fake: FakeWeChat, write_config: Writer
) -> None:
    app = WxDashApp(config_file=str(write_config(config(*shops(fake)))), lang="zh")
    async with running(app) as pilot:
        fake.set_scenario(APPID_A, "html502")
        await pilot.press("r")
        await settle(pilot)
        shown = widget_text(app, "#banner")
        assert "按 r 重试。下方是上次成功获取的数据" in "".join(shown.split("\n")), shown
