"""The segment panel: a tree of segments and their rules with live counts in each label."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from segtui.display import printable
from segtui.rules import RuleSet
from segtui.tui.editing import ROOT, UNASSIGNED_REF, NodeRef
from segtui.tui.format import fmt_count, fmt_money, fmt_pct
from segtui.tui.widgets.keys import KeysFollowTheActiveScreen

__all__ = ["SegmentTree"]

ON, OFF = "☑", "☐"
#: A rule the open data cannot run (it lacks a column): off for the session.
WARN = "⚠"


def _stats(row: dict[str, Any] | None) -> str:
    if row is None:
        return ""
    return f"{fmt_count(row['customers'])} · {fmt_pct(row['pct_customers'])} · {fmt_money(row['revenue'])}"


class SegmentTree(KeysFollowTheActiveScreen, Tree[NodeRef]):
    """Segments with their rules as children; the cursor is the app's selection.

    Space and enter act on the selection (toggle / edit) rather than folding nodes:
    every node stays expanded, the tree is short and the rules are the point.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "screen.toggle", "Toggle", tooltip="Switch the selected rule or segment on/off"),
        Binding("enter", "screen.edit", "Edit", show=False),
        Binding("left", "collapse", "Collapse", show=False, tooltip="Fold the segment's rules (on a rule: go to its segment)"),
        Binding("right", "expand", "Expand", show=False, tooltip="Unfold the segment's rules"),
    ]

    class Selected(Message):
        """The cursor moved to another segment, rule, the root or the remainder."""

        def __init__(self, ref: NodeRef) -> None:
            super().__init__()
            self.ref = ref

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("All customers", data=ROOT, id=id)
        self.auto_expand = False
        self.guide_depth = 2
        self.selected: NodeRef = ROOT
        self._ruleset: RuleSet | None = None
        self._unassigned_name: str | None = None
        #: names of the segments folded with ←; kept across rebuilds (edits, counts)
        self._collapsed: set[str] = set()

    # -- building -----------------------------------------------------------------------

    def rebuild(self, ruleset: RuleSet, selected: NodeRef, unassigned: str | None) -> None:
        """Recreate every node for ``ruleset`` and put the cursor on ``selected``.

        ``unassigned`` names the remainder row (first_match mode), or None to omit it.
        """
        self._ruleset = ruleset
        self._unassigned_name = unassigned
        self.selected = selected
        self.clear()
        self.root.set_label(self._root_label(None, None))
        self.root.expand()
        lines = {ROOT: 0}
        line = 1
        for s, seg in enumerate(ruleset.segments):
            ref = NodeRef("segment", s)
            folded = seg.name in self._collapsed
            node = self.root.add(self._segment_label(s, None), data=ref, expand=not folded)
            lines[ref] = line
            line += 1
            for r, _rule in enumerate(seg.rules):
                rref = NodeRef("rule", s, r)
                node.add_leaf(self._rule_label(s, r, None), data=rref)
                if not folded:
                    lines[rref] = line
                    line += 1
        if unassigned is not None:
            self.root.add_leaf(Text(printable(unassigned), style="italic"), data=UNASSIGNED_REF)
            lines[UNASSIGNED_REF] = line
        if selected not in lines:
            # a rule of a folded segment selects its segment
            fallback = NodeRef("segment", selected.segment) if selected.kind == "rule" else ROOT
            self.selected = selected = fallback if fallback in lines else ROOT
        # After clear() the old cursor node is gone: force a fresh highlight.
        self.cursor_line = -1
        self.call_after_refresh(self._show_line, lines[selected])

    def _show_line(self, line: int) -> None:
        """Cursor on ``line`` and that line in view: a new rule set keeps the old scroll
        offset otherwise, and the cursor (what ``x`` exports) sits off screen."""
        self.move_cursor_to_line(line)
        self.scroll_to_line(line, animate=False)

    def update_counts(
        self,
        segments: list[dict[str, Any]],
        rules: list[dict[str, Any]],
        universe: int,
        revenue: float,
        no_segment: int | None = None,
    ) -> None:
        """Refresh the labels from an evaluation (``segments`` / ``rules`` rows as dicts);
        ``no_segment``: customers of the universe in no segment (shown in overlap mode)."""
        by_segment = {row["segment"]: row for row in segments}
        by_rule = {(row["segment"], row["rule_index"]): row for row in rules}
        self.root.set_label(self._root_label(universe, revenue, no_segment))
        for node in self._walk(self.root):
            ref = node.data
            if ref is None or self._ruleset is None:
                continue
            if ref.kind == "segment":
                name = self._ruleset.segments[ref.segment].name
                node.set_label(self._segment_label(ref.segment, by_segment.get(name)))
            elif ref.kind == "rule":
                name = self._ruleset.segments[ref.segment].name
                node.set_label(self._rule_label(ref.segment, ref.rule, by_rule.get((name, ref.rule))))
            elif ref.kind == "unassigned" and self._unassigned_name:
                row = by_segment.get(self._unassigned_name)
                label = Text(printable(self._unassigned_name), style="italic")
                label.append(f"  {_stats(row)}", style="dim")
                node.set_label(label)

    def _walk(self, node: TreeNode[NodeRef]):
        yield node
        for child in node.children:
            yield from self._walk(child)

    # -- labels -------------------------------------------------------------------------

    def _root_label(self, universe: int | None, revenue: float | None, no_segment: int | None = None) -> Text:
        rs = self._ruleset
        label = Text(printable(rs.name) if rs is not None and rs.name else "All customers", style="bold")
        if universe is not None:
            label.append(f"  {fmt_count(universe)} · {fmt_money(revenue)}", style="dim")
        if rs is not None and rs.assign == "overlap":
            # No Unassigned node in overlap mode: the customers left out are a figure here.
            rest = "" if no_segment is None else f" · {fmt_count(no_segment)} in no segment"
            label.append(f"  overlap{rest}", style="italic")
        if rs is not None and rs.universe:
            # the filter changes every count below, so it must be visible, not only in `u`
            label.append(f"  where {printable(rs.universe)}", style="italic")
        return label

    def _segment_label(self, s: int, row: dict[str, Any] | None) -> Text:
        assert self._ruleset is not None
        seg = self._ruleset.segments[s]
        label = Text(f"{ON if seg.enabled else OFF} ", style="" if seg.enabled else "dim")
        label.append(printable(seg.name), style="bold" if seg.enabled else "dim strike")
        if seg.match == "any":
            label.append(" (any)", style="italic")
        if seg.enabled and row is not None:
            label.append(f"  {_stats(row)}", style=self._accent())
        return label

    def _accent(self) -> str:
        # Rich labels cannot use CSS variables: read the theme's accent text colour instead.
        return self.app.get_css_variables().get("text-accent", "cyan")

    def _rule_label(self, s: int, r: int, row: dict[str, Any] | None) -> Text:
        assert self._ruleset is not None
        seg = self._ruleset.segments[s]
        rule = seg.rules[r]
        active = seg.enabled and rule.active
        label = Text(f"{ON if rule.active else OFF} ", style="" if active else "dim")
        label.append(printable(rule.where), style="" if active else "dim")
        if rule.missing:  # off while this data is open; the file keeps it as it was
            note = f"  {WARN} needs {', '.join(rule.missing)}" + (": off for this session" if rule.enabled else "")
            label.append(note, style="italic")
        if active and row is not None:
            label.append(f"  {fmt_count(row['matches'])}", style="dim")
        return label

    # -- folding ------------------------------------------------------------------------

    def action_collapse(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded and node is not self.root:
            node.collapse()
            if self._ruleset is not None and node.data is not None and node.data.kind == "segment":
                self._collapsed.add(self._ruleset.segments[node.data.segment].name)
        elif node.parent is not None:
            self.move_cursor(node.parent)

    def action_expand(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            node.expand()
            if self._ruleset is not None and node.data is not None and node.data.kind == "segment":
                self._collapsed.discard(self._ruleset.segments[node.data.segment].name)

    # -- selection ----------------------------------------------------------------------

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[NodeRef]) -> None:
        event.stop()
        ref = event.node.data
        if ref is not None and ref != self.selected:
            self.selected = ref
            self.post_message(self.Selected(ref))

    def on_tree_node_selected(self, event: Tree.NodeSelected[NodeRef]) -> None:
        # Enter is rebound to "edit"; a mouse click only moves the cursor.
        event.stop()
