"""Pilot tests of how the app helps with the rule language: value hints, missing columns."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Static

from segtui.tui.app import SegtuiApp
from segtui.tui.editing import NodeRef

from .conftest import run, settle, type_text
from .test_app import select


def test_rule_editor_names_the_nearest_values_when_a_text_value_matches_nobody(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("segment", 1))
        await pilot.press("r")
        await type_text(pilot, "country = 'france'")
        await pilot.pause(0.3)  # the debounce
        await settle(pilot)
        status = str(fixture_app.screen.query_one("#rule-status", Static).render())
        assert status == "matches 0 customers (0.0%) · no customer has country = 'france' (did you mean 'France'?)"
        await pilot.press(*["backspace"] * 7, *"France'")
        await pilot.pause(0.3)
        await settle(pilot)
        status = str(fixture_app.screen.query_one("#rule-status", Static).render())
        assert status == "matches 3 customers (37.5%)"

    run(fixture_app, scenario)
