"""The plan screen of a domain change: what each profile's call would change, this month's
budget, the API called; `y` applies it and the screen shows each result as it comes back,
refusals included. The same plan and the same words as `wxdash domains`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import Button, Static

from wxdash.changes.plan import Change
from wxdash.changing import ChangeRun
from wxdash.i18n import _, ngettext
from wxdash.output.changes import change_line, plan_text, reasons, summary_text
from wxdash.screens.dialog import Dialog
from wxdash.styles import stylesheet
from wxdash.wechat.writes import ACTIONS, path_for

# The plan or the results beyond this many lines are left to `wxdash domains log`.
MAX_LINES = 400
BAD = ("failed", "unknown", "refused")
# Why a change was not sent that the user should see first: not "nothing to do".
LEFT_OUT = ("limit", "fetch", "cancelled", "platform")


def _calls_phrase(run: ChangeRun) -> str:
    calls, profiles = run.calls, run.changing
    return _("{make}, to change {profiles}.").format(
        make=ngettext("Make {n} call", "Make {n} calls", calls).format(n=f"{calls:,}"),
        profiles=ngettext("{n} profile", "{n} profiles", profiles).format(n=f"{profiles:,}"),
    )


def _apis(run: ChangeRun) -> str:
    """The calls made: `POST /wxa/modify_domain_directly (action add)`, each API once."""
    paths = sorted(
        {path_for(plan.via, kind == "webview") for plan in run.plans for kind in plan.send}
    )
    action = ACTIONS[run.request.action]
    return "\n".join(
        _("The call: POST {path} (action {action})").format(path=p, action=action) for p in paths
    )


def _left_out(run: ChangeRun) -> list[str]:
    """`Not sent: 83 (its current lists could not be fetched)`, a line per reason, so that a
    fleet's plan says what it leaves out before its thousand lines."""
    counts = Counter(c.reason for c in run.skipped if c.reason in LEFT_OUT)
    why = reasons()
    return [
        _("Not sent: {n} ({why})").format(n=f"{n:,}", why=why.get(reason, reason))
        for reason, n in counts.most_common()
    ]


def head_text(run: ChangeRun) -> str:
    """What the run is doing, in a line or three."""
    if run.stage == "planning":
        if run.to_fetch:
            return _("Reading the current lists: {done} of {n} profiles…").format(
                done=f"{run.fetched:,}", n=f"{run.to_fetch:,}"
            )
        return _("Planning…")
    if run.stage == "planned":
        left = _left_out(run)
        if not run.calls:
            nothing = _("Nothing to send: every domain is already as asked, or cannot be sent.")
            return "\n".join((nothing, *left))
        return "\n".join(
            (
                _calls_phrase(run),
                *left,
                _apis(run),
                _("WeChat counts every server-domain change against the month's 50 per mini "
                  "program, whatever its result."),
            )
        )  # fmt: skip
    if run.stage == "waiting":
        return _("Waiting for another wxdash run to finish its changes…")
    if run.stage == "applying":
        return _("Applying: {done} of {n} calls back…").format(
            done=f"{run.calls_done:,}", n=f"{run.calls:,}"
        )
    lines = [summary_text(run.results + run.skipped, run.calls_done).strip()]
    if run.stopped:
        lines.append(_("Stopped: the calls not yet made were not sent; run it again to finish."))
    if run.error:
        lines.append(run.error)
    return "\n".join(lines)


def body_text(run: ChangeRun) -> str:
    """The plan, or once applying, each domain's result (the bad ones first)."""
    if run.stage in ("planning",):
        return ""
    if run.stage in ("planned", "waiting"):
        lines = plan_text(run.plans, run.check).splitlines()
    else:
        done = _results_in_order(run)
        lines = [line for change in done for line in change_line(change).splitlines()]
    if len(lines) > MAX_LINES:
        more = len(lines) - MAX_LINES
        lines = lines[:MAX_LINES]
        lines.append(
            ngettext(
                "… and {n} more line: wxdash domains log lists every call",
                "… and {n} more lines: wxdash domains log lists every call",
                more,
            ).format(n=f"{more:,}")
        )
    return "\n".join(lines)


