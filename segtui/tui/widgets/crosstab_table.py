"""The cross-tab as a table: one row per segment (then ``(all)``), one column per value.

Built on Textual's DataTable: a cross-tab has a dozen rows and columns, far below the
sizes where DataTable's per-cell objects cost anything, and it brings keyboard scrolling
in both directions for free. Each cell shows one measure at a time (``MEASURES``).
"""

from __future__ import annotations

import polars as pl
from rich.text import Text
from textual.widgets import DataTable

from segtui.display import printable
from segtui.tui.format import fmt_count, fmt_money, fmt_pct

__all__ = ["CrosstabTable", "MEASURES", "cell_text"]

#: Measure key -> what the title calls it.
MEASURES = {"row_pct": "row % of the segment", "customers": "customers", "revenue": "revenue"}


def cell_text(row: dict, measure: str) -> str:
    """One cell of the table for ``measure``.

    Examples
    --------
    >>> cell = {"customers": 1234, "row_pct": 47.91, "revenue": 128_900.0}
    >>> cell_text(cell, "row_pct"), cell_text(cell, "customers"), cell_text(cell, "revenue")
    ('47.9%', '1,234', '128.9k')
    """
    if measure == "customers":
        return fmt_count(row["customers"])
    if measure == "revenue":
        return fmt_money(row["revenue"])
    return fmt_pct(row["row_pct"])


class CrosstabTable(DataTable):
    """Segments × values of one dimension (a ``analysis.crosstab.crosstab`` frame)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def show(self, table: pl.DataFrame, measure: str) -> None:
        """Replace the content with ``table`` showing ``measure`` in every cell."""
        cursor = self.cursor_row
        self.clear(columns=True)
        values = table["value"].unique(maintain_order=True).to_list()
        self.add_column("Segment", key="segment")
        self.add_column("Customers", key="total")
        for value in values:
            self.add_column(Text(printable(value), justify="right"), key=f"v:{value}")
        for (name,), cells in table.group_by("segment", maintain_order=True):
            rows = {row["value"]: row for row in cells.iter_rows(named=True)}
            texts = [Text(cell_text(rows[v], measure), justify="right") if v in rows else Text("") for v in values]
            self.add_row(Text(printable(name)), Text(fmt_count(int(cells["customers"].sum())), justify="right"), *texts)
        if self.row_count:
            self.move_cursor(row=min(cursor, self.row_count - 1))
