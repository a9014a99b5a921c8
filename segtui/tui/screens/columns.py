"""The column dictionary: every customer-view column, its meaning, type, values and nulls.

Opened from the rule editor (F2) and the help screen (c). ``enter`` on a column returns
its name, which the rule editor inserts at the cursor; ``esc`` closes. The figures are
computed in a thread worker (a min/max/distinct pass over every column).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import polars as pl
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from segtui.display import printable
from segtui.tui.format import fmt_pct

__all__ = ["ColumnDictionaryScreen"]


class ColumnDictionaryScreen(ModalScreen[str | None]):
    """A table of ``dictionary.column_dictionary`` rows; dismissed with the chosen column."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close")]

    DEFAULT_CSS = """
    ColumnDictionaryScreen .dialog { width: 100%; max-width: 130; height: 90%; }
    ColumnDictionaryScreen DataTable { height: 1fr; }
    ColumnDictionaryScreen #column-meaning { height: 2; margin-top: 1; }
    """

    def __init__(self, compute: Callable[[], pl.DataFrame]) -> None:
        super().__init__()
        self._compute = compute
        self._meanings: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Columns of the customer view  (enter: use in the rule · esc: close)", classes="dialog-title")
            yield DataTable(id="columns", cursor_type="row", zebra_stripes=True)
            yield Static("Reading the columns…", id="column-meaning", markup=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.run_worker(self._work, thread=True, exclusive=True, group="columns", exit_on_error=False)

    def _work(self) -> None:
        frame = self._compute()
        self.app.call_from_thread(self._show, frame)

    def _show(self, frame: pl.DataFrame) -> None:
        table = self.query_one(DataTable)
        table.add_column("Column", key="column")
        table.add_column("Type", key="type")
        table.add_column("Values", key="values")
        table.add_column(Text("Nulls", justify="right"), key="nulls")
        table.add_column("Meaning", key="meaning")
        self._meanings = frame["meaning"].to_list()
        for row in frame.iter_rows(named=True):
            table.add_row(
                Text(printable(row["column"])), row["type"], Text(printable(row["values"])),
                Text(fmt_pct(row["null_pct"]), justify="right"), Text(row["meaning"]),
                key=row["column"],
            )
        self._describe(0)

    def _describe(self, index: int) -> None:
        if 0 <= index < len(self._meanings):
            name = self.query_one(DataTable).coordinate_to_cell_key((index, 0)).row_key.value
            self.query_one("#column-meaning", Static).update(f"{printable(name)}: {self._meanings[index]}")

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe(event.cursor_row)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(event.row_key.value)

    def action_close(self) -> None:
        self.dismiss(None)
