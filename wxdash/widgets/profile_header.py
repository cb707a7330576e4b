"""The line above the tabs: which profile this is, where its token comes from, how fresh it is."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from wxdash.i18n import _
from wxdash.safetext import visible
from wxdash.state import ProfileState, Status, age, clock
from wxdash.styles import stylesheet

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class ProfileHeader(Static):
    """Name, appid, masked token source, fetch time; a spinner while a fetch runs, and for a
    profile's own fetch the attempt it is on and the seconds it has waited. While the cursor
    is on a domain cut short in the tree, that domain in full instead."""

    DEFAULT_CSS = stylesheet(__file__)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._state: ProfileState | None = None
        self._frame = 0
        self._waited: tuple[int, int] | None = None  # (attempt, seconds)
        self._long_domain: str | Content | None = None

    def on_mount(self) -> None:
        self.set_interval(0.1, self._spin)
        self.set_interval(30, self._redraw)

    def show_state(self, state: ProfileState | None, waited: tuple[int, int] | None) -> None:
        """Show `state`; `waited` is its own fetch's (attempt, seconds) while one is in flight."""
        self._state = state
        self._waited = waited
        self._redraw()

    def show_wait(self, waited: tuple[int, int] | None) -> None:
        if waited != self._waited:
            self._waited = waited
            self._redraw()

    def show_long_domain(self, text: str | Content | None) -> None:
        """Show this domain's label in full (escaped already), or what its probe found,
        instead; None to stop."""
        if text != self._long_domain:
            self._long_domain = text
            self._redraw()

    def _spin(self) -> None:
        if self._state is not None and self._state.fetching:
            self._frame = (self._frame + 1) % len(SPINNER)
            self._redraw()

    def _redraw(self) -> None:
        state = self._state
        if state is None:
            self.update("")
            return
        if isinstance(self._long_domain, Content):
            self.update(self._long_domain)
            return
        if self._long_domain is not None:
            self.update(Content.styled(self._long_domain, "bold $text"))
            return
        profile = state.profile
        who = Content.assemble((visible(profile.name), "bold $text"), "  " + visible(profile.appid))
        status = state.status
        if status == Status.FETCHING:
            doing = _("fetching…")
            if self._waited is not None:
                attempt, seconds = self._waited
                doing = _("fetching… attempt {n} · {s} s").format(n=attempt, s=seconds)
            when = Content.styled(f"{SPINNER[self._frame]} " + doing, "$text-accent")
        elif state.fetched_at is not None:
            cached = state.source == "cache"
            template = _("cached {time} ({age})") if cached else _("fetched {time} ({age})")
            fetched = template.format(time=clock(state.fetched_at), age=age(state.fetched_at))
            if status == Status.STALE:
                fetched += " · " + _("stale")
            when = Content.styled(fetched, "$text-warning" if status == Status.STALE else "")
        else:
            when = Content(status.label)
        how = Content.assemble(profile.token.describe(), "  ", when)
        one_line = Content.assemble(who, "  ", how)
        # Break between who and how, not in the middle of a time, when the line is too narrow.
        fits = one_line.cell_length <= self.content_region.width or not self.content_region.width
        self.update(one_line if fits else Content("\n").join([who, how]))

    def on_resize(self) -> None:
        self._redraw()
