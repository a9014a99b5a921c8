"""Text, JSON and CSV shapes of profiles and cross-tabs (for ``segtui profile`` and ``breakdown``).

As ``summary.py`` does for ``apply``: the shapes scripts parse are defined here, once.
Numbers are rounded for text: means, medians and shares to 4 decimals, indexes and
percentages to 2, money to cents.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from segtui.analysis.crosstab import ALL_LABEL
from segtui.analysis.profile import index_bar

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

__all__ = [
    "profile_records", "profile_json", "profile_csv", "print_profile",
    "crosstab_records", "crosstab_json", "crosstab_csv", "print_crosstab", "metric_label", "fmt_stat",
]

#: Rows per segment in the profile table when no --top is given (JSON and CSV: all).
TABLE_ROWS = 15


def _rounded(frame: pl.DataFrame, decimals: dict[str, int]) -> pl.DataFrame:
    # adding 0.0 after rounding turns -0.0 into 0.0
    return frame.with_columns(pl.col(name).round(d) + 0.0 for name, d in decimals.items() if name in frame.columns)


_PROFILE_DECIMALS = {"segment_value": 4, "base_value": 4, "index": 2, "segment_median": 4, "base_median": 4}
_CROSSTAB_DECIMALS = {"row_pct": 2, "revenue": 2, "pct_revenue": 2}


def metric_label(row: dict) -> str:
    """``recency_days`` for a mean, ``country = United Kingdom`` for a share.

    Examples
    --------
    >>> metric_label({"column": "country", "kind": "share", "value": "UK"}), metric_label({"column": "aov", "kind": "mean", "value": None})
    ('country = UK', 'aov')
    """
    return row["column"] if row["kind"] == "mean" else f"{row['column']} = {row['value']}"


def fmt_stat(value: float | None, kind: str) -> str:
    """A mean with up to 2 decimals (thousands separated), a share as ``36.6%``; "" for null.

    Examples
    --------
    >>> fmt_stat(1474.382, "mean"), fmt_stat(36.63, "share"), fmt_stat(3.0, "mean"), fmt_stat(None, "mean")
    ('1,474.38', '36.6%', '3', '')
    """
    if value is None:
        return ""
    if kind == "share":
        return f"{value:.1f}%"
    rounded = round(value, 2) + 0.0
    return f"{rounded:,.0f}" if rounded.is_integer() else f"{rounded:,.2f}"


def profile_records(profiles: list[tuple[str, int, pl.DataFrame]], top: int | None = None) -> list[dict]:
    """One dict per segment: segment, customers, metrics (the profile rows, rounded)."""
    return [
        {"segment": name, "customers": n, "metrics": _rounded(frame.head(top) if top else frame, _PROFILE_DECIMALS).to_dicts()}
        for name, n, frame in profiles
    ]


def _header(rules: Path, data: Path, as_of: date, universe: int) -> dict:
    return {"rules": str(rules), "data": str(data), "as_of": as_of.isoformat(), "universe": {"customers": universe}}


def profile_json(profiles: list[tuple[str, int, pl.DataFrame]], *, rules: Path, data: Path, as_of: date, universe: int, top: int | None = None) -> str:
    """The ``profile --format json`` document: rules, data, as_of, universe {customers}, segments."""
    return json.dumps({**_header(rules, data, as_of, universe), "segments": profile_records(profiles, top)}, indent=2)


def profile_csv(profiles: list[tuple[str, int, pl.DataFrame]], top: int | None = None) -> str:
    """One line per segment and metric: segment, customers, then the profile columns."""
    parts = [
        _rounded(frame.head(top) if top else frame, _PROFILE_DECIMALS).select(
            pl.lit(name, dtype=pl.String).alias("segment"), pl.lit(n, dtype=pl.Int64).alias("customers"), pl.all()
        )
        for name, n, frame in profiles
    ]
    return pl.concat(parts).write_csv() if parts else ""


def print_profile(console: "Console", profiles: list[tuple[str, int, pl.DataFrame]], *, universe: int, top: int | None = None) -> None:
    """One Rich table per segment: metric, segment, base, index and its diverging bar, medians."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from segtui.display import printable

    for name, n, frame in profiles:
        share = f" ({100 * n / universe:.1f}% of {universe:,})" if universe else ""
        table = Table(
            title=Text(printable(f"{name} · {n:,} customers{share}")), title_justify="left",
            caption=Text("index = segment / base × 100; bar: log scale, full at 25 and 400"), caption_justify="left",
            box=box.SIMPLE_HEAD, pad_edge=False,
        )
        table.add_column("Metric", no_wrap=True, overflow="ellipsis", max_width=28)
        for column in ("Segment", "Base", "Index"):
            table.add_column(column, justify="right", no_wrap=True)
        table.add_column("below ◂ │ ▸ above", no_wrap=True)
        table.add_column("Median seg / base", justify="right", no_wrap=True)
        for row in frame.head(top or TABLE_ROWS).iter_rows(named=True):
            median = "" if row["kind"] == "share" else f"{fmt_stat(row['segment_median'], 'mean')} / {fmt_stat(row['base_median'], 'mean')}"
            table.add_row(
                Text(printable(metric_label(row))),
                fmt_stat(row["segment_value"], row["kind"]),
                fmt_stat(row["base_value"], row["kind"]),
                "" if row["index"] is None else f"{row['index']:.0f}",
                index_bar(row["index"], 17),
                median,
            )
        console.print(table)


