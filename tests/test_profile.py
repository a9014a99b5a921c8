"""Profiles and cross-tabs against computations made with nothing but the csv module.

The real-data checks use the shared CDNOW sample (each row is one order) and the bundled
sample (most frequent country per customer, ties to the smallest value).
"""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.analysis.crosstab import crosstab, dimension_labels
from segtui.analysis.profile import index_bar, profile, profile_segments
from segtui.cli import app
from segtui.dataset import load_dataset
from segtui.evaluate import Evaluator
from segtui.resources import RULES_DIR, SAMPLE_FILE
from segtui.rulefile import load_rules

runner = CliRunner()


from .shared_data import CDNOW  # noqa: E402

needs_cdnow = pytest.mark.skipif(not CDNOW.exists(), reason="shared CDNOW sample not present")


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _write_rules(tmp_path: Path, segments: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"version: 1\nname: Test\nsegments:\n{segments}")
    return path


# -- by hand --------------------------------------------------------------------------------


def _cdnow_customers() -> dict[str, tuple[int, float]]:
    """customer -> (orders, revenue) from the raw CDNOW lines."""
    facts: dict[str, list] = {}
    for row in csv.DictReader(CDNOW.open(newline="")):
        f = facts.setdefault(row["CustomerID"], [0, 0.0])
        f[0] += 1
        f[1] += float(row["DollarValue"])
    return {k: (v[0], v[1]) for k, v in facts.items()}


def _sample_countries() -> tuple[dict[str, str | None], dict[str, float], dict[str, int]]:
    """customer -> most frequent country (ties to the smallest), revenue, orders with a purchase line."""
    counts: dict[str, Counter] = defaultdict(Counter)
    revenue: dict[str, float] = defaultdict(float)
    orders: dict[str, set] = defaultdict(set)
    for row in csv.DictReader(SAMPLE_FILE.open(newline="")):
        cid = row["customer_id"]
        if row["country"]:
            counts[cid][row["country"]] += 1
        revenue[cid] += float(row["amount"])
        if float(row["amount"]) >= 0 and float(row["quantity"]) >= 0:  # a purchase, not a return
            orders[cid].add(row["order_id"])
    country = {}
    for cid in revenue:
        c = counts[cid]
        country[cid] = min(c, key=lambda v: (-c[v], v)) if c else None
    return country, dict(revenue), {k: len(orders[k]) for k in revenue}


# -- profile --------------------------------------------------------------------------------


