"""Domain health in the dashboard: `h` marks a profile's domains with what a probe of each host
found, against TLS servers on loopback (tests/probehosts.py) reached through a closed host map
(nothing is looked up); the marks come back at the next start from probes.json with their age;
the Health screen (`H`) lists the hosts worst first with their blast radius, goes to a profile
using one, and probes the fleet with progress that escape cancels; `--demo` marks its own; and
all of it in Chinese.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import Writer, screen_text
from probehosts import CASES, ProbeHosts, hosts_for_a_test
from rich.cells import cell_len
from test_tui_chinese import assert_chinese
from textual.pilot import Pilot
from tuikit import (
    APPID_A,
    APPID_B,
    APPID_C,
    config,
    notices,
    paste,
    running,
    settle,
    shop,
    tree_text,
    wait_for_text,
    wait_until,
    widget_text,
)

from wxdash.app import WxDashApp
from wxdash.fakeserver import PROTOCOL_KEYS, FakeWeChat
from wxdash.probes import HostMap, HostResult, ProbeSettings, ProbeStore, Problem
from wxdash.probing import ProbeProgress
from wxdash.widgets.compare_tree import CompareTree

# What the tree says after each case's domain (CASES names its host).
MARKS = {
    "valid": "✓",
    "no_chain": "✗ certificate not trusted",
    "expired": "✗ certificate expired 5 days ago",
    "expiring": "⚠ expires in 10 days",
    "hostname": "✗ certificate for another name",
    "tls13": "✗ no TLS 1.2",
    "closed": "✗ no connection",
    "silent": "✗ no answer in time",
}
NOWHERE = "nowhere.invalid"  # not in the closed host map: a dns failure, never looked up
PLAIN = "plain.probe.test"  # sent to the fake WeChat server, which speaks HTTP, not TLS
# Short enough for the silent server's handshake, long enough for a loaded machine's others.
SETTINGS = ProbeSettings(timeout=1.5)


@pytest.fixture
def hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ProbeHosts]:
    yield from hosts_for_a_test(tmp_path, monkeypatch)


@pytest.fixture
def probes_file(tmp_path: Path) -> Path:
    return tmp_path / "home" / ".cache" / "wxdash" / "probes.json"


def closed_map(hosts: ProbeHosts, fake: FakeWeChat | None = None) -> HostMap:
    """Each served host's port 443 sent to its loopback server; nothing else reachable."""
    mapped = HostMap.of((), hosts.connect_to()[1::2])
    if fake is not None:
        mapped.connect_to[(PLAIN, 443)] = ("127.0.0.1", urlsplit(fake.url).port or 80)
    mapped.closed = True
    return mapped


def live(*domains: str) -> dict[str, Any]:
    """A domains answer listing `domains` as request domains, live and in MP."""
    group = {key: [] for key in PROTOCOL_KEYS}
    group["requestdomain"] = list(domains)
    empty = {key: [] for key in PROTOCOL_KEYS}
    return {
        "effective_domain": group,
        "mp_domain": dict(group),
        "third_domain": empty,
        "direct_domain": empty,
    }


def make_app(write_config: Writer, hosts: HostMap, *profiles: dict[str, Any], **keys: Any) -> Any:
    path = write_config(config(*profiles))
    return WxDashApp(config_file=str(path), hosts=hosts, probe_settings=SETTINGS, **keys)


def held_open(
    fake: FakeWeChat, write_config: Writer, hosts: ProbeHosts
) -> tuple[WxDashApp, str, str]:
    """Shop A with a valid host and a silent one, whose handshake holds its probe open."""
    good, silent = hosts.serve("valid"), hosts.serve("silent")
    domains = live(f"https://{good}", f"https://{silent}")
    app = make_app(write_config, closed_map(hosts), shop(fake, "Shop A", APPID_A, domains=domains))
    app.probe_settings = ProbeSettings(timeout=600)
    return app, good, silent


def header(app: WxDashApp) -> str:
    return " ".join(widget_text(app, "#header").split())


async def focus_domain(pilot: Pilot[Any], domain: str) -> None:
    tree = pilot.app.dashboard.tree()
    tree.focus()
    assert tree.focus_domain("requestdomain", domain)
    await pilot.pause()


