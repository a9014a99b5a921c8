"""read_transactions: formats, detection, dates, amounts, returns and bad input."""

from __future__ import annotations

import gzip
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

import segtui.read.transactions as segio
from segtui.errors import SegtuiError
from segtui.read.transactions import read_transactions

from .shared_data import CDNOW

# Three customers, one of them ("00007") with leading zeros and two lines.
BASE = pl.DataFrame(
    {
        "Customer ID": ["00007", "00007", "12", "A-9"],
        "Order Date": ["2011-01-03", "2011-02-10", "2011-02-11", "2011-03-01"],
        "Revenue": [10.5, 20.0, 7.25, 100.0],
        "Country": ["UK", "UK", "France", "Germany"],
    }
)


def write_csv(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str, name: str = "t.csv", **kwargs) -> pl.DataFrame:
    return read_transactions(write_csv(tmp_path, text, name), **kwargs).frame.collect()


def error_of(path: Path, **kwargs) -> str:
    with pytest.raises(SegtuiError) as err:
        read_transactions(path, **kwargs)
    message = err.value.message
    assert "\n" not in message
    return message


def assert_base(tx: segio.Transactions) -> None:
    df = tx.frame.collect()
    assert df.columns == ["customer_id", "order_id", "order_date", "amount", "is_return",
                          "country"]
    assert df["customer_id"].to_list() == ["00007", "00007", "12", "A-9"]
    assert df["amount"].to_list() == [10.5, 20.0, 7.25, 100.0]
    assert df["order_date"].dtype == pl.Datetime("us")
    assert df["order_date"][1] == datetime(2011, 2, 10)
    assert df["order_id"].to_list() == ["1", "2", "3", "4"]
    assert tx.mapping == {"customer_id": "Customer ID", "order_date": "Order Date",
                          "amount": "Revenue"}
    assert tx.attributes == ["country"]
    assert tx.rows == 4


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(("separator", "name"),
                         [(",", "t.csv"), (";", "t.csv"), ("\t", "t.tsv"), ("|", "t.txt")])
def test_csv_each_delimiter(tmp_path, separator, name):
    path = tmp_path / name
    BASE.write_csv(path, separator=separator)
    assert_base(read_transactions(path))


def test_csv_gz(tmp_path):
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(BASE.write_csv().encode()))
    assert_base(read_transactions(path))


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("t.parquet", lambda df, p: df.write_parquet(p)),
        ("t.xlsx", lambda df, p: df.write_excel(p)),
        ("t.jsonl", lambda df, p: df.write_ndjson(p)),
        ("t.ndjson", lambda df, p: df.write_ndjson(p)),
        ("t.json", lambda df, p: df.write_json(p)),
        ("t.arrow", lambda df, p: df.write_ipc(p)),
        ("t.feather", lambda df, p: df.write_ipc(p)),
    ],
)
def test_binary_and_json_formats(tmp_path, name, write):
    path = tmp_path / name
    write(BASE, path)
    assert_base(read_transactions(path))


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet", ".arrow", ".jsonl", ".json", ".xlsx"])
def test_a_file_name_with_glob_characters_names_that_file(tmp_path, suffix):
    # Polars' scanners expand "[x]" and "*" as a pattern: "sales [2024].csv" matched nothing.
    folder = tmp_path / "exports [q1]"
    folder.mkdir()
    path = folder / f"sales*[2024]?{suffix}"
    writers = {
        ".csv": BASE.write_csv, ".parquet": BASE.write_parquet, ".arrow": BASE.write_ipc,
        ".jsonl": BASE.write_ndjson, ".json": BASE.write_json, ".xlsx": BASE.write_excel,
        ".csv.gz": lambda p: Path(p).write_bytes(gzip.compress(BASE.write_csv().encode())),
    }
    writers[suffix](path)
    assert_base(read_transactions(path))


def test_native_dates_and_float_ids_from_parquet(tmp_path):
    path = tmp_path / "t.parquet"
    pl.DataFrame(
        {
            "customer_id": [12346.0, 12347.0],
            "day": [date(2011, 1, 2), date(2011, 1, 3)],
            "amount": [1, 2],
        }
    ).write_parquet(path)
    df = read_transactions(path).frame.collect()
    assert df["customer_id"].to_list() == ["12346", "12347"]
    assert df["order_date"].to_list() == [datetime(2011, 1, 2), datetime(2011, 1, 3)]
    assert df["amount"].dtype == pl.Float64


def test_excel_native_datetimes(tmp_path):
    path = tmp_path / "t.xlsx"
    pl.DataFrame(
        {"client": ["a", "b"], "created_at": [datetime(2011, 5, 1, 8, 26), datetime(2011, 5, 2)],
         "sales": [3.0, 4.0]}
    ).write_excel(path)
    df = read_transactions(path).frame.collect()
    assert df["order_date"].to_list() == [datetime(2011, 5, 1, 8, 26), datetime(2011, 5, 2)]


