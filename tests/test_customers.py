"""Single customer view: every metric against hand-computed values on small fixtures.

The fixtures are canonical lazy frames built here (not via io.read_transactions) so that these
tests pin down customers.py alone.  Calendar facts used below: 2024-01-01 is a Monday,
2024-01-06 a Saturday, 2024 is a leap year (Oct 5 is day 279, Dec 9 is day 344).
"""

from __future__ import annotations

import csv
import math
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segtui.customers import (
    METRIC_COLUMNS,
    CustomerView,
    Lifecycle,
    build_customers,
    lifecycle_expr,
    with_scores,
)
from segtui.errors import SegtuiError
from segtui.read.transactions import Transactions

CANON_SCHEMA = {
    "customer_id": pl.String,
    "order_id": pl.String,
    "order_date": pl.Datetime("us"),
    "amount": pl.Float64,
    "is_return": pl.Boolean,
}
FULL_SCHEMA = CANON_SCHEMA | {
    "quantity": pl.Float64,
    "discount": pl.Float64,
    "product": pl.String,
    "category": pl.String,
    "channel": pl.String,
    "country": pl.String,
}

D = datetime  # short alias keeps the fixture rows readable

# customer, order, date, amount, is_return, quantity, discount, product, category, channel, country
FULL_ROWS = [
    # A: three purchases (one order spans two days), one return-only order
    ("A", "A1", D(2024, 1, 1), 10.0, False, 1.0, 0.0, "p1", "b", "web", "UK"),
    ("A", "A1", D(2024, 1, 1), 20.0, False, 2.0, 5.0, "p2", "a", "web", "UK"),
    ("A", "A1", D(2024, 1, 2), 5.0, False, 1.0, 0.0, "p1", "b", "store", None),
    ("A", "A2", D(2024, 1, 6), 30.0, False, 3.0, 0.0, "p3", "a", "store", "FR"),
    ("A", "A3", D(2024, 1, 10), -10.0, True, -1.0, 0.0, "p1", "c", "web", "UK"),
    ("A", "A4", D(2024, 10, 5), 40.0, False, 1.0, 2.0, "p2", "c", "store", "UK"),
    # B: one purchase, fully returned later; all attributes null
    ("B", "B1", D(2024, 3, 5), 50.0, False, 1.0, 0.0, "p1", "z", None, None),
    ("B", "B2", D(2024, 3, 20), -50.0, True, -1.0, 0.0, "p1", "z", None, None),
    # C: only a return
    ("C", "C1", D(2024, 6, 1), -15.0, True, -1.0, 0.0, "p4", "a", "web", "DE"),
    # D: Monday + Sunday in December, ties in channel and country
    ("D", "D1", D(2024, 12, 2), 100.0, False, 2.0, 0.0, "p5", "d", "web", "US"),
    ("D", "D2", D(2024, 12, 8), 60.0, False, 1.0, 10.0, "p5", "d", "app", "CA"),
]


def frame(rows: list[tuple], schema: dict) -> pl.LazyFrame:
    return pl.LazyFrame(rows, schema=schema, orient="row")


def full_lf() -> pl.LazyFrame:
    return frame(FULL_ROWS, FULL_SCHEMA)


def simple_lf(rows: list[tuple]) -> pl.LazyFrame:
    """Rows of (customer, order, datetime, amount); is_return follows the sign."""
    return frame([(c, o, d, a, a < 0) for c, o, d, a in rows], CANON_SCHEMA)


def row(view: CustomerView, customer: str) -> dict:
    return view.frame.filter(pl.col("customer_id") == customer).row(0, named=True)


@pytest.fixture(scope="module")
def view() -> CustomerView:
    return build_customers(full_lf())


# --------------------------------------------------------------------------- every metric