# -- h: each kind of problem as a mark ----------------------------------------------------


async def test_h_marks_each_domain_with_its_hosts_probe(
    fake: FakeWeChat, write_config: Writer, hosts: ProbeHosts, probes_file: Path
) -> None:
    served = {case: hosts.serve(case) for case in CASES}
    domains = [f"https://{host}" for host in served.values()]
    domains += [f"https://{NOWHERE}", f"https://{PLAIN}"]
    app = make_app(
        write_config, closed_map(hosts, fake), shop(fake, "Shop A", APPID_A, domains=live(*domains))
    )
    async with running(app) as pilot:
        await pilot.press("h")
        await wait_until(pilot, lambda: not app.dashboard.probing.runs, "the probe ended")
        await settle(pilot)
        lines = tree_text(app).splitlines()

        def line_of(host: str) -> str:
            return next(line for line in lines if f"https://{host} " in line + " ")

        for case, host in served.items():
            assert line_of(host).rstrip().endswith(f"https://{host}  {MARKS[case]}"), case
        assert line_of(NOWHERE).rstrip().endswith("✗ does not resolve")
        assert line_of(PLAIN).rstrip().endswith("✗ TLS handshake failed")
        assert any(
            "Shop A: Probed 10 hosts: 8 failing, 1 with warnings, 1 fine" in n for n in notices(app)
        )

        # The header says the focused domain's result in full, and its age.
        await focus_domain(pilot, f"https://{served['expired']}")
        said = header(app)
        assert f"https://{served['expired']}" in said
        assert "✗ the certificate expired 5 days ago, on" in said
        assert "checked just now" in said
        await focus_domain(pilot, f"https://{served['valid']}")
        assert "✓ TLSv1.3 · valid until" in header(app)

    kept = json.loads(probes_file.read_text())
    assert len(kept["hosts"]) == 10
    assert probes_file.stat().st_mode & 0o777 == 0o600


async def test_h_marks_the_compare_tabs_rows_and_the_header_says_them_in_full(
    fake: FakeWeChat, write_config: Writer, hosts: ProbeHosts
) -> None:
    good, expired, soon = hosts.serve("valid"), hosts.serve("expired"), hosts.serve("expiring")
    domains = live(f"https://{good}", f"https://{expired}")
    domains["mp_domain"]["requestdomain"] = [f"https://{good}", f"https://{soon}"]
    app = make_app(write_config, closed_map(hosts), shop(fake, "Shop A", APPID_A, domains=domains))
    async with running(app, (140, 40)) as pilot:
        await pilot.press("h")
        await wait_until(pilot, lambda: not app.dashboard.probing.runs, "the probe ended")
        await pilot.click("#tabs #--content-tab-tab-compare")
        await settle(pilot)
        lines = [line for line in tree_text(app).splitlines() if "://" in line or "(3)" in line]
        title = lines[0]
        assert "request (3)" in title and "Direct  Health" in title and title.endswith("Pending")

        def row(host: str) -> str:
            return next(line for line in lines if f"https://{host} " in line)

        # Under Health, each row's mark as the group trees say it, cut to leave the notes room;
        # the notes after them, in their column.
        column, notes = title.index("Health"), title.index("Pending")
        assert row(good)[column:] == "✓"
        assert row(expired)[column:notes].startswith("✗ certificate expired ")
        assert row(expired)[notes:] == "− drops"
        assert row(soon)[column:notes].rstrip() == "⚠ expires in 10 days"
        assert row(soon)[notes:] == "+ (mp)"
        compare = app.query_one(CompareTree)
        assert compare.max_scroll_x == 0  # all of it fits at 140 columns

        # The cursor on a Compare row: the header says its host's probe in full.
        await focus_domain(pilot, f"https://{expired}")
        said = header(app)
        assert f"https://{expired}" in said
        assert "✗ the certificate expired 5 days ago, on" in said
        assert "checked just now" in said
        await focus_domain(pilot, f"https://{good}")
        assert "✓ TLSv1.3 · valid until" in header(app)

        # Narrower, the row keeps its columns and scrolls sideways; the header still says it.
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert compare.max_scroll_x > 0
        await focus_domain(pilot, f"https://{soon}")
        assert "⚠ the certificate expires in 10 days, on" in header(app)


