"""One Evaluator through a sequence of edits gives what a fresh one gives for each state:
nothing cached for an earlier rule set (masks, segment chains, sums, funnels) leaks."""

from __future__ import annotations

import copy

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segtui import evaluate
from segtui.evaluate import UNASSIGNED, Evaluator
from segtui.rules import Rule, RuleSet, Segment

from .test_evaluate import VIEW

RULES = ["orders >= 3", "recency_days <= 100", "country = 'UK'", "revenue > 25", "country IN ('FR', 'DE')", "orders = 1"]


def _ruleset(assign: str, universe: str | None) -> RuleSet:
    return RuleSet(
        [
            Segment("A", [Rule(RULES[0]), Rule(RULES[1])]),
            Segment("B", [Rule(RULES[2]), Rule(RULES[3])], match="any"),
            Segment("C", [Rule(RULES[4])]),
            Segment("D", [Rule(RULES[5]), Rule(RULES[3])]),
        ],
        assign=assign,
        universe=universe,
    )


def _figures(evaluator: Evaluator, ruleset: RuleSet) -> tuple:
    result = evaluator.evaluate(ruleset)
    return (
        result.segments.rows(), result.rules.rows(), result.universe_customers,
        result.universe_revenue, result.no_segment_customers,
    )


# each edit: (what, segment, rule, new text)
edits = st.lists(
    st.tuples(st.sampled_from(["rule", "segment", "text", "match"]), st.integers(0, 3), st.integers(0, 1), st.sampled_from(RULES)),
    min_size=1, max_size=8,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=edits, assign=st.sampled_from(["first_match", "overlap"]), universe=st.sampled_from([None, "orders <= 4"]),
       share=st.sampled_from([None, 0.0, 1.0]))
def test_every_state_of_an_edited_rule_set_gives_a_fresh_evaluators_figures(
    changes: list, assign: str, universe: str | None, share: float | None
) -> None:
    # share: how many movers the first-match index is updated for rather than rebuilt
    # (None: the default; 0.0: always rebuilt; 1.0: always updated)
    with pytest.MonkeyPatch.context() as mp:
        if share is not None:
            mp.setattr(evaluate, "_DELTA_SHARE", share)
        _check_edits(changes, assign, universe)


def _check_edits(changes: list, assign: str, universe: str | None) -> None:
    ruleset = _ruleset(assign, universe)
    kept = Evaluator(VIEW)
    assert _figures(kept, ruleset) == _figures(Evaluator(VIEW), ruleset)
    for what, s, r, text in changes:
        seg = ruleset.segments[s]
        rule = seg.rules[min(r, len(seg.rules) - 1)]
        if what == "rule":
            rule.enabled = not rule.enabled
        elif what == "segment":
            seg.enabled = not seg.enabled
        elif what == "text":
            rule.where = text
        else:
            seg.match = "any" if seg.match == "all" else "all"
        state = copy.deepcopy(ruleset)
        assert _figures(kept, state) == _figures(Evaluator(VIEW), state)


@pytest.mark.parametrize("universe", [None, "orders <= 4", "TRUE"])
def test_unassigned_is_the_universe_no_segment_took(universe: str | None) -> None:
    ruleset = _ruleset("first_match", universe)
    ruleset.segments[1].enabled = False
    result = Evaluator(VIEW).evaluate(ruleset)
    inside = VIEW.filter(pl.sql_expr(universe)) if universe else VIEW
    taken = inside.filter(pl.sql_expr(f"({RULES[0]}) AND ({RULES[1]})") | pl.sql_expr(RULES[4]).fill_null(False)
                          | pl.sql_expr(f"({RULES[5]}) AND ({RULES[3]})").fill_null(False))
    rest = inside.join(taken, on="customer_id", how="anti")
    row = result.segments.filter(pl.col("segment") == UNASSIGNED).row(0, named=True)
    assert (row["customers"], row["revenue"]) == (rest.height, rest["revenue"].sum())
    assert result.no_segment_customers == rest.height


