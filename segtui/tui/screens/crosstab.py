"""The cross-tab screen: every segment split by one column, in one table.

``b`` steps through the same columns as the main screen's breakdown (text, cohorts,
binned numbers), ``v`` switches the cells between row %, customers and revenue, esc
goes back. The table is computed in a thread worker; a stale result is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import polars as pl
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from segtui.display import printable
from segtui.tui.widgets.crosstab_table import MEASURES, CrosstabTable

__all__ = ["CrosstabScreen"]


class CrosstabScreen(Screen[str]):
    """Dismissed with the dimension last shown, so the main breakdown can follow it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "next_dimension", "Next column", tooltip="Split by the next column"),
        Binding("v", "next_measure", "Row %/count/rev", tooltip="Cells show row %, customers or revenue"),
        Binding("escape,q,t", "close", "Back", tooltip="Back to the segments"),
    ]

    DEFAULT_CSS = """
    CrosstabScreen #crosstab-title { height: 1; padding: 0 1; text-style: bold; background: $panel; }
    CrosstabScreen CrosstabTable { height: 1fr; border: round $accent; }
    """

    def __init__(self, dimensions: list[str], current: str | None, compute: Callable[[str], pl.DataFrame]) -> None:
        super().__init__()
        self._dimensions = dimensions
        self._dimension = current if current in dimensions else dimensions[0]
        self._compute = compute
        self._measure = next(iter(MEASURES))
        self._table: pl.DataFrame | None = None
        self._gen = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="crosstab-title", markup=False)
        yield CrosstabTable(id="crosstab")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(CrosstabTable).focus()
        self._request()

    @property
    def dimension(self) -> str:
        return self._dimension

    def _title(self, state: str = "") -> None:
        text = f"Segments by {printable(self._dimension)} · cells: {MEASURES[self._measure]}{state}"
        self.query_one("#crosstab-title", Static).update(Content(text))

    def _request(self) -> None:
        self._gen += 1
        gen, dimension = self._gen, self._dimension
        self._title(" · computing…")
        self.run_worker(lambda: self._work(gen, dimension), thread=True, exclusive=True, group="crosstab", exit_on_error=False)

    def _work(self, gen: int, dimension: str) -> None:
        table = self._compute(dimension)
        self.app.call_from_thread(self._show, gen, table)

    def _show(self, gen: int, table: pl.DataFrame) -> None:
        if gen != self._gen:
            return
        self._table = table
        self._redraw()

    def _redraw(self) -> None:
        if self._table is not None:
            self.query_one(CrosstabTable).show(self._table, self._measure)
        self._title()

    def action_next_dimension(self) -> None:
        self._dimension = self._dimensions[(self._dimensions.index(self._dimension) + 1) % len(self._dimensions)]
        self._request()

    def action_next_measure(self) -> None:
        keys = list(MEASURES)
        self._measure = keys[(keys.index(self._measure) + 1) % len(keys)]
        self._redraw()

    def action_close(self) -> None:
        self.dismiss(self._dimension)