async def test_a_compare_row_never_probed_shows_no_mark_beside_probed_ones(
    fake: FakeWeChat, write_config: Writer, hosts: ProbeHosts
) -> None:
    # An http:// domain is never probed (no TLS): its row has the Health column, empty. Such a
    # row once crashed the dashboard when drawn (its empty mark's style lay past its end).
    good = hosts.serve("valid")
    domains = live(f"https://{good}", "http://plain.shop-a.com")
    app = make_app(write_config, closed_map(hosts), shop(fake, "Shop A", APPID_A, domains=domains))
    async with running(app, (140, 40)) as pilot:
        await pilot.press("h")
        await wait_until(pilot, lambda: not app.dashboard.probing.runs, "the probe ended")
        await pilot.click("#tabs #--content-tab-tab-compare")
        await settle(pilot)
        lines = tree_text(app).splitlines()
        title = next(line for line in lines if "request (2)" in line)
        column = title.index("Health")
        (probed,) = [line for line in lines if f"https://{good} " in line]
        (plain,) = [line for line in lines if "http://plain.shop-a.com " in line]
        assert probed[column:] == "✓"
        # The same group marks as the probed row, and nothing under Health.
        assert plain.split()[2:] == probed.split()[2:-1] == ["✓", "✓", "·", "·"]
        assert len(plain.rstrip()) < column


# -- the next start: marks from probes.json, with their age --------------------------------

LONG = "https://a-rather-long-subdomain-for-the-cut-to-show.probe.test"


def kept_result(host: str, *, hours_ago: float, expired_days: int) -> HostResult:
    now = datetime.now(UTC).replace(microsecond=0)
    not_after = now - timedelta(days=expired_days, hours=1)
    problem = Problem(
        "cert_expired",
        "cert_expired",
        {"days": expired_days, "date": not_after.date().isoformat()},
    )
    return HostResult(
        host,
        443,
        now - timedelta(hours=hours_ago),
        (problem,),
        "TLSv1.3",
        not_after,
        -expired_days,
        "Test CA",
    )


async def test_marks_come_back_at_the_next_start_with_their_age(
    fake: FakeWeChat, write_config: Writer, probes_file: Path
) -> None:
    long_host = urlsplit(LONG).hostname or ""
    ProbeStore(probes_file).save(
        [
            kept_result("old.probe.test", hours_ago=3, expired_days=5),
            kept_result(long_host, hours_ago=50, expired_days=1),
        ]
    )
    domains = live("https://old.probe.test", LONG, "https://never.probe.test")
    app = make_app(
        write_config, HostMap(closed=True), shop(fake, "Shop A", APPID_A, domains=domains)
    )
    async with running(app, (80, 24)) as pilot:
        await wait_until(
            pilot, lambda: "✗ certificate expired" in tree_text(app), "the kept marks are drawn"
        )
        lines = tree_text(app).splitlines()
        assert any(
            line.endswith("https://old.probe.test  ✗ certificate expired 5 days ago")
            for line in lines
        )
        assert any(line.endswith("https://never.probe.test") for line in lines)  # never probed
        cut = next(line for line in lines if "a-rather-long" in line)
        assert cut.endswith("…") and len(cut) <= 80

        await focus_domain(pilot, "https://old.probe.test")
        said = header(app)
        assert "✗ the certificate expired 5 days ago" in said
        assert "checked 3 h ago" in said
        await focus_domain(pilot, LONG)
        said = header(app)
        assert LONG in said  # in full, though the tree cuts it
        assert "the certificate expired 1 day ago" in said and "checked 2 d ago" in said


# -- the Health screen ----------------------------------------------------------------------


def health_text(app: WxDashApp) -> str:
    return widget_text(app, "#health")


