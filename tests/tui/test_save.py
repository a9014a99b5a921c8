"""Saving from the app: the file keeps what it was loaded with and records the data it ran on."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static
from typer.testing import CliRunner

from segtui.cli import app as cli
from segtui.resources import DEFAULT_RULES, SAMPLE_FILE
from segtui.rulefile import load_rules
from segtui.tui.app import SegtuiApp, make_app
from segtui.tui.editing import NodeRef
from segtui.tui.screens.save_as import SaveAsScreen

from .conftest import run, settle
from .test_app import select


def applied_counts(rules: Path) -> dict[str, int]:
    """Customers per segment from ``segtui apply RULES`` (no DATA: the file's data section)."""
    result = CliRunner().invoke(cli, ["apply", str(rules), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = [line.split(",") for line in result.stdout.splitlines()]
    column = rows[0].index("customers")
    return {row[0]: int(row[column]) for row in rows[1:]}


def app_counts(app: SegtuiApp) -> dict[str, int]:
    assert app.evaluation is not None
    return dict(app.evaluation.segments.select("segment", "customers").iter_rows())


async def save_as(pilot: Pilot, target: Path, *keys: str) -> SaveAsScreen:
    """Open save-as, type ``target``, press ``keys`` (e.g. ctrl+r), then enter."""
    await pilot.press("S")
    screen = pilot.app.screen
    assert isinstance(screen, SaveAsScreen)
    screen.query_one(Input).value = str(target)
    await pilot.pause()
    if keys:
        await pilot.press(*keys)
    await pilot.pause()
    shown = str(screen.query_one("#save-data", Static).render())
    await pilot.press("enter")
    await settle(pilot)
    screen.shown = shown  # type: ignore[attr-defined]
    return screen


def test_toggled_lifecycle_saved_elsewhere_applies_with_the_same_numbers(tmp_path: Path) -> None:
    app = make_app()  # the bundled sample with the shipped lifecycle rules
    target = tmp_path / "team" / "saved.yaml"
    target.parent.mkdir()

    async def scenario(pilot: Pilot) -> None:
        await settle(pilot)
        await select(pilot, NodeRef("segment", 1))
        await pilot.press("space")  # switch "Active" off: its customers fall to later segments
        await settle(pilot)
        screen = await save_as(pilot, target)
        relative = os.path.relpath(SAMPLE_FILE, target.parent)
        assert screen.shown == f"records data.path: {relative}"  # type: ignore[attr-defined]
        assert not app.dirty
        ours = app_counts(app)
        assert applied_counts(target) == ours
        assert load_rules(target).segments == app.ruleset.segments

    run(app, scenario)
    saved = target.read_text()
    shipped = DEFAULT_RULES.read_text()
    # every comment and the lifecycle windows survive; only the toggle and the data section are new
    added = [line for line in difflib.ndiff(shipped.splitlines(), saved.splitlines()) if line[:2] in ("+ ", "- ")]
    relative = os.path.relpath(SAMPLE_FILE, target.parent)
    assert added == ["+ data:", f"+   path: {relative}", "+ ", "+     enabled: false"]


def test_save_as_records_the_command_line_data_or_leaves_it_out(fixture_app: SegtuiApp, tmp_path: Path) -> None:
    recorded, left_out = tmp_path / "out" / "recorded.yaml", tmp_path / "out" / "plain.yaml"
    recorded.parent.mkdir()

    async def scenario(pilot: Pilot) -> None:
        await settle(pilot)
        screen = await save_as(pilot, left_out, "ctrl+r")
        assert screen.shown == "leaves data.path as the rule set has it (not ../shop.csv)"  # type: ignore[attr-defined]
        screen = await save_as(pilot, recorded)
        assert screen.shown == "records data.path: ../shop.csv"  # type: ignore[attr-defined]
        assert applied_counts(recorded) == app_counts(fixture_app) == {"Loyal": 2, "Lapsed": 4, "Unassigned": 2}

    run(fixture_app, scenario)
    data = load_rules(recorded).data
    assert data is not None and (data.written_path, data.as_of) == ("../shop.csv", fixture_app.options.as_of)
    assert load_rules(left_out).data is None


def test_plain_save_records_the_data_only_when_the_file_names_none(fixture_app: SegtuiApp, rules_file: Path, tmp_path: Path) -> None:
    async def scenario(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)

    run(fixture_app, scenario)
    assert load_rules(rules_file).data.written_path == "shop.csv"  # type: ignore[union-attr]
    elsewhere = tmp_path / "elsewhere.csv"
    rules_file.write_text(rules_file.read_text().replace("shop.csv", "elsewhere.csv"))
    elsewhere.write_bytes((tmp_path / "shop.csv").read_bytes())
    again = make_app(data_path=tmp_path / "shop.csv", rules_path=rules_file)

    async def save_again(pilot: Pilot) -> None:
        await settle(pilot)
        await select(pilot, NodeRef("rule", 0, 0))
        await pilot.press("space", "ctrl+s")
        await settle(pilot)

    run(again, save_again)
    assert load_rules(rules_file).data.written_path == "elsewhere.csv"  # type: ignore[union-attr]
