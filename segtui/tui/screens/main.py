"""The main screen: layout, keys, and the rule-set edits those keys make.

Layout: at 120+ columns every panel is visible: segments left, then segment sizes,
breakdown and customers stacked on the right; from 180 columns the sizes and the
breakdown sit side by side (only there is each wide enough for one line per row).
Narrower than 120, the panels become tabs (1/2/3) so that each one keeps a readable
width at 80x24.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Tab, Tabs

from segtui.tui import editing
from segtui.tui.editing import NodeRef
from segtui.tui.screens.dialogs import ConfirmScreen, PromptScreen
from segtui.tui.widgets.bars import BreakdownView, SegmentBars
from segtui.tui.widgets.customer_table import CustomerTable
from segtui.tui.widgets.header import SegtuiHeader
from segtui.tui.widgets.load_progress import LoadProgress
from segtui.tui.widgets.segment_tree import SegmentTree

if TYPE_CHECKING:
    from segtui.tui.app import SegtuiApp

__all__ = ["MainScreen", "NARROW_WIDTH", "PANELS", "WIDE_WIDTH"]

#: Below this many columns the panels turn into tabs.
NARROW_WIDTH = 120
#: From this many columns segment sizes and breakdown sit side by side (each then gets
#: 60+ cells of content: names, numbers and both bars on one line).
WIDE_WIDTH = 180
#: Tab name -> the widget that gets focus when the tab is shown.
PANELS = {"segments": "#segments", "customers": "#customers", "breakdown": "#breakdown"}


class MainScreen(Screen[None]):
    """Header, segment tree, bars, breakdown, customer table, footer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Shown in the footer by the segment tree's own space binding, so that the table's
        # footer (where space would toggle an unseen rule) keeps room for its keys.
        Binding("space", "toggle", "Toggle", show=False, tooltip="Switch the selected rule or segment on/off"),
        Binding("a", "add_segment", "Add seg", tooltip="Add a segment (name, then its first rule)"),
        Binding("r", "add_rule", "Add rule", tooltip="Add a rule to the selected segment"),
        Binding("e", "edit", "Edit", tooltip="Edit the rule's predicate, rename the segment or the rule set (also enter)"),
        Binding("d,delete", "delete", "Delete", show=False, tooltip="Delete the selected rule or segment (asks first)"),
        Binding("c", "duplicate", "Duplicate", show=False, tooltip="Copy the selected segment"),
        Binding("ctrl+up,left_square_bracket", "move(-1)", "Move up", show=False, tooltip="Move the rule or segment up (order matters in first_match)"),
        Binding("ctrl+down,right_square_bracket", "move(1)", "Move down", show=False, tooltip="Move the rule or segment down"),
        Binding("m", "toggle_match", "Match all/any", show=False, tooltip="A segment needs all of its rules, or any of them"),
        Binding("A", "toggle_assign", "Assign mode", show=False, tooltip="first_match: one segment per customer; overlap: several"),
        Binding("u", "edit_universe", "Universe", show=False, tooltip="Filter applied before every segment"),
        Binding("b", "next_dimension", "Breakdown by", show=False, tooltip="Split the selected segment by the next column"),
        Binding("t", "change", "Change", show=False, tooltip="Over time: overlap heat map, migration between two dates, drift"),
        Binding("p", "app.profile", "Profile", show=False, tooltip="How the selected segment differs from all customers"),
        # X: cross-tab (t is change over time, x is export)
        Binding("X", "app.crosstab", "Cross-tab", show=False, tooltip="Every segment split by the breakdown column, in one table"),
        Binding("1", "show_tab('segments')", "Segments", show=False, tooltip="Show/focus the segment panel"),
        Binding("2", "show_tab('customers')", "Customers", show=False, tooltip="Show/focus the customer table"),
        Binding("3", "show_tab('breakdown')", "Breakdown", show=False, tooltip="Show the breakdown panel (there, up/down pick the segment)"),
        Binding("ctrl+s", "app.save", "Save", tooltip="Save the rule set to its file"),
        Binding("ctrl+shift+s,S", "app.save_as", "Save as…", show=False, tooltip="Save the rule set to a new file"),
        Binding("o", "app.open_rules", "Open rules", show=False, tooltip="Open another rule set (YAML)"),
        Binding("x", "app.export", "Export", show=False, tooltip="Write the selected segment's members (root: all assignments) to .csv/.parquet"),
        Binding("question_mark,f1", "app.help", "Help", tooltip="Every key, and what rules and metrics mean"),
        Binding("q", "app.quit", "Quit", tooltip="Quit (asks when there are unsaved changes)"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="-loading")

    def compose(self) -> ComposeResult:
        yield SegtuiHeader(id="header")
        yield Tabs(
            Tab("1 Segments", id="tab-segments"),
            Tab("2 Customers", id="tab-customers"),
            Tab("3 Breakdown", id="tab-breakdown"),
            id="view-tabs",
        )
        with Vertical(id="loading"):
            yield LoadProgress(id="loading-status")
        with Container(id="body", classes="-tab-segments"):
            yield SegmentTree(id="segments")
            yield SegmentBars(id="bars")
            yield BreakdownView(id="breakdown")
            yield CustomerTable(id="customers")
        yield Footer(compact=True)

    @property
    def segtui(self) -> SegtuiApp:
        return cast("SegtuiApp", self.app)

    @property
    def tree(self) -> SegmentTree:
        return self.query_one(SegmentTree)

    def on_mount(self) -> None:
        for selector, title in (("#segments", "Segments"), ("#bars", "Segment sizes"), ("#breakdown", "Breakdown"), ("#customers", "Customers")):
            self.query_one(selector).border_title = title
        self.query_one("#breakdown").border_subtitle = "b: next column · X: cross-tab"
        self.query_one("#bars").border_subtitle = "p: profile · X: cross-tab"
        # 1/2/3 switch tabs; a focusable tab strip only made tab land on it, footer empty
        self.query_one(Tabs).can_focus = False
        self.segtui.start()

    def loaded(self) -> None:
        """Swap the loading panel for the data panels."""
        self.remove_class("-loading")
        self.tree.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing to edit until the data and rules are loaded (or if loading failed).
        if self.segtui.session is None and action not in ("show_tab",):
            return False
        return True

    # -- layout -------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")
        self.set_class(event.size.width >= WIDE_WIDTH, "-wide")

    @on(Tabs.TabActivated)
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        body = self.query_one("#body")
        for name in PANELS:
            body.set_class(event.tab.id == f"tab-{name}", f"-tab-{name}")

    def action_show_tab(self, name: str) -> None:
        self.query_one(Tabs).active = f"tab-{name}"
        self.query_one(PANELS[name]).focus()

    # -- selection helpers --------------------------------------------------------------

    @property
    def selection(self) -> NodeRef:
        return self.tree.selected

    def _need_segment(self) -> bool:
        if self.selection.kind in ("segment", "rule"):
            return True
        self.notify("Select a segment or rule first (a: add a segment).", severity="warning")
        return False

    def _changed(self, ref: NodeRef) -> None:
        self.segtui.rules_changed(ref)

    # -- edits --------------------------------------------------------------------------

    def action_toggle(self) -> None:
        ref = self.selection
        if editing.toggle(self.segtui.ruleset, ref):
            self._changed(ref)

    def action_add_segment(self) -> None:
        rs = self.segtui.ruleset

        def with_name(name: str | None) -> None:
            if not name:
                return

            def with_rule(where: str | None) -> None:
                if where:
                    self._changed(editing.add_segment(rs, self.selection, name, where))

            self.app.push_screen(self.segtui.rule_editor(f"First rule of {name}", ""), with_rule)

        self.app.push_screen(
            PromptScreen("New segment name", check=lambda n: editing.name_problem(rs, n)), with_name
        )

    def action_add_rule(self) -> None:
        if not self._need_segment():
            return
        rs, ref = self.segtui.ruleset, self.selection
        name = rs.segments[ref.segment].name

        def done(where: str | None) -> None:
            if where:
                self._changed(editing.add_rule(rs, ref, where))

        self.app.push_screen(self.segtui.rule_editor(f"New rule for {name}", ""), done)

    def action_edit(self) -> None:
        rs, ref = self.segtui.ruleset, self.selection
        if ref.kind == "rule":
            rule = rs.segments[ref.segment].rules[ref.rule]

            def done_rule(where: str | None) -> None:
                if where and where != rule.where:
                    editing.set_rule(rs, ref, where)
                    self._changed(ref)

            title = f"Edit rule of {rs.segments[ref.segment].name}"
            self.app.push_screen(self.segtui.rule_editor(title, rule.where), done_rule)
        elif ref.kind == "segment":
            seg = rs.segments[ref.segment]

            def done_name(name: str | None) -> None:
                if name and name != seg.name:
                    editing.rename_segment(rs, ref, name)
                    self._changed(ref)

            check = lambda n: editing.name_problem(rs, n, ignore=ref.segment)  # noqa: E731
            self.app.push_screen(PromptScreen("Rename segment", seg.name, check=check), done_name)
        elif ref.kind == "root":

            def done_title(name: str | None) -> None:
                if name is not None and name != rs.name:
                    rs.name = name
                    self._changed(ref)

            self.app.push_screen(PromptScreen("Rule set name", rs.name), done_title)

    def action_delete(self) -> None:
        if not self._need_segment():
            return
        rs, ref = self.segtui.ruleset, self.selection
        seg = rs.segments[ref.segment]
        if ref.kind == "segment":
            question = f"Delete segment {seg.name!r} and its {len(seg.rules)} rule(s)?"
        else:
            question = f"Delete rule {seg.rules[ref.rule].where!r} from {seg.name!r}?"

        def done(yes: bool | None) -> None:
            if yes:
                self._changed(editing.delete(rs, ref))

        self.app.push_screen(ConfirmScreen(question, yes="Delete", no="Keep"), done)

    def action_duplicate(self) -> None:
        if self._need_segment():
            self._changed(editing.duplicate_segment(self.segtui.ruleset, self.selection))

    def action_move(self, delta: int) -> None:
        ref = self.selection
        moved = editing.move(self.segtui.ruleset, ref, delta)
        if moved != ref:
            self._changed(moved)

    def action_toggle_match(self) -> None:
        if self._need_segment() and editing.toggle_match(self.segtui.ruleset, self.selection):
            self._changed(self.selection)

    def action_toggle_assign(self) -> None:
        rs = self.segtui.ruleset
        editing.toggle_assign(rs)
        self._changed(self.selection)
        self.notify(f"assign: {rs.assign}")

    def action_edit_universe(self) -> None:
        rs = self.segtui.ruleset

        def done(where: str | None) -> None:
            if where is not None and (where or None) != rs.universe:
                editing.set_universe(rs, where)
                self._changed(self.selection)

        screen = self.segtui.rule_editor("Universe filter (empty: every customer)", rs.universe or "", allow_empty=True)
        self.app.push_screen(screen, done)

    def action_step_segment(self, delta: int) -> None:
        """Move the tree's cursor to the previous / next segment, skipping rules (the
        panels that call this list segments); works while the tree is behind a tab."""
        tree = self.tree
        line = tree.cursor_line + delta
        while 0 <= line <= tree.last_line:
            node = tree.get_node_at_line(line)
            if node is not None and node.data is not None and node.data.kind != "rule":
                tree.move_cursor_to_line(line)
                tree.scroll_to_line(line, animate=False)
                return
            line += delta

    def action_change(self) -> None:
        from segtui.tui.screens.change import ChangeScreen

        assert self.segtui.session is not None
        self.app.push_screen(ChangeScreen(self.segtui.session.dataset, self.segtui.ruleset))

    def action_next_dimension(self) -> None:
        self.segtui.cycle_dimension()

    @on(SegmentTree.Selected)
    def _selected(self, event: SegmentTree.Selected) -> None:
        self.segtui.request_detail()
