"""Drift points agree with `evaluate` on views rebuilt as of each period end."""

from __future__ import annotations

from datetime import date

import pytest

from segtui.analysis.drift import drift, period_ends
from segtui.customers import build_customers
from segtui.errors import SegtuiError
from segtui.evaluate import Evaluator
from segtui.resources import SAMPLE_FILE

from .change_reference import CDNOW, load, view_at
from .change_rules import CASES, shipped

EVERY = {SAMPLE_FILE: ("quarter", 3), CDNOW: ("month", 3)}


@pytest.mark.parametrize(("data", "make_rules"), CASES)
def test_drift_agrees_with_independent_recomputation(data, make_rules) -> None:
    ruleset, tx = make_rules(), load(data)
    view = build_customers(tx)
    every, last = EVERY[data]
    result = drift(tx, ruleset, first_date=view.first_date, as_of=view.as_of, every=every, last=last)
    assert len(result.dates) == last
    by_date = result.points.partition_by("date", as_dict=True, maintain_order=True)
    for day in result.dates:
        expected = Evaluator(view_at(tx, ruleset, day)).evaluate(ruleset).segments
        got = by_date[(day,)]
        assert got["segment"].to_list() == expected["segment"].to_list()
        assert got["customers"].to_list() == expected["customers"].to_list()
        assert got["revenue"].to_list() == pytest.approx(expected["revenue"].to_list(), abs=0.01)
        assert got["pct_customers"].to_list() == pytest.approx(expected["pct_customers"].to_list())


def test_dates_are_the_last_period_ends_inside_the_span() -> None:
    tx = load(CDNOW)  # 1997-01-01 .. 1998-06-30, as of 1998-07-01
    result = drift(tx, shipped("lifecycle"), first_date=date(1997, 1, 1), as_of=date(1998, 7, 1))
    assert result.dates[0] == date(1997, 1, 31) and result.dates[-1] == date(1998, 6, 30)
    assert len(result.dates) == 18  # fewer month ends than the default 24 in the span


def test_weeks_end_on_sunday() -> None:
    ends = period_ends(date(2024, 1, 1), date(2024, 2, 1), "week", 3)
    assert [d.isoweekday() for d in ends] == [7, 7, 7]
    assert ends[-1] == date(2024, 1, 28)


def test_no_period_end_in_span_is_an_error() -> None:
    with pytest.raises(SegtuiError, match="no quarter ends"):
        drift(load(CDNOW), shipped("lifecycle"), first_date=date(1997, 1, 1), as_of=date(1997, 2, 1), every="quarter")
