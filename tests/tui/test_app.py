"""Pilot tests of the app's workflows, with hand-computed counts on the fixture data."""

from __future__ import annotations

import copy
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from textual.pilot import Pilot
from textual.content import Content
from textual.widgets import Input, Label, Static

from segtui.dataset import load_dataset
from segtui.errors import SegtuiError
from segtui.evaluate import Evaluator
from segtui.resources import DEFAULT_RULES, RULES_DIR, SAMPLE_FILE
from segtui.rulefile import load_rules
from segtui.tui import editing
from segtui.tui.app import SegtuiApp, make_app
from segtui.tui.editing import NodeRef
from segtui.tui.format import fmt_value
from segtui.tui.screens.dialogs import ConfirmScreen, ErrorScreen, PromptScreen, UnsavedChangesScreen
from segtui.tui.screens.help import HelpScreen
from segtui.tui.screens.main import MainScreen
from segtui.tui.screens.rule_editor import RuleEditorScreen
from segtui.tui.widgets.bars import BreakdownView
from segtui.tui.widgets.customer_table import CustomerTable
from segtui.tui.widgets.header import SegtuiHeader
from segtui.tui.widgets.segment_tree import SegmentTree

from .conftest import run, settle, type_text


def counts(app: SegtuiApp) -> dict[str, int]:
    assert app.evaluation is not None
    return dict(app.evaluation.segments.select("segment", "customers").iter_rows())


def tree_labels(app: SegtuiApp) -> list[str]:
    tree = app.main.tree
    return [str(tree.get_node_at_line(i).label) for i in range(tree.last_line + 1)]


async def select(pilot: Pilot, ref: NodeRef) -> None:
    """Move the tree cursor to ``ref`` with the arrow keys."""
    app: SegtuiApp = pilot.app  # type: ignore[assignment]
    await pilot.press("home")
    for _ in range(40):
        if app.main.tree.selected == ref:
            break
        await pilot.press("down")
    assert app.main.tree.selected == ref
    await settle(pilot)


# -- opening --------------------------------------------------------------------------------


def test_opens_bundled_sample_with_default_rules() -> None:
    app = make_app()

    async def scenario(pilot: Pilot) -> None:
        view = load_dataset(SAMPLE_FILE).view
        expected = Evaluator(view.frame).evaluate(load_rules(DEFAULT_RULES))
        header = app.main.query_one(SegtuiHeader).info
        assert header.file == SAMPLE_FILE.name
        assert header.customers == view.frame.height
        assert header.ruleset == "Lifecycle" and not header.unsaved
        assert counts(app) == dict(expected.segments.select("segment", "customers").iter_rows())
        # Root selected: the table lists every customer of the universe.
        assert app.main.query_one(CustomerTable).frame.height == expected.universe_customers

    run(app, scenario)


def test_counts_shown_in_tree_labels(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        assert counts(fixture_app) == {"Loyal": 2, "Lapsed": 4, "Unassigned": 2}
        labels = tree_labels(fixture_app)
        assert labels[1].startswith("☑ Loyal  2 · 25.0%")
        assert labels[4].startswith("☑ Lapsed  4 · 50.0%")

    run(fixture_app, scenario)


def test_load_error_shows_the_cli_message_not_a_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    try:
        load_dataset(missing)
    except SegtuiError as err:
        expected = err.message
    app = make_app(data_path=missing)

    async def scenario(pilot: Pilot) -> None:
        assert isinstance(app.screen, ErrorScreen)
        shown = [str(w.render()) for w in app.screen.query(Static)]
        assert expected in shown
        await pilot.press("enter")  # the only way on is out
        await pilot.pause()
        assert app.return_code == 1

    run(app, scenario)


# -- toggling and composing --------------------------------------------------------------------


def test_toggle_rule_changes_counts_to_core_result(fixture_app: SegtuiApp, rules_file: Path) -> None:
    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("rule", 0, 1))  # Loyal: recency_days <= 60
        await pilot.press("space")
        await settle(pilot)
        # Hand-computed: Loyal is now orders >= 3 -> A, B, C, D; Lapsed keeps G, H.
        assert counts(fixture_app) == {"Loyal": 4, "Lapsed": 2, "Unassigned": 2}
        expected = load_rules(rules_file)
        expected.segments[0].rules[1].enabled = False
        core = Evaluator(fixture_app.session.frame).evaluate(expected)
        assert fixture_app.evaluation.segments.equals(core.segments)
        assert "☐ recency_days <= 60" in tree_labels(fixture_app)[3]
        assert fixture_app.main.query_one(SegtuiHeader).info.unsaved
        # Table follows the selected rule's segment.
        assert sorted(fixture_app.main.query_one(CustomerTable).frame["customer_id"]) == ["A", "B", "C", "D"]

    run(fixture_app, scenario)


