"""The engine reads the file itself: DuckDB's ``read_csv``/``read_parquet``, Spark's reader.

segtui's reader still decides everything it decides from the head of the file (roles,
the date format, number and discount conventions, column types); this module writes
those decisions as SQL, so the engine parses every line, canonicalises it exactly as
``read/transactions.py`` does (ids stripped, blank -> null, rows without id or date
dropped, returns, discount kinds, dates) and counts what the reader counts for its
notices, in one pass.  A file the engine cannot read faithfully (another encoding,
Excel or JSON, money text such as ``"(3.00)"``, dates written in a format the engine
parses differently...) raises ``Fallback`` with the reason, and so does any value
the reader would reject: segtui's reader then reads the file and names the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from segtui.errors import SegtuiError
from segtui.read.transactions import Transactions

if TYPE_CHECKING:
    from segtui.sql.engines import Engine

__all__ = ["EngineTransactions", "Fallback", "NativeRead", "native_read", "quote", "read_natively", "sql_text"]

#: Characters Polars' ``strip_chars()`` removes (Unicode White_Space), as SQL TRIM's set.
_WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
#: Prefix of the canonical cells beside the source columns while a file is checked.
CANONICAL_PREFIX = "segtui_c_"
_FLAG_TRUE = ("yes", "y", "true", "t", "1", "1.0", "x")
_FLAG_FALSE = ("no", "n", "false", "f", "0", "0.0", "none", "null", "-", "")


class Fallback(Exception):
    """The engine cannot read this file as segtui's reader does; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class EngineTransactions(Transactions):
    """``Transactions`` that also say which reader read the file.

    ``reader`` is the engine's name when the engine read the file itself, ``"segtui"``
    when segtui's reader did and the rows went to the engine over Arrow.
    """

    reader: str = "segtui"


@dataclass
class NativeRead:
    """What the engine needs to read a file as segtui's reader would."""

    path: Path
    kind: str
    separator: str
    #: every source column, in file order, with the type segtui's reader gives it
    schema: pl.Schema
    roles: dict[str, str]
    #: canonical column -> SQL over the source columns (None where the role is absent)
    columns: dict[str, str]
    #: check name -> SQL condition counted over every line (see ``_checks``)
    checks: dict[str, str]
    discount_kind: str | None
    date_formats: list[str]
    #: attribute name -> source column
    attributes: dict[str, str]
    notices: list[str] = field(default_factory=list)


def sql_text(text: str) -> str:
    """A SQL string literal (both engines double the quote).

    Examples
    --------
    >>> sql_text("it's")
    "'it''s'"
    """
    return "'" + text.replace("'", "''") + "'"


def quote(name: str, dialect: str) -> str:
    """An identifier quoted for ``dialect`` (double quotes, backticks on Spark).

    Examples
    --------
    >>> quote('a"b', "duckdb"), quote("Customer ID", "spark")
    ('"a""b"', '`Customer ID`')
    """
    if dialect == "spark":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


