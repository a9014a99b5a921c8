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
  Rows without a customer id, or without an order date, are dropped with a notice.
- Amounts: numeric, or text in a common money format ("$1,234.00", "12,50",
  "(3.00)"); ``quantity × unit_price`` when there is no amount column.
- Dates: native date/datetime, ISO, US or day-first (decided from the values),
  YYYYMMDD (text or integer), Unix seconds/milliseconds, "01-Dec-2010".
- Returns: negative amount or quantity, or an order id like "C536379"; their amount
  is made negative.
- A file that is not valid UTF-8 is read as cp1252/latin-1, with a notice.
"""

from __future__ import annotations

import codecs
import gzip
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import polars as pl

from segtui.errors import SegtuiError
from segtui.mapping import attribute_names, detect_roles, looks_numeric

__all__ = ["Transactions", "read_transactions", "SegtuiError", "SUPPORTED_EXTENSIONS"]

#: Rows used to decide date formats, number conventions and flag kinds.
SAMPLE_ROWS = 1000
#: Rows Polars looks at to infer CSV column types.
INFER_ROWS = 10_000
_CHUNK = 1 << 24
_TITLE = "Cannot load data"
_ROW = "__segtui_row"

_FORMATS: dict[str, str] = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel", ".xlsb": "excel", ".ods": "excel",
    ".json": "json",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".arrow": "ipc", ".feather": "ipc", ".ipc": "ipc",
}
_LABELS: dict[str, str] = {
    "csv": "a CSV file", "parquet": "a Parquet file", "excel": "an Excel workbook",
    "json": "a JSON array", "jsonl": "a JSON lines file", "ipc": "an Arrow IPC file",
}
_GZIP_OK = frozenset({"csv", "json", "jsonl"})
#: Human-readable list of what ``read_transactions`` accepts.
SUPPORTED_EXTENSIONS = (
    ".csv .tsv .txt (also .gz), .parquet, .xlsx, .json, .jsonl/.ndjson, .arrow/.feather/.ipc"
)


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
    #: strftime formats the order dates were parsed with (empty for native dates)
    date_formats: list[str] = field(default_factory=list)
    #: attribute name in ``frame`` -> source column name
    attribute_sources: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- errors


def _fail(path: Path, message: str) -> SegtuiError:
    return SegtuiError(f"{path.name}: {message}", title=_TITLE)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextmanager
def _reading(path: Path, what: str) -> Iterator[None]:
    """Turn any library/OS exception raised while reading into a one-line SegtuiError.

    Reading goes through Polars, fastexcel and the OS, each with its own exception
    types; for the user they all mean "this file cannot be read".
    """
    try:
        yield
    except SegtuiError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - see docstring
        raise _fail(path, f"{what}: {_first_line(exc)}") from exc


def _columns_list(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


# --------------------------------------------------------------------------- opening


def _format_of(path: Path) -> tuple[str, bool]:
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    ext = suffixes[-2] if gz and len(suffixes) >= 2 else (suffixes[-1] if suffixes else "")
    kind = _FORMATS.get(ext)
    if kind is None or (gz and kind not in _GZIP_OK):
        shown = "".join(path.suffixes[-2:] if gz else path.suffixes[-1:]) or "(none)"
        raise _fail(
            path,
            f"unsupported file type {shown}; supported: {SUPPORTED_EXTENSIONS}",
        )
    return kind, gz


def _open_binary(path: Path, gz: bool) -> IO[bytes]:
    return gzip.open(path, "rb") if gz else path.open("rb")


def _is_utf8(path: Path, gz: bool) -> bool:
    """Check the whole file for valid UTF-8, chunk by chunk (ASCII chunks are free)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with _open_binary(path, gz) as stream:
        while chunk := stream.read(_CHUNK):
            if chunk.isascii() and not decoder.getstate()[0]:
                continue
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _read_text_bytes(path: Path, gz: bool) -> bytes:
    with _open_binary(path, gz) as stream:
        return stream.read()


def _legacy_to_utf8(raw: bytes) -> bytes:
    """Re-encode a Windows/latin-1 export as UTF-8 (cp1252 first: it has € and quotes)."""
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.encode("utf-8")


