"""Text codes (segtui.codes): the evaluator answers text tests from them with the same counts."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from segtui import codes as codes_module
from segtui.codes import text_codes
from segtui.evaluate import Evaluator
from segtui.rules import Rule, RuleSet, Segment
from segtui.sample import write_sample
from segtui.tui.session import LoadOptions, open_session


def _view(n: int = 30) -> pl.DataFrame:
    tiers = ["gold", "silver", None, "tin", "it's"]
    return pl.DataFrame({
        "customer_id": [f"c{i}" for i in range(n)],
        "tier": [tiers[i % len(tiers)] for i in range(n)],
        "email": [f"user{i}@example.com" for i in range(n)],
        "orders": [i % 4 for i in range(n)],
        "revenue": [float(i) * 1.25 for i in range(n)],
    })


def _rules() -> RuleSet:
    return RuleSet([
        Segment("Gold", [Rule("tier = 'gold'")]),
        Segment("Quoted", [Rule("tier = 'it''s'")]),
        Segment("Either", [Rule("tier IN ('silver', 'tin', 'platinum')"), Rule("orders >= 1")]),
        Segment("Nobody", [Rule("tier = 'platinum'")]),
        Segment("Not gold", [Rule("tier != 'gold'")]),
    ])


def test_codes_cover_few_valued_text_columns_only() -> None:
    view = _view()
    coded = text_codes(view)
    assert set(coded) == {"tier", "email"}  # 30 distinct emails are still few
    assert set(coded["tier"].values) == {"gold", "silver", "tin", "it's"}
    assert coded["tier"].codes.null_count() == view["tier"].null_count()
    many = text_codes(pl.DataFrame({"id2": [str(i) for i in range(codes_module.MAX_VALUES + 1)]}))
    assert many == {}


def test_a_value_beyond_the_sampled_customers_leaves_the_column_uncoded(monkeypatch) -> None:
    monkeypatch.setattr(codes_module, "_SAMPLE", 5)
    view = pl.DataFrame({"tier": ["a"] * 5 + ["b"]})
    assert text_codes(view) == {}


def test_evaluation_with_codes_matches_evaluation_without() -> None:
    view = _view()
    plain = Evaluator(view).evaluate(_rules())
    coded = Evaluator(view, text_codes(view)).evaluate(_rules())
    assert_frame_equal(plain.segments, coded.segments, check_exact=True)
    assert_frame_equal(plain.rules, coded.rules, check_exact=True)
    counts = dict(coded.segments.select("segment", "customers").iter_rows())
    assert counts["Gold"] == 6 and counts["Quoted"] == 6 and counts["Nobody"] == 0


def test_codes_of_another_view_are_ignored() -> None:
    view = _view()
    other = text_codes(_view(10))  # 10 customers: cannot describe these 30
    assert Evaluator(view, other).count("tier = 'gold'") == Evaluator(view).count("tier = 'gold'")


def test_value_hints_come_from_the_codes() -> None:
    view = _view()
    ev = Evaluator(view, text_codes(view))
    assert ev.value_hints("tier = 'Gold'") == ["no customer has tier = 'Gold' (did you mean 'gold'?)"]


def test_the_app_session_evaluates_with_codes(tmp_path) -> None:
    path = tmp_path / "tx.csv"
    write_sample(path, customers=300, seed=3)
    session = open_session(LoadOptions(data_path=path))
    view = session.dataset.view.frame
    assert "lifecycle" in session.evaluator._codes and "customer_id" not in session.evaluator._codes
    rules = RuleSet([Segment("New", [Rule("lifecycle = 'New'")]), Segment("Lapsed", [Rule("lifecycle IN ('Churned', 'At risk')")])])
    with_codes = session.evaluator.evaluate(rules)
    without = Evaluator(view).evaluate(rules)
    assert_frame_equal(with_codes.segments, without.segments, check_exact=True)
    assert with_codes.segments["customers"][0] == view.filter(pl.col("lifecycle") == "New").height
