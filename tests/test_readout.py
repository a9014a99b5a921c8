"""segtui readout on a generated shop: an injected lift is found, no lift is not, and every
figure agrees with a computation written out here from the raw file with scipy."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app

stats = pytest.importorskip("scipy.stats")
pytest.importorskip("statsmodels")

runner = CliRunner()
START, END = date(2025, 10, 1), date(2025, 12, 31)
SALT = "winback-2025-10"
#: two segments that split a generated shop roughly in half
SEGMENTS = """\
segments:
  - name: Active
    rules: [recency_days <= 120]
  - name: Lapsed
    rules: [recency_days > 120]
"""
RULES = f'version: 1\nname: Win-back\nholdout: {{percent: 30, salt: "{SALT}"}}\n' + SEGMENTS


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> tuple[Path, Path, pl.DataFrame]:
    """A generated shop, its rule file, and members with groups as apply saw them the day before START."""
    folder = tmp_path_factory.mktemp("shop")
    data, rules, members = folder / "tx.csv", folder / "winback.yaml", folder / "members.csv"
    assert run("sample", "-o", data, "--customers", 6000, "--seed", 5).exit_code == 0
    rules.write_text(RULES)
    result = run("apply", rules, data, "--as-of", "2025-09-30", "-o", members)
    assert result.exit_code == 0, result.output
    return data, rules, pl.read_csv(members).select("customer_id", "segment", "group")


@pytest.fixture(scope="module")
def lifted(shop, tmp_path_factory) -> Path:
    """The same shop plus one extra order in the window for a random half of Lapsed's test group."""
    data, _, members = shop
    rng = np.random.default_rng(11)
    test = members.filter((pl.col("segment") == "Lapsed") & (pl.col("group") == "test"))["customer_id"]
    chosen = test.filter(pl.Series(rng.random(len(test)) < 0.5))
    raw = pl.read_csv(data, infer_schema=False)
    extra = pl.DataFrame({
        "customer_id": chosen,
        "order_id": [f"X{i:06d}" for i in range(len(chosen))],
        "order_date": [f"2025-11-{1 + i % 28:02d} 12:00:00" for i in range(len(chosen))],
        "amount": ["40.00"] * len(chosen),
    })
    path = tmp_path_factory.mktemp("lifted") / "tx.csv"
    pl.concat([raw, extra], how="diagonal").write_csv(path)
    return path


def readout(rules: Path, data: Path) -> dict:
    result = run("readout", rules, data, "--start", START, "--end", END, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    return {(r["segment"], r["metric"]): r for r in doc["results"]}


def independent(data: Path, members: pl.DataFrame, segment: str) -> dict[str, dict]:
    """The readout's figures for one segment, from the raw file: polars for outcomes, scipy for tests."""
    raw = pl.read_csv(data, infer_schema=False).with_columns(
        pl.col("order_date").str.to_datetime().dt.date(), pl.col("amount").cast(pl.Float64),
        pl.col("quantity").cast(pl.Float64),
    )
    window = raw.filter(pl.col("order_date").is_between(START, END))
    bought = (pl.col("amount") >= 0) & (pl.col("quantity").fill_null(0) >= 0)
    per = window.group_by("customer_id").agg(
        pl.col("order_id").filter(bought).n_unique().alias("orders"), pl.col("amount").sum().alias("revenue")
    )
    seg = members.filter(pl.col("segment") == segment).join(per, on="customer_id", how="left").fill_null(0)
    t, c = seg.filter(pl.col("group") == "test"), seg.filter(pl.col("group") == "control")
    z = stats.norm.ppf(0.975)
    out = {}
    xt, xc, nt, nc = int((t["orders"] > 0).sum()), int((c["orders"] > 0).sum()), t.height, c.height
    pt, pc, pooled = xt / nt, xc / nc, (xt + xc) / (nt + nc)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / nt + 1 / nc))
    se = math.sqrt(pt * (1 - pt) / nt + pc * (1 - pc) / nc)
    log_se = math.sqrt(1 / xt - 1 / nt + 1 / xc - 1 / nc)
    out["conversion"] = {
        "test_customers": nt, "control_customers": nc, "test": pt, "control": pc, "abs_lift": pt - pc,
        "p_value": 2 * stats.norm.sf(abs(pt - pc) / se_pooled),
        "abs_lift_low": pt - pc - z * se, "abs_lift_high": pt - pc + z * se,
        "rel_lift": pt / pc - 1,
        "rel_lift_low": pt / pc * math.exp(-z * log_se) - 1, "rel_lift_high": pt / pc * math.exp(z * log_se) - 1,
    }
    for metric in ("revenue", "orders"):
        a, b = t[metric].cast(pl.Float64).to_numpy(), c[metric].cast(pl.Float64).to_numpy()
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))  # Welch-Satterthwaite
        diff, spread = a.mean() - b.mean(), math.sqrt(va + vb)
        q = stats.t.ppf(0.975, df)
        out[metric] = {
            "test": a.mean(), "control": b.mean(), "abs_lift": diff, "rel_lift": diff / b.mean(),
            "p_value": 2 * stats.t.sf(abs(diff) / spread, df),
            "abs_lift_low": diff - q * spread, "abs_lift_high": diff + q * spread,
        }
    return out