def test_tz_aware_datetimes_become_naive_wall_clock(tmp_path):
    path = tmp_path / "t.parquet"
    stamps = pl.Series([datetime(2011, 5, 1, 8, 26)]).dt.replace_time_zone("Europe/London")
    pl.DataFrame({"user_id": ["a"], "timestamp": stamps, "total": [1.0]}).write_parquet(path)
    df = read_transactions(path).frame.collect()
    assert df["order_date"].dtype == pl.Datetime("us")
    assert df["order_date"].to_list() == [datetime(2011, 5, 1, 8, 26)]


# --------------------------------------------------------------------------- detection


def test_leading_zeros_whitespace_and_empty_ids(tmp_path):
    df = load(tmp_path, "CustomerID,Date,DollarValue\n 00004 ,1997-01-01,1\n00021,1997-01-02,2\n"
                        "   ,1997-01-03,3\n")
    assert df["customer_id"].to_list() == ["00004", "00021"]


def test_order_ids_keep_leading_zeros_and_textual_float_ids_lose_dot_zero(tmp_path):
    df = load(tmp_path, "Invoice,Customer ID,InvoiceDate,Quantity,Price\n"
                        "000123,13085.0,2010-12-01,2,1.5\n000124,13086.0,2010-12-01,1,4\n")
    assert df["order_id"].to_list() == ["000123", "000124"]
    assert df["customer_id"].to_list() == ["13085", "13086"]


def test_text_column_named_total_loses_to_numeric_amount(tmp_path):
    tx = read_transactions(write_csv(tmp_path, "cust_id,date,total,amount\n"
                                               "1,2020-01-01,yes,5\n2,2020-01-02,no,6\n"))
    assert tx.mapping["amount"] == "amount"
    assert tx.attributes == ["total"]


def test_overrides_win(tmp_path):
    path = write_csv(tmp_path, "customer,email,date,sales,DollarValue\n"
                               "1,a@x,2020-01-01,5,50\n2,b@x,2020-01-02,6,60\n")
    tx = read_transactions(path, columns={"customer_id": "email", "amount": "DollarValue"})
    df = tx.frame.collect()
    assert df["customer_id"].to_list() == ["a@x", "b@x"]
    assert df["amount"].to_list() == [50.0, 60.0]
    # the columns the overrides displaced become attributes
    assert tx.attributes == ["customer", "sales"]


def test_override_of_missing_column_lists_columns(tmp_path):
    path = write_csv(tmp_path, "customer,date,sales\n1,2020-01-01,5\n")
    message = error_of(path, columns={"amount": "DollarValue"})
    assert message.startswith("t.csv: ")
    assert "'DollarValue'" in message and "'customer', 'date', 'sales'" in message


def test_amount_from_quantity_times_price(tmp_path):
    tx = read_transactions(write_csv(tmp_path, "Customer ID,InvoiceDate,Quantity,UnitPrice\n"
                                               "1,2020-01-01,3,2.5\n2,2020-01-02,4,1\n"))
    df = tx.frame.collect()
    assert df["amount"].to_list() == [7.5, 4.0]
    assert df["quantity"].to_list() == [3.0, 4.0]
    assert df["unit_price"].to_list() == [2.5, 1.0]
    assert "amount computed as Quantity × UnitPrice" in tx.notices


def test_attributes_are_snake_case_and_avoid_metric_names(tmp_path):
    tx = read_transactions(write_csv(
        tmp_path, "Customer ID,Date,Amount,Customer Country,Orders\n1,2020-01-01,5,UK,3\n"))
    assert tx.attributes == ["customer_country", "orders_attr"]
    assert tx.attribute_sources == {"customer_country": "Customer Country",
                                    "orders_attr": "Orders"}
    df = tx.frame.collect()
    assert df["customer_country"].to_list() == ["UK"]


def test_product_category_channel_are_text(tmp_path):
    df = load(tmp_path, "customer,date,amount,sku,category,channel\n"
                        "1,2020-01-01,5,0042,Books,web\n")
    assert df.select("product", "category", "channel").row(0) == ("0042", "Books", "web")


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (['"$1,234.00"', "$5", '"(3.50)"'], [1234.0, 5.0, -3.5]),
        (['"12,50"', '"1.234,5"', "€3"], [12.5, 1234.5, 3.0]),
        (["£ 7.10", "-2", "USD 4"], [7.1, -2.0, 4.0]),
    ],
)
def test_currency_text_amounts(tmp_path, values, expected):
    lines = "".join(f"c{i},2020-01-0{i + 1},{v}\n" for i, v in enumerate(values))
    df = load(tmp_path, "customer,date,amount\n" + lines)
    assert df["amount"].to_list() == expected


