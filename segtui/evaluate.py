"""Evaluating a rule set over the in-memory customer view.

Compile once, evaluate many: an ``Evaluator`` holds the customer frame and caches
each rule's boolean mask, so toggling a rule only recombines cached masks.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from segtui.rules import RuleSet

__all__ = ["Evaluation", "Evaluator", "UNASSIGNED"]

#: Name of the remainder row in first_match mode.
UNASSIGNED = "Unassigned"


@dataclass
class Evaluation:
    """Result of one evaluation.

    ``segments`` columns: segment (str), enabled (bool), customers (u32/i64),
    pct_customers (f64, 0-100 of universe), revenue (f64), pct_revenue (f64, 0-100),
    avg_revenue (f64), aov (f64), avg_orders (f64). One row per segment in rule-set
    order (disabled segments have 0 customers), plus UNASSIGNED last in first_match mode.

    ``rules`` columns: segment, rule_index (int, position in segment.rules), where,
    enabled, matches (customers the rule alone matches within the universe),
    remaining (customers left after this and all previous enabled rules, i.e. the funnel).
    """

    segments: pl.DataFrame
    rules: pl.DataFrame
    universe_customers: int
    universe_revenue: float
    total_customers: int


class Evaluator:
    """Holds a customer view and evaluates rule sets against it.

    Examples
    --------
    >>> ev = Evaluator(view.frame)                      # doctest: +SKIP
    >>> ev.evaluate(ruleset).segments                    # doctest: +SKIP
    """

    def __init__(self, customers: pl.DataFrame) -> None:
        self.customers = customers

    def evaluate(self, ruleset: RuleSet) -> Evaluation:
        raise NotImplementedError

    def count(self, where: str) -> int:
        """Customers a single predicate matches (for the rule editor's live count)."""
        raise NotImplementedError

    def assignments(self, ruleset: RuleSet) -> pl.DataFrame:
        """customer_id + ``segment`` (first_match) or one boolean column per segment (overlap),
        followed by all customer-view columns."""
        raise NotImplementedError

    def members(self, ruleset: RuleSet, segment: str | None) -> pl.DataFrame:
        """Customer-view rows of one segment (UNASSIGNED allowed), or the universe if None."""
        raise NotImplementedError

    def breakdown(
        self, ruleset: RuleSet, dimension: str, segment: str | None = None, top: int = 10
    ) -> pl.DataFrame:
        """Split a segment (or the universe) by a column: value, customers, pct_customers,
        revenue, pct_revenue; top N values by customers + "(other)"; numeric columns binned."""
        raise NotImplementedError
