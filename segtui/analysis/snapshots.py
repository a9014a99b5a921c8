"""The customer view and a rule set's membership as of several dates, from one transaction file.

A snapshot at date D is what ``segtui apply --as-of D`` sees: transactions dated after D are
left out, recency and tenure count to D, scores rank the customers of D, and the rule set's
lifecycle windows and universe apply at D.  Only the transaction columns the rule set refers
to are read for it, so a snapshot costs less than the full view.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from segtui.customers import build_customers
from segtui.evaluate import UNASSIGNED, Evaluator
from segtui.read.transactions import Transactions
from segtui.rules import RuleSet

__all__ = ["Snapshot", "referenced_columns", "prune_transactions", "snapshot", "snapshot_of_frame", "OUTSIDE"]

#: Label of customers outside the rule set's universe at a date.
OUTSIDE = "(outside universe)"

#: View metric -> the canonical transaction column it is computed from (beyond the ones
#: every view needs: customer_id, order_id, order_date, amount, is_return).
_METRIC_SOURCE = {
    "items": "quantity",
    "discount_orders": "discount",
    "discount_order_share": "discount",
    "discount_amount": "discount",
    "distinct_products": "product",
    "distinct_categories": "category",
    "top_category": "category",
    "top_channel": "channel",
}
_BASE = ("customer_id", "order_id", "order_date", "amount", "is_return")


@dataclass
class Snapshot:
    """Membership of every customer of one date.

    ``frame`` columns: customer_id (str), cents (i64, revenue to date in whole cents),
    universe (bool), then ``m0``, ``m1``, … one boolean column per segment in rule-set order
    (named by position, so no segment name can clash) holding the segment *on its own* (as
    in overlap mode), and ``segment`` (str): the first_match
    assignment (UNASSIGNED, or OUTSIDE for customers outside the universe; in overlap mode
    the first matching segment, used only for display).  Sorted by customer_id.
    """

    as_of: date | None  # None: a view whose date does not matter to the caller
    frame: pl.DataFrame
    segments: list[str]


def referenced_columns(ruleset: RuleSet) -> set[str]:
    """View columns the rule set's universe and rules (enabled or not) refer to.

    Examples
    --------
    >>> from segtui.rules import Rule, Segment
    >>> rs = RuleSet([Segment("A", [Rule("orders > 1 AND country = 'FR'")])], universe="revenue > 0")
    >>> sorted(referenced_columns(rs))
    ['country', 'orders', 'revenue']
    """
    texts = [ruleset.universe or ""] + [r.where for seg in ruleset.segments for r in seg.rules]
    names: set[str] = set()
    for text in texts:
        if not text.strip():
            continue
        try:
            names.update(pl.sql_expr(text).meta.root_names())
        except Exception:  # noqa: BLE001 - invalid rules are reported by validation, not here
            continue
    return names


def prune_transactions(transactions: Transactions, columns: set[str]) -> Transactions:
    """The transactions with only what a view holding ``columns`` needs.

    Attributes and optional roles nobody refers to are dropped, so building the view skips
    their per-customer "most frequent value" and distinct counts.
    """
    schema = transactions.frame.collect_schema()
    keep = [c for c in _BASE if c in schema]
    keep += sorted({_METRIC_SOURCE[c] for c in columns if c in _METRIC_SOURCE} & set(schema.names()))
    # an attribute named like a metric is called NAME_attr in the view
    attributes = [a for a in transactions.attributes if a in columns or f"{a}_attr" in columns]
    keep += [a for a in attributes if a in schema and a not in keep]
    return replace(transactions, frame=transactions.frame.select(keep), attributes=attributes)


def snapshot_of_frame(frame: pl.DataFrame, ruleset: RuleSet, as_of: date | None) -> Snapshot:
    """Evaluate ``ruleset`` on a built customer frame (one row per customer).

    Examples
    --------
    >>> from segtui.rules import Rule, Segment
    >>> view = pl.DataFrame({"customer_id": ["a", "b", "c"], "orders": [1, 4, 2], "revenue": [1.0, 8.0, 3.0]})
    >>> rs = RuleSet([Segment("Loyal", [Rule("orders >= 2")]), Segment("Big", [Rule("revenue > 5")])])
    >>> snapshot_of_frame(view, rs, date(2024, 1, 1)).frame.select("customer_id", "m0", "m1", "segment").rows()
    [('a', False, False, 'Unassigned'), ('b', True, True, 'Loyal'), ('c', True, False, 'Loyal')]
    """
    evaluator = Evaluator(frame)
    evaluator.prefetch([ruleset.universe or "", *(r.where for seg in ruleset.segments for r in seg.rules)])
    universe = evaluator.universe_mask(ruleset)
    names = [seg.name for seg in ruleset.segments]
    alone = [evaluator.segment_mask(seg, universe, ruleset) for seg in ruleset.segments]
    label = pl.when(~pl.col("universe")).then(pl.lit(OUTSIDE))
    for i, name in enumerate(names):
        label = label.when(pl.col(f"m{i}")).then(pl.lit(name))
    columns = [
        frame["customer_id"].cast(pl.String),
        evaluator.cents.alias("cents"),  # the evaluator's own cents, so sums match `apply`
        universe.alias("universe"),
        *(m.alias(f"m{i}") for i, m in enumerate(alone)),
    ]
    out = pl.DataFrame(columns).with_columns(label.otherwise(pl.lit(UNASSIGNED)).alias("segment"))
    return Snapshot(as_of=as_of, frame=out.sort("customer_id"), segments=names)


def empty_snapshot(ruleset: RuleSet, as_of: date) -> Snapshot:
    """The snapshot of a date before the first transaction: nobody is a customer yet."""
    names = [seg.name for seg in ruleset.segments]
    schema = {"customer_id": pl.String, "cents": pl.Int64, "universe": pl.Boolean}
    schema |= {f"m{i}": pl.Boolean for i in range(len(names))} | {"segment": pl.String}
    return Snapshot(as_of=as_of, frame=pl.DataFrame(schema=schema), segments=names)


def snapshot(transactions: Transactions, ruleset: RuleSet, as_of: date, *, first_date: date) -> Snapshot:
    """Build the (pruned) customer view as of ``as_of`` and evaluate ``ruleset`` on it.

    ``first_date`` is the first transaction's date: before it nobody is a customer, so the
    snapshot is empty rather than an error.
    """
    if as_of < first_date:
        return empty_snapshot(ruleset, as_of)
    pruned = prune_transactions(transactions, referenced_columns(ruleset))
    view = build_customers(pruned, as_of=as_of, lifecycle=ruleset.lifecycle)
    return snapshot_of_frame(view.frame, ruleset, as_of)
