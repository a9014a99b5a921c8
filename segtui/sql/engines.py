"""Running segtui's SQL on other engines: DuckDB in process (``segtui[duckdb]``), Spark
through pyspark (``segtui[spark]``), Postgres for the conformance tests.

Tables go in and results come out as Polars frames (through Arrow, no copy per row).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl

from segtui.errors import SegtuiError, first_line
from segtui.evaluate import Evaluator
from segtui.memory import ram_bytes
from segtui.rules import compile_rule
from segtui.sql.native import EngineTransactions, Fallback, read_natively, sql_text
from segtui.sql.rules_sql import predicate_sql

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

    from segtui.customers import CustomerView, Lifecycle
    from segtui.read.transactions import Transactions
    from segtui.sql.view_sql import ViewShape

__all__ = [
    "DuckDBEngine",
    "SparkEngine",
    "EngineEvaluator",
    "canonical_frame",
    "engine_dataset",
    "engine_view",
    "make_engine",
    "portable_frame",
    "plain_numbers",
    "run_duckdb",
    "run_on",
    "run_postgres",
]


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


class DuckDBEngine:
    """An in-memory DuckDB: frames in as tables (Arrow, no copy), query results out as frames."""

    dialect = "duckdb"

    def __init__(self) -> None:
        self._con = _duckdb().connect(":memory:")

    def register(self, name: str, frame: pl.DataFrame) -> None:
        """Make ``frame`` queryable as table ``name``."""
        self._con.register(name, portable_frame(frame).to_arrow())

    def query(self, sql: str) -> pl.DataFrame:
        """The result of ``sql``; SegtuiError with DuckDB's first line when it fails."""
        try:
            frame = pl.from_arrow(self._con.sql(sql).to_arrow_table())
        except _duckdb().Error as exc:
            raise SegtuiError(f"DuckDB refused the query: {first_line(exc)}", title="Engine error") from exc
        return plain_numbers(frame)  # type: ignore[arg-type]

    def read_file(self, name: str, path: "Path", kind: str, columns: list[str], separator: str) -> None:
        """Make the file queryable as view ``name``: Parquet as typed, a CSV's ``columns`` as text."""
        source = sql_text(str(path))
        if kind == "parquet":
            relation = f"read_parquet({source})"
        else:
            names = ", ".join(f"{sql_text(c)}: 'VARCHAR'" for c in columns)
            # quoted "" is an empty string, as in Polars; only an empty field is null
            relation = (
                f"read_csv({source}, header = true, auto_detect = false, columns = {{{names}}}, "
                f"delim = {sql_text(separator)}, quote = '\"', escape = '\"', allow_quoted_nulls = false)"
            )
        self._execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS SELECT * FROM {relation}')

    def materialize(self, name: str, sql: str) -> None:
        """Keep the result of ``sql`` as table ``name`` (the file is parsed once)."""
        self._execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')

    def define(self, name: str, sql: str) -> None:
        """Make ``sql`` queryable as view ``name`` (computed where it is used)."""
        self._execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {sql}')

    def _execute(self, sql: str) -> None:
        try:
            self._con.execute(sql)
        except _duckdb().Error as exc:
            raise SegtuiError(f"DuckDB refused the query: {first_line(exc)}", title="Engine error") from exc

    def close(self) -> None:
        self._con.close()