EXPECTED = {
    "A": {
        "orders": 3, "revenue": 95.0, "gross_revenue": 105.0, "returns_amount": 10.0,
        "aov": 95.0 / 3, "items": 8.0,
        "first_order_date": date(2024, 1, 1), "last_order_date": date(2024, 10, 5),
        "recency_days": 65, "tenure_days": 343, "active_span_days": 278,
        "purchase_days": 3, "repeat_purchase_days": 2, "avg_days_between_orders": 139.0,
        "days_to_second_order": 5,
        "discount_orders": 2, "discount_order_share": 2 / 3, "discount_amount": 7.0,
        "distinct_products": 3, "distinct_categories": 3,
        "top_category": "a",  # a, b, c twice each -> smallest
        "top_channel": "store",  # store 3, web 3 -> smallest
        "weekend_order_share": 2 / 3, "q4_revenue_share": 40.0 / 95.0,
        "top_weekday": 6, "top_month": 1,
        "r_score": 4, "f_score": 5, "m_score": 4, "rfm": "454", "revenue_percentile": 0.625,
        "lifecycle": "Active", "country": "UK",
    },
    "B": {
        "orders": 1, "revenue": 0.0, "gross_revenue": 50.0, "returns_amount": 50.0,
        "aov": 0.0, "items": 1.0,
        "first_order_date": date(2024, 3, 5), "last_order_date": date(2024, 3, 5),
        "recency_days": 279, "tenure_days": 279, "active_span_days": 0,
        "purchase_days": 1, "repeat_purchase_days": 0, "avg_days_between_orders": None,
        "days_to_second_order": None,
        "discount_orders": 0, "discount_order_share": 0.0, "discount_amount": 0.0,
        "distinct_products": 1, "distinct_categories": 1,
        "top_category": "z", "top_channel": None,
        "weekend_order_share": 0.0, "q4_revenue_share": None,  # revenue 0
        "top_weekday": 2, "top_month": 3,
        "r_score": 1, "f_score": 2, "m_score": 2, "rfm": "122", "revenue_percentile": 0.375,
        "lifecycle": "At risk", "country": None,
    },
    "C": {
        "orders": 0, "revenue": -15.0, "gross_revenue": 0.0, "returns_amount": 15.0,
        "aov": None, "items": 0.0,
        "first_order_date": date(2024, 6, 1), "last_order_date": date(2024, 6, 1),
        "recency_days": 191, "tenure_days": 191, "active_span_days": 0,
        "purchase_days": 0, "repeat_purchase_days": 0, "avg_days_between_orders": None,
        "days_to_second_order": None,
        "discount_orders": 0, "discount_order_share": None, "discount_amount": 0.0,
        "distinct_products": 1, "distinct_categories": 1,
        "top_category": "a", "top_channel": "web",
        "weekend_order_share": None, "q4_revenue_share": None,  # revenue < 0: no share
        "top_weekday": None, "top_month": None,
        "r_score": 2, "f_score": 1, "m_score": 1, "rfm": "211", "revenue_percentile": 0.125,
        "lifecycle": "At risk", "country": "DE",
    },
    "D": {
        "orders": 2, "revenue": 160.0, "gross_revenue": 160.0, "returns_amount": 0.0,
        "aov": 80.0, "items": 3.0,
        "first_order_date": date(2024, 12, 2), "last_order_date": date(2024, 12, 8),
        "recency_days": 1, "tenure_days": 7, "active_span_days": 6,
        "purchase_days": 2, "repeat_purchase_days": 1, "avg_days_between_orders": 6.0,
        "days_to_second_order": 6,
        "discount_orders": 1, "discount_order_share": 0.5, "discount_amount": 10.0,
        "distinct_products": 1, "distinct_categories": 1,
        "top_category": "d", "top_channel": "app",
        "weekend_order_share": 0.5, "q4_revenue_share": 1.0,
        "top_weekday": 1,  # Monday and Sunday once each -> smallest
        "top_month": 12,
        "r_score": 5, "f_score": 4, "m_score": 5, "rfm": "545", "revenue_percentile": 0.875,
        "lifecycle": "New", "country": "CA",  # CA / US tie -> smallest
    },
}


@pytest.mark.parametrize("customer", sorted(EXPECTED))
def test_every_metric_matches_hand_computation(view: CustomerView, customer: str) -> None:
    got = row(view, customer)
    for metric, expected in EXPECTED[customer].items():
        value = got[metric]
        if isinstance(expected, float):
            assert value == pytest.approx(expected), metric
        else:
            assert value == expected, metric


def test_view_facts_and_default_as_of(view: CustomerView) -> None:
    assert view.as_of == date(2024, 12, 9)  # day after the last transaction
    assert (view.first_date, view.last_date) == (date(2024, 1, 1), date(2024, 12, 8))
    assert view.transactions == len(FULL_ROWS)
    assert view.has_time is False
    assert view.notices == []
    assert view.frame["customer_id"].to_list() == ["A", "B", "C", "D"]


def test_column_order_is_the_contract(view: CustomerView) -> None:
    expected = ["customer_id"] + [m for m in METRIC_COLUMNS if m != "top_daypart"] + ["country"]
    assert view.frame.columns == expected
    assert view.attributes == ["country"]


def test_metric_dtypes(view: CustomerView) -> None:
    schema = view.frame.schema
    assert schema["first_order_date"] == pl.Date
    assert schema["recency_days"] == pl.Int64
    assert schema["orders"] == pl.Int64
    assert schema["rfm"] == pl.String
    assert schema["lifecycle"] == pl.String


# --------------------------------------------------------------------------- as_of


def test_explicit_as_of_excludes_later_transactions_and_says_so() -> None:
    view = build_customers(full_lf(), as_of=date(2024, 10, 5))
    assert view.as_of == date(2024, 10, 5)
    assert view.frame["customer_id"].to_list() == ["A", "B", "C"]  # D only buys in December
    a = row(view, "A")
    assert a["recency_days"] == 0  # a transaction on as_of is kept
    assert a["tenure_days"] == 278
    assert a["revenue"] == 95.0
    assert view.transactions == len(FULL_ROWS) - 2
    assert view.last_date == date(2024, 10, 5)
    assert view.notices == ["left out 2 transactions dated after the as-of date 2024-10-05"]


def test_explicit_as_of_later_than_data_changes_recency_only() -> None:
    view = build_customers(full_lf(), as_of=date(2025, 1, 1))
    assert row(view, "D")["recency_days"] == 24
    assert row(view, "D")["tenure_days"] == 30
    assert view.notices == []


def test_as_of_given_as_a_datetime_means_its_date() -> None:
    view = build_customers(full_lf(), as_of=datetime(2024, 10, 5, 18, 30))
    assert view.as_of == date(2024, 10, 5)
    assert row(view, "A")["recency_days"] == 0


def test_as_of_before_first_transaction_is_a_user_error() -> None:
    with pytest.raises(SegtuiError) as err:
        build_customers(full_lf(), as_of=date(1990, 1, 1))
    assert str(err.value) == "--as-of 1990-01-01 is before the first transaction (2024-01-01)"


def test_as_of_on_first_transaction_is_allowed() -> None:
    view = build_customers(full_lf(), as_of=date(2024, 1, 1))
    assert view.frame["customer_id"].to_list() == ["A"]
    assert row(view, "A")["revenue"] == 30.0  # only the lines dated 2024-01-01


# --------------------------------------------------------------------------- optional columns


