"""Screenshots of the Change screen's three panes at 80x24 and 160x48, on the fixture data.

Update after a deliberate visual change with ``pytest tests/tui/test_change_snapshots.py
--snapshot-update`` and review the SVGs in the diff.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from segtui.tui.app import SegtuiApp

from .conftest import settle


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("key", ["1", "2", "3"], ids=["overlap", "migration", "drift"])
def test_change_screen(fixture_app: SegtuiApp, snap_compare, key: str, size: tuple[int, int]) -> None:
    async def change(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)

    assert snap_compare(fixture_app, terminal_size=size, run_before=change)
