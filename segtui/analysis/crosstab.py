"""Every segment split by one column, on value labels shared by all segments.

A dimension's labels are decided once, on the universe, so that a row of the cross-tab
and the breakdown of any one segment use the same values and bins:

- text, categorical and boolean columns: the ``top`` most frequent values (ties by value),
  then ``"(other)"``;
- numeric columns with at most ``_OWN_VALUES`` distinct values (scores 1-5, weekdays,
  months): each value on its own, in numeric order;
- other numeric columns: about five quantile bins whose edges are rounded to two
  significant digits (``50–120``); a bin holds its lower edge and not its upper one
  (``50–120`` is 50 ≤ value < 120), the first starts at the minimum and the last ends at
  the maximum; integer columns show closed ranges (``3–4``, ``5–57``);
- date columns by month (``2025-03``), by year when they span more than 36 months, and
  the virtual dimension ``first_order_month``: first-order cohorts by month;
- missing values are ``"(null)"``, always last.
"""

from __future__ import annotations

import math
from datetime import date

import polars as pl

from segtui.analysis.profile import segment_groups
from segtui.errors import SegtuiError
from segtui.evaluate import NULL_LABEL, OTHER, Evaluator
from segtui.rules import RuleSet, suggest

__all__ = [
    "COHORT", "ALL_LABEL", "CROSSTAB_SCHEMA", "dimensions", "dimension_labels", "nice", "crosstab", "breakdown",
    "with_segments",
]

#: The virtual dimension of first-order cohorts (from ``first_order_date``).
COHORT = "first_order_month"
#: The group of a cross-tab that holds the whole universe.
ALL_LABEL = "(all)"
#: Numeric columns with at most this many distinct values are split by value.
_OWN_VALUES = 12
_BINS = 5
_MONTHS_BEFORE_YEARS = 36
CROSSTAB_SCHEMA: dict[str, pl.DataType] = {
    "segment": pl.String, "value": pl.String, "customers": pl.Int64, "row_pct": pl.Float64,
    "revenue": pl.Float64, "pct_revenue": pl.Float64,
}


def nice(value: float) -> float:
    """``value`` rounded to two significant digits (bin edges people can read).

    Examples
    --------
    >>> nice(47.31), nice(123.4), nice(0.4567), nice(1234), nice(0.0), nice(-87.0)
    (47.0, 120.0, 0.46, 1200.0, 0.0, -87.0)
    """
    if value == 0 or not math.isfinite(value):
        return float(value)
    digits = 1 - int(math.floor(math.log10(abs(value))))
    return float(round(value, digits))


def _number(value: float, integer: bool) -> str:
    if integer or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6g}" if abs(value) < 1000 else f"{value:,.0f}"


def dimensions(schema: pl.Schema, first: tuple[str, ...] = ()) -> list[str]:
    """Columns to split by: text columns (``first`` ones leading), the cohort, then numbers.

    Examples
    --------
    >>> dimensions(pl.Schema({"customer_id": pl.String, "orders": pl.Int64, "country": pl.String,
    ...                       "first_order_date": pl.Date}))
    ['country', 'first_order_month', 'orders']
    """
    text = [n for n, t in schema.items() if (t == pl.String or t == pl.Boolean or isinstance(t, (pl.Categorical, pl.Enum))) and n != "customer_id"]
    text = [n for n in first if n in text] + [n for n in text if n not in first]
    cohort = [COHORT] if "first_order_date" in schema and COHORT not in schema else []
    numeric = [n for n, t in schema.items() if t.is_numeric() and n != "customer_id"]
    return text + cohort + numeric


def _text_labels(column: pl.Series, base: pl.Series, top: int) -> tuple[pl.Series, list[str]]:
    values = column.cast(pl.String)
    counted = values.filter(base).drop_nulls().value_counts(name="n").sort(["n", values.name], descending=[True, False])
    kept = counted[values.name].head(top).to_list()
    labels = pl.select(
        pl.when(values.is_null()).then(pl.lit(NULL_LABEL))
        .when(values.is_in(kept)).then(values)
        .otherwise(pl.lit(OTHER)).alias("value")
    ).to_series()
    return labels, kept + ([OTHER] if counted.height > top else [])


def _date_labels(column: pl.Series, base: pl.Series) -> tuple[pl.Series, list[str]]:
    values = column.cast(pl.Date)
    inside = values.filter(base).drop_nulls()
    first, last = (inside.min(), inside.max()) if inside.len() else (date(2000, 1, 1), date(2000, 1, 1))
    months = (last.year - first.year) * 12 + last.month - first.month  # type: ignore[union-attr]
    fmt = "%Y" if months > _MONTHS_BEFORE_YEARS else "%Y-%m"
    labels = values.dt.strftime(fmt).fill_null(NULL_LABEL).alias("value")
    return labels, sorted(set(labels.filter(base).to_list()) - {NULL_LABEL})


