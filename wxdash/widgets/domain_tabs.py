"""The dashboard's tabs: one tree per group, then Pending; which is shown, and their titles."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import TabbedContent, TabPane

from wxdash.i18n import _
from wxdash.state import Filters, ProfileState, Status
from wxdash.wechat.models import Group
from wxdash.widgets.domain_tree import DomainTree
from wxdash.widgets.pending_tree import PendingTree

# The tabs: one per group, then what the next release changes.
PENDING = "pending"
TABS = (*(g.short for g in Group), PENDING)


def compose_tabs() -> ComposeResult:
    """The tabs and their trees, `#tree-effective` … `#tree-pending`."""
    with TabbedContent(id="tabs"):
        for group in Group:
            with TabPane(group.label, id=f"tab-{group.short}"):
                yield DomainTree(group, id=f"tree-{group.short}")
        with TabPane(_("Pending"), id=f"tab-{PENDING}"):
            yield PendingTree(id=f"tree-{PENDING}")


def active_tab(tabs: TabbedContent) -> str:
    """`effective`, `mp`, `third`, `direct` or `pending`."""
    return (tabs.active or "tab-effective").removeprefix("tab-")


def active_group(tabs: TabbedContent) -> Group | None:
    """The group on screen; None on the Pending tab."""
    tab = active_tab(tabs)
    return None if tab == PENDING else Group.parse(tab)


def tab_title(tab: str) -> str:
    return _("Pending") if tab == PENDING else Group.parse(tab).label


def step_tab(tabs: TabbedContent, delta: int) -> None:
    """Show the tab `delta` places on, round the end."""
    ids = [f"tab-{tab}" for tab in TABS]
    index = ids.index(tabs.active) if tabs.active in ids else 0
    tabs.active = ids[(index + delta) % len(ids)]


def label_tabs(
    tabs: TabbedContent, state: ProfileState, filters: Filters, counts: dict[Group, int]
) -> None:
    """While a filter is on, each tab says how many of its domains pass it; Pending always
    says how many changes it holds. Tabs short of room take short titles (Chinese ones are
    long)."""
    suffixes = {
        group: f" ({counts[group]})" for group in Group if filters.active and group in counts
    }
    # Pending always says how many: the count is the news.
    changes = state.pending
    pending = f" ({changes.count})" if changes is not None else ""
    labels = {group.short: group.label + suffixes.get(group, "") for group in Group}
    labels[PENDING] = _("Pending") + pending
    # A tab pads its title with a cell on each side.
    needed = sum(Content(label).cell_length + 2 for label in labels.values())
    if tabs.size.width and needed > tabs.size.width:
        labels = {group.short: group.tab_label + suffixes.get(group, "") for group in Group}
        labels[PENDING] = _("Pending") + pending
    for tab, label in labels.items():
        widget = tabs.get_tab(f"tab-{tab}")
        if widget.label.plain != label:
            widget.label = Content(label)


def placeholder(state: ProfileState, offline: bool) -> str:
    """What a tree says while it has no domains to show, and what would help."""
    match state.status:
        case Status.FETCHING:
            return _("Fetching…")
        case Status.ERROR:
            return _("No data: the fetch failed (see above).")
        case _ if offline:
            # r is refused offline: say what would help instead.
            return _("Not in the cache: start wxdash without --offline to fetch it.")
        case _:
            return _("Not fetched yet: press r.")
