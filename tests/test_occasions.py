"""Occasion calendar: named windows give <name>_orders and <name>_revenue_share, by hand."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.occasions import DEFAULT_OCCASIONS, occasion_names
from segtui.resources import SAMPLE_FILE

runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _by_hand(start: tuple[int, int], end: tuple[int, int]) -> tuple[dict[str, int], dict[str, float], dict[str, float]]:
    """customer -> purchase orders dated in the window, revenue in it, revenue (csv module)."""
    inside = lambda day: start <= (int(day[5:7]), int(day[8:10])) <= end  # noqa: E731
    orders: dict[str, set] = defaultdict(set)
    window: dict[str, float] = defaultdict(float)
    revenue: dict[str, float] = defaultdict(float)
    for row in csv.DictReader(SAMPLE_FILE.open(newline="")):
        cid, day, amount = row["customer_id"], row["order_date"][:10], float(row["amount"])
        revenue[cid] += amount
        if inside(day):
            window[cid] += amount
            if amount >= 0 and float(row["quantity"]) >= 0:
                orders[cid].add(row["order_id"])
    return {c: len(orders[c]) for c in revenue}, dict(window), dict(revenue)


def test_occasion_columns_agree_with_a_csv_module_computation(tmp_path: Path):
    rules = tmp_path / "occ.yaml"
    rules.write_text(
        "version: 1\nname: Occasions\noccasions:\n  valentines: 02-01..02-14\n"
        "segments:\n  - name: Sweethearts\n    rules: ['valentines_orders >= 1']\n"
    )
    out = tmp_path / "members.csv"
    result = run("apply", rules, SAMPLE_FILE, "-o", out)
    assert result.exit_code == 0, result.output
    view = pl.read_csv(out)
    orders, window, revenue = _by_hand((2, 1), (2, 14))
    assert sum(1 for n in orders.values() if n >= 1) == int((view["segment"] == "Sweethearts").sum()) > 0
    for row in view.iter_rows(named=True):
        cid = row["customer_id"]
        assert row["valentines_orders"] == orders[cid], cid
        share = window.get(cid, 0.0) / revenue[cid] if round(revenue[cid], 2) > 0 else None
        assert row["valentines_revenue_share"] == (None if share is None else pytest.approx(share, abs=1e-4)), cid


def test_default_calendar_and_bad_windows(tmp_path: Path):
    rules = tmp_path / "default.yaml"
    rules.write_text("version: 1\noccasions: default\nsegments:\n  - name: BF\n    rules: ['black_friday_orders > 0']\n")
    out = tmp_path / "m.parquet"
    result = run("apply", rules, SAMPLE_FILE, "-o", out)
    assert result.exit_code == 0, result.output
    assert set(occasion_names(DEFAULT_OCCASIONS)) <= set(pl.read_parquet(out).columns)
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\noccasions:\n  sale: 02-30..03-05\n  Big Sale: 01-01..01-02\nsegments:\n  - name: A\n    rules: ['orders > 1']\n")
    result = run("validate", bad)
    assert result.exit_code == 1
    assert "occasions" in result.output and "02-30 is not a day of the year" in result.output
    assert "lower_snake_case" in result.output and "Traceback" not in result.output


def test_a_window_may_cross_new_year(tmp_path: Path):
    rules = tmp_path / "ny.yaml"
    rules.write_text("version: 1\noccasions: {winter: 12-20..01-10}\nsegments:\n  - name: W\n    rules: ['winter_orders > 0']\n")
    out = tmp_path / "m.csv"
    assert run("apply", rules, SAMPLE_FILE, "-o", out).exit_code == 0
    view = pl.read_csv(out)
    dec, _, _ = _by_hand((12, 20), (12, 31))
    jan, _, _ = _by_hand((1, 1), (1, 10))
    got = dict(zip(view["customer_id"], view["winter_orders"]))
    assert got == {cid: dec[cid] + jan[cid] for cid in got}


def test_saving_keeps_the_calendar_as_written_and_the_dictionary_explains_its_columns(tmp_path: Path):
    from segtui.dictionary import column_dictionary
    from segtui.rulefile import load_rules, save_rules

    source = tmp_path / "occ.yaml"
    source.write_text("version: 1\n# our calendar\noccasions: default\nsegments:\n  - name: BF\n    rules: ['black_friday_orders > 0']\n")
    ruleset = load_rules(source)
    assert ruleset.occasions == DEFAULT_OCCASIONS
    save_rules(ruleset, tmp_path / "copy.yaml")
    assert (tmp_path / "copy.yaml").read_text() == source.read_text()
    frame = pl.DataFrame({"customer_id": ["a"], "black_friday_orders": [1]})
    row = column_dictionary(frame, ruleset.occasions).row(1, named=True)
    assert row["meaning"].startswith("orders dated 11-20..11-30")