def assert_agrees(got: dict, expected: dict) -> None:
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-5, abs=1e-9), key


def test_injected_lift_is_significant_and_figures_agree(shop, lifted):
    _, rules, members = shop
    got = readout(rules, lifted)
    assert got[("Lapsed", "conversion")]["verdict"] == "significant"
    assert got[("Lapsed", "orders")]["verdict"] == "significant"
    assert got[("Lapsed", "conversion")]["abs_lift"] > 0.2  # half of a low-converting group
    for segment in ("Lapsed", "Active"):
        for metric, expected in independent(lifted, members, segment).items():
            assert_agrees(got[(segment, metric)], expected)
    assert got[("Active", "conversion")]["verdict"] != "significant"  # untouched segment


def test_no_lift_is_not_significant_and_figures_agree(shop):
    data, rules, members = shop
    got = readout(rules, data)
    for key, row in got.items():
        assert row["verdict"] != "significant", (key, row)
        assert row["p_value"] > 0.05
    for segment in ("Lapsed", "Active"):
        for metric, expected in independent(data, members, segment).items():
            assert_agrees(got[(segment, metric)], expected)


def test_groups_are_the_send_time_split(shop):
    """Membership as of the day before --start: the sizes apply --as-of gave then."""
    data, rules, members = shop
    got = readout(rules, data)
    sizes = members.group_by("segment", "group").len()
    for segment, group, n in sizes.filter(pl.col("segment") != "Unassigned").rows():
        assert got[(segment, "conversion")][f"{group}_customers"] == n


def test_table_and_csv(shop):
    data, rules, _ = shop
    table = run("readout", rules, data, "--start", START)
    assert table.exit_code == 0, table.output
    assert "Readout" in table.stdout and "Lapsed" in table.stdout and "not significant" in table.stdout
    csv = run("readout", rules, data, "--start", START, "--format", "csv")
    frame = pl.read_csv(csv.stdout.encode())
    assert frame.height == 6 and frame.columns[:4] == ["segment", "metric", "test_customers", "control_customers"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--start", "2020-01-01"], 1, "is not after the first transaction"),
        (["--start", "2027-01-01"], 1, "is after the last transaction"),
        (["--start", "2025-10-01", "--end", "2025-09-01"], 2, "is before --start"),
        (["--start", "1 Oct"], 2, "is not a date"),
        (["--start", "2025-10-01", "--format", "xml"], 2, "xml"),
    ],
)
def test_bad_window_is_one_clear_line(shop, args, code, message):
    data, rules, _ = shop
    result = run("readout", rules, data, *args)
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output


def test_rules_without_holdout_are_refused(shop, tmp_path):
    data, _, _ = shop
    rules = tmp_path / "plain.yaml"
    rules.write_text("version: 1\nsegments:\n  - name: A\n    rules: [orders >= 2]\n")
    result = run("readout", rules, data, "--start", START)
    assert result.exit_code == 1
    assert "no holdout to read out" in result.output


def test_missing_stats_extra_says_how_to_install(shop, monkeypatch):
    import sys

    data, rules, _ = shop
    monkeypatch.setitem(sys.modules, "scipy.stats", None)  # import fails as if not installed
    result = run("readout", rules, data, "--start", START)
    assert result.exit_code == 1
    assert "pip install 'segtui[stats]'" in result.output and "Traceback" not in result.output


def test_core_imports_without_the_stats_libraries():
    import subprocess
    import sys

    code = (
        "import sys, segtui.cli, segtui.analysis.holdout, segtui.analysis.readout, segtui.campaign;"
        "from segtui.cli import app;"
        "assert not {'scipy', 'statsmodels'} & set(sys.modules), sorted({'scipy', 'statsmodels'} & set(sys.modules))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
