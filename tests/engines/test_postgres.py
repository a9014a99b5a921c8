"""The same SQL in a real Postgres server: the rules' segments and the customer view."""

from __future__ import annotations

import math

from segtui.evaluate import Evaluator
from segtui.rulefile import load_rules
from segtui.sql import rules_sql, summary_sql
from segtui.sql.engines import canonical_frame, run_postgres
from segtui.sql.view_sql import view_sql

from tests.engines.conftest import cli_sql, dataset
from tests.engines.test_rules_duckdb import runnable
from tests.engines.test_view_duckdb import assert_same_view


def test_rules_sql_in_postgres_gives_evaluators_segments(postgres, data_path, rule_path):
    view = dataset(data_path).view.frame
    ruleset = runnable(load_rules(rule_path), view.schema)
    got = run_postgres(postgres, rules_sql(ruleset, "postgres"), {"customers": view})
    want = Evaluator(view).assignments(ruleset).select(got.columns)
    assert got.sort("customer_id").equals(want.sort("customer_id"))
    summary = run_postgres(postgres, summary_sql(ruleset, "postgres"), {"customers": view})
    rows = Evaluator(view).evaluate(ruleset).segments.select("segment", "customers", "revenue").rows()
    assert summary.select("segment", "customers").rows() == [(s, n) for s, n, _ in rows]
    for (name, _, revenue), value in zip(rows, summary["revenue"].to_list()):
        assert math.isclose(value, revenue, rel_tol=1e-9, abs_tol=1e-9), name


def test_view_sql_in_postgres_gives_build_customers_view(postgres, data_path):
    ds = dataset(data_path)
    frame, shape, _ = canonical_frame(ds.transactions)
    shape = type(shape)(**{**shape.__dict__, "has_time": ds.view.has_time})
    got = run_postgres(postgres, view_sql(shape, "postgres"), {"transactions": frame})
    assert_same_view(got, ds.view.frame)


def test_printed_statements_run_unchanged_in_postgres(postgres, rule_path):
    from segtui.resources import SAMPLE_FILE

    view = dataset(SAMPLE_FILE).view.frame
    ruleset = load_rules(rule_path)
    got = run_postgres(postgres, cli_sql(rule_path, "--dialect", "postgres"), {"customers": view})
    assert got.equals(Evaluator(view).assignments(ruleset).select(got.columns).sort("customer_id"))
    summary = run_postgres(postgres, cli_sql(rule_path, "--dialect", "postgres", "--summary"), {"customers": view})
    assert summary["customers"].to_list() == Evaluator(view).evaluate(ruleset).segments["customers"].to_list()


def test_what_differs_in_postgres_is_measured_and_rewritten(postgres):
    """Measured on the server: integer division, division by zero and ROUND of a double."""
    import polars as pl
    import pytest

    from segtui.errors import SegtuiError
    from segtui.sql import predicate_sql

    view = pl.DataFrame({"customer_id": ["a", "b", "c"], "orders": [7, 0, 2], "revenue": [2.5, 3.0, 0.35]})

    def count(predicate: str) -> int:
        return run_postgres(postgres, f"SELECT COUNT(*) AS n FROM customers WHERE {predicate}", {"customers": view}).item()

    polars = Evaluator(view)
    assert count("orders / 4 >= 1.5") == 0 != int(polars.mask("orders / 4 >= 1.5").sum())  # 7 / 4 is 1 here
    with pytest.raises(SegtuiError, match="division by zero"):
        count("revenue / orders > 1")
    with pytest.raises(SegtuiError, match="round"):
        count("ROUND(revenue, 1) = 0.4")
    for where in ("orders / 4 >= 1.5", "revenue / orders > 1", "ROUND(revenue, 1) = 0.4", "ROUND(revenue) = 2"):
        assert count(predicate_sql(where, "postgres")) == int(polars.mask(where).sum()), where