def _results_in_order(run: ChangeRun) -> list[Change]:
    """What came back, the problems first: refused, failed or unknown; then (once done) what
    was left out; then what was applied. Nothing-to-do skips are not listed."""
    bad = [c for c in run.results if c.result in BAD]
    fine = [c for c in run.results if c.result not in BAD]
    left: list[Change] = []
    if run.stage == "done":
        left = [c for c in run.skipped if c.reason in LEFT_OUT]
        fine += [c for c in run.skipped if c.reason == "recent"]
    return bad + left + fine


class ChangePlanScreen(Dialog[None]):
    """Shows `run` as it goes (`show`); `y` applies a plan with calls to make, `n`/escape
    cancels it, stops an apply (the calls under way finish), or closes the results."""

    DEFAULT_CSS = stylesheet(__file__)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "apply", show=False),
        Binding("n,escape", "back", show=False),
        # The plan of a fleet is long: it scrolls whatever has the focus.
        Binding("up,k", "scroll('up')", show=False),
        Binding("down,j", "scroll('down')", show=False),
        Binding("pageup", "scroll('page_up')", show=False),
        Binding("pagedown,space", "scroll('page_down')", show=False),
        Binding("home", "scroll('home')", show=False),
        Binding("end", "scroll('end')", show=False),
    ]

    def __init__(
        self, title: str, run: ChangeRun, apply: Callable[[ChangeRun], None],
        stop: Callable[[], bool],
    ) -> None:  # fmt: skip
        super().__init__()
        self._title = title
        self.run = run
        self._apply = apply
        self._stop = stop

    def compose(self) -> ComposeResult:
        with Vertical(id="plan-box") as box:
            box.border_title = self._title
            yield Static(id="plan-head", markup=False)
            with VerticalScroll(id="plan-scroll"):
                yield Static(id="plan-body", markup=False)
            with Horizontal(id="plan-buttons"):
                yield Button(_("Cancel (n)"), id="back", compact=True)
                yield Button(_("Apply (y)"), id="apply", variant="error", compact=True)

    def on_mount(self) -> None:
        self.show(self.run)
        self.query_one("#back", Button).focus()

    def show(self, run: ChangeRun) -> None:
        """Draw the run as it is now (its stage, counts, plan or results)."""
        if run is not self.run:
            return
        try:
            head = self.query_one("#plan-head", Static)
        except NoMatches:
            return  # not composed yet: on_mount draws it
        head.update(head_text(run))
        body = body_text(run)
        self.query_one("#plan-body", Static).update(body)
        self.query_one("#plan-scroll").display = bool(body)
        self.set_class(run.stage == "done" and any(c.result in BAD for c in run.results), "bad")
        apply = self.query_one("#apply", Button)
        apply.display = run.stage == "planned" and run.calls > 0
        back = self.query_one("#back", Button)
        back.label = {
            "planned": _("Cancel (n)") if run.calls else _("Close (escape)"),
            "applying": _("Stop (escape)"),
            "waiting": _("Stop (escape)"),
            "done": _("Close (escape)"),
        }.get(run.stage, _("Cancel (escape)"))

    def action_scroll(self, how: str) -> None:
        scroll = self.query_one("#plan-scroll", VerticalScroll)
        getattr(scroll, f"scroll_{how}")(animate=False)

    def action_apply(self) -> None:
        if self.run.stage == "planned" and self.run.calls:
            self._apply(self.run)
            self.show(self.run)

    def action_back(self) -> None:
        if self.run.stage in ("waiting", "applying"):
            if self._stop():
                self.notify(_("Stopping: the calls under way finish first."), timeout=4)
            return
        if self.run.stage == "planning":
            self._stop()
        self.dismiss(None)

    @on(Button.Pressed, "#apply")
    def _apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()