def test_minimal_columns_emit_only_metrics_they_support() -> None:
    view = build_customers(full_lf().select(list(CANON_SCHEMA)))
    absent = {
        "items", "discount_orders", "discount_order_share", "discount_amount",
        "distinct_products", "distinct_categories", "top_category", "top_channel", "top_daypart",
    }
    assert view.frame.columns == ["customer_id"] + [m for m in METRIC_COLUMNS if m not in absent]
    assert row(view, "A")["orders"] == 3


def test_discount_flag_counts_orders_but_has_no_amount() -> None:
    lf = full_lf().with_columns((pl.col("discount") > 0).cast(pl.Float64))
    tx = Transactions(frame=lf, source=Path("x.csv"), mapping={}, attributes=["country"],
                      discount_kind="flag")
    view = build_customers(tx)
    assert "discount_amount" not in view.frame.columns
    assert row(view, "A")["discount_orders"] == 2
    assert row(view, "D")["discount_order_share"] == 0.5


def test_promo_code_strings_on_a_bare_frame_are_flags() -> None:
    lf = full_lf().with_columns(
        pl.when(pl.col("discount") > 0).then(pl.lit("SAVE")).otherwise(pl.lit("")).alias("discount")
    )
    view = build_customers(lf)
    assert "discount_amount" not in view.frame.columns
    assert row(view, "A")["discount_orders"] == 2


def test_transactions_attribute_order_is_kept() -> None:
    lf = full_lf().with_columns(pl.col("customer_id").alias("segment"))
    tx = Transactions(frame=lf, source=Path("x.csv"), mapping={}, attributes=["segment", "country"],
                      discount_kind="amount")
    view = build_customers(tx)
    assert view.frame.columns[-2:] == ["segment", "country"]
    assert row(view, "B")["segment"] == "B"


def test_attribute_named_like_a_metric_is_renamed() -> None:
    lf = full_lf().with_columns(pl.lit(7).alias("orders"))
    view = build_customers(lf)
    assert row(view, "A")["orders"] == 3
    assert row(view, "A")["orders_attr"] == 7
    assert any("orders_attr" in n for n in view.notices)


def test_without_order_id_each_row_is_an_order() -> None:
    lf = full_lf().select("customer_id", "order_date", "amount", "is_return")
    view = build_customers(lf)
    assert row(view, "A")["orders"] == 5  # five non-return lines
    assert row(view, "A")["purchase_days"] == 4  # 01-01, 01-02, 01-06, 10-05


def test_missing_required_column_is_a_user_error() -> None:
    with pytest.raises(SegtuiError, match="amount"):
        build_customers(full_lf().drop("amount"))


def test_no_transactions_is_a_user_error() -> None:
    with pytest.raises(SegtuiError, match="no transactions"):
        build_customers(full_lf().head(0))


def test_date_dtype_order_date_is_accepted() -> None:
    view = build_customers(full_lf().with_columns(pl.col("order_date").dt.date()))
    assert row(view, "A")["tenure_days"] == 343
    assert view.has_time is False


def test_numeric_attribute_mode_ties_to_smallest_and_ignores_nulls() -> None:
    lf = simple_lf([("x", "1", D(2024, 1, 1), 1.0), ("x", "2", D(2024, 1, 2), 1.0),
                    ("x", "3", D(2024, 1, 3), 1.0), ("x", "4", D(2024, 1, 4), 1.0)])
    lf = lf.with_columns(age=pl.Series([40, None, None, 30]))
    assert build_customers(lf).frame["age"].to_list() == [30]


# --------------------------------------------------------------------------- time of day


def test_dayparts_exist_only_with_times() -> None:
    lf = simple_lf([
        ("x", "1", D(2024, 1, 1, 9), 10.0),   # morning
        ("x", "2", D(2024, 1, 2, 13), 10.0),  # afternoon
        ("x", "3", D(2024, 1, 3, 14), 10.0),  # afternoon
        ("x", "4", D(2024, 1, 3, 19), -5.0),  # evening, but a return: not an order
        ("x", "5", D(2024, 1, 4, 20), -5.0),
        ("y", "6", D(2024, 1, 1, 23), 10.0),  # night
        ("y", "7", D(2024, 1, 2, 8), 10.0),   # morning: tie -> "morning" < "night"
    ])
    view = build_customers(lf)
    assert view.has_time is True
    assert view.frame.columns.index("top_daypart") == view.frame.columns.index("top_month") + 1
    assert view.frame["top_daypart"].to_list() == ["afternoon", "morning"]
    # days are whole days between dates, not fractions of timestamps
    assert view.as_of == date(2024, 1, 5)
    assert row(view, "x")["recency_days"] == 2
    assert row(view, "x")["active_span_days"] == 2
    assert row(view, "y")["avg_days_between_orders"] == 1.0


@pytest.mark.parametrize(
    ("hour", "label"),
    [(4, "night"), (5, "morning"), (11, "morning"), (12, "afternoon"), (16, "afternoon"),
     (17, "evening"), (21, "evening"), (22, "night"), (0, "night")],
)
def test_daypart_hour_boundaries(hour: int, label: str) -> None:
    lf = simple_lf([("x", "1", D(2024, 1, 1, hour, 30), 10.0), ("z", "2", D(2024, 1, 1, 12, 5), 1.0)])
    assert row(build_customers(lf), "x")["top_daypart"] == label


