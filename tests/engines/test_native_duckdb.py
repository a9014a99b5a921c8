"""`--engine duckdb` reads the file in DuckDB (read_csv / read_parquet) and gives Polars' view.

Every conformance input is read natively and compared with segtui's reader + Polars; files
DuckDB cannot read as segtui does go through segtui's reader, with a notice saying why.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.dataset import load_dataset
from segtui.evaluate import Evaluator
from segtui.rulefile import load_rules

from tests.engines.conftest import RULE_FILES, dataset
from tests.engines.test_rules_duckdb import runnable
from tests.engines.test_view_duckdb import assert_same_view

pytest.importorskip("duckdb")
runner = CliRunner()


def run(*args) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def assert_native_equals_polars(path: Path, engine: str = "duckdb", **options) -> None:
    """The engine read ``path`` itself, and its view, notices and segments are Polars'."""
    want = load_dataset(path, **options)
    got = load_dataset(path, engine=engine, **options)
    assert got.transactions.reader == engine, got.notices
    assert got.notices == want.notices
    assert got.transactions.rows == want.transactions.rows
    assert got.transactions.mapping == want.transactions.mapping
    assert_same_view(got.view.frame, want.view.frame)
    assert (got.view.as_of, got.view.first_date, got.view.last_date, got.view.transactions) == (
        want.view.as_of, want.view.first_date, want.view.last_date, want.view.transactions)
    for rule_path in RULE_FILES:
        ruleset = runnable(load_rules(rule_path), want.view.frame.schema)
        segments = [Evaluator(ds.view.frame).evaluate(ruleset).segments for ds in (got, want)]
        assert segments[0].equals(segments[1]), rule_path.name


def test_every_conformance_input_is_read_by_duckdb(data_path):
    assert_native_equals_polars(data_path)


def test_parquet_copies_are_read_by_duckdb(tmp_path, data_path):
    copy = tmp_path / "copy.parquet"
    pl.read_csv(data_path, infer_schema=False).write_parquet(copy)  # every column as text
    assert_native_equals_polars(copy)
    typed = tmp_path / "typed.parquet"
    dataset(data_path).transactions.frame.collect().write_parquet(typed)  # dates, numbers, booleans
    assert_native_equals_polars(typed)


def test_the_frame_of_native_transactions_is_segtuis_reader(data_path):
    got = load_dataset(data_path, engine="duckdb").transactions
    assert got.frame.collect().equals(dataset(data_path).transactions.frame.collect())


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_money_text_falls_back_to_segtuis_reader_with_a_notice(tmp_path):
    path = write(tmp_path, 'customer_id,date,total\na,2024-01-01,"$1,234.50"\nb,2024-01-02,(3.00)\na,2024-02-01,12.00\n')
    got, want = (run("apply", "rules/rfm.yaml", path, "--format", "json", "--engine", e) for e in ("duckdb", "polars"))
    assert got[0] == want[0] == 0
    assert json.loads(got[1]) == json.loads(want[1])
    notice = "note: duckdb did not read the file itself: column 'total' holds money text such as '$1,234.50'; segtui's reader read it\n"
    assert got[2] == want[2] + notice
    assert load_dataset(path, engine="duckdb").transactions.reader == "segtui"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("customer_id,date,amount\na,2024-01-01,1\nb,2024-13-45,2\n", "cannot parse order date"),
        ("customer_id,date,amount\na,2024-01-01,1\nb,2024-01-02,abc\n", "not a number"),
        ("customer_id,date,amount\na,2024-01-01,1\nb,2024-01-02,inf\n", "not a finite number"),
        ("customer_id,date,amount\na,2024-01-01,1\nb,2024-01-02,1e20\n", "too large"),
    ],
)
def test_a_bad_value_gives_the_readers_error_naming_its_row(tmp_path, text, why):
    path = write(tmp_path, text)
    got = run("customers", path, "--engine", "duckdb")
    assert got == run("customers", path)
    assert got[0] == 1 and why in got[2] and "(row 2)" in got[2]