def host_lines(app: WxDashApp) -> list[str]:
    """The Health screen's host rows, as shown."""
    marks = ("│ ✓ ", "│ ⚠ ", "│ ✗ ")
    return [line for line in health_text(app).splitlines() if line.startswith(marks)]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_health_screen_lists_hosts_worst_first_and_goes_to_a_profile(
    fake: FakeWeChat, write_config: Writer, hosts: ProbeHosts, size: tuple[int, int]
) -> None:
    good, expired, soon = hosts.serve("valid"), hosts.serve("expired"), hosts.serve("expiring")
    profiles = [
        shop(fake, "Shop A", APPID_A, domains=live(f"https://{good}", f"https://{expired}")),
        shop(
            fake,
            "Shop B",
            APPID_B,
            domains=live(f"https://{good}", f"https://{expired}", f"https://{soon}"),
        ),
        shop(fake, "Shop C", APPID_C, domains=live(f"https://{good}")),
    ]
    app = make_app(write_config, closed_map(hosts), *profiles)
    async with running(app, size) as pilot:
        await pilot.press("R")  # every profile fetched: the fleet's hosts are known
        await settle(pilot)
        await pilot.press("H")
        await wait_for_text(pilot, "Domain health", "No host probed yet")
        await pilot.press("r")
        await wait_until(pilot, lambda: len(host_lines(app)) == 3, "three hosts listed")
        await settle(pilot)
        rows = host_lines(app)
        assert expired in rows[0] and "certificate expired 5 days ago" in rows[0]
        assert rows[0].rstrip(" │").endswith("2 profiles")
        assert soon in rows[1] and "expires in 10 days" in rows[1]
        assert rows[1].rstrip(" │").endswith("1 profile")
        assert good in rows[2] and rows[2].rstrip(" │").endswith("3 profiles")
        summary = "3 hosts probed for 3 profiles: 1 failing, 1 with warnings, 1 fine"
        assert summary in health_text(app)

        # enter on the expired host: the two profiles listing it; choosing one goes there.
        await pilot.press("enter")
        text = await wait_for_text(pilot, f"Profiles using {expired}")
        assert "Shop A" in text and "Shop B" in text and "Shop C" not in widget_text(app, "#picker")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.screen is app.dashboard, "the dashboard is back")
        assert app.dashboard.current == "Shop B"
        assert "Shop B" in header(app)


async def test_a_fleet_probe_shows_its_progress_and_escape_stops_it(
    fake: FakeWeChat, write_config: Writer, hosts: ProbeHosts, probes_file: Path
) -> None:
    app, good, _ = held_open(fake, write_config, hosts)
    async with running(app) as pilot:
        await pilot.press("ctrl+p")  # the palette's way in, as H is
        await paste(pilot, "Domain health")
        await wait_for_text(pilot, "Every probed host, worst first")
        await pilot.press("enter")
        await wait_for_text(pilot, "No host probed yet")
        await pilot.press("r")
        await wait_until(
            pilot, lambda: "⌁ 1/2  ✓ 1  ⚠ 0  ✗ 0" in health_text(app), "one of two probed"
        )
        assert "esc cancel" in health_text(app)
        assert len(host_lines(app)) == 1 and good in host_lines(app)[0]

        await pilot.press("escape")  # stops the probe; the screen stays
        stopped = "Probe stopped after 1 of 2 hosts: 0 failing, 0 with warnings, 1 fine"
        await wait_until(
            pilot, lambda: any(stopped in n for n in notices(app)), "the probe says it stopped"
        )
        assert "Domain health" in health_text(app)
        assert "⌁" not in health_text(app)  # the progress line is gone
        assert [h["host"] for h in json.loads(probes_file.read_text())["hosts"]] == [good]
        await pilot.press("escape")  # and now closes it
        await wait_until(pilot, lambda: app.screen is app.dashboard, "the dashboard is back")
        assert "✓" in tree_text(app)