class SparkEngine:
    """Spark SQL through pyspark: local mode (``local[2]``), a master URL, or Spark Connect.

    ``SPARK_REMOTE`` (Spark Connect, ``sc://host:15002``) wins over ``master``; the session
    is shared by every engine of the process (starting one takes ~17 s).
    """

    dialect = "spark"
    _session = None

    def __init__(self, master: str | None = None) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise SegtuiError("the spark engine needs pyspark: pip install 'segtui[spark]'", title="Missing engine") from exc
        if SparkEngine._session is None:
            builder = SparkSession.builder.appName("segtui")
            remote = os.environ.get("SPARK_REMOTE")
            if remote:
                builder = builder.remote(remote)
            else:
                master = master or os.environ.get("SPARK_MASTER") or "local[2]"
                builder = builder.master(master)
                # small inputs: a few shuffle partitions instead of 200 empty ones; no web UI
                builder = builder.config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false")
                # segtui's own messages are the output; Spark's warnings and progress bars are not
                builder = builder.config("spark.log.level", "ERROR").config("spark.ui.showConsoleProgress", "false")
                memory = local_driver_memory(os.environ, ram_bytes()) if master.startswith("local") else None
                if memory:  # the driver is the whole local cluster: Spark's 1g ran out at 10M lines
                    builder = builder.config("spark.driver.memory", memory)
            # dates are calendar dates: no time zone may shift a timestamp across midnight
            SparkEngine._session = builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
        self._spark = SparkEngine._session

    def register(self, name: str, frame: pl.DataFrame) -> None:
        """Make ``frame`` queryable as temporary view ``name``."""
        self._spark.createDataFrame(portable_frame(frame).to_arrow()).createOrReplaceTempView(name)

    def query(self, sql: str) -> pl.DataFrame:
        """The result of ``sql``; SegtuiError with Spark's first line when it fails."""
        try:
            frame = pl.from_arrow(self._spark.sql(sql).toArrow())
        except Exception as exc:  # noqa: BLE001 - pyspark raises many kinds; the first line says why
            raise _spark_error(exc) from exc
        return plain_numbers(frame)  # type: ignore[arg-type]

    def read_file(self, name: str, path: "Path", kind: str, columns: list[str], separator: str) -> None:
        """Make the file queryable as view ``name``: Parquet as typed, a CSV's ``columns`` as text."""
        from pyspark.sql.types import StringType, StructField, StructType

        reader = self._spark.read
        if kind == "parquet":
            frame = reader.parquet(str(path))
        else:
            schema = StructType([StructField(c, StringType()) for c in columns])
            frame = reader.csv(str(path), schema=schema, header=True, sep=separator, quote='"', escape='"',
                               multiLine=True, mode="FAILFAST", encoding="UTF-8")
        frame.createOrReplaceTempView(name)

    def materialize(self, name: str, sql: str) -> None:
        """Keep the result of ``sql`` as cached view ``name``, computed now (the file is parsed once)."""
        try:
            # a checkpoint holds the rows themselves: later views do not re-read the file,
            # and the tables it was computed from can go
            self._spark.sql(sql).localCheckpoint(eager=True).createOrReplaceTempView(name)
        except Exception as exc:  # noqa: BLE001 - pyspark raises many kinds; the first line says why
            raise _spark_error(exc) from exc

    def define(self, name: str, sql: str) -> None:
        """Make ``sql`` queryable as view ``name`` (computed where it is used)."""
        try:
            self._spark.sql(sql).createOrReplaceTempView(name)
        except Exception as exc:  # noqa: BLE001 - pyspark raises many kinds; the first line says why
            raise _spark_error(exc) from exc

    def close(self) -> None:
        """The shared session stays up for the next engine of the process."""


def local_driver_memory(environ: Mapping[str, str], ram_bytes: int) -> str | None:
    """``spark.driver.memory`` for a local session: half the machine's memory, at least 1g;
    None when ``SPARK_DRIVER_MEMORY`` is set, which Spark reads itself.

    Examples
    --------
    >>> local_driver_memory({}, 24 * 2**30), local_driver_memory({}, 2**30)
    ('12g', '1g')
    >>> local_driver_memory({"SPARK_DRIVER_MEMORY": "4g"}, 24 * 2**30) is None
    True
    """
    if environ.get("SPARK_DRIVER_MEMORY"):
        return None
    return f"{max(1, ram_bytes // 2**31)}g"


def _spark_error(exc: Exception) -> SegtuiError:
    """The one-line error for a failed Spark call; a stopped JVM says so (its log says why)."""
    reason = first_line(exc)
    if type(exc).__name__ in ("Py4JNetworkError", "Py4JError") or "sending or receiving" in reason:
        # the JVM exits on OutOfMemoryError; what pyspark reports is only the lost connection
        memory = os.environ.get("SPARK_DRIVER_MEMORY") or local_driver_memory({}, ram_bytes())
        reason += f" (Spark stopped: if its log says OutOfMemoryError, set SPARK_DRIVER_MEMORY above {memory})"
    return SegtuiError(f"Spark refused the query: {reason}", title="Engine error")


