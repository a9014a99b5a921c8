"""Human and machine summaries of a loaded dataset and of an evaluation (used by the CLI).

Formatting lives here so that the CLI stays a thin shell and the JSON/CSV shapes,
which scripts depend on, are defined (and tested) in one place.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from segtui.dataset import Dataset
    from segtui.evaluate import Evaluation
    from segtui.rules import RuleSet

__all__ = ["SEGMENT_FIELDS", "segments_records", "segments_json", "segments_csv", "print_segments", "print_dataset"]

#: Columns of the per-segment summary, in the order scripts can rely on.
SEGMENT_FIELDS = (
    "segment",
    "customers",
    "pct_customers",
    "revenue",
    "pct_revenue",
    "avg_revenue",
    "aov",
    "avg_orders",
)


def segments_records(evaluation: "Evaluation") -> list[dict]:
    """One dict per segment with exactly ``SEGMENT_FIELDS``, rounded as ``export.for_text`` writes."""
    from segtui.export import for_text

    return for_text(evaluation.segments.select(SEGMENT_FIELDS)).to_dicts()


def segments_json(
    evaluation: "Evaluation", ruleset: "RuleSet", *, rules: Path, data: Path, as_of: date,
    holdout: list[dict] | None = None,
) -> str:
    """The ``apply --format json`` document: stable keys, one object per segment.

    Keys: rules, data, as_of, assign, universe {customers, revenue}, total_customers,
    in_no_segment {customers, pct_customers}, segments, and ``holdout`` (per-segment test
    and control counts) when the rule set has one. ``in_no_segment`` counts the
    universe's customers that no enabled segment holds: in first_match the Unassigned
    row, in overlap the only way to learn it (segment rows overlap and do not add up).
    """
    from segtui.export import text_value

    doc = {
        "rules": str(rules),
        "data": str(data),
        "as_of": as_of.isoformat(),
        "assign": ruleset.assign,
        "universe": {
            "customers": evaluation.universe_customers,
            "revenue": text_value("revenue", evaluation.universe_revenue),
        },
        "total_customers": evaluation.total_customers,
        "in_no_segment": {
            "customers": evaluation.no_segment_customers,
            "pct_customers": _share(evaluation.no_segment_customers, evaluation.universe_customers),
        },
        "segments": segments_records(evaluation),
    }
    if holdout is not None:
        doc["holdout"] = holdout
    return json.dumps(doc, indent=2)


def segments_csv(evaluation: "Evaluation") -> str:
    """The ``apply --format csv`` table (header + one line per segment), rounded like the JSON."""
    import polars as pl

    return pl.DataFrame(segments_records(evaluation), schema=evaluation.segments.select(SEGMENT_FIELDS).schema).write_csv()


def _share(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``, rounded like the segment records (None for 0)."""
    return round(100 * part / whole, 4) if whole else None


def _money(value: float | None, decimals: int = 2) -> str:
    # round first and add 0.0 so that -0.001 prints as 0.00, not -0.00
    return "" if value is None else f"{round(value, decimals) + 0.0:,.{decimals}f}"


def print_segments(
    console: "Console", evaluation: "Evaluation", ruleset: "RuleSet", *, data: Path, as_of: date
) -> None:
    """Print the segment summary as a Rich table."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from segtui.display import printable

    # Every user-given string goes in as Text (a str cell or title is Rich markup), with
    # control characters escaped.
    title = Text(printable(ruleset.name or "Segments"))
    caption = Text(printable(
        f"{data.name} · as of {as_of.isoformat()} · {ruleset.assign} · "
        f"universe {evaluation.universe_customers:,} of {evaluation.total_customers:,} customers"
    ))
    if ruleset.assign == "overlap":
        # No Unassigned row here: overlapping rows do not add up, so the rest is a figure.
        share = _share(evaluation.no_segment_customers, evaluation.universe_customers)
        caption.append(
            f"\nin no segment: {evaluation.no_segment_customers:,} customers"
            + ("" if share is None else f" ({share:.1f}%)")
            + " · segments overlap, so the rows do not add up"
        )
    # box.SIMPLE and whole-unit revenue keep all eight columns readable at 80 columns.
    table = Table(
        title=title,
        caption=caption,
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("Segment", no_wrap=True, overflow="ellipsis", max_width=20)
    for name in ("Customers", "%", "Revenue", "%rev", "Avg rev", "AOV", "Orders"):
        table.add_column(name, justify="right", no_wrap=True)
    for rec in segments_records(evaluation):
        table.add_row(
            Text(printable(rec["segment"])),
            f"{rec['customers']:,}",
            f"{rec['pct_customers']:.1f}",
            _money(rec["revenue"], 0),
            f"{rec['pct_revenue']:.1f}",
            _money(rec["avg_revenue"], 0),
            _money(rec["aov"], 0),
            "" if rec["avg_orders"] is None else f"{rec['avg_orders']:.2f}",
        )
    console.print(table)


def print_dataset(console: "Console", ds: "Dataset") -> None:
    """Print what `segtui customers` learnt about a file: size, span and mapping (the CLI prints notices)."""
    from rich.table import Table
    from rich.text import Text

    from segtui.display import printable

    view = ds.view
    frame = view.frame
    title = Text(printable(f"{ds.transactions.source.name}: single customer view"))
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("customers", f"{frame.height:,}")
    table.add_row("transactions", f"{view.transactions:,}")
    table.add_row("orders", f"{int(frame['orders'].sum()):,}")
    table.add_row("revenue", _money(float(frame["revenue"].sum())))
    table.add_row("dates", f"{view.first_date.isoformat()} → {view.last_date.isoformat()}")
    table.add_row("as of", view.as_of.isoformat())
    for role, column in ds.transactions.mapping.items():
        table.add_row(f"  {role}", Text(printable(f"← {column}")))
    table.add_row("columns", f"{frame.width} (segtui customers DATA -o view.csv to export)")
    console.print(table)