def test_brackets_in_a_segment_name_are_shown_not_read_as_markup(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("segment", 0))
        await pilot.press("e", "ctrl+u")
        await type_text(pilot, "VIP [top]")
        await pilot.press("enter")
        await settle(pilot)
        assert fixture_app.ruleset.segments[0].name == "VIP [top]"
        table = fixture_app.main.query_one(CustomerTable)
        assert Content.from_markup(table.border_title or "").plain == "Customers · VIP [top] (2)"
        await pilot.press("d")
        assert isinstance(fixture_app.screen, ConfirmScreen)
        question = str(fixture_app.screen.query_one(".dialog-title", Label).render())
        assert question == "Delete segment 'VIP [top]' and its 2 rule(s)?"

    run(fixture_app, scenario)


def test_add_segment_by_keys_and_move_it_first(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await pilot.press("end")  # Unassigned row: new segment goes last
        await pilot.press("a")
        assert isinstance(fixture_app.screen, PromptScreen)
        await type_text(pilot, "Recent regulars")
        await pilot.press("enter")
        assert isinstance(fixture_app.screen, RuleEditorScreen)
        await type_text(pilot, "orders >= 3 AND recency_days <= 90")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(fixture_app.screen, MainScreen)
        seg = fixture_app.ruleset.segments[-1]
        assert (seg.name, [r.where for r in seg.rules]) == ("Recent regulars", ["orders >= 3 AND recency_days <= 90"])
        # Last in first_match order: A and B are already Loyal.
        assert counts(fixture_app)["Recent regulars"] == 0
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert [s.name for s in fixture_app.ruleset.segments] == ["Recent regulars", "Loyal", "Lapsed"]
        assert counts(fixture_app) == {"Recent regulars": 2, "Loyal": 0, "Lapsed": 4, "Unassigned": 2}

    run(fixture_app, scenario)


def test_bad_rule_shows_core_error_with_suggestion_and_is_not_saved(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        before = copy.deepcopy(fixture_app.ruleset)
        await select(pilot, NodeRef("segment", 1))
        await pilot.press("r")
        await type_text(pilot, "recency_day < 5")
        await pilot.pause(0.3)  # the debounce
        await settle(pilot)
        status = str(fixture_app.screen.query_one("#rule-status", Static).render())
        assert 'unknown column "recency_day"' in status
        assert 'did you mean "recency_days"' in status
        await pilot.press("enter")
        assert isinstance(fixture_app.screen, RuleEditorScreen)  # enter refused the bad rule
        await pilot.press("escape")
        assert fixture_app.ruleset == before and not fixture_app.dirty

    run(fixture_app, scenario)


def test_rule_editor_live_count_and_column_completion(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("rule", 0, 0))
        await pilot.press("e")
        editor_input = fixture_app.screen.query_one(Input)
        assert editor_input.value == "orders >= 3"
        await pilot.press("end", *" AND rec")
        await pilot.pause()
        await pilot.press("tab")  # accept the suggested column
        assert editor_input.value == "orders >= 3 AND recency_days"
        await type_text(pilot, " <= 60")
        await pilot.pause(0.3)
        await settle(pilot)
        assert str(fixture_app.screen.query_one("#rule-status", Static).render()) == "matches 2 customers (25.0%)"
        await pilot.press("enter")
        await settle(pilot)
        assert fixture_app.ruleset.segments[0].rules[0].where == "orders >= 3 AND recency_days <= 60"

    run(fixture_app, scenario)


def test_delete_asks_then_removes(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("segment", 0))
        await pilot.press("d")
        await pilot.press("n")
        assert len(fixture_app.ruleset.segments) == 2
        await pilot.press("d", "y")
        await settle(pilot)
        assert [s.name for s in fixture_app.ruleset.segments] == ["Lapsed"]
        assert counts(fixture_app) == {"Lapsed": 4, "Unassigned": 4}

    run(fixture_app, scenario)


def test_match_any_assign_overlap_and_universe(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("segment", 0))
        await pilot.press("m")  # Loyal: orders >= 3 OR recency <= 60 -> A, B, C, D, E, F
        await settle(pilot)
        assert counts(fixture_app)["Loyal"] == 6
        await pilot.press("A")  # overlap: Lapsed counts C, D, G, H again
        await settle(pilot)
        assert fixture_app.ruleset.assign == "overlap"
        assert counts(fixture_app) == {"Loyal": 6, "Lapsed": 4}
        await pilot.press("u")
        await type_text(pilot, "country = 'France'")
        await pilot.press("enter")
        await settle(pilot)
        # France: A, C, G. Loyal(any): A, C; Lapsed: C, G.
        assert fixture_app.ruleset.universe == "country = 'France'"
        assert counts(fixture_app) == {"Loyal": 2, "Lapsed": 2}
        tree = fixture_app.main.query_one(SegmentTree)
        assert "where country = 'France'" in tree.root.label.plain

    run(fixture_app, scenario)


# -- files ---------------------------------------------------------------------------------------


def test_save_as_then_reload_gives_the_same_rule_set(fixture_app: SegtuiApp, tmp_path: Path) -> None:
    target = tmp_path / "saved.yaml"

    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("rule", 1, 0))
        await pilot.press("space", "c")  # disable Lapsed's rule, duplicate the segment
        await settle(pilot)
        await pilot.press("S")
        prompt = fixture_app.screen.query_one(Input)
        prompt.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert not fixture_app.dirty
        assert not fixture_app.main.query_one(SegtuiHeader).info.unsaved
        reloaded = load_rules(target)
        ours = fixture_app.ruleset
        assert reloaded.segments == ours.segments
        assert (reloaded.name, reloaded.assign, reloaded.universe) == (ours.name, ours.assign, ours.universe)
        assert [s.name for s in reloaded.segments] == ["Loyal", "Lapsed", "Lapsed copy"]
        # ctrl+s now writes to the same file without asking.
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert isinstance(fixture_app.screen, MainScreen)
        assert load_rules(target).segments == fixture_app.ruleset.segments

    run(fixture_app, scenario)


def test_save_of_shipped_rules_asks_for_a_path() -> None:
    app = make_app()
    shipped = DEFAULT_RULES.read_text()

    async def scenario(pilot: Pilot) -> None:
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.query_one(Input).value.endswith(DEFAULT_RULES.name)
        assert not app.screen.query_one(Input).value.startswith(str(DEFAULT_RULES.parent))
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)

    run(app, scenario)
    assert DEFAULT_RULES.read_text() == shipped


