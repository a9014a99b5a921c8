"""The column dictionary: a meaning for every metric, figures that match the view."""

from __future__ import annotations

import pytest

from segtui.dataset import load_dataset
from segtui.dictionary import ATTRIBUTE_MEANING, MEANINGS, column_dictionary
from segtui.names import METRIC_COLUMNS
from segtui.resources import SAMPLE_FILE


def test_every_metric_has_its_own_meaning():
    assert [c for c in METRIC_COLUMNS if c not in MEANINGS] == []


def test_dictionary_figures_match_the_view_column_by_column():
    frame = load_dataset(SAMPLE_FILE).view.frame
    table = {row["column"]: row for row in column_dictionary(frame).iter_rows(named=True)}
    assert list(table) == frame.columns
    for name in frame.columns:
        values = frame[name].to_list()
        present = [v for v in values if v is not None]
        row = table[name]
        assert row["null_pct"] == pytest.approx((len(values) - len(present)) * 100 / len(values)), name
        dtype = frame.schema[name]
        if dtype.is_integer() or dtype.is_temporal():
            low, high = (f"{v:,}" if dtype.is_integer() else str(v) for v in (min(present), max(present)))
            assert row["values"] == (low if low == high else f"{low} – {high}"), name
        elif dtype.is_numeric():
            shown = [float(v.replace(",", "")) for v in row["values"].split(" – ")]
            assert shown[0] == pytest.approx(min(present), rel=1e-3, abs=0.5), name
            assert shown[-1] == pytest.approx(max(present), rel=1e-3, abs=0.5), name
        else:
            assert row["values"] == f"{len(set(present)):,} distinct", name
    assert table["country"]["meaning"] == ATTRIBUTE_MEANING
    assert table["device"]["null_pct"] > 0  # the sample leaves some devices blank
    assert table["recency_days"]["type"] == "integer" and table["first_order_date"]["type"] == "date"
