"""Overlap of a rule set's segments: an N×N matrix and the most common exact combinations.

Each segment is evaluated on its own, as in ``assign: overlap``, also for first_match rule
sets, so an analyst sees the customers that first_match hands to an earlier segment.
Only customers inside the universe count.  Revenue is summed in whole cents, like ``apply``.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from segtui.analysis.snapshots import Snapshot, snapshot_of_frame
from segtui.rules import RuleSet

__all__ = ["Overlap", "overlap", "overlap_of_snapshot", "NO_SEGMENT"]

#: Label of the combination "in the universe but in no segment".
NO_SEGMENT = "(no segment)"


@dataclass
class Overlap:
    """The overlap of every pair of segments, and the exact combinations customers fall in.

    ``segments``: segment, customers, revenue (each segment on its own), rule-set order.

    ``matrix``: one row per (row, column) pair of segments, row-major in rule-set order:
    row, column, customers (in both), row_pct (0-100: share of the row segment also in the
    column segment; null when the row segment is empty), jaccard (0-1: both / either; null
    when both are empty) and revenue (of the customers in both).  The diagonal holds each
    segment with itself (row_pct 100, jaccard 1).

    ``combinations``: segments (list of names; empty for customers in no segment), label
    ("A + B", or NO_SEGMENT), customers, pct_customers (of the universe), revenue; the
    ``top`` largest by customers, ties by label.
    """

    segments: pl.DataFrame
    matrix: pl.DataFrame
    combinations: pl.DataFrame
    universe_customers: int
    universe_revenue: float
    #: combinations that exist beyond the ``top`` listed
    more_combinations: int


def overlap(frame: pl.DataFrame, ruleset: RuleSet, *, top: int = 10) -> Overlap:
    """Overlap of the segments of ``ruleset`` over a built customer view.

    Parameters
    ----------
    frame
        The single customer view.
    ruleset
        Its segments are each evaluated on their own, within the universe.
    top
        How many exact combinations to list.

    Examples
    --------
    >>> from segtui.rules import Rule, Segment
    >>> view = pl.DataFrame({"customer_id": ["a", "b", "c", "d"], "orders": [1, 4, 2, 5],
    ...                      "revenue": [1.0, 8.0, 3.0, 9.0]})
    >>> rs = RuleSet([Segment("Loyal", [Rule("orders >= 2")]), Segment("Big", [Rule("revenue > 5")])])
    >>> result = overlap(view, rs)
    >>> result.matrix.select("row", "column", "customers", "row_pct").rows()
    [('Loyal', 'Loyal', 3, 100.0), ('Loyal', 'Big', 2, 66.66666666666667), ('Big', 'Loyal', 2, 100.0), ('Big', 'Big', 2, 100.0)]
    >>> result.combinations.select("label", "customers").rows()
    [('Loyal + Big', 2), ('(no segment)', 1), ('Loyal', 1)]
    """
    return overlap_of_snapshot(snapshot_of_frame(frame, ruleset, None), top=top)


def overlap_of_snapshot(snap: Snapshot, *, top: int = 10) -> Overlap:
    """Overlap from an already evaluated snapshot (see ``overlap``)."""
    names = snap.segments
    n = len(names)
    inside = snap.frame.filter(pl.col("universe"))
    cents = pl.col("cents")
    sums: list[pl.Expr] = []
    for i in range(n):
        for j in range(n):
            both = pl.col(f"m{i}") & pl.col(f"m{j}")
            sums += [both.sum().alias(f"n{i}_{j}"), cents.filter(both).sum().alias(f"c{i}_{j}")]
    totals = inside.select(pl.len().alias("n"), cents.sum().alias("c"), *sums).row(0, named=True)
    size = [int(totals[f"n{i}_{i}"]) for i in range(n)]

    rows: dict[str, list] = {k: [] for k in ("row", "column", "customers", "row_pct", "jaccard", "revenue")}
    for i in range(n):
        for j in range(n):
            both = int(totals[f"n{i}_{j}"])
            either = size[i] + size[j] - both
            values = (
                names[i],
                names[j],
                both,
                100.0 * both / size[i] if size[i] else None,
                both / either if either else None,
                int(totals[f"c{i}_{j}"] or 0) / 100,
            )
            for key, value in zip(rows, values):
                rows[key].append(value)
    matrix = pl.DataFrame(
        rows,
        schema={"row": pl.String, "column": pl.String, "customers": pl.Int64, "row_pct": pl.Float64,
                "jaccard": pl.Float64, "revenue": pl.Float64},
    )
    segments = pl.DataFrame(
        {"segment": names, "customers": size, "revenue": [int(totals[f"c{i}_{i}"] or 0) / 100 for i in range(n)]},
        schema={"segment": pl.String, "customers": pl.Int64, "revenue": pl.Float64},
    )
    combos, more = _combinations(inside, names, top, int(totals["n"]))
    return Overlap(
        segments=segments,
        matrix=matrix,
        combinations=combos,
        universe_customers=int(totals["n"]),
        universe_revenue=int(totals["c"] or 0) / 100,
        more_combinations=more,
    )


def _combinations(inside: pl.DataFrame, names: list[str], top: int, universe: int) -> tuple[pl.DataFrame, int]:
    """The ``top`` most common exact sets of segments, and how many more sets exist."""
    masks = [f"m{i}" for i in range(len(names))]
    schema = {"segments": pl.List(pl.String), "label": pl.String, "customers": pl.Int64,
              "pct_customers": pl.Float64, "revenue": pl.Float64}
    if inside.height == 0:
        return pl.DataFrame(schema=schema), 0
    if masks:
        grouped = inside.group_by(masks).agg(pl.len().alias("customers"), pl.col("cents").sum())
    else:
        grouped = inside.select(pl.len().alias("customers"), pl.col("cents").sum())
    records = []
    for row in grouped.iter_rows(named=True):
        members = [name for name, mask in zip(names, masks) if row[mask]]
        label = " + ".join(members) if members else NO_SEGMENT
        customers = int(row["customers"])
        records.append((members, label, customers, 100.0 * customers / universe, int(row["cents"] or 0) / 100))
    records.sort(key=lambda r: (-r[2], r[1]))
    return pl.DataFrame(records[:top], schema=schema, orient="row"), max(0, len(records) - top)
