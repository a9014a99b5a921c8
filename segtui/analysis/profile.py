"""How a segment differs from its base: every customer-view metric side by side.

The base is the rule set's universe; a segment's members are those ``Evaluator`` counts
for it (in ``first_match`` the customers it won). Per column:

- numeric columns: mean and median in the segment and in the base, and the **index**
  ``segment mean / base mean × 100`` (null when the base mean is not positive: a ratio to
  zero or to a negative mean says nothing);
- text, categorical and boolean columns, and the codes ``top_weekday`` / ``top_month``: the share of customers per value (nulls are the
  value ``"(null)"``, so shares add up to 100 and nobody is hidden), and the index of each
  share (the lift); the ``values`` values whose share differs most from the base, in
  percentage points, are kept;
- null counts per column in both groups (numeric means are over the non-null values);
- date columns are left out (their spread is ``recency_days`` and ``tenure_days``), and so
  are identifier-like text columns (more than ``_MAX_DISTINCT`` distinct values).

Rows come most distinctive first: by ``|ln(index / 100)|`` (an index of 50 is as far from
the base as one of 200), indexes below 1 counted as 1, null indexes last, ties in column
order. Pure functions over frames: no Textual, no printing.
"""

from __future__ import annotations

import math

import polars as pl

from segtui.evaluate import NULL_LABEL, UNASSIGNED, Evaluator
from segtui.rules import RuleSet

__all__ = ["PROFILE_SCHEMA", "profile", "segment_groups", "profile_segments", "index_bar", "distinctiveness"]

#: Numeric columns that are codes (a weekday, a month): profiled by value, not by mean.
CODES = frozenset({"top_weekday", "top_month"})
#: Text columns with more distinct values than this are identifiers, not descriptions.
_MAX_DISTINCT = 1_000
#: Columns of a profile frame, in order.
PROFILE_SCHEMA: dict[str, pl.DataType] = {
    "column": pl.String,
    "kind": pl.String,  # "mean" (numeric) or "share" (one text value)
    "value": pl.String,  # the text value of a share row; null for a mean
    "segment_value": pl.Float64,  # mean, or share of customers in % (0-100)
    "base_value": pl.Float64,
    "index": pl.Float64,  # segment / base * 100
    "segment_median": pl.Float64,
    "base_median": pl.Float64,
    "segment_nulls": pl.Int64,
    "base_nulls": pl.Int64,
}


def distinctiveness(index: float | None) -> float:
    """How far an index lies from 100, symmetric in ratio; -1 for a null index (sorted last).

    Examples
    --------
    >>> distinctiveness(200.0) == distinctiveness(50.0)
    True
    >>> distinctiveness(100.0), distinctiveness(None), round(distinctiveness(0.0), 3)
    (0.0, -1.0, 4.605)
    """
    if index is None or math.isnan(index):
        return -1.0
    return abs(math.log(max(index, 1.0) / 100.0))


def _numeric_columns(schema: pl.Schema) -> list[str]:
    return [n for n, t in schema.items() if t.is_numeric() and n != "customer_id" and n not in CODES]


def _text_columns(frame: pl.DataFrame) -> list[str]:
    text = [
        n for n, t in frame.schema.items()
        if (t == pl.String or t == pl.Boolean or isinstance(t, (pl.Categorical, pl.Enum)) or n in CODES) and n != "customer_id"
    ]
    if not text:
        return []
    distinct = frame.select(pl.col(text).n_unique()).row(0)
    return [n for n, d in zip(text, distinct) if d <= _MAX_DISTINCT]


def _numeric_rows(frame: pl.DataFrame, members: pl.Series, columns: list[str]) -> list[dict]:
    if not columns:
        return []
    both = frame.select(pl.col(columns).cast(pl.Float64))
    stats = {}
    for group, rows in (("base", both), ("segment", both.filter(members))):
        stats[group] = (rows.mean().row(0), rows.median().row(0), rows.null_count().row(0))
    out = []
    for i, name in enumerate(columns):
        seg_mean, base_mean = stats["segment"][0][i], stats["base"][0][i]
        index = seg_mean / base_mean * 100 if seg_mean is not None and base_mean is not None and base_mean > 0 else None
        out.append({
            "column": name, "kind": "mean", "value": None, "segment_value": seg_mean, "base_value": base_mean, "index": index,
            "segment_median": stats["segment"][1][i], "base_median": stats["base"][1][i],
            "segment_nulls": stats["segment"][2][i], "base_nulls": stats["base"][2][i],
        })
    return out


def _shares(values: pl.Series) -> pl.DataFrame:
    """value -> share of customers in % (nulls as NULL_LABEL)."""
    labelled = values.cast(pl.String).fill_null(NULL_LABEL).alias("value")
    return labelled.value_counts(name="n").with_columns(share=pl.col("n") * 100.0 / max(values.len(), 1))