def test_order_date_is_its_earliest_line() -> None:
    lf = simple_lf([
        ("x", "1", D(2024, 3, 31, 22), 10.0),  # Sunday, March, night
        ("x", "1", D(2024, 4, 1, 9), 10.0),    # same order, next day
    ])
    got = row(build_customers(lf), "x")
    assert (got["top_weekday"], got["top_month"], got["top_daypart"]) == (7, 3, "night")
    assert got["weekend_order_share"] == 1.0
    assert got["first_order_date"] == date(2024, 3, 31)
    assert got["purchase_days"] == 1


# --------------------------------------------------------------------------- scores, lifecycle


def test_quintile_scores_give_ties_the_same_score() -> None:
    df = pl.DataFrame({
        "recency_days": [10, 10, 10, 10, 20, 30, 40, 50, 60, 70],
        "orders": [1, 1, 1, 1, 1, 1, 2, 2, 3, 5],
        "revenue": [5.0, 5.0, 10.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0],
    }).pipe(with_scores)
    # orders: the six one-order customers span ranks 1-6, average 3.5 -> share (3.5 - 0.5) / 10
    # -> ceil(5 * 0.3) = 2: the middle of their span, not the bottom score a "min" rank gave
    assert df["f_score"].to_list() == [2, 2, 2, 2, 2, 2, 4, 4, 5, 5]
    # recency: smaller is better; the four 10s span the best ranks 7-10 -> ceil(5 * 0.8) = 4
    assert df["r_score"].to_list() == [4, 4, 4, 4, 3, 3, 2, 2, 1, 1]
    assert df["m_score"].to_list() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert df["rfm"][0] == "421"
    assert df["revenue_percentile"].to_list() == [0.1, 0.1, 0.3, 0.3, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95]


def test_a_tie_never_falls_to_the_worst_score_for_being_tied() -> None:
    # like the first 999 lines of UCI Online Retail: everyone bought on the same (last) day
    rows = [(f"c{i}", f"o{i}-{k}", D(2010, 12, 1, 8 + k), 10.0 * (i + 1)) for i in range(10) for k in range(1 + i % 2)]
    view = build_customers(simple_lf(rows))
    assert view.frame["recency_days"].unique().to_list() == [1]
    # nothing tells them apart: the middle score (a "min" rank gave everyone 1: "Lost")
    assert view.frame["r_score"].unique().to_list() == [3]
    assert view.frame["lifecycle"].unique().to_list() == ["New"]
    # the same for frequency when everyone has one order
    one_order = build_customers(simple_lf([(c, o, d, a) for c, o, d, a in rows if o.endswith("-0")]))
    assert one_order.frame["f_score"].unique().to_list() == [3]


def test_rfm_rules_do_not_file_yesterdays_buyers_as_lost() -> None:
    from segtui.evaluate import Evaluator
    from segtui.resources import RULES_DIR
    from segtui.rulefile import load_rules

    rows = [(f"c{i}", f"o{i}-{k}", D(2010, 12, 1, 8 + k), 10.0 * (i + 1)) for i in range(10) for k in range(1 + i % 3)]
    view = build_customers(simple_lf(rows))
    members = Evaluator(view.frame).assignments(load_rules(RULES_DIR / "rfm.yaml"))
    segments = set(members["segment"])
    assert not segments & {"Lost", "Hibernating", "At risk", "Can't lose them"}, segments


def test_equal_inputs_always_get_equal_scores() -> None:
    values = pl.Series([i % 7 for i in range(1000)])
    df = pl.DataFrame({"recency_days": values, "orders": values, "revenue": values.cast(pl.Float64)})
    scored = with_scores(df)
    per_value = scored.group_by("orders").agg(pl.col("f_score", "r_score", "m_score").n_unique())
    assert per_value.select(pl.col("f_score", "r_score", "m_score").max()).row(0) == (1, 1, 1)
    assert scored["f_score"].min() >= 1 and scored["f_score"].max() == 5


@pytest.mark.parametrize(
    ("recency", "tenure", "expected"),
    [(0, 90, "New"), (400, 90, "New"), (180, 91, "Active"), (181, 500, "At risk"),
     (365, 500, "At risk"), (366, 500, "Churned")],
)
def test_lifecycle_boundaries(recency: int, tenure: int, expected: str) -> None:
    df = pl.DataFrame({"recency_days": [recency], "tenure_days": [tenure]})
    assert df.select(lifecycle_expr(Lifecycle()))["lifecycle"].item() == expected


def test_lifecycle_recomputes_on_a_built_view(view: CustomerView) -> None:
    windows = Lifecycle(new_days=5, at_risk_days=60, churn_days=200)
    redone = view.frame.with_columns(lifecycle_expr(windows))
    assert redone["lifecycle"].to_list() == ["At risk", "Churned", "At risk", "Active"]
    assert redone.columns == view.frame.columns  # replaces, does not append
    built = build_customers(full_lf(), lifecycle=windows)
    assert built.frame["lifecycle"].to_list() == redone["lifecycle"].to_list()


# --------------------------------------------------------------------------- real file

from .shared_data import CDNOW


