"""Independent recomputation for the change analyses: for each date, filter the transactions
to that date, build the view with plain ``build_customers`` and evaluate it.

Nothing here uses segtui.analysis, so the tests compare two separate paths.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from segtui.customers import build_customers
from segtui.evaluate import Evaluator
from segtui.read.transactions import Transactions, read_transactions
from segtui.rules import RuleSet

from .shared_data import CDNOW  # noqa: F401 - the tests import it from here


def upto(tx: Transactions, day: date) -> Transactions:
    """Transactions dated on or before ``day``."""
    end = datetime.combine(day + timedelta(days=1), datetime.min.time())
    return replace(tx, frame=tx.frame.filter(pl.col("order_date") < end))


def view_at(tx: Transactions, ruleset: RuleSet, day: date) -> pl.DataFrame:
    return build_customers(upto(tx, day), as_of=day, lifecycle=ruleset.lifecycle).frame


def assignments_at(tx: Transactions, ruleset: RuleSet, day: date) -> pl.DataFrame:
    """customer_id and segment (first_match) or one boolean column per segment, universe only."""
    view = view_at(tx, ruleset, day)
    names = [seg.name for seg in ruleset.segments]
    keep = ["segment"] if ruleset.assign == "first_match" else names
    return Evaluator(view).assignments(ruleset).select("customer_id", *keep)


def customers_at(tx: Transactions, day: date) -> pl.Series:
    return upto(tx, day).frame.select(pl.col("customer_id").cast(pl.String).unique()).collect().to_series()


def spent_between(tx: Transactions, start: date, end: date) -> pl.DataFrame:
    """customer_id, spent: net amount of lines dated after ``start`` and up to ``end``."""
    lo = datetime.combine(start + timedelta(days=1), datetime.min.time())
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time())
    lines = tx.frame.filter((pl.col("order_date") >= lo) & (pl.col("order_date") < hi))
    return lines.group_by(pl.col("customer_id").cast(pl.String)).agg(pl.col("amount").sum().alias("spent")).collect()


def load(path: Path) -> Transactions:
    """The transactions of ``path``; the test is skipped when it is the shared CDNOW file
    and this checkout has no ../shared beside it (a clone elsewhere)."""
    if not path.is_file():
        import pytest

        pytest.skip(f"{path} not present")
    return read_transactions(path)