def _numeric_labels(column: pl.Series, base: pl.Series) -> tuple[pl.Series, list[str]]:
    integer = column.dtype.is_integer()
    values = column.cast(pl.Float64)
    inside = values.filter(base).drop_nulls().drop_nans()
    distinct = inside.unique().sort()
    if distinct.len() <= _OWN_VALUES:
        names = {v: _number(v, integer) for v in distinct.to_list()}
        labels = values.replace_strict(list(names), list(names.values()), default=None, return_dtype=pl.String)
        return labels.fill_null(NULL_LABEL).alias("value"), list(names.values())
    low, high = float(inside.min()), float(inside.max())  # type: ignore[arg-type]
    edges = sorted({nice(float(inside.quantile(i / _BINS, "nearest"))) for i in range(1, _BINS)})  # type: ignore[arg-type]
    edges = [e for e in edges if low < e <= high]
    starts = [low, *edges]
    ends = [*edges, high]
    names = []
    for i, (a, b) in enumerate(zip(starts, ends)):
        last = i == len(starts) - 1
        if integer:
            top = int(b) if last else math.ceil(b) - 1
            names.append(_number(a, True) if math.ceil(a) >= top else f"{_number(math.ceil(a), True)}–{_number(top, True)}")
        else:
            names.append(f"{_number(a, False)}–{_number(b, False)}")
    index = pl.select(pl.sum_horizontal([pl.lit(values) >= e for e in edges]) if edges else pl.lit(0)).to_series()
    labels = pl.select(
        pl.when(pl.lit(values).is_null() | pl.lit(values).is_nan()).then(pl.lit(NULL_LABEL))
        .otherwise(pl.lit(pl.Series(names, dtype=pl.String)).gather(index.cast(pl.UInt32))).alias("value")
    ).to_series() if names else pl.Series("value", [NULL_LABEL] * values.len())
    return labels, names


def dimension_labels(frame: pl.DataFrame, dimension: str, base: pl.Series, *, top: int = 10) -> tuple[pl.Series, list[str]]:
    """A label per customer of ``frame`` for ``dimension``, and the labels in display order.

    Labels are decided on the customers ``base`` marks (the universe); see the module docs.
    ``(null)`` is not in the order list: it is always shown last, when someone has it.

    Examples
    --------
    >>> view = pl.DataFrame({"revenue": [i * i + 0.5 for i in range(1, 33)],
    ...                      "orders": [1] * 10 + [2] * 5 + list(range(3, 20)),
    ...                      "r_score": [1, 2, 3, 4, 5, 5, 5, None] * 4})
    >>> everyone = pl.Series([True] * 32)
    >>> dimension_labels(view, "revenue", everyone)[1]
    ['1.5–50', '50–170', '170–400', '400–680', '680–1,024']
    >>> dimension_labels(view, "orders", everyone)[1]
    ['1', '2–6', '7–12', '13–19']
    >>> labels, order = dimension_labels(view, "r_score", everyone)
    >>> order, labels[7]
    (['1', '2', '3', '4', '5'], '(null)')
    """
    if dimension == COHORT and dimension not in frame.columns and "first_order_date" in frame.columns:
        return _date_labels(frame["first_order_date"], base)
    if dimension not in frame.columns:
        known = [*frame.columns, *([COHORT] if "first_order_date" in frame.columns else [])]
        raise SegtuiError(f'unknown column "{dimension}"{suggest(dimension, known)}', title="Unknown column")
    column = frame[dimension]
    if column.dtype.is_temporal():
        return _date_labels(column, base)
    if column.dtype.is_numeric():
        return _numeric_labels(column, base)
    return _text_labels(column, base, top)


def _cents(frame: pl.DataFrame) -> pl.Series:
    if "revenue" not in frame.columns:
        return pl.Series("c", [0] * frame.height, dtype=pl.Int64)
    return frame.select((pl.col("revenue").cast(pl.Float64).fill_null(0).fill_nan(0) * 100).round(0).cast(pl.Int64).alias("c")).to_series()


def _split(labels: pl.Series, cents: pl.Series, mask: pl.Series, order: list[str], name: str) -> pl.DataFrame:
    """One group's rows in ``order`` (zeros included), ``(null)`` last when present."""
    grouped = (
        pl.DataFrame([labels.alias("value"), cents.alias("c")]).filter(mask)
        .group_by("value").agg(customers=pl.len().cast(pl.Int64), c=pl.col("c").sum())
    )
    shown = order + ([NULL_LABEL] if NULL_LABEL in grouped["value"].to_list() else [])
    n, total = int(grouped["customers"].sum()), int(grouped["c"].sum())
    return (
        pl.DataFrame({"value": shown}, schema={"value": pl.String})
        .join(grouped, on="value", how="left", maintain_order="left")
        .with_columns(pl.col("customers").fill_null(0), pl.col("c").fill_null(0))
        .select(
            pl.lit(name, dtype=pl.String).alias("segment"), "value", "customers",
            (pl.col("customers") * 100.0 / n if n else pl.lit(None, dtype=pl.Float64)).alias("row_pct"),
            (pl.col("c") / 100).alias("revenue"),
            (pl.col("c") * 100.0 / total if total else pl.lit(None, dtype=pl.Float64)).alias("pct_revenue"),
        )
    )


