"""The single customer view: one row per customer, built from canonical transactions.

See ``read/transactions.py`` for the input contract and DESIGN.md for every metric's definition.

Decisions the design brief leaves open (documented here so rule authors can rely on them):

- An *order* is a distinct ``order_id`` with at least one non-return line.  An order made
  only of return lines is not counted in ``orders``; its (negative) amount still counts in
  ``revenue`` and ``returns_amount``.  A customer with only returns has ``orders`` 0,
  ``purchase_days`` 0, ``repeat_purchase_days`` 0 and null ``aov`` / shares / top values.
- Dates of purchases (``first_order_date``, ``last_order_date``, ``purchase_days``,
  ``days_to_second_order``) use non-return orders; a return-only customer falls back to the
  dates of their return orders so that recency and tenure stay defined.
- ``as_of`` is inclusive: transactions dated after it are left out (and counted in a notice);
  transactions on it are kept (recency 0).
- Per-order occasion metrics (weekend share, top weekday / month / daypart) are over the
  customer's non-return orders; ``q4_revenue_share`` uses each line's own date.
- ``q4_revenue_share`` is null unless revenue is positive to the cent (more than 0.005):
  a share of nothing, or of a negative net (a returns-only customer), means nothing.  With
  positive revenue it can still leave 0–1 when a return is dated in another quarter than
  its purchase (revenue dated October–December over all revenue, as DESIGN.md defines it).
- ``discount_orders`` counts non-return orders with a non-return line whose discount is > 0;
  ``discount_amount`` (only when the discount column holds money) sums the column over all lines.
- Scores use each customer's *mid-rank share*, ``share = (below + tied / 2) / n``: the
  customers with a worse value count fully, those with the same value (the customer
  included) half.  Equivalently ``(average rank - 1/2) / n`` with rank 1 = worst.  Then
  ``score = ceil(5 * share)`` for recency (reversed: more days is worse), orders and revenue
  in whole cents, and ``revenue_percentile = share`` of revenue, so
  ``m_score = ceil(5 * revenue_percentile)``.  A tied group sits in the middle of the ranks
  it spans, never at the bottom just for being tied: when everyone bought on the last day,
  or everyone has one order, everyone gets 3 (no information, the middle score); when 40 %
  of the customers have one order, those get ceil(5 * 0.2) = 1.  In SQL, with ``w`` the
  window ordered worst first: ``CEIL(5 * (2 * (RANK() OVER w - 1) + COUNT(*) OVER
  (PARTITION BY value)) / (2.0 * COUNT(*) OVER ()))``.
- Money (``revenue``, ``gross_revenue``, ``returns_amount``, ``discount_amount`` and the
  Q4 part of revenue) is summed in whole millionths (line amounts rounded to 6 decimals),
  so sums are exact: 111.74 + 111.74 is 223.48, a full refund nets to exactly 0 and
  ``returns_amount`` is never -0.0.  Text outputs round money to cents (see ``names.py``).
- ``items`` is an integer column when every quantity is whole (it stays Float64 for
  fractional quantities such as weights).
- ``top_daypart`` ties go to the alphabetically smallest label
  (afternoon < evening < morning < night).
- Rows are sorted by ``customer_id``, so the view is reproducible.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import polars as pl

from segtui.errors import SegtuiError
from segtui.errors import first_line
from segtui.memory import memory_budget, passes_for, spill_compression, thrifty_passes
from segtui.read.transactions import HEAD_LINES, Transactions
from segtui.names import CANONICAL_COLUMNS, METRIC_COLUMNS
from segtui.packed import FIELD_MAX, PER_WORD, count_words, unpacked_counts, word_names

__all__ = [
    "Lifecycle",
    "CustomerView",
    "build_customers",
    "lifecycle_expr",
    "with_scores",
    "METRIC_COLUMNS",
    "LIFECYCLE_STAGES",
    "DAYPARTS",
    "MAX_ATTRIBUTES",
]

LIFECYCLE_STAGES = ("New", "Active", "At risk", "Churned")

#: Daypart labels in tie-break (alphabetical) order, with the hours each covers.
DAYPARTS: dict[str, tuple[int, ...]] = {
    "afternoon": tuple(range(12, 17)),
    "evening": tuple(range(17, 22)),
    "morning": tuple(range(5, 12)),
    "night": (22, 23, 0, 1, 2, 3, 4),
}

_DAY_US = 86_400_000_000
#: Attribute columns kept in the view (the first ones, in input order); a wide export's
#: thousands of columns would make every customer row, table and breakdown unusable.
MAX_ATTRIBUTES = 200
#: Money is summed as integers in one of these units per currency unit, the finest whose
#: sums fit an Int64 (float sums drift: 111.74 + 111.74 = 223.48000000000002, refunds left
#: -2.7e-15 instead of 0).  Millionths keep sub-cent unit prices; a file whose amounts add
#: up beyond 9.2 trillion (large-unit currencies) is summed in cents instead.
_MONEY_UNITS = (1_000_000, 100)
_MONEY_UNIT = _MONEY_UNITS[0]
#: Largest absolute total, in money units, that every Int64 sum is sure to hold.
_MONEY_LIMIT = 2**63 - 2**20
#: Money columns of the customer aggregation that are held in ``_MONEY_UNIT``s until ``_finish``.
_MONEY_SUMS = ("revenue", "gross_revenue", "returns_amount", "_q4", "discount_amount")
_TITLE = "Cannot build customers"
#: A text column with at most this many values has its most frequent value counted as one sum
#: per value in the per-order pass (about 0.1 s per value at 10M lines); a mode over the lines
#: grouped per customer cost about 4 s per column there.
MAX_COUNTED_VALUES = 32
#: A ``product`` column with at most this many values counts distinct products as bits set.
_BITS = 64


def _days(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    """Whole days between two Date expressions."""
    return (later - earlier).dt.total_days().cast(pl.Int64)


@dataclass(frozen=True)
class Lifecycle:
    """Windows (in days) that put each customer in New / Active / At risk / Churned.

    - New: first order within ``new_days`` of as_of (tenure_days <= new_days)
    - Churned: no order for more than ``churn_days`` (recency_days > churn_days)
    - At risk: no order for more than ``at_risk_days``
    - Active: everyone else
    """

    new_days: int = 90
    at_risk_days: int = 180
    churn_days: int = 365


@dataclass
class CustomerView:
    """The built view plus the facts the header and summaries show."""

    frame: pl.DataFrame  # one row per customer; columns named as in DESIGN.md
    as_of: date
    first_date: date  # earliest transaction date
    last_date: date  # latest transaction date (of the transactions used)
    transactions: int  # transaction rows used
    has_time: bool  # whether order dates carry a time of day (top_daypart exists)
    #: one-line notices ("left out 12 transactions dated after the as-of date 2011-01-01")
    notices: list[str] = field(default_factory=list)
    #: attribute columns in ``frame`` (after the metrics), in input order
    attributes: list[str] = field(default_factory=list)


def lifecycle_expr(lifecycle: Lifecycle) -> pl.Expr:
    """Expression computing the ``lifecycle`` column from recency_days and tenure_days.

    Works on an already-built customer frame, so changing the windows needs no rebuild.

    Parameters
    ----------
    lifecycle
        The windows, in days.

    Returns
    -------
    pl.Expr
        A String expression named ``lifecycle``: New, Active, At risk or Churned.

    Examples
    --------
    >>> df = pl.DataFrame({"recency_days": [10, 200, 400, 5], "tenure_days": [500, 500, 500, 30]})
    >>> df.select(lifecycle_expr(Lifecycle()))["lifecycle"].to_list()
    ['Active', 'At risk', 'Churned', 'New']
    """
    recency = pl.col("recency_days")
    return (
        pl.when(pl.col("tenure_days") <= lifecycle.new_days)
        .then(pl.lit("New"))
        .when(recency > lifecycle.churn_days)
        .then(pl.lit("Churned"))
        .when(recency > lifecycle.at_risk_days)
        .then(pl.lit("At risk"))
        .otherwise(pl.lit("Active"))
        .alias("lifecycle")
    )


Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def with_scores(frame: Frame) -> Frame:
    """``frame`` with r_score, f_score, m_score, rfm and revenue_percentile added.

    They rank over the whole frame, so run this on the full customer view.

    Returns
    -------
    DataFrame or LazyFrame
        ``r_score``, ``f_score``, ``m_score`` (Int8, 1–5, 5 = best), ``rfm`` (String) and
        ``revenue_percentile`` (Float64 in (0, 1)); ties as the module docstring says.

    Examples
    --------
    >>> df = pl.DataFrame({"recency_days": [1, 50, 50, 300, 9],
    ...                    "orders": [5, 1, 1, 1, 2], "revenue": [500.0, 20.0, 20.0, 5.0, 80.0]})
    >>> with_scores(df)["rfm"].to_list()
    ['555', '222', '222', '121', '444']
    """
    twice_n = pl.len().cast(pl.Int64) * 2

    def twice_share(values: pl.Expr, *, smaller_is_better: bool = False) -> pl.Expr:
        # 2 * (average rank) - 1 = 2 * below + tied: an integer, so the score below is exact.
        # A "min" rank put a tied group at the bottom of its span (everyone bought on the
        # last day -> everyone r_score 1); a "max" rank would lift the many one-order
        # customers to the middle frequency score. The average is neither.
        return (values.rank("average", descending=smaller_is_better) * 2 - 1).cast(pl.Int64)

    def quintile(twice: pl.Expr) -> pl.Expr:
        return ((twice * 5 + twice_n - 1) // twice_n).cast(pl.Int8)  # ceil(5 * share)

    # Revenue is a float sum: customers who spent the same money can differ in the last
    # bits depending on summation order. Ranking whole cents makes them tie, in any engine.
    money = twice_share((pl.col("revenue") * 100).round(0)).alias("__money_rank")
    scored = frame.with_columns(
        quintile(twice_share(pl.col("recency_days"), smaller_is_better=True)).alias("r_score"),
        quintile(twice_share(pl.col("orders"))).alias("f_score"),
        money,
    )
    # each rank once: as expressions of one another, every score ranked its column again
    r, f, m = pl.col("r_score"), pl.col("f_score"), quintile(pl.col("__money_rank"))
    return scored.with_columns(
        m.alias("m_score"),
        # one number to text, where joining three texts took a third of the scoring
        (r.cast(pl.Int16) * 100 + f.cast(pl.Int16) * 10 + m).cast(pl.String).alias("rfm"),
        # Polars divides by a scalar via its reciprocal (6/10 -> 0.6000000000000001); rounding
        # restores the exact fractions rules compare against (``revenue_percentile >= 0.6``).
        (pl.col("__money_rank").cast(pl.Float64) / twice_n).round(12).alias("revenue_percentile"),
    ).drop("__money_rank")


#: canonical columns no metric reads (amount already holds quantity × unit price): left out
#: of the lines a large file writes for its passes (8 % less to write at 10M lines)
_NOT_IN_VIEW = frozenset({"unit_price"})


def build_customers(
    transactions: Transactions | pl.LazyFrame,
    *,
    as_of: date | None = None,
    lifecycle: Lifecycle = Lifecycle(),
    as_of_source: str = "--as-of",
    memory: int | None = None,
) -> CustomerView:
    """Flatten transactions into one row per customer (collects once).

    Parameters
    ----------
    transactions
        Canonical transactions (see ``read/transactions.py``), or a bare LazyFrame with the canonical column
        names; then numeric ``discount`` is taken as money and any other non-canonical column
        as an attribute.
    as_of
        The reference date for recency / tenure; defaults to the day after the last
        transaction.  Transactions dated after it are left out (with a notice).
    lifecycle
        Windows for the ``lifecycle`` column.
    as_of_source
        Where ``as_of`` came from, for the error when it is before the data
        (``--as-of``, or ``rules.yaml: data.as_of``).
    memory
        Bytes the build may take (default ``memory.memory_budget()``: ``SEGTUI_MEMORY`` or a
        third of the machine's memory). A file that needs more in one pass is split by
        customer into passes (``memory.passes_for``), each on its own set of customers.

    Returns
    -------
    CustomerView
        ``frame`` holds customer_id, then the metrics in ``METRIC_COLUMNS`` order that the
        input supports, then the attributes.

    Raises
    ------
    SegtuiError
        When a required column is missing, there are no transactions, or ``as_of`` is before
        the first transaction.

    Examples
    --------
    >>> from datetime import datetime
    >>> lf = pl.LazyFrame({
    ...     "customer_id": ["a", "a", "b"], "order_id": ["1", "2", "3"],
    ...     "order_date": [datetime(2024, 1, 1), datetime(2024, 1, 11), datetime(2024, 1, 5)],
    ...     "amount": [10.0, 30.0, 5.0], "is_return": [False, False, False]})
    >>> view = build_customers(lf)
    >>> view.as_of
    datetime.date(2024, 1, 12)
    >>> view.frame.select("customer_id", "orders", "revenue", "recency_days").rows()
    [('a', 2, 40.0, 1), ('b', 1, 5.0, 7)]
    """
    if isinstance(as_of, datetime):  # a datetime is a date too, but compares only with datetimes
        as_of = as_of.date()
    lf, discount_kind, attributes = _unpack(transactions)
    schema = lf.collect_schema()
    notices: list[str] = []
    attributes = _safe_attributes(attributes, schema, notices)
    # carry only what the view uses: columns left out stay out of every plan below
    sources = {column for column, _ in attributes}
    kept = [c for c in schema if (c in CANONICAL_COLUMNS and c not in _NOT_IN_VIEW) or c in sources]
    lf = lf.select(kept)
    lines = _normalise(lf, schema)

    used = lines
    if as_of is not None and as_of < date.max:  # nothing is after date.max, whose next day overflows
        day_after = datetime.combine(as_of + timedelta(days=1), datetime.min.time())
        used = lines.filter(pl.col("order_date") < day_after)

    head = transactions.head if isinstance(transactions, Transactions) else None
    head = lines.head(HEAD_LINES) if head is None else _normalise(head.select(kept), schema)
    domains = _domains(head, schema, attributes)
    memory = memory_budget() if memory is None else memory
    coded = _coded(used, schema, attributes, domains)
    with _parts(coded, *_spill(transactions, coded, memory)) as parts:
        customers, facts, counted, unit = _build(parts, lines if as_of is not None else None, schema,
                                                 discount_kind, attributes, domains)
    customers = _recount(customers, used, schema, attributes, domains)
    if facts["used_rows"] == 0:  # nothing on or before as_of: is there anything at all?
        first_date = lines.select(pl.col("order_date").min().dt.date()).collect().item()
        if first_date is None:
            raise SegtuiError("no transactions to build customers from", title=_TITLE)
        message = f"{as_of_source} {as_of} is before the first transaction ({first_date})"
        raise SegtuiError(message, title="Bad as-of date")
    first_date: date = facts["first_date"]
    if as_of is None:
        as_of = facts["used_last_date"] + timedelta(days=1)
    elif counted[0].item() > facts["used_rows"]:
        after = counted[0].item() - facts["used_rows"]
        notices.append(f"left out {after:,} transactions dated after the as-of date {as_of}")
    has_time = bool(facts["has_time"])

    frame = _finish(customers, as_of, lifecycle, schema, has_time, attributes, unit)
    del customers  # the view's columns now: a large view's sort frees each as it goes
    frame = _sorted_by_id(frame, memory)
    return CustomerView(
        frame=frame,
        as_of=as_of,
        first_date=first_date,
        last_date=facts["used_last_date"],
        transactions=facts["used_rows"],
        has_time=has_time,
        notices=notices,
        attributes=[name for _, name in attributes],
    )


# --------------------------------------------------------------------------- input


def _unpack(transactions: Transactions | pl.LazyFrame) -> tuple[pl.LazyFrame, str | None, list[str] | None]:
    """The lazy frame, the discount kind ("amount"/"flag"/None) and known attribute names."""
    if isinstance(transactions, Transactions):
        return transactions.frame, transactions.discount_kind, list(transactions.attributes)
    if isinstance(transactions, pl.DataFrame):
        return transactions.lazy(), "infer", None
    return transactions, "infer", None


def _build(
    parts: list[pl.LazyFrame],
    lines: pl.LazyFrame | None,
    schema: pl.Schema,
    discount_kind: str | None,
    attributes: list[tuple[str, str]],
    domains: dict[str, list[str]],
) -> tuple[pl.DataFrame, dict[str, object], list[pl.DataFrame], int]:
    """The customers of every part, the file's facts, the count of ``lines`` (when given:
    lines after as_of are only counted, for the notice) and the money unit summed in."""
    def collect(unit: int, per_word: int) -> tuple[pl.DataFrame, dict[str, object], list[pl.DataFrame]]:
        plans = [_customer_plan(part, schema, discount_kind, attributes, unit, domains, per_word) for part in parts]
        if lines is not None:
            plans.append(lines.select(pl.len().alias("rows")))
        try:
            if len(parts) == 1:
                customers, *counted = pl.collect_all(plans)
            else:  # one set of customers at a time: that is the point of the passes
                frames = [plan.collect() for plan in plans]
                customers, counted = pl.concat(frames[: len(parts)]), frames[len(parts):]
        except pl.exceptions.PolarsError as exc:  # bad values that only show when computing
            raise SegtuiError(f"cannot build the customer view: {first_line(exc)}", title=_TITLE) from exc
        return *_facts(customers), counted

    per_word = PER_WORD
    for unit in _MONEY_UNITS:
        customers, facts, counted = collect(unit, per_word)
        if per_word > 1 and (facts["most_lines"] or 0) > FIELD_MAX:  # None: no lines
            per_word = 1  # a count may have overflowed its field: a word per value, once more
            customers, facts, counted = collect(unit, per_word)
        # Integer sums wrap silently on overflow; the absolute total bounds every sum.
        if money_unit(facts["money"]) == unit:
            return customers, facts, counted, unit
    raise SegtuiError(
        f"the amounts add up to {facts['money']:,.0f} in all, more than can be added up "
        f"exactly in cents ({_MONEY_LIMIT // 100:,}); check the amount column's unit",
        title=_TITLE,
    )


def _spill(transactions: Transactions | pl.LazyFrame, coded: pl.LazyFrame, memory: int) -> tuple[int, str | None]:
    """How many passes the build takes and how their lines are compressed.

    The passes are as many as the budget ``memory`` needs (``_passes``), and more when the
    lines can be written uncompressed (``memory.spill_compression``, on the disk of
    ``TMPDIR``): passes then cost no time, so each holds at most ``memory.PASS_BYTES`` of
    lines. Not for lines the validation pass already holds in memory: writing those out
    saves nothing.
    """
    passes = _passes(transactions, memory)
    if not isinstance(transactions, Transactions):  # one pass: nothing says how many lines
        return passes, "lz4"
    thrifty = 1 if transactions.in_memory else thrifty_passes(transactions.rows)
    if max(passes, thrifty) == 1:  # also whenever the line count is unknown
        return 1, "lz4"
    spill = _spill_bytes(coded.collect_schema(), transactions.rows or 0)
    compression = spill_compression(spill, memory, shutil.disk_usage(tempfile.gettempdir()).free)
    return (max(passes, thrifty) if compression is None else passes), compression


def _passes(transactions: Transactions | pl.LazyFrame, memory: int) -> int:
    """How many passes over the lines keep the build within ``memory`` bytes.

    Examples
    --------
    >>> tx = Transactions(frame=pl.LazyFrame(), source=None, mapping={}, rows=100_000_000, customers=10_000_000)
    >>> _passes(tx, 8 * 2**30), _passes(tx, 64 * 2**30), _passes(pl.LazyFrame(), 2**30)
    (5, 1, 1)
    """
    if not isinstance(transactions, Transactions):
        return 1
    return passes_for(transactions.rows, transactions.customers, memory)


#: bytes a line of each kind of column takes in the passes' files, uncompressed (text:
#: its 16-byte view and as much again for text longer than 12 bytes; other columns not
#: named in ``_NARROW``: 8)
_SPILL_TEXT_BYTES = 32
_NARROW = {pl.Boolean: 1, pl.UInt8: 1, pl.Int8: 1, pl.UInt16: 2, pl.Int16: 2,
           pl.UInt32: 4, pl.Int32: 4, pl.Float32: 4, pl.Date: 4}


def _spill_bytes(schema: pl.Schema, lines: int) -> int:
    """An upper estimate of the bytes ``lines`` lines of ``schema`` take written uncompressed.

    Examples
    --------
    >>> _spill_bytes(pl.Schema({"customer_id": pl.String, "amount": pl.Float64, "c": pl.UInt8}), 10)
    410
    """
    def width(dtype: pl.DataType) -> int:
        if dtype.is_numeric() or dtype.is_temporal() or dtype == pl.Boolean:
            return _NARROW.get(dtype.base_type(), 8)
        return _SPILL_TEXT_BYTES

    return lines * sum(width(dtype) for dtype in schema.values())



#: the passes' directories being written or read (``remove_spills``)
_SPILLS: set[str] = set()


@contextmanager
def _spilling(directory: str) -> Iterator[None]:
    _SPILLS.add(directory)
    try:
        yield
    finally:
        _SPILLS.discard(directory)


def remove_spills() -> None:
    """Remove the passes' directories of builds still running, for a process about to end
    without unwinding them (the app's ``os._exit`` on quit while loading): 10M lines leave
    ~700 MB there.

    Examples
    --------
    >>> remove_spills()  # nothing being built: nothing to do
    """
    for directory in list(_SPILLS):
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def _parts(used: pl.LazyFrame, passes: int, compression: str | None = "lz4") -> Iterator[list[pl.LazyFrame]]:
    """``used`` split into ``passes`` disjoint sets of whole customers (by a hash of the id).

    The lines are written once to a temporary directory (``TMPDIR``), a set of files per
    part, removed afterwards: each pass then reads only its own lines, already cleaned,
    where filtering the file again per pass re-read and re-parsed all of it every time
    (+25 % CPU for three passes at 10M lines, against +13 %), with ``compression``
    (``_spill``).
    """
    if passes == 1:
        yield [used]
        return
    with tempfile.TemporaryDirectory(prefix="segtui-passes-") as tmp, _spilling(tmp):
        target = pl.PartitionBy(tmp, key=(pl.col("customer_id").hash() % passes).alias("part"), include_key=False)
        try:
            used.sink_ipc(target, compression=compression, mkdir=True)
        except pl.exceptions.PolarsError as exc:
            raise SegtuiError(f"cannot build the customer view: {first_line(exc)}", title=_TITLE) from exc
        except OSError as exc:  # a full disk, most likely
            raise SegtuiError(
                f"cannot write the customer view's passes to {tmp}: {exc.strerror or exc}; "
                "set TMPDIR to a disk with room, or SEGTUI_MEMORY higher",
                title=_TITLE,
            ) from exc
        yield [pl.scan_ipc(Path(part) / "*") for part in sorted(Path(tmp).iterdir())]


def _normalise(lf: pl.LazyFrame, schema: pl.Schema) -> pl.LazyFrame:
    """Check required columns and bring order_date / order_id / is_return to canonical form."""
    missing = [c for c in ("customer_id", "order_date", "amount") if c not in schema]
    if missing:
        raise SegtuiError(
            f"transactions have no {', '.join(missing)} column; map one with --map ROLE=COLUMN",
            title=_TITLE,
        )
    fixes: list[pl.Expr] = []
    dtype = schema["order_date"]
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None or dtype.time_unit != "us":
            # wall-clock time is what dayparts and calendar dates mean to the analyst
            fixes.append(pl.col("order_date").dt.replace_time_zone(None).cast(pl.Datetime("us")))
    elif dtype == pl.Date:
        fixes.append(pl.col("order_date").cast(pl.Datetime("us")))
    else:
        raise SegtuiError(
            f"order_date must be a date or datetime, not {dtype}; give --date-format",
            title=_TITLE,
        )
    if schema["customer_id"] != pl.String:
        fixes.append(pl.col("customer_id").cast(pl.String))
    if "order_id" not in schema:
        # no order id: every row is its own order
        fixes.append(pl.int_range(pl.len()).cast(pl.String).alias("order_id"))
    elif schema["order_id"] != pl.String:
        fixes.append(pl.col("order_id").cast(pl.String))
    if "is_return" not in schema:
        fixes.append((pl.col("amount") < 0).alias("is_return"))
    if schema["amount"] != pl.Float64:
        fixes.append(pl.col("amount").cast(pl.Float64))
    return lf.with_columns(fixes) if fixes else lf


def _safe_attributes(known: list[str] | None, schema: pl.Schema, notices: list[str]) -> list[tuple[str, str]]:
    """(column, output name) of the attributes in input order, at most ``MAX_ATTRIBUTES``.

    Nested dtypes (no "most frequent") are skipped; a name that is already a metric gets an
    ``_attr`` suffix so that rule files keep meaning the metric.
    """
    names = [c for c in schema if c not in CANONICAL_COLUMNS]
    if known is not None:  # keep the reader's order, then anything it did not list
        listed = set(known)  # a set: 10,000 columns against a list took a second
        names = [c for c in known if c in schema] + [c for c in names if c not in listed]
    kept: list[tuple[str, str]] = []
    for name in names:
        if schema[name].is_nested() or schema[name] == pl.Object:
            notices.append(f"attribute column {name!r} holds nested values; left out of the customer view")
        elif name in METRIC_COLUMNS or name.startswith("_"):
            notices.append(f"attribute column {name!r} is named like a metric; it is called {name}_attr")
            kept.append((name, f"{name}_attr"))
        else:
            kept.append((name, name))
    if len(kept) > MAX_ATTRIBUTES:
        first_left_out = kept[MAX_ATTRIBUTES][0]
        notices.append(
            f"kept the first {MAX_ATTRIBUTES} of {len(kept):,} attribute columns; left out "
            f"{len(kept) - MAX_ATTRIBUTES:,} (from {first_left_out!r} on)"
        )
        kept = kept[:MAX_ATTRIBUTES]
    return kept


def _discount_flag(schema: pl.Schema) -> pl.Expr:
    """True on lines that carry a discount (a positive number, or a non-empty code)."""
    if schema["discount"].is_numeric():
        return pl.col("discount").fill_null(0) > 0
    return pl.col("discount").cast(pl.String).str.strip_chars().fill_null("") != ""


def _has_discount_amount(schema: pl.Schema, discount_kind: str | None) -> bool:
    if "discount" not in schema:
        return False
    if discount_kind == "infer":
        return schema["discount"].is_numeric()
    return discount_kind == "amount"


# --------------------------------------------------------------------------- the plan


#: File-level facts aggregated per order (``_fact_order_aggs``), then per customer
#: (``_fact_customer_aggs``), then over the customers by ``_facts``.
_FACTS = ("__lines", "__first", "__last", "__money", "__timed")


def _fact_order_aggs(schema: pl.Schema) -> list[pl.Expr]:
    """Per order: lines, last line time, the absolute money (bounds every integer sum), whether
    a line has a time of day.  The first line time is the order's ``ts`` already."""
    moment = pl.col("order_date")
    money = pl.col("amount").abs()
    if "discount" in schema and schema["discount"].is_numeric():
        money = money + pl.col("discount").abs().fill_null(0)
    return [
        pl.len().cast(pl.Int64).alias("__lines"),
        moment.max().alias("__last"),
        money.sum().alias("__money"),
        (moment.dt.epoch("us") % _DAY_US != 0).any().alias("__timed"),
    ]


def _fact_customer_aggs() -> list[pl.Expr]:
    return [
        pl.col("__lines").sum(),
        pl.col("ts").min().alias("__first"),
        pl.col("__last").max(),
        pl.col("__money").sum(),
        pl.col("__timed").any(),
    ]


def _facts(customers: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, object]]:
    """The customers without the fact columns, and the file-level facts: date range and rows
    of the lines used, the most lines of a customer (bounds every count), whether times are
    present, and ``money``, the absolute total of every money column (bounds each integer sum)."""
    row = customers.select(
        used_rows=pl.col("__lines").sum(),
        most_lines=pl.col("__lines").max(),
        first_date=pl.col("__first").min().dt.date(),
        used_last_date=pl.col("__last").max().dt.date(),
        money=pl.col("__money").sum(),
        has_time=pl.col("__timed").any(),
    ).row(0, named=True)
    return customers.drop(_FACTS), row