def test_non_numeric_amount_names_column_value_and_row(tmp_path):
    path = write_csv(tmp_path, 'customer,date,amount\n1,2020-01-01,"$3.00"\n'
                               '2,2020-01-02,"$4.00"\n3,2020-01-03,"12 apples"\n')
    message = error_of(path)
    assert "'amount'" in message and "'12 apples'" in message and "row 3" in message


def test_integer_looking_amounts_with_a_later_decimal(tmp_path, monkeypatch):
    monkeypatch.setattr(segio, "INFER_ROWS", 2)
    monkeypatch.setattr(segio, "SAMPLE_ROWS", 2)
    df = load(tmp_path, "customer,date,amount\n1,2020-01-01,3\n2,2020-01-02,4\n"
                        "3,2020-01-03,4.5\n")
    assert df["amount"].to_list() == [3.0, 4.0, 4.5]


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2010-12-01", "2010-12-02"], [datetime(2010, 12, 1), datetime(2010, 12, 2)]),
        (["2010-12-01 08:26:00", "2010-12-02T09:01"],
         [datetime(2010, 12, 1, 8, 26), datetime(2010, 12, 2, 9, 1)]),
        (["2010-12-01", "2010-12-02 17:30:05"],
         [datetime(2010, 12, 1), datetime(2010, 12, 2, 17, 30, 5)]),
        (["12/1/10 8:26", "12/13/10 18:05"],
         [datetime(2010, 12, 1, 8, 26), datetime(2010, 12, 13, 18, 5)]),
        (["12/01/2010 08:26", "01/13/2011 07:00"],
         [datetime(2010, 12, 1, 8, 26), datetime(2011, 1, 13, 7, 0)]),
        (["31/12/2010", "01/02/2011"], [datetime(2010, 12, 31), datetime(2011, 2, 1)]),
        (["31.12.2010", "1.2.2011"], [datetime(2010, 12, 31), datetime(2011, 2, 1)]),
        (["19970101", "19971231"], [datetime(1997, 1, 1), datetime(1997, 12, 31)]),
        (["01-Dec-2010", "2-Jan-11"], [datetime(2010, 12, 1), datetime(2011, 1, 2)]),
        (["2010-12-01T08:26:00Z", "2010-12-01T08:26:00+01:00"],
         [datetime(2010, 12, 1, 8, 26), datetime(2010, 12, 1, 7, 26)]),
    ],
)
def test_text_date_formats(tmp_path, values, expected):
    lines = "".join(f"c{i},{v},1\n" for i, v in enumerate(values))
    df = load(tmp_path, "customer,date,amount\n" + lines)
    assert df["order_date"].to_list() == expected


def test_yyyymmdd_integers(tmp_path):
    tx = read_transactions(write_csv(tmp_path, "customer,date,amount\n1,19970101,1\n"
                                               "2,19970225,1\n"))
    assert tx.frame.collect()["order_date"].to_list() == [datetime(1997, 1, 1),
                                                        datetime(1997, 2, 25)]
    assert tx.date_formats == ["%Y%m%d"]


def test_ambiguous_dates_need_a_date_format(tmp_path):
    path = write_csv(tmp_path, "customer,date,amount\n1,01/02/2010,1\n2,03/04/2010,1\n")
    message = error_of(path)
    assert "day-first or month-first" in message and "--date-format" in message
    df = read_transactions(path, date_format="%d/%m/%Y").frame.collect()
    assert df["order_date"].to_list() == [datetime(2010, 2, 1), datetime(2010, 4, 3)]
    df = read_transactions(path, date_format="%m/%d/%Y").frame.collect()
    assert df["order_date"].to_list() == [datetime(2010, 1, 2), datetime(2010, 3, 4)]


def test_date_format_that_does_not_match_says_so(tmp_path):
    path = write_csv(tmp_path, "customer,date,amount\n1,2010-01-02,1\n")
    message = error_of(path, date_format="%d/%m/%Y")
    assert "'2010-01-02'" in message and "does not match --date-format '%d/%m/%Y'" in message


def test_unix_second_timestamps(tmp_path):
    df = load(tmp_path, "customer,created_at,amount\n1,1291191960,1\n")
    assert df["order_date"].to_list() == [datetime(2010, 12, 1, 8, 26)]


def test_dates_ambiguous_in_the_sample_are_decided_by_the_whole_column(tmp_path, monkeypatch):
    monkeypatch.setattr(segio, "SAMPLE_ROWS", 2)
    df = load(tmp_path, "customer,date,amount\n1,01/02/2010,1\n2,03/04/2010,1\n"
                        "3,12/25/2010,1\n")
    assert df["order_date"].to_list() == [datetime(2010, 1, 2), datetime(2010, 3, 4),
                                          datetime(2010, 12, 25)]