def test_export_selected_segment_members(fixture_app: SegtuiApp, tmp_path: Path) -> None:
    target = tmp_path / "lapsed.parquet"

    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("segment", 1))
        await pilot.press("x")
        fixture_app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert sorted(pl.read_parquet(target)["customer_id"]) == ["C", "D", "G", "H"]

    run(fixture_app, scenario)


def test_export_over_the_loaded_data_file_is_refused(fixture_app: SegtuiApp, data_file: Path) -> None:
    before = data_file.read_bytes()

    async def scenario(pilot: Pilot) -> None:
        await pilot.press("x")
        fixture_app.screen.query_one(Input).value = str(data_file.parent / "." / data_file.name)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(fixture_app.screen, ErrorScreen)
        assert any("input file" in str(w.render()) for w in fixture_app.screen.query(Static))
        assert data_file.read_bytes() == before

    run(fixture_app, scenario)


def test_open_other_rule_set(fixture_app: SegtuiApp, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("version: 1\nname: Spain\nsegments:\n  - name: Spanish\n    rules: [\"country = 'Spain'\"]\n")

    async def scenario(pilot: Pilot) -> None:
        await pilot.press("o")
        fixture_app.screen.query_one(Input).value = str(other)
        await pilot.press("enter")
        await settle(pilot)
        assert fixture_app.ruleset.name == "Spain"
        assert counts(fixture_app) == {"Spanish": 3, "Unassigned": 5}  # B, E, H

    run(fixture_app, scenario)


def test_quit_with_unsaved_changes_asks(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("segment", 0))
        await pilot.press("space", "q")
        assert isinstance(fixture_app.screen, UnsavedChangesScreen)
        await pilot.press("c")
        assert isinstance(fixture_app.screen, MainScreen) and fixture_app.is_running
        await pilot.press("ctrl+q")
        assert isinstance(fixture_app.screen, UnsavedChangesScreen)
        await pilot.press("d")
        await pilot.pause()
        assert not fixture_app.is_running

    run(fixture_app, scenario)


def test_quit_save_on_shipped_rules_asks_path_then_exits(tmp_path: Path) -> None:
    app = make_app()
    target = tmp_path / "mine.yaml"

    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("segment", 0))
        await pilot.press("space", "q", "s")
        assert isinstance(app.screen, PromptScreen)  # shipped file: never overwritten
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert not app.is_running
        assert load_rules(target).segments[0].enabled is False

    run(app, scenario)


