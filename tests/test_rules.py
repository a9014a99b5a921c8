"""Compiling single rules: syntax, columns, types, and hostile input."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from segtui.errors import SegtuiError
from segtui.rules import (
    MAX_RULE_DEPTH,
    MAX_RULE_LENGTH,
    Rule,
    RuleSet,
    Segment,
    check_rule,
    compile_rule,
    suggest,
)

SCHEMA = pl.Schema(
    {
        "customer_id": pl.String,
        "orders": pl.Int64,
        "revenue": pl.Float64,
        "recency_days": pl.Int64,
        "first_order_date": pl.Date,
        "last_order_date": pl.Date,
        "country": pl.String,
        "top_category": pl.Categorical(),
        "r_score": pl.Int8,
        "is_member": pl.Boolean,
    }
)

VIEW = pl.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d"],
        "orders": [1, 3, 5, None],
        "revenue": [10.0, 50.0, 200.0, 0.0],
        "recency_days": [10, 400, 30, 90],
        "first_order_date": [date(2024, 1, 1), date(2022, 5, 1), date(2023, 3, 1), date(2024, 6, 1)],
        "last_order_date": [date(2024, 1, 1), date(2023, 1, 1), date(2024, 6, 1), date(2024, 6, 1)],
        "country": ["UK", "FR", "UK", None],
        "top_category": ["books", "music", "books", "toys"],
        "r_score": [5, 1, 4, 3],
        "is_member": [True, False, True, None],
    },
    schema=SCHEMA,
)


def matched(where: str) -> list[str]:
    return VIEW.filter(compile_rule(where, SCHEMA))["customer_id"].to_list()


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("orders >= 3", ["b", "c"]),
        ("orders >= 3 AND country = 'UK'", ["c"]),
        ("orders = 1 OR recency_days > 365", ["a", "b"]),
        ("country IN ('FR', 'DE')", ["b"]),
        ("country IS NULL", ["d"]),
        ("country LIKE 'U%'", ["a", "c"]),
        ("revenue BETWEEN 10 AND 50", ["a", "b"]),
        ("first_order_date >= DATE '2024-01-01'", ["a", "d"]),
        ("top_category = 'books'", ["a", "c"]),
        ("is_member", ["a", "c"]),
        ("NOT (country = 'UK')", ["b"]),
        ("revenue > 5 * orders", ["a", "b", "c"]),
        ("lower(country) = 'uk'", ["a", "c"]),
    ],
)
def test_valid_rules_select_the_expected_customers(where: str, expected: list[str]) -> None:
    assert check_rule(where, SCHEMA) is None
    assert matched(where) == expected


def test_compile_without_schema_only_checks_syntax() -> None:
    expr = compile_rule("no_such_column > 3")
    assert expr.meta.root_names() == ["no_such_column"]
    with pytest.raises(SegtuiError, match="syntax error"):
        compile_rule("orders >")


@pytest.mark.parametrize(
    "where",
    ["orders >", "orders >= 3 AND", "orders >= 3; DROP TABLE customers", "SELECT * FROM customers", "orders >= (3"],
)
def test_syntax_errors_are_one_line_segtui_errors(where: str) -> None:
    with pytest.raises(SegtuiError) as info:
        compile_rule(where, SCHEMA)
    assert info.value.message.startswith("syntax error")
    assert "\n" not in info.value.message


def test_unknown_column_suggests_the_closest_name() -> None:
    assert check_rule("recency_day > 30", pl.Schema({"recency_days": pl.Int64, "revenue": pl.Float64})) == (
        'unknown column "recency_day" (did you mean "recency_days"?)'
    )
    with pytest.raises(SegtuiError, match='unknown column "ordres" \\(did you mean "orders"\\?\\)'):
        compile_rule("ordres >= 3", SCHEMA)


def test_unknown_column_with_nothing_close_has_no_suggestion() -> None:
    assert check_rule("zzz > 1", SCHEMA) == 'unknown column "zzz"'


@pytest.mark.parametrize(
    ("where", "fragment"),
    [
        ("first_order_date > 5", 'column "first_order_date" holds dates'),
        ("5 <= last_order_date", 'column "last_order_date" holds dates'),
        ("country > 3", "type mismatch: cannot compare string"),
        ("country IN (1, 2)", "type mismatch"),
        ("orders > 2 AND country", "type mismatch"),
    ],
)
def test_type_mismatches_are_reported(where: str, fragment: str) -> None:
    problem = check_rule(where, SCHEMA)
    assert problem is not None and fragment in problem
    assert problem.startswith("type mismatch")
    with pytest.raises(SegtuiError):
        compile_rule(where, SCHEMA)


@pytest.mark.parametrize("where", ["revenue + 1", "country", "orders * 2"])
def test_a_rule_that_is_not_true_false_is_an_error(where: str) -> None:
    problem = check_rule(where, SCHEMA)
    assert problem is not None and problem.startswith("not a condition")


@pytest.mark.parametrize(
    "where", ["read_csv('/etc/passwd')", "read_parquet('x.parquet') IS NULL", "orders > read_json('http://x')"]
)
def test_file_and_network_functions_cannot_be_called(where: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SegtuiError, match="unsupported function"):
        compile_rule(where)


def test_an_overlong_rule_is_refused_before_parsing() -> None:
    huge = "country = '" + "x" * 1_000_000 + "'"
    problem = check_rule(huge, SCHEMA)
    assert problem is not None and "too long" in problem and f"{MAX_RULE_LENGTH:,}" in problem


def test_deep_nesting_is_refused_before_parsing() -> None:
    deep = "(" * 10_000 + "orders > 1" + ")" * 10_000
    assert "too long" in check_rule(deep, SCHEMA)
    nested = "(" * (MAX_RULE_DEPTH + 1) + "orders > 1" + ")" * (MAX_RULE_DEPTH + 1)
    assert len(nested) < MAX_RULE_LENGTH
    assert "nests parentheses" in check_rule(nested, SCHEMA)
    ok = "(" * 5 + "orders > 1" + ")" * 5
    assert check_rule(ok, SCHEMA) is None


def test_parentheses_inside_quotes_do_not_count_as_nesting() -> None:
    assert check_rule("country = '" + "(" * 60 + "'", SCHEMA) is None


def test_long_flat_chains_do_not_crash() -> None:
    chain = " OR ".join(["orders > 1"] * 250)
    assert len(chain) < MAX_RULE_LENGTH
    assert check_rule(chain, SCHEMA) is None
    # 1,900 additions form an expression tree 1,900 levels deep without any parentheses
    sums = "orders > " + "1+" * 1_900 + "1"
    assert len(sums) < MAX_RULE_LENGTH
    problem = check_rule(sums, SCHEMA)
    assert problem is None or "nested" in problem


@pytest.mark.parametrize("where", ["", "   "])
def test_empty_rule_is_an_error(where: str) -> None:
    assert check_rule(where, SCHEMA).startswith("empty rule")


def test_nulls_are_left_for_the_evaluator_to_treat_as_no_match() -> None:
    # d has orders = null: the raw expression gives null, not False
    values = VIEW.select(compile_rule("orders >= 1", SCHEMA)).to_series().to_list()
    assert values == [True, True, True, None]


def test_suggest_helper() -> None:
    assert suggest("VPI", ["VIP", "Lost"]) == ' (did you mean "VIP"?)'
    assert suggest("q", ["VIP"]) == ""


def test_ruleset_segment_lookup_and_enabled_rules() -> None:
    seg = Segment("VIP", [Rule("orders > 1"), Rule("revenue > 9", enabled=False)])
    rs = RuleSet([seg])
    assert rs.segment("VIP") is seg
    assert [r.where for r in seg.enabled_rules] == ["orders > 1"]
    with pytest.raises(SegtuiError, match='no segment "VPI" \\(did you mean "VIP"\\?\\)'):
        rs.segment("VPI")
    renamed = rs.with_segment(0, Segment("Top", seg.rules))
    assert [s.name for s in renamed.segments] == ["Top"] and rs.segments[0].name == "VIP"


def test_source_and_header_do_not_affect_equality() -> None:
    assert RuleSet([], source="a.yaml", header="# a\n") == RuleSet([], source="b.yaml")


def test_double_quoted_text_value_hints_at_single_quotes():
    schema = pl.Schema({"country": pl.String, "orders": pl.Int64})
    problem = check_rule('country = "United Kingdom"', schema)
    assert problem is not None
    assert 'unknown column "United Kingdom"' in problem
    assert "single quotes: 'United Kingdom'" in problem
    assert check_rule("country = 'United Kingdom'", schema) is None


@pytest.mark.parametrize("value", ["Germany", "UK"])
def test_a_double_quoted_word_hints_that_double_quotes_name_columns(value: str) -> None:
    problem = check_rule(f'country = "{value}"', SCHEMA)
    assert problem == (
        f'unknown column "{value}" (double quotes name a column; text values take single quotes: \'{value}\')'
    )
    assert check_rule(f"country = '{value}'", SCHEMA) is None


def test_a_double_quoted_typo_of_a_column_still_suggests_the_column() -> None:
    assert check_rule('"ordres" > 1', SCHEMA) == 'unknown column "ordres" (did you mean "orders"?)'


@pytest.mark.parametrize("where", ["orders > 1 and and", "orders > or", "not"])
def test_stray_keyword_is_a_syntax_error_even_without_a_schema(where):
    problem = check_rule(where)
    assert problem is not None and problem.startswith("syntax error"), problem


def test_a_metric_the_data_cannot_produce_names_the_missing_column():
    schema = pl.Schema({"orders": pl.Int64, "weekend_order_share": pl.Float64})
    problem = check_rule("discount_order_share >= 0.5", schema)
    assert problem is not None
    assert "discount_order_share" in problem and "--map discount=COLUMN" in problem
    assert "weekend_order_share" not in problem  # no misleading "did you mean"


@pytest.mark.parametrize(
    ("where", "pattern", "cause"),
    [
        ("country ~ '['", "[", "unclosed character class"),
        ("country ~* '(a'", "(?i)(a", "unclosed group"),
        ("regexp_like(country, 'a{2')", "a{2", "repetition"),
    ],
)
def test_a_broken_regular_expression_says_so(where: str, pattern: str, cause: str) -> None:
    problem = check_rule(where, SCHEMA)
    assert problem is not None and problem.startswith(f"bad regular expression {pattern!r}: "), problem
    assert cause in problem and "type mismatch" not in problem and "\n" not in problem


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("first_order_date >= '2024-01-01'", ["a", "d"]),
        ("'2024-01-01' > first_order_date", ["b", "c"]),
        ("first_order_date BETWEEN '2023-01-01' AND '2024-01-01'", ["a", "c"]),
        ("first_order_date IN ('2024-01-01', '2022-05-01')", ["a", "b"]),
        ("first_order_date = '2024-06-01' OR country = 'FR'", ["b", "d"]),
        ("last_order_date > first_order_date AND last_order_date < '2024-06-01'", ["b"]),
        ("first_order_date >= DATE '2024-01-01'", ["a", "d"]),
    ],
)
def test_dates_compare_with_iso_date_strings(where: str, expected: list[str]) -> None:
    assert check_rule(where, SCHEMA) is None
    assert matched(where) == expected


def test_a_datetime_column_compares_with_iso_strings() -> None:
    from datetime import datetime

    view = pl.DataFrame({"seen": [datetime(2024, 1, 1, 8), datetime(2024, 1, 2, 9, 30)]})
    assert view.filter(compile_rule("seen > '2024-01-01 12:00'", view.schema)).height == 1
    assert view.filter(compile_rule("seen >= '2024-01-01'", view.schema)).height == 2


@pytest.mark.parametrize("text", ["last year", "2025-02-30", "01/02/2025"])
def test_text_that_is_not_a_date_compared_with_a_date_column_is_a_clear_error(text: str) -> None:
    problem = check_rule(f"first_order_date > '{text}'", SCHEMA)
    assert problem == (
        f"column \"first_order_date\" holds dates, but '{text}' is not a date (write dates as '2025-01-31')"
    )


def test_date_strings_compared_with_text_columns_stay_text() -> None:
    view = pl.DataFrame({"code": ["2024-01-01", "x"]})
    assert view.filter(compile_rule("code = '2024-01-01'", view.schema)).height == 1