def test_unparseable_date_in_sample_shows_value_and_row(tmp_path):
    path = write_csv(tmp_path, "customer,date,amount\n1,2010-01-02,1\n2,soon,1\n")
    message = error_of(path)
    assert "'soon'" in message and "row 2" in message and "--date-format" in message


def test_unparseable_date_after_the_sample_shows_value_and_row(tmp_path, monkeypatch):
    monkeypatch.setattr(segio, "SAMPLE_ROWS", 2)
    path = write_csv(tmp_path, "customer,date,amount\n1,2010-01-02,1\n2,2010-01-03,1\n"
                               "3,2010-01-04,1\n4,2010-13-45,1\n")
    message = error_of(path)
    assert "'2010-13-45'" in message and "row 4" in message


def test_rows_without_date_are_dropped_with_notice(tmp_path):
    tx = read_transactions(write_csv(tmp_path, "customer,date,amount\n1,2010-01-02,1\n2,,1\n"))
    assert tx.rows == 1
    assert "dropped 1 row with no order date" in tx.notices


# --------------------------------------------------------------------------- returns


def test_returns_negative_amount_quantity_and_c_invoices(tmp_path):
    df = load(tmp_path, "Invoice,Customer ID,InvoiceDate,Quantity,Price,Amount\n"
                        "536365,1,2010-12-01,2,1.0,2.0\n"
                        "C536379,1,2010-12-02,1,3.0,3.0\n"
                        "536380,1,2010-12-03,-1,4.0,4.0\n"
                        "536381,1,2010-12-04,1,5.0,-5.0\n"
                        "Cash1,1,2010-12-05,1,6.0,6.0\n")
    assert df["is_return"].to_list() == [False, True, True, True, False]
    assert df["amount"].to_list() == [2.0, -3.0, -4.0, -5.0, 6.0]


def test_quantity_times_price_returns_are_negative(tmp_path):
    df = load(tmp_path, "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice\n"
                        "C1,1,2010-12-01,-2,1.5\n")
    assert df.select("amount", "is_return").row(0) == (-3.0, True)


# --------------------------------------------------------------------------- discount


@pytest.mark.parametrize(
    ("column", "values", "expected", "kind"),
    [
        ("discount", ["2.5", "", "-1"], [2.5, 0.0, 1.0], "amount"),
        ("discount_applied", ["yes", "no", ""], [1.0, 0.0, 0.0], "flag"),
        ("coupon", ["1", "0", "1"], [1.0, 0.0, 1.0], "flag"),
        ("promo_code", ["XMAS10", "", "SPRING"], [1.0, 0.0, 1.0], "flag"),
    ],
)
def test_discount_amount_or_flag(tmp_path, column, values, expected, kind):
    lines = "".join(f"c{i},2020-01-0{i + 1},5,{v}\n" for i, v in enumerate(values))
    tx = read_transactions(write_csv(tmp_path, f"customer,date,amount,{column}\n" + lines))
    assert tx.discount_kind == kind
    assert tx.frame.collect()["discount"].to_list() == expected


# --------------------------------------------------------------------------- messy files


def test_rows_without_customer_id_are_dropped_with_a_thousands_notice(tmp_path):
    lines = "".join(f",2020-01-01,{i}\n" for i in range(1234))
    tx = read_transactions(write_csv(tmp_path, "customer,date,amount\n1,2020-01-01,9\n" + lines))
    assert "dropped 1,234 rows with no customer id" in tx.notices
    assert tx.rows == 1
    assert tx.frame.collect()["amount"].to_list() == [9.0]


def test_latin1_file_is_read_with_a_notice(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("customer;date;amount;city\n1;2020-01-01;5;Zürich\n2;2020-01-02;6;Café\n"
                     .encode("latin-1"))
    tx = read_transactions(path)
    assert "read as latin-1 (file is not UTF-8)" in tx.notices
    assert tx.frame.collect()["city"].to_list() == ["Zürich", "Café"]


def test_utf8_file_has_no_encoding_notice(tmp_path):
    path = write_csv(tmp_path, "customer,date,amount,city\n1,2020-01-01,5,Zürich\n")
    tx = read_transactions(path)
    assert not any("latin-1" in n for n in tx.notices)
    assert tx.frame.collect()["city"].to_list() == ["Zürich"]


# --------------------------------------------------------------------------- bad input


def test_missing_file(tmp_path):
    message = error_of(tmp_path / "nope.csv")
    assert message.startswith("nope.csv: file not found")


def test_empty_file(tmp_path):
    assert "empty" in error_of(write_csv(tmp_path, ""))


def test_header_only(tmp_path):
    message = error_of(write_csv(tmp_path, "customer,date,amount\n"))
    assert "no data rows" in message and "'customer', 'date', 'amount'" in message


def test_unsupported_extension(tmp_path):
    path = tmp_path / "t.docx"
    path.write_text("x")
    message = error_of(path)
    assert "unsupported file type .docx" in message and ".parquet" in message


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("who,date,amount", "customer_id"),
        ("customer,when,amount", "order_date"),
        ("customer,date,stuff", "amount"),
    ],
)
def test_missing_required_column(tmp_path, header, role):
    message = error_of(write_csv(tmp_path, f"{header}\n1,2020-01-01,5\n"))
    assert f"--map {role}=COLUMN" in message
    assert ", ".join(repr(c) for c in header.split(",")) in message


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "t.parquet"
    path.write_bytes(b"this is not a parquet file at all")
    message = error_of(path)
    assert message.startswith("t.parquet: cannot read it as a Parquet file")


