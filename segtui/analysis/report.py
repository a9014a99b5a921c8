"""JSON, CSV and Rich-table forms of the change analyses (overlap, migrate, drift).

The JSON shapes are documented in the README and stable: scripts parse them.  Floats are
rounded to 4 decimals, like ``apply``'s JSON.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from segtui.analysis.drift import Drift
from segtui.analysis.migration import Migration
from segtui.analysis.overlap import Overlap

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

__all__ = [
    "sparkline",
    "overlap_json", "overlap_csv", "print_overlap",
    "migration_json", "migration_csv", "print_migration",
    "drift_json", "drift_csv", "print_drift",
]

_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int | float | None]) -> str:
    """One block character per value, scaled between the smallest and largest value.

    Examples
    --------
    >>> sparkline([0, 5, 10, None])
    '▁▅█ '
    >>> sparkline([3, 3]), sparkline([0, 0])
    ('▄▄', '▁▁')
    """
    present = [v for v in values if v is not None]
    if not present:
        return " " * len(values)
    low, high = min(present), max(present)
    if high == low:  # flat: at the bottom when it is flat at zero
        block = _BLOCKS[0] if high == 0 else _BLOCKS[3]
        return "".join(" " if v is None else block for v in values)
    scale = (len(_BLOCKS) - 1) / (high - low)
    return "".join(" " if v is None else _BLOCKS[round((v - low) * scale)] for v in values)


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.iter_rows(named=True):
        out.append({k: _plain(v) for k, v in row.items()})
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _csv(frame: pl.DataFrame) -> str:
    rounded = frame.with_columns(pl.col(pl.Float64).round(4))
    return rounded.with_columns(pl.col(pl.List(pl.String)).list.join(" + ")).write_csv()


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}%"


# --------------------------------------------------------------------------- overlap


def overlap_json(result: Overlap, *, rules: Path, data: Path, as_of: date, assign: str) -> str:
    """The ``overlap --format json`` document."""
    doc = {
        "rules": str(rules),
        "data": str(data),
        "as_of": as_of.isoformat(),
        "assign": assign,
        "universe": {"customers": result.universe_customers, "revenue": round(result.universe_revenue, 4)},
        "segments": _records(result.segments),
        "matrix": _records(result.matrix),
        "combinations": _records(result.combinations),
        "more_combinations": result.more_combinations,
    }
    return json.dumps(doc, indent=2)


def overlap_csv(result: Overlap) -> str:
    """The ``overlap --format csv`` table: the matrix, one line per (row, column) pair."""
    return _csv(result.matrix)


def print_overlap(console: "Console", result: Overlap, *, title: str, caption: str) -> None:
    """The matrix (customers in both, row %) and the most common combinations as Rich tables."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    names = result.segments["segment"].to_list()
    table = Table(title=f"{title}: overlap (customers in both · % of the row)", caption=caption,
                  title_justify="left", caption_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Segment", no_wrap=True, overflow="ellipsis", max_width=20)
    for name in names:
        table.add_column(escape(name), justify="right", no_wrap=True, overflow="ellipsis", max_width=16)
    cells = result.matrix.rows_by_key("row", named=True)
    for name in names:
        table.add_row(escape(name), *(f"{c['customers']:,} {_pct(c['row_pct'])}" for c in cells.get(name, [])))
    console.print(table)
    combos = Table(title="Most common combinations", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    combos.add_column("Segments", overflow="fold")
    for column in ("Customers", "%", "Revenue"):
        combos.add_column(column, justify="right", no_wrap=True)
    for row in result.combinations.iter_rows(named=True):
        combos.add_row(escape(row["label"]), f"{row['customers']:,}", _pct(row["pct_customers"]), _money(row["revenue"]))
    if result.more_combinations:
        combos.caption = f"and {result.more_combinations:,} more combinations"
    console.print(combos)


# --------------------------------------------------------------------------- migration


def migration_json(result: Migration, *, rules: Path, data: Path) -> str:
    """The ``migrate --format json`` document."""
    doc = {
        "rules": str(rules),
        "data": str(data),
        "from": result.from_date.isoformat(),
        "to": result.to_date.isoformat(),
        "assign": result.assign,
        "customers_from": result.customers_from,
        "customers_to": result.customers_to,
        "rows": result.rows,
        "columns": result.columns,
        "matrix": None if result.matrix is None else _records(result.matrix),
        "segments": _records(result.segments),
    }
    return json.dumps(doc, indent=2)


def migration_csv(result: Migration) -> str:
    """The ``migrate --format csv`` table: the matrix (first_match), else the per-segment table."""
    return _csv(result.matrix if result.matrix is not None else result.segments)


def print_migration(console: "Console", result: Migration, *, title: str, caption: str) -> None:
    """The transition matrix (first_match) and stayed / entered / left per segment."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    heading = f"{title}: {result.from_date.isoformat()} → {result.to_date.isoformat()}"
    if result.matrix is not None:
        table = Table(title=f"{heading} (customers · % of the row; green forward, red backward in file order)",
                      caption=caption, title_justify="left", caption_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column("From \\ to", no_wrap=True, overflow="ellipsis", max_width=22)
        for column in result.columns:
            table.add_column(escape(column), justify="right", no_wrap=True, overflow="ellipsis", max_width=16)
        table.add_column("Total", justify="right", no_wrap=True)
        styles = {"stay": "bold", "forward": "green", "backward": "red"}
        for row, cells in result.matrix.rows_by_key("from", named=True).items():
            values = [
                f"[{styles.get(c['direction'] or '', 'default')}]{c['customers']:,} {_pct(c['row_pct'])}[/]"
                if c["customers"] else "·"
                for c in cells
            ]
            table.add_row(escape(row), *values, f"{sum(c['customers'] for c in cells):,}")
        console.print(table)
        caption = ""
    per = Table(title=heading if result.matrix is None else "Per segment", caption=caption or None,
                title_justify="left", caption_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    per.add_column("Segment", no_wrap=True, overflow="ellipsis", max_width=20)
    for column in ("From", "To", "Stayed", "Entered", "(new)", "Left", "Revenue in between"):
        per.add_column(column, justify="right", no_wrap=True)
    for r in result.segments.iter_rows(named=True):
        revenue = r["stayed_revenue"] + r["entered_revenue"]
        per.add_row(escape(r["segment"]), *(f"{r[k]:,}" for k in ("customers_from", "customers_to", "stayed", "entered", "entered_new", "left")), _money(revenue))
    console.print(per)


# --------------------------------------------------------------------------- drift


def drift_json(result: Drift, *, rules: Path, data: Path) -> str:
    """The ``drift --format json`` document."""
    doc = {
        "rules": str(rules),
        "data": str(data),
        "every": result.every,
        "dates": [d.isoformat() for d in result.dates],
        "segments": result.segments,
        "universe": _records(result.universe),
        "points": _records(result.points),
    }
    return json.dumps(doc, indent=2)


def drift_csv(result: Drift) -> str:
    """The ``drift --format csv`` table: one line per (date, segment)."""
    return _csv(result.points)


def print_drift(console: "Console", result: Drift, *, title: str, caption: str) -> None:
    """Per segment a sparkline of customers and its latest figures, then counts per date."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    span = f"{result.dates[0].isoformat()} → {result.dates[-1].isoformat()}, {len(result.dates)} {result.every} ends"
    table = Table(title=f"{title}: drift ({span})", caption=caption, title_justify="left",
                  caption_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Segment", no_wrap=True, overflow="ellipsis", max_width=20)
    table.add_column("Customers over time", no_wrap=True)
    for column in ("First", "Last", "%", "Revenue"):
        table.add_column(column, justify="right", no_wrap=True)
    by_segment = result.points.rows_by_key("segment", named=True)
    for segment in result.segments:
        series = by_segment.get(segment, [])
        counts = [p["customers"] for p in series]
        last = series[-1]
        table.add_row(escape(segment), sparkline(counts), f"{counts[0]:,}", f"{counts[-1]:,}", _pct(last["pct_customers"]), _money(last["revenue"]))
    console.print(table)
    grid = Table(title="Customers per date", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    grid.add_column("Date", no_wrap=True)
    for segment in result.segments:
        grid.add_column(escape(segment), justify="right", no_wrap=True, overflow="ellipsis", max_width=14)
    for i, day in enumerate(result.dates):
        grid.add_row(day.isoformat(), *(f"{by_segment[s][i]['customers']:,}" for s in result.segments))
    console.print(grid)
