"""Drift: each segment's size and revenue at every period end across the data's span.

A point at date D is what ``segtui apply --as-of D`` reports: the view is built as of D
(see snapshots.py) and the rule set evaluated on it, with its lifecycle windows and universe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import polars as pl

from segtui.analysis.series import snapshots_at
from segtui.analysis.snapshots import Snapshot
from segtui.errors import SegtuiError
from segtui.evaluate import UNASSIGNED
from segtui.read.transactions import Transactions
from segtui.rules import RuleSet

__all__ = ["Drift", "drift", "drift_of_snapshots", "period_ends", "PERIODS"]

Period = Literal["week", "month", "quarter"]
PERIODS: tuple[str, ...] = ("week", "month", "quarter")

_POINT_SCHEMA = {
    "date": pl.Date, "segment": pl.String, "customers": pl.Int64,
    "pct_customers": pl.Float64, "revenue": pl.Float64,
}


@dataclass
class Drift:
    """Segment sizes over time.

    ``points``: date, segment, customers, pct_customers (0-100 of the universe at that
    date; null when it is empty), revenue (the members' net revenue to that date, as
    ``apply`` reports it); dates ascending, segments in rule-set order, plus UNASSIGNED
    in first_match mode.  ``universe``: date, customers, revenue of the universe.
    """

    every: str
    dates: list[date]
    segments: list[str]
    points: pl.DataFrame
    universe: pl.DataFrame


def _period_end(day: date, every: str) -> date:
    """The last day of the period holding ``day`` (weeks end on Sunday)."""
    if every == "week":
        return day + timedelta(days=6 - day.weekday())
    last_month = day.month if every == "month" else ((day.month - 1) // 3) * 3 + 3
    first_of_next = date(day.year + last_month // 12, last_month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def period_ends(first: date, last: date, every: str, count: int) -> list[date]:
    """The last ``count`` period ends from the period holding ``first`` up to ``last`` (inclusive).

    Examples
    --------
    >>> period_ends(date(2024, 1, 15), date(2024, 4, 30), "month", 24)
    [datetime.date(2024, 1, 31), datetime.date(2024, 2, 29), datetime.date(2024, 3, 31), datetime.date(2024, 4, 30)]
    >>> period_ends(date(2024, 1, 15), date(2024, 12, 30), "quarter", 2)
    [datetime.date(2024, 6, 30), datetime.date(2024, 9, 30)]
    >>> period_ends(date(2024, 1, 3), date(2024, 1, 20), "week", 9)
    [datetime.date(2024, 1, 7), datetime.date(2024, 1, 14)]
    """
    if every not in PERIODS:
        raise SegtuiError(f"{every!r} is not one of {', '.join(PERIODS)}", title="Bad period")
    ends: list[date] = []
    end = _period_end(first, every)
    while end <= last:
        ends.append(end)
        end = _period_end(end + timedelta(days=1), every)
    return ends[-count:] if count > 0 else []


def drift(
    transactions: Transactions,
    ruleset: RuleSet,
    *,
    first_date: date,
    as_of: date,
    every: str = "month",
    last: int = 24,
    progress: Callable[[int, int], None] | None = None,
) -> Drift:
    """Evaluate the rule set at the last ``last`` period ends up to ``as_of``.

    Parameters
    ----------
    transactions
        The loaded transactions.
    ruleset
        Evaluated at every date with its lifecycle windows and universe.
    first_date, as_of
        The data's first transaction date and as-of date: the span the period ends lie in.
    every
        "week" (ends on Sunday), "month" or "quarter".
    last
        How many period ends, the most recent ones.
    progress
        Called with (done, total) after each date, e.g. for a progress bar.

    Raises
    ------
    SegtuiError
        Unknown period, or no period ends inside the data's span.
    """
    if last < 1:
        raise SegtuiError(f"--last must be at least 1, not {last}", title="Bad period")
    dates = period_ends(first_date, as_of, every, last)
    if not dates:
        raise SegtuiError(
            f"no {every} ends between {first_date} and {as_of}: try a shorter period", title="Bad period"
        )
    snaps = list(snapshots_at(transactions, ruleset, dates, first_date=first_date, progress=progress))
    return drift_of_snapshots(snaps, ruleset, every)


def drift_of_snapshots(snaps: list[Snapshot], ruleset: RuleSet, every: str) -> Drift:
    """Count each snapshot's segments (see ``Drift``).

    Examples
    --------
    >>> from segtui.analysis.snapshots import snapshot_of_frame
    >>> from segtui.rules import Rule, Segment
    >>> rs = RuleSet([Segment("Big", [Rule("revenue >= 10")])])
    >>> jan = pl.DataFrame({"customer_id": ["a", "b"], "revenue": [12.0, 3.0]})
    >>> feb = pl.DataFrame({"customer_id": ["a", "b"], "revenue": [12.0, 13.0]})
    >>> d = drift_of_snapshots([snapshot_of_frame(jan, rs, date(2024, 1, 31)),
    ...                         snapshot_of_frame(feb, rs, date(2024, 2, 29))], rs, "month")
    >>> d.points.select("segment", "customers", "revenue").rows()
    [('Big', 1, 12.0), ('Unassigned', 1, 3.0), ('Big', 2, 25.0), ('Unassigned', 0, 0.0)]
    """
    names = [seg.name for seg in ruleset.segments]
    first_match = ruleset.assign == "first_match"
    labels = names + ([UNASSIGNED] if first_match else [])
    if first_match:
        members = [pl.col("segment") == name for name in labels]
    else:
        members = [pl.col(f"m{i}") for i in range(len(names))]
    cents = pl.col("cents")
    points: list[tuple] = []
    universe: list[tuple] = []
    for snap in snaps:
        inside = snap.frame.filter(pl.col("universe"))
        got = inside.select(
            pl.len().alias("n"), cents.sum().alias("c"),
            *(m.sum().alias(f"n{i}") for i, m in enumerate(members)),
            *(cents.filter(m).sum().alias(f"c{i}") for i, m in enumerate(members)),
        ).row(0, named=True)
        total = int(got["n"])
        universe.append((snap.as_of, total, int(got["c"] or 0) / 100))
        for i, label in enumerate(labels):
            n = int(got[f"n{i}"] or 0)
            points.append((snap.as_of, label, n, 100.0 * n / total if total else None, int(got[f"c{i}"] or 0) / 100))
    return Drift(
        every=every,
        dates=[s.as_of for s in snaps],  # type: ignore[misc]
        segments=labels,
        points=pl.DataFrame(points, schema=_POINT_SCHEMA, orient="row"),
        universe=pl.DataFrame(universe, schema={"date": pl.Date, "customers": pl.Int64, "revenue": pl.Float64}, orient="row"),
    )
