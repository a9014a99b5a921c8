"""Fixtures for the app tests: a tiny fixed data set, a rule file, and a settle helper."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerFailed

from segtui.tui.app import SegtuiApp, make_app

AS_OF = date(2024, 7, 1)

# 8 customers, hand-picked so each rule below has a known answer at AS_OF:
#   orders >= 3      -> A, B, C, D              (4)
#   recency_days<=60 -> A, B, E, F (last order on/after 2024-05-02)
#   Loyal (both)     -> A, B                    (2)
#   Lapsed (rec>60)  -> C, D, G, H              (4) ; E, F unassigned
_ORDERS = [
    # customer, order, date, amount, country, channel
    ("A", "o1", "2024-01-05", 100.0, "France", "web"),
    ("A", "o2", "2024-03-10", 50.0, "France", "web"),
    ("A", "o3", "2024-06-20", 25.0, "France", "app"),
    ("B", "o4", "2023-11-01", 10.0, "Spain", "app"),
    ("B", "o5", "2024-02-01", 10.0, "Spain", "app"),
    ("B", "o6", "2024-06-01", 10.0, "Spain", "app"),
    ("B", "o7", "2024-06-30", 10.0, "Spain", "app"),
    ("C", "o8", "2023-08-01", 300.0, "France", "store"),
    ("C", "o9", "2023-09-01", 200.0, "France", "store"),
    ("C", "o10", "2024-01-15", 100.0, "France", "store"),
    ("D", "o11", "2023-05-01", 40.0, "Italy", "web"),
    ("D", "o12", "2023-06-01", 40.0, "Italy", "web"),
    ("D", "o13", "2023-07-01", 40.0, "Italy", "web"),
    ("E", "o14", "2024-06-15", 80.0, "Spain", "web"),
    ("F", "o15", "2024-05-02", 60.0, "Italy", "app"),
    ("G", "o16", "2023-12-24", 500.0, "France", "store"),
    ("H", "o17", "2022-12-01", 5.0, "Spain", "web"),
]

RULES_YAML = """\
version: 1
name: Fixture tiers
assign: first_match
segments:
  - name: Loyal
    rules:
      - orders >= 3
      - recency_days <= 60
  - name: Lapsed
    rules:
      - recency_days > 60
"""


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.csv"
    lines = ["customer_id,order_id,order_date,amount,country,channel"]
    lines += [",".join(str(v) for v in row) for row in _ORDERS]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiers.yaml"
    path.write_text(RULES_YAML)
    return path


@pytest.fixture
def fixture_app(data_file: Path, rules_file: Path) -> SegtuiApp:
    return make_app(data_path=data_file, rules_path=rules_file, as_of=AS_OF)


async def settle(pilot: Pilot) -> None:
    """Wait until loading, evaluation and detail workers (which start each other) are done."""
    app = pilot.app
    for _ in range(4):
        try:
            await app.workers.wait_for_complete()
        except WorkerFailed:
            # A failed worker re-raises here for as long as the manager still holds it
            # (timing-dependent); the app turns failures into dialogs, which tests assert.
            pass
        await pilot.pause()
    # Deterministic screenshots: no blinking cursors.
    for screen in app.screen_stack:
        for widget in screen.query(Input):
            widget.cursor_blink = False


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*text)


def run(app: SegtuiApp, scenario: Callable[[Pilot], Awaitable[None]], size: tuple[int, int] = (80, 24)) -> None:
    """Run ``scenario`` against ``app`` under the pilot (plain sync test, no asyncio plugin)."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await scenario(pilot)

    asyncio.run(main())
