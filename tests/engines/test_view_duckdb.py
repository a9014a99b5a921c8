"""`segtui sql --view` in DuckDB gives build_customers' view: every column, exactly (floats 1e-9 rel)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from segtui.customers import build_customers
from segtui.read.transactions import read_transactions
from segtui.sql.engines import canonical_frame, run_duckdb
from segtui.sql.view_sql import view_sql

from tests.engines.conftest import EDGE_FILE, dataset

pytest.importorskip("duckdb")


def assert_same_view(got: pl.DataFrame, want: pl.DataFrame) -> None:
    """Same columns in the same order, same values; integer widths may differ (Int8 vs Int32)."""
    assert got.columns == want.columns
    assert got.height == want.height
    ints = [n for n, d in want.schema.items() if d.is_integer()]
    got = got.with_columns(pl.col(ints).cast(pl.Int64)).sort("customer_id")
    want = want.with_columns(pl.col(ints).cast(pl.Int64)).sort("customer_id")
    assert_frame_equal(got, want, check_dtypes=True, rel_tol=1e-9, abs_tol=1e-12)


def duckdb_view(tx, as_of: date | None = None, has_time: bool = True) -> pl.DataFrame:
    frame, shape, _ = canonical_frame(tx)
    shape = type(shape)(**{**shape.__dict__, "has_time": has_time})
    return run_duckdb(view_sql(shape, "duckdb", table="transactions", as_of=as_of), {"transactions": frame})


def test_view_sql_gives_build_customers_view(data_path):
    ds = dataset(data_path)
    got = duckdb_view(ds.transactions, has_time=ds.view.has_time)
    assert_same_view(got, ds.view.frame)


@pytest.mark.parametrize("as_of", [date(2024, 6, 15), date(2025, 1, 5), date(2030, 1, 1)])
def test_view_sql_with_as_of_between_lines(as_of):
    tx = read_transactions(EDGE_FILE)
    want = build_customers(tx, as_of=as_of).frame
    assert_same_view(duckdb_view(tx, as_of=as_of), want)


def test_cli_view_query_runs_unchanged_in_duckdb():
    from typer.testing import CliRunner

    from segtui.cli import app
    from segtui.resources import SAMPLE_FILE

    ds = dataset(SAMPLE_FILE)
    args = ["sql", "--view", "--transactions", "sales"]
    for name in ds.view.attributes:
        args += ["--attribute", name]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    frame, _, _ = canonical_frame(ds.transactions)
    assert_same_view(run_duckdb(result.output, {"sales": frame}), ds.view.frame)
