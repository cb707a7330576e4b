"""One group's domains as a tree: a node per protocol with its count, the domains as leaves.

Labels are Rich Text built from escaped strings, never markup: a domain holding `[bold]` or an
ESC shows exactly those characters. The tree keeps its cursor on the same node when it is
rebuilt (a filter changed, new data arrived). A domain whose host was probed ends in its mark
(`✓`, `⚠ expires in 12 days`). A domain too wide for the tree ends in `…`, and while the
cursor is on one, or on one with a mark, the tree says it in full (`LongDomains`), for the
header to show.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text, TextType
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from wxdash.i18n import _, language, ngettext
from wxdash.probes.marks import STYLES, HealthBook, full_mark, short_mark
from wxdash.safetext import visible
from wxdash.state import Filters, age
from wxdash.styles import component_style, stylesheet
from wxdash.wechat.models import DomainReport, Group, ParseWarning, Protocol
from wxdash.widgets.kept_cursor import KeptCursor, NodeInfo, NodeKind
from wxdash.widgets.long_domains import LongDomains


def _warning_label(warning: ParseWarning) -> str:
    """`request 42: a number instead of a string, left out`: short enough for 80 columns."""
    if warning.group not in Group._value2member_map_:
        subject = warning.group or ""  # a group wxdash does not know
    else:
        subject = Protocol.short_of(warning.protocol)
    if warning.kind == "wrong_type" and warning.domain:
        value = warning.domain
        subject += " " + (value if len(value) <= 24 else value[:23] + "…")
    subject = visible(subject.strip())
    return f"{subject}: {warning.message}" if subject else warning.message


def _highlight(text: Text, needle: str, style: Style) -> None:
    if not needle:
        return
    plain = text.plain.casefold()
    target = needle.casefold()
    if len(plain) != len(text.plain):
        return  # casefolding changed lengths (rare scripts): skip highlighting
    start = plain.find(target)
    while start >= 0:
        text.stylize(style, start, start + len(target))
        start = plain.find(target, start + len(target))


class DomainTree(LongDomains, KeptCursor, Tree[NodeInfo]):
    """The tree of one group tab."""

    DEFAULT_CSS = stylesheet(__file__)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", show=False),
        Binding("k", "cursor_up", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "domain-tree--count",
        "domain-tree--empty",
        "domain-tree--note",
        "domain-tree--warning",
        "domain-tree--match",
        "domain-tree--add",
        "domain-tree--drop",
        "domain-tree--ok",
        "domain-tree--warn",
        "domain-tree--fail",
    }

    def __init__(self, group: Group | None, *, id: str | None = None) -> None:
        self._rebuilding = False
        self._needle = ""
        self._match = Style()
        self._line_style: Style | None = None
        super().__init__("", id=id)
        self.group = group
        self._flags: dict[tuple[str | None, str | None], list[str]] = {}
        self._shape: tuple[object, ...] | None = None
        self._folded: set[str | None] = set()  # protocols the user folded
        self._health: HealthBook | None = None
        self.show_root = False
        self.guide_depth = 3
        self.auto_expand = False

    def _invalidate(self) -> None:
        # Tree invalidates its caches and schedules a layout for every node added: 1,200
        # domains would do it 1,200 times. `show()` does it once, when it is done.
        if not self._rebuilding:
            super()._invalidate()

    # Tree measures and splits every label of the tree on each rebuild, and a label styled
    # when it is made is copied again each time it is drawn. With 1,200 domains that is most
    # of a keystroke in the filter; these three do the work for the lines on screen only.

    def process_label(self, label: TextType) -> Text:
        # Labels are built from escaped text, which holds no line break: nothing to split.
        if isinstance(label, Text) and "\n" not in label.plain:
            return label
        return super().process_label(label)

    def get_label_width(self, node: TreeNode[NodeInfo]) -> int:
        arrow = cell_len(self.ICON_NODE_EXPANDED) if node.allow_expand else 0
        return self.fit_width(node, node.label.cell_len + arrow)

    def _restore(self, keep: NodeInfo | None, line: int) -> None:
        super()._restore(keep, line)
        self.call_after_refresh(self.tell_long_domain)  # once the cursor is back in place

    def render_lines(self, crop: Region) -> list[Strip]:
        # Tree asks for the widget's style once per line, and working it out walks up the DOM
        # (a quarter of redrawing the tree): once per redraw is enough.
        self._line_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._line_style = None

    def render_line(self, y: int) -> Strip:
        if self._line_style is None:
            return super().render_line(y)
        scroll_x, scroll_y = self.scroll_offset
        return self._render_line(
            y + scroll_y, scroll_x, scroll_x + self.size.width, self._line_style
        )

    def render_label(self, node: TreeNode[NodeInfo], base_style: Style, style: Style) -> Text:
        text = super().render_label(node, base_style, style)
        if self._needle and node.data is not None and node.data.kind == "domain":
            _highlight(text, self._needle, self._match)
        self.cut_to_fit(node, text)
        return text

    def _style(self, name: str) -> Style:
        return component_style(self, name)

    def show(
        self,
        report: DomainReport | None,
        filters: Filters,
        placeholder: str | None = None,
        gaps: tuple[str | None, str | None] = (None, None),
        health: HealthBook | None = None,
    ) -> None:
        """Rebuild from `report` through `filters`; `placeholder` is shown when there is no data.
        `gaps` says why the server lists, and the webview list, are not known when one of the
        two calls failed or left the group out: the report holds empty lists there. `health`
        marks the domains whose hosts were probed."""
        lists = self._visible_lists(report, filters)
        self._health = health
        marks = health.version if health is not None else None  # new results: new marks
        shape = (report, lists, bool(filters.text), placeholder, gaps, language(), self.app.theme)
        shape += (marks,)
        if shape == self._shape:
            # Typing one more letter that every shown domain still matches: the same nodes
            # with the same labels, so only the highlight on the lines on screen changes.
            if filters.text != self._needle:
                self._needle = filters.text
                self._updates += 1  # Tree's line-cache key: drops drawn lines, keeps laid-out ones
                self.refresh()
            return
        self._shape = shape
        keep, keep_line = self._remembered()
        # A protocol the user folded stays folded through rebuilds (another letter typed, new
        # data, another profile); one not shown or empty now keeps whatever it was.
        foldable = {
            node.data.protocol: node
            for node in self.root.children
            if node.data is not None and node.allow_expand
        }
        self._folded = {key for key in self._folded if key not in foldable} | {
            key for key, node in foldable.items() if not node.is_expanded
        }
        self.clear()
        self._needle = filters.text
        self._match = self._style("domain-tree--match")
        self._rebuilding = True
        try:
            self._fill(report, lists, bool(filters.text), placeholder, gaps)
        finally:
            self._rebuilding = False
            self._invalidate()
        self._restore(keep, keep_line)

    def _visible_lists(
        self, report: DomainReport | None, filters: Filters
    ) -> tuple[tuple[Protocol | str, list[str], int], ...] | None:
        """Each shown protocol's matching domains and its total, then the unknown keys'."""
        if report is None or self.group is None or (data := report[self.group]) is None:
            return None
        known = tuple(
            (protocol, domains, len(data[protocol]))
            for protocol, domains in filters.visible(data).items()
        )
        extra = tuple(
            (key, [d for d in domains if filters.matches(d)], len(domains))
            for key, domains in data.extra.items()
        )
        return known + extra

    def _fill(
        self,
        report: DomainReport | None,
        lists: tuple[tuple[Protocol | str, list[str], int], ...] | None,
        counted: bool,
        placeholder: str | None,
        gaps: tuple[str | None, str | None],
    ) -> None:
        root = self.root
        if report is None:
            root.add_leaf(
                Text(placeholder or "", style=self._style("domain-tree--note")),
                data=NodeInfo("note"),
            )
            return
        self._add_warnings(report)
        if lists is None:
            root.add_leaf(
                Text(_("not returned by the API"), style=self._style("domain-tree--note")),
                data=NodeInfo("note"),
            )
            return
        server_gap, webview_gap = gaps
        if server_gap is not None:
            root.add_leaf(
                Text(
                    _("server domains: {why}").format(why=server_gap),
                    style=self._style("domain-tree--note"),
                ),
                data=NodeInfo("note"),
            )
        for protocol, domains, total in lists:
            if not isinstance(protocol, Protocol):  # a key wxdash does not know
                self._add_protocol(protocol, protocol, domains, total, counted, extra=True)
            elif protocol.is_server and server_gap is not None:
                continue
            elif protocol is Protocol.WEBVIEW and webview_gap is not None:
                self._add_gap(protocol, webview_gap)
            else:
                self._add_protocol(protocol.label, protocol.value, domains, total, counted)

    def _add_warnings(self, report: DomainReport) -> None:
        """This group's parse warnings as a node; its lint flags kept for their domains."""
        root = self.root
        assert self.group is not None
        # A warning about a group wxdash does not know belongs to no tab: every tab shows it.
        mine = [
            w
            for w in report.warnings
            if w.group == self.group.value or w.group not in Group._value2member_map_
        ]
        # Lint flags show on the domain they are about; the parser's warnings get a node.
        self._flags = {}
        for warning in mine:
            if warning.kind.startswith("lint_"):
                self._flags.setdefault((warning.protocol, warning.domain), []).append(
                    warning.message
                )
        warnings = [w for w in mine if not w.kind.startswith("lint_")]
        if warnings:
            label = ngettext("⚠ {n} parse warning", "⚠ {n} parse warnings", len(warnings))
            node = root.add(
                Text(label.format(n=len(warnings)), style=self._style("domain-tree--warning")),
                data=NodeInfo("warning"),
                expand=True,
            )
            for warning in warnings:
                node.add_leaf(
                    Text(_warning_label(warning), style=self._style("domain-tree--warning")),
                    data=NodeInfo("warning", warning.protocol),
                )

    def _add_gap(self, protocol: Protocol, why: str) -> None:
        """A protocol whose list is not known: its name and why, dimmed, with nothing under it."""
        label = Text.assemble(protocol.label, "  ", why, style=self._style("domain-tree--empty"))
        self.root.add(label, data=NodeInfo("protocol", protocol.value), allow_expand=False)

    def _add_protocol(
        self,
        name: str,
        key: str,
        domains: list[str],
        total: int,
        counted: bool,
        *,
        extra: bool = False,
    ) -> None:
        """A protocol's node; `counted` (a text filter is on) shows matches out of the total."""
        count = f"({len(domains)}/{total})" if counted else f"({total})"
        label = Text.assemble(visible(name), " ", (count, self._style("domain-tree--count")))
        if extra:
            label.append("  " + _("unknown to wxdash"), style=self._style("domain-tree--warning"))
        if total == 0:
            label.append("  " + _("none"), style=self._style("domain-tree--empty"))
            label.stylize(self._style("domain-tree--empty"))
        kind: NodeKind = "extra" if extra else "protocol"
        node = self.root.add(
            label,
            data=NodeInfo(kind, key),
            expand=key not in self._folded,
            allow_expand=bool(domains),
        )
        flags, health = self._flags, self._health
        for domain in domains:
            text = Text(visible(domain))
            if found := flags.get((key, domain)):
                note = found[0] + (f" (+{len(found) - 1})" if len(found) > 1 else "")
                text.append("  ⚠ " + note, style=self._style("domain-tree--warning"))
            if health is not None and (result := health.of(domain)) is not None:
                status, mark = short_mark(result)
                text.append("  " + mark, style=self._style(f"domain-tree--{status}"))
            node.add_leaf(text, data=NodeInfo("domain", key, domain))

    def said_under_cursor(self) -> Content | str | None:
        """A probed domain under the cursor: its probe in full and its age, for the header."""
        node = self.cursor_node
        info = node.data if node is not None else None
        health = self._health
        if not (self.has_focus and health and info and info.kind == "domain" and info.domain):
            return super().said_under_cursor()
        result = health.of(info.domain)
        if result is None:
            return super().said_under_cursor()
        checked = _("checked {age}").format(age=age(result.checked_at))
        return Content.assemble(
            (visible(info.domain), "bold $text"),
            "  ",
            (full_mark(result), STYLES[result.status]),
            (" · " + checked, "$text-muted"),
        )

    def visible_domains(
        self, report: DomainReport | None, filters: Filters
    ) -> dict[str, list[str]]:
        """The domains this tab shows, by the API's protocol key (for copying)."""
        lists = self._visible_lists(report, filters) or ()
        return {str(protocol): domains for protocol, domains, _total in lists}
