"""English and Simplified Chinese: every message of the source has a Chinese translation with
the same placeholders, the committed catalogs are current, the language is chosen as the README
says, and the command line speaks Chinese while its machine-readable output keeps its keys.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from conftest import APPID, FAST, MARKER, Run, Writer, profile

from wxdash import catalogs
from wxdash.cli import choose_language
from wxdash.fakeserver import FakeWeChat
from wxdash.i18n import _, cells, detect_language, set_language, wrap
from wxdash.output import CSV_COLUMNS
from wxdash.wechat.models import Group, Protocol


@pytest.fixture(scope="module")
def source() -> Catalog:
    """Every message the code marks for translation, extracted now."""
    return catalogs.template()


@pytest.fixture(scope="module")
def chinese() -> Catalog:
    return catalogs.read(catalogs.po_path("zh_CN"), "zh_CN")


# -- the catalogs ------------------------------------------------------------------------


def test_every_message_has_a_chinese_translation_with_the_same_placeholders(
    source: Catalog, chinese: Catalog
) -> None:
    problems = catalogs.problems(chinese, source)
    assert not problems, (
        "run `python -m wxdash.catalogs`, translate the new entries in "
        "wxdash/locale/zh_CN/LC_MESSAGES/wxdash.po, run it again:\n" + "\n".join(problems)
    )
    assert len(source) > 300  # the extraction found the code's messages, not nothing


def test_the_completeness_check_finds_each_kind_of_gap(source: Catalog, chinese: Catalog) -> None:
    broken = catalogs.read(catalogs.po_path("zh_CN"), "zh_CN")
    broken.delete("Quit")
    broken["Help"].string = ""
    broken["Hint: {hint}"].string = "提示"  # the placeholder is lost
    broken["Copy"].flags.add("fuzzy")
    broken.add("An old message", "旧消息")
    problems = "\n".join(catalogs.problems(broken, source))
    assert "missing: 'Quit'" in problems
    assert "untranslated: 'Help'" in problems
    assert "placeholders differ: 'Hint: {hint}'" in problems
    assert "fuzzy (check the translation, then remove the flag): 'Copy'" in problems
    assert "no longer in the source: 'An old message'" in problems


def test_placeholders_are_compared_as_a_set_of_names() -> None:
    assert catalogs.placeholders("{n} of {total}, {seconds:g} s") == [
        "{n}",
        "{seconds:g}",
        "{total}",
    ]
    assert catalogs.placeholders("%(prog)s: error: %(message)s %s %r") == [
        "%(message)s",
        "%(prog)s",
        "%r",
        "%s",
    ]
    assert catalogs.placeholders("sends {} as the body") == []


def test_the_committed_mo_is_compiled_from_the_committed_po(chinese: Catalog) -> None:
    committed = catalogs.mo_path("zh_CN").read_bytes()
    assert catalogs.compiled_messages(committed) == catalogs.compiled_messages(
        catalogs.mo_bytes(chinese)
    ), "the .mo is stale: run `python -m wxdash.catalogs`"


def test_the_committed_template_lists_the_messages_of_the_source(source: Catalog) -> None:
    template = catalogs.read(catalogs.TEMPLATE)
    assert {(m.id, m.context) for m in template if m.id} == {
        (m.id, m.context) for m in source if m.id
    }, "the .pot is stale: run `python -m wxdash.catalogs`"


def test_the_catalog_tool_reports_nothing_to_do() -> None:
    assert catalogs.main(["--check"]) == 0


def test_no_message_hides_inside_an_f_string() -> None:
    # The extractor does not look inside f-strings: `f"{_('(none)')}"` was never translated.
    package = Path(catalogs.__file__).parent
    hidden = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"""\{(_|ngettext|pgettext)\(\s*['"]""", line)
    ]
    assert hidden == [], "move these messages out of their f-strings"


def test_chinese_has_one_plural_form(chinese: Catalog) -> None:
    assert chinese.plural_forms == "nplurals=1; plural=0;"


def test_chinese_uses_the_wechat_consoles_terms() -> None:
    set_language("zh")
    assert [g.label for g in Group] == [
        "已生效",
        "小程序后台配置",
        "第三方平台配置",
        "接口直接配置",
    ]
    assert [g.tab_label for g in Group] == ["已生效", "小程序", "第三方", "直接"]
    assert [p.label for p in Protocol] == [
        "request合法域名",
        "socket合法域名",
        "uploadFile合法域名",
        "downloadFile合法域名",
        "udp合法域名",
        "tcp合法域名",
        "业务域名",
    ]
    assert Protocol.WEBVIEW.toggle_label == "业务"
    set_language("en")
    assert [g.label for g in Group] == ["Effective", "MP", "Third-party", "Direct"]
    assert [p.label for p in Protocol] == [
        "request",
        "ws",
        "upload",
        "download",
        "udp",
        "tcp",
        "webview",
    ]
    assert _("Quit") == "Quit"


def test_wrap_breaks_chinese_by_cells_and_never_before_closing_punctuation() -> None:
    text = "线上实际使用的域名：以最近一次提交代码审核或发布时为准，request合法域名 也一样。"
    lines = wrap(text, 20)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost
    assert all(cells(line) <= 20 for line in lines)
    assert not any(line[0] in "，。：" for line in lines)
    assert wrap("show this help message and exit", 12) == ["show this", "help message", "and exit"]


# -- choosing the language ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),  # Traditional reads the Simplified catalog for now
        ({"LANG": "zh_HK"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),  # the first that is set decides
        ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh"),  # set but empty: not set
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "zh"),
    ],
)
def test_the_locale_decides_as_posix_reads_it(environ: dict[str, str], expected: str) -> None:
    assert detect_language(environ) == expected


