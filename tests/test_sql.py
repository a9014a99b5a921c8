"""`segtui sql`: rule sets as SQL through the CLI, and what it refuses."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.resources import RULES_DIR
from segtui.sql import DIALECTS

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_gets_one_statement_with_every_segment(dialect):
    result = run("sql", RULES_DIR / "rfm.yaml", "--dialect", dialect, "--table", "shop.customers")
    assert result.exit_code == 0, result.output
    assert result.output.count(";") == 1
    for name in ("Champions", "Hibernating", "Unassigned"):
        assert f"'{name}'" in result.output
    assert "shop" in result.output
    assert "lose them'" in result.output  # "Can't": the quote is escaped, the statement goes on


def test_overlap_gives_a_boolean_column_per_segment():
    result = run("sql", RULES_DIR / "occasion.yaml")
    assert result.exit_code == 0, result.output
    assert 'AS "Holiday shoppers"' in result.output and "Unassigned" not in result.output


def test_summary_query_lists_segments_in_file_order():
    result = run("sql", RULES_DIR / "lifecycle.yaml", "--summary")
    assert result.exit_code == 0, result.output
    positions = [result.output.index(f"'{n}' AS segment") for n in ("New", "Active", "At risk", "Churned", "Unassigned")]
    assert positions == sorted(positions)


def test_a_function_outside_the_whitelist_is_refused_naming_the_rule(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("version: 1\nsegments:\n  - name: X\n    rules: ['orders >= 1', 'nonsense(orders) > 1']\n")
    result = run("sql", path)
    assert result.exit_code == 1
    assert f'{path}: segment "X", rule 2: unsupported function' in result.output
    assert "Traceback" not in result.output


def test_a_function_polars_knows_but_sql_engines_do_not_is_refused(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("version: 1\nsegments:\n  - name: X\n    rules: [\"date(first_order_date) > '2020-01-01'\"]\n")
    result = run("sql", path)
    assert result.exit_code == 1, result.output
    assert 'segment "X", rule 1' in result.output and "Traceback" not in result.output


def test_usage_errors_exit_2():
    assert run("sql").exit_code == 2
    assert run("sql", RULES_DIR / "rfm.yaml", "--view").exit_code == 2
    assert run("sql", RULES_DIR / "rfm.yaml", "--dialect", "oracle").exit_code == 2