Engine = DuckDBEngine | SparkEngine


def make_engine(name: str, spark_master: str | None = None) -> Engine:
    """The engine called ``name`` (duckdb or spark)."""
    return SparkEngine(spark_master) if name == "spark" else DuckDBEngine()


def run_duckdb(sql: str, tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Run ``sql`` in a fresh in-memory DuckDB where each frame of ``tables`` is a table.

    Examples
    --------
    >>> run_duckdb("SELECT SUM(x) AS s FROM t", {"t": pl.DataFrame({"x": [1, 2]})}).item()
    3
    """
    return run_on(DuckDBEngine(), sql, tables)


def run_on(engine: Engine, sql: str, tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Register ``tables`` on ``engine`` and run ``sql`` there."""
    try:
        for name, frame in tables.items():
            engine.register(name, frame)
        return engine.query(sql)
    finally:
        engine.close()


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
    from segtui.customers import _normalise, _safe_attributes, _unpack
    from segtui.names import CANONICAL_COLUMNS

    lf, discount_kind, known = _unpack(transactions)
    schema = lf.collect_schema()
    notices: list[str] = []
    attributes = _safe_attributes(known, schema, notices)
    lf = _normalise(lf.select(c for c in schema if c in CANONICAL_COLUMNS or c in {a for a, _ in attributes}), schema)
    frame = lf.collect()
    return frame, _shape(frame.schema, discount_kind, attributes), notices


def _shape(schema: pl.Schema, discount_kind: str | None, attributes: list[tuple[str, str]]) -> "ViewShape":
    """The view's shape for a canonical table of this schema: which optional columns it has."""
    from segtui.customers import _has_discount_amount
    from segtui.sql.view_sql import ViewShape

    discount = None
    if "discount" in schema:
        discount = "amount" if _has_discount_amount(schema, discount_kind) else "flag"
    return ViewShape(
        quantity="quantity" in schema,
        discount=discount,
        discount_numeric="discount" in schema and schema["discount"].is_numeric(),
        product="product" in schema,
        category="category" in schema,
        channel="channel" in schema,
        attributes=tuple(column for column, _ in attributes),
    )


#: Polars' types for view columns whose SQL type is wider (INTEGER, BIGINT) or differs.
_VIEW_DTYPES: dict[str, pl.DataType] = {
    **dict.fromkeys(("r_score", "f_score", "m_score", "top_weekday", "top_month"), pl.Int8()),
    **dict.fromkeys(("distinct_products", "distinct_categories"), pl.UInt32()),
}


def _polars_types(frame: pl.DataFrame) -> pl.DataFrame:
    """The engine's view with the column types ``build_customers`` gives, so outputs match."""
    fixes = [pl.col(name).cast(dtype) for name, dtype in _VIEW_DTYPES.items() if name in frame.columns]
    if "items" in frame.columns and frame.schema["items"].is_float():
        items = frame["items"]
        if (items == items.round(0)).all() and items.abs().max() < 2**53:  # as _finish does
            fixes.append(pl.col("items").cast(pl.Int64))
    return frame.with_columns(fixes)


def engine_view(
    transactions: "Transactions",
    *,
    engine: str = "duckdb",
    spark_master: str | None = None,
    as_of: "date | None" = None,
    lifecycle: "Lifecycle | None" = None,
    as_of_source: str = "--as-of",
) -> "CustomerView":
    """``build_customers`` run on ``engine``, over transactions segtui's reader has read.

    The rows go to the engine over Arrow; grouping, money sums, scores and modes run
    there. Same result, same errors and notices.
    """
    frame, shape, notices = canonical_frame(transactions)
    runner = make_engine(engine, spark_master)
    runner.register("transactions", frame)
    return _view_on(runner, shape, notices, as_of, lifecycle, as_of_source)


def engine_dataset(
    path: "str | Path",
    *,
    columns: dict[str, str] | None = None,
    date_format: str | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
    as_of: "date | None" = None,
    lifecycle: "Lifecycle | None" = None,
    as_of_source: str = "--as-of",
) -> "tuple[EngineTransactions, CustomerView]":
    """Read ``path`` with ``engine`` and build its customer view there.

    The engine reads the file itself (``native.read_natively``: segtui's reader decides
    roles and formats from the head, the engine parses every line). A file it cannot
    read faithfully goes through segtui's reader and over Arrow, with a notice saying
    why; ``reader`` on the transactions says which one ran.
    """
    from pathlib import Path

    from segtui.customers import _safe_attributes
    from segtui.read.transactions import read_transactions

    runner = make_engine(engine, spark_master)
    try:
        tx, schema = read_natively(runner, Path(path), columns, date_format)
    except Fallback as why:
        runner.close()
        read = read_transactions(path, columns=columns, date_format=date_format)  # the reader's error, if any
        notice = f"{engine} did not read the file itself: {why.reason}; segtui's reader read it"
        fallback = EngineTransactions(**{**vars(read), "notices": [*read.notices, notice]}, reader="segtui")
        view = engine_view(read, engine=engine, spark_master=spark_master, as_of=as_of, lifecycle=lifecycle,
                           as_of_source=as_of_source)
        return fallback, view
    notices: list[str] = []
    shape = _shape(schema, tx.discount_kind, _safe_attributes(tx.attributes, schema, notices))
    return tx, _view_on(runner, shape, notices, as_of, lifecycle, as_of_source)


def _view_on(
    runner: Engine,
    shape: "ViewShape",
    notices: list[str],
    as_of: "date | None",
    lifecycle: "Lifecycle | None",
    as_of_source: str,
) -> "CustomerView":
    """The view query on ``runner``, whose table ``transactions`` holds canonical transactions."""
    from datetime import timedelta

    import sqlglot

    from segtui.customers import CustomerView, Lifecycle
    from segtui.sql.view_sql import view_sql

    day = "CAST(order_date AS DATE)"
    cut = f"{day} <= CAST('{as_of.isoformat()}' AS DATE)" if as_of is not None else "TRUE"
    facts_sql = (
        f"SELECT MIN({day}) AS first_date, MAX({day}) AS last_date, COUNT(*) AS rows, "
        f"MAX(CASE WHEN {cut} THEN {day} END) AS used_last_date, "
        f"COALESCE(SUM(CASE WHEN {cut} THEN 1 ELSE 0 END), 0) AS used_rows, "
        f"COALESCE(BOOL_OR({cut} AND order_date <> CAST({day} AS TIMESTAMP)), FALSE) AS has_time FROM transactions"
    )
    facts = runner.query(sqlglot.transpile(facts_sql, read="duckdb", write=runner.dialect)[0]).row(0, named=True)
    if not facts["rows"]:
        runner.close()
        raise SegtuiError("no transactions to build customers from", title="Cannot build customers")
    if as_of is not None and as_of < facts["first_date"]:
        runner.close()
        message = f"{as_of_source} {as_of} is before the first transaction ({facts['first_date']})"
        raise SegtuiError(message, title="Bad as-of date")
    after = facts["rows"] - facts["used_rows"]
    if as_of is None:
        as_of = facts["last_date"] + timedelta(days=1)
    elif after:
        notices.append(f"left out {after:,} transactions dated after the as-of date {as_of}")
    shape = type(shape)(**{**shape.__dict__, "has_time": bool(facts["has_time"])})
    query = view_sql(shape, runner.dialect, table="transactions", as_of=as_of, lifecycle=lifecycle or Lifecycle(), pretty=False)
    view = _polars_types(run_on(runner, query, {}))
    return CustomerView(
        frame=view,
        as_of=as_of,
        first_date=facts["first_date"],
        last_date=facts["used_last_date"],
        transactions=facts["used_rows"],
        has_time=shape.has_time,
        notices=notices,
        attributes=view.columns[1 + len(shape.metrics()) :],
    )


class EngineEvaluator(Evaluator):
    """An ``Evaluator`` whose rule masks are computed on an engine from ``segtui sql``'s predicates.

    Polars' parser still checks each rule first (the same messages); segment logic
    (all / any, first_match, universe) combines the engine's masks as usual.
    """

    def __init__(self, customers: pl.DataFrame, engine: str = "duckdb", spark_master: str | None = None) -> None:
        super().__init__(customers)
        self._engine = make_engine(engine, spark_master)
        self._engine.register("customers", customers.with_row_index("_segtui_row"))

    def _compute_mask(self, where: str) -> pl.Series:
        return self._engine_masks([where])[0]

    def prefetch(self, wheres: list[str]) -> None:
        todo = list(dict.fromkeys(w.strip() for w in wheres if w.strip() and w.strip() not in self._masks))
        valid = []
        for where in todo:
            try:
                compile_rule(where, self.schema)
                predicate_sql(where, self._engine.dialect)
            except SegtuiError:
                continue  # reported by mask(), one at a time, with its usual message
            valid.append(where)
        if len(valid) < 2:
            return
        try:
            masks = self._engine_masks(valid)
        except SegtuiError:
            return
        for where, mask in zip(valid, masks):
            self._masks.get_or(where, lambda mask=mask: mask)

    def _engine_masks(self, wheres: list[str]) -> list[pl.Series]:
        for where in wheres:
            compile_rule(where, self.schema)  # Polars' gate and messages
        dialect = self._engine.dialect
        columns = ", ".join(f"COALESCE({predicate_sql(w, dialect)}, FALSE) AS m{i}" for i, w in enumerate(wheres))
        try:
            frame = self._engine.query(f"SELECT {columns} FROM customers ORDER BY _segtui_row")
        except SegtuiError as exc:  # the rule fails on these values
            raise SegtuiError(f"cannot evaluate rule: {exc.message}", title="Bad rule") from exc
        masks = []
        for column in frame.iter_columns():  # type: ignore[union-attr]
            if column.dtype != pl.Boolean:
                raise SegtuiError(f"not a condition: the rule gives {column.dtype} values", title="Bad rule")
            masks.append(column)
        return masks


_POSTGRES_TYPES = {
    pl.String: "TEXT",
    pl.Boolean: "BOOLEAN",
    pl.Float64: "DOUBLE PRECISION",
    pl.Float32: "REAL",
    pl.Date: "DATE",
}


def _postgres_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMP"
    if dtype.is_integer():
        return "BIGINT" if dtype.is_unsigned_integer() or dtype in (pl.Int64,) else "INTEGER"
    return _POSTGRES_TYPES.get(dtype.base_type(), "TEXT")  # type: ignore[call-overload]


def run_postgres(conninfo: str, sql: str, tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Run ``sql`` on a Postgres server after loading each frame of ``tables`` as a temporary table.

    Needs psycopg (``pip install 'psycopg[binary]'``); the tables live only for this session.
    """
    try:
        import psycopg
    except ImportError as exc:
        raise SegtuiError("Postgres needs psycopg: pip install 'psycopg[binary]'", title="Missing engine") from exc
    with psycopg.connect(conninfo) as con, con.cursor() as cur:
        for name, frame in tables.items():
            columns = ", ".join(f'"{c}" {_postgres_type(d)}' for c, d in frame.schema.items())
            cur.execute(f'CREATE TEMPORARY TABLE "{name}" ({columns})')
            with cur.copy(f"COPY \"{name}\" FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                copy.write(frame.write_csv(datetime_format="%Y-%m-%d %H:%M:%S%.f"))
        try:
            cur.execute(sql)
        except psycopg.Error as exc:
            raise SegtuiError(f"Postgres refused the query: {first_line(exc)}", title="Engine error") from exc
        described = [(d.name, d.type_code) for d in cur.description or []]
        rows = cur.fetchall()
    frame = pl.DataFrame(rows, schema=[name for name, _ in described], orient="row", infer_schema_length=None)
    # a column of nulls only has no Python values to infer from: type it from the server's oid
    typed = [
        pl.col(name).cast(_POSTGRES_OIDS.get(oid, pl.String))
        for name, oid in described
        if frame.schema[name] == pl.Null
    ]
    return plain_numbers(frame.with_columns(typed) if typed else frame)


#: Postgres type oids of the result columns segtui's queries give.
_POSTGRES_OIDS: dict[int, pl.DataType] = {
    16: pl.Boolean(), 20: pl.Int64(), 21: pl.Int16(), 23: pl.Int32(), 25: pl.String(), 700: pl.Float32(),
    701: pl.Float64(), 1043: pl.String(), 1082: pl.Date(), 1114: pl.Datetime("us"), 1700: pl.Float64(),
}
