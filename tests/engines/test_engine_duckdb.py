"""`apply` and `customers` with `--engine duckdb` print and write what Polars does."""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app

from tests.engines.test_view_duckdb import assert_same_view

pytest.importorskip("duckdb")
runner = CliRunner()


def run(*args) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_apply_json_summary_and_members_match(tmp_path, data_path, rule_path):
    outputs = {}
    for engine in ("polars", "duckdb"):
        members = tmp_path / f"{engine}.csv"
        code, out, err = run("apply", rule_path, data_path, "--format", "json", "-o", members, "--engine", engine)
        outputs[engine] = (code, out, err.replace(f"{engine}.csv", "OUT"), members.read_bytes() if code == 0 else None)
    polars, duckdb = outputs["polars"], outputs["duckdb"]
    assert duckdb[0] == polars[0], duckdb[2]
    assert duckdb[2] == polars[2]  # the same notices, warnings and errors
    if polars[0] == 0:
        assert json.loads(duckdb[1]) == json.loads(polars[1])
        assert duckdb[3] == polars[3]  # the members file, byte for byte


def test_apply_table_summary_is_the_same(data_path):
    got = run("apply", "rules/lifecycle.yaml", data_path, "--engine", "duckdb")
    want = run("apply", "rules/lifecycle.yaml", data_path)
    assert got == want and want[0] == 0


@pytest.mark.parametrize("as_of", [None, "2025-01-05"])
def test_customers_parquet_and_csv_match(tmp_path, data_path, as_of):
    extra = ["--as-of", as_of] if as_of and data_path.name.startswith("edge_cases") else []
    for suffix in ("parquet", "csv"):
        paths = {}
        for engine in ("polars", "duckdb"):
            paths[engine] = tmp_path / f"{engine}.{suffix}"
            code, _, err = run("customers", data_path, "-o", paths[engine], "--engine", engine, *extra)
            assert code == 0, err
        if suffix == "csv":
            assert paths["duckdb"].read_bytes() == paths["polars"].read_bytes()
        else:
            got, want = pl.read_parquet(paths["duckdb"]), pl.read_parquet(paths["polars"])
            assert got.schema == want.schema
            assert_same_view(got, want)


def test_as_of_before_the_data_is_the_same_error():
    from tests.engines.conftest import EDGE_FILE

    got = run("customers", EDGE_FILE, "--as-of", "2020-01-01", "--engine", "duckdb")
    assert got == run("customers", EDGE_FILE, "--as-of", "2020-01-01")
    assert got[0] == 1 and "is before the first transaction" in got[2]


def test_unknown_engine_is_a_usage_error():
    assert run("apply", "rules/rfm.yaml", "--engine", "oracle")[0] == 2


def test_customers_summary_is_the_same(data_path):
    got = run("customers", data_path, "--engine", "duckdb")
    assert got == run("customers", data_path) and got[0] == 0