async def test_the_health_screen_opened_as_a_probe_moves_on_shows_its_progress(
    fake: FakeWeChat, write_config: Writer, hosts: ProbeHosts
) -> None:
    # Progress told between H and the screen's first frame (a busy fleet probe does it often)
    # once crashed the dashboard: the screen had nothing to draw it in yet.
    app, good, _ = held_open(fake, write_config, hosts)
    async with running(app) as pilot:
        await pilot.press("h")
        await wait_for_text(pilot, "⌁ 1/2  ✓ 1  ⚠ 0  ✗ 0")
        dashboard = app.dashboard
        dashboard.action_health()  # as H does; the progress lands before the screen is drawn
        dashboard.on_probe_progress(ProbeProgress(dashboard.probing.runs[-1]))
        await wait_for_text(pilot, "Domain health")
        assert len(host_lines(app)) == 1 and good in host_lines(app)[0]
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.dashboard, "the dashboard is back")


async def test_escape_stops_a_profiles_probe_and_keeps_what_landed(
    fake: FakeWeChat, write_config: Writer, hosts: ProbeHosts
) -> None:
    app, good, silent = held_open(fake, write_config, hosts)
    async with running(app) as pilot:
        await pilot.press("h")
        await wait_for_text(pilot, "Probing 2 hosts of Shop A…", "⌁ 1/2  ✓ 1  ⚠ 0  ✗ 0")
        assert f"https://{good}  ✓" in tree_text(app)  # marked while the probe goes on
        await pilot.press("escape")
        stopped = "Shop A: Probe stopped after 1 of 2 hosts: 0 failing, 0 with warnings, 1 fine"
        await wait_until(pilot, lambda: any(stopped in n for n in notices(app)), "stopped")
        assert "⌁" not in screen_text(app)
        (line,) = [line for line in tree_text(app).splitlines() if silent in line]
        assert line.endswith(f"https://{silent}")  # not probed: no mark


# -- the demo -----------------------------------------------------------------------------


async def test_h_in_the_demo_marks_its_domains_from_its_own_servers(probes_file: Path) -> None:
    app = WxDashApp(demo=True, probe_settings=SETTINGS)
    async with running(app) as pilot:
        assert app.dashboard.current == "Lotus Tea House"
        await pilot.press("h")
        await wait_until(pilot, lambda: "⚠ expires in 10 days" in tree_text(app), "marks drawn")
        await wait_until(pilot, lambda: not app.dashboard.probing.runs, "the probe ended")
        await settle(pilot)
        text = tree_text(app)
        assert "https://pay.lotustea.com  ✗ certificate expired 5 days ago" in text
        assert "https://analytics.example-platform.com  ⚠ expires in 10 days" in text
        assert "https://api.lotustea.com  ✓" in text
    assert not probes_file.exists()  # the demo keeps nothing


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_marks_and_the_health_screen_speak_chinese(
    fake: FakeWeChat, write_config: Writer, probes_file: Path, size: tuple[int, int]
) -> None:
    ProbeStore(probes_file).save([kept_result("old.probe.test", hours_ago=3, expired_days=5)])
    domains = live("https://old.probe.test")
    path = write_config(
        {**config(shop(fake, "莲花茶馆", APPID_A, domains=domains)), "ui": {"lang": "zh"}}
    )
    app = WxDashApp(config_file=str(path), hosts=HostMap(closed=True))
    async with running(app, size) as pilot:
        await wait_until(
            pilot, lambda: "✗ 证书已过期 5 天" in tree_text(app), "the mark in Chinese"
        )
        await focus_domain(pilot, "https://old.probe.test")
        assert "3 小时前检查" in header(app)
        await pilot.click("#tabs #--content-tab-tab-compare")  # its row marked under 健康
        await settle(pilot)
        assert_chinese(app, "Compare tab", "#tree-compare")
        title, row = tree_text(app).splitlines()[:2]
        assert "✗ 证书已过期 5" in row  # cut to end in … at 80 columns
        # Under its column's name, counted in cells: a Chinese character takes two.
        assert cell_len(row[: row.index("✗")]) == cell_len(title[: title.index("健康")])
        await focus_domain(pilot, "https://old.probe.test")
        assert "3 小时前检查" in header(app)
        await pilot.press("H")
        await wait_for_text(pilot, "域名健康")
        text = assert_chinese(app, "Health screen", "#health")
        assert "为 1 个档案探测了 1 个主机：1 个失败，0 个有警告，0 个正常" in text
        assert "old.probe.test" in text and "1 个档案" in text
