"""Evaluating rule sets: numbers checked by hand on an eight-customer view."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segtui.errors import SegtuiError
from segtui.evaluate import NULL_LABEL, OTHER, UNASSIGNED, Evaluator
from segtui.rules import Rule, RuleSet, Segment

# customer: orders, revenue, country, recency_days
#   a 1 10.0 UK 10 | b 2 20.0 UK 50 | c 3 30.0 FR 100 | d 4 40.0 FR 200
#   e 5 50.0 DE 300 | f 1 60.0 UK 400 | g 2 70.0 -- 500 | h 3 0.5 UK --
VIEW = pl.DataFrame(
    {
        "customer_id": list("abcdefgh"),
        "orders": [1, 2, 3, 4, 5, 1, 2, 3],
        "revenue": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 0.5],
        "country": ["UK", "UK", "FR", "FR", "DE", "UK", None, "UK"],
        "recency_days": [10, 50, 100, 200, 300, 400, 500, None],
    }
)
TOTAL_REVENUE = 280.5

LOYAL = Segment("Loyal", [Rule("orders >= 3")])
RECENT = Segment("Recent", [Rule("recency_days <= 100")])


def rows(ruleset: RuleSet, *columns: str) -> list[tuple]:
    return Evaluator(VIEW).evaluate(ruleset).segments.select(columns).rows()


def test_first_match_gives_each_customer_to_the_first_segment_and_adds_unassigned() -> None:
    ev = Evaluator(VIEW).evaluate(RuleSet([LOYAL, RECENT]))
    seg = ev.segments
    assert seg.columns == [
        "segment", "enabled", "customers", "pct_customers", "revenue", "pct_revenue",
        "avg_revenue", "aov", "avg_orders",
    ]
    # Loyal: c d e h; Recent: a b (c already Loyal, h's recency is null); rest: f g
    assert seg.select("segment", "customers", "revenue").rows() == [
        ("Loyal", 4, 120.5),
        ("Recent", 2, 30.0),
        (UNASSIGNED, 2, 130.0),
    ]
    assert seg["pct_customers"].to_list() == [50.0, 25.0, 25.0]
    assert seg["pct_revenue"].to_list() == pytest.approx([120.5 / 2.805, 30 / 2.805, 130 / 2.805])
    loyal = seg.row(0, named=True)
    assert loyal["avg_revenue"] == pytest.approx(120.5 / 4)
    assert loyal["aov"] == pytest.approx(120.5 / 15)  # revenue / (3 + 4 + 5 + 3) orders
    assert loyal["avg_orders"] == pytest.approx(15 / 4)
    assert (ev.universe_customers, ev.universe_revenue, ev.total_customers) == (8, TOTAL_REVENUE, 8)


def test_overlap_counts_each_segment_on_its_own_without_unassigned() -> None:
    assert rows(RuleSet([LOYAL, RECENT], assign="overlap"), "segment", "customers", "revenue") == [
        ("Loyal", 4, 120.5),
        ("Recent", 3, 60.0),  # a b c
    ]


def test_match_all_versus_any() -> None:
    rules = [Rule("orders >= 4"), Rule("revenue >= 50")]
    both = Segment("Both", rules, match="all")
    either = Segment("Either", rules, match="any")
    assert rows(RuleSet([both, either], assign="overlap"), "segment", "customers") == [
        ("Both", 1),  # e
        ("Either", 4),  # d e f g
    ]


def test_disabled_rule_is_skipped() -> None:
    seg = Segment("Loyal", [Rule("orders >= 3"), Rule("country = 'FR'", enabled=False)])
    assert rows(RuleSet([seg]), "segment", "customers") == [("Loyal", 4), (UNASSIGNED, 4)]
    seg.rules[1].enabled = True
    assert rows(RuleSet([seg]), "segment", "customers") == [("Loyal", 2), (UNASSIGNED, 6)]


def test_disabled_segment_matches_nobody_and_takes_nobody() -> None:
    loyal = Segment("Loyal", [Rule("orders >= 3")], enabled=False)
    result = rows(RuleSet([loyal, RECENT]), "segment", "enabled", "customers", "avg_revenue")
    assert result == [
        ("Loyal", False, 0, None),
        ("Recent", True, 3, 20.0),  # a b c: c is no longer taken by Loyal
        (UNASSIGNED, True, 5, pytest.approx(220.5 / 5)),
    ]


def test_segment_without_enabled_rules_matches_nobody() -> None:
    empty = Segment("Draft", [Rule("orders >= 1", enabled=False)])
    nothing = Segment("Nothing", [])
    assert rows(RuleSet([empty, nothing]), "segment", "customers", "aov") == [
        ("Draft", 0, None),
        ("Nothing", 0, None),
        (UNASSIGNED, 8, pytest.approx(TOTAL_REVENUE / 21)),
    ]


def test_universe_is_applied_first_and_percentages_are_of_it() -> None:
    ev = Evaluator(VIEW).evaluate(RuleSet([LOYAL, RECENT], universe="country = 'UK'"))
    # universe a b f h: Loyal h; Recent a b; Unassigned f
    assert ev.segments.select("segment", "customers", "revenue", "pct_customers").rows() == [
        ("Loyal", 1, 0.5, 25.0),
        ("Recent", 2, 30.0, 50.0),
        (UNASSIGNED, 1, 60.0, 25.0),
    ]
    assert (ev.universe_customers, ev.universe_revenue, ev.total_customers) == (4, 90.5, 8)
    assert ev.segments["pct_revenue"].to_list() == pytest.approx([50 / 90.5, 3000 / 90.5, 6000 / 90.5])


def test_empty_universe_gives_null_percentages() -> None:
    seg = Evaluator(VIEW).evaluate(RuleSet([LOYAL], universe="orders > 100")).segments
    assert seg["customers"].to_list() == [0, 0]
    assert seg["pct_customers"].to_list() == [None, None]


def test_funnel_match_all() -> None:
    seg = Segment(
        "Funnel",
        [
            Rule("orders >= 2"),  # b c d e g h
            Rule("country = 'UK'"),  # a b f h -> remaining b h
            Rule("revenue > 10", enabled=False),  # b c d e f g alone; the funnel stays at b h
            Rule("recency_days < 100"),  # a b (h is null) -> remaining b
        ],
    )
    rules = Evaluator(VIEW).evaluate(RuleSet([seg])).rules
    assert rules.columns == ["segment", "rule_index", "where", "enabled", "matches", "remaining"]
    assert rules["rule_index"].to_list() == [0, 1, 2, 3]
    assert rules["matches"].to_list() == [6, 4, 6, 2]
    assert rules["remaining"].to_list() == [6, 2, 2, 1]
    assert rules["enabled"].to_list() == [True, True, False, True]


def test_funnel_match_any_is_cumulative_or() -> None:
    seg = Segment(
        "Any",
        [Rule("orders >= 5"), Rule("country = 'FR'"), Rule("recency_days > 450")],
        match="any",
    )
    rules = Evaluator(VIEW).evaluate(RuleSet([seg])).rules
    assert rules["matches"].to_list() == [1, 2, 1]
    assert rules["remaining"].to_list() == [1, 3, 4]


def test_funnel_respects_the_universe() -> None:
    rules = Evaluator(VIEW).evaluate(RuleSet([LOYAL], universe="country = 'UK'")).rules
    assert rules.select("matches", "remaining").rows() == [(1, 1)]


def test_toggling_back_and_forth_gives_consistent_numbers() -> None:
    ev = Evaluator(VIEW)
    seg = Segment("S", [Rule("orders >= 2"), Rule("country = 'UK'")])
    rs = RuleSet([seg, RECENT])
    first = ev.evaluate(rs).segments
    seg.rules[1].enabled = False
    toggled = ev.evaluate(rs).segments
    seg.rules[1].enabled = True
    again = ev.evaluate(rs).segments
    assert first["customers"].to_list() == [2, 2, 4]  # S: b h; Recent: a c
    assert toggled["customers"].to_list() == [6, 1, 1]  # S: b c d e g h; Recent: a
    assert again.equals(first)


def test_count_for_the_rule_editor() -> None:
    ev = Evaluator(VIEW)
    assert ev.count("orders >= 3") == 4
    assert ev.count("orders >= 3", universe="country = 'UK'") == 1
    assert ev.count("recency_days > 0") == 7  # null recency is not a match
    with pytest.raises(SegtuiError, match="did you mean"):
        ev.count("ordrs >= 3")


def test_bad_rules_name_segment_and_rule() -> None:
    bad = Segment("VIP", [Rule("orders >= 3"), Rule("recency_day < 9")])
    with pytest.raises(SegtuiError, match='segment "VIP", rule 2: unknown column "recency_day"'):
        Evaluator(VIEW).evaluate(RuleSet([bad]))
    with pytest.raises(SegtuiError, match="^universe: syntax error"):
        Evaluator(VIEW).evaluate(RuleSet([LOYAL], universe="country ="))


def test_a_broken_disabled_rule_does_not_block_evaluation() -> None:
    seg = Segment("Loyal", [Rule("orders >= 3"), Rule("nonsense >", enabled=False)])
    ev = Evaluator(VIEW).evaluate(RuleSet([seg]))
    assert ev.segments["customers"].to_list() == [4, 4]
    assert ev.rules["matches"].to_list() == [4, 0]


def test_members() -> None:
    ev = Evaluator(VIEW)
    first = RuleSet([LOYAL, RECENT])
    assert ev.members(first, "Recent")["customer_id"].to_list() == ["a", "b"]
    assert ev.members(first, UNASSIGNED)["customer_id"].to_list() == ["f", "g"]
    assert ev.members(first, None).height == 8
    assert ev.members(first, "Recent").columns == VIEW.columns
    overlap = RuleSet([LOYAL, RECENT], assign="overlap", universe="country IS NOT NULL")
    assert ev.members(overlap, "Recent")["customer_id"].to_list() == ["a", "b", "c"]
    assert ev.members(overlap, UNASSIGNED)["customer_id"].to_list() == ["f"]
    assert ev.members(overlap, None).height == 7
    with pytest.raises(SegtuiError, match='no segment "Recnt" \\(did you mean "Recent"\\?\\)'):
        ev.members(first, "Recnt")


def test_assignments_first_match() -> None:
    out = Evaluator(VIEW).assignments(RuleSet([LOYAL, RECENT]))
    assert out.columns == ["customer_id", "segment", "orders", "revenue", "country", "recency_days"]
    assert out["segment"].to_list() == [
        "Recent", "Recent", "Loyal", "Loyal", "Loyal", UNASSIGNED, UNASSIGNED, "Loyal",
    ]
    within = Evaluator(VIEW).assignments(RuleSet([LOYAL, RECENT], universe="country = 'UK'"))
    assert within["customer_id"].to_list() == ["a", "b", "f", "h"]


def test_assignments_overlap_has_one_boolean_column_per_segment() -> None:
    clash = Segment("orders", [Rule("orders = 1")])
    out = Evaluator(VIEW).assignments(RuleSet([LOYAL, RECENT, clash], assign="overlap"))
    assert out.columns[:4] == ["customer_id", "Loyal", "Recent", "orders (segment)"]
    assert out["Loyal"].to_list() == [False, False, True, True, True, False, False, True]
    assert out["Recent"].to_list() == [True, True, True, False, False, False, False, False]
    assert out["orders"].to_list() == VIEW["orders"].to_list()


def test_breakdown_text_top_n_other_and_null() -> None:
    out = Evaluator(VIEW).breakdown(RuleSet([LOYAL]), "country", top=2)
    assert out.columns == ["value", "customers", "pct_customers", "revenue", "pct_revenue"]
    assert out.select("value", "customers", "revenue").rows() == [
        ("UK", 4, 90.5),
        ("FR", 2, 70.0),
        (OTHER, 1, 50.0),
        (NULL_LABEL, 1, 70.0),
    ]
    assert out["pct_customers"].to_list() == [50.0, 25.0, 12.5, 12.5]
    assert out["pct_revenue"].sum() == pytest.approx(100.0)


def test_breakdown_of_a_segment_breaks_ties_by_value() -> None:
    out = Evaluator(VIEW).breakdown(RuleSet([LOYAL]), "country", segment="Loyal")
    # Loyal = c d e h: FR 2, then DE and UK with 1 each, alphabetically
    assert out.select("value", "customers").rows() == [("FR", 2), ("DE", 1), ("UK", 1)]
    assert out["pct_customers"].to_list() == [50.0, 25.0, 25.0]


def test_breakdown_numeric_with_few_values_lists_each_value() -> None:
    out = Evaluator(VIEW).breakdown(RuleSet([LOYAL]), "orders", segment="Loyal")
    assert out.select("value", "customers", "revenue").rows() == [("3", 2, 30.5), ("4", 1, 40.0), ("5", 1, 50.0)]


def test_breakdown_numeric_quantile_bins_labelled_by_range() -> None:
    out = Evaluator(VIEW).breakdown(RuleSet([LOYAL]), "recency_days")
    # seven distinct values 10..500 in about five bins, ascending, nulls last
    assert out["value"].to_list()[-1] == NULL_LABEL
    assert out["customers"].sum() == 8
    bins = out.filter(pl.col("value") != NULL_LABEL)
    assert 2 <= bins.height <= 5
    assert bins["value"][0].startswith("10") and bins["value"][-1].endswith("500")
    assert out["revenue"].sum() == pytest.approx(TOTAL_REVENUE)
    revenue_bins = Evaluator(VIEW).breakdown(RuleSet([LOYAL]), "revenue")
    assert revenue_bins["value"][0] == "0.50 – 10"


def test_breakdown_unknown_column() -> None:
    with pytest.raises(SegtuiError, match='unknown column "contry" \\(did you mean "country"\\?\\)'):
        Evaluator(VIEW).breakdown(RuleSet([LOYAL]), "contry")


# -- property: first_match partitions the universe -----------------------------------------

PREDICATES = ["x >= {k}", "x < {k}", "y > {k}", "x IS NULL", "y <= {k} OR x = {k}", "tag = 'p'"]


@st.composite
def rule_sets(draw) -> RuleSet:
    def rule() -> Rule:
        text = draw(st.sampled_from(PREDICATES)).format(k=draw(st.integers(-3, 3)))
        return Rule(text, enabled=draw(st.booleans()))

    segments = [
        Segment(
            f"s{i}",
            [rule() for _ in range(draw(st.integers(0, 3)))],
            match=draw(st.sampled_from(["all", "any"])),
            enabled=draw(st.booleans()),
        )
        for i in range(draw(st.integers(0, 5)))
    ]
    universe = draw(st.sampled_from([None, "x > -2", "tag = 'q'"]))
    return RuleSet(segments, universe=universe, assign="first_match")


frames = st.integers(0, 25).flatmap(
    lambda n: st.fixed_dictionaries(
        {
            "x": st.lists(st.one_of(st.none(), st.integers(-3, 3)), min_size=n, max_size=n),
            "y": st.lists(st.floats(-3, 3, allow_nan=False), min_size=n, max_size=n),
            "tag": st.lists(st.sampled_from(["p", "q"]), min_size=n, max_size=n),
            "revenue": st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=n, max_size=n),
            "orders": st.lists(st.integers(0, 9), min_size=n, max_size=n),
        }
    )
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=frames, ruleset=rule_sets())
def test_first_match_segments_add_up_to_the_universe(data: dict, ruleset: RuleSet) -> None:
    view = pl.DataFrame(data, schema={"x": pl.Int64, "y": pl.Float64, "tag": pl.String, "revenue": pl.Float64, "orders": pl.Int64})
    ev = Evaluator(view)
    result = ev.evaluate(ruleset)
    seg = result.segments
    assert seg["segment"].to_list()[-1] == UNASSIGNED
    assert seg["customers"].sum() == result.universe_customers
    cents = [round(r * 100) for r in seg["revenue"].to_list()]
    assert sum(cents) == round(result.universe_revenue * 100)
    # cross-check membership against a row-by-row reading of the rules
    universe = view.filter(pl.sql_expr(ruleset.universe)) if ruleset.universe else view
    assert result.universe_customers == universe.height
    labels = ev.assignments(ruleset)["segment"].to_list()
    expected = []
    for row in universe.iter_rows(named=True):
        label = UNASSIGNED
        for s in ruleset.segments:
            texts = [r.where for r in s.rules if r.enabled]
            if not s.enabled or not texts:
                continue
            hits = [bool(pl.DataFrame([row], schema=view.schema).select(pl.sql_expr(t).fill_null(False)).item()) for t in texts]
            if (all if s.match == "all" else any)(hits):
                label = s.name
                break
        expected.append(label)
    assert labels == expected


@pytest.mark.parametrize("assign", ["first_match", "overlap"])
def test_more_segments_than_the_caches_hold_still_evaluate(assign: str) -> None:
    # 2,047 segments once overflowed the statistics cache and read an evicted entry back as None.
    thresholds = [i % 6 for i in range(2_050)]
    # distinct texts, so that every segment needs its own cache entries
    segments = [Segment(f"s{i}", [Rule(f"orders >= {t} OR revenue < -{i}")]) for i, t in enumerate(thresholds)]
    evaluation = Evaluator(VIEW).evaluate(RuleSet(segments, assign=assign))
    counts = evaluation.segments["customers"].to_list()
    alone = [sum(o >= t for o in VIEW["orders"]) for t in thresholds]
    if assign == "overlap":
        assert counts == alone
    else:  # "orders >= 0" (segment 0) takes everyone
        assert counts == [8] + [0] * (len(segments) - 1) + [0]


@pytest.mark.parametrize(
    ("where", "expected"),
    [("TRUE", 8), ("1 = 2", 0), ("max(orders) > 4", 8), ("revenue BETWEEN 1 AND NULLIF(NULL, orders)", 0)],
)
def test_a_rule_that_gives_one_value_applies_it_to_every_customer(where: str, expected: int) -> None:
    # Polars returns one row for these; combined with full-height masks it broke apply -o
    for ruleset in (RuleSet([Segment("S", [Rule(where)])]), RuleSet([LOYAL], universe=where)):
        evaluator = Evaluator(VIEW)
        assert evaluator.problems(ruleset) == []
        evaluator.evaluate(ruleset)
        assert evaluator.assignments(ruleset).height == (expected if ruleset.universe else 8)
    assert Evaluator(VIEW).count(where) == expected


def test_value_hints_name_the_nearest_values_present() -> None:
    evaluator = Evaluator(VIEW.with_columns(pl.col("country").replace({"UK": "United Kingdom"})))
    assert evaluator.value_hints("country = 'UK'") == [
        "no customer has country = 'UK' (did you mean 'United Kingdom'?)"
    ]
    assert evaluator.value_hints("country IN ('fr', 'DE') OR orders > 3") == [
        "no customer has country = 'fr' (did you mean 'FR'?)"
    ]
    assert evaluator.value_hints("country = 'United Kingdom' AND orders > 9") == []  # 0 matches, but not the value's fault
    assert evaluator.value_hints("country = 'Peru'") == ["no customer has country = 'Peru'"]
    assert evaluator.value_hints("country = 'O''Brien'") == ["no customer has country = 'O''Brien'"]


def test_value_hints_on_a_categorical_column_and_a_column_of_many_values() -> None:
    view = pl.DataFrame(
        {"tier": pl.Series(["gold", "silver"], dtype=pl.Categorical), "code": ["c1", "c2"]}
    ).vstack(pl.DataFrame({"tier": pl.Series(["gold"] * 6_000, dtype=pl.Categorical), "code": [f"k{i}" for i in range(6_000)]}))
    evaluator = Evaluator(view)
    assert evaluator.value_hints("tier = 'Gold'") == ["no customer has tier = 'Gold' (did you mean 'gold'?)"]
    # too many values to search for a "did you mean", but still told
    assert evaluator.value_hints("code = 'K1'") == ["no customer has code = 'K1'"]
    assert evaluator.value_hints("code = 'k1'") == []


def test_warnings_skip_disabled_rules_and_segments() -> None:
    ruleset = RuleSet(
        [
            Segment("On", [Rule("country = 'uk'"), Rule("country = 'IT'", enabled=False)]),
            Segment("Off", [Rule("country = 'PT'")], enabled=False),
        ],
        universe="country != 'XX'",  # excluding a value nobody has is as likely a typo
    )
    assert Evaluator(VIEW).warnings(ruleset) == [
        "universe: no customer has country = 'XX'",
        'segment "On", rule 1: no customer has country = \'uk\' (did you mean \'UK\'?)',
    ]


@pytest.mark.parametrize("most", [65_535, 70_000])
def test_order_counts_add_up_on_either_side_of_the_narrow_storage(most: int) -> None:
    # orders are held as UInt16 when every count fits; one count more must not wrap
    view = pl.DataFrame({"customer_id": ["a", "b"], "orders": [most, 3], "revenue": [10.0, 2.5]})
    ev = Evaluator(view).evaluate(RuleSet([Segment("All", [Rule("orders >= 1")])]))
    row = ev.segments.row(0, named=True)
    assert row["customers"] == 2 and row["revenue"] == 12.5
    assert row["avg_orders"] == (most + 3) / 2
    assert row["aov"] == pytest.approx(12.5 / (most + 3))


@pytest.mark.parametrize("scale", [1.0, 1e8, 1e13], ids=["cents-as-int32", "cents-as-floats", "beyond-2**53-as-int64"])
def test_segment_revenue_is_the_exact_sum_of_each_customers_cents(scale: float) -> None:
    # Amounts below 2**31 cents are held as Int32, larger ones as whole-number floats while
    # every sum stays below 2**53, and as Int64 beyond: each must give the
    # integer sum of every customer's rounded cents, with nothing lost to floating point.
    revenue = [0.105 * scale, 0.1, 0.2, 2.675 * scale, None, float("nan"), 1.005 * scale, 0.3]
    view = pl.DataFrame({"orders": [1, 2, 3, 4, 5, 6, None, 8], "revenue": revenue})
    rs = RuleSet([Segment("Many", [Rule("orders >= 4")]), Segment("Odd", [Rule("orders IN (1, 3)")])])
    ev = Evaluator(view)
    result = ev.evaluate(rs).segments
    cents = [0 if r is None or r != r else int(round(r * 100)) for r in revenue]
    by_segment = {"Many": [3, 4, 5, 7], "Odd": [0, 2], UNASSIGNED: [1, 6]}
    for name, rows in by_segment.items():
        got = result.filter(pl.col("segment") == name)["revenue"].item()
        assert round(got * 100) == sum(cents[i] for i in rows), name
    assert ev.cents.dtype == pl.Int64 and ev.cents.to_list() == cents
    assert result["revenue"].sum() * 100 == pytest.approx(sum(cents), rel=1e-15)