def crosstab_records(table: pl.DataFrame) -> list[dict]:
    """One dict per group: segment, customers, revenue, cells [{value, customers, row_pct, revenue, pct_revenue}]."""
    rounded = _rounded(table, _CROSSTAB_DECIMALS)
    out = []
    for (name,), cells in rounded.group_by("segment", maintain_order=True):
        out.append({
            "segment": name, "customers": int(cells["customers"].sum()), "revenue": round(float(cells["revenue"].sum()), 2) + 0.0,
            "cells": cells.drop("segment").to_dicts(),
        })
    return out


def crosstab_json(table: pl.DataFrame, *, by: str, rules: Path, data: Path, as_of: date) -> str:
    """The ``breakdown --format json`` document: rules, data, as_of, by, values, segments.

    ``segments`` ends with the ``(all)`` group: the universe.
    """
    records = crosstab_records(table)
    universe = next((r["customers"] for r in records if r["segment"] == ALL_LABEL), 0)
    doc = {
        **_header(rules, data, as_of, universe), "by": by,
        "values": table["value"].unique(maintain_order=True).to_list(), "segments": records,
    }
    return json.dumps(doc, indent=2)


def crosstab_csv(table: pl.DataFrame) -> str:
    """One line per segment and value: segment, value, customers, row_pct, revenue, pct_revenue."""
    return _rounded(table, _CROSSTAB_DECIMALS).write_csv()


def print_crosstab(console: "Console", table: pl.DataFrame, *, by: str) -> None:
    """Segments × values of ``by`` as one Rich table (the segment named on its first line)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from segtui.display import printable

    out = Table(title=Text(printable(f"Segments by {by}")), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    out.add_column("Segment", no_wrap=True, overflow="ellipsis", max_width=20)
    out.add_column(Text(printable(by)), no_wrap=True, overflow="ellipsis", max_width=22)
    for column in ("Customers", "Row %", "Revenue", "% rev"):
        out.add_column(column, justify="right", no_wrap=True)
    for record in crosstab_records(table):
        for i, cell in enumerate(record["cells"]):
            last = i == len(record["cells"]) - 1
            out.add_row(
                Text(printable(record["segment"]) if i == 0 else ""),
                Text(printable(cell["value"])),
                f"{cell['customers']:,}",
                "" if cell["row_pct"] is None else f"{cell['row_pct']:.1f}",
                f"{cell['revenue']:,.0f}",
                "" if cell["pct_revenue"] is None else f"{cell['pct_revenue']:.1f}",
                end_section=last,
            )
    console.print(out)
