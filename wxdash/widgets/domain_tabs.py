"""The dashboard's tabs: one tree per group, Compare, then Pending; which is shown, their titles,
and drawing the one shown."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import TabbedContent, TabPane

from wxdash.compare import compare_profile
from wxdash.i18n import _, pgettext
from wxdash.probes.marks import HealthBook
from wxdash.state import Filters, ProfileState, Status
from wxdash.wechat.models import Group
from wxdash.widgets.compare_tree import CompareTree
from wxdash.widgets.domain_tree import DomainTree
from wxdash.widgets.pending_tree import PendingTree

# The tabs: one per group, the groups side by side, then what the next release changes.
COMPARE = "compare"
PENDING = "pending"
TABS = (*(g.short for g in Group), COMPARE, PENDING)


def compose_tabs() -> ComposeResult:
    """The tabs and their trees, `#tree-effective` … `#tree-compare`, `#tree-pending`."""
    with TabbedContent(id="tabs"):
        for group in Group:
            with TabPane(group.label, id=f"tab-{group.short}"):
                yield DomainTree(group, id=f"tree-{group.short}")
        with TabPane(_("Compare"), id=f"tab-{COMPARE}"):
            yield CompareTree(id=f"tree-{COMPARE}")
        with TabPane(_("Pending"), id=f"tab-{PENDING}"):
            yield PendingTree(id=f"tree-{PENDING}")


def active_tab(tabs: TabbedContent) -> str:
    """`effective`, `mp`, `third`, `direct`, `compare` or `pending`."""
    return (tabs.active or "tab-effective").removeprefix("tab-")


def active_group(tabs: TabbedContent) -> Group | None:
    """The group on screen; None on the Compare and Pending tabs."""
    tab = active_tab(tabs)
    return None if tab in (COMPARE, PENDING) else Group.parse(tab)


def tab_title(tab: str) -> str:
    if tab == COMPARE:
        return _("Compare")
    return _("Pending") if tab == PENDING else Group.parse(tab).label


def draw_tree(
    tree: DomainTree,
    state: ProfileState,
    filters: Filters,
    offline: bool,
    health: HealthBook | None = None,
) -> None:
    """Rebuild a tab's tree from the profile's state, through the filters; `health` marks the
    domains whose hosts were probed."""
    note = placeholder(state, offline)
    if isinstance(tree, PendingTree):
        tree.show_pending(state.pending, filters, note)
    elif isinstance(tree, CompareTree):
        tree.show_comparison(compare_profile(state, filters), note, health)
    else:
        assert tree.group is not None
        tree.show(state.view, filters, note, state.gaps(tree.group), health)


def tab_matches(
    tabs: TabbedContent, counts: dict[Group, int], known: bool
) -> tuple[int | None, bool]:
    """What the match count counts on the tab shown: its group's domains; Compare's rows; on
    Pending, every group's (True: it says "in all groups"). None while nothing is `known`."""
    if not known:
        return None, False
    tab = active_tab(tabs)
    if tab == COMPARE:
        comparison = tabs.query_one(CompareTree).comparison
        return (comparison.count if comparison is not None else 0), False
    group = active_group(tabs)
    if group is None:
        return sum(counts.values()), True
    return counts.get(group, 0), False


def step_tab(tabs: TabbedContent, delta: int) -> None:
    """Show the tab `delta` places on, round the end."""
    ids = [f"tab-{tab}" for tab in TABS]
    index = ids.index(tabs.active) if tabs.active in ids else 0
    tabs.active = ids[(index + delta) % len(ids)]


def label_tabs(
    tabs: TabbedContent, state: ProfileState, filters: Filters, counts: dict[Group, int]
) -> None:
    """While a filter is on, each group's tab says how many of its domains pass it; Pending
    always says how many changes it holds. Tabs short of room take short titles (Chinese ones
    are long), then leave the groups' counts to the filter bar, then abbreviate; Textual
    scrolls what still does not fit, keeping the tab shown in view."""
    suffixes = {
        group: f" ({counts[group]})" for group in Group if filters.active and group in counts
    }
    # Pending always says how many: the count is the news.
    changes = state.pending
    pending = _("Pending") + (f" ({changes.count})" if changes is not None else "")
    choices = [
        {group.short: group.label + suffixes.get(group, "") for group in Group},
        {group.short: group.tab_label + suffixes.get(group, "") for group in Group},
        {group.short: group.tab_label for group in Group},
        {group.short: _compact(group) for group in Group},
    ]
    for labels in choices:
        labels[COMPARE] = _("Compare")
        labels[PENDING] = pending
        # A tab pads its title with a cell on each side.
        needed = sum(Content(label).cell_length + 2 for label in labels.values())
        if not tabs.size.width or needed <= tabs.size.width:
            break
    for tab, label in labels.items():
        widget = tabs.get_tab(f"tab-{tab}")
        if widget.label.plain != label:
            widget.label = Content(label)


def _compact(group: Group) -> str:
    """The shortest titles, for the tabs beside the list on a narrow screen."""
    return {
        Group.EFFECTIVE: pgettext("compact tab label", "Eff."),
        Group.THIRD: pgettext("compact tab label", "3rd"),
    }.get(group, group.tab_label)


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
