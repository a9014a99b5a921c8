"""Holdout splits: the rule-file key, the group column of apply -o, the counts, and the
split recomputed in DuckDB SQL from the formula the README documents."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.rulefile import load_rules, parse_rules, save_rules

runner = CliRunner()

RULES = """\
version: 1
name: Campaign
# the split must be reproducible from this file alone
holdout: {percent: 10, salt: "winback-2026-03"}   # global holdout
segments:
  - name: Churned
    holdout:
      percent: 20.5
      salt: churned-2026
    rules: [recency_days > 365]
  - name: Active
    rules: [recency_days <= 180]
"""


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "tx.csv"
    result = run("sample", "-o", path, "--customers", 4000, "--seed", 3)
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def rules_file(tmp_path) -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(RULES)
    return path


def test_split_is_recomputed_exactly_by_duckdb_sql(tmp_path, sample_file, rules_file):
    duckdb = pytest.importorskip("duckdb")
    out = tmp_path / "members.csv"
    result = run("apply", rules_file, sample_file, "-o", out)
    assert result.exit_code == 0, result.output
    # the formula exactly as README documents it, per segment's salt and percent
    expected = duckdb.sql(f"""
        SELECT customer_id, segment, "group",
            CASE segment WHEN 'Churned' THEN 'churned-2026' ELSE 'winback-2026-03' END AS salt,
            CASE segment WHEN 'Churned' THEN 20.5 ELSE 10 END AS pct,
            CASE WHEN ('0x' || substr(md5(salt || ':' || customer_id), 1, 8))::UBIGINT % 10000 < pct * 100
                 THEN 'control' ELSE 'test' END AS recomputed
        FROM read_csv('{out}', all_varchar = true)
    """).pl()
    assert expected.height == 4000
    assert set(expected["segment"]) == {"Churned", "Active", "Unassigned"}
    assert (expected["group"] == expected["recomputed"]).all()
    shares = expected.group_by("segment").agg((pl.col("group") == "control").mean().alias("share"))
    for segment, share in shares.rows():
        target = 0.205 if segment == "Churned" else 0.10
        assert abs(share - target) < 0.05, (segment, share)


def test_summary_counts_test_and_control_per_segment(tmp_path, sample_file, rules_file):
    out = tmp_path / "members.parquet"
    result = run("apply", rules_file, sample_file, "--format", "json", "-o", out)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    members = pl.read_parquet(out)
    counted = {
        (seg, group): n for seg, group, n in members.group_by("segment", "group").len().rows()
    }
    by_name = {row["segment"]: row for row in doc["holdout"]}
    assert set(by_name) == {"Churned", "Active"}
    for name, row in by_name.items():
        assert row["test"] == counted[(name, "test")]
        assert row["control"] == counted[(name, "control")]
        size = next(s["customers"] for s in doc["segments"] if s["segment"] == name)
        assert row["test"] + row["control"] == size
        assert row["control_share"] == pytest.approx(100 * row["control"] / size, abs=1e-4)
    assert by_name["Churned"]["holdout_percent"] == 20.5
    table = run("apply", rules_file, sample_file)
    assert "Holdout" in table.stdout and f"{by_name['Active']['control']:,}" in table.stdout


def test_no_holdout_no_group_column(tmp_path, sample_file):
    rules = tmp_path / "plain.yaml"
    rules.write_text("version: 1\nsegments:\n  - name: A\n    rules: [orders >= 2]\n")
    out = tmp_path / "m.csv"
    result = run("apply", rules, sample_file, "--format", "json", "-o", out)
    assert result.exit_code == 0, result.output
    assert "group" not in pl.read_csv(out).columns
    assert "holdout" not in json.loads(result.stdout)


def test_overlap_splits_on_the_top_level_holdout(tmp_path, sample_file):
    rules = tmp_path / "overlap.yaml"
    rules.write_text(
        'version: 1\nassign: overlap\nholdout: {percent: 50, salt: "s"}\nsegments:\n'
        "  - name: A\n    rules: [orders >= 2]\n  - name: B\n    rules: [orders >= 3]\n"
    )
    out = tmp_path / "m.csv"
    result = run("apply", rules, sample_file, "-o", out)
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(out)
    assert frame.columns[:4] == ["customer_id", "A", "B", "group"]
    assert frame["group"].null_count() == 0  # the whole universe is split


def test_overlap_refuses_a_segment_holdout(tmp_path, sample_file):
    rules = tmp_path / "bad.yaml"
    rules.write_text(
        "version: 1\nassign: overlap\nsegments:\n"
        '  - name: A\n    holdout: {percent: 5, salt: "a"}\n    rules: [orders >= 2]\n'
    )
    result = run("apply", rules, sample_file)
    assert result.exit_code == 1
    assert 'segment "A": a segment\'s own holdout needs assign: first_match' in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("holdout", "message"),
    [
        ("{percent: 0, salt: s}", "percent must be a number above 0 and below 100"),
        ("{percent: 100, salt: s}", "percent must be a number above 0 and below 100"),
        ("{percent: 10.123, salt: s}", "at most 2 decimals"),
        ("{percent: 10}", "salt must be text"),
        ("{percent: 10, salt: 2026}", "salt must be text"),
        ("{percent: 10, salt: s, seed: 1}", 'unknown key "seed"'),
        ("10", "must be a mapping"),
    ],
)
def test_bad_holdout_is_one_line_naming_the_file(tmp_path, holdout, message):
    path = tmp_path / "r.yaml"
    path.write_text(f"version: 1\nholdout: {holdout}\nsegments:\n  - name: A\n    rules: [orders >= 2]\n")
    result = run("validate", path)
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {path}: holdout: ")
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_holdout_survives_load_and_save(tmp_path, rules_file):
    ruleset = load_rules(rules_file)
    assert ruleset.holdout is not None and ruleset.holdout.salt == "winback-2026-03"
    assert ruleset.segments[0].holdout is not None and ruleset.segments[0].holdout.percent == 20.5
    assert ruleset.segments[1].holdout is None
    target = tmp_path / "saved.yaml"
    save_rules(ruleset, target)
    assert target.read_text() == RULES  # unchanged: byte for byte
    ruleset.segments[1].rules[0].enabled = False  # an edit elsewhere keeps the holdouts
    save_rules(ruleset, target)
    again = load_rules(target)
    assert again.holdout == ruleset.holdout and again.segments[0].holdout == ruleset.segments[0].holdout
    assert 'holdout: {percent: 10, salt: "winback-2026-03"}   # global holdout' in target.read_text()


def test_holdout_written_for_a_rule_set_made_in_code(tmp_path):
    from segtui.rules import Holdout, Rule, RuleSet, Segment

    ruleset = RuleSet([Segment("A", [Rule("orders >= 2")], holdout=Holdout(5, "a"))], holdout=Holdout(12.5, "top"))
    target = tmp_path / "new.yaml"
    save_rules(ruleset, target)
    assert parse_rules(target.read_text()) == ruleset