def test_empty_json_array(tmp_path):
    path = tmp_path / "t.json"
    path.write_text("[]")
    assert "has no data rows" in error_of(path)


def test_excel_reads_the_largest_sheet(tmp_path):
    import xlsxwriter

    path = tmp_path / "t.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("notes").write(0, 0, "exported by the shop")
    data = book.add_worksheet("orders")
    for r, row in enumerate([["CustomerID", "Date", "Amount"], ["A", "2024-01-02", 5], ["B", "2024-01-03", 7]]):
        data.write_row(r, 0, row)
    book.close()
    tx = read_transactions(path)
    assert tx.frame.collect()["customer_id"].to_list() == ["A", "B"]
    assert "read sheet 'orders', the largest of 2 sheets" in tx.notices


def test_corrupt_excel(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"not a zip")
    assert error_of(path).startswith("t.xlsx: cannot read it as an Excel workbook")


def test_all_rows_without_customer_id(tmp_path):
    message = error_of(write_csv(tmp_path, "customer,date,amount\n,2020-01-01,5\n"))
    assert "none of its 1 row" in message


# --------------------------------------------------------------------------- real data


@pytest.mark.skipif(not CDNOW.exists(), reason="shared/data/cdnow_sample.csv not beside the repo")
def test_cdnow_sample():
    tx = read_transactions(CDNOW)
    assert tx.mapping["amount"] == "DollarValue"
    assert tx.mapping["customer_id"] == "CustomerID"
    df = tx.frame.collect()
    assert df["customer_id"].n_unique() == 2357
    assert df["customer_id"][0] == "00004"
    assert tx.rows == df.height


# --------------------------------------------------------------------------- late surprises


def test_numeric_attribute_with_text_after_inference_window_is_read_as_text(tmp_path,
                                                                             monkeypatch):
    monkeypatch.setattr(segio, "INFER_ROWS", 2)
    monkeypatch.setattr(segio, "SAMPLE_ROWS", 2)
    tx = read_transactions(write_csv(tmp_path, "customer,date,amount,age\n1,2020-01-01,3,30\n"
                                               "2,2020-01-02,4,41\n3,2020-01-03,5,unknown\n"))
    assert tx.frame.collect()["age"].to_list() == ["30", "41", "unknown"]
    assert "read 'age' as text: not every value after the first 2 rows is a number" in tx.notices


def test_numeric_amount_with_text_after_inference_window_names_value_and_row(tmp_path,
                                                                              monkeypatch):
    monkeypatch.setattr(segio, "INFER_ROWS", 2)
    monkeypatch.setattr(segio, "SAMPLE_ROWS", 2)
    path = write_csv(tmp_path, "customer,date,amount\n1,2020-01-01,3\n2,2020-01-02,4\n"
                               "3,2020-01-03,n/a\n")
    message = error_of(path)
    assert "'amount'" in message and "'n/a'" in message and "row 3" in message


# --------------------------------------------------------------------------- issue 9


def test_lines_with_an_empty_order_id_are_orders_of_their_own(tmp_path):
    from segtui.dataset import load_dataset

    path = write_csv(tmp_path, "customer,order_id,date,amount\n1,,2020-01-01,5\n1, ,2020-01-02,3\n"
                               "1,A,2020-01-03,2\n1,A,2020-01-03,1\n2,,2020-01-04,4\n")
    ds = load_dataset(path)
    assert ds.view.frame.select("customer_id", "orders").rows() == [("1", 3), ("2", 1)]
    assert "3 lines have no order id: each counts as an order of its own" in ds.notices