def _text_rows(frame: pl.DataFrame, members: pl.Series, columns: list[str], values: int) -> list[dict]:
    out = []
    for name in columns:
        column = frame[name]
        in_segment = column.filter(members)
        joined = (
            _shares(column).rename({"share": "base", "n": "nb"})
            .join(_shares(in_segment).rename({"share": "segment", "n": "ns"}), on="value", how="left")
            .with_columns(pl.col("segment").fill_null(0.0))
            .with_columns(gap=(pl.col("segment") - pl.col("base")).abs())
            .sort(["gap", "value"], descending=[True, False])
            .head(values)
        )
        nulls = (column.null_count(), in_segment.null_count())
        for row in joined.iter_rows(named=True):
            index = row["segment"] / row["base"] * 100 if in_segment.len() else None
            out.append({
                "column": name, "kind": "share", "value": row["value"], "segment_value": row["segment"] if in_segment.len() else None,
                "base_value": row["base"], "index": index, "segment_median": None, "base_median": None,
                "segment_nulls": nulls[1], "base_nulls": nulls[0],
            })
    return out


def profile(frame: pl.DataFrame, members: pl.Series, *, values: int = 3) -> pl.DataFrame:
    """Profile the customers ``members`` marks against every customer of ``frame``.

    Parameters
    ----------
    frame
        The base: the customer view filtered to the universe.
    members
        Boolean mask over ``frame``'s rows: the segment.
    values
        Text values kept per text column (those whose share differs most from the base).

    Returns
    -------
    pl.DataFrame
        ``PROFILE_SCHEMA`` rows, most distinctive first (see the module docs).

    Examples
    --------
    >>> view = pl.DataFrame({"orders": [1, 1, 2, 4], "country": ["UK", "UK", "FR", None]})
    >>> out = profile(view, pl.Series([False, False, True, True]), values=2)
    >>> out.select("column", "value", "segment_value", "base_value", "index").rows()
    [('country', 'UK', 0.0, 50.0, 0.0), ('country', '(null)', 50.0, 25.0, 200.0), ('orders', None, 3.0, 2.0, 150.0)]
    """
    rows = _numeric_rows(frame, members, _numeric_columns(frame.schema)) + _text_rows(frame, members, _text_columns(frame), values)
    order = sorted(range(len(rows)), key=lambda i: -distinctiveness(rows[i]["index"]))
    return pl.DataFrame([rows[i] for i in order], schema=PROFILE_SCHEMA)


def segment_groups(evaluator: Evaluator, ruleset: RuleSet) -> tuple[pl.Series, list[tuple[str, pl.Series]]]:
    """The universe mask and (name, members) of every enabled segment, plus ``Unassigned``
    in ``first_match`` (the remainder, so the groups add up to the universe).

    Examples
    --------
    >>> from segtui.rules import Rule, Segment
    >>> ev = Evaluator(pl.DataFrame({"orders": [1, 3, 5]}))
    >>> _, groups = segment_groups(ev, RuleSet([Segment("Loyal", [Rule("orders >= 3")])]))
    >>> [(name, mask.to_list()) for name, mask in groups]
    [('Loyal', [False, True, True]), ('Unassigned', [True, False, False])]
    """
    universe, masks = evaluator.segment_masks(ruleset)
    groups = [(seg.name, mask) for seg, mask in zip(ruleset.segments, masks) if seg.enabled]
    if ruleset.assign == "first_match":
        rest = universe
        for mask in masks:
            rest = rest & ~mask
        groups.append((UNASSIGNED, rest))
    return universe, groups


def profile_segments(
    evaluator: Evaluator, ruleset: RuleSet, segment: str | None = None, *, values: int = 3
) -> list[tuple[str, int, pl.DataFrame]]:
    """(segment, customers, profile) for one segment by name, or for every group of ``segment_groups``.

    Raises ``SegtuiError`` for an unknown segment name (with "did you mean").
    """
    universe, groups = segment_groups(evaluator, ruleset)
    if segment is not None:
        groups = [(segment, evaluator.member_mask(ruleset, segment))]
    base = evaluator.customers.filter(universe)
    return [(name, int((mask & universe).sum()), profile(base, mask.filter(universe), values=values)) for name, mask in groups]


def index_bar(index: float | None, width: int) -> str:
    """A diverging bar for an index: left of the middle below 100, right of it above.

    The scale is logarithmic (an index of 50 is as long as one of 200) and full at 25 / 400;
    ``width`` cells in all (odd widths keep a middle cell ``│``). Null draws only the axis.

    Examples
    --------
    >>> index_bar(400.0, 9)
    '    │████'
    >>> index_bar(25.0, 9)
    '████│    '
    >>> index_bar(200.0, 9), index_bar(100.0, 5), index_bar(None, 3)
    ('    │██  ', '  │  ', ' │ ')
    """
    half = (width - 1) // 2
    if index is None or math.isnan(index) or half <= 0:
        return " " * half + "│" + " " * (width - half - 1)
    reach = max(-1.0, min(1.0, math.log(max(index, 1e-9) / 100.0) / math.log(4.0)))
    halves = round(abs(reach) * half * 2)
    cells = "█" * (halves // 2) + ("▌" if reach > 0 and halves % 2 else "")
    if reach < 0:
        cells = ("▐" if halves % 2 else "") + "█" * (halves // 2)
        return " " * (half - len(cells)) + cells + "│" + " " * (width - half - 1)
    return " " * half + "│" + cells + " " * (width - half - 1 - len(cells))
