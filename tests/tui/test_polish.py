"""The TUI polish list of issue 10, each item through the pilot or the CLI runner."""

from __future__ import annotations

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

    for name in ("--rules", "--map", "--as-of", "--date-format"):
        assert name in result.output, name
    assert len(inspect.signature(opened.callback).parameters) == 5  # DATA + the four above
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
