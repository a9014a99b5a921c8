"""Profile and cross-tab screens through the pilot, with figures checked by hand.

Fixture (see conftest): Loyal = A (3 orders, 175.00, France) and B (4 orders, 40.00, Spain);
Lapsed = C (600, France), D (120, Italy), G (500, France), H (5, Spain); E and F unassigned.
All eight: revenue 1,580 (mean 197.50), orders 17 (mean 2.125); France 3, Spain 3, Italy 2.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from segtui.tui.app import SegtuiApp
from segtui.tui.screens.crosstab import CrosstabScreen
from segtui.tui.screens.main import MainScreen
from segtui.tui.screens.profile import ProfileScreen
from segtui.tui.widgets.bars import BreakdownView
from segtui.tui.widgets.crosstab_table import CrosstabTable
from segtui.tui.widgets.profile_view import ProfileView

from .conftest import run, settle


def _metric(app: SegtuiApp, column: str, value: str | None = None) -> dict:
    frame = app.screen.query_one(ProfileView)._frame
    assert frame is not None
    for row in frame.iter_rows(named=True):
        if row["column"] == column and row["value"] == value:
            return row
    raise AssertionError(f"no {column} {value} in the profile")


def test_profile_of_the_selected_segment_agrees_with_the_hand_computation(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await pilot.press("down", "p")
        await settle(pilot)
        app = pilot.app
        assert isinstance(app.screen, ProfileScreen) and app.screen.segment == "Loyal"
        title = str(app.screen.query_one("#profile-title").render())
        assert "2 customers (25.0% of 8)" in title
        revenue = _metric(app, "revenue")
        assert (revenue["segment_value"], revenue["base_value"]) == (107.5, 197.5)
        assert revenue["index"] == pytest.approx(107.5 / 197.5 * 100)
        orders = _metric(app, "orders")
        assert (orders["segment_value"], orders["base_value"]) == (3.5, 2.125)
        italy = _metric(app, "country", "Italy")
        assert (italy["segment_value"], italy["base_value"], italy["index"]) == (0.0, 25.0, 0.0)
        await pilot.press("right")
        await settle(pilot)
        assert app.screen.segment == "Lapsed"
        assert _metric(app, "revenue")["segment_value"] == (600 + 120 + 500 + 5) / 4
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)

    run(fixture_app, scenario)


def test_cross_tab_shows_every_segment_by_the_breakdown_column(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        app = pilot.app
        await pilot.press("X")
        await settle(pilot)
        assert isinstance(app.screen, CrosstabScreen) and app.screen.dimension == "country"
        table = app.screen.query_one(CrosstabTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        # columns: segment, customers, then countries by customers in the universe (ties by name)
        assert [str(c.label) for c in table.columns.values()] == ["Segment", "Customers", "France", "Spain", "Italy"]
        assert rows[0] == ["Loyal", "2", "50.0%", "50.0%", "0.0%"]
        assert rows[1] == ["Lapsed", "4", "50.0%", "25.0%", "25.0%"]
        assert rows[2] == ["Unassigned", "2", "0.0%", "50.0%", "50.0%"]
        assert rows[3] == ["(all)", "8", "37.5%", "37.5%", "25.0%"]
        await pilot.press("v")  # customers
        await settle(pilot)
        assert [str(cell) for cell in table.get_row_at(1)] == ["Lapsed", "4", "2", "1", "1"]
        await pilot.press("v")  # revenue
        await settle(pilot)
        assert [str(cell) for cell in table.get_row_at(1)] == ["Lapsed", "4", "1.1k", "5", "120"]
        await pilot.press("b")
        await settle(pilot)
        next_dimension = app.screen.dimension
        assert next_dimension != "country"
        await pilot.press("escape")
        await settle(pilot)
        assert app.dimension == next_dimension  # the breakdown follows the cross-tab
        assert app.main.query_one(BreakdownView)._dimension == next_dimension

    run(fixture_app, scenario)


def test_b_reaches_cohorts_and_numeric_columns(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        app = pilot.app
        seen = []
        for _ in range(len(app.session.dimensions)):
            await pilot.press("b")
            await settle(pilot)
            seen.append(app.dimension)
            if app.dimension == "revenue":
                break
        assert "first_order_month" in seen and seen[-1] == "revenue"
        rows = [row.name for row in app.main.query_one(BreakdownView).rows]
        # eight customers, eight revenues: at most 12 distinct values are shown one by one, in order
        assert rows == ["5", "40", "60", "80", "120", "175", "500", "600"], rows

    run(fixture_app, scenario)


def test_column_dictionary_from_the_rule_editor_puts_the_column_in_the_rule(fixture_app: SegtuiApp) -> None:
    from segtui.tui.screens.columns import ColumnDictionaryScreen
    from segtui.tui.screens.rule_editor import RuleEditorScreen, RuleInput
    from textual.widgets import DataTable

    async def scenario(pilot: Pilot) -> None:
        app = pilot.app
        await pilot.press("down", "r")
        await settle(pilot)
        await pilot.press(*"orders > 1 AND ")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ColumnDictionaryScreen)
        table = app.screen.query_one(DataTable)
        names = [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)]
        assert names == app.session.columns
        row = names.index("country")
        cells = [str(c) for c in table.get_row_at(row)]
        assert cells[:4] == ["country", "text", "3 distinct", "0.0%"]
        for _ in range(row):
            await pilot.press("down")
        assert "country: attribute" in str(app.screen.query_one("#column-meaning").render())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RuleEditorScreen)
        assert app.screen.query_one(RuleInput).value == "orders > 1 AND country"

    run(fixture_app, scenario)


def test_column_dictionary_from_help(fixture_app: SegtuiApp) -> None:
    from segtui.tui.screens.columns import ColumnDictionaryScreen
    from segtui.tui.screens.help import HelpScreen

    async def scenario(pilot: Pilot) -> None:
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ColumnDictionaryScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)

    run(fixture_app, scenario)