def test_cdnow_matches_an_independent_computation() -> None:
    if not CDNOW.exists():
        pytest.skip(f"{CDNOW} not present")
    raw = pl.read_csv(CDNOW, schema_overrides={"CustomerID": pl.String})
    lf = raw.lazy().select(
        pl.col("CustomerID").alias("customer_id"),
        pl.int_range(pl.len()).cast(pl.String).alias("order_id"),
        pl.col("Date").str.to_datetime("%Y-%m-%d", time_unit="us").alias("order_date"),
        pl.col("DollarValue").cast(pl.Float64).alias("amount"),
        (pl.col("DollarValue") < 0).alias("is_return"),
        pl.col("CDs").cast(pl.Float64).alias("quantity"),
    )
    view = build_customers(lf)

    # independent: csv module + datetime, one row = one order
    stats: dict[str, dict] = {}
    with CDNOW.open(newline="") as fh:
        for rec in csv.DictReader(fh):
            day = datetime.strptime(rec["Date"], "%Y-%m-%d").date()
            s = stats.setdefault(rec["CustomerID"], {"orders": 0, "revenue": 0.0, "first": day, "last": day})
            s["orders"] += 1
            s["revenue"] += float(rec["DollarValue"])
            s["first"], s["last"] = min(s["first"], day), max(s["last"], day)
    as_of = date.fromordinal(max(s["last"] for s in stats.values()).toordinal() + 1)

    assert len(stats) == 2357
    assert view.frame.height == 2357
    assert view.as_of == as_of
    got = {r["customer_id"]: r for r in view.frame.iter_rows(named=True)}
    for cid, s in stats.items():
        r = got[cid]
        assert r["orders"] == s["orders"], cid
        assert math.isclose(r["revenue"], s["revenue"], abs_tol=1e-6), cid
        assert (r["first_order_date"], r["last_order_date"]) == (s["first"], s["last"]), cid
        assert r["recency_days"] == (as_of - s["last"]).days, cid
        assert r["tenure_days"] == (as_of - s["first"]).days, cid


def test_nested_attribute_is_left_out_with_a_notice() -> None:
    lf = simple_lf([("x", "1", D(2024, 1, 1), 1.0)]).with_columns(tags=pl.lit(["a", "b"]))
    view = build_customers(lf)
    assert "tags" not in view.frame.columns
    assert view.notices == ["attribute column 'tags' holds nested values; left out of the customer view"]


# --------------------------------------------------------------------------- exact money


def test_money_sums_are_exact_and_refunds_net_to_zero() -> None:
    lf = frame([
        ("a", "1", D(2024, 12, 1), 111.74, False, 3.0),
        ("a", "2", D(2024, 12, 2), 111.74, False, 1.0),
        ("r", "3", D(2024, 11, 1), 10.10, False, 1.0),
        ("r", "4", D(2025, 1, 5), 20.20, False, 2.0),
        ("r", "5", D(2025, 1, 6), -30.30, True, -1.0),
    ], CANON_SCHEMA | {"quantity": pl.Float64})
    view = build_customers(lf)
    a, r = row(view, "a"), row(view, "r")
    assert a["revenue"] == 223.48  # not 223.48000000000002
    assert a["aov"] == 111.74
    assert r["revenue"] == 0.0 and r["aov"] == 0.0  # not -3.55e-15
    assert r["gross_revenue"] == 30.3 and r["returns_amount"] == 30.3
    assert math.copysign(1.0, a["returns_amount"]) == 1.0  # 0.0, never -0.0
    assert view.frame.schema["items"] == pl.Int64
    assert (a["items"], r["items"]) == (4, 3)


def test_fractional_quantities_keep_items_a_float() -> None:
    lf = frame([("a", "1", D(2024, 1, 1), 5.0, False, 0.25), ("a", "2", D(2024, 1, 2), 5.0, False, 1.0)],
               CANON_SCHEMA | {"quantity": pl.Float64})
    view = build_customers(lf)
    assert view.frame.schema["items"] == pl.Float64
    assert row(view, "a")["items"] == 1.25


def test_discount_amount_is_summed_exactly() -> None:
    lf = full_lf().with_columns(discount=pl.when(pl.col("order_id") == "D1").then(0.1).otherwise(0.2))
    assert row(build_customers(lf), "D")["discount_amount"] == 0.3  # not 0.30000000000000004


@pytest.mark.parametrize(
    "amounts",
    [
        [(D(2024, 11, 1), 10.10), (D(2025, 1, 5), 20.20), (D(2025, 1, 6), -30.30)],  # nets to 0
        [(D(2024, 11, 1), 10.004), (D(2025, 1, 5), -10.0)],  # 0.004: prints as 0.00
        [(D(2024, 11, 1), 10.0), (D(2025, 1, 5), -30.0)],  # negative net
        [(D(2024, 12, 1), -5.0)],  # returns only
    ],
)
def test_q4_share_is_null_unless_revenue_is_positive_to_the_cent(amounts: list) -> None:
    rows = [("x", str(i), day, amount) for i, (day, amount) in enumerate(amounts)]
    rows.append(("y", "y", D(2024, 12, 1), 0.01))  # the smallest revenue that has a share
    view = build_customers(simple_lf(rows))
    assert row(view, "x")["q4_revenue_share"] is None
    assert row(view, "y")["q4_revenue_share"] == 1.0


def _scores_by_duckdb(view: CustomerView, folder: Path) -> pl.DataFrame:
    """The README's score formula, recomputed by DuckDB's window functions (worst first)."""
    duckdb = pytest.importorskip("duckdb")
    path = folder / "view.parquet"
    view.frame.select("customer_id", "recency_days", "orders", "revenue").write_parquet(path)
    def share(value: str, order: str = "") -> str:  # (below + tied / 2) / n
        below = f"RANK() OVER (ORDER BY {value} {order}) - 1"
        return f"(2 * ({below}) + COUNT(*) OVER (PARTITION BY {value})) / (2.0 * COUNT(*) OVER ())"

    cents = "ROUND(revenue * 100)"
    query = f"""
        SELECT customer_id,
               CAST(CEIL(5 * {share('recency_days', 'DESC')}) AS TINYINT) AS r_score,
               CAST(CEIL(5 * {share('orders')}) AS TINYINT) AS f_score,
               CAST(CEIL(5 * {share(cents)}) AS TINYINT) AS m_score,
               {share(cents)} AS revenue_percentile
        FROM read_parquet('{path}') ORDER BY customer_id
    """
    rows = duckdb.sql(query)
    names = [d[0] for d in rows.description]
    return pl.DataFrame(rows.fetchall(), schema=names, orient="row")


