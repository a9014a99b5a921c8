"""The single customer view as one SQL query over a canonical transactions table.

The table has segtui's canonical columns (``customer_id, order_id, order_date, amount,
is_return`` and, when the shape says so, ``quantity, discount, product, category,
channel``) plus attribute columns.  Every definition is ``customers.py``'s, and
``tests/engines/test_view_duckdb.py`` holds the query to ``build_customers`` column by
column.  The query is written once in DuckDB's SQL and transpiled by sqlglot; the few
functions sqlglot does not carry over exactly (ISO weekday, round-half-to-even) are
written per dialect.

Where SQL could differ from Polars, and what the query does about it:

- money is summed as whole millionths (``ROUND_EVEN(amount * 1e6)``, Polars' rounding
  mode) and divided once at the end, so sums are exact in every engine;
- ratios divide doubles (``CAST(x AS DOUBLE) / y``), never integers (Postgres), and
  scores use ``CEIL`` of a double, exact for any number of customers below 2**50;
- ``revenue_percentile`` is the division itself; Polars rounds it to 12 decimals,
  which moves it by at most 5e-13.
- modes (``top_category``, attributes) break ties on the smallest value in the
  engine's ordering of text: byte order in DuckDB and Spark, as in Polars; in Postgres
  only under the C collation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlglot

from segtui.customers import DAYPARTS, Lifecycle
from segtui.names import METRIC_COLUMNS
from segtui.sql.dialects import DIALECTS, resolve

__all__ = ["ViewShape", "view_sql", "attribute_name"]

_MONEY_UNIT = 1_000_000
#: revenue must exceed this many units for q4_revenue_share (positive to the cent)
_Q4_FLOOR = _MONEY_UNIT // 200


def attribute_name(column: str) -> str:
    """The view's name for an attribute column (metric-like names get ``_attr``).

    Examples
    --------
    >>> attribute_name("country"), attribute_name("orders")
    ('country', 'orders_attr')
    """
    return f"{column}_attr" if column in METRIC_COLUMNS or column.startswith("_") else column


@dataclass(frozen=True)
class ViewShape:
    """Which optional columns the transactions table has, so the view has the same columns."""

    quantity: bool = True
    #: "amount": money (gives discount_amount); "flag": a code or flag; None: no column
    discount: str | None = "amount"
    discount_numeric: bool = True
    product: bool = True
    category: bool = True
    channel: bool = True
    #: whether order dates carry a time of day (top_daypart)
    has_time: bool = True
    attributes: tuple[str, ...] = ()

    def metrics(self) -> list[str]:
        """The metric columns this shape gives, in the view's order."""
        needs = {
            "items": self.quantity,
            "discount_orders": self.discount is not None,
            "discount_order_share": self.discount is not None,
            "discount_amount": self.discount == "amount",
            "distinct_products": self.product,
            "distinct_categories": self.category,
            "top_category": self.category,
            "top_channel": self.channel,
            "top_daypart": self.has_time,
        }
        return [m for m in METRIC_COLUMNS if needs.get(m, True)]