TEXTS = pl.DataFrame(
    {
        "name": ["O'Brien", "a, b", "x", None, "X", "O'Brien", "a", " b"],
        "tier": ["gold", "silver", None, "gold", "bronze", "iron", "gold", "silver"],
        "orders": [1, 2, 3, 4, 5, 6, 7, 8],
    }
)


@pytest.mark.parametrize(
    "where",
    [
        "name = 'O''Brien'",
        "name IN ('O''Brien', 'a, b')",
        "name in ('x','X' , ' b')",
        "\"name\" IN ('a')",
        "tier IN ('gold', 'silver', 'bronze', 'iron', 'lead')",  # more values than pay: is_in
        "tier NOT IN ('gold')",
        "tier IN ('gold') OR orders > 6",
        "tier = 'gold' AND orders > 1",
    ],
)
def test_text_tests_match_what_polars_matches(where: str) -> None:
    ev = Evaluator(TEXTS)
    expected = TEXTS.select(pl.sql_expr(where).fill_null(False)).to_series().to_list()
    ev.prefetch([where, "tier = 'gold'", "name = 'x'"])  # cached equalities are shared
    assert ev.mask(where).to_list() == expected
    assert Evaluator(TEXTS).mask(where).to_list() == expected  # and computed alone


def test_an_in_list_and_the_equalities_it_shares_count_alike_in_any_order() -> None:
    ruleset = RuleSet(
        [
            Segment("Gold or silver", [Rule("tier IN ('gold', 'silver')")]),
            Segment("Gold", [Rule("tier = 'gold'")]),
            Segment("Silver", [Rule("tier = 'silver'"), Rule("orders >= 2")]),
        ],
        assign="overlap",
    )
    first = Evaluator(TEXTS)
    first.mask("tier = 'silver'")
    assert first.evaluate(ruleset).segments["customers"].to_list() == [5, 3, 2]
    assert Evaluator(TEXTS).evaluate(ruleset).segments["customers"].to_list() == [5, 3, 2]


def test_one_evaluator_shared_by_threads_gives_each_the_figures_of_its_rule_set() -> None:
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    states = []
    for s in range(4):
        for assign in ("first_match", "overlap"):
            ruleset = _ruleset(assign, "orders <= 4" if s % 2 else None)
            ruleset.segments[s].rules[0].enabled = False
            states.append(ruleset)
    shared = Evaluator(VIEW)

    def both(ruleset: RuleSet) -> tuple:
        return _figures(shared, ruleset), shared.members(ruleset, "C")["customer_id"].to_list()

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(both, states * 5))
    fresh = [(_figures(Evaluator(VIEW), r), Evaluator(VIEW).members(r, "C")["customer_id"].to_list()) for r in states]
    assert got == fresh * 5


def test_first_match_with_more_segments_than_a_toggle_reindexes_agrees_with_the_assignments() -> None:
    # beyond 64 segments a toggle recomputes the winners instead of re-indexing the movers:
    # both evaluations must still give each segment exactly the customers assignments() labels
    view = pl.DataFrame({"customer_id": [f"c{i}" for i in range(500)], "orders": [i % 97 for i in range(500)],
                         "revenue": [round(i * 1.37, 2) for i in range(500)]})
    ruleset = RuleSet([Segment(f"S{k}", [Rule(f"orders >= {96 - k}")]) for k in range(70)])
    ev = Evaluator(view)
    for step in range(2):
        result = ev.evaluate(ruleset).segments
        labels = ev.assignments(ruleset).group_by("segment").agg(pl.len().alias("n"), (pl.col("revenue") * 100).round(0).sum().alias("c"))
        expected = {name: (n, c) for name, n, c in labels.iter_rows()}
        for name, customers, revenue in result.select("segment", "customers", "revenue").iter_rows():
            n, c = expected.get(name, (0, 0))
            assert (customers, round(revenue * 100)) == (n, c), (step, name)
        ruleset.segments[3].rules[0].enabled = False  # a toggle, then evaluate again