def _assert_scores_match_duckdb(view: CustomerView, folder: Path) -> None:
    expected = _scores_by_duckdb(view, folder)
    got = view.frame.select(expected.columns)
    for name in ("r_score", "f_score", "m_score"):
        assert got[name].cast(pl.Int64).to_list() == expected[name].cast(pl.Int64).to_list(), name
    assert got["revenue_percentile"].to_list() == pytest.approx(expected["revenue_percentile"].to_list())


def test_scores_on_the_bundled_sample_match_duckdb_window_functions(tmp_path: Path) -> None:
    from segtui.dataset import load_dataset
    from segtui.resources import SAMPLE_FILE

    _assert_scores_match_duckdb(load_dataset(SAMPLE_FILE).view, tmp_path)


def test_scores_on_cdnow_match_duckdb_window_functions(tmp_path: Path) -> None:
    if not CDNOW.exists():
        pytest.skip(f"{CDNOW} not present")
    from segtui.dataset import load_dataset

    view = load_dataset(CDNOW, columns={"amount": "DollarValue"}).view
    # CDNOW is tie-heavy (most customers have one order): the case the rule is for
    assert view.frame["orders"].value_counts(sort=True)["orders"][0] == 1
    _assert_scores_match_duckdb(view, tmp_path)


# --------------------------------------------------------------------------- wide files


def _wide_file(folder: Path, attributes: int) -> Path:
    path = folder / "wide.csv"
    header = ["customer_id", "order_date", "amount"] + [f"attr{i}" for i in range(attributes)]
    path.write_text(",".join(header) + "\n" + ",".join(["c1", "2024-01-01", "10.5"] + [f"v{i}" for i in range(attributes)]) + "\n")
    return path


def test_attribute_columns_are_capped_with_a_notice(tmp_path: Path) -> None:
    from segtui.customers import MAX_ATTRIBUTES
    from segtui.dataset import load_dataset

    view = load_dataset(_wide_file(tmp_path, MAX_ATTRIBUTES + 50)).view
    assert view.attributes == [f"attr{i}" for i in range(MAX_ATTRIBUTES)]
    assert view.frame.row(0, named=True)[f"attr{MAX_ATTRIBUTES - 1}"] == f"v{MAX_ATTRIBUTES - 1}"
    assert f"kept the first {MAX_ATTRIBUTES} of {MAX_ATTRIBUTES + 50} attribute columns; left out 50 " \
           f"(from 'attr{MAX_ATTRIBUTES}' on)" in view.notices


def _plan_shape(monkeypatch, path: Path) -> tuple[int, int]:
    """Joins and group-bys in the plan build_customers collects for ``path``."""
    from segtui.read.transactions import read_transactions

    seen: list[str] = []
    real = pl.collect_all

    def spy(plans, *args, **kwargs):
        seen.extend(plan.explain(optimizations=pl.QueryOptFlags.none()) for plan in plans)
        return real(plans, *args, **kwargs)

    monkeypatch.setattr(pl, "collect_all", spy)
    build_customers(read_transactions(path))
    text = "\n".join(seen)
    return text.count("JOIN"), text.count("AGGREGATE")


def test_attribute_modes_do_not_add_a_join_per_column(tmp_path: Path, monkeypatch) -> None:
    # One group-by + join per attribute made 1,000 columns take 15-22 s and 10,000 hang;
    # the plan's shape must not grow with the number of attribute columns.
    (tmp_path / "few").mkdir()
    (tmp_path / "many").mkdir()
    few = _plan_shape(monkeypatch, _wide_file(tmp_path / "few", 3))
    many = _plan_shape(monkeypatch, _wide_file(tmp_path / "many", 150))
    assert many == few


def test_all_modes_in_one_pass_keep_ties_to_the_smallest_per_dtype() -> None:
    lf = simple_lf([("x", str(i), D(2024, 1, i + 1), 1.0) for i in range(4)]).with_columns(
        code=pl.Series([10, 9, 10, 9]),  # numeric tie: 9 < 10 (as text "10" < "9")
        day=pl.Series([date(2024, 5, 2), date(2024, 5, 1), None, None]),
        flag=pl.Series([True, None, None, None]),
        empty=pl.Series([None, None, None, None], dtype=pl.String),
    )
    got = row(build_customers(lf), "x")
    assert (got["code"], got["day"], got["flag"], got["empty"]) == (9, date(2024, 5, 1), True, None)


def test_amounts_beyond_what_millionths_hold_are_summed_exactly_in_cents():
    # 8e12 twice overflows an Int64 of millionths (9.2e18) and used to wrap to a negative
    # revenue silently; in cents the sum is exact.
    lf = pl.LazyFrame({
        "customer_id": ["a", "a", "b"], "order_id": ["1", "2", "3"],
        "order_date": [datetime(2024, 1, 1), datetime(2024, 1, 2), datetime(2024, 1, 3)],
        "amount": [8e12, 8e12 + 0.01, 5.0], "is_return": [False, False, False]})
    frame = build_customers(lf).frame.sort("customer_id")
    assert frame["revenue"].to_list() == [16_000_000_000_000.01, 5.0]
    assert frame["gross_revenue"].to_list() == [16_000_000_000_000.01, 5.0]


