"""Snapshots at many dates from one pass over the transactions (drift's fast path).

Rebuilding the whole view per date costs one build each.  When the rule set refers only to
metrics that accumulate over time (``CUMULATIVE``: counts, sums and distinct counts, first,
second and last purchase dates, and what is derived from them — recency, tenure, shares,
scores, lifecycle), the transactions are
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
# _normalise, _discount_flag and _has_discount_amount define, as the view does, what an order
# without an id, a return and a discount are: shared so that they stay defined in one place
from segtui.customers import (
    _MONEY_UNITS,
    Lifecycle,
    _discount_flag,
    _has_discount_amount,
    _money_units,
    _normalise,
    finish_money,
    lifecycle_expr,
    money_unit,
    with_scores,
)
from segtui.read.transactions import Transactions
from segtui.rules import RuleSet

__all__ = ["CUMULATIVE", "snapshots_at", "cumulative_views", "cumulative_supported"]

#: View columns the one-pass path computes (identically to ``build_customers``).
CUMULATIVE = frozenset({
    "customer_id", "orders", "revenue", "gross_revenue", "returns_amount", "aov", "items",
    "first_order_date", "last_order_date", "recency_days", "tenure_days", "active_span_days",
    "purchase_days", "repeat_purchase_days", "avg_days_between_orders", "days_to_second_order",
    "discount_orders", "discount_order_share", "discount_amount", "distinct_products",
    "distinct_categories", "weekend_order_share", "q4_revenue_share",
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
    running, unit = _running_totals(transactions, dates, columns)
    scores = columns is None or bool(columns & _SCORES)
    stage = columns is None or "lifecycle" in columns
    for index, day in enumerate(dates):
        yield day, _view_at(running, unit, index, day, lifecycle, scores=scores, stage=stage)


#: Optional view metric -> the transaction column it needs (beyond the base ones).
_SOURCES = {
    "items": "quantity", "discount_orders": "discount", "discount_order_share": "discount",
    "discount_amount": "discount", "distinct_products": "product", "distinct_categories": "category",
}
#: Optional view metric -> the running column it is computed from.
_RUNNING = {
    "items": "items", "discount_orders": "discount_orders", "discount_order_share": "discount_orders",
    "discount_amount": "discount_amount", "distinct_products": "distinct_products",
    "distinct_categories": "distinct_categories", "q4_revenue_share": "q4", "weekend_order_share": "weekend",
    "days_to_second_order": "second",
}


def _wanted(transactions: Transactions, schema: pl.Schema, columns: set[str] | None) -> set[str]:
    """Running columns to compute: those ``columns`` need (all when None) that the data supports."""
    names = set(_RUNNING) if columns is None else columns & set(_RUNNING)
    names = {n for n in names if _SOURCES.get(n, "amount") in schema}
    if "discount_amount" in names and not _has_discount_amount(schema, transactions.discount_kind):
        names.discard("discount_amount")
    return {_RUNNING[n] for n in names}


def _running_totals(
    transactions: Transactions, dates: list[date], columns: set[str] | None = None
) -> tuple[pl.DataFrame, int]:
    """Per customer and date index ``p`` at which something changed: running totals up to it,
    and the unit its money sums are held in (as the view picks it, see ``money_unit``).

    Money is summed in whole units (integers), exactly as the view sums it.

    Sorted by customer_id, then p.  Always: customer_id, p, revenue, gross, returned, orders,
    purchase_days (running sums), any_min / any_max (first and last day of any order) and
    buy_min / buy_max (of purchase orders; running min / max); then what ``columns`` need.
    """
    lf = transactions.frame
    schema = lf.collect_schema()
    wanted = _wanted(transactions, schema, columns)
    sources = {"quantity": "items", "discount": "discount_orders", "product": "distinct_products",
               "category": "distinct_categories"}
    keep = ["customer_id", "order_id", "order_date", "amount", "is_return"]
    keep = [c for c in keep if c in schema]
    keep += [c for c, need in sources.items() if c in schema and (need in wanted or (c == "discount" and "discount_amount" in wanted))]
    lines = _normalise(lf.select(keep), lf.select(keep).collect_schema())
    ends = pl.Series("ends", dates, dtype=pl.Date)
    buy_line = ~pl.col("is_return").fill_null(False)
    # p = index of the first date a line is part of (its date <= that date); lines after the
    # last date are never part of any
    lines = lines.with_columns(p=pl.lit(ends).search_sorted(pl.col("order_date").dt.date(), side="left").cast(pl.Int32))
    # read once: the money sums and the orders both come from these lines
    lines = lines.filter(pl.col("p") < len(dates)).cache()

    def plan(unit: int) -> pl.LazyFrame:
        amount = _money_units(pl.col("amount"), unit)
        sums = [amount.sum().alias("revenue"), amount.clip(lower_bound=0).sum().alias("gross"),
                amount.clip(upper_bound=0).sum().alias("returned")]
        if "items" in wanted:
            sums.append(pl.when(buy_line).then(pl.col("quantity")).otherwise(0).sum().alias("items"))
        if "discount_amount" in wanted:
            sums.append(_money_units(pl.col("discount"), unit).sum().alias("discount_amount"))
        if "q4" in wanted:
            sums.append(pl.when(pl.col("order_date").dt.month() >= 10).then(amount).otherwise(0).sum().alias("q4"))
        money = [s.meta.output_name() for s in sums]
        part_aggs = [*sums, pl.col("order_date").min().alias("ts"), buy_line.any().alias("buy")]
        if "discount_orders" in wanted:  # discounted from its first discounted purchase line
            part_aggs.append((_discount_flag(schema) & buy_line).any().alias("disc"))
        parts = lines.group_by("customer_id", "order_id", "p").agg(part_aggs).cache()
        events = [parts.group_by("customer_id", "p").agg(pl.col(m).sum() for m in money)]

        # An order's date is its earliest line's (part of every date the order is); it counts as a
        # purchase from the first date one of its non-return lines is part of.
        order_aggs = [
            pl.col("ts").min().alias("ts"),
            pl.col("p").min().alias("p"),
            pl.col("p").filter("buy").min().alias("p_buy"),
        ]
        if "discount_orders" in wanted:
            order_aggs.append(pl.col("p").filter("disc").min().alias("p_disc"))
        orders = parts.group_by("customer_id", "order_id").agg(order_aggs).with_columns(day=pl.col("ts").dt.date()).cache()
        events.append(orders.group_by("customer_id", "p").agg(pl.col("day").min().alias("any_min"), pl.col("day").max().alias("any_max")))
        buys = orders.filter(pl.col("p_buy").is_not_null())
        bought = [pl.len().cast(pl.Int64).alias("orders"), pl.col("day").min().alias("buy_min"), pl.col("day").max().alias("buy_max")]
        if "weekend" in wanted:
            bought.append((pl.col("ts").dt.weekday() >= 6).sum().alias("weekend"))
        events.append(buys.group_by("customer_id", pl.col("p_buy").alias("p")).agg(bought))
        if "discount_orders" in wanted:
            events.append(
                orders.filter(pl.col("p_disc").is_not_null())
                .group_by("customer_id", pl.col("p_disc").alias("p")).agg(pl.len().cast(pl.Int64).alias("discount_orders"))
            )
        # a purchase day counts from the first date any purchase order on that day is part of
        days = buys.group_by("customer_id", "day").agg(pl.col("p_buy").min().alias("p"))
        events.append(_first_seen(days, "purchase_days"))
        for column, name in (("product", "distinct_products"), ("category", "distinct_categories")):
            if name in wanted:
                values = lines.filter(pl.col(column).is_not_null()).group_by("customer_id", column).agg(pl.col("p").min())
                events.append(_first_seen(values, name))
        if "second" in wanted:
            events.append(_second_days(days))

        sums_ = ["revenue", "gross", "returned", "orders", "purchase_days"]
        sums_ += [c for c in ("items", "discount_amount", "q4", "weekend", "discount_orders", "distinct_products", "distinct_categories") if c in wanted]
        mins = ["any_min", "buy_min", *(["second"] if "second" in wanted else [])]
        maxes = ["any_max", "buy_max"]
        per_step = pl.concat(events, how="diagonal_relaxed").group_by("customer_id", "p").agg(
            *(pl.col(c).sum() for c in sums_), *(pl.col(c).min() for c in mins), *(pl.col(c).max() for c in maxes),
        ).sort("customer_id", "p")
        running = per_step.with_columns(
            *(pl.col(c).cum_sum().over("customer_id") for c in sums_),
            # a step without such an order has null here: carry the running value forward
            *(pl.col(c).cum_min().forward_fill().over("customer_id") for c in mins),
            *(pl.col(c).cum_max().forward_fill().over("customer_id") for c in maxes),
        )
        return running

    # Money sums in whole units, as the view picks them: the finest unit whose sums fit
    # (the absolute total, read in the same pass, says whether they did).
    total = lines.select(pl.col("amount").abs().sum().cast(pl.Float64))
    for unit in _MONEY_UNITS:
        running, money = pl.collect_all([plan(unit), total])
        # None: too large even for cents, which the view (built first) already refused
        if money_unit(money.item()) in (unit, None):
            break
    return running, unit


def _first_seen(values: pl.LazyFrame, name: str) -> pl.LazyFrame:
    """How many distinct values (rows of ``values``: customer_id, value, p) start counting at each p."""
    return values.group_by("customer_id", "p").agg(pl.len().cast(pl.Int64).alias(name))


def _second_days(days: pl.LazyFrame) -> pl.LazyFrame:
    """customer_id, p, second: candidates for the second purchase day, by the point they count from.

    Day k (in date order) is the second purchase day at point i when it and an earlier day
    count by then, so it becomes a candidate at max(its point, the earliest point of an
    earlier day); the second purchase day at i is the smallest candidate with point <= i:
    a running minimum, like the first day's.
    """
    ordered = days.sort("customer_id", "day").with_columns(
        earlier=pl.col("p").cum_min().shift(1).over("customer_id")
    )
    return (
        ordered.filter(pl.col("earlier").is_not_null())
        .group_by("customer_id", pl.max_horizontal("p", "earlier").alias("p"))
        .agg(pl.col("day").min().alias("second"))
    )


def _view_at(
    running: pl.DataFrame,
    unit: int,
    index: int,
    day: date,
    lifecycle: Lifecycle,
    *,
    scores: bool = True,
    stage: bool = True,
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
        (-pl.col("returned")).alias("returns_amount"),
        *(pl.col(c) for c in ("items", "discount_orders", "discount_amount") if c in running.columns),
        # n_unique's dtype, as in the view
        *(pl.col(c).cast(pl.UInt32) for c in ("distinct_products", "distinct_categories") if c in running.columns),
        first,
        final,
        pdays.alias("purchase_days"),
        *(pl.col(c) for c in ("weekend", "second") if c in running.columns),
        *([pl.col("q4").alias("_q4")] if "q4" in running.columns else []),
    )
    base = finish_money(base, unit)
    span = (pl.col("last_order_date") - pl.col("first_order_date")).dt.total_days().cast(pl.Int64)
    frame = base.with_columns(
        pl.when(pl.col("orders") > 0).then(pl.col("revenue") / pl.col("orders")).alias("aov"),
        (pl.lit(day) - pl.col("last_order_date")).dt.total_days().cast(pl.Int64).alias("recency_days"),
        (pl.lit(day) - pl.col("first_order_date")).dt.total_days().cast(pl.Int64).alias("tenure_days"),
        span.alias("active_span_days"),
        (pl.col("purchase_days") - 1).clip(lower_bound=0).alias("repeat_purchase_days"),
        pl.when(pl.col("purchase_days") > 1).then(span / (pl.col("purchase_days") - 1)).alias("avg_days_between_orders"),
    )
    per_order = pl.when(pl.col("orders") > 0)
    extra = {
        "weekend": per_order.then(pl.col("weekend") / pl.col("orders")).alias("weekend_order_share"),
        "second": (pl.col("second") - pl.col("first_order_date")).dt.total_days().cast(pl.Int64).alias("days_to_second_order"),
        "discount_orders": per_order.then(pl.col("discount_orders") / pl.col("orders")).alias("discount_order_share"),
    }
    present = [expr for name, expr in extra.items() if name in frame.columns]
    if present:
        frame = frame.with_columns(present)
    frame = frame.drop(c for c in ("_q4", "weekend", "second") if c in frame.columns)
    if scores:
        frame = with_scores(frame)
    return frame.with_columns(lifecycle_expr(lifecycle)) if stage else frame
