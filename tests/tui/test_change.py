"""The Change screen (key t): overlap, migration with editable dates, drift; driven by the pilot."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, Static, TabbedContent

from segtui.analysis.drift import drift
from segtui.analysis.migration import migrate_dataset
from segtui.analysis.overlap import overlap
from segtui.tui.app import SegtuiApp
from segtui.tui.screens.change import ChangeScreen
from segtui.tui.screens.help import HelpScreen
from segtui.tui.widgets.change import ChangePanel

from .conftest import AS_OF, run, settle, type_text


async def open_change(pilot: Pilot) -> ChangeScreen:
    await pilot.press("t")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ChangeScreen)
    return screen


def panel_text(screen: ChangeScreen, pane: str) -> str:
    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    console.print(screen.query_one(f"#{pane}-panel", ChangePanel).shown)
    return console.export_text()


def test_t_opens_the_change_screen_with_results_of_the_core(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await open_change(pilot)
        session = pilot.app.session
        ds, rs = session.dataset, pilot.app.ruleset
        assert screen.results["overlap"].matrix.equals(overlap(ds.view.frame, rs).matrix)
        migration = screen.results["migration"]
        assert (migration.from_date, migration.to_date) == (date(2024, 4, 2), AS_OF)  # 90 days before the as-of date
        assert migration.matrix.equals(migrate_dataset(ds, rs).matrix)
        expected = drift(ds.transactions, rs, first_date=ds.view.first_date, as_of=ds.view.as_of)
        assert screen.results["drift"].points.equals(expected.points)
        assert "(not yet a customer)" in panel_text(screen, "migration")
        assert "Lapsed" in panel_text(screen, "drift")

    run(fixture_app, scenario)


def test_editing_the_from_date_recomputes_the_migration(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await open_change(pilot)
        await pilot.press("2", "f")
        await settle(pilot)
        prompt = pilot.app.screen.query_one(Input)
        prompt.value = ""
        await type_text(pilot, "2023-12-31")
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert screen.query_one(TabbedContent).active == "migration"
        result = screen.results["migration"]
        assert result.from_date == date(2023, 12, 31)
        expected = migrate_dataset(pilot.app.session.dataset, pilot.app.ruleset, date(2023, 12, 31))
        assert result.matrix.equals(expected.matrix)
        assert "2023-12-31 → 2024-07-01" in panel_text(screen, "migration")

    run(fixture_app, scenario)


def test_a_from_date_after_to_is_refused_in_the_prompt(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await open_change(pilot)
        await pilot.press("f")
        await settle(pilot)
        pilot.app.screen.query_one(Input).value = ""
        await type_text(pilot, "2024-08-01")
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is not screen  # still asking
        problem = pilot.app.screen.query_one("#prompt-problem", Static)
        assert "must be before" in str(problem.render())
        await pilot.press("escape")
        await settle(pilot)
        assert screen.results["migration"].from_date == date(2024, 4, 2)

    run(fixture_app, scenario)


def test_w_cycles_the_drift_period(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await open_change(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "drift"
        result = screen.results["drift"]
        assert result.every == "quarter"
        assert all(d.month in (3, 6, 9, 12) for d in result.dates)

    run(fixture_app, scenario)


def test_escape_goes_back_and_help_lists_the_change_keys(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await open_change(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ChangeScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        keys = {description: key for key, description, _ in help_screen._rows}
        assert keys["Change"] == "t" and keys["From date"] == "f" and keys["Period"] == "w"

    run(fixture_app, scenario)


def test_the_change_screen_uses_the_rule_set_being_edited(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await pilot.press("down", "space")  # switch the Loyal segment off
        await settle(pilot)
        screen = await open_change(pilot)
        sizes = screen.results["overlap"].segments
        assert sizes.filter(pl.col("segment") == "Loyal")["customers"].item() == 0

    run(fixture_app, scenario)


def test_the_migration_matrix_of_many_segments_scrolls_instead_of_cutting_numbers() -> None:
    # At 80 columns rfm.yaml's 12 x 13 matrix was squeezed into the panel: "302…", "68 …".
    from segtui.resources import RULES_DIR
    from segtui.tui.app import make_app

    app = make_app(rules_path=RULES_DIR / "rfm.yaml")

    async def scenario(pilot: Pilot) -> None:
        await settle(pilot)
        screen = await open_change(pilot)
        await pilot.press("2")
        await settle(pilot)
        static = screen.query_one("#migration-panel", ChangePanel).query_one(Static)
        assert static.size.width > 80  # wider than the terminal: the panel scrolls sideways
        # the matrix as drawn at the width the Static got
        console = Console(width=static.size.width, record=True, color_system=None, file=io.StringIO())
        console.print(screen.query_one("#migration-panel", ChangePanel).shown)
        drawn = console.export_text().splitlines()
        cells = [line[22:] for line in drawn if line.split(" ", 1)[0].isdigit()]  # matrix rows, after the label
        assert len(cells) == 12 and not any("…" in line for line in cells)
        assert "302 71%" in drawn[3]

    run(app, scenario)