def _reference_mode(lines: pl.DataFrame, column: str) -> dict[str, object]:
    """Most frequent non-null value per customer, ties to the smallest: the definition, by hand."""
    counts: dict[str, dict[object, int]] = {}
    for cid, value in lines.select("customer_id", column).iter_rows():
        counts.setdefault(cid, {})
        if value is not None:
            counts[cid][value] = counts[cid].get(value, 0) + 1
    return {cid: min(c, key=lambda v: (-c[v], v)) if c else None for cid, c in counts.items()}


@pytest.mark.parametrize("values", [5, 31, 40, 70])  # below and above the per-value counting limits
def test_most_frequent_and_distinct_counts_hold_for_few_and_many_values(values: int) -> None:
    import random

    rng = random.Random(values)
    rows = []
    for line in range(3000):
        cid = f"c{rng.randrange(150)}"
        value = None if rng.random() < 0.15 else f"v{rng.randrange(values):03d}"
        rows.append({
            "customer_id": cid, "order_id": f"o{line // 3}", "order_date": datetime(2024, 1, 1 + line % 28),
            "amount": rng.choice([-5.0, 10.0, 20.0]), "attr": value, "category": value,
            "product": None if value is None else value.upper(),
        })
    lines = pl.DataFrame(rows).with_columns(is_return=pl.col("amount") < 0)
    # one order id per three lines, of whichever customers drew them: keep the orders per customer
    frame = build_customers(lines.lazy()).frame
    modes = _reference_mode(lines, "attr")
    assert dict(frame.select("customer_id", "attr").iter_rows()) == modes
    assert dict(frame.select("customer_id", "top_category").iter_rows()) == modes
    distinct = lines.group_by("customer_id").agg(
        pl.col("category").drop_nulls().n_unique().alias("c"), pl.col("product").drop_nulls().n_unique().alias("p")
    )
    expected = {cid: (c, p) for cid, c, p in distinct.iter_rows()}
    got = {cid: (c, p) for cid, c, p in frame.select("customer_id", "distinct_categories", "distinct_products").iter_rows()}
    assert got == expected
    assert frame.schema["distinct_products"] == frame.schema["distinct_categories"] == pl.UInt32


def test_a_column_with_many_values_is_not_collected_in_full(monkeypatch: pytest.MonkeyPatch) -> None:
    import segtui.customers as customers

    monkeypatch.setattr(customers, "HEAD_LINES", 50)
    lines = pl.DataFrame({
        "customer_id": [f"c{i % 7}" for i in range(400)], "order_id": [str(i) for i in range(400)],
        "order_date": [datetime(2024, 1, 1 + i % 28) for i in range(400)], "amount": [1.0] * 400,
        "few": [f"f{i % 3}" for i in range(400)], "many": [f"m{i:04d}" for i in range(400)],
    })
    domains = customers._domains(lines.lazy(), lines.schema, [("few", "few"), ("many", "many")])
    assert domains == {"few": ["f0", "f1", "f2"]}
    frame = build_customers(lines.lazy()).frame
    assert dict(frame.select("customer_id", "many").iter_rows()) == _reference_mode(lines, "many")


@pytest.mark.parametrize("compression", ["lz4", None], ids=["lz4", "uncompressed"])
@pytest.mark.parametrize("as_of", [None, date(2024, 6, 30)])
def test_a_view_built_in_several_passes_equals_the_one_pass_view(
    as_of: date | None, compression: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import segtui.customers as customers
    from segtui.memory import BASE_BYTES, BYTES_PER_CUSTOMER, BYTES_PER_LINE, passes_for
    from segtui.read.transactions import read_transactions
    from segtui.resources import SAMPLE_FILE

    tx = read_transactions(SAMPLE_FILE)
    one = build_customers(tx, as_of=as_of, memory=2**40)
    # room for a quarter of the lines per pass
    budget = BASE_BYTES + BYTES_PER_CUSTOMER * tx.customers + BYTES_PER_LINE * tx.rows // 4
    assert passes_for(tx.rows, tx.customers, budget) >= 4
    # the passes' files go to TMPDIR and are gone afterwards
    monkeypatch.setattr(customers.tempfile, "tempdir", str(tmp_path))
    asked: list[int] = []
    monkeypatch.setattr(customers, "spill_compression", lambda spill, *_: asked.append(spill) or compression)
    written: list[str | None] = []
    sink = pl.LazyFrame.sink_ipc
    monkeypatch.setattr(pl.LazyFrame, "sink_ipc", lambda self, *a, **k: written.append(k["compression"]) or sink(self, *a, **k))
    several = build_customers(tx, as_of=as_of, memory=budget)
    assert written == [compression] and asked[0] > tx.rows * 30  # an estimate of the uncompressed lines
    assert several.frame.equals(one.frame)
    assert (several.transactions, several.first_date, several.last_date) == (one.transactions, one.first_date, one.last_date)
    assert several.notices == one.notices
    assert list(tmp_path.iterdir()) == []


def test_the_passes_split_customers_not_their_lines(tmp_path: Path) -> None:
    import segtui.customers as customers

    lines = pl.LazyFrame({"customer_id": [f"c{i % 50}" for i in range(1000)], "n": list(range(1000))})
    with customers._parts(lines, 4) as parts:
        frames = [part.collect() for part in parts]
    assert 1 < len(frames) <= 4
    assert sum(f.height for f in frames) == 1000
    ids = [set(f["customer_id"]) for f in frames]
    assert sum(len(i) for i in ids) == len(set.union(*ids)) == 50  # no customer in two parts


def test_values_first_seen_after_the_first_lines_are_counted_too(monkeypatch: pytest.MonkeyPatch) -> None:
    import segtui.customers as customers

    monkeypatch.setattr(customers, "HEAD_LINES", 10)
    n = 200
    # the first ten lines hold only "early"; later lines of every customer are mostly "late"
    attr = ["early" if i < 10 or i % 3 == 0 else "late" for i in range(n)]
    lines = pl.DataFrame({
        "customer_id": [f"c{i % 4}" for i in range(n)], "order_id": [str(i) for i in range(n)],
        "order_date": [datetime(2024, 1, 1 + i % 28) for i in range(n)], "amount": [1.0] * n,
        "attr": attr, "category": attr, "product": [a + str(i % 2) for i, a in enumerate(attr)],
    })
    frame = build_customers(lines.lazy()).frame
    assert dict(frame.select("customer_id", "attr").iter_rows()) == _reference_mode(lines, "attr")
    assert set(frame["top_category"]) == {"late"}
    assert frame["distinct_categories"].to_list() == [2, 2, 2, 2]
    assert frame["distinct_products"].to_list() == [
        lines.filter(pl.col("customer_id") == c)["product"].n_unique() for c in frame["customer_id"]
    ]
    assert not any(c.startswith("__") for c in frame.columns)


@given(st.lists(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=300), max_size=20), min_size=1, max_size=60, unique=True))
@settings(max_examples=200, deadline=None)
def test_id_order_sorts_as_polars_sorts_text(ids: list[str]) -> None:
    # the word-packed sort must agree with Polars' byte order on every id, ASCII or not,
    # with NULs, empty strings and ids of 8, 9 or 64+ bytes
    from segtui.customers import id_order

    series = pl.Series("customer_id", ids)
    assert series.gather(id_order(series)).to_list() == series.sort().to_list()


