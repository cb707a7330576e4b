"""The dashboard's domain changes: `+` adds a domain to the shown profile, `-` removes the one
under the cursor, both on the Direct or Third-party tab (the way they change); the palette adds
one to every profile the list shows. Each opens the plan screen, which applies on `y`."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.widgets import TabbedContent

from wxdash.changing import ChangeProgress, ChangeRequest, ChangeRun
from wxdash.i18n import _, ngettext
from wxdash.output.changes import summary
from wxdash.safetext import visible
from wxdash.screens.change_plan import ChangePlanScreen
from wxdash.screens.domain_form import DomainFormScreen, DomainWish
from wxdash.wechat.models import Group, Protocol
from wxdash.widgets.domain_tabs import active_group
from wxdash.widgets.profile_list import ProfileList

if TYPE_CHECKING:
    from wxdash.changes.confirmcheck import ConfirmCheck
    from wxdash.profiles import Profile
    from wxdash.screens.dashboard import DashboardScreen as _Dashboard
else:
    _Dashboard = object

# The tabs whose lists wxdash can change, and the way (the API) that changes each.
WAYS = {Group.DIRECT: "direct", Group.THIRD: "third"}


class ChangeActions(_Dashboard):
    """Adding and removing domains through a plan. Message handlers are found by name: `@on`
    does not reach into a mixin."""

    def changing_way(self) -> str | None:
        """`direct` or `third` on the tab of that group; None on the others."""
        return WAYS.get(active_group(self.query_one(TabbedContent)))  # type: ignore[arg-type]

    def action_add_domain(self) -> None:
        state = self.shown_state()
        via = self.changing_way()
        if state is None or not self._may_change(via):
            return
        assert via is not None
        tree = self.tree()
        node = tree.cursor_node if tree.has_focus else None
        protocol = Protocol.REQUEST
        if node is not None and node.data is not None and node.data.protocol:
            protocol = Protocol._value2member_map_.get(node.data.protocol, protocol)  # type: ignore[assignment]
        title = _("Add a domain to {name}").format(name=visible(state.profile.name))
        form = DomainFormScreen(title, via, protocol)  # type: ignore[arg-type]
        self.app.push_screen(form, partial(self._wished, [state.profile]))

    def action_remove_domain(self) -> None:
        state = self.shown_state()
        via = self.changing_way()
        if state is None or not self._may_change(via):
            return
        tree = self.tree()
        node = tree.cursor_node if tree.has_focus else None
        info = node.data if node is not None else None
        if info is None or info.kind != "domain" or info.domain is None or info.protocol is None:
            self.notify(
                _("Put the cursor on a domain of this tab to remove it."), severity="warning"
            )
            return
        protocol = Protocol(info.protocol)
        title = _("Remove a domain from {name}").format(name=visible(state.profile.name))
        request = ChangeRequest("remove", via, ((protocol, info.domain),), (state.profile,))  # type: ignore[arg-type]
        self._plan(request, title)

    def action_add_domain_to_shown(self) -> None:
        """The palette's: one domain for every profile the list shows (`f`, `s` narrow it)."""
        profiles = [s.profile for s in self.query_one(ProfileList).shown_states]
        if not profiles or not self._may_change(self.changing_way() or "direct"):
            return
        count = len(profiles)
        title = ngettext(
            "Add a domain to the {n} shown profile", "Add a domain to the {n} shown profiles", count
        ).format(n=f"{count:,}")
        form = DomainFormScreen(title, self.changing_way() or "direct")
        self.app.push_screen(form, partial(self._wished, profiles))

    def _may_change(self, via: str | None) -> bool:
        """Say why not, if a change cannot be planned here and now."""
        if self.offline:
            self._refuse_offline()
            return False
        if via is None:
            self.notify(
                _("Domains are changed on the Direct or Third-party tab: press ] to go there."),
                severity="warning",
            )
            return False
        if self.changing.busy:
            self.notify(_("Wait for the changes being applied to finish."), severity="warning")
            return False
        # The palette reaches these under a plan or a form: one plan at a time.
        if any(isinstance(s, ChangePlanScreen | DomainFormScreen) for s in self.app.screen_stack):
            self.notify(_("Close the domain change on screen first."), severity="warning")
            return False
        return True

    def _wished(self, profiles: list[Profile], wish: DomainWish | None) -> None:
        if wish is None or not self._may_change(wish[0]):
            return
        via, protocol, domains = wish
        count = len(profiles)
        shown = visible(domains[0])
        if len(domains) > 1:
            more = len(domains) - 1
            shown = ngettext("{domain} and {n} more", "{domain} and {n} more", more).format(
                domain=shown, n=more
            )
        if count == 1:
            title = _("Add {domain} to {name}").format(domain=shown, name=visible(profiles[0].name))
        else:
            many = ngettext("Add {domain} to {n} profile", "Add {domain} to {n} profiles", count)
            title = many.format(domain=shown, n=f"{count:,}")
        wanted = tuple((protocol, domain) for domain in domains)
        self._plan(ChangeRequest("add", via, wanted, tuple(profiles)), title)

    def _plan(self, request: ChangeRequest, title: str) -> None:
        if (outside := self._outside_demo(request.profiles)) is not None:
            text = _("--demo sends changes only to its own fake server: {name} points elsewhere.")
            self.notify(
                text.format(name=visible(outside.name)),
                severity="error",
                markup=False,
            )
            return
        known = {
            p.name: self.states[p.name].outcome()
            for p in request.profiles
            if p.name in self.states and self.states[p.name].report is not None
        }
        run = self.changing.plan(request, known)
        screen = ChangePlanScreen(title, run, self.changing.apply, self.changing.stop)
        self.app.push_screen(screen)

    def _outside_demo(self, profiles: tuple[Profile, ...]) -> Profile | None:
        """Under --demo, a profile whose calls would leave the demo's own fake server."""
        if not self.app.demo:
            return None
        url = self.app.demo_url
        return next((p for p in profiles if (p.api_base or "").rstrip("/") != url), None)

    def confirm_check(self) -> ConfirmCheck | None:
        """How a direct webview add is checked first (WeChat's file at the domain's root, as
        `wxdash domains` checks it); none under --demo, whose domains are made up. In a
        thread: loading the trusted certificates takes a while. TrustError if they cannot be."""
        if self.app.demo:
            return None
        from wxdash.changes.confirmcheck import ConfirmCheck

        hosts, trust = self.app.probe_setup()
        trust.load()
        return ConfirmCheck(hosts, trust.verified, self.app.config.network.read_timeout)

    # -- the run moving on ---------------------------------------------------------------

    def on_change_progress(self, event: ChangeProgress) -> None:
        run = event.run
        for screen in self.app.screen_stack:
            if isinstance(screen, ChangePlanScreen):
                screen.show(run)
        if event.stage == "done" and run.results:
            self._changes_made(run)

    def _changes_made(self, run: ChangeRun) -> None:
        """Fetch the changed profiles again (their lists changed) and say how it went."""
        changed = sorted({c.name for c in run.results if c.result == "applied"})
        if len(changed) == 1:
            self.fetch(changed[0], force=True)
        elif changed:
            self._fetch_names(changed, True)
        counts = summary(run.results, run.calls_done)
        text = ngettext(
            "Domain changes in {calls} call: {applied} applied, {refused} refused, {failed} "
            "failed, {unknown} unknown",
            "Domain changes in {calls} calls: {applied} applied, {refused} refused, {failed} "
            "failed, {unknown} unknown",
            counts["calls"],
        ).format(**counts)
        bad = counts["failed"] + counts["unknown"] + counts["refused"]
        self.notify(text, severity="error" if bad else "information", markup=False)
