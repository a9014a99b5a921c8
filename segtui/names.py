"""Column names that are part of segtui's contract, in one place.

The loader produces the canonical transaction columns, the customer view produces the
metric columns, and rule files refer to both by name; attribute columns must not shadow
any of them. Keeping the lists here lets every module agree without importing each other.
"""

from __future__ import annotations

__all__ = ["CANONICAL_COLUMNS", "METRIC_COLUMNS", "METRIC_NEEDS", "TEXT_DECIMALS"]

#: Canonical transaction columns ``read_transactions`` produces; every other column is an attribute.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "customer_id", "order_id", "order_date", "amount", "is_return", "quantity",
    "unit_price", "discount", "product", "category", "channel",
)

#: Every metric the customer view can hold, in output order (only those with source columns appear).
METRIC_COLUMNS: tuple[str, ...] = (
    "orders", "revenue", "gross_revenue", "returns_amount", "aov", "items",
    "first_order_date", "last_order_date", "recency_days", "tenure_days",
    "active_span_days", "purchase_days", "repeat_purchase_days",
    "avg_days_between_orders", "days_to_second_order",
    "discount_orders", "discount_order_share", "discount_amount",
    "distinct_products", "distinct_categories", "top_category", "top_channel",
    "weekend_order_share", "q4_revenue_share", "top_weekday", "top_month", "top_daypart",
    "r_score", "f_score", "m_score", "rfm", "revenue_percentile", "lifecycle",
)

#: Metrics that exist only when the transactions have a source for them: metric -> what
#: the data lacks, worded for the message a rule on a missing metric gets.
METRIC_NEEDS: dict[str, str] = {
    "items": "a quantity column (--map quantity=COLUMN)",
    "discount_orders": "a discount column (--map discount=COLUMN)",
    "discount_order_share": "a discount column (--map discount=COLUMN)",
    "discount_amount": "a discount column holding money (--map discount=COLUMN)",
    "distinct_products": "a product column (--map product=COLUMN)",
    "distinct_categories": "a category column (--map category=COLUMN)",
    "top_category": "a category column (--map category=COLUMN)",
    "top_channel": "a channel column (--map channel=COLUMN)",
    "top_daypart": "order times (its dates carry no time of day)",
}

#: Decimal places of each float column in text outputs (CSV and JSON files, ``apply``
#: summaries); Parquet keeps full floats.  Money to cents, shares of 0-1 to 4 places
#: (percentages of 0-100 to 2, the same precision), averages of days or orders to 2.
#: Counts are integer columns and need no entry; a float column not named here
#: (an attribute) is written as it came in.  No text output holds -0.0.
TEXT_DECIMALS: dict[str, int] = {
    **dict.fromkeys(("revenue", "gross_revenue", "returns_amount", "aov", "discount_amount", "avg_revenue"), 2),
    **dict.fromkeys(("discount_order_share", "weekend_order_share", "q4_revenue_share", "revenue_percentile"), 4),
    **dict.fromkeys(("pct_customers", "pct_revenue"), 2),
    **dict.fromkeys(("avg_days_between_orders", "avg_orders"), 2),
    "items": 4,  # only a float column when quantities have fractions (weights)
}
