"""Atomic writes (the target appears whole or not at all, with shareable permissions) and the
precision of values written to text formats."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.errors import SegtuiError
from segtui.export import write_atomic, write_frame
from segtui.resources import RULES_DIR

runner = CliRunner()


def test_new_export_gets_umask_permissions_not_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        out = write_frame(pl.DataFrame({"a": [1]}), tmp_path / "members.csv")
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644


def test_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "members.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    write_frame(pl.DataFrame({"a": [1]}), target)
    assert target.stat().st_mode & 0o777 == 0o640
    assert target.read_text() == "a\n1\n"


def test_failed_write_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "r.txt"
    target.write_text("before")

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(SegtuiError, match=r"r.txt: cannot save \(No space left on device\)"):
        write_atomic(target, broken, verb="save")
    assert target.read_text() == "before"
    assert [p.name for p in tmp_path.iterdir()] == ["r.txt"]


def test_directory_as_target_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "view.csv").mkdir()
    with pytest.raises(SegtuiError, match="view.csv: cannot write"):
        write_frame(pl.DataFrame({"a": [1]}), tmp_path / "view.csv")


# --------------------------------------------------------------------------- values written out

NOISY = pl.DataFrame({
    "customer_id": ["a", "b"],
    "revenue": [223.48000000000002, -3.552713678800501e-15],
    "returns_amount": [-0.0, 30.299999999999997],
    "q4_revenue_share": [1 / 3, None],
    "revenue_percentile": [0.6000000000000001, 1.0],
    "avg_days_between_orders": [46.333333333333336, 65.0],
    "items": [4, 3],
})


def test_csv_rounds_money_to_cents_shares_to_four_places_and_has_no_negative_zero(tmp_path: Path) -> None:
    text = write_frame(NOISY, tmp_path / "view.csv").read_text()
    assert text.splitlines() == [
        "customer_id,revenue,returns_amount,q4_revenue_share,revenue_percentile,avg_days_between_orders,items",
        "a,223.48,0.0,0.3333,0.6,46.33,4",
        "b,0.0,30.3,,1.0,65.0,3",
    ]


def test_json_rounds_like_csv(tmp_path: Path) -> None:
    records = json.loads(write_frame(NOISY, tmp_path / "view.json").read_text())
    assert records[0]["revenue"] == 223.48 and records[1]["revenue"] == 0.0
    assert "-0.0" not in json.dumps(records) and "e-15" not in json.dumps(records)
    assert records[0]["q4_revenue_share"] == 0.3333


def test_parquet_keeps_full_floats(tmp_path: Path) -> None:
    back = pl.read_parquet(write_frame(NOISY, tmp_path / "view.parquet"))
    assert back["q4_revenue_share"][0] == 1 / 3


NOISE_CSV = """customer_id,order_id,order_date,amount,quantity
a,1,2024-11-01,10.10,1
a,2,2025-01-05,20.20,2
a,3,2025-01-06,-30.30,-1
b,4,2024-12-01,111.74,3
b,5,2024-12-02,111.74,1
c,6,2024-12-03,0.1,1
c,7,2024-12-04,0.2,1
"""


@pytest.fixture
def noise_file(tmp_path: Path) -> Path:
    path = tmp_path / "tx.csv"
    path.write_text(NOISE_CSV)
    return path


def _no_float_noise(text: str) -> None:
    for bad in ("e-1", "e+1", "0000000", "9999999", "-0.0"):
        assert bad not in text, (bad, text)


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_customers_export_has_cents_integer_items_and_no_negative_zero(noise_file: Path, suffix: str) -> None:
    out = noise_file.with_name(f"view{suffix}")
    result = runner.invoke(app, ["customers", str(noise_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    _no_float_noise(text)
    back = pl.read_csv(out) if suffix == ".csv" else pl.read_json(out)
    assert back["revenue"].to_list() == [0.0, 223.48, 0.3]
    assert back["items"].to_list() == [3, 4, 2] and back.schema["items"].is_integer()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_apply_summary_and_members_are_rounded(noise_file: Path, fmt: str) -> None:
    members = noise_file.with_name(f"members.{fmt}")
    result = runner.invoke(app, ["apply", str(RULES_DIR / "lifecycle.yaml"), str(noise_file),
                                 "--format", fmt, "-o", str(members)])
    assert result.exit_code == 0, result.output
    _no_float_noise(result.stdout)
    _no_float_noise(members.read_text())
    if fmt == "json":
        doc = json.loads(result.stdout)
        assert doc["universe"]["revenue"] == 223.78
        new = next(s for s in doc["segments"] if s["segment"] == "New")
        assert (new["revenue"], new["avg_revenue"]) == (223.78, 74.59)
