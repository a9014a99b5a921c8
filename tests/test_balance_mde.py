"""apply with a holdout: the balance check and the minimum detectable effect."""

from __future__ import annotations

import hashlib
import json
import math
import sys
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from tests.test_readout import SEGMENTS, run

stats = pytest.importorskip("scipy.stats")
pytest.importorskip("statsmodels")

RULES = 'version: 1\nholdout: {percent: 10, salt: "spring"}\n' + SEGMENTS


def control(customer_id: str, salt: str = "spring", percent: float = 10) -> bool:
    return int(hashlib.md5(f"{salt}:{customer_id}".encode()).hexdigest()[:8], 16) % 10_000 < percent * 100


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("shop")
    data, rules = folder / "tx.csv", folder / "r.yaml"
    assert run("sample", "-o", data, "--customers", 5000, "--seed", 8).exit_code == 0
    rules.write_text(RULES)
    return data, rules


def holdout(rules: Path, data: Path, *extra: object) -> dict[str, dict]:
    result = run("apply", rules, data, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return {row["segment"]: row for row in json.loads(result.stdout)["holdout"]}


def test_a_fair_split_is_balanced(shop):
    rows = holdout(*reversed(shop))
    assert {row["balance"] for row in rows.values()} == {"ok"}
    assert all(row["balance_p"] > 0.05 / 4 for row in rows.values())


def test_a_control_group_that_spends_more_is_flagged(shop, tmp_path):
    data, rules = shop
    raw = pl.read_csv(data, infer_schema=False)
    ids = raw["customer_id"].unique().sort()
    rich = ids.filter(pl.Series([control(cid) for cid in ids]))
    extra = pl.DataFrame({"customer_id": rich, "order_id": [f"R{i}" for i in range(len(rich))],
                          "order_date": ["2025-12-30 10:00:00"] * len(rich), "amount": ["900.00"] * len(rich)})
    skewed = tmp_path / "skewed.csv"
    pl.concat([raw, extra], how="diagonal").write_csv(skewed)
    rows = holdout(rules, skewed)
    assert rows["Active"]["balance"].startswith("differs: ") and "revenue" in rows["Active"]["balance"]
    assert rows["Active"]["balance_p"] < 0.001


def test_a_control_share_far_from_the_percent_is_flagged(tmp_path):
    # ids picked so that half are in control: the split cannot be what the salt gives
    ids = [f"c{i}" for i in range(20_000)]
    chosen = [c for c in ids if control(c)][:150] + [c for c in ids if not control(c)][:150]
    data = tmp_path / "tx.csv"
    data.write_text("customer_id,order_date,amount\n" + "".join(f"{c},2025-01-0{1 + i % 9},{10 + i % 7}\n" for i, c in enumerate(chosen)))
    rules = tmp_path / "r.yaml"
    rules.write_text('version: 1\nholdout: {percent: 10, salt: "spring"}\nsegments:\n  - name: All\n    rules: [orders >= 1]\n')
    row = holdout(rules, data, "--baseline", "5%")["All"]
    assert (row["test"], row["control"]) == (150, 150)
    assert row["balance"] == "differs: control share"


def independent_mde(baseline: float, n_control: int, n_test: int) -> float:
    """Arcsine (Cohen's h) sample-size formula solved for the second rate, written out."""
    h = (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * math.sqrt(1 / n_control + 1 / n_test)
    return math.sin(math.asin(math.sqrt(baseline)) + h / 2) ** 2 - baseline


def test_mde_for_a_stated_baseline(shop):
    data, rules = shop
    rows = holdout(rules, data, "--baseline", "4%")
    for row in rows.values():
        assert row["baseline"] == 0.04
        assert row["mde"] == pytest.approx(independent_mde(0.04, row["control"], row["test"]), rel=2e-3)
    table = run("apply", rules, data, "--baseline", "0.04")
    assert "MDE" in table.stdout and "4.00%" in table.stdout


def test_default_baseline_is_the_segments_own_last_30_days(shop, tmp_path):
    data, rules = shop
    raw = pl.read_csv(data, infer_schema=False).with_columns(pl.col("order_date").str.to_datetime().dt.date())
    last = raw["order_date"].max()
    start = last - timedelta(days=29)
    members = tmp_path / "m.csv"
    assert run("apply", rules, data, "--as-of", start - timedelta(days=1), "-o", members).exit_code == 0
    bought = set(raw.filter((pl.col("order_date") >= start) & (pl.col("amount").cast(pl.Float64) >= 0))["customer_id"])
    seg = pl.read_csv(members).select("customer_id", "segment")
    rows = holdout(rules, data)
    for name in ("Active", "Lapsed"):
        ids = seg.filter(pl.col("segment") == name)["customer_id"]
        expected = sum(cid in bought for cid in ids) / len(ids)
        assert rows[name]["baseline"] == pytest.approx(expected, abs=1e-4)
        assert rows[name]["mde"] == pytest.approx(independent_mde(rows[name]["baseline"], rows[name]["control"], rows[name]["test"]), rel=2e-3)


@pytest.mark.parametrize("value", ["0%", "100%", "1.5", "four", "-2%"])
def test_bad_baseline_is_a_usage_error(shop, value):
    data, rules = shop
    result = run("apply", rules, data, "--baseline", value)
    assert result.exit_code == 2 and "--baseline" in result.output


def test_without_the_stats_extra_apply_shows_counts_and_says_why(shop, monkeypatch):
    data, rules = shop
    monkeypatch.setitem(sys.modules, "scipy.stats", None)
    result = run("apply", rules, data, "--format", "json")
    assert result.exit_code == 0, result.output
    assert "pip install 'segtui[stats]'" in result.stderr
    row = json.loads(result.stdout)["holdout"][0]
    assert {"test", "control"} <= set(row) and "mde" not in row
    asked = run("apply", rules, data, "--baseline", "4%")
    assert asked.exit_code == 1 and "pip install 'segtui[stats]'" in asked.output
