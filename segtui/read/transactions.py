"""Reading transaction files into a lazy frame with canonical column names.

Contract (relied on by ``customers.py``, the CLI and the TUI)
-------------------------------------------------------------
``read_transactions(path, columns=None, date_format=None) -> Transactions`` where
``Transactions.frame`` is a ``pl.LazyFrame`` with these columns:

=============  ==============  ==========================================================
column         dtype           meaning
=============  ==============  ==========================================================
customer_id    String          stripped; rows without one are dropped (with a notice)
order_id       String          source order id, or the row number when there is none
                               (" row 12" for a line whose order id cell is blank)
order_date     Datetime("us")  dates become midnight
amount         Float64         net line amount; negative for returns
is_return      Boolean         amount < 0, quantity < 0 or order id starting with "C"
quantity       Float64         only if mapped
unit_price     Float64         only if mapped
discount       Float64         only if mapped: an amount, or 1.0/0.0 for a flag/promo code
product        String          only if mapped
category       String          only if mapped
channel        String          only if mapped
<attributes>   as read         every other column, renamed to snake_case identifiers
=============  ==============  ==========================================================

Behaviour on messy input (each documented with a one-line notice or error)
--------------------------------------------------------------------------
- Formats by extension: .csv/.tsv/.txt (delimiter sniffed from the header line,
  optionally .gz), .parquet, .xlsx/.xlsm/.xls/.ods, .json (array), .jsonl/.ndjson,
  .arrow/.feather/.ipc.
- Customer and order ids are read as text (leading zeros kept), stripped; empty -> null.
  Rows without a customer id, or without an order date, are dropped with a notice;
  a line with a blank order id is an order of its own (with a notice).
- Amounts: numeric, or text in a common money format ("$1,234.00", "12,50",
  "(3.00)"); ``quantity × unit_price`` when there is no amount column.  NaN,
  infinite and amounts beyond ``MAX_AMOUNT`` are errors naming their row.
- Dates: native date/datetime, ISO, US or day-first (decided from the values),
  YYYYMMDD (text or integer), Unix seconds/milliseconds, "01-Dec-2010".
- Returns: negative amount or quantity, or an order id like "C536379"; their amount
  is made negative.
- A file that is not valid UTF-8 is read as cp1252/latin-1, with a notice; UTF-16/32
  (byte order mark) is re-encoded, and bare-CR line ends become lines.
- A blank amount counts as 0, with a notice; a repeated header name gets a notice
  naming the copy used; a ``.json`` file of JSON lines is read as such.
- Errors name the row where there is one (a row with too many fields, a broken JSON
  line, mixed date formats) and cut long values (``file_errors.shorten``).

Where the details live
----------------------
This module orchestrates; each concern has its own module:
``formats`` (extensions, encodings, CSV separators, one scanner per format),
``dates`` (order-date formats), ``numbers`` (amounts and discounts),
``columns`` (blank cells and text ids) and ``file_errors`` (one-line load errors).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from segtui.read.columns import padded, present, row_column, text_id
from segtui.read.dates import bad_date, date_plan
from segtui.errors import SegtuiError
from segtui.memory import memory_budget
from segtui.read.file_errors import EMPTY_FILE, columns_list, fail, reading
from segtui.read.formats import (
    LABELS, SUPPORTED_EXTENSIONS, Scanner, bad_json_line, format_of, open_scanner, ragged_row,
)
from segtui.read.mapping import (
    attribute_names, can_play, detect_roles, numeric_looking, synonym_rank,
)
from segtui.read.numbers import DiscountKind, discount, number

__all__ = ["Transactions", "read_transactions", "SegtuiError", "SUPPORTED_EXTENSIONS"]

#: Rows used to decide date formats, number conventions and flag kinds.
SAMPLE_ROWS = 1000
#: Rows Polars looks at to infer CSV column types.
INFER_ROWS = 10_000
#: Largest amount (either sign) accepted: its cents are still exact in a Float64 (2**53).
MAX_AMOUNT = 90_000_000_000_000
#: Lines in ``Transactions.head``: the view looks at them first to rule out columns with many
#: values (ids, e-mails, free text) before counting per value.
HEAD_LINES = 10_000
#: Formats whose parsed lines the validation pass keeps for the build, when they fit: parsing
#: them again cost the build as much as the validation pass (5 s of 23 at 10M CSV lines).
_KEPT_KINDS = frozenset({"csv", "jsonl"})
#: ... when the file takes at most this share of the memory budget (``memory.memory_budget``);
#: 10M CSV lines (1.2 GB) hold 1.0 GB parsed.  A gzipped file counts as ``_GZIP_RATIO`` times its size.
_KEPT_SHARE = 4
_GZIP_RATIO = 6


@dataclass
class Transactions:
    """A loaded transaction file: the canonical lazy frame plus what we learnt."""

    frame: pl.LazyFrame
    source: Path
    #: role -> source column name, for every role that was mapped
    mapping: dict[str, str]
    #: canonical (snake_case) names of the attribute columns in ``frame``
    attributes: list[str] = field(default_factory=list)
    #: "amount" when discount holds money, "flag" when it is 1.0/0.0, None if absent
    discount_kind: Literal["amount", "flag"] | None = None
    #: one-line notices for the user ("dropped 12 rows with no customer id", ...)
    notices: list[str] = field(default_factory=list)
    #: rows in ``frame`` (after dropping rows without a customer id or date)
    rows: int | None = None
    #: distinct customer ids, estimated (a few % off): how much memory the view will need
    customers: int | None = None
    #: strftime formats the order dates were parsed with (empty for native dates)
    date_formats: list[str] = field(default_factory=list)
    #: attribute name in ``frame`` -> source column name
    attribute_sources: dict[str, str] = field(default_factory=dict)
    #: the first lines of ``frame`` (about ``HEAD_LINES``), read without the rest of the file:
    #: ``frame.head()`` reads a whole CSV, its filters keep the slice from reaching the scan
    head: pl.LazyFrame | None = None
    #: whether ``frame`` reads the parsed lines the validation pass kept in memory
    in_memory: bool = False


@dataclass(frozen=True)
class _Request:
    """One ``read_transactions`` call, once the format and the roles are known."""

    path: Path
    kind: str
    roles: dict[str, str]
    date_format: str | None
    #: the row-number column, named unlike every column of the file
    row: str
    gz: bool = False


def _cannot_read_as(kind: str) -> str:
    return f"cannot read it as {LABELS[kind]}"


_LABELS = {"customer_id": "customer id", "order_date": "order date", "amount": "amount",
           "quantity": "quantity", "unit_price": "unit price"}


def _require_roles(
    path: Path, roles: dict[str, str], schema: pl.Schema, head: pl.DataFrame
) -> None:
    """Fail unless the required roles were found; say why a column named for one was not."""
    found = columns_list(list(schema))
    needs = [["customer_id"], ["order_date"]]
    if "amount" not in roles and not {"quantity", "unit_price"} <= roles.keys():
        needs.append(["amount", "quantity", "unit_price"])
    for need in needs:
        if need[0] in roles:
            continue
        for role in (r for r in need if r not in roles):
            for column in schema:
                if column not in roles.values() and synonym_rank(role, column) is not None:
                    why = _why_not(column, role, schema[column], head)
                    if why:
                        raise fail(path, why)
        if need[0] == "amount":
            raise fail(
                path,
                f"no amount column found, nor quantity and unit price (columns: {found}); "
                f"pass --map amount=COLUMN",
            )
        raise fail(
            path,
            f"no {_LABELS[need[0]]} column found (columns: {found}); "
            f"pass --map {need[0]}=COLUMN",
        )


def _why_not(column: str, role: str, dtype: pl.DataType, head: pl.DataFrame) -> str | None:
    """Why a column named like ``role`` cannot play it (nested, empty, wrong values), if it is clear."""
    label = _LABELS[role]
    if isinstance(dtype, (pl.List, pl.Array, pl.Struct)):
        kind = "structs" if isinstance(dtype, pl.Struct) else "lists"
        return f"column {column!r} holds {kind}, not {label}s; flatten it or pass --map {role}=COLUMN"
    if not head.select(present(column, dtype).any()).item():
        return _empty_column(column, role, head.height)
    if not can_play(role, dtype):
        return f"column {column!r} holds {dtype} values, not {label}s; pass --map {role}=COLUMN"
    if role in ("amount", "quantity", "unit_price") and dtype == pl.String:
        filled = head[column].str.strip_chars()
        rows = [i for i, ok in enumerate(numeric_looking(filled)) if ok is False]
        if rows:
            return (
                f"column {column!r} does not hold numbers: {filled[rows[0]]!r} "
                f"(row {rows[0] + 1:,}); fix the file or pass --map {role}=COLUMN"
            )
    return None


def _duplicate_notices(names: list[str], roles: dict[str, str]) -> list[str]:
    """A notice per column name the header repeats (Polars reads the copies as ``X_duplicated_N``).

    Examples
    --------
    >>> _duplicate_notices(["id", "amount", "amount_duplicated_0"], {"amount": "amount"})
    ["the header names column 'amount' 2 times: the first is the amount; the others are read as 'amount_duplicated_0'"]
    """
    copies: dict[str, list[str]] = {}
    for name in names:
        base, sep, number = name.rpartition("_duplicated_")
        if sep and number.isdigit() and base in names:
            copies.setdefault(base, []).append(name)
    notices = []
    for base, others in copies.items():
        role = next((r for r, c in roles.items() if c == base), None)
        used = f"the {role.replace('_', ' ')}" if role else "read under that name"
        notices.append(
            f"the header names column {base!r} {len(others) + 1} times: the first is {used}; "
            f"the others are read as {columns_list(others)}"
        )
    return notices


def _empty_column(column: str, role: str, rows: int | None) -> str:
    """The message for a column with no value (in the whole file, or in its first ``rows``).

    Examples
    --------
    >>> _empty_column("amount", "amount", None)
    "column 'amount' is empty (no row has a value); fill it in or pass --map amount=COLUMN"
    """
    where = "no row has a value" if rows is None or rows < SAMPLE_ROWS else (
        f"no value in its first {rows:,} rows"
    )
    return f"column {column!r} is empty ({where}); fill it in or pass --map {role}=COLUMN"


def _csv_overrides(
    roles: dict[str, str], schema: pl.Schema
) -> dict[str, pl.DataType]:
    """Dtypes to force when re-scanning a CSV once the roles are known."""
    overrides: dict[str, pl.DataType] = {}
    for role in ("customer_id", "order_id", "product", "category", "channel"):
        if role in roles:
            overrides[roles[role]] = pl.String  # keeps "00004" as "00004"
    for role in ("amount", "quantity", "unit_price", "discount"):
        # An integer-looking head must not reject a later "12.5".
        if role in roles and schema[roles[role]].is_integer():
            overrides[roles[role]] = pl.Float64
    return overrides


def _readable_size(path: Path) -> int:
    """The size of a file segtui may read; else the error saying why it cannot.

    The checks the CLI does not make: each failure gets its own message rather than
    Typer's usage box or a misleading "file not found".
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            target = os.readlink(path)
            raise fail(path, f"is a broken symlink (to {target}); check the link") from None
        raise fail(path, f"file not found ({path}); check the path") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise fail(path, "is a symlink loop (its links point back to each other); "
                             "give the transaction file itself") from None
        raise fail(path, f"cannot open it: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise fail(path, "is a directory, not a file; give the transaction file itself")
    if not os.access(path, os.R_OK):
        raise fail(path, "permission denied; check the file's permissions (ls -l)")
    return info.st_size


def read_transactions(
    path: str | Path,
    columns: dict[str, str] | None = None,
    date_format: str | None = None,
) -> Transactions:
    """Read a transaction file (CSV/TSV/.gz, Parquet, Excel, JSON/JSONL, Arrow IPC).

    Parameters
    ----------
    path
        The file to read; the format is chosen by extension.
    columns
        Role overrides, e.g. ``{"amount": "DollarValue"}``; other roles are detected.
    date_format
        A strftime format for the order date when auto-detection cannot decide.

    Returns
    -------
    Transactions
        The lazy canonical frame (see the module docstring), the role mapping,
        attribute names, notices and the row count.

    Raises
    ------
    SegtuiError
        For anything wrong with the file, with a one-line message naming the problem.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("CustomerID,Date,CDs,DollarValue\\n00004,1997-01-01,2,29.33\\n")
    >>> tx = read_transactions(p)
    >>> tx.mapping["amount"], tx.frame.collect()["customer_id"].to_list()
    ('DollarValue', ['00004'])
    """
    path = Path(path).expanduser()
    size = _readable_size(path)
    kind, gz = format_of(path)
    if size == 0:
        raise fail(path, EMPTY_FILE)
    try:
        return _read(path, kind, gz, columns, date_format)
    except SegtuiError as exc:
        if kind == "csv" and "more fields than defined" in exc.message:
            ragged = ragged_row(path, gz)
            if ragged:
                raise fail(path, ragged) from exc
        if kind == "jsonl" and exc.message.startswith(f"{path.name}: {_cannot_read_as(kind)}"):
            broken = bad_json_line(path, gz)
            if broken:
                raise fail(path, broken) from exc
        raise


def _read(
    path: Path, kind: str, gz: bool, columns: dict[str, str] | None, date_format: str | None
) -> Transactions:
    """``read_transactions`` once the file is known to exist, be readable and have a format."""
    notices: list[str] = []
    with reading(path, _cannot_read_as(kind)):
        scan = open_scanner(path, kind, gz, notices, INFER_ROWS)
        schema = scan({}).collect_schema()
        head = scan(None).head(SAMPLE_ROWS).collect()
    names = list(schema)
    if not names:
        raise fail(path, "has no data rows; export the transactions again")
    if head.height == 0:
        raise fail(path, f"has column headers but no data rows (columns: {columns_list(names)})")
    roles = detect_roles(schema, columns, sample=head, where=path.name)
    _require_roles(path, roles, schema, head)
    notices.extend(_duplicate_notices(names, roles))
    overrides = _csv_overrides(roles, schema)
    req = _Request(path, kind, roles, date_format, row_column(names), gz)
    if kind != "csv":
        return _attempt(req, scan, overrides, notices, [])
    # Types inferred from the first rows can be contradicted later in a CSV ("N/A"
    # in an integer column).  The validation pass probes the numeric columns; if one
    # fails, they are read as text once more, where bad values are reported by row.
    numeric = [c for c, dtype in schema.items() if dtype.is_numeric()]
    try:
        return _attempt(req, scan, overrides, notices, numeric)
    except _ProbeFailed:
        overrides |= {c: pl.String for c in numeric}
        mixed = [c for c in numeric if c not in roles.values()]
        if mixed:
            notices.append(
                f"read {columns_list(mixed)} as text: not every value after the first "
                f"{INFER_ROWS:,} rows is a number"
            )
        return _attempt(req, scan, overrides, notices, [])


class _ProbeFailed(Exception):
    """A column inferred as numeric held something else further down the file."""


@contextmanager
def _probing(path: Path, what: str, probe: list[str]) -> Iterator[None]:
    """Like ``reading``, but a failure while probing means "retry with text columns"."""
    try:
        with reading(path, what):
            yield
    except SegtuiError as exc:
        if probe:
            raise _ProbeFailed from exc
        raise


def _attempt(
    req: _Request,
    scan: Scanner,
    overrides: dict[str, pl.DataType],
    notices: list[str],
    probe: list[str],
) -> Transactions:
    with _probing(req.path, _cannot_read_as(req.kind), probe):
        lf = scan(overrides)
        schema = lf.collect_schema()
        # Only the role columns: an attribute column cannot break the sample.
        head = lf.select(sorted(set(req.roles.values()))).head(SAMPLE_ROWS).collect()
    lf = lf.with_row_index(req.row, offset=1)
    head = head.with_row_index(req.row, offset=1)
    return _canonical(req, lf, schema, head, list(notices), probe)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _lines_have(count: int) -> str:
    return _plural(count, "line") + (" has" if count == 1 else " have")


def _bad_number(kind: str, role: str, columns: list[str], values: list[object], row: int) -> str:
    """The message for a number that cannot be used: text, not finite, or too large.

    Examples
    --------
    >>> _bad_number("infinite", "amount", ["Total"], [float("inf")], 7)
    "column 'Total' holds 'inf' (row 7), which is not a finite number; fix the file or pass --map amount=COLUMN"
    """
    where = f"(row {row:,})"
    if len(columns) == 2:
        shown = " × ".join(str(v) for v in values)
        return (
            f"amount computed as quantity × unit_price ({shown}, row {row:,}) is too large "
            f"or not a finite number; fix the file"
        )
    column, value = columns[0], repr(str(values[0]))
    if kind == "text":
        what = f"a value that is not a number: {value} {where}"
    elif kind == "infinite":
        what = f"{value} {where}, which is not a finite number"
    else:
        what = (
            f"{value} {where}, an amount too large to count in cents exactly "
            f"(the limit is {MAX_AMOUNT:,.0f})"
        )
    return f"column {column!r} holds {what}; fix the file or pass --map {role}=COLUMN"


def count_notices(stats: dict[str, int]) -> list[str]:
    """The notices about what the validation pass counted: dropped rows, blank amounts and
    order ids (also given by the engines that read a file themselves, in the same words).

    Examples
    --------
    >>> count_notices({"no_id": 2, "no_date": 0, "no_amount": 1, "no_order_id": 0})
    ['dropped 2 rows with no customer id', '1 line has no amount: counted as 0']
    """
    notices = []
    if stats["no_id"]:
        notices.append(f"dropped {_plural(stats['no_id'], 'row')} with no customer id")
    if stats["no_date"]:
        notices.append(f"dropped {_plural(stats['no_date'], 'row')} with no order date")
    if stats["no_amount"]:
        notices.append(f"{_lines_have(stats['no_amount'])} no amount: counted as 0")
    if stats.get("no_order_id"):
        notices.append(f"{_lines_have(stats['no_order_id'])} no order id: each counts as an order of its own")
    return notices


def _validate(
    req: _Request,
    lf: pl.LazyFrame,
    exprs: dict[str, pl.Expr],
    schema: pl.Schema,
    numbers: dict[str, pl.Expr],
    notices: list[str],
    probe: list[str],
    keep: dict[str, pl.Expr] | None = None,
    *,
    checked_date: Callable[[pl.Expr], pl.Expr],
    texts: dict[str, str] | None = None,
) -> tuple[int, int, int, pl.DataFrame | None, set[str]]:
    """One pass over the file: count rows, missing ids/dates and unparseable values.

    Returns the number of rows kept, of kept lines with a blank order id, an estimate of
    the distinct customer ids, and, given ``keep`` (name -> expression), the row number and
    those columns of every line, parsed in the same pass: the pass then holds the parsed
    file in memory and counts over that.  Last, the roles of ``texts`` (role -> text
    column) with nothing to strip (see ``columns.padded``).  ``exprs["order_date"]`` is the parse, which
    ``checked_date`` completes on the parsed column (``DatePlan.checked``).  Parsing
    is lazy and lenient (unparseable -> null), so this pass is where a bad date or
    amount is caught and reported with its row; two cheap queries only run to fetch
    the offending example.
    """
    path, roles = req.path, req.roles
    date_col, order_col = roles["order_date"], roles.get("order_id")
    # Each cell is parsed once, into columns of our own names; the counts below only
    # combine those (repeating a parse per count made this pass twice as slow).  Those
    # names start with the row column's, so that none is also a kept column's.
    def own(name: str) -> str:
        return f"{req.row}.{name}"

    def cell(name: str) -> pl.Expr:
        return pl.col(own(name))

    texts = texts or {}
    id_column = texts.get("customer_id")  # its padding is read off its parse, below
    cells = lf.select(
        pl.col(req.row),
        exprs["customer_id"].alias(own("customer")),
        *([pl.col(id_column).str.len_bytes().alias(own("id_bytes"))] if id_column else []),
        present(date_col, schema[date_col]).alias(own("date")),
        exprs["order_date"].alias(own("date_value")),
        (present(order_col, schema[order_col]) if order_col else pl.lit(True)).alias(own("order")),
        *(present(roles[r], schema[roles[r]]).alias(own(f"filled_{r}")) for r in numbers),
        *(parsed.alias(own(f"value_{r}")) for r, parsed in numbers.items()),
        *(pl.col(c).is_null().alias(own(f"probe_{i}")) for i, c in enumerate(probe)),
        *(padded(column).alias(own(f"padded_{role}")) for role, column in texts.items() if role != "customer_id"),
        # the date is parsed once, above, and checked once, below
        *(expr.alias(name) for name, expr in (keep or {}).items() if name != "order_date"),
    ).with_columns(
        checked_date(cell("date_value")).alias(own("date_value")),
        # from the parsed id: naming its parse again would parse it again
        cell("customer").is_not_null().alias(own("id")),
        # the id's text has white space to strip when its parse is shorter ("  " -> no id)
        *([(cell("id_bytes") != cell("customer").str.len_bytes().fill_null(0)).alias(own("padded_customer_id"))]
          if id_column else []),
    )
    if keep is not None:
        with _probing(path, "cannot read the file", probe):
            parsed_cells = cells.collect()
        cells = parsed_cells.lazy()
    has_id, date_present = cell("id"), cell("date")
    amount = (
        cell("value_amount") if "amount" in numbers
        else cell("value_quantity") * cell("value_unit_price")
    )
    problems: dict[str, tuple[pl.Expr, str, str]] = {
        "bad_date": (has_id & date_present & cell("date_value").is_null(), "order_date", "date"),
    }
    for role in numbers:
        value = cell(f"value_{role}")
        problems[f"bad_{role}"] = (
            has_id & cell(f"filled_{role}") & value.is_null(), role, "text"
        )
        problems[f"infinite_{role}"] = (has_id & ~value.is_finite(), role, "infinite")
    problems["huge_amount"] = (
        has_id & (~amount.is_finite() | (amount.abs() > MAX_AMOUNT)), "amount", "huge"
    )
    query = cells.select(
        pl.len().alias("rows"),
        (~has_id).sum().alias("no_id"),
        # a sketch, not a set: the exact count would hold every id in memory
        cell("customer").approx_n_unique().alias("customers"),
        (has_id & ~date_present).sum().alias("no_date"),
        (has_id & date_present & ~cell("order")).sum().alias("no_order_id"),
        (has_id & date_present & amount.is_null()).sum().alias("no_amount"),
        *(cond.fill_null(False).sum().alias(name) for name, (cond, _, _) in problems.items()),
        *(cell(f"probe_{i}").sum().alias(f"probe_{i}") for i in range(len(probe))),
        *(cell(f"filled_{r}").sum().alias(f"filled_{r}") for r in numbers),
        *(cell(f"padded_{r}").any().alias(f"padded_{r}") for r in texts),
    )
    with _probing(path, "cannot read the file", probe):
        stats = query.collect().row(0, named=True)
    for name, (cond, role, kind) in problems.items():
        if not stats[name]:
            continue
        # A computed amount is reported with the two columns it comes from.
        columns = [roles[role]] if role in roles else [roles["quantity"], roles["unit_price"]]
        with reading(path, "cannot read the file"):
            row = int(cells.filter(cond.fill_null(False)).select(req.row).head(1).collect().item())
            bad = lf.filter(pl.col(req.row) == row).select(columns).collect()
        values = [bad[column][0] for column in columns]
        if kind == "date":
            raise bad_date(path, columns[0], str(values[0]), row, req.date_format)
        raise fail(path, _bad_number(kind, role, columns, values, row))
    # The money columns must hold something, or every revenue would silently be 0.
    for role in ("amount",) if "amount" in numbers else ("quantity", "unit_price"):
        if not stats[f"filled_{role}"]:
            raise fail(path, _empty_column(roles[role], role, None))
    kept = stats["rows"] - stats["no_id"] - stats["no_date"]
    notices.extend(count_notices(stats))
    if kept == 0:
        raise fail(
            path,
            f"none of its {_plural(stats['rows'], 'row')} has both a customer id "
            f"(column {roles['customer_id']!r}) and an order date (column {date_col!r}); "
            f"check --map customer_id=COLUMN and --map order_date=COLUMN",
        )
    lines = None if keep is None else parsed_cells.select(
        req.row, *(cell("date_value").alias(name) if name == "order_date" else pl.col(name) for name in keep)
    )
    trimmed = {role for role in texts if not stats[f"padded_{role}"]}
    return kept, stats["no_order_id"], stats["customers"], lines, trimmed


#: roles read as text ids (``columns.text_id``): the ids, and the labels
_LABEL_ROLES = ("product", "category", "channel")
_TEXT_ROLES = ("customer_id", "order_id", *_LABEL_ROLES)


def _canonical(
    req: _Request,
    lf: pl.LazyFrame,
    schema: pl.Schema,
    head: pl.DataFrame,
    notices: list[str],
    probe: list[str],
) -> Transactions:
    """Build, validate (one pass) and return the canonical frame."""
    roles = req.roles

    def source(role: str) -> tuple[str, pl.DataType, pl.Series]:
        """The role's source column, its dtype and its sample: what every parser needs."""
        column = roles[role]
        return column, schema[column], head[column]

    exprs: dict[str, pl.Expr] = {}
    exprs["customer_id"] = text_id(*source("customer_id"))
    if "order_id" in roles:
        exprs["order_id"] = text_id(*source("order_id"))
    else:
        exprs["order_id"] = pl.col(req.row).cast(pl.String)
        notices.append("no order id column: each row counts as one order")
    date = date_plan(req.path, lf, roles["order_date"], schema[roles["order_date"]], head,
                     req.date_format, req.row)
    exprs["order_date"] = date.parse  # its range is checked on the parsed column
    numbers = {
        role: number(*source(role))
        for role in ("amount", "quantity", "unit_price")
        if role in roles
    }
    if "amount" in numbers:
        exprs["amount"] = numbers["amount"]
    else:
        exprs["amount"] = numbers["quantity"] * numbers["unit_price"]
        notices.append(
            f"amount computed as {roles['quantity']} × {roles['unit_price']}"
        )
    for role in ("quantity", "unit_price"):
        if role in numbers:
            exprs[role] = numbers[role]
    discount_kind: DiscountKind | None = None
    if "discount" in roles:
        exprs["discount"], discount_kind = discount(*source("discount"))
    for role in _LABEL_ROLES:
        if role in roles:
            exprs[role] = text_id(*source(role))
    used = set(roles.values())
    attrs = attribute_names([c for c in schema if c not in used])

    attr_columns = {dst: pl.col(src) for src, dst in attrs.items()}
    columns = exprs | attr_columns

    def dated(parsed: pl.LazyFrame) -> pl.LazyFrame:
        """The ``parsed`` lines with a customer id and a date."""
        return parsed.filter(pl.col("customer_id").is_not_null() & pl.col("order_date").is_not_null())

    def parse(source: pl.LazyFrame) -> pl.LazyFrame:
        """The parsed ``columns`` of ``source``, and the row numbers."""
        return source.select(pl.col(req.row), *(expr.alias(name) for name, expr in columns.items())).with_columns(
            date.checked(pl.col("order_date"))
        )

    # A discount holding money must be finite too (a flag is 0/1 by construction).
    checked = numbers | ({"discount": exprs["discount"]} if discount_kind == "amount" else {})
    keep = columns if _keeps_lines(req) else None
    # Lines read again after this pass (not kept) strip their text only where some value needs it
    texts = {role: roles[role] for role in _TEXT_ROLES if role in roles and schema[roles[role]] == pl.String}
    rows, blank_order_ids, customers, kept, trimmed = _validate(
        req, lf, exprs, schema, checked, notices, probe, keep,
        checked_date=date.checked, texts=texts if keep is None else None,
    )
    if trimmed:
        exprs |= {role: text_id(*source(role), trimmed=True) for role in trimmed}
        columns = exprs | attr_columns
    if kept is None:
        lines = dated(parse(lf))
    else:  # filtering copies every column: only when some line goes
        lines = kept.lazy() if kept.height == rows else dated(kept.lazy())
    return Transactions(
        frame=_lines(lines, req, blank_order_ids > 0, list(exprs), attrs),
        source=req.path,
        mapping=dict(roles),
        attributes=list(attrs.values()),
        discount_kind=discount_kind,
        notices=notices,
        rows=rows,
        customers=customers,
        date_formats=date.formats,
        attribute_sources={dst: src for src, dst in attrs.items()},
        head=_lines(dated(parse(lf.head(HEAD_LINES))), req, blank_order_ids > 0, list(exprs), attrs),
        in_memory=kept is not None,
    )


def _keeps_lines(req: _Request) -> bool:
    """Whether the validation pass keeps the parsed lines for the build (``_KEPT_KINDS``)."""
    if req.kind not in _KEPT_KINDS:
        return False
    size = req.path.stat().st_size * (_GZIP_RATIO if req.gz else 1)
    return size <= memory_budget() // _KEPT_SHARE


def _lines(
    dated: pl.LazyFrame, req: _Request, blank_order_ids: bool, columns: list[str], attrs: dict[str, str]
) -> pl.LazyFrame:
    """The canonical lines (the module docstring's contract) from ``dated`` lines."""
    if blank_order_ids:
        # A line with a blank order id is an order of its own, as without the column; the
        # leading space keeps its id apart from every real one (those are stripped).  Only
        # then: formatting a string per row costs ~0.17 s CPU per 2M rows.
        dated = dated.with_columns(pl.coalesce("order_id", pl.format(" row {}", pl.col(req.row))))
    is_return = pl.col("amount") < 0
    if "quantity" in columns:
        is_return = is_return | (pl.col("quantity") < 0)
    if "order_id" in req.roles:
        is_return = is_return | pl.col("order_id").str.contains(r"^C\d")
    is_return = is_return.fill_null(False)
    order = ["customer_id", "order_id", "order_date", "amount", "is_return", "quantity",
             "unit_price", "discount", "product", "category", "channel"]
    return (
        dated.with_columns(is_return.alias("is_return"))
        .with_columns(
            pl.when(pl.col("is_return") & (pl.col("amount") > 0))
            .then(-pl.col("amount"))
            .otherwise(pl.col("amount"))
            .alias("amount")
        )
        .select(*(c for c in order if c == "is_return" or c in columns), *attrs.values())
    )