def crosstab(evaluator: Evaluator, ruleset: RuleSet, dimension: str, *, top: int = 10) -> pl.DataFrame:
    """Every enabled segment (and ``Unassigned`` in first_match, then ``(all)``) split by ``dimension``.

    Returns
    -------
    pl.DataFrame
        ``CROSSTAB_SCHEMA``: one row per group and label, zeros included, in label order;
        ``row_pct`` and ``pct_revenue`` are of the group's customers and revenue.

    Examples
    --------
    >>> from segtui.rules import Rule, Segment
    >>> ev = Evaluator(pl.DataFrame({"orders": [1, 3, 5], "country": ["UK", "UK", "FR"], "revenue": [1.0, 2.0, 3.0]}))
    >>> out = crosstab(ev, RuleSet([Segment("Loyal", [Rule("orders >= 3")])]), "country")
    >>> out.select("segment", "value", "customers", "row_pct").rows()[:2]
    [('Loyal', 'UK', 1, 50.0), ('Loyal', 'FR', 1, 50.0)]
    """
    universe, groups = segment_groups(evaluator, ruleset)
    frame = evaluator.customers
    labels, order = dimension_labels(frame, dimension, universe, top=top)
    cents = _cents(frame)
    parts = [_split(labels, cents, mask, order, name) for name, mask in [*groups, (ALL_LABEL, universe)]]
    return pl.concat(parts)


def breakdown(evaluator: Evaluator, ruleset: RuleSet, dimension: str, segment: str | None, *, top: int = 10) -> pl.DataFrame:
    """One segment (None: the universe) split by ``dimension`` on the universe's labels.

    Columns as ``Evaluator.breakdown``: value, customers, pct_customers, revenue, pct_revenue.
    """
    universe = evaluator.universe_mask(ruleset)
    frame = evaluator.customers
    labels, order = dimension_labels(frame, dimension, universe, top=top)
    mask = universe if segment is None else evaluator.member_mask(ruleset, segment)
    return _split(labels, _cents(frame), mask, order, segment or ALL_LABEL).select(
        "value", "customers", pl.col("row_pct").alias("pct_customers"), "revenue", "pct_revenue",
    )


def with_segments(evaluator: Evaluator, ruleset: RuleSet) -> pl.DataFrame:
    """The universe's customers with a ``segment`` column after ``customer_id``: the segment
    each is in (first_match, ``Unassigned`` for the rest), or in overlap every segment that
    holds them, joined by ", " (null for none). A view column already called ``segment``
    makes it ``segment (segment)``, as in ``Evaluator.assignments``.

    Examples
    --------
    >>> from segtui.rules import Rule, Segment
    >>> ev = Evaluator(pl.DataFrame({"customer_id": ["a", "b", "c"], "orders": [1, 3, 5]}))
    >>> both = [Segment("Some", [Rule("orders >= 3")]), Segment("Many", [Rule("orders >= 5")])]
    >>> with_segments(ev, RuleSet(both, assign="overlap"))["segment"].to_list()
    [None, 'Some', 'Some, Many']
    >>> with_segments(ev, RuleSet(both))["segment"].to_list()
    ['Unassigned', 'Some', 'Some']
    """
    universe, groups = segment_groups(evaluator, ruleset)
    frame = evaluator.customers
    name = "segment" if "segment" not in frame.columns else "segment (segment)"
    masks = pl.DataFrame([mask.alias(f"m{i}") for i, (_, mask) in enumerate(groups)]) if groups else pl.DataFrame({"m": [False] * frame.height})
    if ruleset.assign == "first_match" and groups:
        label = pl.coalesce([pl.when(pl.col(f"m{i}")).then(pl.lit(g)) for i, (g, _) in enumerate(groups)])
    else:
        parts = [pl.when(pl.col(f"m{i}")).then(pl.lit(g)) for i, (g, _) in enumerate(groups)]
        label = pl.concat_list(parts).list.drop_nulls().list.join(", ") if parts else pl.lit(None, dtype=pl.String)
        label = pl.when(label != "").then(label)
    labels = masks.select(label.cast(pl.String).alias(name)).to_series()
    lead = [c for c in ("customer_id",) if c in frame.columns]
    out = frame.with_columns(labels).select(*lead, name, *[c for c in frame.columns if c not in lead])
    return out.filter(universe)