@pytest.mark.parametrize("value", ["inf", "-inf", "1e309", "NaN"])
def test_non_finite_amount_beyond_the_sample_is_an_error_by_row(tmp_path, monkeypatch, value):
    monkeypatch.setattr(segio, "SAMPLE_ROWS", 1)
    path = write_csv(tmp_path, f"customer,date,amount\n1,2020-01-01,3\n2,2020-01-02,{value}\n")
    message = error_of(path)
    assert "'amount'" in message and "row 2" in message and "not a finite number" in message


def test_nan_and_inf_in_a_parquet_float_column_are_errors_by_row(tmp_path):
    path = tmp_path / "t.parquet"
    pl.DataFrame({"customer": ["1", "2", "3"], "date": ["2020-01-01"] * 3,
                  "amount": [1.0, float("nan"), float("inf")]}).write_parquet(path)
    message = error_of(path)
    assert "'amount'" in message and "row 2" in message and "not a finite number" in message


def test_non_finite_quantity_is_an_error_by_row(tmp_path):
    path = tmp_path / "t.parquet"
    pl.DataFrame({"customer": ["1", "2"], "date": ["2020-01-01"] * 2,
                  "qty": [1.0, float("inf")], "price": [2.0, 3.0]}).write_parquet(path)
    message = error_of(path)
    assert "'qty'" in message and "row 2" in message and "not a finite number" in message


def test_quantity_times_price_overflowing_is_an_error_by_row(tmp_path):
    path = write_csv(tmp_path, "customer,date,qty,price\n1,2020-01-01,2,3\n2,2020-01-02,1e200,1e200\n")
    message = error_of(path)
    assert "quantity × unit_price" in message and "row 2" in message and "too large" in message


def test_amount_too_large_for_cents_is_an_error_by_row(tmp_path):
    path = write_csv(tmp_path, "customer,date,amount\n1,2020-01-01,3\n2,2020-01-02,1e17\n")
    message = error_of(path)
    assert "'amount'" in message and "row 2" in message and "too large" in message


def test_blank_order_dates_in_the_whole_sample_use_the_dates_further_down(tmp_path, monkeypatch):
    monkeypatch.setattr(segio, "SAMPLE_ROWS", 3)
    tx = read_transactions(write_csv(tmp_path, "customer,date,amount\n1,,5\n1,,5\n1,,5\n"
                                               "2,31/12/2020,3\n2,01/02/2021,4\n"))
    assert tx.frame.collect()["order_date"].to_list() == [datetime(2020, 12, 31),
                                                         datetime(2021, 2, 1)]
    assert "dropped 3 rows with no order date" in tx.notices


def test_an_all_empty_order_date_column_says_it_is_empty(tmp_path):
    message = error_of(write_csv(tmp_path, "customer,date,amount\n1,,5\n2, ,3\n"))
    assert message == ("t.csv: order date column 'date' is empty (no row has a value); "
                       "map another column with --map order_date=COLUMN")


def test_a_column_named_like_the_internal_row_number_is_an_attribute(tmp_path):
    header = "customer,date,amount,__segtui_row\n"
    tx = read_transactions(write_csv(tmp_path, header + "1,2020-01-01,5,x\n2,2020-01-02,3,y\n"))
    df = tx.frame.collect()
    assert df["segtui_row"].to_list() == ["x", "y"] and df["order_id"].to_list() == ["1", "2"]
    bad = write_csv(tmp_path, header + "1,2020-01-01,5,7\n2,someday,3,8\n", "bad.csv")
    assert "'someday' in column 'date' (row 2)" in error_of(bad)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_files_with_a_byte_order_mark_are_read_in_their_encoding(tmp_path, encoding):
    path = tmp_path / "t.csv"
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}.get(encoding, "")
    path.write_bytes((bom + "Kunde,Datum,Umsatz\nJosé,2020-01-01,5\n").encode(encoding))
    tx = read_transactions(path, columns={"customer_id": "Kunde", "order_date": "Datum",
                                          "amount": "Umsatz"})
    assert tx.frame.collect()["customer_id"].to_list() == ["José"]
    assert not any("latin-1" in n for n in tx.notices)


def test_cr_only_line_endings_are_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"customer,date,amount\r1,2020-01-01,5\r2,2020-01-02,3\r")
    df = read_transactions(path).frame.collect()
    assert df["customer_id"].to_list() == ["1", "2"] and df["amount"].to_list() == [5.0, 3.0]


def test_an_all_empty_amount_column_says_it_is_empty(tmp_path):
    message = error_of(write_csv(tmp_path, "customer,date,amount\n1,2020-01-01,\n2,2020-01-02,\n"))
    assert message.startswith("t.csv: column 'amount' is empty (no row has a value)")


def test_an_all_null_parquet_column_says_it_is_empty(tmp_path):
    path = tmp_path / "t.parquet"
    pl.DataFrame({"customer": ["1"], "date": [None], "amount": [1.0]}).write_parquet(path)
    assert error_of(path).startswith("t.parquet: column 'date' is empty (no row has a value)")