def test_dropped_rows_blank_order_ids_and_no_amount_give_the_readers_notices(tmp_path):
    path = write(
        tmp_path,
        "customer,order,day,amount,qty,promo,country\n"
        " a ,1,2024-01-01 10:00,10,1,SPRING,UK\n"
        ",2,2024-01-01,5,1,,UK\n"
        "b,,2024-01-03,7.5,2,,\n"
        "b,,2024-01-03,2.5,1,none,DE\n"
        "c,3,,4,1,,FR\n"
        "c,C4,2024-02-01,4,-1,,FR\n"
        "c,5,2024-02-02,,1,X,FR\n"
        "d,6, 2024-03-01 ,1.25,0.5,,\n",
    )
    assert_native_equals_polars(path)
    notices = load_dataset(path, engine="duckdb").notices
    assert any("no order id: each counts as an order of its own" in n for n in notices)


def test_no_order_id_column_and_computed_amounts(tmp_path):
    path = write(tmp_path, "user_id;created_at;quantity;unit_price;discount\nu1;2024-01-01;2;1.5;0\n"
                           "u1;2024-01-01;1;3;1\nu2;2024-05-06;-1;3;0\nu2;2024-05-07;4;0.25;1\n")
    assert_native_equals_polars(path)


@pytest.mark.parametrize("dates", [
    ["12/1/10 8:26", "1/2/69 23:59", "12/31/70 0:00"],    # US, two-digit years: 69 is 2069 in Polars
    ["31/12/2020", "01/02/2021", "15/06/2021"],           # day first
    ["2024-01-05T10:00", "2024-02-06T11:30", "2024-03-07T00:00"],
    ["20240105", "20240206", "20240307"],                 # YYYYMMDD integers
])
def test_date_formats_parse_as_polars_parses_them(tmp_path, dates):
    lines = "".join(f"c{i % 2},{d},{i + 1}.5\n" for i, d in enumerate(dates))
    assert_native_equals_polars(write(tmp_path, "customer_id,order_date,amount\n" + lines))


def test_a_column_that_changes_type_after_the_sample_falls_back(tmp_path):
    rows = "".join(f"c{i % 50},2024-01-{1 + i % 28:02d},{i % 7 + 1},{i % 90}\n" for i in range(10_050))
    path = write(tmp_path, "customer_id,order_date,amount,age\n" + rows + "c1,2024-01-01,3,N/A\n")
    want = load_dataset(path)
    got = load_dataset(path, engine="duckdb")
    assert got.transactions.reader == "segtui"
    assert got.notices[:-1] == want.notices and got.notices[-1].startswith("duckdb did not read the file itself")
    assert_same_view(got.view.frame, want.view.frame)


def test_a_latin1_file_falls_back_with_a_notice(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("customer_id,date,amount,city\na,2024-01-01,1,Z\xfcrich\n".encode("latin-1"))
    got = load_dataset(path, engine="duckdb")
    assert got.transactions.reader == "segtui"
    assert got.notices[-1] == "duckdb did not read the file itself: it is not UTF-8 text; segtui's reader read it"
    assert_same_view(got.view.frame, load_dataset(path).view.frame)


@pytest.mark.parametrize("text", [
    "client,day,total\na,01/02/2024,1\nb,03/04/2024,2\n",   # day-first or month-first: the reader asks
    "who,when,what\na,2024-01-01,1\n",                     # no role found
])
def test_a_file_the_reader_refuses_gives_the_readers_error(tmp_path, text):
    path = write(tmp_path, text)
    got = run("customers", path, "--engine", "duckdb")
    assert got == run("customers", path) and got[0] == 1


def test_a_name_duckdb_would_read_as_a_pattern_falls_back(tmp_path):
    path = write(tmp_path, "customer_id,order_date,amount\na,2024-01-01,1\n", name="sales[1].csv")
    got = load_dataset(path, engine="duckdb")
    assert got.transactions.reader == "segtui" and "as a pattern" in got.notices[-1]
    assert_same_view(got.view.frame, load_dataset(path).view.frame)