# -- layout, help, palette, staleness ---------------------------------------------------------------


def test_narrow_layout_uses_tabs_and_wide_shows_all(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        main = fixture_app.main
        assert main.has_class("-narrow")
        table = main.query_one(CustomerTable)
        assert not table.display or table.region.area == 0
        await pilot.press("2")
        await pilot.pause()
        assert table.region.area > 0 and table.has_focus
        assert main.tree.region.area == 0
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert not main.has_class("-narrow")
        assert main.tree.region.area > 0 and table.region.area > 0
        bars, breakdown = main.query_one("#bars"), main.query_one("#breakdown")
        # 120-179 columns: sizes above breakdown above customers, all in the right column.
        for width, height in ((120, 34), (160, 48)):
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            assert bars.region.x == breakdown.region.x == table.region.x > main.tree.region.right - 1
            assert bars.region.bottom <= breakdown.region.y and breakdown.region.bottom <= table.region.y
        # 180+: sizes and breakdown side by side, equally tall, customers below both.
        await pilot.resize_terminal(200, 50)
        await pilot.pause()
        assert main.has_class("-wide")
        assert bars.region.y == breakdown.region.y and bars.region.right <= breakdown.region.x
        assert bars.region.height == breakdown.region.height and table.region.y >= bars.region.bottom

    run(fixture_app, scenario)


def test_members_arrive_sorted_like_the_table(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        table = fixture_app.main.query_one(CustomerTable)
        table.sort_by("revenue", descending=True)
        await select(pilot, NodeRef("segment", 1))  # Lapsed: C 600, G 500, D 120, H 5
        assert table.sort_column == ("revenue", True)
        assert table.frame["customer_id"].to_list() == ["C", "G", "D", "H"]
        assert table.border_title == "Customers · Lapsed (4)"

    run(fixture_app, scenario)


def test_help_lists_every_main_screen_key(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await pilot.press("question_mark")
        assert isinstance(fixture_app.screen, HelpScreen)
        listed = {description for _, description, _ in fixture_app.screen._rows}
        from textual.binding import Binding

        for binding in Binding.make_bindings(MainScreen.BINDINGS):
            assert binding.description in listed
        await pilot.press("escape")
        assert isinstance(fixture_app.screen, MainScreen)

    run(fixture_app, scenario)


def test_command_palette_runs_an_action(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("segment", 0))
        await pilot.press("ctrl+p")
        await type_text(pilot, "Assign mode")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert fixture_app.ruleset.assign == "overlap"

    run(fixture_app, scenario)


def test_command_palette_offers_the_customer_table_sort(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        table = fixture_app.main.query_one(CustomerTable)
        assert table.sort_column is None
        await pilot.press("ctrl+p")
        await type_text(pilot, "Sort by the highlighted")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert table.sort_column == ("customer_id", False)

    run(fixture_app, scenario)


def test_breakdown_dimension_cycles(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        dims = fixture_app.session.dimensions
        assert dims[:3] == ["country", "top_channel", "lifecycle"]
        assert fixture_app.dimension == "country"
        await pilot.press("b")
        await settle(pilot)
        assert fixture_app.dimension == "top_channel"
        assert fixture_app.main.query_one(BreakdownView).title == "All customers by top_channel"
        # On the breakdown tab (80 columns) up/down still pick the segment being split.
        await pilot.press("3", "down")
        await settle(pilot)
        assert fixture_app.main.query_one(BreakdownView).title == "Loyal by top_channel"

    run(fixture_app, scenario)


def test_stale_evaluation_is_dropped(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        shown = fixture_app.evaluation
        stale = Evaluator(fixture_app.session.frame).evaluate(editing_copy_without_segments(fixture_app))
        fixture_app._show_evaluation(fixture_app._eval_gen - 1, stale, 0.0)
        assert fixture_app.evaluation is shown

    run(fixture_app, scenario)


def editing_copy_without_segments(app: SegtuiApp):
    rs = copy.deepcopy(app.ruleset)
    rs.segments.clear()
    return rs


# -- editing model (no UI) ------------------------------------------------------------------------


def test_editing_move_delete_duplicate_keep_cursor_sensible(rules_file: Path) -> None:
    rs = load_rules(rules_file)
    assert editing.move(rs, NodeRef("segment", 0), -1) == NodeRef("segment", 0)  # already first
    assert editing.move(rs, NodeRef("segment", 0), 1) == NodeRef("segment", 1)
    assert [s.name for s in rs.segments] == ["Lapsed", "Loyal"]
    assert editing.duplicate_segment(rs, NodeRef("segment", 1)) == NodeRef("segment", 2)
    assert editing.duplicate_segment(rs, NodeRef("segment", 1)) == NodeRef("segment", 2)
    assert [s.name for s in rs.segments] == ["Lapsed", "Loyal", "Loyal copy (2)", "Loyal copy"]
    assert editing.delete(rs, NodeRef("rule", 0, 0)) == NodeRef("segment", 0)  # last rule gone
    assert editing.name_problem(rs, "Loyal") == "a segment called 'Loyal' already exists"
    assert editing.name_problem(rs, "Loyal", ignore=1) is None
    assert editing.name_problem(rs, "  ") == "a segment needs a name"


def test_open_prompt_problems_name_the_fix(tmp_path: Path) -> None:
    from segtui.tui.session import existing_file_problem

    assert existing_file_problem("") == "type the path of a rule file"
    assert existing_file_problem(str(tmp_path / "gone.yaml")) == f"{tmp_path / 'gone.yaml'}: no such file"
    (tmp_path / "ok.yaml").write_text("version: 1\n")
    assert existing_file_problem(str(tmp_path / "ok.yaml")) is None


# -- control characters in user text ---------------------------------------------------------

ESCAPE_RULES = r"""version: 1
name: "Evil\e]0;owned\a\e[2J"
universe: "country <> '\e[5m'"
segments:
  - name: "VIP\e[31m"
    rules: ["orders >= 2", "country <> '\e[2J'"]
"""


def test_escape_sequences_in_names_and_values_are_shown_escaped(tmp_path: Path, data_file: Path) -> None:
    rules = tmp_path / "evil.yaml"
    rules.write_text(ESCAPE_RULES)
    data = tmp_path / "evil\x1bc.csv"
    data.write_text(data_file.read_text().replace("Spain", "Sp\x1b[2Jain"))
    app = make_app(data_path=data, rules_path=rules, as_of=date(2024, 7, 1))

    async def scenario(pilot: Pilot) -> None:
        assert app.session is not None, [str(w.render()) for w in app.screen.query(Static)]
        main = app.main
        texts = [main.query_one(SegtuiHeader).line(200).plain, *tree_labels(app)]
        texts += [line.plain for line in main.query_one(BreakdownView).render_text(100).split()]
        from segtui.tui.widgets.bars import SegmentBars

        texts += [line.plain for line in main.query_one(SegmentBars).render_text(100).split()]
        table = main.query_one(CustomerTable)
        texts.append(str(table.border_title))
        texts += [table.render_line(y).text for y in range(table.size.height)]
        await select(pilot, NodeRef("rule", 0, 0))
        await pilot.press("e")
        await settle(pilot)
        texts += [str(label.render()) for label in app.screen.query(Label)]
        joined = "\n".join(texts)
        assert "Edit rule of VIP\\x1b[31m" in joined
        assert "\x1b" not in joined
        for shown in ("Evil\\x1b]0;owned", "VIP\\x1b[31m", "country <> '\\x1b[2J'", "evil\\x1bc.csv", "Sp\\x1b[2Jain"):
            assert shown in joined, shown

    run(app, scenario, size=(200, 50))


# -- the customer table never shows part of a number -----------------------------------------

_NUMBER = re.compile(r"-?[\d,]*\d(\.\d+)?")


def _table_on_screen(app: SegtuiApp) -> list[str]:
    """The customer table's rows as the terminal shows them (scrollbars drawn over)."""
    table = app.main.query_one(CustomerTable)
    region = table.content_region
    strips = app.screen._compositor.render_strips()  # the composited screen, as sent out
    return [strips[y].text[region.x : region.right] for y in range(region.y, region.bottom)]


def _assert_no_cut_numbers(app: SegtuiApp) -> int:
    """Every number token on screen is a whole value of its row; returns rows checked."""
    table = app.main.query_one(CustomerTable)
    frame = table.frame
    checked = 0
    for y, line in enumerate(_table_on_screen(app)[1:], start=1):
        row = round(table.scroll_y) + y - 1
        if row >= frame.height or "─" in line or "▁" in line:
            continue  # past the data, or the horizontal scrollbar
        values = {tok for value in frame.row(row) for tok in fmt_value(value).split()}
        for token in line.replace("│", " ").replace("▐", " ").split():
            if _NUMBER.fullmatch(token):
                assert token in values, f"{token!r} is not a value of row {row}: {line!r}"
        checked += 1
    return checked


@pytest.mark.parametrize(
    ("size", "rules", "keys"),
    [
        ((200, 50), "rfm.yaml", ()),
        ((80, 24), None, ("2",)),
        ((80, 24), None, ("2", *["right"] * 7)),
        ((120, 34), None, ()),
        ((160, 48), "value.yaml", ("2", *["right"] * 4)),
    ],
    ids=["200x50-rfm", "80x24-tab2", "80x24-scrolled", "120x34", "160x48-scrolled"],
)
def test_customer_table_never_shows_part_of_a_number(size, rules, keys) -> None:
    app = make_app(rules_path=RULES_DIR / rules if rules else None)

    async def scenario(pilot: Pilot) -> None:
        for key in keys:
            await pilot.press(key)
        await settle(pilot)
        assert _assert_no_cut_numbers(app) >= 5
        header = _table_on_screen(app)[0]
        names = set(app.main.query_one(CustomerTable).frame.columns)
        for token in header.split():
            assert token in names or token.endswith("…") or token.startswith("…") or token in "▲▼", header

    run(app, scenario, size=size)


# -- overlap mode is visible, with the customers in no segment -------------------------------


def test_overlap_mode_is_shown_with_the_customers_in_no_segment(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        header = fixture_app.main.query_one(SegtuiHeader)
        assert "overlap" not in header.line(80).plain
        await pilot.press("A")
        await settle(pilot)
        # Overlap: Loyal = A, B; Lapsed = C, D, G, H; in neither: E, F (2 of 8).
        assert counts(fixture_app) == {"Loyal": 2, "Lapsed": 4}
        assert "overlap" in header.line(80).plain
        root = fixture_app.main.query_one(SegmentTree).root.label.plain
        assert "overlap" in root and "2 in no segment" in root
        from segtui.tui.widgets.bars import SegmentBars

        bars = fixture_app.main.query_one(SegmentBars).render_text(100).plain
        assert "In no segment: 2 customers (25.0%)" in bars
        short = fixture_app.main.query_one(SegmentBars).render_text(100, height=3).plain
        assert short.splitlines()[-1].startswith("In no segment: 2")
        assert "Unassigned" not in bars

    run(fixture_app, scenario)
