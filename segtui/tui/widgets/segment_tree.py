"""The segment panel: a tree of segments and their rules with live counts in each label."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Counts:
    """An evaluation's rows, and what they depend on (``_depends`` of the rule set counted)."""

    segments: dict[str, dict[str, Any]]
    rules: dict[tuple[str, int], dict[str, Any]]
    universe: int
    revenue: float
    no_segment: int | None
    depends: tuple


def _depends(ruleset: RuleSet) -> tuple:
    """(universe, assign, one key per segment) - what the counts of a rule set depend on."""
    return (
        (ruleset.universe or "").strip(),
        ruleset.assign,
        tuple(
            (seg.name, seg.enabled, seg.match, tuple((r.where, r.active) for r in seg.rules))
            for seg in ruleset.segments
        ),
    )


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
        #: from a rebuild until its cursor is placed: highlights on the way are not selections
        self._rebuilding = False
        #: the shape the nodes were built for (``_shape``), and the last counts shown
        self._built: tuple | None = None
        self._counts: _Counts | None = None
        self._accent_of: tuple[str, str] | None = None  # (theme, its accent colour)

    # -- building -----------------------------------------------------------------------

    def rebuild(self, ruleset: RuleSet, selected: NodeRef, unassigned: str | None) -> None:
        """Show ``ruleset`` and put the cursor on ``selected``.

        ``unassigned`` names the remainder row (first_match mode), or None to omit it.
        When the nodes stay the same (a toggle, an edited rule or name) the labels are
        updated in place, and only those whose counts the edit cannot change keep them:
        rebuilding every node costs a layout and a repaint of every line, which at 1M
        customers takes longer than the evaluation itself.
        """
        self._ruleset = ruleset
        self._unassigned_name = unassigned
        self.selected = selected
        shape = self._shape(ruleset, unassigned)
        lines = self._lines(ruleset, unassigned)
        if selected not in lines:
            # a rule of a folded segment selects its segment
            fallback = NodeRef("segment", selected.segment) if selected.kind == "rule" else ROOT
            self.selected = selected = fallback if fallback in lines else ROOT
        if shape == self._built:
            self._relabel()
            if self.cursor_line != lines[selected]:
                self._show_line(lines[selected])
            return
        self._built = shape
        self.clear()
        self.root.expand()
        for s, seg in enumerate(ruleset.segments):
            node = self.root.add("", data=NodeRef("segment", s), expand=seg.name not in self._collapsed)
            for r, _rule in enumerate(seg.rules):
                node.add_leaf("", data=NodeRef("rule", s, r))
        if unassigned is not None:
            self.root.add_leaf("", data=UNASSIGNED_REF)
        self._relabel()
        # After clear() the old cursor node is gone: force a fresh highlight. That parks
        # the cursor on the root for a moment; its highlight is not a new selection (it
        # would start a refresh of every customer's row, competing with the evaluation).
        self._rebuilding = True
        self.cursor_line = -1
        self.call_after_refresh(self._show_line, lines[selected])

    def _shape(self, ruleset: RuleSet, unassigned: str | None) -> tuple:
        """What the nodes depend on: rules per segment, which segments are folded, the remainder."""
        return (
            tuple((len(seg.rules), seg.name in self._collapsed) for seg in ruleset.segments),
            unassigned is not None,
        )

    def _lines(self, ruleset: RuleSet, unassigned: str | None) -> dict[NodeRef, int]:
        """The line of each visible node, as ``rebuild`` lays them out."""
        lines = {ROOT: 0}
        for s, seg in enumerate(ruleset.segments):
            lines[NodeRef("segment", s)] = len(lines)
            if seg.name not in self._collapsed:
                for r in range(len(seg.rules)):
                    lines[NodeRef("rule", s, r)] = len(lines)
        if unassigned is not None:
            lines[UNASSIGNED_REF] = len(lines)
        return lines

    def _show_line(self, line: int) -> None:
        """Cursor on ``line`` and that line in view: a new rule set keeps the old scroll
        offset otherwise, and the cursor (what ``x`` exports) sits off screen."""
        self._rebuilding = False
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
        """Refresh the labels from an evaluation (``segments`` / ``rules`` rows as dicts) of
        the rule set shown; ``no_segment``: customers of the universe in no segment (overlap)."""
        assert self._ruleset is not None
        self._counts = _Counts(
            {row["segment"]: row for row in segments},
            {(row["segment"], row["rule_index"]): row for row in rules},
            universe, revenue, no_segment, _depends(self._ruleset),
        )
        self._relabel()

    def clear_counts(self) -> None:
        """Drop every count (the last evaluation failed: the counts shown are not of this rule set)."""
        self._counts = None
        self._relabel()

    def _relabel(self) -> None:
        """Set each label from the rule set and the counts still valid for it; a label
        that does not change is not set, so its line is not drawn again."""
        rs = self._ruleset
        if rs is None:
            return
        counts = self._counts
        now = _depends(rs)
        same = counts is not None and counts.depends[:2] == now[:2]  # universe and assign
        # first_match: a segment's count holds while it and every segment before it are
        # unchanged; overlap: while it is. Rule counts are of the rule alone.
        before = same
        valid: list[bool] = []
        for s, key in enumerate(now[2]):
            old = counts.depends[2][s] if counts is not None and s < len(counts.depends[2]) else None
            ok = same and key == old
            before = before and ok
            valid.append(before if rs.assign == "first_match" else ok)
        everything = same and counts is not None and now == counts.depends
        accent = self._accent()
        for node in self._walk(self.root):
            ref = node.data
            if ref is None:
                continue
            if ref.kind == "root":
                label = self._root_label(
                    counts.universe if same and counts else None,
                    counts.revenue if same and counts else None,
                    counts.no_segment if everything and counts else None,
                )
            elif ref.kind == "segment":
                row = counts.segments.get(rs.segments[ref.segment].name) if counts and valid[ref.segment] else None
                label = self._segment_label(ref.segment, row, accent)
            elif ref.kind == "rule":
                seg = rs.segments[ref.segment]
                row = counts.rules.get((seg.name, ref.rule)) if counts and same else None
                if row is not None and row["where"] != seg.rules[ref.rule].where:
                    row = None
                label = self._rule_label(ref.segment, ref.rule, row)
            else:
                label = Text(printable(self._unassigned_name or ""), style="italic")
                if everything and counts is not None:
                    label.append(f"  {_stats(counts.segments.get(self._unassigned_name or ''))}", style="dim")
            shown = node.label
            label = self.process_label(label)
            if not (isinstance(shown, Text) and shown == label and shown.style == label.style):
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

    def _segment_label(self, s: int, row: dict[str, Any] | None, accent: str) -> Text:
        assert self._ruleset is not None
        seg = self._ruleset.segments[s]
        label = Text(f"{ON if seg.enabled else OFF} ", style="" if seg.enabled else "dim")
        label.append(printable(seg.name), style="bold" if seg.enabled else "dim strike")
        if seg.match == "any":
            label.append(" (any)", style="italic")
        if seg.enabled and row is not None:
            label.append(f"  {_stats(row)}", style=accent)
        return label

    def _accent(self) -> str:
        # Rich labels cannot use CSS variables: read the theme's accent text colour instead
        # (once per theme: working out the variables costs milliseconds, at every count).
        theme = self.app.theme
        if self._accent_of is None or self._accent_of[0] != theme:
            self._accent_of = (theme, self.app.get_css_variables().get("text-accent", "cyan"))
        return self._accent_of[1]

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
        if self._rebuilding:
            return
        if ref is not None and ref != self.selected:
            self.selected = ref
            self.post_message(self.Selected(ref))

    def on_tree_node_selected(self, event: Tree.NodeSelected[NodeRef]) -> None:
        # Enter is rebound to "edit"; a mouse click only moves the cursor.
        event.stop()
