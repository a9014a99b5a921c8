"""Holdout and readout summaries for people and scripts (Rich tables, JSON records, CSV).

The figures come from ``segtui.analysis``; this module only decides how they are shown,
so that the CLI stays a thin shell.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

__all__ = ["holdout_records", "holdout_lines", "print_holdout", "readout_records", "readout_json", "readout_csv", "print_readout"]

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


def _significant(value: float) -> float:
    """``value`` to 6 significant digits: p-values keep their size, money its cents."""
    return float(f"{value:.6g}")


def readout_records(frame: pl.DataFrame) -> list[dict]:
    """Readout rows as JSON-ready dicts, floats to 6 significant digits.

    Examples
    --------
    >>> readout_records(pl.DataFrame({"metric": ["revenue"], "p_value": [0.000123456789]}))
    [{'metric': 'revenue', 'p_value': 0.000123457}]
    """
    records = frame.to_dicts()
    for rec in records:
        for key, value in rec.items():
            if isinstance(value, float):
                rec[key] = _significant(value) if math.isfinite(value) else None
    return records


def readout_json(frame: pl.DataFrame, *, rules: str, data: str, start: date, end: date, membership_as_of: date) -> str:
    """The ``readout --format json`` document: the window, then one object per segment and metric."""
    doc = {
        "rules": rules,
        "data": data,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "membership_as_of": membership_as_of.isoformat(),
        "results": readout_records(frame),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def readout_csv(frame: pl.DataFrame) -> str:
    """The ``readout --format csv`` table: ``READOUT_FIELDS``, floats as in the JSON."""
    return pl.DataFrame(readout_records(frame), schema=frame.schema).write_csv()


def _figure(metric: str, value: float | None, *, lift: bool = False) -> str:
    if value is None:
        return ""
    if metric == "conversion":
        return f"{100 * value:+.2f} pt" if lift else f"{100 * value:.2f}%"
    return f"{value:+,.2f}" if lift else f"{value:,.2f}"


def _lift(metric: str, value: float | None, low: float | None, high: float | None) -> str:
    if value is None:
        return ""
    text = _figure(metric, value, lift=True)
    if low is None or high is None:
        return text
    unit = 100 if metric == "conversion" else 1
    return f"{text} [{unit * low:+,.2f}, {unit * high:+,.2f}]"


def print_readout(console: "Console", frame: pl.DataFrame, caption: str) -> None:
    """Print the readout as a Rich table, one row per segment and metric."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from segtui.display import printable

    table = Table(title="Readout", caption=Text(printable(caption)), title_justify="left", caption_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Segment", no_wrap=True, overflow="ellipsis", max_width=20)
    table.add_column("Metric", no_wrap=True)
    for name in ("Test", "Control", "Lift [95% CI]", "Rel lift", "p"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("Verdict", min_width=16)
    records = readout_records(frame)
    for at, rec in enumerate(records):
        metric = rec["metric"]
        # the segment's name on its first metric row, then its group sizes below it
        line = [r for r in records[:at + 1] if r["segment"] == rec["segment"]]
        label = [rec["segment"], f"{rec['test_customers']:,} test", f"{rec['control_customers']:,} control"]
        rel = rec["rel_lift"]
        table.add_row(
            Text(printable(label[len(line) - 1] if len(line) <= 3 else "")), metric,
            _figure(metric, rec["test"]), _figure(metric, rec["control"]),
            _lift(metric, rec["abs_lift"], rec["abs_lift_low"], rec["abs_lift_high"]),
            "" if rel is None else f"{100 * rel:+.1f}%",
            "" if rec["p_value"] is None else f"{rec['p_value']:.3g}",
            Text(rec["verdict"], style="bold green" if rec["verdict"] == "significant" else ""),
            end_section=metric == "orders",
        )
    console.print(table)


def holdout_lines(frame: pl.DataFrame, segment: str | None = None, note: str | None = None) -> str:
    """The export dialog's holdout text: one line per segment (only ``segment``'s when given).

    Examples
    --------
    >>> frame = pl.DataFrame({"segment": ["VIP"], "test": [900], "control": [100], "control_share": [10.0],
    ...                       "balance": ["ok"], "baseline": [0.04], "mde": [0.0351]})
    >>> print(holdout_lines(frame))
    Holdout · MDE: smallest rise of the segment's last-30-day conversion
    the groups detect (80% power, 5% significance)
    VIP: 900 test / 100 control · MDE +3.51 pt on 4.00% · balance ok
    """
    rows = [rec for rec in frame.to_dicts() if segment is None or rec["segment"] == segment]
    if not rows:
        return "Holdout: no holdout applies to this segment"
    lines = ["Holdout · MDE: smallest rise of the segment's last-30-day conversion", "the groups detect (80% power, 5% significance)"]
    for rec in rows:
        parts = [f"{rec['segment']}: {rec['test']:,} test / {rec['control']:,} control"]
        if "mde" in rec:
            if rec["mde"] is None:
                base = rec.get("baseline")
                parts.append("MDE: no baseline" if base is None else
                             "MDE: no baseline (none bought in the last 30 days)" if base == 0 else "MDE: groups too small")
            else:
                parts.append(f"MDE +{100 * rec['mde']:.2f} pt on {100 * rec['baseline']:.2f}%")
        if rec.get("balance"):
            parts.append(f"balance {rec['balance']}")
        lines.append(" · ".join(parts))
    if note:
        lines.append(note)
    return "\n".join(lines)
