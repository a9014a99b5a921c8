"""The column dictionary: what each customer-view column means, and what it holds here.

Meanings are the README's definitions, one line each (the README's "single customer view"
section is the long form); any other column is an attribute of the transactions. The
figures (type, range or distinct values, share of nulls) are computed on the loaded view.
"""

from __future__ import annotations

import polars as pl

__all__ = ["MEANINGS", "ATTRIBUTE_MEANING", "meaning", "column_dictionary", "type_name", "top_values"]

#: One line per customer-view column, as the README defines it.
MEANINGS: dict[str, str] = {
    "customer_id": "the customer (from the customer id column)",
    "orders": "distinct orders with at least one purchase line (return-only orders do not count)",
    "revenue": "net amount: purchases minus returns",
    "gross_revenue": "amount of the purchase lines, before returns",
    "returns_amount": "amount returned, as a positive number",
    "aov": "average order value: revenue / orders (null without orders)",
    "items": "quantity bought on purchase lines",
    "first_order_date": "date of the first purchase",
    "last_order_date": "date of the last purchase",
    "recency_days": "days from the last purchase to the as-of date",
    "tenure_days": "days from the first purchase to the as-of date",
    "active_span_days": "days from the first to the last purchase",
    "purchase_days": "distinct days with a purchase",
    "repeat_purchase_days": "purchase_days − 1",
    "avg_days_between_orders": "active_span_days / (purchase_days − 1); null for one purchase day",
    "days_to_second_order": "days from the first to the second purchase day (null if none)",
    "discount_orders": "orders with a discounted line",
    "discount_order_share": "discount_orders / orders",
    "discount_amount": "sum of the discount column (when it holds money)",
    "distinct_products": "distinct products bought",
    "distinct_categories": "distinct categories bought",
    "top_category": "most frequent category over the customer's lines (ties to the smallest)",
    "top_channel": "most frequent channel over the customer's lines (ties to the smallest)",
    "weekend_order_share": "share of orders placed on Saturday or Sunday (0–1)",
    "q4_revenue_share": "revenue dated October–December / revenue (null unless revenue > 0)",
    "top_weekday": "most frequent order weekday, 1 = Monday … 7 = Sunday",
    "top_month": "most frequent order month, 1–12",
    "top_daypart": "most frequent time of day: morning, afternoon, evening or night",
    "r_score": "recency quintile 1–5, 5 = most recent (mid-rank share, ties share a score)",
    "f_score": "frequency (orders) quintile 1–5, 5 = most orders",
    "m_score": "monetary (revenue) quintile 1–5, 5 = most revenue",
    "rfm": "the three scores as text, e.g. '545'",
    "revenue_percentile": "mid-rank share of revenue, 0–1 (m_score = ceil(5 × it))",
    "lifecycle": "New / Active / At risk / Churned, from the rule file's lifecycle windows",
}
#: The meaning of any column that is not a metric.
ATTRIBUTE_MEANING = "attribute: the customer's most frequent value in the transactions"


def meaning(column: str) -> str:
    """One line saying what ``column`` is.

    Examples
    --------
    >>> meaning("recency_days")
    'days from the last purchase to the as-of date'
    >>> meaning("country")
    "attribute: the customer's most frequent value in the transactions"
    """
    return MEANINGS.get(column, ATTRIBUTE_MEANING)


def type_name(dtype: pl.DataType) -> str:
    """A type as rule authors think of it: number, whole number, text, date, yes/no.

    Examples
    --------
    >>> type_name(pl.Int64), type_name(pl.Float64), type_name(pl.String), type_name(pl.Date)
    ('integer', 'number', 'text', 'date')
    """
    if dtype.is_integer():
        return "integer"
    if dtype.is_numeric():
        return "number"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_temporal():
        return "date" if dtype == pl.Date else "timestamp"
    return "text"


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def column_dictionary(frame: pl.DataFrame, occasions: dict[str, str] | None = None) -> pl.DataFrame:
    """One row per column of ``frame``: column, meaning, type, values, null_pct.

    ``occasions`` (the rule set's calendar) explains the occasion columns it adds.
    ``values`` is ``min – max`` for numbers and dates, ``N distinct`` for text (and
    booleans); ``null_pct`` is the share of customers with no value, 0-100.

    Examples
    --------
    >>> view = pl.DataFrame({"orders": [1, 4, None], "country": ["UK", "FR", "UK"]})
    >>> column_dictionary(view).select("column", "type", "values", "null_pct").rows()
    [('orders', 'integer', '1 – 4', 33.333333333333336), ('country', 'text', '2 distinct', 0.0)]
    """
    rows = []
    n = max(frame.height, 1)
    described = dict(MEANINGS)
    for name, window in (occasions or {}).items():
        described[f"{name}_orders"] = f"orders dated {window} (the rule file's {name} occasion), any year"
        described[f"{name}_revenue_share"] = f"revenue dated {window} / revenue (null unless revenue > 0)"
    stats = frame.select(
        *(pl.col(c).null_count().alias(f"n:{c}") for c in frame.columns),
        *(pl.col(c).min().alias(f"lo:{c}") for c, t in frame.schema.items() if t.is_numeric() or t.is_temporal()),
        *(pl.col(c).max().alias(f"hi:{c}") for c, t in frame.schema.items() if t.is_numeric() or t.is_temporal()),
        *(pl.col(c).drop_nulls().n_unique().alias(f"d:{c}") for c, t in frame.schema.items() if not (t.is_numeric() or t.is_temporal())),
    ).row(0, named=True) if frame.width else {}
    for column, dtype in frame.schema.items():
        if f"lo:{column}" in stats:
            lo, hi = stats[f"lo:{column}"], stats[f"hi:{column}"]
            values = "" if lo is None else _number(lo) if lo == hi else f"{_number(lo)} – {_number(hi)}"
        else:
            values = f"{stats[f'd:{column}']:,} distinct"
        rows.append({
            "column": column, "meaning": described.get(column, ATTRIBUTE_MEANING), "type": type_name(dtype), "values": values,
            "null_pct": stats[f"n:{column}"] * 100 / n,
        })
    return pl.DataFrame(rows, schema={"column": pl.String, "meaning": pl.String, "type": pl.String, "values": pl.String, "null_pct": pl.Float64})


def top_values(frame: pl.DataFrame, column: str, limit: int = 10) -> list[tuple[str, int]]:
    """The ``limit`` most frequent values of a text column with their customer counts
    (ties by value; nulls left out); empty for a column that is not text.

    Examples
    --------
    >>> view = pl.DataFrame({"country": ["UK", "FR", "UK", None, "DE"], "orders": [1, 2, 3, 4, 5]})
    >>> top_values(view, "country", 2), top_values(view, "orders"), top_values(view, "nope")
    ([('UK', 2), ('DE', 1)], [], [])
    """
    if column not in frame.columns or type_name(frame.schema[column]) != "text":
        return []
    counted = (
        frame.select(pl.col(column).cast(pl.String).alias("v")).drop_nulls()
        .group_by("v").len().sort(["len", "v"], descending=[True, False]).head(limit)
    )
    return [(v, int(n)) for v, n in counted.iter_rows()]
