"""Role detection, --map parsing and attribute naming."""

from __future__ import annotations

import polars as pl
import pytest

from segtui.errors import SegtuiError
from segtui.read.mapping import (
    attribute_names,
    detect_roles,
    looks_numeric,
    match_key,
    normalize_name,
    parse_map_options,
)


def test_online_retail_columns_are_all_detected():
    schema = {
        "Invoice": pl.String,
        "StockCode": pl.String,
        "Description": pl.String,
        "Quantity": pl.Int64,
        "InvoiceDate": pl.String,
        "Price": pl.Float64,
        "Customer ID": pl.Float64,
        "Country": pl.String,
    }
    assert detect_roles(schema) == {
        "customer_id": "Customer ID",
        "order_id": "Invoice",
        "order_date": "InvoiceDate",
        "quantity": "Quantity",
        "unit_price": "Price",
        "product": "StockCode",
    }


def test_cdnow_columns_detect_dollar_value_as_amount():
    schema = {"CustomerID": pl.String, "Date": pl.String, "CDs": pl.Int64,
              "DollarValue": pl.Float64}
    roles = detect_roles(schema)
    assert roles == {"customer_id": "CustomerID", "order_date": "Date",
                     "amount": "DollarValue", "quantity": "CDs"}


@pytest.mark.parametrize(
    ("column", "role"),
    [
        ("client_id", "customer_id"),
        ("User-ID", "customer_id"),
        ("E-Mail", "customer_id"),
        ("created_at", "order_date"),
        ("Transaction Date", "order_date"),
        ("Net_Amount", "amount"),
        ("qty", "quantity"),
        ("Unit Price", "unit_price"),
        ("promo_code", "discount"),
        ("SKU", "product"),
        ("Sales Channel", "channel"),
        ("transaction_id", "order_id"),
    ],
)
def test_synonyms_ignore_case_spaces_underscores_hyphens(column, role):
    roles = detect_roles({column: pl.String if role != "amount" else pl.Float64})
    assert roles == {role: column}


def test_numeric_role_skips_a_text_column_that_is_not_numeric():
    schema = {"Total": pl.String, "Revenue": pl.String}
    sample = pl.DataFrame({"Total": ["Total:", "n/a"], "Revenue": ["$1,200.00", "3.50"]})
    assert detect_roles(schema, sample=sample) == {"amount": "Revenue"}
    # without values, a better-ranked synonym wins among text columns
    assert detect_roles(schema) == {"amount": "Revenue"}


def test_dtype_breaks_ties_between_synonyms():
    # "total" ranks after "revenue" by name, but a numeric column beats a text one
    schema = {"revenue": pl.String, "total": pl.Float64}
    assert detect_roles(schema)["amount"] == "total"
    # a float column cannot be the order date even though it is named like one
    schema = {"date": pl.Float64, "created_at": pl.String}
    assert detect_roles(schema)["order_date"] == "created_at"


def test_single_native_datetime_column_becomes_order_date():
    schema = {"cust": pl.String, "when_bought": pl.Datetime("ns"), "spend": pl.Float64}
    roles = detect_roles(schema)
    assert roles["order_date"] == "when_bought"


def test_overrides_win_and_free_the_detected_column():
    schema = {"CustomerID": pl.String, "email": pl.String, "Date": pl.String,
              "amount": pl.Float64, "DollarValue": pl.Float64}
    roles = detect_roles(schema, {"customer_id": "email", "amount": "DollarValue"})
    assert roles["customer_id"] == "email"
    assert roles["amount"] == "DollarValue"
    # the override is matched loosely when there is no exact column
    assert detect_roles(schema, {"amount": "dollar value"})["amount"] == "DollarValue"


def test_override_naming_a_missing_column_lists_the_columns():
    with pytest.raises(SegtuiError) as err:
        detect_roles({"a": pl.String, "b": pl.Int64}, {"amount": "Sales"}, where="x.csv")
    assert "x.csv" in err.value.message
    assert "'Sales'" in err.value.message
    assert "'a', 'b'" in err.value.message


def test_override_with_unknown_role_or_same_column_twice_is_an_error():
    schema = {"a": pl.String, "b": pl.Int64}
    with pytest.raises(SegtuiError, match="unknown column role 'spend'"):
        detect_roles(schema, {"spend": "b"})
    with pytest.raises(SegtuiError, match="mapped to both"):
        detect_roles(schema, {"amount": "b", "quantity": "b"})


def test_parse_map_options():
    assert parse_map_options(["amount=DollarValue", "Customer-ID = Customer ID"]) == {
        "amount": "DollarValue",
        "customer_id": "Customer ID",
    }
    assert parse_map_options(None) == {}
    # a column name may itself contain "="
    assert parse_map_options(["product=a=b"]) == {"product": "a=b"}


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("amount", "expected role=COLUMN"),
        ("=DollarValue", "expected role=COLUMN"),
        ("amount=", "expected role=COLUMN"),
        ("spend=DollarValue", "unknown role 'spend'"),
    ],
)
def test_parse_map_options_rejects_bad_syntax(option, message):
    with pytest.raises(SegtuiError, match=message):
        parse_map_options([option])


def test_parse_map_options_rejects_a_role_given_twice():
    with pytest.raises(SegtuiError, match="mapped twice"):
        parse_map_options(["amount=a", "amount=b"])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Country", "country"),
        ("Customer Country", "customer_country"),
        ("InvoiceDate", "invoice_date"),
        ("HTTPStatus", "http_status"),
        ("e-mail", "e_mail"),
        ("  Größe (cm) ", "grosse_cm"),
        ("2019 sales", "col_2019_sales"),
        ("€€", "col"),
        ("\ufeffid", "id"),
    ],
)
def test_normalize_name(name, expected):
    assert normalize_name(name) == expected


def test_attribute_names_avoid_metric_names_and_each_other():
    assert attribute_names(["Country", "Revenue", "orders", "country", "Amount"]) == {
        "Country": "country",
        "Revenue": "revenue_attr",
        "orders": "orders_attr",
        "country": "country_2",
        "Amount": "amount_attr",
    }


def test_match_key_and_looks_numeric():
    assert match_key(" Customer_ID ") == "customerid"
    assert looks_numeric(pl.Series(["(1,234.50)", "£3", "12,50"]))
    assert not looks_numeric(pl.Series(["12", "twelve"]))
    assert not looks_numeric(pl.Series([None], dtype=pl.String))


@pytest.mark.parametrize(
    "column",
    ["number_of_cds", "Number of CDs", "num_units", "n_items", "NumItems", "no_of_pieces",
     "books", "tickets_count", "units_sold", "count_of_bottles", "nb_articles"],
)
def test_plural_count_names_are_the_quantity(column):
    schema = {"customer_id": pl.String, "date": pl.String, column: pl.Int64,
              "amount": pl.Float64}
    assert detect_roles(schema)["quantity"] == column


@pytest.mark.parametrize("column", ["number_of_orders", "num_customers", "item", "products"])
def test_counts_of_other_things_are_not_the_quantity(column):
    roles = detect_roles({"customer_id": pl.String, column: pl.Int64})
    assert "quantity" not in roles


def test_cdnow_number_of_cds_gives_items(tmp_path):
    from segtui.dataset import load_dataset

    path = tmp_path / "cdnow.csv"
    path.write_text("customer_id,date,number_of_cds,dollar_value\n"
                    "00004,1997-01-01,2,29.33\n00004,1997-01-18,3,29.73\n")
    view = load_dataset(path).view.frame
    assert view["items"].to_list() == [5]
