"""Counts packed a few to a word (``segtui/packed.py``) unpack to the counts themselves."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from segtui.packed import FIELD_MAX, PER_WORD, count_words, unpacked_counts, word_names


@settings(max_examples=60, deadline=None)
@given(
    field_of=st.lists(st.integers(0, 9), min_size=1, max_size=24),
    data=st.data(),
    per_word=st.sampled_from([PER_WORD, 1]),
)
def test_summed_words_unpack_to_the_count_of_each_field(field_of: list[int], data: st.DataObject, per_word: int) -> None:
    codes = data.draw(st.lists(st.one_of(st.none(), st.integers(0, len(field_of) - 1)), max_size=200))
    groups = data.draw(st.lists(st.integers(0, 4), min_size=len(codes), max_size=len(codes)))
    fields = max(field_of) + 1
    names = [f"n{i}" for i in range(fields)]
    frame = pl.DataFrame({"g": groups, "code": codes}, schema={"g": pl.Int64, "code": pl.Int64})
    words = word_names("w", fields, per_word)
    got = (
        frame.with_columns(count_words(pl.col("code"), field_of, "w", per_word))
        .group_by("g").agg(pl.col(words).sum())
        .select("g", *unpacked_counts("w", names, per_word))
    )
    for g, *counts in got.iter_rows():
        mine = [field_of[c] for c, h in zip(codes, groups) if h == g and c is not None]
        assert counts == [mine.count(f) for f in range(fields)]


def test_a_word_holds_as_many_fields_as_fit_in_64_bits() -> None:
    assert len(word_names("w", 7)) == 3 and len(word_names("w", 7, per_word=1)) == 7
    # the largest count every field of a full word can hold, at once
    frame = pl.DataFrame({"code": [0, 1, 2] * FIELD_MAX})
    total = frame.select(count_words(pl.col("code"), [0, 1, 2], "w")).sum()
    assert total.select(unpacked_counts("w", ["a", "b", "c"])).row(0) == (FIELD_MAX,) * 3
