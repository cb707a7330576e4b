"""The domain form (`+` on the Direct or Third-party tab, or the palette for the shown
profiles): the way, the protocol and the domain, linted as it is typed."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Label, Select, Static

from wxdash.changes.plan import REFUSING
from wxdash.i18n import _
from wxdash.insight import lint_domain
from wxdash.safetext import visible
from wxdash.screens.dialog import Dialog
from wxdash.styles import stylesheet
from wxdash.wechat.models import ParseWarning, Protocol
from wxdash.widgets.text_input import TextInput

# What the form gives: (via, protocol, the domains).
DomainWish = tuple[str, Protocol, tuple[str, ...]]


def split_domains(text: str) -> tuple[str, ...]:
    """The domains typed, separated by spaces or commas, each once."""
    return tuple(dict.fromkeys(d for d in text.replace(",", " ").split() if d))


def lint_lines(protocol: Protocol, domains: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """What lint says of the new domains: the refusals (WeChat would refuse them), the
    warnings; each line names its domain when there are several."""
    refusals, warnings = [], []
    for domain in domains:
        for kind, detail in lint_domain(protocol, domain):
            message = ParseWarning(kind, None, protocol.value, domain, detail).message
            line = f"{visible(domain)}: {message}" if len(domains) > 1 else message
            (refusals if kind in REFUSING else warnings).append(line)
    return refusals, warnings


class DomainFormScreen(Dialog[DomainWish | None]):
    """Dismisses with what to add, or None (escape, Cancel)."""

    DEFAULT_CSS = stylesheet(__file__)

    AUTO_FOCUS = "#domain"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", show=False),
        Binding("ctrl+s", "submit", show=False),
    ]

    def __init__(self, title: str, via: str, protocol: Protocol = Protocol.REQUEST) -> None:
        super().__init__()
        self._title = title
        self._via = via
        self._protocol = protocol

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="domain-form") as form:
            form.border_title = self._title
            form.border_subtitle = _("enter plans · escape cancels")
            yield Label(_("Way"))
            ways = [
                (Content(_("direct (modify_domain_directly)")), "direct"),
                (Content(_("third-party (modify_domain: on the platform's list)")), "third"),
            ]
            yield Select(ways, value=self._via, allow_blank=False, id="via", compact=True)
            yield Label(_("Protocol"))
            protocols = [(Content(f"{p.label} ({p.value})"), p) for p in Protocol]
            yield Select(
                protocols, value=self._protocol, allow_blank=False, id="protocol", compact=True
            )
            yield Label(_("Domain (several: separate them by spaces)"))
            yield TextInput(id="domain", placeholder=self._example(self._protocol), compact=True)
            yield Static(id="lint", markup=False)
            with Horizontal(id="form-buttons"):
                yield Button(_("Cancel"), id="cancel", compact=True)
                yield Button(_("Plan"), id="plan", variant="primary", compact=True)

    def _protocol_chosen(self) -> Protocol:
        value = self.query_one("#protocol", Select).value
        return value if isinstance(value, Protocol) else Protocol.REQUEST

    @staticmethod
    def _example(protocol: Protocol) -> str:
        return _("e.g. {url}").format(url=f"{protocol.scheme}://cdn.example.com")

    @on(Select.Changed, "#protocol")
    def _protocol_changed(self) -> None:
        self.query_one("#domain", Input).placeholder = self._example(self._protocol_chosen())
        self._lint()

    @on(Input.Changed, "#domain")
    def _lint(self) -> bool:
        """Say what lint finds as the domain is typed; True when nothing refuses it."""
        domains = split_domains(self.query_one("#domain", Input).value)
        note = self.query_one("#lint", Static)
        refusals, warnings = lint_lines(self._protocol_chosen(), domains)
        note.update("\n".join(refusals + warnings))
        note.set_class(bool(refusals), "refused")
        note.set_class(bool(warnings) and not refusals, "warned")
        return not refusals

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#plan")
    @on(Input.Submitted)
    def action_submit(self) -> None:
        domains = split_domains(self.query_one("#domain", Input).value)
        note = self.query_one("#lint", Static)
        if not domains:
            note.update(_("Type the domain to add, e.g. https://cdn.example.com"))
            note.set_class(True, "refused")
            return
        if not self._lint():
            return
        via = self.query_one("#via", Select).value
        self.dismiss((str(via), self._protocol_chosen(), domains))
