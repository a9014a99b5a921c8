"""Migration between two dates agrees with views rebuilt from the filtered transactions."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import polars as pl
import pytest

from segtui.analysis.migration import NOT_YET, migrate
from segtui.analysis.snapshots import OUTSIDE
from segtui.customers import build_customers
from segtui.errors import SegtuiError
from segtui.evaluate import UNASSIGNED
from segtui.resources import SAMPLE_FILE

from .change_reference import CDNOW, assignments_at, customers_at, load, spent_between
from .change_rules import CASES, mixed, shipped

DATES = {SAMPLE_FILE: (date(2025, 6, 30), date(2025, 12, 31)), CDNOW: (date(1997, 9, 30), date(1998, 3, 31))}


def _labels_at(tx, ruleset, day: date) -> dict[str, str]:
    """customer -> first_match label at ``day``, OUTSIDE for customers outside the universe."""
    inside = dict(assignments_at(tx, ruleset, day).iter_rows())
    return {c: inside.get(c, OUTSIDE) for c in customers_at(tx, day)}


def _members_at(tx, ruleset, day: date) -> dict[str, set[str]]:
    rows = assignments_at(tx, ruleset, day)
    if ruleset.assign == "first_match":
        return {seg.name: set(rows.filter(pl.col("segment") == seg.name)["customer_id"]) for seg in ruleset.segments}
    return {seg.name: set(rows.filter(pl.col(seg.name))["customer_id"]) for seg in ruleset.segments}


@pytest.mark.parametrize(("data", "make_rules"), CASES)
def test_migration_agrees_with_independent_recomputation(data, make_rules) -> None:
    ruleset, tx = make_rules(), load(data)
    start, end = DATES[data]
    first = build_customers(tx).first_date
    result = migrate(tx, ruleset, start, end, first_date=first)
    spent = dict(spent_between(tx, start, end).iter_rows())

    if ruleset.assign == "first_match":
        before, after = _labels_at(tx, ruleset, start), _labels_at(tx, ruleset, end)
        pairs = {c: (before.get(c, NOT_YET), label) for c, label in after.items()}
        counts, money = Counter(pairs.values()), defaultdict(float)
        for c, pair in pairs.items():
            money[pair] += spent.get(c, 0.0)
        got = {(r["from"], r["to"]): r for r in result.matrix.iter_rows(named=True)}
        assert {k: r["customers"] for k, r in got.items() if r["customers"]} == dict(counts)
        for pair, total in money.items():
            assert got[pair]["revenue"] == pytest.approx(total, abs=0.01), pair
        assert result.matrix["customers"].sum() == len(after) == result.customers_to
    else:
        assert result.matrix is None

    was, now = _members_at(tx, ruleset, start), _members_at(tx, ruleset, end)
    old = set(customers_at(tx, start))
    for row in result.segments.iter_rows(named=True):
        a, b = was[row["segment"]], now[row["segment"]]
        assert (row["customers_from"], row["customers_to"]) == (len(a), len(b))
        assert (row["stayed"], row["entered"], row["left"]) == (len(a & b), len(b - a), len(a - b))
        assert row["entered_new"] == len((b - a) - old)
        assert row["entered_revenue"] == pytest.approx(sum(spent.get(c, 0.0) for c in b - a), abs=0.01)


def test_rows_add_up_and_directions_follow_file_order() -> None:
    tx = load(SAMPLE_FILE)
    result = migrate(tx, shipped("lifecycle"), date(2025, 6, 30), date(2025, 12, 31), first_date=date(2024, 1, 2))
    assert result.rows == ["New", "Active", "At risk", "Churned", UNASSIGNED, NOT_YET]
    assert result.columns == ["New", "Active", "At risk", "Churned", UNASSIGNED]
    cell = {(r["from"], r["to"]): r for r in result.matrix.iter_rows(named=True)}
    assert cell[("Active", "At risk")]["direction"] == "forward"
    assert cell[("At risk", "Active")]["direction"] == "backward"
    assert cell[("Active", "Active")]["direction"] == "stay"
    assert cell[(NOT_YET, "New")]["direction"] is None
    for row in result.rows:
        pcts = [r["row_pct"] for r in result.matrix.iter_rows(named=True) if r["from"] == row and r["row_pct"] is not None]
        assert not pcts or sum(pcts) == pytest.approx(100)


def test_universe_adds_an_outside_row_and_column() -> None:
    tx = load(SAMPLE_FILE)
    result = migrate(tx, mixed(SAMPLE_FILE), date(2025, 6, 30), date(2025, 12, 31), first_date=date(2024, 1, 2))
    assert OUTSIDE in result.rows and OUTSIDE in result.columns
    outside = result.matrix.filter(pl.col("to") == OUTSIDE)["customers"].sum()
    germans = build_customers(tx).frame.filter(pl.col("country") == "Germany").height
    assert outside == germans > 0


def test_from_before_the_first_transaction_makes_everyone_new() -> None:
    tx = load(CDNOW)
    result = migrate(tx, shipped("lifecycle"), date(1990, 1, 1), date(1997, 3, 31), first_date=date(1997, 1, 1))
    assert result.customers_from == 0
    assert result.matrix.filter(pl.col("customers") > 0)["from"].unique().to_list() == [NOT_YET]


def test_from_must_be_before_to() -> None:
    with pytest.raises(SegtuiError, match="must be before"):
        migrate(load(CDNOW), shipped("lifecycle"), date(1998, 1, 1), date(1998, 1, 1), first_date=date(1997, 1, 1))
