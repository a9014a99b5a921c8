"""segtui overlap / migrate / drift through Typer's runner: formats, documented JSON, errors."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app, route_argv
from segtui.resources import RULES_DIR, SAMPLE_FILE

runner = CliRunner()
LIFECYCLE, VALUE = RULES_DIR / "lifecycle.yaml", RULES_DIR / "value.yaml"


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def ok_json(*args: object) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def bad_rules(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nsegments:\n  - name: X\n    rules: [recency_day < 5]\n")
    return path


def test_routes_the_change_commands() -> None:
    for command in ("overlap", "migrate", "drift"):
        assert route_argv([command, "r.yaml"]) == [command, "r.yaml"]


# --------------------------------------------------------------------------- overlap


def test_overlap_json_has_the_documented_keys() -> None:
    doc = ok_json("overlap", VALUE, SAMPLE_FILE)
    assert list(doc) == ["rules", "data", "as_of", "assign", "universe", "segments", "matrix", "combinations", "more_combinations"]
    names = [s["segment"] for s in doc["segments"]]
    assert len(doc["matrix"]) == len(names) ** 2
    assert list(doc["matrix"][0]) == ["row", "column", "customers", "row_pct", "jaccard", "revenue"]
    assert list(doc["combinations"][0]) == ["segments", "label", "customers", "pct_customers", "revenue"]
    diagonal = [c for c in doc["matrix"] if c["row"] == c["column"]]
    assert [c["customers"] for c in diagonal] == [s["customers"] for s in doc["segments"]]


def test_overlap_csv_is_the_matrix() -> None:
    result = run("overlap", VALUE, SAMPLE_FILE, "--format", "csv")
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(result.stdout.encode())
    assert frame.columns == ["row", "column", "customers", "row_pct", "jaccard", "revenue"]
    assert frame.height == 36


def test_overlap_table_names_segments_and_combinations() -> None:
    result = run("overlap", VALUE, SAMPLE_FILE)
    assert result.exit_code == 0, result.output
    assert "Most common combinations" in result.stdout and "Big baskets" in result.stdout


@pytest.mark.parametrize("command", ["overlap", "migrate", "drift"])
def test_bad_rule_is_one_line_exit_1(command: str, bad_rules: Path) -> None:
    result = run(command, bad_rules, SAMPLE_FILE)
    assert result.exit_code == 1, result.output
    assert 'unknown column "recency_day"' in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", ["overlap", "migrate", "drift"])
def test_bad_format_is_usage_error(command: str) -> None:
    result = run(command, LIFECYCLE, SAMPLE_FILE, "--format", "xml")
    assert result.exit_code == 2
    assert "xml" in result.output


@pytest.mark.parametrize("command", ["overlap", "migrate", "drift"])
def test_missing_data_file_exit_1(command: str, tmp_path: Path) -> None:
    result = run(command, LIFECYCLE, tmp_path / "nope.csv")
    assert result.exit_code == 1, result.output
    assert "nope.csv" in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------- migrate


def test_migrate_json_defaults_to_the_last_90_days() -> None:
    doc = ok_json("migrate", LIFECYCLE, SAMPLE_FILE)
    assert list(doc) == ["rules", "data", "from", "to", "assign", "customers_from", "customers_to", "rows", "columns", "matrix", "segments"]
    assert (doc["from"], doc["to"]) == ("2025-10-03", "2026-01-01")  # as_of 2026-01-01 and 90 days before
    assert list(doc["matrix"][0]) == ["from", "to", "customers", "row_pct", "revenue", "direction"]
    assert sum(c["customers"] for c in doc["matrix"]) == doc["customers_to"] == 3000
    assert list(doc["segments"][0]) == [
        "segment", "customers_from", "customers_to", "stayed", "entered", "entered_new", "left",
        "stayed_revenue", "entered_revenue", "left_revenue",
    ]


def test_migrate_to_is_a_full_snapshot_of_that_date() -> None:
    doc = ok_json("migrate", LIFECYCLE, SAMPLE_FILE, "--from", "2024-12-31", "--to", "2025-06-30")
    applied = run("apply", LIFECYCLE, SAMPLE_FILE, "--as-of", "2025-06-30", "--format", "json")
    sizes = {s["segment"]: s["customers"] for s in json.loads(applied.stdout)["segments"]}
    for name in doc["columns"]:
        assert sum(c["customers"] for c in doc["matrix"] if c["to"] == name) == sizes[name]


def test_migrate_overlap_rule_set_has_no_matrix_and_csv_is_per_segment() -> None:
    doc = ok_json("migrate", VALUE, SAMPLE_FILE, "--from", "2025-06-30")
    assert doc["matrix"] is None and len(doc["segments"]) == 6
    result = run("migrate", VALUE, SAMPLE_FILE, "--from", "2025-06-30", "--format", "csv")
    assert pl.read_csv(result.stdout.encode()).columns[:4] == ["segment", "customers_from", "customers_to", "stayed"]


def test_migrate_table_shows_both_dates() -> None:
    result = run("migrate", LIFECYCLE, SAMPLE_FILE, "--from", "2025-06-30", "--to", "2025-12-31")
    assert result.exit_code == 0, result.output
    assert "2025-06-30 → 2025-12-31" in result.stdout and "(not yet a customer)" in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--from", "2025-06-31"], "--from"),
        (["--from", "2025-07-01", "--to", "2025-07-01"], "not before"),
        (["--to", "yesterday"], "--to"),
        (["--from", "2026-01-01"], "not before the data's as-of date 2026-01-01"),
    ],
)
def test_migrate_bad_dates_are_usage_errors(args: list[str], needle: str) -> None:
    result = run("migrate", LIFECYCLE, SAMPLE_FILE, *args)
    assert result.exit_code == 2
    assert needle in " ".join(result.output.replace("│", " ").split())  # unwrap Rich's error box


def test_migrate_to_before_the_data_names_the_to_option() -> None:
    result = run("migrate", LIFECYCLE, SAMPLE_FILE, "--from", "2019-01-01", "--to", "2020-02-01")
    assert result.exit_code == 1
    assert "--to 2020-02-01 is before the first transaction" in result.output
    assert "--as-of" not in result.output


def test_migrate_default_from_after_explicit_to_uses_to() -> None:
    doc = ok_json("migrate", LIFECYCLE, SAMPLE_FILE, "--to", "2025-03-31")
    assert (doc["from"], doc["to"]) == ("2024-12-31", "2025-03-31")


# --------------------------------------------------------------------------- drift


def test_drift_json_has_one_point_per_date_and_segment() -> None:
    doc = ok_json("drift", LIFECYCLE, SAMPLE_FILE, "--every", "quarter", "--last", "4")
    assert list(doc) == ["rules", "data", "every", "dates", "segments", "universe", "points"]
    assert doc["dates"] == ["2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31"]
    assert doc["segments"] == ["New", "Active", "At risk", "Churned", "Unassigned"]
    assert len(doc["points"]) == 4 * 5
    assert list(doc["points"][0]) == ["date", "segment", "customers", "pct_customers", "revenue"]
    assert list(doc["universe"][0]) == ["date", "customers", "revenue"]
    last = [p for p in doc["points"] if p["date"] == "2025-12-31"]
    assert sum(p["customers"] for p in last) == doc["universe"][-1]["customers"]


def test_drift_csv_and_table() -> None:
    result = run("drift", LIFECYCLE, SAMPLE_FILE, "--last", "3", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert pl.read_csv(result.stdout.encode()).height == 15
    table = run("drift", LIFECYCLE, SAMPLE_FILE, "--last", "3")
    assert table.exit_code == 0 and "Customers per date" in table.stdout


def test_drift_bad_period_is_usage_error() -> None:
    result = run("drift", LIFECYCLE, SAMPLE_FILE, "--every", "fortnight")
    assert result.exit_code == 2 and "fortnight" in result.output
