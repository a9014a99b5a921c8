"""Who moved where between two dates: a transition matrix of a rule set's segments.

The customer view is built as of each date from the same transactions (see snapshots.py),
the rule set evaluated at both, and customers counted by (segment at FROM, segment at TO).
Each cell also carries the revenue those customers spent between the dates (the change in
their net revenue: lines dated after FROM and up to TO), summed in whole cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import polars as pl

from segtui.analysis.snapshots import OUTSIDE, Snapshot, snapshot, snapshot_of_frame
from segtui.errors import SegtuiError
from segtui.evaluate import UNASSIGNED
from segtui.read.transactions import Transactions
from segtui.rules import RuleSet

if TYPE_CHECKING:  # pragma: no cover
    from segtui.dataset import Dataset

__all__ = ["Migration", "migrate", "migrate_dataset", "migration_of_snapshots", "default_from", "NOT_YET", "DEFAULT_DAYS"]

#: Days between FROM and TO when FROM is not given.
DEFAULT_DAYS = 90

#: Row label of customers whose first transaction is after FROM.
NOT_YET = "(not yet a customer)"

_MATRIX_SCHEMA = {
    "from": pl.String, "to": pl.String, "customers": pl.Int64, "row_pct": pl.Float64,
    "revenue": pl.Float64, "direction": pl.String,
}
_SEGMENT_SCHEMA = {
    "segment": pl.String, "customers_from": pl.Int64, "customers_to": pl.Int64, "stayed": pl.Int64,
    "entered": pl.Int64, "entered_new": pl.Int64, "left": pl.Int64, "stayed_revenue": pl.Float64,
    "entered_revenue": pl.Float64, "left_revenue": pl.Float64,
}


@dataclass
class Migration:
    """Movement of customers between the segments of two dates.

    ``matrix`` (first_match rule sets only, else None): one row per (from, to) pair, dense
    and row-major: rows are the segments in file order, UNASSIGNED, OUTSIDE (only with a
    universe) and NOT_YET; columns the same without NOT_YET.  customers, row_pct (0-100 of
    the row; null for an empty row), revenue (spent between the dates) and direction:
    "stay" on the diagonal, "forward" to a later segment in file order, "backward" to an
    earlier one, null when either side is not a segment.  Every customer of TO is in
    exactly one cell.

    ``segments`` (both modes), per segment: customers_from, customers_to, stayed (in it at
    both dates), entered (at TO, not at FROM), entered_new (of those, not yet customers at
    FROM), left (at FROM, not at TO) and the revenue between the dates of the stayed,
    entered and left customers.  Membership is the assignment in first_match and each
    segment on its own in overlap mode.
    """

    from_date: date
    to_date: date
    assign: str
    rows: list[str]
    columns: list[str]
    matrix: pl.DataFrame | None
    segments: pl.DataFrame
    customers_from: int
    customers_to: int


def migrate(
    transactions: Transactions,
    ruleset: RuleSet,
    from_date: date,
    to_date: date,
    *,
    first_date: date,
    to_snapshot: Snapshot | None = None,
) -> Migration:
    """Build the snapshots of both dates and compare them (see ``Migration``).

    Parameters
    ----------
    transactions
        The loaded transactions (read again, pruned, for each date).
    ruleset
        Evaluated at both dates with its lifecycle windows and universe.
    from_date, to_date
        The two as-of dates (inclusive); FROM must be before TO.
    first_date
        The first transaction's date (before it nobody is a customer yet).
    to_snapshot
        The snapshot of TO when the caller has it already (e.g. from the full view).

    Raises
    ------
    SegtuiError
        FROM is not before TO.
    """
    if from_date >= to_date:
        raise SegtuiError(f"--from {from_date} must be before --to {to_date}", title="Bad dates")
    before = snapshot(transactions, ruleset, from_date, first_date=first_date)
    after = to_snapshot if to_snapshot is not None else snapshot(transactions, ruleset, to_date, first_date=first_date)
    return migration_of_snapshots(before, after, ruleset)


def _labels(ruleset: RuleSet) -> list[str]:
    """Segment labels of one date, in display order."""
    return [seg.name for seg in ruleset.segments] + [UNASSIGNED] + ([OUTSIDE] if ruleset.universe else [])


def migration_of_snapshots(before: Snapshot, after: Snapshot, ruleset: RuleSet) -> Migration:
    """Compare two snapshots of the same rule set (see ``Migration``).

    Examples
    --------
    >>> from segtui.analysis.snapshots import snapshot_of_frame
    >>> from segtui.rules import Rule, Segment
    >>> rs = RuleSet([Segment("Big", [Rule("revenue >= 10")]), Segment("Small", [Rule("revenue > 0")])])
    >>> jan = pl.DataFrame({"customer_id": ["a", "b"], "revenue": [12.0, 3.0]})
    >>> feb = pl.DataFrame({"customer_id": ["a", "b", "c"], "revenue": [12.0, 13.0, 1.0]})
    >>> m = migration_of_snapshots(snapshot_of_frame(jan, rs, date(2024, 1, 31)),
    ...                            snapshot_of_frame(feb, rs, date(2024, 2, 29)), rs)
    >>> m.matrix.filter(pl.col("customers") > 0).select("from", "to", "customers", "revenue", "direction").rows()
    [('Big', 'Big', 1, 0.0, 'stay'), ('Small', 'Big', 1, 10.0, 'backward'), ('(not yet a customer)', 'Small', 1, 1.0, None)]
    """
    names = before.segments
    masks = [f"m{i}" for i in range(len(names))]
    joined = after.frame.join(
        before.frame.select("customer_id", "cents", "segment", *masks),
        on="customer_id",
        how="left",
        suffix="_from",
    ).with_columns(
        (pl.col("cents") - pl.col("cents_from").fill_null(0)).alias("spent"),
        pl.col("segment_from").fill_null(NOT_YET),
        pl.col("segment_from").is_null().alias("new"),
    )
    first_match = ruleset.assign == "first_match"
    columns = _labels(ruleset)
    rows = columns + [NOT_YET]
    matrix = _matrix(joined, rows, columns, names) if first_match else None
    if first_match:
        members = [(pl.col("segment_from") == name, pl.col("segment") == name) for name in names]
    else:
        members = [(pl.col(f"{m}_from").fill_null(False), pl.col(m)) for m in masks]
    return Migration(
        from_date=before.as_of,  # type: ignore[arg-type]
        to_date=after.as_of,  # type: ignore[arg-type]
        assign=ruleset.assign,
        rows=rows,
        columns=columns,
        matrix=matrix,
        segments=_per_segment(joined, names, members),
        customers_from=before.frame.height,
        customers_to=after.frame.height,
    )


def _direction(row: str, column: str, names: list[str]) -> str | None:
    if row not in names or column not in names:
        return None
    i, j = names.index(row), names.index(column)
    return "stay" if i == j else ("forward" if j > i else "backward")


def _matrix(joined: pl.DataFrame, rows: list[str], columns: list[str], names: list[str]) -> pl.DataFrame:
    counted = joined.group_by("segment_from", "segment").agg(pl.len().alias("n"), pl.col("spent").sum().alias("c"))
    cells = {(r["segment_from"], r["segment"]): (int(r["n"]), int(r["c"] or 0)) for r in counted.iter_rows(named=True)}
    records = []
    for row in rows:
        total = sum(cells.get((row, column), (0, 0))[0] for column in columns)
        for column in columns:
            n, c = cells.get((row, column), (0, 0))
            records.append((row, column, n, 100.0 * n / total if total else None, c / 100, _direction(row, column, names)))
    return pl.DataFrame(records, schema=_MATRIX_SCHEMA, orient="row")


def _per_segment(joined: pl.DataFrame, names: list[str], members: list[tuple[pl.Expr, pl.Expr]]) -> pl.DataFrame:
    """stayed / entered / left per segment, in one select over the joined dates."""
    spent = pl.col("spent")
    exprs: list[pl.Expr] = []
    for i, (was, now) in enumerate(members):
        stayed, entered, left = was & now, now & ~was, was & ~now
        exprs += [
            was.sum().alias(f"f{i}"), now.sum().alias(f"t{i}"), stayed.sum().alias(f"s{i}"),
            entered.sum().alias(f"e{i}"), (entered & pl.col("new")).sum().alias(f"n{i}"), left.sum().alias(f"l{i}"),
            spent.filter(stayed).sum().alias(f"sc{i}"), spent.filter(entered).sum().alias(f"ec{i}"),
            spent.filter(left).sum().alias(f"lc{i}"),
        ]
    if not exprs:
        return pl.DataFrame(schema=_SEGMENT_SCHEMA)
    got = joined.select(exprs).row(0, named=True)
    records = [
        (name, *(int(got[f"{k}{i}"] or 0) for k in "ftsenl"), *(int(got[f"{k}{i}"] or 0) / 100 for k in ("sc", "ec", "lc")))
        for i, name in enumerate(names)
    ]
    return pl.DataFrame(records, schema=_SEGMENT_SCHEMA, orient="row")


def default_from(to_date: date) -> date:
    """``--from`` when it is not given: 90 days before TO.

    Examples
    --------
    >>> default_from(date(2026, 1, 1))
    datetime.date(2025, 10, 3)
    """
    return to_date - timedelta(days=DEFAULT_DAYS)


def migrate_dataset(dataset: "Dataset", ruleset: RuleSet, from_date: date | None = None, to_date: date | None = None) -> Migration:
    """``migrate`` on a loaded dataset: TO defaults to its as-of date, FROM to 90 days earlier.

    When TO is the as-of date of the dataset's view, that view is TO's snapshot (no rebuild).
    """
    view = dataset.view
    to_date = to_date or view.as_of
    from_date = from_date or default_from(to_date)
    after = snapshot_of_frame(view.frame, ruleset, to_date) if to_date == view.as_of else None
    return migrate(dataset.transactions, ruleset, from_date, to_date, first_date=view.first_date, to_snapshot=after)
