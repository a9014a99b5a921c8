"""The dialects segtui writes, and the functions sqlglot does not carry over exactly.

Queries are built with ``SEGTUI_*`` placeholder calls that ``resolve`` replaces per
dialect: ISO weekday, and rounding half to even (Polars' rounding, which DuckDB's,
Postgres' and Spark's ``ROUND`` do not do).
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

__all__ = ["DIALECTS", "round_even", "resolve"]

#: Dialects ``segtui sql`` writes (sqlglot's names).
DIALECTS = ("duckdb", "spark", "postgres", "bigquery", "snowflake")

_ROUND_EVEN = {
    "duckdb": "ROUND_EVEN(x, 0)",
    "postgres": "ROUND(CAST(x AS DOUBLE))",  # round(double precision) rounds half to even
    "spark": "BROUND(x, 0)",
    "bigquery": "ROUND(CAST(x AS NUMERIC), 0, 'ROUND_HALF_EVEN')",
    "snowflake": "ROUND(x, 0, 'HALF_TO_EVEN')",
}
_ISODOW = {"postgres": "EXTRACT(ISODOW FROM x)", "spark": "WEEKDAY(x) + 1"}


def round_even(value: exp.Expression) -> exp.Expression:
    """A placeholder: ``value`` rounded to a whole number, ties to even (as Polars rounds)."""
    return exp.Anonymous(this="SEGTUI_ROUND_EVEN", expressions=[value])


def _template(sql: str, arg: exp.Expression) -> exp.Expression:
    tree = sqlglot.parse_one(sql, read="duckdb")
    for column in list(tree.find_all(exp.Column)):
        if column.name == "x":
            column.replace(arg.copy())
    return exp.paren(tree)


def resolve(tree: exp.Expression, dialect: str) -> exp.Expression:
    """``tree`` with every SEGTUI_* placeholder written for ``dialect``.

    Examples
    --------
    >>> tree = sqlglot.parse_one("SEGTUI_ROUND_EVEN(x * 10) / 10")
    >>> resolve(tree, "spark").sql("spark")
    '(BROUND(x * 10, 0)) / 10'
    """
    def per_dialect(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous):
            name = node.name.upper()
            if name == "SEGTUI_ROUND_EVEN":
                return _template(_ROUND_EVEN[dialect], node.expressions[0])
            if name == "SEGTUI_ISODOW":
                return _template(_ISODOW.get(dialect, "ISODOW(x)"), node.expressions[0])
        return node

    return tree.transform(per_dialect)
