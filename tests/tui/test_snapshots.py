"""Screenshots of the screens analysts see, at 80x24, 120x34 and 160x48, on fixed fixture data.

Update after a deliberate visual change with ``pytest tests/tui/test_snapshots.py --snapshot-update``
and review the SVGs in the diff.
"""

from __future__ import annotations

from textual.pilot import Pilot

from segtui.tui.app import SegtuiApp

from .conftest import settle, type_text


def test_main_screen_80x24(fixture_app: SegtuiApp, snap_compare) -> None:
    assert snap_compare(fixture_app, terminal_size=(80, 24), run_before=settle)


def test_main_screen_160x48(fixture_app: SegtuiApp, snap_compare) -> None:
    async def select_loyal(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)

    assert snap_compare(fixture_app, terminal_size=(160, 48), run_before=select_loyal)


def test_main_screen_120x34(fixture_app: SegtuiApp, snap_compare) -> None:
    # The smallest all-panels layout: sizes, breakdown and customers stacked on the right.
    assert snap_compare(fixture_app, terminal_size=(120, 34), run_before=settle)


def test_customers_tab_80x24(fixture_app: SegtuiApp, snap_compare) -> None:
    async def customers(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)

    assert snap_compare(fixture_app, terminal_size=(80, 24), run_before=customers)


def test_rule_editor_shows_error_with_suggestion(fixture_app: SegtuiApp, snap_compare) -> None:
    async def bad_rule(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("down", "r")
        await type_text(pilot, "recency_day < 5")
        await pilot.pause(0.3)  # debounce
        await settle(pilot)

    assert snap_compare(fixture_app, terminal_size=(80, 24), run_before=bad_rule)


def test_help_screen(fixture_app: SegtuiApp, snap_compare) -> None:
    async def help_screen(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(fixture_app, terminal_size=(100, 40), run_before=help_screen)


def _on_screen(*keys: str):
    async def scenario(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return scenario


def test_profile_screen_80x24(fixture_app: SegtuiApp, snap_compare) -> None:
    assert snap_compare(fixture_app, terminal_size=(80, 24), run_before=_on_screen("down", "p"))


def test_profile_screen_160x48(fixture_app: SegtuiApp, snap_compare) -> None:
    assert snap_compare(fixture_app, terminal_size=(160, 48), run_before=_on_screen("down", "p"))


def test_crosstab_screen_80x24(fixture_app: SegtuiApp, snap_compare) -> None:
    assert snap_compare(fixture_app, terminal_size=(80, 24), run_before=_on_screen("X"))


def test_crosstab_screen_160x48(fixture_app: SegtuiApp, snap_compare) -> None:
    assert snap_compare(fixture_app, terminal_size=(160, 48), run_before=_on_screen("X"))


def test_column_dictionary_80x24(fixture_app: SegtuiApp, snap_compare) -> None:
    assert snap_compare(fixture_app, terminal_size=(80, 24), run_before=_on_screen("question_mark", "c"))


def test_column_dictionary_160x48(fixture_app: SegtuiApp, snap_compare) -> None:
    assert snap_compare(fixture_app, terminal_size=(160, 48), run_before=_on_screen("down", "r", "f2"))
