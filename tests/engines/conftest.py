"""Inputs every engine is checked on: the bundled sample, CDNOW (when present) and edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from segtui.dataset import Dataset, load_dataset
from segtui.resources import RULES_DIR, SAMPLE_FILE

ROOT = Path(__file__).resolve().parents[2]
#: CDNOW lives in the shared folder beside the repository (CI copies it there too).
CDNOW_CANDIDATES = [ROOT.parent / "shared" / "data" / "cdnow_sample.csv", Path("/work/shared/data/cdnow_sample.csv")]
CDNOW = next((p for p in CDNOW_CANDIDATES if p.exists()), CDNOW_CANDIDATES[0])
#: returns-only customers, ties, nulls, an empty id, sub-cent amounts, times of day
EDGE_FILE = Path(__file__).with_name("edge_cases.csv")
#: dates without times, promo codes as the discount, fractional quantities, non-ASCII ties
EDGE_CODES_FILE = Path(__file__).with_name("edge_codes.csv")
RULE_FILES = sorted(RULES_DIR.glob("*.yaml"))


def _data_params() -> list:
    return [
        pytest.param(SAMPLE_FILE, id="sample"),
        pytest.param(CDNOW, id="cdnow", marks=pytest.mark.skipif(not CDNOW.exists(), reason=f"{CDNOW} is absent")),
        pytest.param(EDGE_FILE, id="edge"),
        pytest.param(EDGE_CODES_FILE, id="edge-codes"),
    ]


DATA_PARAMS = _data_params()
_loaded: dict[Path, Dataset] = {}


def dataset(path: Path) -> Dataset:
    """The file loaded once per test session (the Polars reference)."""
    if path not in _loaded:
        _loaded[path] = load_dataset(path)
    return _loaded[path]


@pytest.fixture(params=DATA_PARAMS)
def data_path(request) -> Path:
    return request.param


@pytest.fixture(params=RULE_FILES, ids=[p.stem for p in RULE_FILES])
def rule_path(request) -> Path:
    return request.param
