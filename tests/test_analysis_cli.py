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
