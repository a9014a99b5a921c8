"""Every plan the loader and the view collect runs on Polars' streaming engine.

An expression Polars has no streaming node for (``replace`` in Polars 2.1) makes it run
that part on its in-memory engine, which holds every line of the file at once: a 10M-line
file then took 2.8 GB where 1.3 GB was enough, and nothing else showed it.  Polars marks
such a node in the physical plan it would run; these tests read those marks for every
plan collected while a file loads.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from segtui.dataset import load_dataset
from segtui.sample import write_sample

#: the colour Polars' plan graph gives a node that falls back to the in-memory engine
_FALLBACK = re.compile(r'label="([^"]*)",style=filled,fillcolor="0\.0 0\.3 1\.0"')


def _fallbacks(lf: pl.LazyFrame) -> list[str]:
    """The nodes of ``lf``'s streaming plan that run on the in-memory engine."""
    dot = lf.show_graph(engine="streaming", plan_stage="physical", raw_output=True)
    return _FALLBACK.findall(dot)


@pytest.fixture
def collected(monkeypatch: pytest.MonkeyPatch) -> list[pl.LazyFrame]:
    """Every LazyFrame collected (alone, with others, or into files) while the test runs."""
    plans: list[pl.LazyFrame] = []
    collect, collect_all, sink_ipc = pl.LazyFrame.collect, pl.collect_all, pl.LazyFrame.sink_ipc

    def spy_collect(self: pl.LazyFrame, *args, **kwargs):
        plans.append(self)
        return collect(self, *args, **kwargs)

    def spy_collect_all(frames, *args, **kwargs):
        plans.extend(frames)
        return collect_all(frames, *args, **kwargs)

    def spy_sink_ipc(self: pl.LazyFrame, *args, **kwargs):
        plans.append(self)
        return sink_ipc(self, *args, **kwargs)

    monkeypatch.setattr(pl.LazyFrame, "collect", spy_collect)
    monkeypatch.setattr(pl, "collect_all", spy_collect_all)
    monkeypatch.setattr(pl.LazyFrame, "sink_ipc", spy_sink_ipc)
    return plans


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
@pytest.mark.parametrize("memory", [None, "64K"], ids=["one pass", "passes"])
def test_loading_a_file_streams_every_plan(
    tmp_path: Path, collected: list[pl.LazyFrame], monkeypatch: pytest.MonkeyPatch, suffix: str, memory: str | None
) -> None:
    path = write_sample(tmp_path / f"tx{suffix}", customers=300, seed=3)
    if memory:  # small enough that the build splits the customers into passes
        monkeypatch.setenv("SEGTUI_MEMORY", memory)
    dataset = load_dataset(path)

    assert dataset.view.frame.height == 300
    assert len(collected) >= 3  # the validation pass, the view's head and its build at least
    found = {node for plan in collected for node in _fallbacks(plan)}
    assert not found, f"plans leave the streaming engine at: {sorted(found)}"


def test_the_check_sees_a_fallback() -> None:
    """The check itself: ``replace`` is the expression that slipped through once."""
    ids = pl.LazyFrame({"id": [" a", "", None]})
    assert _fallbacks(ids.select(pl.col("id").str.strip_chars().replace("", None))) != []
    assert _fallbacks(ids.select(pl.col("id").str.strip_chars())) == []