@pytest.mark.parametrize(("values", "kind"), [([["1"], ["2"]], "lists"),
                                              ([{"a": 1}, {"a": 2}], "structs")])
def test_a_nested_customer_id_says_it_holds_lists_or_structs(tmp_path, values, kind):
    path = tmp_path / "t.parquet"
    pl.DataFrame({"customer_id": values, "date": ["2020-01-01"] * 2,
                  "amount": [1.0, 2.0]}).write_parquet(path)
    assert f"column 'customer_id' holds {kind}, not customer ids" in error_of(path)


def test_a_mapped_amount_column_that_is_empty_says_so(tmp_path):
    path = write_csv(tmp_path, "customer,date,amount,paid\n1,2020-01-01,5,\n2,2020-01-02,3,\n")
    assert "column 'paid' is empty (no row has a value)" in error_of(path, columns={"amount": "paid"})


def test_a_row_with_more_fields_than_the_header_is_named(tmp_path):
    path = write_csv(tmp_path, 'customer,date,amount\n1,2020-01-01,5\n2,"a,b",3\n'
                               "3,2020-01-03,3,4\n")
    assert error_of(path) == ("t.csv: row 3 has 4 fields but the header has 3; quote the "
                              "values that contain ',' or fix the row")


def test_json_lines_saved_as_json_are_read_as_json_lines(tmp_path):
    path = tmp_path / "t.json"
    path.write_text('{"customer": "1", "date": "2020-01-01", "amount": 5}\n'
                    '{"customer": "2", "date": "2020-01-02", "amount": 6}\n')
    tx = read_transactions(path)
    assert tx.frame.collect()["amount"].to_list() == [5.0, 6.0]
    assert "read as JSON lines (one object per line); name the file .jsonl" in tx.notices


def test_iso_and_day_first_dates_mixed_name_the_conflict(tmp_path):
    message = error_of(write_csv(tmp_path, "customer,date,amount\n1,2020-01-13,5\n"
                                           "2,13/01/2020,3\n3,2020-01-14,3\n"))
    assert message == ("t.csv: order dates in column 'date' mix formats: '2020-01-13' (row 1) "
                       "and '13/01/2020' (row 2) are written differently; "
                       "export the dates in one format")


def test_a_bad_date_among_mixed_formats_is_the_one_blamed(tmp_path):
    message = error_of(write_csv(tmp_path, "customer,date,amount\n1,2020-01-13,5\n"
                                           "2,13/01/2020,3\n3,someday,3\n"))
    assert "'someday' in column 'date' (row 3)" in message


@pytest.mark.parametrize(
    "text",
    ["x" * 100_000,
     "customer,date,amount\n1," + "2" * 100_000 + ",5\n",
     "customer,date,amount\n1,2020-01-01,5\n2,2020-01-01," + "9" * 100_000 + "x\n",
     "customer,date," + "y" * 100_000 + "\n1,2020-01-01,5\n"],
    ids=["one-long-line", "long-date", "long-amount", "long-column-name"],
)
def test_long_values_are_cut_in_messages(tmp_path, text):
    message = error_of(write_csv(tmp_path, text))
    assert len(message) < 400 and "…" in message


def test_duplicate_header_columns_get_a_notice_naming_the_one_used(tmp_path):
    tx = read_transactions(write_csv(tmp_path, "customer,date,amount,amount\n1,2020-01-01,5,6\n"))
    assert tx.frame.collect()["amount"].to_list() == [5.0]
    assert ("the header names column 'amount' 2 times: the first is the amount; "
            "the others are read as 'amount_duplicated_0'") in tx.notices


def test_an_amount_column_of_text_names_a_value_that_is_not_a_number(tmp_path):
    message = error_of(write_csv(tmp_path, "customer,date,amount\n1,2020-01-01,5\n"
                                           "2,2020-01-02,ten\n3,2020-01-03,n/a\n"))
    assert message == ("t.csv: column 'amount' does not hold numbers: 'ten' (row 2); "
                       "fix the file or pass --map amount=COLUMN")


def test_an_empty_quantity_column_says_it_is_empty(tmp_path):
    message = error_of(write_csv(tmp_path, "customer,date,quantity,unit_price\n"
                                           "1,2020-01-01,,5\n2,2020-01-02,,4\n"))
    assert message.startswith("t.csv: column 'quantity' is empty (no row has a value)")


def test_an_order_date_of_durations_says_what_it_holds(tmp_path):
    path = tmp_path / "t.parquet"
    pl.DataFrame({"customer": ["1"], "order_date": pl.Series([5], dtype=pl.Duration("us")),
                  "amount": [1.0]}).write_parquet(path)
    assert error_of(path).startswith("t.parquet: column 'order_date' holds Duration")


