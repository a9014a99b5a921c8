"""Campaign readout: what the test and control groups of each segment did after the send.

Membership and groups are taken as of the day before ``start`` (the same rule file and
salt give the same split as at send time); outcomes come from the same transactions
between ``start`` and ``end`` (both days included):

- ``conversion``: share of customers with at least one order (a non-return line);
- ``revenue``: net revenue per customer (returns subtract), 0 for those who bought nothing;
- ``orders``: orders per customer.

For each segment and metric: test and control figures, absolute lift (test − control)
and relative lift (test ÷ control − 1) with 95 % confidence intervals, and a two-sided
p-value — a two-proportion z-test for conversion (Wald interval for the difference, log
interval for the ratio, statsmodels), Welch's t-test for revenue and orders (scipy; the
relative interval is the absolute one over the control mean). The verdict:

- ``significant``: p < 0.05;
- ``too small to tell: needs ≈ N more in control``: not significant, the lift seen is
  positive, and a control group of at most 10× today's size (test growing in proportion)
  would detect it at 80 % power: N is how many more that takes;
- ``not significant``: otherwise (no lift, a negative one, or one too small to matter).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import polars as pl

from segtui.analysis.holdout import CONTROL, TEST, split
from segtui.analysis.stats import ALPHA, needed_control, require
from segtui.errors import SegtuiError
from segtui.rules import RuleSet

if TYPE_CHECKING:  # pragma: no cover
    from segtui.customers import CustomerView, Lifecycle
    from segtui.evaluate import Evaluator
    from segtui.read.transactions import Transactions

__all__ = [
    "METRICS", "READOUT_FIELDS", "SIGNIFICANT", "NOT_SIGNIFICANT", "REACHABLE",
    "membership_lines", "window_outcomes", "members", "readout", "outcomes_of", "check_window",
    "view_before", "last_period_rates", "BASELINE_DAYS",
]

METRICS = ("conversion", "revenue", "orders")
READOUT_FIELDS = (
    "segment", "metric", "test_customers", "control_customers", "test", "control",
    "abs_lift", "abs_lift_low", "abs_lift_high", "rel_lift", "rel_lift_low", "rel_lift_high",
    "p_value", "verdict", "more_control_needed",
)
SIGNIFICANT = "significant"
NOT_SIGNIFICANT = "not significant"
#: a lift that would need a control group more than this many times today's is "not significant"
REACHABLE = 10


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def membership_lines(lines: pl.LazyFrame, start: date) -> pl.LazyFrame:
    """The transactions before ``start``: what the segments were built from at send time."""
    return lines.filter(pl.col("order_date") < _midnight(start))


def view_before(transactions: "Transactions", start: date, lifecycle: "Lifecycle") -> "CustomerView":
    """The customer view as of the day before ``start``, from the transactions before it."""
    from segtui.customers import build_customers

    before = replace(transactions, frame=membership_lines(transactions.frame, start))
    return build_customers(before, as_of=start - timedelta(days=1), lifecycle=lifecycle)


#: days of the "last period" whose conversion is a segment's default baseline
BASELINE_DAYS = 30


def last_period_rates(transactions: "Transactions", ruleset: RuleSet, last_day: date, days: int = BASELINE_DAYS) -> dict[str, float | None]:
    """Each segment's own conversion over the last ``days`` of the data (up to ``last_day``).

    Membership as of the day before that period, as a readout of a campaign sent then
    would take it; the share of members with an order in the period. None for a
    segment with no members then (or when no transaction precedes the period).
    """
    from segtui.evaluate import Evaluator

    start = last_day - timedelta(days=days - 1)
    try:
        view = view_before(transactions, start, ruleset.lifecycle)
    except SegtuiError:
        return {}
    evaluator = Evaluator(view.frame)
    universe, masks = evaluator.segment_masks(ruleset)
    bought = set(window_outcomes(transactions.frame, start, last_day).filter(pl.col("orders") > 0)["customer_id"])
    converted = view.frame["customer_id"].is_in(list(bought))
    rates: dict[str, float | None] = {}
    for seg, mask in zip(ruleset.segments, masks):
        rows = mask & universe
        n = int(rows.sum())
        rates[seg.name] = int((converted & rows).sum()) / n if n else None
    return rates


def window_outcomes(lines: pl.LazyFrame, start: date, end: date) -> pl.DataFrame:
    """Per customer who transacted from ``start`` to ``end`` (inclusive): ``orders`` and ``revenue``.

    Examples
    --------
    >>> lines = pl.LazyFrame({"customer_id": ["a", "a", "b", "b"], "order_id": ["1", "2", "3", "C4"],
    ...     "order_date": [datetime(2026, 3, d) for d in (1, 2, 31, 5)], "amount": [10.0, 5.0, 7.0, -2.0],
    ...     "is_return": [False, False, False, True]})
    >>> window_outcomes(lines, date(2026, 3, 1), date(2026, 3, 30)).sort("customer_id").rows()
    [('a', 2, 15.0), ('b', 0, -2.0)]
    """
    window = lines.filter(
        (pl.col("order_date") >= _midnight(start)) & (pl.col("order_date") < _midnight(end + timedelta(days=1)))
    )
    bought = ~pl.col("is_return").fill_null(False)
    return (
        window.group_by("customer_id")
        .agg(
            pl.col("order_id").filter(bought).n_unique().cast(pl.Int64).alias("orders"),
            pl.col("amount").sum().alias("revenue"),
        )
        .collect()
    )


def members(evaluator: "Evaluator", ruleset: RuleSet) -> pl.DataFrame:
    """segment, customer_id, group: every member of a segment that a holdout applies to.

    A customer is listed once per segment (in ``overlap``, once in each of theirs).
    """
    found = split(evaluator, ruleset)
    ids = evaluator.customers["customer_id"]
    parts = []
    if found is not None:
        for seg, mask in zip(ruleset.segments, found.masks):
            rows = mask & found.universe & found.labels.is_not_null()
            if rows.any():
                parts.append(pl.DataFrame({"customer_id": ids.filter(rows), "group": found.labels.filter(rows)})
                             .with_columns(pl.lit(seg.name).alias("segment")))
    schema = {"segment": pl.String, "customer_id": pl.String, "group": pl.String}
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts).select(list(schema)).cast(schema)  # type: ignore[arg-type]


def _verdict(p_value: float | None, more: int | None, control: int) -> str:
    if p_value is not None and p_value < ALPHA:
        return SIGNIFICANT
    if more is not None and 0 < more <= REACHABLE * control - control:
        return f"too small to tell: needs ≈ {more:,} more in control"
    return NOT_SIGNIFICANT


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _minus_one(ratio: float) -> float | None:
    value = _finite(ratio)
    return None if value is None else value - 1


def _conversion(test: pl.Series, control: pl.Series) -> dict:
    _, sms = require("segtui readout")
    from statsmodels.stats.proportion import confint_proportions_2indep

    nt, nc = len(test), len(control)
    xt, xc = int(test.sum()), int(control.sum())
    pt, pc = xt / nt, xc / nc
    row: dict = {"test": pt, "control": pc, "abs_lift": pt - pc}
    if 0 < xt + xc < nt + nc:  # someone converted and someone did not: the test is defined
        _, p = sms.proportions_ztest([xt, xc], [nt, nc])
        row["p_value"] = _finite(p)
        low, high = confint_proportions_2indep(xt, nt, xc, nc, method="wald", compare="diff", alpha=ALPHA)
        row["abs_lift_low"], row["abs_lift_high"] = _finite(low), _finite(high)
    if xc > 0 and xt > 0:
        row["rel_lift"] = pt / pc - 1
        low, high = confint_proportions_2indep(xt, nt, xc, nc, method="log", compare="ratio", alpha=ALPHA)
        row["rel_lift_low"], row["rel_lift_high"] = _minus_one(low), _minus_one(high)
    # Cohen's h of the lift seen, for the control size that would detect it
    h = 2 * math.asin(math.sqrt(pt)) - 2 * math.asin(math.sqrt(pc))
    row["_effect"] = h
    return row


def _means(test: pl.Series, control: pl.Series) -> dict:
    stats, _ = require("segtui readout")
    mt, mc = float(test.mean()), float(control.mean())  # type: ignore[arg-type]
    row: dict = {"test": mt, "control": mc, "abs_lift": mt - mc}
    if mc:
        row["rel_lift"] = mt / mc - 1
    spread = float(test.var() or 0) + float(control.var() or 0)
    if len(test) > 1 and len(control) > 1 and spread > 0:
        result = stats.ttest_ind(test.to_numpy(), control.to_numpy(), equal_var=False)
        interval = result.confidence_interval(1 - ALPHA)
        row["p_value"] = _finite(result.pvalue)
        row["abs_lift_low"], row["abs_lift_high"] = _finite(interval.low), _finite(interval.high)
        if mc:
            # over the control mean as if it were known: close enough for a readout
            bounds = sorted((interval.low / mc, interval.high / mc))
            row["rel_lift_low"], row["rel_lift_high"] = _finite(bounds[0]), _finite(bounds[1])
        row["_effect"] = (mt - mc) / math.sqrt(spread / 2)
    return row


def readout(frame: pl.DataFrame, segments: list[str]) -> pl.DataFrame:
    """One row per segment and metric (``READOUT_FIELDS``) from per-member outcomes.

    ``frame`` holds segment, group (test / control), orders and revenue per member (0
    for members who bought nothing); ``segments`` gives the order of the rows.

    Raises
    ------
    SegtuiError
        scipy or statsmodels is not installed (``pip install 'segtui[stats]'``).
    """
    require("segtui readout")
    rows = []
    for name in segments:
        seg = frame.filter(pl.col("segment") == name)
        test, control = seg.filter(pl.col("group") == TEST), seg.filter(pl.col("group") == CONTROL)
        nt, nc = test.height, control.height
        for metric in METRICS:
            row = {key: None for key in READOUT_FIELDS} | {"segment": name, "metric": metric,
                                                          "test_customers": nt, "control_customers": nc}
            if nt and nc:
                if metric == "conversion":
                    row |= _conversion(test["orders"] > 0, control["orders"] > 0)
                else:
                    row |= _means(test[metric].cast(pl.Float64), control[metric].cast(pl.Float64))
                needed = needed_control(row.pop("_effect", 0.0), nc, nt, means=metric != "conversion")
                more = None if needed is None else needed - nc
                row["more_control_needed"] = more if more is not None and more > 0 else None
                row["verdict"] = _verdict(row["p_value"], more, nc)
            else:
                row["verdict"] = "too small to tell: no " + ("control" if not nc else "test") + " customers"
            rows.append(row)
    schema = {key: pl.Float64 for key in READOUT_FIELDS} | {
        "segment": pl.String, "metric": pl.String, "verdict": pl.String,
        "test_customers": pl.Int64, "control_customers": pl.Int64, "more_control_needed": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema).select(READOUT_FIELDS)


def outcomes_of(members_frame: pl.DataFrame, outcomes: pl.DataFrame) -> pl.DataFrame:
    """Members with their window ``orders`` and ``revenue`` (0 for those who bought nothing).

    Examples
    --------
    >>> m = pl.DataFrame({"segment": ["A", "A"], "customer_id": ["a", "b"], "group": ["test", "control"]})
    >>> outcomes_of(m, pl.DataFrame({"customer_id": ["a"], "orders": [2], "revenue": [9.5]})).rows()
    [('A', 'a', 'test', 2, 9.5), ('A', 'b', 'control', 0, 0.0)]
    """
    joined = members_frame.join(outcomes, on="customer_id", how="left", maintain_order="left")
    return joined.with_columns(pl.col("orders").fill_null(0), pl.col("revenue").fill_null(0.0))


def check_window(lines: pl.LazyFrame, start: date, end: date | None) -> tuple[date, date]:
    """``(start, end)`` with ``end`` defaulting to the last transaction's day; SegtuiError when unusable."""
    facts = lines.select(pl.col("order_date").min().alias("first"), pl.col("order_date").max().alias("last")).collect().row(0)
    first, last = (value.date() if value is not None else None for value in facts)
    if first is None or last is None:
        raise SegtuiError("no transactions in the file", title="Cannot read out")
    if start <= first:
        raise SegtuiError(
            f"--start {start} is not after the first transaction ({first}): no one was in a segment before it",
            title="Cannot read out",
        )
    if start > last:
        raise SegtuiError(f"--start {start} is after the last transaction ({last}): nothing to read out", title="Cannot read out")
    end = end or last
    if end < start:
        raise SegtuiError(f"--end {end} is before --start {start}", title="Cannot read out")
    return start, end