@needs_cdnow
def test_profile_on_cdnow_agrees_with_a_csv_module_computation(tmp_path):
    rules = _write_rules(tmp_path, "  - name: Repeat\n    rules: ['orders >= 3']\n")
    result = run("profile", rules, CDNOW, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    facts = _cdnow_customers()
    everyone = list(facts.values())
    repeat = [f for f in everyone if f[0] >= 3]
    assert doc["universe"]["customers"] == len(everyone)
    segment = doc["segments"][0]
    assert (segment["segment"], segment["customers"]) == ("Repeat", len(repeat))
    metrics = {m["column"]: m for m in segment["metrics"] if m["kind"] == "mean"}
    for column, i in (("orders", 0), ("revenue", 1)):
        seg_mean = statistics.fmean(f[i] for f in repeat)
        base_mean = statistics.fmean(f[i] for f in everyone)
        m = metrics[column]
        assert m["segment_value"] == pytest.approx(seg_mean, abs=1e-4)
        assert m["base_value"] == pytest.approx(base_mean, abs=1e-4)
        assert m["segment_median"] == pytest.approx(statistics.median(f[i] for f in repeat), abs=1e-4)
        assert m["base_median"] == pytest.approx(statistics.median(f[i] for f in everyone), abs=1e-4)
        assert m["index"] == pytest.approx(seg_mean / base_mean * 100, abs=0.01)
        assert (m["segment_nulls"], m["base_nulls"]) == (0, 0)
    # and the hand-checked figures of this file: 2,357 customers, 540 with 3+ orders
    assert (len(everyone), len(repeat)) == (2357, 746)


def test_profile_shares_on_the_sample_agree_with_a_csv_module_computation():
    country, revenue, orders = _sample_countries()
    ds = load_dataset(SAMPLE_FILE)
    ruleset = load_rules(RULES_DIR / "value.yaml")
    ev = Evaluator(ds.view.frame)
    [(name, n, frame)] = profile_segments(ev, ruleset, ruleset.segments[0].name, values=50)
    members = set(ev.members(ruleset, name)["customer_id"].to_list())
    assert n == len(members)
    shares = frame.filter(pl.col("column") == "country")
    assert shares.height == len(set(country.values()))  # values=50 keeps every country
    for row in shares.iter_rows(named=True):
        value = None if row["value"] == "(null)" else row["value"]
        base = sum(1 for c in country.values() if c == value) * 100 / len(country)
        seg = sum(1 for cid in members if country[cid] == value) * 100 / len(members)
        assert row["base_value"] == pytest.approx(base)
        assert row["segment_value"] == pytest.approx(seg)
        assert row["index"] == pytest.approx(seg / base * 100)


def test_profile_counts_null_values_instead_of_hiding_them():
    view = pl.DataFrame({"device": ["mobile", None, None, "desktop"], "aov": [10.0, None, 30.0, 50.0]})
    out = profile(view, pl.Series([True, True, False, False]), values=5)
    null_share = out.filter(pl.col("value") == "(null)").row(0, named=True)
    assert (null_share["segment_value"], null_share["base_value"], null_share["segment_nulls"], null_share["base_nulls"]) == (50.0, 50.0, 1, 2)
    aov = out.filter(pl.col("column") == "aov").row(0, named=True)
    assert (aov["segment_value"], aov["base_value"], aov["segment_nulls"]) == (10.0, 30.0, 1)


def test_profile_orders_the_most_distinctive_first_and_has_no_index_on_a_zero_base():
    view = pl.DataFrame({"a": [1.0, 1.0, 1.0, 1.0], "b": [1.0, 1.0, 3.0, 3.0], "z": [0.0, 0.0, 0.0, 0.0]})
    out = profile(view, pl.Series([False, False, True, True]))
    assert out["column"].to_list() == ["b", "a", "z"]
    assert out["index"].to_list() == [150.0, 100.0, None]


def test_index_bar_is_symmetric_on_a_log_scale():
    assert index_bar(50.0, 11).index("│") == 5
    assert (index_bar(50.0, 11), index_bar(200.0, 11)) == ("  ▐██│     ", "     │██▌  ")
    assert len(index_bar(50.0, 11).split("│")[0].strip()) == len(index_bar(200.0, 11).split("│")[1].strip())


def test_profile_cli_errors(tmp_path):
    rules = _write_rules(tmp_path, "  - name: Big\n    rules: ['orders >= 3']\n")
    bad = run("profile", rules, SAMPLE_FILE, "--segment", "Bgi")
    assert bad.exit_code == 1 and 'no segment "Bgi" (did you mean "Big"?)' in bad.output
    assert "Traceback" not in bad.output
    assert run("profile", rules, SAMPLE_FILE, "--format", "xml").exit_code == 2
    table = run("profile", rules, SAMPLE_FILE, "--segment", "Big")
    assert table.exit_code == 0 and "Big · " in table.output and "│" in table.output


def test_profile_csv_has_one_line_per_segment_and_metric(tmp_path):
    rules = _write_rules(tmp_path, "  - name: Big\n    rules: ['orders >= 3']\n")
    result = run("profile", rules, SAMPLE_FILE, "--format", "csv", "--top", 4)
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(result.stdout.encode())
    assert frame.columns[:4] == ["segment", "customers", "column", "kind"]
    assert frame["segment"].to_list() == ["Big"] * 4 + ["Unassigned"] * 4


# -- cross-tab ------------------------------------------------------------------------------


def test_breakdown_cross_tab_agrees_with_a_csv_module_computation(tmp_path):
    country, revenue, orders = _sample_countries()
    rules = _write_rules(tmp_path, "  - name: Big\n    rules: ['revenue >= 500']\n  - name: Often\n    rules: ['orders >= 4']\n")
    result = run("breakdown", rules, SAMPLE_FILE, "--by", "country", "--top", 50, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)

    def group(cid: str) -> str:  # first_match, by hand; revenue compared in cents as segtui does
        if round(revenue[cid] * 100) >= 50_000:
            return "Big"
        return "Often" if orders[cid] >= 4 else "Unassigned"

    assert [g["segment"] for g in doc["segments"]] == ["Big", "Often", "Unassigned", "(all)"]
    for g in doc["segments"]:
        ids = [cid for cid in revenue if g["segment"] == "(all)" or group(cid) == g["segment"]]
        assert g["customers"] == len(ids)
        for cell in g["cells"]:
            value = None if cell["value"] == "(null)" else cell["value"]
            inside = [cid for cid in ids if country[cid] == value]
            assert cell["customers"] == len(inside), (g["segment"], value)
            assert cell["row_pct"] == pytest.approx(len(inside) * 100 / len(ids), abs=0.005)
            assert cell["revenue"] == pytest.approx(sum(revenue[c] for c in inside), abs=0.01)


@needs_cdnow
def test_binned_breakdown_on_cdnow_counts_what_its_labels_say(tmp_path):
    facts = _cdnow_customers()
    rules = _write_rules(tmp_path, "  - name: Repeat\n    rules: ['orders >= 3']\n")
    result = run("breakdown", rules, CDNOW, "--by", "revenue", "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pl.read_csv(result.stdout.encode(), schema_overrides={"value": pl.String})
    everyone = table.filter(pl.col("segment") == "(all)")
    labels = everyone["value"].to_list()
    assert 4 <= len(labels) <= 5
    for i, (label, n) in enumerate(zip(labels, everyone["customers"].to_list())):
        low, high = (float(x.replace(",", "")) for x in label.split("–"))
        last = i == len(labels) - 1
        expected = sum(1 for o, r in facts.values() if low <= round(r, 2) and (round(r, 2) <= high if last else round(r, 2) < high))
        assert n == expected, label
    repeat = table.filter(pl.col("segment") == "Repeat")
    assert repeat["customers"].sum() == sum(1 for o, _ in facts.values() if o >= 3)


def test_scores_are_their_own_values_and_cohorts_are_months():
    ds = load_dataset(SAMPLE_FILE)
    ev = Evaluator(ds.view.frame)
    ruleset = load_rules(RULES_DIR / "lifecycle.yaml")
    scores = crosstab(ev, ruleset, "r_score").filter(pl.col("segment") == "(all)")
    assert scores["value"].to_list() == ["1", "2", "3", "4", "5"]
    assert scores["customers"].to_list() == [int((ds.view.frame["r_score"] == s).sum()) for s in range(1, 6)]
    labels, order = dimension_labels(ds.view.frame, "first_order_month", pl.Series([True] * ds.view.frame.height))
    assert order == sorted(order) and order[0] == "2024-01" and len(order) == 24
    firsts = ds.view.frame["first_order_date"].dt.strftime("%Y-%m")
    assert labels.to_list() == firsts.to_list()


def test_breakdown_cli_errors(tmp_path):
    rules = _write_rules(tmp_path, "  - name: Big\n    rules: ['orders >= 3']\n")
    bad = run("breakdown", rules, SAMPLE_FILE, "--by", "countyr")
    assert bad.exit_code == 1 and 'unknown column "countyr" (did you mean "country"?)' in bad.output
    assert run("breakdown", rules, SAMPLE_FILE).exit_code == 2  # --by is required
    table = run("breakdown", rules, SAMPLE_FILE, "--by", "lifecycle")
    assert table.exit_code == 0 and "Segments by lifecycle" in table.output and "(all)" in table.output