def test_lines_with_a_blank_amount_get_a_notice(tmp_path):
    tx = read_transactions(write_csv(tmp_path, "customer,date,amount\n1,2020-01-01, \n"
                                               "2,2020-01-02,3\n3,2020-01-03,\n"))
    assert "2 lines have no amount: counted as 0" in tx.notices


def test_a_broken_json_line_is_named(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"customer": "1", "date": "2020-01-01", "amount": 5}\n\n'
                    '{"customer": "2", "date": "2020-01-02", "amount": 6}\nnot json\n')
    assert error_of(path).startswith("t.jsonl: line 4 is not a JSON object: ")


def test_a_non_finite_discount_amount_is_an_error_by_row(tmp_path):
    path = tmp_path / "t.parquet"
    pl.DataFrame({"customer": ["1", "2"], "date": ["2020-01-01"] * 2, "amount": [5.0, 6.0],
                  "discount": [0.5, float("nan")]}).write_parquet(path)
    message = error_of(path)
    assert "'discount'" in message and "row 2" in message and "not a finite number" in message


# --------------------------------------------------------------------------- kept lines, head

MESSY = (
    "customer,order,date,amount,city\n"
    " 7 ,A1,2020-01-01,5,X\n"
    ",A2,2020-01-02,6,Y\n"          # no customer: dropped
    "8,,2020-01-03,7,Z\n"           # blank order id: an order of its own
    "8,A3,,8,Z\n"                   # no date: dropped
    "9,C4,2020-01-05,9,X\n"         # a return
)


@pytest.mark.parametrize("text", [MESSY, MESSY.replace(",A2,", "10,A2,").replace("8,A3,,", "8,A3,2020-01-04,")])
def test_parsed_lines_kept_from_the_validation_pass_equal_the_lines_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    path = write_csv(tmp_path, text)
    kept = read_transactions(path)
    monkeypatch.setenv("SEGTUI_MEMORY", "1K")  # too little to keep anything: read again
    again = read_transactions(path)
    assert kept.frame.collect().equals(again.frame.collect())
    assert (kept.rows, kept.notices) == (again.rows, again.notices)
    rows = [line.split(",") for line in text.splitlines()[1:]]
    assert kept.frame.collect()["customer_id"].to_list() == [r[0].strip() for r in rows if r[0].strip() and r[2]]


def test_the_head_is_the_first_lines_without_reading_the_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segio, "HEAD_LINES", 3)
    path = write_csv(tmp_path, MESSY)
    tx = read_transactions(path)
    # the first three lines of the file, less the one without a customer
    assert tx.head.collect().equals(tx.frame.collect().head(2))


@pytest.mark.parametrize("memory", [None, "64"], ids=["parsed once, kept", "parsed as the view reads"])
def test_a_date_outside_1900_2200_is_blamed_by_row(tmp_path, monkeypatch, memory):
    if memory:  # too small to keep the parsed lines: the view parses the file itself
        monkeypatch.setenv("SEGTUI_MEMORY", memory)
    path = write_csv(tmp_path, "customer,date,amount\n1,2020-01-13,5\n2,2199-12-31 23:59:59,3\n3,1850-06-01,3\n")
    assert "'1850-06-01' in column 'date' (row 3)" in error_of(path)
    path = write_csv(tmp_path, "customer,date,amount\n1,1900-01-01,5\n2,2200-12-31 23:59:59,3\n", "edges.csv")
    assert load(tmp_path, path.read_text(), "edges.csv")["order_date"].to_list() == [
        datetime(1900, 1, 1), datetime(2200, 12, 31, 23, 59, 59)]


@pytest.mark.parametrize("category", [["x", "y", "x"], [" x", "y", "x\t"]], ids=["trimmed", "padded"])
def test_text_read_again_is_stripped_only_where_a_value_needs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, category: list[str]
) -> None:
    # Parquet is read again by the view: columns with nothing to strip skip the strip, and
    # the lines must be the same either way (an empty text is still no value).
    path = tmp_path / "t.parquet"
    pl.DataFrame({
        "customer": ["7", "8", "9"], "order": ["A1", "", "A3"],
        "date": [date(2020, 1, 1), date(2020, 1, 2), date(2020, 1, 3)],
        "amount": [5.0, 6.0, 7.0], "category": category, "product": ["p", "", " q "],
    }).write_parquet(path)
    df = read_transactions(path).frame.collect()
    assert df["customer_id"].to_list() == ["7", "8", "9"]
    assert df["category"].to_list() == ["x", "y", "x"]
    assert df["product"].to_list() == ["p", None, "q"]
    assert df["order_id"].to_list()[0::2] == ["A1", "A3"]
