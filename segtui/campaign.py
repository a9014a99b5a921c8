"""Holdout and readout summaries for people and scripts (Rich tables, JSON records, CSV).

The figures come from ``segtui.analysis``; this module only decides how they are shown,
so that the CLI stays a thin shell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

__all__ = ["holdout_records", "print_holdout"]

#: heading of each holdout-summary column a table shows, when the frame has it
_HOLDOUT_HEADINGS = {
    "holdout_percent": "Holdout %",
    "test": "Test",
    "control": "Control",
    "control_share": "Control %",
    "balance_p": "Balance p",
    "balance": "Balance",
    "baseline": "Baseline",
    "mde": "MDE (abs)",
}


def holdout_records(frame: pl.DataFrame) -> list[dict]:
    """The holdout summary as JSON-ready dicts (shares and p-values to 4 decimals).

    Examples
    --------
    >>> holdout_records(pl.DataFrame({"segment": ["A"], "test": [9], "control": [1], "control_share": [10.0]}))
    [{'segment': 'A', 'test': 9, 'control': 1, 'control_share': 10.0}]
    """
    floats = [pl.col(c).round(4) for c, dtype in frame.schema.items() if dtype.is_float()]
    return frame.with_columns(floats).to_dicts()


def _cell(name: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if name in ("baseline", "mde"):
            return f"{100 * value:.2f} pt" if name == "mde" else f"{100 * value:.2f}%"
        if name == "balance_p":
            return f"{value:.3f}"
        return f"{value:.1f}"
    return str(value)


def print_holdout(console: "Console", frame: pl.DataFrame, caption: str = "") -> None:
    """Print the per-segment test / control table (whatever columns ``frame`` has)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from segtui.display import printable

    table = Table(title="Holdout", caption=Text(printable(caption)) if caption else None, title_justify="left",
                  caption_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Segment", no_wrap=True, overflow="ellipsis", max_width=20)
    shown = [name for name in _HOLDOUT_HEADINGS if name in frame.columns]
    for name in shown:
        table.add_column(_HOLDOUT_HEADINGS[name], justify="left" if name == "balance" else "right", no_wrap=True)
    for rec in frame.to_dicts():
        table.add_row(Text(printable(rec["segment"])), *(Text(printable(_cell(n, rec[n]))) for n in shown))
    console.print(table)