class _Sql:
    """The few SQL spellings that differ between DuckDB and Spark."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def q(self, name: str) -> str:
        return quote(name, self.dialect)

    def strip(self, text: str) -> str:
        chars = sql_text(_WHITESPACE)
        # TRIM with a set of characters is ten times slower than looking at both ends first
        if self.dialect == "spark":
            ends = f"INSTR({chars}, LEFT({text}, 1)) > 0 OR INSTR({chars}, RIGHT({text}, 1)) > 0"
            return f"CASE WHEN {ends} THEN TRIM(BOTH {chars} FROM {text}) ELSE {text} END"
        ends = f"CONTAINS({chars}, LEFT({text}, 1)) OR CONTAINS({chars}, RIGHT({text}, 1))"
        return f"CASE WHEN {ends} THEN TRIM({text}, {chars}) ELSE {text} END"

    def finite(self, number: str) -> str:
        if self.dialect == "spark":
            return f"(NOT ISNAN({number}) AND ABS({number}) < DOUBLE('inf'))"
        return f"ISFINITE({number})"

    def starts_c_digit(self, text: str) -> str:
        if self.dialect == "spark":
            return f"({text} RLIKE '^C[0-9]')"
        return f"REGEXP_MATCHES({text}, '^C[0-9]')"

    def row_number(self) -> str:
        if self.dialect == "spark":
            return "CAST(MONOTONICALLY_INCREASING_ID() AS STRING)"
        return "CAST(ROW_NUMBER() OVER () AS VARCHAR)"

    def text(self) -> str:
        return "STRING" if self.dialect == "spark" else "VARCHAR"

    def parse_date(self, text: str, fmt: str) -> str:
        """``text`` parsed with the strftime format ``fmt``; Fallback for a format the engine reads differently."""
        if self.dialect == "spark":
            return _spark_date(text, fmt)
        if not re.fullmatch(r"(%[YmdHMSy]|[-/. :T])+", fmt):
            raise Fallback(f"dates written as {fmt!r}")
        parsed = f"TRY_STRPTIME({text}, {sql_text(fmt)})"
        if "%y" in fmt:  # DuckDB reads 69 as 1969, Polars as 2069
            parsed = f"CASE WHEN YEAR({parsed}) = 1969 THEN {parsed} + INTERVAL 100 YEAR ELSE {parsed} END"
        return parsed


_JAVA_FIELDS = {"%Y": "yyyy", "%m": "M", "%d": "d", "%H": "H", "%M": "m", "%S": "s", "%y": "yy"}


def _spark_date(text: str, fmt: str) -> str:
    """``TRY_TO_TIMESTAMP`` with the Java pattern of ``fmt``; two-digit years pivot as Polars' (1970-2069).

    Examples
    --------
    >>> _spark_date("d", "%Y-%m-%dT%H:%M")
    "TRY_TO_TIMESTAMP(d, 'yyyy-M-d''T''H:m')"
    """
    parts = re.findall(r"%[A-Za-z]|[-/. :]|T", fmt)
    if "".join(parts) != fmt or any(p.startswith("%") and p not in _JAVA_FIELDS for p in parts):
        raise Fallback(f"dates written as {fmt!r}")
    pattern = "".join(_JAVA_FIELDS.get(p, "'T'" if p == "T" else p) for p in parts)
    parsed = f"TRY_TO_TIMESTAMP({text}, {sql_text(pattern)})"
    if "%y" in fmt:
        parsed = f"CASE WHEN YEAR({parsed}) >= 2070 THEN {parsed} - INTERVAL 100 YEARS ELSE {parsed} END"
    return parsed


def native_read(path: Path, columns: dict[str, str] | None, date_format: str | None, dialect: str) -> NativeRead:
    """The head-of-file decisions of segtui's reader, written as SQL for ``dialect``.

    Raises ``Fallback`` for a file the engine cannot read as segtui's reader does
    (and for one the reader rejects: its error is the reader's to give).
    """
    from segtui.read import formats, transactions as reader
    from segtui.read.columns import row_column
    from segtui.read.dates import date_plan
    from segtui.read.mapping import detect_roles

    path = Path(path).expanduser()
    if not path.is_file():
        raise Fallback("not a plain file")
    if set("*?[{") & set(path.name):
        raise Fallback("its name holds characters the engine reads as a pattern")
    kind, gz = formats.format_of(path)
    notices: list[str] = []
    separator = ","
    if kind == "csv":
        if gz:
            raise Fallback("a gzipped CSV")
        source, separator = formats.csv_source(path, gz, notices)
        if notices or not isinstance(source, Path):
            raise Fallback("it is not UTF-8 text" if notices else "its lines end in a bare CR")
    elif kind != "parquet":
        raise Fallback(f"{formats.LABELS[kind]} has no reader in the engine")
    scan = formats.open_scanner(path, kind, gz, notices, reader.INFER_ROWS)
    schema = scan({}).collect_schema()
    head = scan(None).head(reader.SAMPLE_ROWS).collect()
    if not schema or head.height == 0:
        raise Fallback("no data rows")
    roles = detect_roles(schema, columns, sample=head, where=path.name)
    reader._require_roles(path, roles, schema, head)
    notices.extend(reader._duplicate_notices(list(schema), roles))
    lf = scan(reader._csv_overrides(roles, schema) if kind == "csv" else {})
    schema = lf.collect_schema()
    row = row_column(list(schema))
    head = lf.select(sorted(set(roles.values()))).head(reader.SAMPLE_ROWS).collect().with_row_index(row, offset=1)
    for name, dtype in schema.items():
        if not _plain_type(dtype):
            raise Fallback(f"column {name!r} holds {dtype} values")
    sql = _Sql(dialect)
    cell = {name: _cell(sql, kind, name, dtype) for name, dtype in schema.items()}
    plan = date_plan(path, lf.with_row_index(row, offset=1), roles["order_date"], schema[roles["order_date"]],
                     head, date_format, row)
    builder = _Columns(sql, schema, head, cell, roles)
    columns_sql, checks, discount_kind = builder.build(plan.formats)
    if "order_id" not in roles:
        notices.append("no order id column: each row counts as one order")
    if "amount" not in roles:
        notices.append(f"amount computed as {roles['quantity']} × {roles['unit_price']}")
    if kind == "csv":  # a later value that is not of the type inferred from the first rows
        for name, dtype in schema.items():
            if dtype != pl.String:
                checks[f"probe_{len(checks)}"] = f"{cell[name]} IS NULL AND {sql.q(name)} IS NOT NULL"
    from segtui.read.mapping import attribute_names

    used = set(roles.values())
    attributes = {dst: src for src, dst in attribute_names([c for c in schema if c not in used]).items()}
    return NativeRead(path, kind, separator, schema, roles, columns_sql, checks, discount_kind, plan.formats,
                      attributes, notices)


def _plain_type(dtype: pl.DataType) -> bool:
    """Types both engines read as Polars does (time zones, decimals and nested types are not)."""
    if isinstance(dtype, pl.Datetime):
        return dtype.time_zone is None
    return dtype == pl.String or dtype == pl.Boolean or dtype == pl.Date or dtype.is_integer() or dtype.is_float()


def _cell(sql: _Sql, kind: str, name: str, dtype: pl.DataType) -> str:
    """A source cell with the type segtui's reader gives it (a CSV is read as text)."""
    column = sql.q(name)
    if kind != "csv" or dtype == pl.String:
        return column
    if dtype.is_integer():  # "1.5" is not an integer (DuckDB's cast would round it)
        integral = f"{column} RLIKE '^[-+]?[0-9]+$'" if sql.dialect == "spark" else f"REGEXP_MATCHES({column}, '^[-+]?[0-9]+$')"
        return f"CASE WHEN {integral} THEN TRY_CAST({column} AS BIGINT) END"
    if dtype.is_float():
        return f"TRY_CAST({column} AS DOUBLE)"
    if dtype == pl.Boolean:
        return f"CASE LOWER({column}) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END"
    raise Fallback(f"column {name!r} holds {dtype} values")


class _Columns:
    """The canonical columns and the reader's checks as SQL, from the head-of-file decisions."""

    def __init__(self, sql: _Sql, schema: pl.Schema, head: pl.DataFrame, cell: dict[str, str],
                 roles: dict[str, str]) -> None:
        self.sql, self.schema, self.head, self.cell, self.roles = sql, schema, head, cell, roles

    def present(self, column: str) -> str:
        """The reader's ``present``: not null, and not blank text."""
        if self.schema[column] == pl.String:
            return f"COALESCE(LENGTH({self.sql.strip(self.sql.q(column))}) > 0, FALSE)"
        return f"({self.cell[column]} IS NOT NULL)"

    def text_id(self, column: str) -> str:
        """The reader's ``text_id``: stripped text, blank -> null."""
        dtype = self.schema[column]
        if dtype.is_integer():
            return f"CAST({self.cell[column]} AS {self.sql.text()})"
        if dtype != pl.String:
            raise Fallback(f"column {column!r} holds {dtype} ids")
        values = self.head[column].drop_nulls().str.strip_chars()
        values = values.filter(values.str.len_bytes() > 0)
        if values.len() and values.str.contains(r"^\d+\.0+$").all():
            raise Fallback(f"ids in column {column!r} are written like 12.0")
        return f"NULLIF({self.sql.strip(self.sql.q(column))}, '')"

    def number(self, column: str) -> str:
        """The reader's ``number`` for plain numbers; Fallback for money text."""
        from segtui.read.numbers import _PLAIN_NUMBER

        dtype = self.schema[column]
        if dtype.is_numeric() or dtype == pl.Boolean:
            return f"CAST({self.cell[column]} AS DOUBLE)"
        values = self.head[column].drop_nulls().str.strip_chars()
        values = values.filter(values.str.len_bytes() > 0)
        if not values.str.contains(_PLAIN_NUMBER).all():
            raise Fallback(f"column {column!r} holds money text such as {values.filter(~values.str.contains(_PLAIN_NUMBER))[0]!r}")
        return f"TRY_CAST({self.sql.strip(self.sql.q(column))} AS DOUBLE)"

    def discount(self, column: str) -> tuple[str, str]:
        """The reader's ``discount``: money (a positive amount) or a 1.0/0.0 flag, and which."""
        from segtui.read.mapping import looks_numeric

        dtype, cell = self.schema[column], self.cell[column]
        if dtype == pl.Boolean:
            return f"CASE WHEN {cell} THEN 1.0 ELSE 0.0 END", "flag"
        if dtype.is_numeric():
            if set(self.head[column].drop_nulls().cast(pl.Float64).unique().to_list()) <= {0.0, 1.0}:
                return f"CASE WHEN {cell} <> 0 THEN 1.0 ELSE 0.0 END", "flag"
            return f"COALESCE(ABS(CAST({cell} AS DOUBLE)), 0.0)", "amount"
        text = f"LOWER({self.sql.strip(self.sql.q(column))})"
        values = self.head[column].drop_nulls().str.strip_chars().str.to_lowercase()
        distinct = set(values.unique().to_list())
        if distinct and distinct <= set(_FLAG_TRUE + _FLAG_FALSE):
            return f"CASE WHEN {text} IN ({', '.join(map(sql_text, _FLAG_TRUE))}) THEN 1.0 ELSE 0.0 END", "flag"
        nonblank = values.filter(values.str.len_bytes() > 0)
        if nonblank.len() and looks_numeric(nonblank):
            return f"COALESCE(ABS({self.number(column)}), 0.0)", "amount"
        # a promo code: having one means the line was discounted
        return f"CASE WHEN {text} IN ({', '.join(map(sql_text, _FLAG_FALSE))}) OR {text} IS NULL THEN 0.0 ELSE 1.0 END", "flag"

    def order_date(self, formats: list[str]) -> str:
        """The reader's ``date_plan`` as SQL: native dates cast, text parsed with the chosen formats."""
        column = self.roles["order_date"]
        dtype, cell = self.schema[column], self.cell[column]
        if isinstance(dtype, pl.Datetime) or dtype == pl.Date:
            return f"CAST({cell} AS TIMESTAMP)"
        if not formats:
            raise Fallback("dates as Unix time")
        text = self.sql.strip(self.sql.q(column) if dtype == pl.String else f"CAST({cell} AS {self.sql.text()})")
        parsed = [self.sql.parse_date(text, fmt) for fmt in formats]
        one = parsed[0] if len(parsed) == 1 else f"COALESCE({', '.join(parsed)})"
        return f"CASE WHEN YEAR({one}) BETWEEN 1900 AND 2200 THEN {one} END"

    def build(self, formats: list[str]) -> tuple[dict[str, str], dict[str, str], str | None]:
        """The canonical columns, the checks of the reader's validation pass, and the discount kind."""
        from segtui.read.transactions import MAX_AMOUNT

        roles, sql = self.roles, self.sql
        columns: dict[str, str] = {"customer_id": self.text_id(roles["customer_id"])}
        columns["order_id"] = self.text_id(roles["order_id"]) if "order_id" in roles else "NULL"
        columns["order_date"] = self.order_date(formats)
        numbers = {role: self.number(roles[role]) for role in ("amount", "quantity", "unit_price") if role in roles}
        columns["amount"] = numbers["amount"] if "amount" in numbers else f"({numbers['quantity']}) * ({numbers['unit_price']})"
        for role in ("quantity", "unit_price"):
            if role in numbers:
                columns[role] = numbers[role]
        kind = None
        if "discount" in roles:
            columns["discount"], kind = self.discount(roles["discount"])
        for role in ("product", "category", "channel"):
            if role in roles:
                columns[role] = self.text_id(roles[role])
        # the checks read the canonical cells by name (CANONICAL_PREFIX), each computed once
        has_id = f"{CANONICAL_PREFIX}customer_id IS NOT NULL"
        date_present = self.present(roles["order_date"])
        amount = f"{CANONICAL_PREFIX}amount"
        checks = {
            "no_id": f"NOT {has_id}",
            "no_date": f"{has_id} AND NOT {date_present}",
            "no_amount": f"{has_id} AND {date_present} AND {amount} IS NULL",
            "bad_date": f"{has_id} AND {date_present} AND {CANONICAL_PREFIX}order_date IS NULL",
            "huge_amount": f"{has_id} AND (NOT {sql.finite(amount)} OR ABS({amount}) > {MAX_AMOUNT})",
        }
        if "order_id" in roles:
            checks["no_order_id"] = f"{has_id} AND {date_present} AND NOT {self.present(roles['order_id'])}"
        for role in [*numbers, *(["discount"] if kind == "amount" else [])]:
            value = f"{CANONICAL_PREFIX}{role}"
            checks[f"filled_{role}"] = self.present(roles[role])
            checks[f"bad_{role}"] = f"{has_id} AND {self.present(roles[role])} AND {value} IS NULL"
            checks[f"infinite_{role}"] = f"{has_id} AND NOT {sql.finite(value)}"
        return columns, checks, kind


def read_natively(
    engine: "Engine", path: Path, columns: dict[str, str] | None, date_format: str | None, name: str = "transactions"
) -> tuple[EngineTransactions, "pl.Schema"]:
    """Read ``path`` with ``engine`` into its table ``name`` of canonical transactions.

    Returns the transactions (their ``frame`` is segtui's reader, run only if asked
    for) and the canonical table's schema.  Raises ``Fallback`` when the engine cannot
    read the file as segtui's reader does, or a line holds a value the reader rejects.
    """
    from segtui.read.transactions import read_transactions

    try:
        plan = native_read(path, columns, date_format, engine.dialect)
    except SegtuiError as exc:  # the reader gives this error in its own words, or reads the file
        raise Fallback(exc.message) from exc
    sql = _Sql(engine.dialect)
    try:
        engine.read_file("segtui_raw", plan.path, plan.kind, list(plan.schema), plan.separator)
        # one pass over the file: the canonical cells and, per line, each check of the reader
        cells = ", ".join(f"{expr} AS {CANONICAL_PREFIX}{n}" for n, expr in plan.columns.items())
        parsed = ", ".join(f"{CANONICAL_PREFIX}{n} AS {sql.q(n)}" for n in plan.columns)
        attributes = "".join(f", {sql.q(src)} AS {sql.q(dst)}" for dst, src in plan.attributes.items())
        flags = "".join(f", ({cond}) AS segtui_chk_{i}" for i, cond in enumerate(plan.checks.values()))
        engine.materialize(
            "segtui_parsed",
            f"SELECT {parsed}{attributes}{flags} FROM (SELECT *, {cells} FROM segtui_raw) AS segtui_cells",
        )
        counts = ", ".join(
            f"COALESCE(SUM(CASE WHEN segtui_chk_{i} THEN 1 ELSE 0 END), 0) AS {sql.q(n)}" for i, n in enumerate(plan.checks)
        )
        stats = engine.query(f"SELECT COUNT(*) AS {sql.q('rows')}, {counts} FROM segtui_parsed").row(0, named=True)
    except SegtuiError as exc:  # the engine's own parser refused a line
        raise Fallback(f"{engine.dialect} could not parse it ({exc.message})") from exc
    problems = [n for n in stats if n.startswith(("bad_", "infinite_", "huge_", "probe_")) and stats[n]]
    money = ["filled_amount"] if "amount" in plan.roles else ["filled_quantity", "filled_unit_price"]
    kept = stats["rows"] - stats["no_id"] - stats["no_date"]
    if problems or kept == 0 or not all(stats[m] for m in money):
        raise Fallback(f"a value needs segtui's reader ({problems[0] if problems else 'no usable rows'})")
    notices = list(plan.notices) + _count_notices(stats)
    order_id = "order_id"
    if "order_id" not in plan.roles or stats.get("no_order_id"):
        # a line without an order id is an order of its own: any id unlike the real ones
        order_id = f"COALESCE(order_id, ' row ' || {sql.row_number()})"
    is_return = "amount < 0"
    if "quantity" in plan.columns:
        is_return += " OR quantity < 0"
    if "order_id" in plan.roles:
        is_return += f" OR {sql.starts_c_digit('order_id')}"
    optional = [c for c in ("quantity", "unit_price", "discount", "product", "category", "channel") if c in plan.columns]
    # a view when every line has its order id (no row numbers that must not change)
    keep = engine.materialize if order_id != "order_id" else engine.define
    keep(
        name,
        f"SELECT customer_id, {order_id} AS order_id, order_date, "
        f"CASE WHEN ({is_return}) AND amount > 0 THEN -amount ELSE amount END AS amount, "
        f"COALESCE({is_return}, FALSE) AS is_return"
        + "".join(f", {c}" for c in optional)
        + "".join(f", {sql.q(dst)}" for dst in plan.attributes)
        + " FROM segtui_parsed WHERE customer_id IS NOT NULL AND order_date IS NOT NULL",
    )
    schema = _canonical_schema(plan, optional)
    tx = EngineTransactions(
        frame=pl.defer(
            lambda: read_transactions(plan.path, columns=columns, date_format=date_format).frame.collect(),
            schema=schema, validate_schema=False,
        ),
        source=plan.path,
        mapping=dict(plan.roles),
        attributes=list(plan.attributes),
        discount_kind=plan.discount_kind,  # type: ignore[arg-type]
        notices=notices,
        rows=kept,
        date_formats=plan.date_formats,
        attribute_sources=dict(plan.attributes),
        reader=engine.dialect,
    )
    return tx, schema


def _count_notices(stats: dict[str, int]) -> list[str]:
    """The reader's notices about what its validation pass counted, in its words."""
    from segtui.read.transactions import count_notices

    return count_notices(stats)


def _canonical_schema(plan: NativeRead, optional: list[str]) -> pl.Schema:
    """The canonical frame's schema, as segtui's reader gives it."""
    types: dict[str, pl.DataType] = {
        "customer_id": pl.String(), "order_id": pl.String(), "order_date": pl.Datetime("us"),
        "amount": pl.Float64(), "is_return": pl.Boolean(),
    }
    for column in optional:
        types[column] = pl.String() if column in ("product", "category", "channel") else pl.Float64()
    for dst, src in plan.attributes.items():
        types[dst] = plan.schema[src]
    return pl.Schema(types)
