"""`segtui sql` output, run in DuckDB over the Polars-built customer view, gives Evaluator's segments."""

from __future__ import annotations

import math
from dataclasses import replace

import polars as pl
import pytest

from segtui.evaluate import Evaluator
from segtui.rulefile import load_rules
from segtui.rules import missing_columns
from segtui.sql import rules_sql, summary_sql
from segtui.sql.engines import run_duckdb

from tests.engines.conftest import cli_sql, dataset

pytest.importorskip("duckdb")


def runnable(ruleset, schema):
    """The rule set with rules on columns the data lacks switched off, as the app does."""
    segments = [
        replace(seg, rules=[replace(r, missing=tuple(missing_columns(r.where, schema))) for r in seg.rules])
        for seg in ruleset.segments
    ]
    return replace(ruleset, segments=segments)


def test_rules_sql_gives_evaluators_segments(data_path, rule_path):
    view = dataset(data_path).view.frame
    ruleset = runnable(load_rules(rule_path), view.schema)
    got = run_duckdb(rules_sql(ruleset, "duckdb"), {"customers": view})
    want = Evaluator(view).assignments(ruleset).select(got.columns)
    assert got.height == want.height > 0
    assert got.sort("customer_id").equals(want.sort("customer_id"))


def test_summary_sql_gives_evaluators_counts_and_revenue(data_path, rule_path):
    view = dataset(data_path).view.frame
    ruleset = runnable(load_rules(rule_path), view.schema)
    got = run_duckdb(summary_sql(ruleset, "duckdb"), {"customers": view})
    want = Evaluator(view).evaluate(ruleset)
    rows = want.segments.select("segment", "customers", "revenue").rows()
    assert got["segment"].to_list() == [name for name, _, _ in rows]
    assert got["customers"].to_list() == [n for _, n, _ in rows]
    for (name, _, revenue), value in zip(rows, got["revenue"].to_list()):
        assert math.isclose(value, revenue, rel_tol=1e-9, abs_tol=1e-9), name


def test_printed_statements_run_unchanged_in_duckdb(rule_path):
    """On the sample every rule runs, so the CLI's text is the whole rule file."""
    from segtui.resources import SAMPLE_FILE

    view = dataset(SAMPLE_FILE).view.frame
    ruleset = load_rules(rule_path)
    got = run_duckdb(cli_sql(rule_path, "--dialect", "duckdb", "--table", "shop_customers"), {"shop_customers": view})
    assert got.equals(Evaluator(view).assignments(ruleset).select(got.columns).sort("customer_id"))
    summary = run_duckdb(cli_sql(rule_path, "--summary"), {"customers": view})
    want = Evaluator(view).evaluate(ruleset).segments
    assert summary["customers"].to_list() == want["customers"].to_list()