def _money_units(value: pl.Expr, unit: int = _MONEY_UNIT) -> pl.Expr:
    """A money expression as a whole number of ``unit``s per currency unit (Int64), exact to sum.

    A value too large for Int64 becomes null rather than failing: ``build_customers`` then
    sees the total is too large for this unit and tries a coarser one.

    Examples
    --------
    >>> pl.select(_money_units(pl.lit(111.74)) * 2).item()
    223480000
    """
    return (value * unit).round(0).cast(pl.Int64, strict=False)


def _from_money_units(name: str, unit: int = _MONEY_UNIT) -> pl.Expr:
    """Column ``name`` back from money units to Float64, the double nearest the exact decimal.

    Polars divides by a scalar through its reciprocal, which is off by one bit for some
    values; rounding to the unit's decimals lands on the nearest double again.

    Examples
    --------
    >>> pl.DataFrame({"r": [223480000, -30300000, 0]}).select(_from_money_units("r"))["r"].to_list()
    [223.48, -30.3, 0.0]
    """
    return (pl.col(name) / unit).round(6).alias(name)


def money_unit(total: float | None) -> int | None:
    """The finest of ``_MONEY_UNITS`` in which money whose absolute total is ``total`` sums
    exactly in an Int64, or None when even cents overflow.

    Examples
    --------
    >>> money_unit(1234.5), money_unit(1e14), money_unit(1e18)
    (1000000, 100, None)
    """
    for unit in _MONEY_UNITS:
        if (total or 0) * unit < _MONEY_LIMIT:
            return unit
    return None


