"""The single customer view: one row per customer, built from canonical transactions.

See ``io.py`` for the input contract and DESIGN.md for every metric's definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from segtui.io import Transactions

__all__ = ["Lifecycle", "CustomerView", "build_customers", "lifecycle_expr"]


@dataclass(frozen=True)
class Lifecycle:
    """Windows (in days) that put each customer in New / Active / At risk / Churned.

    - New: first order within ``new_days`` of as_of (tenure_days <= new_days)
    - Churned: no order for more than ``churn_days`` (recency_days > churn_days)
    - At risk: no order for more than ``at_risk_days``
    - Active: everyone else
    """

    new_days: int = 90
    at_risk_days: int = 180
    churn_days: int = 365


@dataclass
class CustomerView:
    """The built view plus the facts the header and summaries show."""

    frame: pl.DataFrame  # one row per customer; columns named as in DESIGN.md
    as_of: date
    first_date: date  # earliest transaction date
    last_date: date  # latest transaction date
    transactions: int  # transaction rows used
    has_time: bool  # whether order dates carry a time of day (top_daypart exists)


def lifecycle_expr(lifecycle: Lifecycle) -> pl.Expr:
    """Expression computing the ``lifecycle`` column from recency_days and tenure_days."""
    raise NotImplementedError


def build_customers(
    transactions: Transactions | pl.LazyFrame,
    *,
    as_of: date | None = None,
    lifecycle: Lifecycle = Lifecycle(),
) -> CustomerView:
    """Flatten transactions into one row per customer (collects once)."""
    raise NotImplementedError
