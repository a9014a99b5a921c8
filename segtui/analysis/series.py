"""Snapshots at many dates from one pass over the transactions (drift's fast path).

Rebuilding the whole view per date costs one build each.  When the rule set refers only to
metrics that accumulate over time (``CUMULATIVE``: counts and sums, first and last dates,
and what is derived from them — recency, tenure, scores, lifecycle), the transactions are
read once: each line and order is tagged with the first date it is part of, the per-(customer,
date) increments are summed once, and a running sum / min / max per customer gives every
customer's figures at every date.  Each date then needs only a linear scan of that running
table, the as-of metrics and the scores.  Any other metric falls back to one pruned build per
date (``snapshot``).  Both paths are checked against plain ``build_customers`` in the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import polars as pl

from segtui.analysis.snapshots import Snapshot, empty_snapshot, referenced_columns, snapshot, snapshot_of_frame
# _normalise brings raw transactions to canonical form exactly as the view does; sharing it
# keeps "an order without an id", "a negative amount is a return" defined in one place
from segtui.customers import Lifecycle, _normalise, lifecycle_expr, score_exprs
from segtui.read.transactions import Transactions
from segtui.rules import RuleSet

__all__ = ["CUMULATIVE", "snapshots_at", "cumulative_views", "cumulative_supported"]

#: View columns the one-pass path computes (identically to ``build_customers``).
CUMULATIVE = frozenset({
    "customer_id", "orders", "revenue", "gross_revenue", "returns_amount", "aov", "items",
    "first_order_date", "last_order_date", "recency_days", "tenure_days", "active_span_days",
    "purchase_days", "repeat_purchase_days", "avg_days_between_orders",
    "r_score", "f_score", "m_score", "rfm", "revenue_percentile", "lifecycle",
})


_SCORES = frozenset({"r_score", "f_score", "m_score", "rfm", "revenue_percentile"})


def cumulative_supported(ruleset: RuleSet) -> bool:
    """Whether every column the rule set refers to is one the one-pass path computes.

    Examples
    --------
    >>> from segtui.rules import Rule, Segment
    >>> cumulative_supported(RuleSet([Segment("A", [Rule("recency_days <= 90 AND r_score >= 4")])]))
    True
    >>> cumulative_supported(RuleSet([Segment("A", [Rule("country = 'FR'")])]))
    False
    """
    return referenced_columns(ruleset) <= CUMULATIVE


def snapshots_at(
    transactions: Transactions,
    ruleset: RuleSet,
    dates: list[date],
    *,
    first_date: date,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Snapshot]:
    """The snapshot of each date (ascending), as ``snapshot`` would build it.

    ``progress`` is called with (done, total) after each date.
    """
    if not cumulative_supported(ruleset):
        for done, day in enumerate(dates, start=1):
            yield snapshot(transactions, ruleset, day, first_date=first_date)
            if progress is not None:
                progress(done, len(dates))
        return
    views = cumulative_views(transactions, dates, ruleset.lifecycle, columns=referenced_columns(ruleset))
    for done, (day, view) in enumerate(views, start=1):
        yield empty_snapshot(ruleset, day) if view.height == 0 else snapshot_of_frame(view, ruleset, day)
        if progress is not None:
            progress(done, len(dates))


def cumulative_views(
    transactions: Transactions,
    dates: list[date],
    lifecycle: Lifecycle = Lifecycle(),
    *,
    columns: set[str] | None = None,
) -> Iterator[tuple[date, pl.DataFrame]]:
    """(date, view) for each date: the ``CUMULATIVE`` columns of the view as of that date.

    The transactions are read once; each view has the customers with a transaction on or
    before its date (none before the first transaction), sorted by customer_id.  With
    ``columns``, the scores and the lifecycle (the costly per-date ranks) are computed only
    when named there.

    Examples
    --------
    >>> from datetime import datetime
    >>> lf = pl.LazyFrame({"customer_id": ["a", "a", "b"], "order_id": ["1", "2", "3"],
    ...     "order_date": [datetime(2024, 1, 1), datetime(2024, 2, 11), datetime(2024, 2, 5)],
    ...     "amount": [10.0, 30.0, 5.0], "is_return": [False, False, False]})
    >>> tx = Transactions(frame=lf, source=None, mapping={})
    >>> [(d.isoformat(), v.select("customer_id", "orders", "revenue", "recency_days").rows())
    ...  for d, v in cumulative_views(tx, [date(2024, 1, 31), date(2024, 2, 29)])]
    [('2024-01-31', [('a', 1, 10.0, 30)]), ('2024-02-29', [('a', 2, 40.0, 18), ('b', 1, 5.0, 24)])]
    """
    running = _running_totals(transactions, dates)
    scores = columns is None or bool(columns & _SCORES)
    stage = columns is None or "lifecycle" in columns
    for index, day in enumerate(dates):
        yield day, _view_at(running, index, day, lifecycle, scores=scores, stage=stage)


def _running_totals(transactions: Transactions, dates: list[date]) -> pl.DataFrame:
    """Per customer and date index ``p`` at which something changed: running totals up to it.

    Sorted by customer_id, then p.  Columns: customer_id, p, revenue, gross, returned, items
    (when there is a quantity), orders, purchase_days (running sums), any_min / any_max (first
    and last day of any order), buy_min / buy_max (of purchase orders; running min / max).
    """
    lf = transactions.frame
    schema = lf.collect_schema()
    keep = [c for c in ("customer_id", "order_id", "order_date", "amount", "is_return", "quantity") if c in schema]
    lines = _normalise(lf.select(keep), lf.select(keep).collect_schema())
    ends = pl.Series("ends", dates, dtype=pl.Date)
    buy_line = ~pl.col("is_return").fill_null(False)
    amount = pl.col("amount")
    # p = index of the first date a line is part of (its date <= that date); lines after the
    # last date are never part of any
    lines = lines.with_columns(p=pl.lit(ends).search_sorted(pl.col("order_date").dt.date(), side="left").cast(pl.Int32))
    # read once: the money sums and the orders both come from these lines
    lines = lines.filter(pl.col("p") < len(dates)).cache()

    sums = [amount.sum().alias("revenue"), amount.clip(lower_bound=0).sum().alias("gross"),
            amount.clip(upper_bound=0).sum().alias("returned")]
    if "quantity" in schema:
        sums.append(pl.when(buy_line).then(pl.col("quantity")).otherwise(0).sum().alias("items"))
    money = lines.group_by("customer_id", "p").agg(sums)

    # An order's date is its earliest line's (part of every date the order is); it counts as a
    # purchase from the first date one of its non-return lines is part of.
    orders = lines.group_by("customer_id", "order_id").agg(
        pl.col("order_date").min().dt.date().alias("day"),
        pl.col("p").min().alias("p"),
        pl.col("p").filter(buy_line).min().alias("p_buy"),
    ).cache()
    seen = orders.group_by("customer_id", "p").agg(pl.col("day").min().alias("any_min"), pl.col("day").max().alias("any_max"))
    buys = orders.filter(pl.col("p_buy").is_not_null())
    bought = buys.group_by("customer_id", pl.col("p_buy").alias("p")).agg(
        pl.len().cast(pl.Int64).alias("orders"),
        pl.col("day").min().alias("buy_min"),
        pl.col("day").max().alias("buy_max"),
    )
    # a purchase day counts from the first date any purchase order on that day is part of
    days = (
        buys.group_by("customer_id", "day").agg(pl.col("p_buy").min().alias("p"))
        .group_by("customer_id", "p").agg(pl.len().cast(pl.Int64).alias("purchase_days"))
    )
    events = pl.concat([money, seen, bought, days], how="diagonal_relaxed")
    firsts = ["revenue", "gross", "returned", *(["items"] if "quantity" in schema else []), "orders", "purchase_days"]
    per_step = events.group_by("customer_id", "p").agg(
        *(pl.col(c).sum() for c in firsts),
        pl.col("any_min").min(), pl.col("any_max").max(), pl.col("buy_min").min(), pl.col("buy_max").max(),
    ).sort("customer_id", "p")
    by_customer = "customer_id"
    running = per_step.with_columns(
        *(pl.col(c).cum_sum().over(by_customer) for c in firsts),
        # a step without such an order has null here: carry the running value forward
        *(pl.col(c).cum_min().forward_fill().over(by_customer) for c in ("any_min", "buy_min")),
        *(pl.col(c).cum_max().forward_fill().over(by_customer) for c in ("any_max", "buy_max")),
    )
    return running.collect()


def _view_at(
    running: pl.DataFrame, index: int, day: date, lifecycle: Lifecycle, *, scores: bool = True, stage: bool = True
) -> pl.DataFrame:
    """The cumulative columns of the customer view as of ``dates[index]`` (= ``day``)."""
    upto = running.filter(pl.col("p") <= index)
    # sorted by customer, then p: a customer's figures at ``index`` are on their last row
    last = upto.filter((pl.col("customer_id") != pl.col("customer_id").shift(-1)).fill_null(True))
    orders = pl.col("orders").fill_null(0)
    first = pl.coalesce("buy_min", "any_min").alias("first_order_date")
    final = pl.coalesce("buy_max", "any_max").alias("last_order_date")
    pdays = pl.col("purchase_days").fill_null(0)
    base = last.select(
        "customer_id",
        orders.alias("orders"),
        pl.col("revenue"),
        pl.col("gross").alias("gross_revenue"),
        (-pl.col("returned") + 0.0).alias("returns_amount"),  # + 0.0 turns -0.0 into 0.0
        *([pl.col("items")] if "items" in running.columns else []),
        first,
        final,
        pdays.alias("purchase_days"),
    )
    span = (pl.col("last_order_date") - pl.col("first_order_date")).dt.total_days().cast(pl.Int64)
    frame = base.with_columns(
        pl.when(pl.col("orders") > 0).then(pl.col("revenue") / pl.col("orders")).alias("aov"),
        (pl.lit(day) - pl.col("last_order_date")).dt.total_days().cast(pl.Int64).alias("recency_days"),
        (pl.lit(day) - pl.col("first_order_date")).dt.total_days().cast(pl.Int64).alias("tenure_days"),
        span.alias("active_span_days"),
        (pl.col("purchase_days") - 1).clip(lower_bound=0).alias("repeat_purchase_days"),
        pl.when(pl.col("purchase_days") > 1).then(span / (pl.col("purchase_days") - 1)).alias("avg_days_between_orders"),
    )
    if scores:
        frame = frame.with_columns(score_exprs())
    return frame.with_columns(lifecycle_expr(lifecycle)) if stage else frame
