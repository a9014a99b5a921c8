"""Rules whose meaning differs between engines: measured in DuckDB against Polars.

``validate --portable`` names them; ``segtui sql`` writes them with Polars' meaning.
"""

from __future__ import annotations

import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.evaluate import Evaluator
from segtui.sql import predicate_sql
from segtui.sql.engines import run_duckdb

pytest.importorskip("duckdb")
runner = CliRunner()

VIEW = pl.DataFrame({
    "customer_id": ["a", "b", "c", "d", "e"],
    "aov": [2.7, 2.2, -2.7, 3.0, 2.5],
    "orders": [1, 5, 7, 8, 0],
    "revenue": [10.0, 20.0, 0.35, 1.45, 0.0],
    "top_channel": ["web", "app", "marketplace", None, "web"],
})


def polars_count(where: str) -> int:
    return int(Evaluator(VIEW).mask(where).sum())


def duckdb_count(predicate: str) -> int:
    return run_duckdb(f"SELECT COUNT(*) AS n FROM customers WHERE {predicate}", {"customers": VIEW}).item()


@pytest.mark.parametrize("where", ["CAST(aov AS INTEGER) = 2", "CAST(aov AS INTEGER) = -2"])
def test_integer_cast_differs_as_written_and_agrees_as_written_by_segtui_sql(where):
    assert duckdb_count(where) != polars_count(where)  # DuckDB rounds 2.7 to 3, Polars truncates
    assert duckdb_count(predicate_sql(where, "duckdb")) == polars_count(where)


def test_regex_operator_is_rewritten_to_each_engines_function():
    where = "top_channel ~ '^(web|app)'"
    assert polars_count(where) == 3
    assert duckdb_count(predicate_sql(where, "duckdb")) == 3
    assert "RLIKE" in predicate_sql(where, "spark")
    assert "REGEXP_CONTAINS" in predicate_sql(where, "bigquery")


@pytest.mark.parametrize("where", ["ROUND(aov) = 2", "ROUND(revenue, 1) = 0.4", "ROUND(aov) = 3"])
def test_round_differs_as_written_and_agrees_as_written_by_segtui_sql(where):
    # Polars rounds 2.5 to 2 and 0.35 (3.5 tenths) to 0.4; DuckDB to 3 and 0.3
    assert duckdb_count(where) != polars_count(where)
    assert duckdb_count(predicate_sql(where, "duckdb")) == polars_count(where)


@pytest.mark.parametrize("where", ["revenue / orders > 4", "revenue / orders < 0", "aov / (orders - orders) > 1"])
def test_division_by_zero_gives_polars_infinities(where):
    assert duckdb_count(predicate_sql(where, "duckdb")) == polars_count(where)
    assert "Infinity" in predicate_sql(where, "postgres") and "Infinity" in predicate_sql(where, "spark")


def test_division_is_written_as_true_division_for_postgres():
    where = "orders / 4 >= 1.5"  # 7 / 4 = 1.75 matches; as integer division it would be 1
    assert polars_count(where) == duckdb_count(predicate_sql(where, "duckdb")) == 2
    assert predicate_sql(where, "postgres").startswith("CAST(orders AS DOUBLE PRECISION) / 4")


def test_validate_portable_names_each_construct(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(
        "version: 1\nuniverse: \"top_channel ~ 'w'\"\nsegments:\n"
        "  - name: Cast\n    rules: ['CAST(aov AS INTEGER) = 2', 'orders >= 1']\n"
        "  - name: Div\n    rules: ['orders / 4 >= 1']\n"
    )
    plain = runner.invoke(app, ["validate", str(path)])
    assert plain.exit_code == 0, plain.output
    result = runner.invoke(app, ["validate", "--portable", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 3, result.output
    assert "universe: the ~ regex operator" in lines[0]
    assert 'segment "Cast", rule 1: CAST(… AS INTEGER) truncates' in lines[1]
    assert 'segment "Div", rule 1: / divides integers' in lines[2]
    assert "Traceback" not in result.output


def test_validate_portable_passes_a_shipped_rule_file():
    from segtui.resources import RULES_DIR

    result = runner.invoke(app, ["validate", "--portable", str(RULES_DIR / "rfm.yaml")])
    assert result.exit_code == 0, result.output
