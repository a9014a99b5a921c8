"""The same SQL on Spark (local mode): the customer view, every rule file's segments, and apply."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.evaluate import Evaluator
from segtui.resources import RULES_DIR, SAMPLE_FILE
from segtui.rulefile import load_rules
from segtui.sql import rules_sql
from segtui.sql.engines import canonical_frame
from segtui.sql.view_sql import view_sql

from tests.engines.conftest import cli_sql, dataset
from tests.engines.test_native_duckdb import assert_native_equals_polars
from tests.engines.test_rules_duckdb import runnable
from tests.engines.test_view_duckdb import assert_same_view

pytestmark = pytest.mark.slow


def query(spark, sql, tables):
    for name, frame in tables.items():
        spark.register(name, frame)
    return spark.query(sql)


def test_view_sql_on_spark_gives_build_customers_view(spark, data_path):
    ds = dataset(data_path)
    frame, shape, _ = canonical_frame(ds.transactions)
    shape = type(shape)(**{**shape.__dict__, "has_time": ds.view.has_time})
    assert_same_view(query(spark, view_sql(shape, "spark"), {"transactions": frame}), ds.view.frame)


def test_rules_sql_on_spark_gives_evaluators_segments(spark, data_path):
    view = dataset(data_path).view.frame
    spark.register("customers", view)
    for path in sorted(RULES_DIR.glob("*.yaml")):
        ruleset = runnable(load_rules(path), view.schema)
        got = spark.query(rules_sql(ruleset, "spark"))
        want = Evaluator(view).assignments(ruleset).select(got.columns)
        assert got.sort("customer_id").equals(want.sort("customer_id")), path.name


def test_apply_engine_spark_matches_polars(spark, tmp_path):
    runner = CliRunner()
    outputs = []
    for engine in ("polars", "spark"):
        out = tmp_path / f"{engine}.csv"
        result = runner.invoke(app, ["apply", str(RULES_DIR / "rfm.yaml"), str(SAMPLE_FILE), "--format", "json",
                                     "-o", str(out), "--engine", engine])
        assert result.exit_code == 0, result.output
        outputs.append((json.loads(result.stdout), out.read_bytes()))
    assert outputs[0] == outputs[1]


def test_printed_statements_run_unchanged_on_spark(spark):
    view = dataset(SAMPLE_FILE).view.frame
    spark.register("customers", view)
    for path in sorted(RULES_DIR.glob("*.yaml")):
        ruleset = load_rules(path)
        got = spark.query(cli_sql(path, "--dialect", "spark"))
        assert got.equals(Evaluator(view).assignments(ruleset).select(got.columns).sort("customer_id")), path.name
        summary = spark.query(cli_sql(path, "--dialect", "spark", "--summary"))
        assert summary["customers"].to_list() == Evaluator(view).evaluate(ruleset).segments["customers"].to_list()


def test_spark_reads_every_conformance_input_itself(spark, data_path):
    """spark.read.csv, then every view column and every rule file's segments are Polars'."""
    assert_native_equals_polars(data_path, engine="spark")


def test_spark_reads_parquet_itself(spark, tmp_path):
    typed = tmp_path / "typed.parquet"
    dataset(SAMPLE_FILE).transactions.frame.collect().write_parquet(typed)
    assert_native_equals_polars(typed, engine="spark")


def test_local_session_gets_half_the_machines_memory(spark, monkeypatch):
    # Spark's own default (1g) ran out of heap on `apply --engine spark` at 10M lines
    from segtui.memory import ram_bytes
    from segtui.sql.engines import local_driver_memory

    monkeypatch.delenv("SPARK_DRIVER_MEMORY", raising=False)
    expected = local_driver_memory({}, ram_bytes())
    assert spark._spark.conf.get("spark.driver.memory") == expected
    assert int(expected.rstrip("g")) >= 1


def test_stopped_jvm_error_names_the_memory_setting():
    from segtui.sql.engines import _spark_error

    class Py4JNetworkError(Exception):
        pass

    message = str(_spark_error(Py4JNetworkError("Error while sending or receiving")))
    assert message.startswith("Spark refused the query: Error while sending or receiving")
    assert "SPARK_DRIVER_MEMORY" in message
    # an ordinary refusal (a bad column, say) gets no memory advice
    assert "SPARK_DRIVER_MEMORY" not in str(_spark_error(ValueError("cannot resolve column x")))