def _q(name: str) -> str:
    """A quoted DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def _lines(shape: ViewShape, table: str) -> str:
    columns = [
        "CAST(t.customer_id AS VARCHAR) AS customer_id",
        "CAST(t.order_id AS VARCHAR) AS order_id",
        "CAST(t.order_date AS TIMESTAMP) AS order_date",
        f"CAST(SEGTUI_ROUND_EVEN(CAST(t.amount AS DOUBLE) * {_MONEY_UNIT}) AS BIGINT) AS amount_u",
        "NOT COALESCE(t.is_return, FALSE) AS buy_line",
    ]
    if shape.quantity:
        columns.append("t.quantity AS quantity")
    if shape.discount is not None:
        flag = (
            "COALESCE(t.discount, 0) > 0"
            if shape.discount_numeric
            else "COALESCE(TRIM(CAST(t.discount AS VARCHAR)), '') <> ''"
        )
        columns.append(f"{flag} AS disc_flag")
        if shape.discount == "amount":
            columns.append(f"CAST(SEGTUI_ROUND_EVEN(CAST(t.discount AS DOUBLE) * {_MONEY_UNIT}) AS BIGINT) AS disc_u")
    for role in ("product", "category", "channel"):
        if getattr(shape, role):
            columns.append(f"t.{role} AS {role}")
    columns += [f"t.{_q(c)} AS {_q('a_' + c)}" for c in shape.attributes]
    return (
        f"SELECT {', '.join(columns)} FROM {table} AS t CROSS JOIN params AS p "
        "WHERE CAST(t.order_date AS DATE) <= p.as_of"
    )


def _optional(shape: ViewShape, *, items: str, discounted: str, money: str) -> list[str]:
    """The aggregations of the optional quantity and discount columns the shape has."""
    aggs = [items] if shape.quantity else []
    if shape.discount is not None:
        aggs.append(discounted)
        if shape.discount == "amount":
            aggs.append(money)
    return aggs


def _orders(shape: ViewShape) -> str:
    aggs = [
        "MIN(order_date) AS ts",
        "SUM(amount_u) AS revenue_u",
        "SUM(GREATEST(amount_u, 0)) AS gross_u",
        "SUM(LEAST(amount_u, 0)) AS returned_u",
        "SUM(CASE WHEN EXTRACT(MONTH FROM order_date) >= 10 THEN amount_u ELSE 0 END) AS q4_u",
        "BOOL_OR(buy_line) AS buy",
        *_optional(
            shape,
            items="COALESCE(SUM(CASE WHEN buy_line THEN quantity ELSE 0 END), 0) AS items",
            discounted="BOOL_OR(disc_flag AND buy_line) AS discounted",
            money="COALESCE(SUM(disc_u), 0) AS disc_u",
        ),
    ]
    return f"SELECT customer_id, order_id, {', '.join(aggs)} FROM lines GROUP BY customer_id, order_id"


def _customers(shape: ViewShape) -> str:
    aggs = [
        "SUM(CASE WHEN buy THEN 1 ELSE 0 END) AS orders",
        "SUM(revenue_u) AS revenue_u",
        "SUM(gross_u) AS gross_u",
        "-SUM(returned_u) AS returns_u",
        "SUM(q4_u) AS q4_u",
        "COALESCE(MIN(buy_day), MIN(day)) AS first_order_date",
        "COALESCE(MAX(buy_day), MAX(day)) AS last_order_date",
        "COUNT(DISTINCT buy_day) AS purchase_days",
        "MIN(buy_day) AS first_buy",
        "SUM(CASE WHEN SEGTUI_ISODOW(buy_ts) >= 6 THEN 1 ELSE 0 END) AS weekend_orders",
        *_optional(
            shape,
            items="SUM(items) AS items",
            discounted="SUM(CASE WHEN discounted AND buy THEN 1 ELSE 0 END) AS discount_orders",
            money="SUM(disc_u) AS disc_u",
        ),
    ]
    return f"SELECT customer_id, {', '.join(aggs)} FROM o GROUP BY customer_id"


def _top(source: str, key: str, where: str, order: str = "n DESC, k") -> str:
    """customer_id and ``k``, the most frequent ``key`` per customer, ties to the smallest."""
    counts = f"SELECT customer_id, {key} AS k, COUNT(*) AS n FROM {source} WHERE {where} GROUP BY customer_id, {key}"
    ranked = f"SELECT customer_id, k, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY {order}) AS rn FROM ({counts}) AS g"
    return f"SELECT customer_id, k FROM ({ranked}) AS r WHERE rn = 1"


def _daypart() -> str:
    hour = "EXTRACT(HOUR FROM buy_ts)"
    whens = " ".join(
        f"WHEN {hour} IN ({', '.join(str(h) for h in hours)}) THEN '{label}'" for label, hours in DAYPARTS.items()
    )
    return f"CASE {whens} END"


def _source(shape: ViewShape, table: str, as_of: date | None, lifecycle: Lifecycle) -> str:
    """The whole query in DuckDB's SQL, with SEGTUI_* placeholders for per-dialect functions."""
    as_of_sql = (
        f"CAST('{as_of.isoformat()}' AS DATE)"
        if as_of is not None
        else f"(SELECT CAST(CAST(MAX(order_date) AS DATE) + INTERVAL 1 DAY AS DATE) FROM {table})"
    )
    ctes = {
        "params": f"SELECT {as_of_sql} AS as_of",
        "lines": _lines(shape, table),
        "order_rows": _orders(shape),
        "o": (
            "SELECT *, CAST(ts AS DATE) AS day, CASE WHEN buy THEN ts END AS buy_ts, "
            "CASE WHEN buy THEN CAST(ts AS DATE) END AS buy_day FROM order_rows"
        ),
        "cust": _customers(shape),
        "second_buy": (
            "SELECT o.customer_id, MIN(o.buy_day) AS second_day FROM o JOIN cust AS c "
            "ON o.customer_id = c.customer_id WHERE o.buy_day > c.first_buy GROUP BY o.customer_id"
        ),
        "wd": _top("o", "SEGTUI_ISODOW(buy_ts)", "buy"),
        "mo": _top("o", "EXTRACT(MONTH FROM buy_ts)", "buy"),
    }
    joins = ["second_buy", "wd", "mo"]
    picks = ["second_buy.second_day", "wd.k AS top_weekday", "mo.k AS top_month"]
    if shape.has_time:
        ctes["dp"] = _top("o", _daypart(), "buy")
        joins.append("dp")
        picks.append("dp.k AS top_daypart")
    line_aggs = []
    if shape.product:
        line_aggs.append("COUNT(DISTINCT product) AS distinct_products")
    if shape.category:
        line_aggs.append("COUNT(DISTINCT category) AS distinct_categories")
    if line_aggs:
        ctes["mix"] = f"SELECT customer_id, {', '.join(line_aggs)} FROM lines GROUP BY customer_id"
        joins.append("mix")
        picks += [f"mix.{a.split(' AS ')[1]}" for a in line_aggs]
    modes = [(role, f"top_{role}") for role in ("category", "channel") if getattr(shape, role)]
    modes += [(_q("a_" + c), _q(attribute_name(c))) for c in shape.attributes]
    for i, (column, name) in enumerate(modes):
        ctes[f"m{i}"] = _top("lines", column, f"{column} IS NOT NULL")
        joins.append(f"m{i}")
        picks.append(f"m{i}.k AS {name}")
    joined = " ".join(f"LEFT JOIN {j} ON {j}.customer_id = cust.customer_id" for j in joins)
    ctes["base"] = f"SELECT cust.*, {', '.join(picks)} FROM cust {joined}"

    def money(units: str) -> str:
        return f"CAST({units} AS DOUBLE) / {_MONEY_UNIT}"

    per_order = "CASE WHEN orders > 0 THEN CAST({} AS DOUBLE) / orders END"
    metrics = {
        "orders": "CAST(orders AS BIGINT)",
        "revenue": money("revenue_u"),
        "gross_revenue": money("gross_u"),
        "returns_amount": money("returns_u"),
        "aov": f"CASE WHEN orders > 0 THEN {money('revenue_u')} / orders END",
        "items": "items",
        "first_order_date": "first_order_date",
        "last_order_date": "last_order_date",
        "recency_days": "DATE_DIFF('day', last_order_date, p.as_of)",
        "tenure_days": "DATE_DIFF('day', first_order_date, p.as_of)",
        "active_span_days": "DATE_DIFF('day', first_order_date, last_order_date)",
        "purchase_days": "CAST(purchase_days AS BIGINT)",
        "repeat_purchase_days": "CAST(GREATEST(purchase_days - 1, 0) AS BIGINT)",
        "avg_days_between_orders": (
            "CASE WHEN purchase_days > 1 THEN "
            "CAST(DATE_DIFF('day', first_order_date, last_order_date) AS DOUBLE) / (purchase_days - 1) END"
        ),
        "days_to_second_order": "DATE_DIFF('day', first_order_date, second_day)",
        "discount_orders": "CAST(discount_orders AS BIGINT)",
        "discount_order_share": per_order.format("discount_orders"),
        "discount_amount": money("disc_u"),
        "distinct_products": "CAST(distinct_products AS BIGINT)",
        "distinct_categories": "CAST(distinct_categories AS BIGINT)",
        "top_category": "top_category",
        "top_channel": "top_channel",
        "weekend_order_share": per_order.format("weekend_orders"),
        "q4_revenue_share": f"CASE WHEN revenue_u > {_Q4_FLOOR} THEN CAST(q4_u AS DOUBLE) / revenue_u END",
        "top_weekday": "CAST(top_weekday AS INTEGER)",
        "top_month": "CAST(top_month AS INTEGER)",
        "top_daypart": "top_daypart",
    }
    wanted = shape.metrics()
    attributes = [_q(attribute_name(c)) for c in shape.attributes]
    ctes["metrics"] = (
        "SELECT customer_id, "
        + ", ".join(f"{sql} AS {name}" for name, sql in metrics.items() if name in wanted)
        + "".join(f", {a}" for a in attributes)
        + " FROM base CROSS JOIN params AS p"
    )
    # Mid-rank share, twice over so it is an integer: 2 * below + tied (customers.py).
    cents = "SEGTUI_ROUND_EVEN(revenue * 100)"
    ctes["ranked"] = (
        "SELECT *, "
        "2 * (RANK() OVER (ORDER BY recency_days DESC) - 1) + COUNT(*) OVER (PARTITION BY recency_days) AS r2, "
        "2 * (RANK() OVER (ORDER BY orders) - 1) + COUNT(*) OVER (PARTITION BY orders) AS f2, "
        f"2 * (RANK() OVER (ORDER BY {cents}) - 1) + COUNT(*) OVER (PARTITION BY {cents}) AS m2, "
        "COUNT(*) OVER () AS n FROM metrics"
    )

    def score(twice: str) -> str:
        return f"CAST(CEIL(CAST(5 * {twice} AS DOUBLE) / (2 * n)) AS INTEGER)"

    finals = {
        "r_score": score("r2"),
        "f_score": score("f2"),
        "m_score": score("m2"),
        "rfm": " || ".join(f"CAST({score(t)} AS VARCHAR)" for t in ("r2", "f2", "m2")),
        "revenue_percentile": "CAST(m2 AS DOUBLE) / (2 * n)",
        "lifecycle": (
            f"CASE WHEN tenure_days <= {int(lifecycle.new_days)} THEN 'New' "
            f"WHEN recency_days > {int(lifecycle.churn_days)} THEN 'Churned' "
            f"WHEN recency_days > {int(lifecycle.at_risk_days)} THEN 'At risk' ELSE 'Active' END"
        ),
    }
    columns = [f"{sql} AS {name}" if name in finals else name for name in wanted for sql in [finals.get(name, "")]]
    final = f"SELECT customer_id, {', '.join(columns + attributes)} FROM ranked ORDER BY customer_id"
    return "WITH " + ", ".join(f"{name} AS ({sql})" for name, sql in ctes.items()) + " " + final


def view_sql(
    shape: ViewShape = ViewShape(),
    dialect: str = "duckdb",
    *,
    table: str = "transactions",
    as_of: date | None = None,
    lifecycle: Lifecycle = Lifecycle(),
    pretty: bool = True,
) -> str:
    """The customer view of ``table`` as one query in ``dialect``, rows sorted by customer_id.

    ``as_of`` defaults, as in ``build_customers``, to the day after the last transaction.

    Examples
    --------
    >>> text = view_sql(ViewShape(attributes=("country",)), "postgres")
    >>> text.startswith("WITH params AS"), "EXTRACT(ISODOW FROM" in text, '"country"' in text
    (True, True, True)
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}")
    tree = resolve(sqlglot.parse_one(_source(shape, table, as_of, lifecycle), read="duckdb"), dialect)
    return tree.sql(dialect=dialect, pretty=pretty, identify=dialect == "snowflake")