def test_a_large_view_is_sorted_a_column_at_a_time_to_the_same_frame() -> None:
    from segtui.customers import _sorted_by_id

    frame = pl.DataFrame({"customer_id": [f"c{i:05d}" for i in range(999, -1, -1)], "n": list(range(1000))})
    expected = frame.sort("customer_id")
    assert _sorted_by_id(frame.clone(), 2**40).equals(expected)  # all columns at once
    assert _sorted_by_id(frame.clone(), 1).equals(expected)  # a column at a time


def test_a_customer_with_more_lines_than_a_count_field_holds_is_counted_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    import segtui.customers as customers
    import segtui.packed as packed

    # c1 has 40 orders, 30 of them on Mondays in category "b": more than 3-bit fields hold
    dates = [datetime(2024, 1, 1)] * 30 + [datetime(2024, 1, 6)] * 10 + [datetime(2024, 1, 2)]
    lines = pl.DataFrame({
        "customer_id": ["c1"] * 40 + ["c2"], "order_id": [str(i) for i in range(41)], "order_date": dates,
        "amount": [1.0] * 41, "category": ["b"] * 30 + ["a"] * 10 + ["a"],
    }).with_columns(is_return=pl.lit(False)).lazy()
    exact = build_customers(lines).frame
    assert exact.filter(pl.col("customer_id") == "c1").select("top_weekday", "top_category").row(0) == (1, "b")

    monkeypatch.setattr(packed, "FIELD_BITS", 3)
    monkeypatch.setattr(customers, "FIELD_MAX", 100)  # no second build: the fields overflow
    assert not build_customers(lines).frame.equals(exact)
    monkeypatch.setattr(customers, "FIELD_MAX", 2**3 - 1)
    assert build_customers(lines).frame.equals(exact)


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_lines_read_from_the_file_are_built_in_thrifty_passes_when_they_cost_no_time(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With room in the page cache for the uncompressed lines, a file read from disk is built
    # a few passes of at most PASS_BYTES each, even with budget for one; lines a small CSV's
    # validation pass already holds in memory are not written out again.
    import segtui.customers as customers
    import segtui.memory as memory
    from segtui.read.transactions import read_transactions
    from segtui.resources import SAMPLE_FILE

    path = tmp_path / f"t.{kind}"
    raw = pl.read_csv(SAMPLE_FILE)
    raw.write_parquet(path) if kind == "parquet" else raw.write_csv(path)
    tx = read_transactions(path)
    one = build_customers(tx, memory=2**40)
    monkeypatch.setattr(memory, "PASS_BYTES", memory.BYTES_PER_LINE * tx.rows // 3)
    monkeypatch.setattr(customers, "spill_compression", lambda *_: None)
    parts: list[int] = []
    real_parts = customers._parts
    monkeypatch.setattr(customers, "_parts", lambda used, passes, compression: parts.append(passes) or real_parts(used, passes, compression))
    assert build_customers(tx, memory=2**40).frame.equals(one.frame)
    assert tx.in_memory == (kind == "csv")
    assert parts == ([1] if kind == "csv" else [3])  # a third of the lines a pass


def test_remove_spills_empties_the_passes_directories_of_a_build_in_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the app quits a load with os._exit, which runs no cleanup: it calls remove_spills first
    import segtui.customers as customers

    monkeypatch.setattr(customers.tempfile, "tempdir", str(tmp_path))
    lines = pl.LazyFrame({"customer_id": [f"c{i % 50}" for i in range(1000)], "n": list(range(1000))})
    with customers._parts(lines, 4) as parts:
        [spill] = list(tmp_path.iterdir())
        assert any(spill.rglob("*.*")) and len(parts) > 1
        customers.remove_spills()
        assert not spill.exists()
    assert list(tmp_path.iterdir()) == [] and not customers._SPILLS
