"""Smoke test of benchmarks/run.py at a tiny size: results are produced and well formed,
and DuckDB / pandas compute the same customer view and segment counts as segtui (so the
benchmark compares the same work). Nothing here is about time."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("duckdb")
pytest.importorskip("pandas")

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _load_runner():
    """benchmarks/run.py as a module (benchmarks/ is a folder of scripts, not a package)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # run.py imports its sibling competitors.py
    spec = importlib.util.spec_from_file_location("segtui_bench_run", BENCH / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


run = _load_runner()
competitors = run.competitors


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """One 2k-transaction run of every in-process measure, written to a temp cache."""
    cache = tmp_path_factory.mktemp("bench")
    res, frame = run.run_size("2k", 1, cache=cache, apply=False, log=lambda _: None)
    return cache, res, frame


def test_parse_size():
    assert [run.parse_size(s) for s in ("2k", "100k", "1m", "10m", "1500")] == [
        2_000, 100_000, 1_000_000, 10_000_000, 1_500
    ]


def test_results_are_well_formed(small):
    _, res, frame = small
    assert res["transactions"] > 1_000 and res["customers"] == frame.height == 200
    for fmt in ("parquet", "csv"):
        scv = res["scv"][fmt]
        assert scv["customers"] == frame.height
        for who in ("segtui", "duckdb", "pandas"):
            t = scv[who]
            assert len(t["runs"]) == 1 and t["median"] == t["min"] > 0
    ev = res["eval"]
    assert ev["segments"] >= 10 and ev["customers"] == frame.height
    for kind in ("cold", "toggle"):
        assert set(ev[kind]) == {"segtui", "duckdb", "pandas"}


def _spec(cache: Path, frame_has_time: bool = True):
    path = next(cache.glob("tx_2k_*.parquet"))
    return run.file_spec(path, frame_has_time)


def _norm(s: pl.Series) -> list:
    """Values comparable across engines (pandas turns integers with nulls into floats)."""
    return (s.cast(pl.Float64) if s.dtype.is_numeric() else s.cast(pl.String)).to_list()


@pytest.mark.parametrize("strong", [True, False], ids=["counted-modes", "mode-per-column"])
def test_duckdb_and_pandas_build_the_same_customer_view(small, strong: bool):
    import duckdb

    cache, _, frame = small
    spec = _spec(cache)
    duck = pl.from_arrow(competitors.scv_duckdb(duckdb.connect(), spec, strong=strong)).sort("customer_id")
    pand = pl.from_pandas(competitors.scv_pandas(spec)).sort("customer_id")
    assert set(duck.columns) == set(frame.columns) == set(pand.columns)
    assert duck["customer_id"].to_list() == frame["customer_id"].to_list() == pand["customer_id"].to_list()
    # exact on counts and days; revenue to the cent (float sums in a different order)
    for col in ("orders", "recency_days", "tenure_days", "purchase_days", "days_to_second_order",
                "top_weekday", "top_month", "top_daypart", "top_category", "top_channel", "country", "device",
                "age_band", "distinct_categories", "distinct_products", "lifecycle",
                "r_score", "f_score", "m_score", "revenue_percentile"):
        assert _norm(duck[col]) == _norm(frame[col]) == _norm(pand[col]), col
    for col in ("revenue", "gross_revenue", "returns_amount", "discount_amount", "discount_order_share",
                "q4_revenue_share", "aov", "items", "weekend_order_share", "avg_days_between_orders"):
        for other in (duck, pand):
            diff = (other[col].cast(pl.Float64) - frame[col].cast(pl.Float64)).abs().fill_null(0).max()
            assert diff < 0.005, col


def test_rule_evaluation_counts_agree(small):
    import duckdb

    _, _, frame = small
    rules = run.load_rules()
    segments = run.Evaluator(frame).evaluate(rules).segments
    con = duckdb.connect()
    con.register("customers", frame.to_arrow())
    for ruleset in (rules, run.toggled(rules)):
        mine = run.Evaluator(frame).evaluate(ruleset).segments
        duck = competitors.eval_duckdb(con, ruleset)
        pand = competitors.eval_pandas(frame.to_pandas(), ruleset)
        for i in range(len(ruleset.segments)):
            assert duck[f"c{i}"] == pand[f"c{i}"] == mine["customers"][i]
            assert abs(duck[f"rev{i}"] - mine["revenue"][i]) < 0.01 * max(1, duck[f"c{i}"])
        # each rule's own matches and the segment funnel, as in Evaluation.rules
        funnel = run.Evaluator(frame).evaluate(ruleset).rules
        seg_index = {seg.name: i for i, seg in enumerate(ruleset.segments)}
        for row in funnel.iter_rows(named=True):
            key = f"{seg_index[row['segment']]}_{row['rule_index']}"
            assert duck[f"m{key}"] == pand[f"m{key}"] == row["matches"], key
            if row["enabled"]:
                assert duck[f"f{key}"] == pand[f"f{key}"] == row["remaining"], key
    # toggling VIP's recency rule changes the split, so the toggle measure does real work
    toggled = run.Evaluator(frame).evaluate(run.toggled(rules)).segments
    assert toggled["customers"].to_list() != segments["customers"].to_list()


def test_sql_to_pandas_translation():
    assert competitors.sql_to_pandas("lifecycle = 'New' AND orders >= 2") == "lifecycle == 'New' and orders >= 2"
    assert competitors.sql_to_pandas("x IN ('a', 'b') OR y <> 1") == "x in ['a', 'b'] or y != 1"
    with pytest.raises(ValueError):
        competitors.sql_to_pandas("x IS NULL")


def test_results_markdown_has_targets_and_machine(small, tmp_path):
    _, res, _ = small
    results = {"machine": run.machine(), "command": "python benchmarks/run.py --sizes 2k",
               "sizes": {"2k": res}, "help": {"error": "not run"}}
    out = tmp_path / "RESULTS.md"
    out.write_text("# Results\n\nHand-written notes stay.\n")
    run.write_results(results, out)
    run.write_results(results, out)  # rerunning replaces the generated section, once
    text = out.read_text()
    assert text.count(run.BEGIN) == 1 and "Hand-written notes stay." in text
    assert "| 2k (" in text and "load + SCV from parquet" in text and "segtui / DuckDB" in text
    assert "SCV on 10M transactions" in text and "not run" in text
    assert f"{results['machine']['nproc']} cores" in text


def test_apply_and_help_subprocess_measures(small):
    cache, _, frame = small
    data = next(cache.glob("tx_2k_*.parquet"))
    ap = run.apply_measures(data, 1)
    assert "error" not in ap, ap.get("error")
    assert ap["members_rows"] == frame.height
    assert len(ap["wall"]["runs"]) == 1 and all(mb > 10 for mb in ap["peak_rss_mb"])
    budget = run.apply_measures(data, 1, memory="1M")  # every pass there is, same members
    assert "error" not in budget, budget.get("error")
    assert budget["members_rows"] == frame.height
    hp = run.help_measures(1)
    assert "error" not in hp and hp["wall"]["median"] > 0
