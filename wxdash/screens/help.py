"""The help screen (`?` or `f1`): every key, and what the four groups mean."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from wxdash.i18n import N_, _
from wxdash.screens.dialog import Dialog
from wxdash.styles import stylesheet
from wxdash.wechat.models import Group

# (keys, what they do): the same list the footer and the command palette are built from.
KEYS: tuple[tuple[str, str], ...] = (
    ("↑ ↓  j k  enter", N_("move in the profile list / the tree; enter shows a profile")),
    ("home end", N_("first / last profile or line")),
    ("pageup pagedown", N_("a page up / down in the list or the tree")),
    ("tab  shift+tab", N_("move between the profile list, the tabs and the tree")),
    ("[  ]", N_("previous / next tab: the four groups, Compare, Pending")),
    ("← →", N_("scroll Compare sideways where its columns do not fit")),
    ("1 – 7", N_("show or hide a protocol: request, ws, upload, download, udp, tcp, webview")),
    ("/", N_("filter domains by text")),
    ("escape", N_("clear the text filter; with none set, stop the running fetch or probe")),
    ("p", N_("pick a profile by name")),
    ("r", N_("refetch this profile")),
    ("R", N_("refetch every profile the list shows")),
    ("f", N_("filter the profile list by name or appid (escape clears)")),
    ("s", N_("show only one status, or one error code, in the list, in turn")),
    ("Q", N_("ask WeChat for this profile's daily quota: calls used and left")),
    ("c", N_("copy the focused domain, protocol or tab (one per line); Pending: as shown")),
    ("C", N_("copy this tab's shown domains as JSON; Pending: as wxdash diff -f json")),
    ("F", N_("find a domain in every fetched profile")),
    (
        "h  H",
        N_("probe this profile's hosts and mark its domains / every probed host, worst first"),
    ),
    (
        "+  -",
        N_(
            "on Direct or Third-party: add a domain / remove the one under the cursor (a plan "
            "first, then y applies it)"
        ),
    ),
    ("x", N_("export this profile to a JSON, CSV or text file")),
    ("a  e  d", N_("add, edit or delete a profile")),
    ("b", N_("show or hide the profile list")),
    ("ctrl+p", N_("command palette: every action, any profile by name, language, theme")),
    ("y  n", N_("in a dialog: confirm / decline")),
    ("ctrl+s", N_("in the profile form: save")),
    ("? f1", N_("this help")),
    ("q  ctrl+q", N_("quit")),
)


class HelpScreen(Dialog[None]):
    """A modal listing keys and groups; any of escape, q, ? closes it."""

    DEFAULT_CSS = stylesheet(__file__)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help") as scroll:
            scroll.border_title = _("wxdash help")
            scroll.border_subtitle = _("escape closes")
            yield Static(_("Keys"), classes="help-heading")
            for keys, what in KEYS:
                with Horizontal(classes="help-row"):
                    yield Static(keys, classes="help-key", markup=False)
                    yield Static(_(what), classes="help-what", markup=False)
            yield Static(_("The four groups"), classes="help-heading")
            for group in Group:
                with Horizontal(classes="help-row"):
                    yield Static(group.label, classes="help-key", markup=False)
                    yield Static(group.description, classes="help-what", markup=False)
            yield Static(
                _(
                    "Changes to MP, Third-party and Direct take effect at the next code "
                    "submission or release; Effective is what is live now. The Pending tab "
                    "lists the difference: + takes effect at the next release, − drops then."
                ),
                classes="help-note",
                markup=False,
            )
            yield Static(
                _(
                    "Compare lists each domain once per protocol: ✓ under each group that "
                    "lists it, · where it is absent, ? where the API did not return the list, "
                    "and the Pending note where the next release changes it."
                ),
                classes="help-note",
                markup=False,
            )
            yield Static(
                _(
                    "webview holds the business domains (get_effective_webviewdomain). "
                    "⚠ marks a domain that breaks WeChat's rules: it is still listed."
                ),
                classes="help-note",
                markup=False,
            )
            yield Static(
                _(
                    "After h, each probed domain ends in its host's mark: ✓ fine, ⚠ a warning "
                    "(a certificate expiring soon), ✗ a failure. The line above the tree says "
                    "the focused domain's result in full, and how long ago it was checked."
                ),
                classes="help-note",
                markup=False,
            )
