"""The one-pass views at many dates equal plain build_customers on the filtered transactions."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from segtui.analysis.series import CUMULATIVE, cumulative_supported, cumulative_views
from segtui.customers import Lifecycle
from segtui.read.transactions import Transactions
from segtui.resources import SAMPLE_FILE

from .change_reference import CDNOW, load, upto
from .change_rules import mixed, shipped
from segtui.customers import build_customers

DATES = {
    SAMPLE_FILE: [date(2024, 1, 2), date(2024, 3, 31), date(2024, 12, 31), date(2025, 7, 15), date(2026, 1, 1)],
    CDNOW: [date(1997, 1, 1), date(1997, 2, 28), date(1997, 9, 30), date(1998, 6, 30), date(1999, 1, 1)],
}
WINDOWS = Lifecycle(new_days=60, at_risk_days=120, churn_days=300)


@pytest.mark.parametrize("data", [SAMPLE_FILE, CDNOW], ids=["sample", "cdnow"])
def test_every_cumulative_column_equals_a_rebuilt_view(data) -> None:
    tx = load(data)
    for day, view in cumulative_views(tx, DATES[data], WINDOWS):
        expected = build_customers(upto(tx, day), as_of=day, lifecycle=WINDOWS).frame
        columns = [c for c in expected.columns if c in CUMULATIVE]
        assert set(view.columns) == set(columns), day
        assert_frame_equal(view.select(columns), expected.select(columns), check_dtypes=True, abs_tol=1e-6)


def test_orders_made_of_returns_and_lines_across_dates() -> None:
    # order 1 of "a" has a return line on Jan 5 and its purchase line on Feb 10, so its day
    # (Jan 5) becomes a purchase day after Jan 20's (order 4): the first and second purchase
    # days change order; "b" only returns
    lf = pl.LazyFrame({
        "customer_id": ["a", "a", "a", "b", "a"],
        "order_id": ["1", "1", "2", "3", "4"],
        "order_date": [datetime(2024, 1, 5), datetime(2024, 2, 10), datetime(2024, 2, 10, 9), datetime(2024, 1, 20),
                       datetime(2024, 1, 20)],
        "amount": [-5.0, 20.0, 7.0, -3.0, 4.0],
        "is_return": [True, False, False, True, False],
    })
    tx = Transactions(frame=lf, source=None, mapping={})
    dates = [date(2024, 1, 4), date(2024, 1, 31), date(2024, 2, 10), date(2024, 3, 31)]
    for day, view in cumulative_views(tx, dates):
        if day < date(2024, 1, 5):
            assert view.height == 0
            continue
        expected = build_customers(lf.filter(pl.col("order_date") < datetime.combine(day, datetime.max.time())), as_of=day).frame
        columns = [c for c in expected.columns if c in CUMULATIVE]
        assert_frame_equal(view.select(columns), expected.select(columns))


def test_the_fast_path_is_taken_only_for_cumulative_columns() -> None:
    assert cumulative_supported(shipped("lifecycle")) and cumulative_supported(shipped("rfm"))
    assert cumulative_supported(mixed(CDNOW))  # universe on items, lifecycle column, scores
    assert cumulative_supported(shipped("value"))  # days_to_second_order, discounts, returns
    assert not cumulative_supported(shipped("occasion"))  # top_daypart, top_channel: modes
    assert not cumulative_supported(mixed(SAMPLE_FILE))  # universe on country: an attribute