def test_ui_lang_in_the_config_beats_the_locale_and_lang_beats_both(
    write_config: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    assert choose_language([]) == "zh"
    write_config({"ui": {"lang": "en"}})
    assert choose_language([]) == "en"
    assert choose_language(["--lang", "zh", "fetch"]) == "zh"
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    write_config({"ui": {"lang": "zh"}})
    assert choose_language(["fetch"]) == "zh"
    assert choose_language(["fetch", "--lang=en"]) == "en"
    assert choose_language(["--demo"]) == "en"  # the demo reads no config


# -- the command line in Chinese ---------------------------------------------------------


def test_help_is_in_chinese_with_argparses_own_words(run_cli: Run) -> None:
    result = run_cli("--lang", "zh", "--help", env={"COLUMNS": "80"})
    assert result.returncode == 0
    out = result.stdout
    assert out.startswith("用法：wxdash ")
    for words in (
        "位置参数",
        "选项",
        "显示此帮助信息并退出",
        "显示版本号并退出",
        "获取档案的域名并打印",
    ):
        assert words in out
    for english in ("usage:", "options:", "show this help", "version number", "fetch profiles'"):
        assert english not in out
    assert all(cells(line) <= 80 for line in out.splitlines())


def test_usage_errors_are_in_chinese(run_cli: Run) -> None:
    result = run_cli("--lang", "zh", "fetch", "--format", "xml")
    assert result.returncode == 2
    assert "wxdash fetch: 错误：参数 -f/--format：无效的选项：'xml'（可选：" in result.stderr
    result = run_cli("--lang", "zh", "profile", "add", "Shop")
    assert result.returncode == 2
    assert "缺少必需的参数：--appid" in result.stderr
    result = run_cli("--lang", "zh", "fetch", "--bogus")
    assert "无法识别的参数：--bogus" in result.stderr


@pytest.mark.parametrize("lang", ["zh_CN.UTF-8", "zh_TW.UTF-8"])
def test_a_chinese_locale_gives_chinese_messages(run_cli: Run, lang: str) -> None:
    result = run_cli("fetch", "--help", env={"LC_ALL": "", "LANG": lang})
    assert "获取指定档案（或全部档案）的域名并打印。" in result.stdout


def test_ui_lang_in_the_config_gives_chinese_messages(run_cli: Run, write_config: Writer) -> None:
    write_config({"ui": {"lang": "zh"}})
    result = run_cli("profile", "list")
    assert "还没有档案。" in result.stdout
    assert "No profiles yet" in run_cli("--lang", "en", "profile", "list").stdout


def test_an_expired_token_fails_with_a_chinese_hint_and_english_keys(
    fake: FakeWeChat, write_config: Writer, run_cli: Run
) -> None:
    fake.add_app(APPID, token=MARKER, scenario="errcode:42001")
    write_config(
        {
            "network": FAST,
            "profiles": [profile("夜市", APPID, access_token=MARKER, api_base=fake.url)],
        }
    )
    text = run_cli("--lang", "zh", "fetch")
    assert text.returncode == 1
    assert "夜市  " + APPID + "  获取失败：微信返回错误 42001：access_token expired rid: " in (
        text.stdout
    )
    assert "wxdash: 夜市: 微信返回错误 42001：access_token expired rid: " in text.stderr
    assert "  提示：access_token 已过期：请获取新的令牌（令牌有效期为 2 小时）。" in text.stderr

    result = run_cli("--lang", "zh", "fetch", "-f", "json")
    data = json.loads(result.stdout)
    shop = data["profiles"][0]
    assert set(shop) >= {"name", "appid", "ok", "error", "warnings", "fetched_at", "domains"}
    error = shop["error"]
    assert set(error) == {"kind", "errcode", "message", "hint"}
    assert error["kind"] == "api"  # machine-readable values stay as they are
    assert error["errcode"] == 42001
    assert error["message"].startswith("微信返回错误 42001：access_token expired rid: ")
    assert error["hint"] == "access_token 已过期：请获取新的令牌（令牌有效期为 2 小时）。"
    for output in (text.stdout, text.stderr, result.stdout, result.stderr):
        assert MARKER not in output


def test_csv_and_json_keep_their_english_names_in_chinese(
    fake: FakeWeChat, write_config: Writer, run_cli: Run
) -> None:
    fake.add_app(APPID, token=MARKER)
    write_config(
        {
            "network": FAST,
            "profiles": [profile("茶馆", APPID, access_token=MARKER, api_base=fake.url)],
        }
    )
    csv_out = run_cli("--lang", "zh", "fetch", "-f", "csv").stdout.splitlines()
    assert csv_out[0] == ",".join(CSV_COLUMNS)
    assert csv_out[1].startswith(f"茶馆,{APPID},effective,request,")
    data = json.loads(run_cli("--lang", "zh", "fetch", "-f", "json").stdout)
    assert list(data["profiles"][0]["domains"]) == [g.value for g in Group]
    text = run_cli("--lang", "zh", "fetch", "-g", "effective").stdout
    assert "  已生效\n    request合法域名 " in text
