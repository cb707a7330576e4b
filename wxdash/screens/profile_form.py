"""The profile form (`a` to add, `e` to edit): checked as the config loader checks, errors shown
next to their field, secrets typed into masked inputs."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Label, Select, Static

from wxdash.i18n import N_, _
from wxdash.profiles import Profile, add_profile, check_profile, remove_profile, update_profile
from wxdash.safetext import visible
from wxdash.screens.confirm import ConfirmScreen
from wxdash.screens.dialog import Dialog
from wxdash.styles import stylesheet
from wxdash.wechat.tokens import TokenKind, TokenSpec
from wxdash.widgets.text_input import TextInput

if TYPE_CHECKING:
    from wxdash.screens.dashboard import DashboardScreen as _Dashboard
else:
    _Dashboard = object

_SOURCE_LABEL = {
    TokenKind.TOKEN_ENV: N_("environment variable holding the token"),
    TokenKind.TOKEN_COMMAND: N_("command that prints the token"),
    TokenKind.APPSECRET_ENV: N_("environment variable holding the appsecret"),
    TokenKind.ACCESS_TOKEN: N_("token typed here (saved in the file)"),
    TokenKind.APPSECRET: N_("appsecret typed here (saved in the file)"),
}
_VALUE_PLACEHOLDER = {
    TokenKind.TOKEN_ENV: N_("e.g. WX_SHOP_A_TOKEN"),
    TokenKind.TOKEN_COMMAND: N_("e.g. my-token-service get $WXDASH_APPID"),
    TokenKind.APPSECRET_ENV: N_("e.g. WX_SHOP_A_SECRET"),
    TokenKind.ACCESS_TOKEN: N_("paste the access_token"),
    TokenKind.APPSECRET: N_("paste the appsecret"),
}

# The token source option that keeps what [defaults] gives.
INHERIT = "inherit"

# Where check_profile() reports a problem -> the widget it belongs next to.
_FIELDS = ("name", "appid", "token", "api_base")


class ProfileFormScreen(Dialog[Profile | None]):
    """`save` stores the profile and returns an error message, or None when it was saved."""

    DEFAULT_CSS = stylesheet(__file__)

    AUTO_FOCUS = "#name"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", show=False),
        Binding("ctrl+s", "save", show=False),
    ]

    def __init__(
        self,
        save: Callable[[Profile], str | None],
        *,
        taken: Collection[str],
        profile: Profile | None = None,
        defaults: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self._save = save
        self._taken = set(taken) - ({profile.name} if profile else set())
        self._profile = profile
        self._defaults = dict(defaults or {})
        self._acknowledged: tuple[str, ...] = ()

    def _default_token(self) -> TokenSpec | None:
        """The token source [defaults] gives every profile without its own, if any."""
        for kind in TokenKind:
            if value := self._defaults.get(kind.value, "").strip():
                return TokenSpec(kind, value)
        return None

    def _token_options(self) -> list[tuple[Content, TokenKind | str]]:
        """The choices, as text: a Select reads a plain string as markup, and `[defaults]`
        would vanish as a tag."""
        options: list[tuple[Content, TokenKind | str]] = []
        if (inherited := self._default_token()) is not None:
            label = _("from [defaults]: {source}").format(source=inherited.describe())
            options.append((Content(label), INHERIT))
        options.extend((Content(f"{k.value} — {_(text)}"), k) for k, text in _SOURCE_LABEL.items())
        return options

    def _initial_kind(self) -> TokenKind | str:
        profile = self._profile
        inherits = "token" in profile.inherited if profile else True
        if inherits and self._default_token() is not None:
            return INHERIT
        return profile.token.kind if profile else TokenKind.TOKEN_ENV

    def compose(self) -> ComposeResult:
        profile = self._profile
        kind = self._initial_kind()
        own_token = profile.token.value if profile and kind != INHERIT else ""
        own_api_base = profile and "api_base" not in profile.inherited and profile.api_base
        default_api_base = self._defaults.get("api_base")
        with VerticalScroll(id="form") as form:
            form.border_title = _("Edit profile") if profile else _("Add a profile")
            form.border_subtitle = _("ctrl+s saves · escape cancels")
            yield Label(_("Name"))
            yield TextInput(
                visible(profile.name) if profile else "",
                id="name",
                placeholder=_("e.g. Shop A"),
                compact=True,
            )
            yield Static(classes="field-error", id="name-error", markup=False)
            yield Label(_("AppID"))
            yield TextInput(
                visible(profile.appid) if profile else "",
                id="appid",
                placeholder="wx0123456789abcdef",
                compact=True,
            )
            yield Static(classes="field-error", id="appid-error", markup=False)
            yield Label(_("Token source"))
            yield Select(
                self._token_options(), value=kind, allow_blank=False, id="kind", compact=True
            )
            yield TextInput(visible(own_token), id="value", compact=True)
            yield Static(classes="field-error", id="token-error", markup=False)
            yield Label(_("API host (optional)"))
            yield TextInput(
                visible(own_api_base or ""),
                id="api_base",
                placeholder=_("leave empty for [defaults]: {url}").format(url=default_api_base)
                if default_api_base
                else _("leave empty for WeChat's own, with failover"),
                compact=True,
            )
            yield Static(classes="field-error", id="api_base-error", markup=False)
            yield Static(classes="field-error", id="form-error", markup=False)
            with Horizontal(id="form-buttons"):
                yield Button(_("Cancel"), id="cancel", compact=True)
                yield Button(_("Save"), id="save", variant="primary", compact=True)

    def on_mount(self) -> None:
        self._show_kind(self.query_one("#kind", Select).value)

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        self._show_kind(event.value)

    def _show_kind(self, kind: object) -> None:
        """The value field fits the source: masked for secrets, off while inheriting."""
        value = self.query_one("#value", Input)
        value.disabled = kind == INHERIT
        if isinstance(kind, TokenKind):
            value.password = kind.secret
            value.placeholder = _(_VALUE_PLACEHOLDER[kind])
        elif kind == INHERIT:
            value.value = ""
            value.placeholder = _("inherited from [defaults]")

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def _typed(self, field: str, old: str | None) -> str:
        """The field's text. The form shows control characters escaped (`visible`): a field
        left as it was shown keeps the profile's own value."""
        typed = self.query_one(f"#{field}", Input).value.strip()
        if old is not None and typed == visible(old).strip():
            return old.strip()
        return typed

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        kind = self.query_one("#kind", Select).value
        old = self._profile
        table = {
            "name": self._typed("name", old.name if old else None),
            "appid": self._typed("appid", old.appid if old else None),
        }
        if isinstance(kind, TokenKind):  # else: inherited, not written
            table[kind.value] = self._typed("value", old.token.value if old else None)
        api_base = self._typed("api_base", old.api_base if old else None)
        if api_base:
            table["api_base"] = api_base
        profile, problems = check_profile(table, taken=self._taken, defaults=self._defaults)
        errors = {f: [] for f in (*_FIELDS, "form")}
        for problem in problems:
            errors[problem.field or "form"].append(problem)
        for field, found in errors.items():
            widget = self.query_one(f"#{field}-error", Static)
            widget.update("\n".join(visible(p.message) for p in found))
            widget.set_class(bool(found), "shown")
            widget.set_class(all(p.severity == "warning" for p in found), "field-warning")
        if profile is None:
            first = next(p for p in problems if p.severity == "error")
            target = {"token": "value", None: "name"}.get(first.field, first.field)
            self.query_one(f"#{target}", Input).focus()
            return
        warnings = tuple(p.message for p in problems)
        if warnings and warnings != self._acknowledged:
            # A warning (an odd-looking appid) is the user's call, but they must have seen it.
            self._acknowledged = warnings
            note = self.query_one("#form-error", Static)
            note.update(_("Save again to keep it as it is."))
            note.add_class("shown")
            note.add_class("field-warning")
            return
        failure = self._save(profile)
        if failure is not None:
            error = self.query_one("#form-error", Static)
            error.update(failure)
            error.add_class("shown")
            error.remove_class("field-warning")
            return
        self.dismiss(profile)


