"""The Health screen (`H`): every probed host, worst first, with its problem, its certificate's
last day and how many profiles list it; `enter` on a host lists those profiles and goes to one.

`r` probes the live hosts of every fetched profile, with the fleet's progress line; `escape`
stops that probe (what landed stays), and with none running closes the screen. The profiles
using each host are worked out from the profiles' fetched domains when the screen opens and
when a probe ends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import set_cell_size
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from wxdash.i18n import _, ngettext
from wxdash.output import pad
from wxdash.output import width as cell_width
from wxdash.output.probes import host_label
from wxdash.probes import HostResult, targets_of
from wxdash.probes.marks import STYLES, SYMBOLS, HealthBook, problem_words
from wxdash.probing import ProbeRun
from wxdash.screens.dialog import Dialog
from wxdash.screens.picker import PickerScreen
from wxdash.state import ProfileState
from wxdash.styles import stylesheet
from wxdash.wechat.models import Group
from wxdash.widgets.fleet_progress import FleetProgressLine

# Drawing thousands of hosts helps nobody: the worst come first, the rest are counted.
SHOWN = 300
_DATE = 10  # 2026-11-30


@dataclass(frozen=True, slots=True)
class HostEntry:
    """A probed host and the profiles whose fetched domains list it."""

    result: HostResult
    profiles: tuple[str, ...]


def entries(
    book: HealthBook, users: Mapping[tuple[str, int | None], tuple[str, ...]]
) -> list[HostEntry]:
    """Every probed host, worst first, then the most profiles, then by name."""
    found = [HostEntry(r, users.get(r.key, ())) for r in book.results.values()]
    return sorted(found, key=lambda e: (e.result.rank, -len(e.profiles), e.result.key[0]))


def users_of(states: Sequence[ProfileState]) -> dict[tuple[str, int | None], tuple[str, ...]]:
    """Each host's profiles, from every group of every fetched profile."""
    outcomes = [s.outcome() for s in states if s.view is not None]
    return {t.key: t.profiles for t in targets_of(outcomes, tuple(Group))}


def _cut(text: str, cells: int) -> str:
    if cell_width(text) <= cells:
        return pad(text, cells)
    return pad(set_cell_size(text, max(cells - 1, 0)).rstrip() + "…", cells)


