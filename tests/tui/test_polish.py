"""The TUI polish list of issue 10, each item through the pilot or the CLI runner."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from segtui.cli import app as cli_app
from segtui.tui.app import SegtuiApp
from segtui.tui.screens.help import binding_rows
from segtui.tui.screens.main import MainScreen
from segtui.tui.widgets.customer_table import CustomerTable
from segtui.tui.widgets.segment_tree import SegmentTree

from .conftest import run


def test_help_lists_each_action_once_and_explains_it(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot) -> None:
        rows = binding_rows(pilot.app, [MainScreen, SegmentTree, CustomerTable, SegtuiApp])
        described = [description for _, description, _ in rows]
        assert described.count("Toggle") == 1 and described.count("Quit") == 1
        keys, _, tooltip = next(row for row in rows if row[1] == "Edit")
        assert keys == "e / ⏎" and tooltip
        assert len(described) == len(set(described))

    run(fixture_app, scenario)


def test_root_help_shows_the_app_options_and_version_as_a_flag() -> None:
    result = CliRunner().invoke(cli_app, ["--help"], terminal_width=80)
    assert result.exit_code == 0
    opened = next(c for c in cli_app.registered_commands if c.name == "open")
    import inspect

    for name in ("--rules", "--map", "--as-of", "--date-format", "--customers-file"):
        assert name in result.output, name
    assert len(inspect.signature(opened.callback).parameters) == 6  # DATA + the five listed
    version = next(line for line in result.output.splitlines() if "--version" in line)
    assert "<bool>" not in version


def test_the_all_customers_table_has_a_segment_column(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot) -> None:
        table = pilot.app.main.query_one(CustomerTable)
        frame = table.frame
        assert frame.columns[:2] == ["customer_id", "segment"]
        by_id = dict(zip(frame["customer_id"], frame["segment"]))
        assert by_id == {"A": "Loyal", "B": "Loyal", "C": "Lapsed", "D": "Lapsed", "G": "Lapsed", "H": "Lapsed",
                         "E": "Unassigned", "F": "Unassigned"}

    run(fixture_app, scenario)


def test_slash_finds_a_customer_by_id_in_the_table(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot) -> None:
        from .conftest import settle

        table = pilot.app.main.query_one(CustomerTable)
        await pilot.press("2", "s", "s")  # customer_id Z-A: H first, so the cursor must move
        await settle(pilot)
        assert table.frame["customer_id"][0] == "H"
        await pilot.press("slash", "b", "enter")  # case ignored, prefix
        await settle(pilot)
        assert table.frame["customer_id"][table.cursor_row] == "B"
        await pilot.press("slash", "z", "z", "enter")
        await settle(pilot)
        assert table.frame["customer_id"][table.cursor_row] == "B"
        assert any("No customer id 'zz'" in n.message for n in pilot.app._notifications)

    run(fixture_app, scenario)


def _rfm_app() -> SegtuiApp:
    from segtui.resources import RULES_DIR
    from segtui.tui.app import make_app

    return make_app(rules_path=RULES_DIR / "rfm.yaml")


def test_tab_reaches_the_sizes_panel_which_keeps_the_selected_segment_in_view() -> None:
    from segtui.tui.widgets.bars import SegmentBars

    async def scenario(pilot) -> None:
        from .conftest import settle

        app = pilot.app
        bars = app.main.query_one(SegmentBars)
        await pilot.press("tab")
        assert app.focused is bars  # not the tab strip, not a hidden panel
        assert bars.region.height < len(bars.rows) + 3  # 12 rfm segments do not fit at 80x24
        for _ in range(len(bars.rows)):  # from the root down to the last row (Unassigned), rules skipped
            await pilot.press("down")
        await settle(pilot)
        shown = bars.render_text(bars.size.width, bars.size.height).plain
        assert app.selected_segment() == bars.rows[-1].name
        assert bars.rows[-1].name in shown and "rows above" in shown
        assert bars.rows[0].name not in shown.split("\n", 2)[2]

    run(_rfm_app(), scenario)


def test_left_folds_a_segment_right_unfolds_it_and_the_fold_survives_an_edit(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot) -> None:
        from .conftest import settle

        tree = pilot.app.main.tree
        await pilot.press("down")  # Loyal
        loyal = tree.cursor_node
        await pilot.press("left")
        assert not loyal.is_expanded
        await pilot.press("space")  # toggle Loyal: rebuilds the tree
        await settle(pilot)
        assert not tree.cursor_node.is_expanded and pilot.app.selected_segment() == "Loyal"
        await pilot.press("right")
        assert tree.cursor_node.is_expanded
        await pilot.press("down", "left")  # on a rule: back to its segment
        assert tree.cursor_node.data.kind == "segment"

    run(fixture_app, scenario)


def test_opening_a_rule_set_keeps_the_cursor_in_view() -> None:
    async def scenario(pilot) -> None:
        from segtui.resources import RULES_DIR

        from .conftest import settle

        app = pilot.app
        tree = app.main.tree
        for _ in range(30):
            await pilot.press("down")
        await settle(pilot)
        assert tree.scroll_y > 0
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("ctrl+u", *str(RULES_DIR / "rfm.yaml"), "enter")
        await settle(pilot)
        assert tree.cursor_line == 0 and tree.scroll_y == 0
        assert app.selected_segment() is None  # what x would export: all assignments, as shown

    run(_rfm_app(), scenario)


def test_rule_editor_completes_text_values_inside_quotes_and_lists_them_with_counts(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot) -> None:
        from segtui.tui.screens.rule_editor import RuleInput

        from .conftest import settle

        await pilot.press("down", "r")
        await settle(pilot)
        editor = pilot.app.screen
        await pilot.press(*"country = '")
        await settle(pilot)
        hint = editor.query_one("#value-hint")
        # France 3, Spain 3 (ties by name), Italy 2: counted on the fixture's customers
        assert str(hint.render()) == "country: France 3 · Spain 3 · Italy 2"
        await pilot.press("S")
        await settle(pilot)
        assert str(hint.render()) == "country: Spain 3"
        await pilot.press("tab")
        await settle(pilot)
        assert editor.query_one(RuleInput).value == "country = 'Spain'"
        assert not hint.display  # the quote is closed
        await pilot.pause(0.3)
        await settle(pilot)
        assert "matches 3 customers" in str(editor.query_one("#rule-status").render())

    run(fixture_app, scenario)


def test_path_prompts_add_to_the_folder_complete_paths_and_remember_the_last_folder(fixture_app: SegtuiApp, tmp_path) -> None:
    from textual.widgets import Input

    from segtui.tui.screens.dialogs import PromptScreen
    from segtui.tui.screens.save_as import SaveAsScreen

    folder = tmp_path / "team"
    folder.mkdir()
    (folder / "rules_of_the_team.yaml").write_text("version: 1\nname: Team\nsegments:\n  - name: Big\n    rules: ['orders >= 3']\n")

    async def scenario(pilot) -> None:
        from .conftest import settle

        app = pilot.app
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        prompt = app.screen.query_one(Input)
        start = prompt.value
        assert start.endswith("/")
        await pilot.press("x")
        assert prompt.value == start + "x"  # the folder was not selected and replaced
        await pilot.press("ctrl+u", *f"{folder}/rul", "tab")
        assert prompt.value == f"{folder}/rules_of_the_team.yaml"  # completed from the folder
        await pilot.press("enter")
        await settle(pilot)
        assert app.ruleset.name == "Team"
        await pilot.press("S")
        await settle(pilot)
        assert isinstance(app.screen, SaveAsScreen)
        assert app.screen.query_one(Input).value == str(folder / "rules_of_the_team.yaml")

    run(fixture_app, scenario)


def _ambiguous_app(tmp_path) -> SegtuiApp:
    """The app on a file whose dates read both day-first and month-first."""
    from segtui.tui.app import make_app

    data = tmp_path / "ambiguous.csv"
    data.write_text("customer_id,order_date,amount\nA,01/02/2024,10\nA,03/04/2024,5\nB,05/06/2024,7\n")
    return make_app(data_path=data)


def test_ambiguous_dates_offer_both_readings_in_the_app(tmp_path) -> None:
    import datetime as dt

    from segtui.tui.screens.dialogs import ChoiceScreen

    app = _ambiguous_app(tmp_path)

    async def scenario(pilot) -> None:
        from .conftest import settle

        assert isinstance(pilot.app.screen, ChoiceScreen)
        await pilot.press("1")  # the first choice: day-first
        await settle(pilot)
        assert pilot.app.session is not None and not pilot.app._load_failed
        first = pilot.app.session.frame.filter(pilot.app.session.frame["customer_id"] == "A")["first_order_date"][0]
        assert first == dt.date(2024, 2, 1)
        assert pilot.app.options.date_format == "%d/%m/%Y"

    run(app, scenario)


def test_quitting_the_date_choice_exits_1(tmp_path) -> None:
    app = _ambiguous_app(tmp_path)

    async def scenario(pilot) -> None:
        await pilot.press("q")

    run(app, scenario)
    assert app.return_code == 1


def test_keys_typed_before_the_export_prompt_is_up_go_into_it(fixture_app: SegtuiApp) -> None:
    from textual import events
    from textual.widgets import Input

    from segtui.tui.screens.dialogs import PromptScreen

    async def scenario(pilot) -> None:
        app = pilot.app
        # all at once, as a fast typist or a paste does: x opens the prompt, the rest is for it
        for key in ("x", "ctrl+u", "o", "u", "t"):
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await pilot.pause(0.5)
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.query_one(Input).value == "out"
        assert len(app.screen_stack) == 2  # "o" did not also open a rule set behind it

    run(fixture_app, scenario)


@pytest.mark.parametrize("path", [False, True], ids=["text", "path"])
def test_keys_that_reach_a_prompt_before_its_input_exists_are_typed_in_order(fixture_app: SegtuiApp, path: bool) -> None:
    """On a busy machine the keys after ``x`` can reach the prompt before it has composed its
    Input (CI lost them once): they wait for it, and the keys after them wait behind them."""
    from textual import events
    from textual.widgets import Input

    from segtui.tui.screens.dialogs import PromptScreen

    async def scenario(pilot) -> None:
        app = pilot.app
        dialog = PromptScreen("Name", "default", path=path)
        app.push_screen(dialog)
        # nothing awaits between these lines: the screen has not composed its Input yet
        assert not dialog.query(Input)
        for key in ("ctrl+u", "a", "b"):
            dialog.on_key(events.Key(key, key if len(key) == 1 else None))
        await pilot.press("c")  # typed once the Input exists, but after the kept keys
        await pilot.pause(0.3)
        assert app.screen is dialog
        assert dialog.query_one(Input).value == "abc"

    run(fixture_app, scenario)
