"""Overlap matrix and combinations agree with sets of members computed independently."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import polars as pl
import pytest

from segtui.analysis.overlap import NO_SEGMENT, overlap
from segtui.customers import build_customers
from segtui.evaluate import Evaluator

from .change_reference import load
from .change_rules import CASES, shipped
from segtui.resources import SAMPLE_FILE


def _alone(view: pl.DataFrame, ruleset) -> dict[str, set[str]]:
    """Each segment on its own (overlap mode), within the universe, via Evaluator.assignments."""
    rows = Evaluator(view).assignments(replace(ruleset, assign="overlap"))
    return {seg.name: set(rows.filter(pl.col(seg.name))["customer_id"]) for seg in ruleset.segments}


@pytest.mark.parametrize(("data", "make_rules"), CASES)
def test_overlap_agrees_with_independent_sets(data, make_rules) -> None:
    ruleset = make_rules()
    view = build_customers(load(data), lifecycle=ruleset.lifecycle).frame
    result = overlap(view, ruleset, top=1000)

    members = _alone(view, ruleset)
    revenue = dict(zip(view["customer_id"], view["revenue"]))
    for cell in result.matrix.iter_rows(named=True):
        a, b = members[cell["row"]], members[cell["column"]]
        both = a & b
        assert cell["customers"] == len(both), cell
        assert cell["revenue"] == pytest.approx(sum(revenue[c] for c in both), abs=0.01)
        assert cell["row_pct"] == (pytest.approx(100 * len(both) / len(a)) if a else None)
        assert cell["jaccard"] == (pytest.approx(len(both) / len(a | b)) if a | b else None)

    universe = set(Evaluator(view).assignments(ruleset)["customer_id"])
    combos = Counter(tuple(name for name in members if c in members[name]) for c in universe)
    got = {tuple(r["segments"]): r["customers"] for r in result.combinations.iter_rows(named=True)}
    assert got == dict(combos)
    assert result.universe_customers == len(universe)
    assert result.more_combinations == 0


def test_first_match_overlap_shows_what_first_match_hides() -> None:
    ruleset = shipped("lifecycle")
    view = build_customers(load(SAMPLE_FILE)).frame
    result = overlap(view, ruleset)
    cell = result.matrix.filter((pl.col("row") == "New") & (pl.col("column") == "Active")).row(0, named=True)
    assigned = Evaluator(view).evaluate(ruleset).segments
    # New customers bought recently, so they pass Active's rule too; first_match counts them once
    assert cell["customers"] == assigned.filter(pl.col("segment") == "New")["customers"].item() > 0


def test_top_limits_combinations_and_counts_the_rest() -> None:
    view = build_customers(load(SAMPLE_FILE)).frame
    full = overlap(view, shipped("value"), top=1000)
    short = overlap(view, shipped("value"), top=3)
    assert short.combinations.height == 3
    assert short.more_combinations == full.combinations.height - 3
    assert short.combinations.rows() == full.combinations.head(3).rows()
    assert NO_SEGMENT in full.combinations["label"].to_list()