def _sniff_separator(header: str) -> str:
    """Pick the delimiter that occurs most often in the header line, outside quotes."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {sep: unquoted.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _head_text(source: Path | bytes, gz: bool) -> str:
    if isinstance(source, bytes):
        head = source[:65536]
    else:
        with _open_binary(source, gz) as stream:
            head = stream.read(65536)
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


#: Returns the file as a LazyFrame.  CSV honours dtype overrides, and ``None``
#: means "every column as text"; other formats carry their own dtypes.
Scanner = Callable[[dict[str, pl.DataType] | None], pl.LazyFrame]


def _open_csv(path: Path, gz: bool, notices: list[str]) -> Scanner:
    source: Path | bytes = path
    if not _is_utf8(path, gz):
        source = _legacy_to_utf8(_read_text_bytes(path, gz))
        notices.append("read as latin-1 (file is not UTF-8)")
    head = _head_text(source, gz)
    if not head.strip():
        raise _fail(path, "the file is empty; export the transactions again")
    separator = _sniff_separator(head.splitlines()[0])

    def scan(overrides: dict[str, pl.DataType] | None) -> pl.LazyFrame:
        if overrides is None:  # every column as text: a sample that cannot fail to parse
            return pl.scan_csv(source, separator=separator, infer_schema=False)
        return pl.scan_csv(
            source,
            separator=separator,
            schema_overrides=overrides or None,
            infer_schema_length=INFER_ROWS,
        )

    return scan


def _open(path: Path, kind: str, gz: bool, notices: list[str]) -> Scanner:
    """A function returning the file as a LazyFrame; CSV honours dtype overrides."""
    if kind == "csv":
        return _open_csv(path, gz, notices)
    if kind == "parquet":
        return lambda _overrides: pl.scan_parquet(path)
    if kind == "ipc":
        return lambda _overrides: pl.scan_ipc(path)
    if kind == "jsonl":
        source: Path | bytes = _read_text_bytes(path, gz) if gz else path
        return lambda _overrides: pl.scan_ndjson(source, infer_schema_length=INFER_ROWS)
    if kind == "json":
        raw = _read_text_bytes(path, gz)
        if not raw.strip():
            raise _fail(path, "the file is empty; export the transactions again")
        frame = pl.read_json(raw, infer_schema_length=INFER_ROWS)
        return lambda _overrides: frame.lazy()
    # excel: no lazy reader exists; read once and hand out the frame
    sheet = pl.read_excel(
        path, engine="calamine", infer_schema_length=INFER_ROWS, raise_if_empty=False
    )
    return lambda _overrides: sheet.lazy()


# --------------------------------------------------------------------------- ids


def _present(column: str, dtype: pl.DataType) -> pl.Expr:
    """True where the source cell holds something (not null, not blank text)."""
    col = pl.col(column)
    if dtype == pl.String:
        return (col.str.strip_chars().str.len_bytes() > 0).fill_null(False)
    return col.is_not_null()


def _text_id(column: str, dtype: pl.DataType, sample: pl.Series) -> pl.Expr:
    """An id as stripped text; empty -> null; 12346.0 -> "12346" (spreadsheet exports)."""
    col = pl.col(column)
    if dtype.is_float():
        integral = col.cast(pl.Int64, strict=False).cast(pl.String)
        return pl.when(col == col.floor()).then(integral).otherwise(col.cast(pl.String))
    if dtype != pl.String:
        return col.cast(pl.String)
    text = col.str.strip_chars()
    values = sample.drop_nulls().str.strip_chars()
    values = values.filter(values.str.len_bytes() > 0)
    if values.len() and values.str.contains(r"^\d+\.0+$").all():
        text = text.str.replace(r"\.0+$", "")
    return pl.when(text.str.len_bytes() > 0).then(text)


# --------------------------------------------------------------------------- numbers

_PLAIN_NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"
_US_NUMBER = r"^[-+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$"
_EU_NUMBER = r"^[-+]?(\d{1,3}(\.\d{3})+|\d+)?(,\d+)?$"
_MONEY_NOISE = r"(?i)[\s$€£¥']|usd|eur|gbp"


def _money_core(col: pl.Expr) -> pl.Expr:
    return col.str.replace_all(_MONEY_NOISE, "").str.strip_chars("()")


def _number(column: str, dtype: pl.DataType, sample: pl.Series) -> pl.Expr:
    """A numeric role as Float64; text that is not a clean number becomes null.

    The number convention (1,234.50 vs 1.234,50) is decided on the sample.
    """
    col = pl.col(column)
    if dtype.is_numeric():
        return col.cast(pl.Float64)
    if dtype == pl.Boolean:
        return col.cast(pl.Float64)
    text = col.cast(pl.String).str.strip_chars()
    values = sample.cast(pl.String).drop_nulls().str.strip_chars()
    values = values.filter(values.str.len_bytes() > 0)
    if values.str.contains(_PLAIN_NUMBER).all():
        return text.cast(pl.Float64, strict=False)
    cores = values.to_frame("v").select(_money_core(pl.col("v"))).to_series()
    us_hits = int(cores.str.contains(_US_NUMBER).sum())
    eu_hits = int(cores.str.contains(_EU_NUMBER).sum())
    core = _money_core(text)
    has_digit = core.str.contains(r"\d")
    if us_hits >= eu_hits:
        valid = core.str.contains(_US_NUMBER) & has_digit
        digits = core.str.replace_all(",", "", literal=True)
    else:
        valid = core.str.contains(_EU_NUMBER) & has_digit
        digits = core.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    negative = text.str.starts_with("(") & text.str.ends_with(")")
    number = digits.cast(pl.Float64, strict=False)
    return pl.when(valid).then(pl.when(negative).then(-number).otherwise(number))


_FLAG_TRUE = frozenset({"yes", "y", "true", "t", "1", "1.0", "x"})
_FLAG_FALSE = frozenset({"no", "n", "false", "f", "0", "0.0", "none", "null", "-", ""})


def _discount(
    column: str, dtype: pl.DataType, sample: pl.Series
) -> tuple[pl.Expr, Literal["amount", "flag"]]:
    """Discount as money (``amount``) or as a 1.0/0.0 flag; missing means no discount."""
    col = pl.col(column)
    if dtype == pl.Boolean:
        return col.cast(pl.Float64).fill_null(0.0), "flag"
    if dtype.is_numeric():
        if set(sample.drop_nulls().cast(pl.Float64).unique().to_list()) <= {0.0, 1.0}:
            return (col != 0).cast(pl.Float64).fill_null(0.0), "flag"
        return col.cast(pl.Float64).abs().fill_null(0.0), "amount"
    text = col.cast(pl.String).str.strip_chars()
    values = sample.cast(pl.String).drop_nulls().str.strip_chars().str.to_lowercase()
    distinct = set(values.unique().to_list())
    if distinct and distinct <= (_FLAG_TRUE | _FLAG_FALSE):
        flag = text.str.to_lowercase().is_in(list(_FLAG_TRUE))
        return flag.cast(pl.Float64).fill_null(0.0), "flag"
    nonblank = values.filter(values.str.len_bytes() > 0)
    if nonblank.len() and looks_numeric(nonblank):
        return _number(column, dtype, sample).abs().fill_null(0.0), "amount"
    # A promo/coupon code: having one means the line was discounted.
    used = ~text.str.to_lowercase().is_in(list(_FLAG_FALSE))
    return used.cast(pl.Float64).fill_null(0.0), "flag"


# --------------------------------------------------------------------------- dates

_TIMES = (
    "", " %H:%M", " %H:%M:%S", " %H:%M:%S%.f",
    " %I:%M %p", " %I:%M:%S %p", " %I:%M%p", " %I:%M:%S%p",
)
_UNAMBIGUOUS: tuple[str, ...] = (
    *(f"%Y-%m-%d{t}" for t in _TIMES),
    *(f"%Y-%m-%dT{t.strip()}" for t in _TIMES if t),
    "%Y-%m-%dT%H:%M:%S%#z", "%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%#z",
    "%Y-%m-%dT%H:%M%#z",
    *(f"%Y/%m/%d{t}" for t in _TIMES),
    *(f"%Y.%m.%d{t}" for t in _TIMES),
    "%Y%m%d", "%Y%m%d%H%M%S", "%Y%m%d %H:%M:%S",
    *(f"{d}{t}" for d in ("%d-%b-%y", "%d-%b-%Y", "%d %b %Y", "%d %B %Y") for t in _TIMES[:3]),
    "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%a, %d %b %Y %H:%M:%S",
)


def _numeric_dates(day_first: bool) -> tuple[str, ...]:
    # Two-digit years come first: "%Y" would read "10" as the year 10.
    first, second = ("%d", "%m") if day_first else ("%m", "%d")
    return tuple(
        f"{first}{sep}{second}{sep}{year}{t}"
        for sep in "/-."
        for year in ("%y", "%Y")
        for t in _TIMES
    )


_MONTH_FIRST = _numeric_dates(day_first=False)
_DAY_FIRST = _numeric_dates(day_first=True)
_MIN_YEAR, _MAX_YEAR = 1900, 2200


def _strptime(text: pl.Expr, fmt: str) -> pl.Expr:
    parsed = text.str.strptime(pl.Datetime("us"), fmt, strict=False)
    if "%z" in fmt or "%#z" in fmt:
        parsed = parsed.dt.replace_time_zone(None)
    return parsed


def _parse_with(text: pl.Expr, formats: list[str]) -> pl.Expr:
    """Try each format in order; out-of-range years count as unparsed."""
    parsed = (
        _strptime(text, formats[0])
        if len(formats) == 1
        else pl.coalesce([_strptime(text, f) for f in formats])
    )
    return pl.when(parsed.dt.year().is_between(_MIN_YEAR, _MAX_YEAR)).then(parsed)


def _cover(values: pl.Series, formats: tuple[str, ...]) -> tuple[list[str], pl.Series]:
    """Formats (in order) needed to parse the sample, and which values none could."""
    frame = values.to_frame("v")
    remaining = pl.Series([True] * values.len())
    chosen: list[str] = []
    for fmt in formats:
        ok = frame.select(_parse_with(pl.col("v"), [fmt]).is_not_null()).to_series()
        if (remaining & ok).any():
            chosen.append(fmt)
            remaining = remaining & ~ok
            if not remaining.any():
                break
    return chosen, remaining


@dataclass
class _DatePlan:
    expr: pl.Expr
    formats: list[str]


def _date_plan(
    path: Path,
    lf: pl.LazyFrame,
    column: str,
    dtype: pl.DataType,
    sample: pl.DataFrame,
    date_format: str | None,
) -> _DatePlan:
    """Decide how to turn the order-date column into Datetime("us")."""
    col = pl.col(column)
    if isinstance(dtype, pl.Datetime):
        native = col.dt.replace_time_zone(None) if dtype.time_zone else col
        return _DatePlan(native.cast(pl.Datetime("us")), [])
    if dtype == pl.Date:
        return _DatePlan(col.cast(pl.Datetime("us")), [])
    if date_format:
        return _DatePlan(_parse_with(col.cast(pl.String).str.strip_chars(), [date_format]),
                         [date_format])
    if dtype.is_integer():
        return _integer_dates(path, column, sample)
    if dtype != pl.String:
        raise _fail(
            path,
            f"order date column {column!r} holds {dtype} values, not dates; "
            f"map another column with --map order_date=COLUMN",
        )
    text = col.str.strip_chars()
    rows = sample.filter(_present(column, dtype)).select(_ROW, text.alias("v"))
    values = rows["v"]
    families = {
        "fixed": _cover(values, _UNAMBIGUOUS),
        "month_first": _cover(values, _MONTH_FIRST),
        "day_first": _cover(values, _DAY_FIRST),
    }
    complete = [name for name, (_, left) in families.items() if not left.any()]
    if "fixed" in complete:
        formats = families["fixed"][0]
    elif len(complete) == 1:
        formats = families[complete[0]][0]
    elif complete:
        formats = _resolve_day_month(path, lf, column, families)
    else:
        best = min(families, key=lambda name: int(families[name][1].sum()))
        bad = rows.filter(families[best][1])
        raise _bad_date(path, column, str(bad["v"][0]), int(bad[_ROW][0]))
    return _DatePlan(_parse_with(text, formats), formats)


def _resolve_day_month(
    path: Path,
    lf: pl.LazyFrame,
    column: str,
    families: dict[str, tuple[list[str], pl.Series]],
) -> list[str]:
    """The sample fits both day-first and month-first: let the whole column decide."""
    text = pl.col(column).str.strip_chars()
    month_first, day_first = families["month_first"][0], families["day_first"][0]
    present = text.str.len_bytes() > 0
    with _reading(path, "cannot read the order dates"):
        misses = lf.select(
            (present & _parse_with(text, month_first).is_null()).sum().alias("mf"),
            (present & _parse_with(text, day_first).is_null()).sum().alias("df"),
        ).collect()
    mf, df = int(misses["mf"][0]), int(misses["df"][0])
    if mf == 0 and df == 0:
        raise _fail(
            path,
            f"order dates in column {column!r} could be day-first or month-first "
            f"(e.g. 01/02 = 1 Feb or 2 Jan); pass --date-format "
            f"'{day_first[0]}' or --date-format '{month_first[0]}'",
        )
    return month_first if mf <= df else day_first


def _integer_dates(path: Path, column: str, sample: pl.DataFrame) -> _DatePlan:
    col = pl.col(column)
    values = sample[column].drop_nulls()
    low, high = (values.min(), values.max()) if values.len() else (None, None)
    if low is not None and 19000101 <= low and high <= 22001231:
        return _DatePlan(_parse_with(col.cast(pl.String), ["%Y%m%d"]), ["%Y%m%d"])
    for unit, (lo, hi) in {"s": (10**8, 10**10), "ms": (10**11, 10**13)}.items():
        if low is not None and lo <= low and high < hi:
            return _DatePlan(pl.from_epoch(col, time_unit=unit).cast(pl.Datetime("us")), [])
    raise _fail(
        path,
        f"order date column {column!r} holds integers that are neither YYYYMMDD nor "
        f"Unix timestamps (e.g. {low}); pass --date-format or map another column",
    )


def _bad_date(
    path: Path, column: str, value: str, row: int, date_format: str | None = None
) -> SegtuiError:
    where = f"order date {value!r} in column {column!r} (row {row:,})"
    if date_format:
        return _fail(path, f"{where} does not match --date-format {date_format!r}; fix the format")
    return _fail(
        path,
        f"cannot parse {where}; pass --date-format, e.g. --date-format '%d/%m/%Y %H:%M'",
    )


# --------------------------------------------------------------------------- main


def _require_roles(path: Path, roles: dict[str, str], names: list[str]) -> None:
    found = _columns_list(names)
    needs = [("customer_id", "customer id"), ("order_date", "order date")]
    for role, label in needs:
        if role not in roles:
            raise _fail(
                path,
                f"no {label} column found (columns: {found}); pass --map {role}=COLUMN",
            )
    if "amount" not in roles and not {"quantity", "unit_price"} <= roles.keys():
        raise _fail(
            path,
            f"no amount column found, nor quantity and unit price (columns: {found}); "
            f"pass --map amount=COLUMN",
        )


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
    if not path.exists():
        raise _fail(path, f"file not found ({path}); check the path")
    if path.is_dir():
        raise _fail(path, "is a directory, not a file; give the transaction file itself")
    kind, gz = _format_of(path)
    if path.stat().st_size == 0:
        raise _fail(path, "the file is empty; export the transactions again")
    notices: list[str] = []
    with _reading(path, f"cannot read it as {_LABELS[kind]}"):
        scan = _open(path, kind, gz, notices)
        schema = scan({}).collect_schema()
        head = scan(None).head(SAMPLE_ROWS).collect()
    names = list(schema)
    if not names:
        raise _fail(path, "has no data rows; export the transactions again")
    if head.height == 0:
        raise _fail(path, f"has column headers but no data rows (columns: {_columns_list(names)})")
    roles = detect_roles(schema, columns, sample=head, where=path.name)
    _require_roles(path, roles, names)
    overrides = _csv_overrides(roles, schema)
    if kind != "csv":
        return _attempt(path, kind, scan, overrides, roles, date_format, notices, [])
    # Types inferred from the first rows can be contradicted later in a CSV ("N/A"
    # in an integer column).  The validation pass probes the numeric columns; if one
    # fails, they are read as text once more, where bad values are reported by row.
    numeric = [c for c, dtype in schema.items() if dtype.is_numeric()]
    try:
        return _attempt(path, kind, scan, overrides, roles, date_format, notices, numeric)
    except _ProbeFailed:
        overrides |= {c: pl.String for c in numeric}
        mixed = [c for c in numeric if c not in roles.values()]
        if mixed:
            notices.append(
                f"read {_columns_list(mixed)} as text: not every value after the first "
                f"{INFER_ROWS:,} rows is a number"
            )
        return _attempt(path, kind, scan, overrides, roles, date_format, notices, [])


class _ProbeFailed(Exception):
    """A column inferred as numeric held something else further down the file."""


@contextmanager
def _probing(path: Path, what: str, probe: list[str]) -> Iterator[None]:
    """Like ``_reading``, but a failure while probing means "retry with text columns"."""
    try:
        with _reading(path, what):
            yield
    except SegtuiError as exc:
        if probe:
            raise _ProbeFailed from exc
        raise


def _attempt(
    path: Path,
    kind: str,
    scan: Scanner,
    overrides: dict[str, pl.DataType],
    roles: dict[str, str],
    date_format: str | None,
    notices: list[str],
    probe: list[str],
) -> Transactions:
    with _probing(path, f"cannot read it as {_LABELS[kind]}", probe):
        lf = scan(overrides)
        schema = lf.collect_schema()
        # Only the role columns: an attribute column cannot break the sample.
        head = lf.select(sorted(set(roles.values()))).head(SAMPLE_ROWS).collect()
    lf = lf.with_row_index(_ROW, offset=1)
    head = head.with_row_index(_ROW, offset=1)
    return _canonical(path, lf, schema, head, roles, date_format, list(notices), probe)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _validate(
    path: Path,
    lf: pl.LazyFrame,
    exprs: dict[str, pl.Expr],
    schema: pl.Schema,
    roles: dict[str, str],
    numbers: dict[str, pl.Expr],
    notices: list[str],
    probe: list[str],
    date_format: str | None,
) -> int:
    """One pass over the file: count rows, missing ids/dates and unparseable values.

    Returns the number of rows kept.  Parsing is lazy and lenient (unparseable ->
    null), so this pass is where a bad date or amount is caught and reported with
    its row; a second, cheap query only runs to fetch the offending example.
    """
    has_id = exprs["customer_id"].is_not_null()
    date_col = roles["order_date"]
    date_present = _present(date_col, schema[date_col])
    problems: dict[str, tuple[pl.Expr, str]] = {
        "bad_date": (has_id & date_present & exprs["order_date"].is_null(), "order_date"),
    }
    for role, number in numbers.items():
        column = roles[role]
        problems[f"bad_{role}"] = (
            has_id & _present(column, schema[column]) & number.is_null(), role
        )
    query = lf.select(
        pl.len().alias("rows"),
        (~has_id).sum().alias("no_id"),
        (has_id & ~date_present).sum().alias("no_date"),
        *(cond.sum().alias(name) for name, (cond, _) in problems.items()),
        *(pl.col(c).null_count().alias(f"__probe_{i}") for i, c in enumerate(probe)),
    )
    with _probing(path, "cannot read the file", probe):
        stats = query.collect().row(0, named=True)
    for name, (cond, role) in problems.items():
        if not stats[name]:
            continue
        column = roles[role]
        with _reading(path, "cannot read the file"):
            bad = lf.filter(cond).select(_ROW, pl.col(column)).head(1).collect()
        value, row = bad[column][0], int(bad[_ROW][0])
        if role == "order_date":
            raise _bad_date(path, column, str(value), row, date_format)
        raise _fail(
            path,
            f"column {column!r} holds a value that is not a number: {str(value)!r} "
            f"(row {row:,}); fix the file or pass --map {role}=COLUMN",
        )
    kept = stats["rows"] - stats["no_id"] - stats["no_date"]
    if stats["no_id"]:
        notices.append(f"dropped {_plural(stats['no_id'], 'row')} with no customer id")
    if stats["no_date"]:
        notices.append(f"dropped {_plural(stats['no_date'], 'row')} with no order date")
    if kept == 0:
        raise _fail(
            path,
            f"none of its {_plural(stats['rows'], 'row')} has both a customer id "
            f"(column {roles['customer_id']!r}) and an order date (column {date_col!r}); "
            f"check --map customer_id=COLUMN and --map order_date=COLUMN",
        )
    return kept


def _canonical(
    path: Path,
    lf: pl.LazyFrame,
    schema: pl.Schema,
    head: pl.DataFrame,
    roles: dict[str, str],
    date_format: str | None,
    notices: list[str],
    probe: list[str],
) -> Transactions:
    """Build, validate (one pass) and return the canonical frame."""
    exprs: dict[str, pl.Expr] = {}
    exprs["customer_id"] = _text_id(roles["customer_id"], schema[roles["customer_id"]],
                                    head[roles["customer_id"]])
    if "order_id" in roles:
        exprs["order_id"] = _text_id(roles["order_id"], schema[roles["order_id"]],
                                     head[roles["order_id"]])
    else:
        exprs["order_id"] = pl.col(_ROW).cast(pl.String)
        notices.append("no order id column: each row counts as one order")
    date = _date_plan(path, lf, roles["order_date"], schema[roles["order_date"]], head,
                      date_format)
    exprs["order_date"] = date.expr
    numbers = {
        role: _number(roles[role], schema[roles[role]], head[roles[role]])
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
    discount_kind: Literal["amount", "flag"] | None = None
    if "discount" in roles:
        exprs["discount"], discount_kind = _discount(
            roles["discount"], schema[roles["discount"]], head[roles["discount"]]
        )
    for role in ("product", "category", "channel"):
        if role in roles:
            exprs[role] = _text_id(roles[role], schema[roles[role]], head[roles[role]])
    used = set(roles.values())
    attrs = attribute_names([c for c in schema if c not in used and c != _ROW])

    selected = lf.select(
        pl.col(_ROW),
        *(expr.alias(name) for name, expr in exprs.items()),
        *(pl.col(src).alias(dst) for src, dst in attrs.items()),
    )
    rows = _validate(path, lf, exprs, schema, roles, numbers, notices, probe, date_format)

    is_return = pl.col("amount") < 0
    if "quantity" in exprs:
        is_return = is_return | (pl.col("quantity") < 0)
    if "order_id" in roles:
        is_return = is_return | pl.col("order_id").str.contains(r"^C\d")
    is_return = is_return.fill_null(False)
    order = ["customer_id", "order_id", "order_date", "amount", "is_return", "quantity",
             "unit_price", "discount", "product", "category", "channel"]
    frame = (
        selected.filter(pl.col("customer_id").is_not_null() & pl.col("order_date").is_not_null())
        .with_columns(is_return.alias("is_return"))
        .with_columns(
            pl.when(pl.col("is_return") & (pl.col("amount") > 0))
            .then(-pl.col("amount"))
            .otherwise(pl.col("amount"))
            .alias("amount")
        )
        .select(*(c for c in order if c == "is_return" or c in exprs), *attrs.values())
    )
    return Transactions(
        frame=frame,
        source=path,
        mapping=dict(roles),
        attributes=list(attrs.values()),
        discount_kind=discount_kind,
        notices=notices,
        rows=rows,
        date_formats=date.formats,
        attribute_sources={dst: src for src, dst in attrs.items()},
    )