def finish_money(customers: pl.DataFrame, unit: int) -> pl.DataFrame:
    """Money sums held in whole ``unit``s (``_MONEY_SUMS``) back to currency, plus
    ``q4_revenue_share`` from ``_q4``, and ``items`` as Int64 when every value is whole.

    Shared with every other path that builds view columns (drift's running totals), so
    that the definitions cannot drift apart.

    Examples
    --------
    >>> df = pl.DataFrame({"revenue": [223_480_000, 0], "_q4": [111_740_000, 0], "items": [4.0, 1.0]})
    >>> finish_money(df, 1_000_000).rows()
    [(223.48, 111.74, 4, 0.5), (0.0, 0.0, 1, None)]
    """
    # A share needs a positive total: revenue that prints as 0.00 gave shares like 1e16,
    # and a negative net (returns outweigh purchases) gave shares of the wrong sign.
    q4_share = pl.when(pl.col("revenue") > unit // 200).then(pl.col("_q4") / pl.col("revenue"))
    customers = customers.with_columns(
        *(_from_money_units(c, unit) for c in _MONEY_SUMS if c in customers.columns),
        *([q4_share.alias("q4_revenue_share")] if "_q4" in customers.columns else []),
    )
    if "items" in customers.columns and customers.schema["items"].is_float():
        items = customers["items"]
        if (items == items.round(0)).all() and items.abs().max() < 2**53:
            customers = customers.with_columns(pl.col("items").cast(pl.Int64))
    return customers


def _domains(head: pl.LazyFrame, schema: pl.Schema, attributes: list[tuple[str, str]]) -> dict[str, list[str]]:
    """The sorted distinct values, in the first lines (``head``, about ``HEAD_LINES``), of each
    text column the view counts per value.

    Only columns with few values are kept: at most ``MAX_COUNTED_VALUES`` for a column whose
    most frequent value the view reports, ``_BITS`` for ``product`` (a distinct count only).
    A value first seen later is counted as unknown in the main pass, and that column is
    then counted over the lines instead (``_recount``): a pass over the whole file to find
    the values cost about 4 s at 10M lines and held every value at 100M.

    Examples
    --------
    >>> lf = pl.LazyFrame({"category": ["b", "a", None, "b"], "product": ["p", "q", "p", "r"]})
    >>> _domains(lf, lf.collect_schema(), [])
    {'category': ['a', 'b'], 'product': ['p', 'q', 'r']}
    """
    limits = {column: MAX_COUNTED_VALUES for column, _ in _mode_columns(schema, attributes)}
    if "product" in schema:
        limits["product"] = _BITS
    limits = {c: n for c, n in limits.items() if schema[c] == pl.String}
    if not limits:
        return {}
    row = head.select(pl.col(c).drop_nulls().unique().implode() for c in limits).collect().row(0)
    return {c: sorted(values) for (c, n), values in zip(limits.items(), row) if 0 < len(values) <= n}


def _mode_columns(schema: pl.Schema, attributes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(column, output name) of every column whose most frequent value is a view column."""
    modes = [(c, name) for c, name in (("category", "top_category"), ("channel", "top_channel")) if c in schema]
    return modes + attributes


def _code(column: str, values: list[str]) -> pl.Expr:
    """Position of each value of ``column`` in ``values`` (UInt), null for null or another value."""
    return pl.col(column).cast(pl.Enum(values), strict=False).to_physical()


def _unknown_name(column: str, domains: dict[str, list[str]]) -> str:
    return f"__u{list(domains).index(column)}"


def _counted(modes: list[tuple[str, str]], domains: dict[str, list[str]]) -> list[tuple[str, str, list[str], list[str]]]:
    """(column, output name, count column per value, values) of the mode columns counted per value."""
    return [
        (column, name, [f"__n{j}_{i}" for i in range(len(domains[column]))], domains[column])
        for j, (column, name) in enumerate(modes)
        if column in domains
    ]


def _coded(
    lines: pl.LazyFrame, schema: pl.Schema, attributes: list[tuple[str, str]], domains: dict[str, list[str]]
) -> pl.LazyFrame:
    """``lines`` with each text column of ``domains`` replaced by its code, as
    ``_customer_plan`` reads them: ``__c<j>`` (UInt8, the value's position, ``len(values)``
    for a value first seen after the head) per counted column, ``__cp`` (null for an unknown
    product) and its unknown flag for ``product``.

    Coded before the lines are written for the passes: a byte a line where the text took
    16 or more (10M lines: 302 instead of 186 MB written, 0.3 instead of 0.9 s to read back).

    Examples
    --------
    >>> lf = pl.LazyFrame({"customer_id": ["a", "a"], "category": ["y", "z"]})
    >>> _coded(lf, lf.collect_schema(), [], {"category": ["x", "y"]}).collect().rows()
    [('a', 1), ('a', 2)]
    """
    if not domains:
        return lines
    codes: list[pl.Expr] = []
    for j, (column, _, _, values) in enumerate(_counted(_mode_columns(schema, attributes), domains)):
        known = _code(column, values)
        codes.append(pl.coalesce(known, pl.when(pl.col(column).is_not_null()).then(len(values)))
                     .cast(pl.UInt8).alias(f"__c{j}"))
    flags: list[pl.Expr] = []
    if "product" in domains:
        codes.append(_code("product", domains["product"]).alias("__cp"))
        # from the code column: naming the cast twice would cast twice
        unknown = pl.col("product").is_not_null() & pl.col("__cp").is_null()
        flags.append(unknown.cast(pl.UInt32).alias(_unknown_name("product", domains)))
    return lines.with_columns(codes).with_columns(flags).drop(domains)


def _customer_plan(
    used: pl.LazyFrame,
    schema: pl.Schema,
    discount_kind: str | None,
    attributes: list[tuple[str, str]],
    unit: int,
    domains: dict[str, list[str]] | None = None,
    per_word: int = PER_WORD,
) -> pl.LazyFrame:
    """Per-order aggregation, then per-customer, then line-level mixes and attributes joined on.

    Columns with few values (``domains``) are counted per value in the per-order pass, so
    that their most frequent value and distinct count need no pass over the lines of their
    own: a group_by over 10M lines per column was most of the view's time. The counts are
    summed ``per_word`` to a word (``packed.py``). ``used`` holds those columns as their
    codes (``_coded``).
    """
    domains = domains or {}
    modes = _mode_columns(schema, attributes)
    counted = _counted(modes, domains)
    line_columns: list[pl.Expr] = []
    words: list[str] = []
    unpacked: list[pl.Expr] = []
    for j, (column, _, count_names, values) in enumerate(counted):
        # a field per value, and one more for a value first seen after the head (``_recount``)
        fields = list(range(len(values) + 1))
        line_columns += count_words(pl.col(f"__c{j}"), fields, f"__w{j}_", per_word)
        words += word_names(f"__w{j}_", len(fields), per_word)
        unpacked += unpacked_counts(f"__w{j}_", [*count_names, _unknown_name(column, domains)], per_word)
    product_bits = "product" in domains
    if product_bits:  # one bit per product: the distinct count is the bits set
        line_columns.append(pl.lit(2, pl.UInt64).pow(pl.col("__cp")).alias("__products"))
    if line_columns:
        used = used.with_columns(*line_columns)

    amount, buy_line = _money_units(pl.col("amount"), unit), ~pl.col("is_return").fill_null(False)
    order_aggs = [
        pl.col("order_date").min().alias("ts"),
        amount.sum().alias("revenue"),
        amount.clip(lower_bound=0).sum().alias("gross"),
        amount.clip(upper_bound=0).sum().alias("returned"),
        pl.when(pl.col("order_date").dt.month() >= 10).then(amount).otherwise(0).sum().alias("q4"),
        buy_line.any().alias("buy"),
    ]
    if "quantity" in schema:
        order_aggs.append(pl.when(buy_line).then(pl.col("quantity")).otherwise(0).sum().alias("items"))
    if "discount" in schema:
        order_aggs.append((_discount_flag(schema) & buy_line).any().alias("discounted"))
        if _has_discount_amount(schema, discount_kind):
            order_aggs.append(_money_units(pl.col("discount"), unit).sum().alias("discount_amount"))
    # the counts and bits add up per order, then per customer: no pass over the lines of their own
    counted_aggs = [pl.col(n).sum() for n in words]
    if product_bits:
        counted_aggs.append(pl.col(_unknown_name("product", domains)).sum())
    if product_bits:
        counted_aggs.append(pl.col("__products").bitwise_or())
    order_aggs += counted_aggs
    order_aggs += _fact_order_aggs(schema)

    orders = used.group_by("customer_id", "order_id").agg(order_aggs).with_columns(
        pl.col("ts").dt.date().alias("day"),
        # occasion values only for purchases; nulls drop out of the counts below
        pl.when("buy").then(pl.col("ts")).alias("buy_ts"),
        pl.when("buy").then(pl.col("ts").dt.date()).alias("buy_day"),
    ).with_columns(_occasion_words(per_word))
    # Two branches read the orders; without an explicit cache projection pushdown makes
    # them differ and the most expensive aggregation would run twice.
    orders = orders.cache()
    customers = orders.group_by("customer_id").agg(
        *_customer_aggs(schema, discount_kind, per_word), *counted_aggs, *_fact_customer_aggs()
    )
    customers = _occasion_counts(customers, per_word).with_columns(unpacked).drop(words)
    # The second purchase day needs the first one per customer; joining it back is cheaper
    # than a nested per-group aggregation (about half the extra cost, measured at 1M customers).
    second = (
        orders.join(customers.select("customer_id", "_first_buy"), on="customer_id")
        .filter(pl.col("buy_day") > pl.col("_first_buy"))
        .group_by("customer_id")
        .agg(pl.col("buy_day").min().alias("_second_day"))
    )
    customers = customers.join(second, on="customer_id", how="left")
    customers = _top_of_counts(customers).drop(_count_columns())
    customers = _counted_columns(customers, counted, product_bits)

    line_aggs = []
    if "product" in schema and not product_bits:
        line_aggs.append(pl.col("product").drop_nulls().n_unique().alias("distinct_products"))
    if "category" in schema and "category" not in domains:
        line_aggs.append(pl.col("category").drop_nulls().n_unique().alias("distinct_categories"))
    line_aggs += [_most_frequent(column).alias(name) for column, name in modes if column not in domains]
    if line_aggs:
        # One pass and one join for every line-level value: a group_by and join per
        # attribute made the plan grow with the columns (1,000 attributes: 19 s for one row).
        customers = customers.join(used.group_by("customer_id").agg(line_aggs), on="customer_id", how="left")
    return customers


def _customer_aggs(schema: pl.Schema, discount_kind: str | None, per_word: int = PER_WORD) -> list[pl.Expr]:
    """Per-customer aggregations over the per-order frame."""
    buy, day = pl.col("buy"), pl.col("day")
    buy_day = pl.col("buy_day")  # null on return-only orders
    first_buy = buy_day.min()
    aggs = [
        buy.sum().cast(pl.Int64).alias("orders"),
        pl.col("revenue").sum(),
        pl.col("gross").sum().alias("gross_revenue"),
        (-pl.col("returned").sum()).alias("returns_amount"),
        pl.col("q4").sum().alias("_q4"),
        pl.coalesce(first_buy, day.min()).alias("first_order_date"),
        pl.coalesce(buy_day.max(), day.max()).alias("last_order_date"),
        buy_day.drop_nulls().n_unique().cast(pl.Int64).alias("purchase_days"),
        first_buy.alias("_first_buy"),
    ]
    if "quantity" in schema:
        aggs.append(pl.col("items").sum())
    if "discount" in schema:
        aggs.append((pl.col("discounted") & buy).sum().cast(pl.Int64).alias("discount_orders"))
        if _has_discount_amount(schema, discount_kind):
            aggs.append(pl.col("discount_amount").sum())
    # one count per weekday / month / daypart (``_occasion_words``): no extra group_by per "top"
    aggs += [pl.col(word).sum() for word in _occasion_word_names(per_word)]
    return aggs


def _occasion_word_names(per_word: int) -> list[str]:
    """The words ``_occasion_words`` counts weekdays, months and dayparts in."""
    return [word for p, keys, _ in _TOPS.values() for word in word_names(f"{p}w", len(keys), per_word)]


def _occasion_codes() -> dict[str, tuple[pl.Expr, list[int]]]:
    """Per ``_TOPS`` prefix: the order's code (null for a return-only order) and the field of each code."""
    ts = pl.col("buy_ts")
    daypart_of = {hour: i for i, hours in enumerate(DAYPARTS.values()) for hour in hours}
    return {
        "_wd": (ts.dt.weekday() - 1, list(range(7))),
        "_mo": (ts.dt.month() - 1, list(range(12))),
        "_dp": (ts.dt.hour(), [daypart_of[hour] for hour in range(24)]),
    }


def _occasion_words(per_word: int) -> list[pl.Expr]:
    """Per order: the words counting its weekday, month and daypart."""
    return [
        word for p, (code, fields) in _occasion_codes().items()
        for word in count_words(code, fields, f"{p}w", per_word)
    ]


def _occasion_counts(customers: pl.LazyFrame, per_word: int) -> pl.LazyFrame:
    """``customers`` with the count per weekday / month / daypart (``_TOPS``) and of weekend
    orders, instead of the words they were summed in."""
    counts = [
        count for p, keys, _ in _TOPS.values()
        for count in unpacked_counts(f"{p}w", [f"{p}{k}" for k in keys], per_word)
    ]
    weekend = (pl.col("_wd6") + pl.col("_wd7")).alias("_weekend_orders")
    return customers.with_columns(counts).drop(_occasion_word_names(per_word)).with_columns(weekend)


def _count_columns() -> list[str]:
    return [f"{p}{k}" for p, keys, _ in _TOPS.values() for k in [*keys, "max"]]


_TOPS = {  # output name -> (count column prefix, keys, values)
    "top_weekday": ("_wd", list(range(1, 8)), list(range(1, 8))),
    "top_month": ("_mo", list(range(1, 13)), list(range(1, 13))),
    "top_daypart": ("_dp", list(DAYPARTS), list(DAYPARTS)),
}


def _top_of_counts(customers: pl.LazyFrame) -> pl.LazyFrame:
    """top_weekday / top_month / top_daypart from the count columns; ties to the first key.

    Plain column operations in two steps: a concat_list + arg_max, or a when/then nested in
    another when/then, each took seconds at 1M customers.
    """
    has_orders = pl.col("orders") > 0
    customers = customers.with_columns(
        # null maximum for customers without orders makes every comparison below null
        pl.when(has_orders).then(pl.max_horizontal([pl.col(f"{p}{k}") for k in keys])).alias(f"{p}max")
        for p, keys, _ in _TOPS.values()
    )
    return customers.with_columns(
        pl.coalesce(
            [pl.when(pl.col(f"{p}{k}") == pl.col(f"{p}max")).then(pl.lit(v)) for k, v in zip(keys, values)]
        ).alias(name)
        for name, (p, keys, values) in _TOPS.items()
    ).with_columns(pl.col("top_weekday", "top_month").cast(pl.Int8))


def _counted_columns(
    customers: pl.LazyFrame, counted: list[tuple[str, str, list[str], list[str]]], product_bits: bool
) -> pl.LazyFrame:
    """The most frequent value of each counted column (ties to the smallest, as
    ``_most_frequent``), ``distinct_categories`` from the category counts and
    ``distinct_products`` from the product bits; the count columns dropped."""
    columns: list[pl.Expr] = []
    for column, name, count_names, values in counted:
        counts = [pl.col(n) for n in count_names]
        top = pl.max_horizontal(counts)
        # values are sorted, so the first count equal to the largest is the smallest value
        first = pl.coalesce([pl.when(c == top).then(pl.lit(v, pl.String)) for c, v in zip(counts, values)])
        columns.append(pl.when(top > 0).then(first).alias(name))
        if column == "category":
            distinct = pl.sum_horizontal([(c > 0).cast(pl.UInt32) for c in counts]).cast(pl.UInt32)
            columns.append(distinct.alias("distinct_categories"))
    if product_bits:
        columns.append(pl.col("__products").bitwise_count_ones().fill_null(0).alias("distinct_products"))
    if not columns:
        return customers
    dropped = [n for _, _, names, _ in counted for n in names] + (["__products"] if product_bits else [])
    # the __u<i> columns stay: build_customers checks them (``_recount``)
    return customers.with_columns(columns).drop(dropped)


def _recount(
    customers: pl.DataFrame,
    used: pl.LazyFrame,
    schema: pl.Schema,
    attributes: list[tuple[str, str]],
    domains: dict[str, list[str]],
) -> pl.DataFrame:
    """``customers`` with the columns whose values were not all in ``domains`` counted again
    over the lines (the unknown-value columns dropped).

    Examples
    --------
    >>> lines = pl.LazyFrame({"customer_id": ["a", "a", "a"], "category": ["x", "y", "y"]})
    >>> customers = pl.DataFrame({"customer_id": ["a"], "top_category": ["x"], "distinct_categories": [1], "__u0": [2]})
    >>> _recount(customers, lines, lines.collect_schema(), [], {"category": ["x"]}).rows()
    [('a', 'y', 2)]
    """
    names = {c: _unknown_name(c, domains) for c in domains}
    late = [c for c, name in names.items() if customers[name].sum()]
    customers = customers.drop(names.values())
    if not late:
        return customers
    outputs = dict(_mode_columns(schema, attributes))
    aggs = [_most_frequent(c).alias(outputs[c]) for c in late if c in outputs]
    if "category" in late:
        aggs.append(pl.col("category").drop_nulls().n_unique().alias("distinct_categories"))
    if "product" in late:
        aggs.append(pl.col("product").drop_nulls().n_unique().alias("distinct_products"))
    again = used.group_by("customer_id").agg(aggs).collect()
    order = customers.columns
    return customers.drop(c for c in again.columns if c != "customer_id").join(
        again, on="customer_id", how="left"
    ).select(order)


def _most_frequent(column: str) -> pl.Expr:
    """Aggregation: the most frequent non-null value of ``column``, ties to the smallest.

    Examples
    --------
    >>> df = pl.DataFrame({"c": ["a", "a", "a", "b"], "v": ["y", "x", "y", None]})
    >>> df.group_by("c", maintain_order=True).agg(_most_frequent("v")).rows()
    [('a', 'y'), ('b', None)]
    """
    return pl.col(column).drop_nulls().mode().min()


# --------------------------------------------------------------------------- finishing


def _finish(
    customers: pl.DataFrame,
    as_of: date,
    lifecycle: Lifecycle,
    schema: pl.Schema,
    has_time: bool,
    attributes: list[tuple[str, str]],
    unit: int,
) -> pl.DataFrame:
    """Metrics that need as_of or the whole population, then the contract's column order."""
    orders = pl.col("orders")
    per_order = pl.when(orders > 0)
    first, last = pl.col("first_order_date"), pl.col("last_order_date")
    customers = finish_money(customers, unit)
    frame = customers.with_columns(
        per_order.then(pl.col("revenue") / orders).alias("aov"),
        _days(pl.lit(as_of), last).alias("recency_days"),
        _days(pl.lit(as_of), first).alias("tenure_days"),
        _days(last, first).alias("active_span_days"),
        (pl.col("purchase_days") - 1).clip(lower_bound=0).alias("repeat_purchase_days"),
        pl.when(pl.col("purchase_days") > 1)
        .then(_days(last, first) / (pl.col("purchase_days") - 1))
        .alias("avg_days_between_orders"),
        _days(pl.col("_second_day"), first).alias("days_to_second_order"),
        per_order.then(pl.col("_weekend_orders") / orders).alias("weekend_order_share"),
    )
    if "discount" in schema:
        share = per_order.then(pl.col("discount_orders") / orders)
        frame = frame.with_columns(share.alias("discount_order_share"))
    frame = with_scores(frame).with_columns(lifecycle_expr(lifecycle))

    present = set(frame.columns)
    metrics = [m for m in METRIC_COLUMNS if m in present and (m != "top_daypart" or has_time)]
    return frame.select("customer_id", *metrics, *(name for _, name in attributes))


def _sorted_by_id(frame: pl.DataFrame, memory: int) -> pl.DataFrame:
    """``frame`` sorted by customer_id. A view too large for the memory budget to hold twice
    is gathered an eighth at a time (a few columns, in parallel), emptying ``frame`` as it
    goes (a whole-frame gather holds two copies: 2.3 GB more at 10M customers; a column at
    a time, on one core, took twice as long); a smaller one all at once.

    Examples
    --------
    >>> _sorted_by_id(pl.DataFrame({"customer_id": ["b", "a"], "n": [2, 1]}), 2**30).rows()
    [('a', 1), ('b', 2)]
    >>> _sorted_by_id(pl.DataFrame({"customer_id": ["b", "a"], "n": [2, 1]}), 0).rows()
    [('a', 1), ('b', 2)]
    """
    order = id_order(frame["customer_id"])
    if frame.estimated_size() * 4 <= memory:
        return frame[order]
    share = frame.estimated_size() / 8
    sorted_parts: list[pl.DataFrame] = []
    while frame.width:
        group, size = [], 0.0
        for name in frame.columns:
            if group and size + frame[name].estimated_size() > share:
                break
            group.append(name)
            size += frame[name].estimated_size()
        part = pl.DataFrame([frame.drop_in_place(name) for name in group])
        sorted_parts.append(part.select(pl.all().gather(order)))
        del part
    return pl.concat(sorted_parts, how="horizontal")


#: ids up to this many bytes are sorted as big-endian integer words (see ``id_order``)
_WORDS = 8


def id_order(ids: pl.Series) -> pl.Series:
    """The permutation that sorts text ``ids`` in byte order, as ``ids.arg_sort()``.

    Polars' arg_sort of text compares strings one pair at a time (1.0 s for 1M ids of
    8 bytes); ASCII ids without NUL, up to 64 bytes, are cut into 8-byte words padded with
    zero bytes, and sorting by those integers gives the same order (0.06 s).

    Examples
    --------
    >>> id_order(pl.Series(["b10", "b", "a9", "b1"])).to_list()
    [2, 1, 3, 0]
    >>> id_order(pl.Series(["é", "e"])).to_list()
    [1, 0]
    """
    lengths = ids.str.len_bytes()
    longest = lengths.max() or 0
    words = -(-longest // 8)
    plain = (
        0 < words <= _WORDS
        and ids.null_count() == 0
        and (lengths == ids.str.len_chars()).all()  # ASCII: characters are bytes
        and not ids.str.contains("\x00", literal=True).any()
    )
    if not plain:
        return ids.arg_sort()
    key = pl.col(ids.name).str.pad_end(8 * words, "\x00").cast(pl.Binary)
    parts = ids.to_frame().select(
        key.bin.slice(8 * j, 8).bin.reinterpret(dtype=pl.UInt64, endianness="big").alias(f"w{j}") for j in range(words)
    )
    # last word first, each next sort stable: one key at a time sorted 10M ids of two words
    # in 1.6 s, where arg_sort_by over both took 2.4 s
    order = parts[f"w{words - 1}"].arg_sort()
    for j in reversed(range(words - 1)):
        by_word = parts[f"w{j}"].gather(order).to_frame().select(pl.arg_sort_by(f"w{j}", maintain_order=True))
        order = order.gather(by_word.to_series())
    return order
