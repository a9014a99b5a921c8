"""Running segtui's SQL on other engines: DuckDB in process (``pip install segtui[duckdb]``).

Tables go in and results come out as Polars frames (through Arrow, no copy per row).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl

from segtui.errors import SegtuiError, first_line

if TYPE_CHECKING:
    from segtui.read.transactions import Transactions
    from segtui.sql.view_sql import ViewShape

__all__ = ["canonical_frame", "portable_frame", "plain_numbers", "run_duckdb"]


def portable_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with types every engine has: unsigned integers as Int64, Int8/16 kept.

    Unsigned columns (``n_unique`` counts) break some SQL layers; Int64 is everywhere.

    Examples
    --------
    >>> portable_frame(pl.DataFrame({"n": pl.Series([1], dtype=pl.UInt32)})).schema["n"]
    Int64
    """
    unsigned = [name for name, dtype in frame.schema.items() if dtype.is_unsigned_integer()]
    return frame.with_columns(pl.col(unsigned).cast(pl.Int64)) if unsigned else frame


def _duckdb():  # noqa: ANN202 - the module, imported only when asked for
    try:
        import duckdb
    except ImportError as exc:
        raise SegtuiError("the duckdb engine needs DuckDB: pip install 'segtui[duckdb]'", title="Missing engine") from exc
    return duckdb


def run_duckdb(sql: str, tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Run ``sql`` in a fresh in-memory DuckDB where each frame of ``tables`` is a table.

    Examples
    --------
    >>> run_duckdb("SELECT SUM(x) AS s FROM t", {"t": pl.DataFrame({"x": [1, 2]})}).item()
    3
    """
    duckdb = _duckdb()
    with duckdb.connect(":memory:") as con:
        for name, frame in tables.items():
            con.register(name, portable_frame(frame).to_arrow())
        try:
            frame = pl.from_arrow(con.sql(sql).to_arrow_table())
        except duckdb.Error as exc:
            raise SegtuiError(f"DuckDB refused the query: {first_line(exc)}", title="Engine error") from exc
    return plain_numbers(frame)  # type: ignore[arg-type]


def plain_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """Decimals (sums of integers come back as HUGEINT / NUMERIC) as Int64, or Float64 with a scale.

    Examples
    --------
    >>> from decimal import Decimal
    >>> plain_numbers(pl.DataFrame({"n": [Decimal("3")], "x": [Decimal("1.5")]})).dtypes
    [Int64, Float64]
    """
    fixes = [
        pl.col(name).cast(pl.Int64 if dtype.scale == 0 else pl.Float64)  # type: ignore[attr-defined]
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Decimal)
    ]
    return frame.with_columns(fixes) if fixes else frame


def canonical_frame(transactions: "Transactions") -> tuple[pl.DataFrame, "ViewShape", list[str]]:
    """The transactions as the canonical table ``view_sql`` reads, its shape, and notices.

    The same normalisation and attribute choice as ``build_customers`` (one code path):
    order_date as a naive Datetime, string ids, ``is_return``, attributes as named in the view.
    ``has_time`` is left True; the engine decides it on the rows it uses.
    """
    from segtui.customers import _has_discount_amount, _normalise, _safe_attributes, _unpack
    from segtui.names import CANONICAL_COLUMNS
    from segtui.sql.view_sql import ViewShape

    lf, discount_kind, known = _unpack(transactions)
    schema = lf.collect_schema()
    notices: list[str] = []
    attributes = _safe_attributes(known, schema, notices)
    lf = _normalise(lf.select(c for c in schema if c in CANONICAL_COLUMNS or c in {a for a, _ in attributes}), schema)
    frame = lf.collect()
    schema = frame.schema
    discount = None
    if "discount" in schema:
        discount = "amount" if _has_discount_amount(schema, discount_kind) else "flag"
    shape = ViewShape(
        quantity="quantity" in schema,
        discount=discount,
        discount_numeric="discount" in schema and schema["discount"].is_numeric(),
        product="product" in schema,
        category="category" in schema,
        channel="channel" in schema,
        attributes=tuple(column for column, _ in attributes),
    )
    return frame, shape, notices