class ProfileActions(_Dashboard):
    """The dashboard's `a`, `e` and `d`: add, edit and delete profiles, saved in the config."""

    def action_add_profile(self) -> None:
        def save(profile: Profile) -> str | None:
            described = _("Added profile {name}").format(name=visible(profile.name))
            failure = self.app.save_change(add_profile(profile), described)
            if failure is None:
                self.call_after_refresh(self.switch_to, profile.name)
            return failure

        form = ProfileFormScreen(save, taken=self.states, defaults=self.app.config.defaults)
        self.app.push_screen(form)

    def action_edit_profile(self) -> None:
        state = self.shown_state()
        if state is None:
            self.action_add_profile()
            return
        old = state.profile.name

        def save(profile: Profile) -> str | None:
            described = _("Saved profile {name}").format(name=visible(profile.name))
            failure = self.app.save_change(update_profile(old, profile), described)
            if failure is None:
                self.current = profile.name if old == self.current else self.current
                self.call_after_refresh(self.switch_to, profile.name)
            return failure

        form = ProfileFormScreen(
            save, taken=self.states, profile=state.profile, defaults=self.app.config.defaults
        )
        self.app.push_screen(form)

    def action_delete_profile(self) -> None:
        state = self.shown_state()
        if state is None:
            return
        name = state.profile.name

        def confirmed(yes: bool | None) -> None:
            if yes:
                failure = self.app.save_change(
                    remove_profile(name), _("Deleted profile {name}").format(name=visible(name))
                )
                if failure is not None:
                    self.notify(failure, title=_("Not deleted"), severity="error", markup=False)

        self.app.push_screen(
            ConfirmScreen(
                _("Delete profile"),
                _("Delete the profile {name} ({appid})? Its mini program is not affected.").format(
                    name=visible(name), appid=visible(state.profile.appid)
                ),
                _("Delete"),
            ),
            confirmed,
        )