def host_rows(found: Sequence[HostEntry], room: int) -> list[Content]:
    """One line per host, its columns fitted to `room` cells: mark, host, problem, last day,
    profiles."""
    hosts = [host_label(e.result.host, e.result.port) for e in found]
    words = [problem_words(e.result) or e.result.tls_version or _("ok") for e in found]
    counts = [
        ngettext("{count} profile", "{count} profiles", len(e.profiles)).format(
            count=f"{len(e.profiles):,}"
        )
        for e in found
    ]
    count_width = max((cell_width(c) for c in counts), default=0)
    free = max(room - (2 + 2 + 2 + _DATE + 2 + count_width), 24)
    widest = max((cell_width(h) for h in hosts), default=0)
    host_width = min(widest, max(free * 5 // 9, free - max(map(cell_width, words), default=0)))
    words_width = free - host_width
    rows = []
    for entry, host, said, count in zip(found, hosts, words, counts, strict=True):
        result = entry.result
        style = STYLES[result.status]
        date = result.not_after.date().isoformat() if result.not_after else ""
        rows.append(
            Content.assemble(
                (SYMBOLS[result.status] + " ", style),
                (_cut(host, host_width), "bold"),
                "  ",
                (_cut(said, words_width), style if result.problems else "$text-muted"),
                "  ",
                (pad(date, _DATE), "$text-muted"),
                "  ",
                count,
            )
        )
    return rows


class HealthScreen(Dialog[str]):
    """Dismisses with the name of the profile chosen, or None."""

    DEFAULT_CSS = stylesheet(__file__)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", show=False),
        Binding("r", "probe_fleet", show=False),
    ]

    def __init__(
        self,
        book: HealthBook,
        states: Sequence[ProfileState],
        probe_fleet: Callable[[], ProbeRun | None],
        cancel: Callable[[], bool],
        run: ProbeRun | None = None,
    ) -> None:
        super().__init__()
        self._book = book
        self._states = list(states)
        self._probe_fleet = probe_fleet
        self._cancel = cancel
        self._run = run
        self._users = users_of(self._states)
        self._found: list[HostEntry] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="health") as box:
            box.border_title = _("Domain health")
            box.border_subtitle = _("enter: who uses it · r: probe every profile · escape closes")
            yield Static(id="health-summary", markup=False)
            yield OptionList(id="health-hosts")
            yield FleetProgressLine(id="health-progress")

    def on_mount(self) -> None:
        self._fill()
        self.query_one(FleetProgressLine).show(self._run)

    def on_resize(self) -> None:
        self._fill()

    def show_progress(self, run: ProbeRun) -> None:
        """A probe moved on or ended: show its progress, and the hosts as they are now."""
        if run.profile is None:
            self._run = run
        if run.ended:
            self._users = users_of(self._states)
        if not self.is_mounted:
            return  # pushed but not composed yet: on_mount draws it, with this run
        self.query_one(FleetProgressLine).show(self._run)
        self._fill()

    def _fill(self) -> None:
        found = entries(self._book, self._users)
        self._found = found[:SHOWN]
        room = self.query_one(OptionList).scrollable_content_region.width or 76
        options = [
            Option(row, id=str(index)) for index, row in enumerate(host_rows(self._found, room))
        ]
        if len(found) > SHOWN:
            more = _("… {n} more").format(n=f"{len(found) - SHOWN:,}")
            options.append(Option(Content.styled(more, "$text-muted"), disabled=True))
        if not found:
            none = _("No host probed yet: press r to probe every profile's live hosts.")
            options.append(Option(Content.styled(none, "$text-muted"), disabled=True))
        hosts = self.query_one(OptionList)
        kept = hosts.highlighted
        hosts.set_options(options)
        if found:
            hosts.highlighted = min(kept or 0, len(self._found) - 1)
        self.query_one("#health-summary", Static).update(self._summary(found))

    def _summary(self, found: Sequence[HostEntry]) -> str:
        counts = {"fail": 0, "warn": 0, "ok": 0}
        for entry in found:
            counts[entry.result.status] += 1
        fetched = sum(1 for s in self._states if s.view is not None)
        return _(
            "{hosts} probed for {profiles}: {failing} failing, {warning} with warnings, {fine} fine"
        ).format(
            hosts=ngettext("{count} host", "{count} hosts", len(found)).format(
                count=f"{len(found):,}"
            ),
            profiles=ngettext("{count} profile", "{count} profiles", fetched).format(
                count=f"{fetched:,}"
            ),
            failing=f"{counts['fail']:,}",
            warning=f"{counts['warn']:,}",
            fine=f"{counts['ok']:,}",
        )

    @on(OptionList.OptionSelected, "#health-hosts")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is None:
            return
        entry = self._found[int(event.option.id)]
        names = set(entry.profiles)
        using = [s for s in self._states if s.profile.name in names]
        if not using:
            self.notify(_("No fetched profile lists this host now."), timeout=4)
            return
        label = host_label(entry.result.host, entry.result.port)
        title = _("Profiles using {host}").format(host=label)
        self.app.push_screen(PickerScreen(using, title=title), self._picked)

    def _picked(self, name: str | None) -> None:
        if name is not None:
            self.dismiss(name)

    def action_probe_fleet(self) -> None:
        if self._run is not None and not self._run.ended:
            return  # one fleet probe at a time
        run = self._probe_fleet()
        if run is not None:
            self.show_progress(run)

    def action_close(self) -> None:
        if self._run is not None and not self._run.ended and self._cancel():
            return  # the probe's end says what was kept
        self.dismiss(None)
