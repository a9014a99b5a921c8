"""Order dates: deciding how a column of dates is written, and parsing it.

Owns every date rule of the loader: native date/datetime columns (time zones
dropped), ISO and other unambiguous text formats, US (month-first) vs day-first
numeric dates decided from the values (and, when the sample cannot tell, from the
whole column), YYYYMMDD and Unix-epoch integers, a user's ``--date-format``, and
the one-line error for a date that cannot be parsed.  Everything becomes
``Datetime("us")``; years outside 1900-2200 count as unparsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from segtui.read.columns import ROW, present
from segtui.errors import SegtuiError
from segtui.read.file_errors import fail, reading

__all__ = ["DatePlan", "date_plan", "bad_date"]

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



class AmbiguousDates(SegtuiError):
    """Dates that read both day-first and month-first; ``formats`` maps each reading to its format."""

    def __init__(self, message: str, title: str, formats: dict[str, str]) -> None:
        super().__init__(message, title=title)
        self.formats = formats

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
#: the same years as instants: two comparisons cost less than taking every date's year
_EARLIEST, _LATEST = datetime(_MIN_YEAR, 1, 1), datetime(_MAX_YEAR + 1, 1, 1)


def _strptime(text: pl.Expr, fmt: str) -> pl.Expr:
    parsed = text.str.strptime(pl.Datetime("us"), fmt, strict=False)
    if "%z" in fmt or "%#z" in fmt:
        parsed = parsed.dt.replace_time_zone(None)
    return parsed


def _parse_with(text: pl.Expr, formats: list[str], check: bool = True) -> pl.Expr:
    """Try each format in order; out-of-range years count as unparsed unless ``check`` is
    False (then ``in_range`` is left to the caller, on a column)."""
    parsed = (
        _strptime(text, formats[0])
        if len(formats) == 1
        else pl.coalesce([_strptime(text, f) for f in formats])
    )
    return in_range(parsed) if check else parsed


def in_range(dates: pl.Expr) -> pl.Expr:
    """``dates`` where the year is 1900-2200, null elsewhere.

    It names ``dates`` twice, and Polars computes an expression once per mention (its
    common-subexpression pass does not look inside one expression): pass a column, not a
    parse, or every date is parsed twice.

    Examples
    --------
    >>> from datetime import datetime
    >>> df = pl.DataFrame({"d": [datetime(1850, 1, 1), datetime(2024, 5, 1), None]})
    >>> df.select(in_range(pl.col("d"))).to_series().to_list()
    [None, datetime.datetime(2024, 5, 1, 0, 0), None]
    """
    inside = (dates >= pl.lit(_EARLIEST, pl.Datetime("us"))) & (dates < pl.lit(_LATEST, pl.Datetime("us")))
    return pl.when(inside).then(dates)


def _cover(values: pl.Series, formats: tuple[str, ...]) -> tuple[list[str], pl.Series]:
    """Formats (in order) needed to parse the sample, and which values none could."""
    frame = values.to_frame("v")
    remaining = pl.Series([True] * values.len(), dtype=pl.Boolean)
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
class DatePlan:
    """How to parse the order-date column.

    ``parse`` turns the source column into ``Datetime("us")`` (null where a value does
    not parse); ``formats`` are the strftime formats it tries, empty for native or
    epoch dates.  A text parse can give years outside 1900-2200, which count as unparsed:
    ``ranged`` says so, and ``checked`` nulls them on a column holding ``parse``'s values,
    so that the parse itself is computed once.
    """

    parse: pl.Expr
    formats: list[str]
    ranged: bool = False

    def checked(self, dates: pl.Expr) -> pl.Expr:
        """``dates`` (a column holding ``parse``'s values) with out-of-range years as null.

        Examples
        --------
        >>> s = pl.DataFrame({"d": ["2020-01-31", "1850-01-01"]})
        >>> plan = _parsed(pl.col("d"), ["%Y-%m-%d"])
        >>> s.select(plan.parse).select(plan.checked(pl.col("d"))).to_series().dt.year().to_list()
        [2020, None]
        """
        return in_range(dates) if self.ranged else dates

    @property
    def expr(self) -> pl.Expr:
        """The source column as checked dates, in one expression (it parses twice if ``ranged``)."""
        return self.checked(self.parse)


def _parsed(text: pl.Expr, formats: list[str]) -> DatePlan:
    """The plan that parses ``text`` with ``formats``, its range checked on a column."""
    return DatePlan(_parse_with(text, formats, check=False), formats, ranged=True)


def date_plan(
    path: Path,
    lf: pl.LazyFrame,
    column: str,
    dtype: pl.DataType,
    sample: pl.DataFrame,
    date_format: str | None,
    row: str = ROW,
) -> DatePlan:
    """Decide how to turn the order-date column into Datetime("us").

    Parameters
    ----------
    path
        The file, for error messages.
    lf
        The whole file: read only when the sample fits both day-first and
        month-first dates.
    column, dtype
        The order-date column and its dtype in the scan.
    sample
        The first rows, with the row-number column ``row`` for error messages.
    date_format
        The user's ``--date-format``, used as is when given.
    row
        The name of the row-number column in ``lf`` and ``sample``.

    Returns
    -------
    DatePlan
        The parse expression and the formats it uses.

    Raises
    ------
    SegtuiError
        When a sample value fits no known format, the column is not date-like,
        or day-first vs month-first cannot be decided.

    Examples
    --------
    >>> s = pl.DataFrame({ROW: [1, 2], "d": ["31/12/2020", "01/02/2021"]})
    >>> plan = date_plan(Path("t.csv"), s.lazy(), "d", pl.String, s, None)
    >>> plan.formats, s.select(plan.expr).to_series().dt.month().to_list()
    (['%d/%m/%Y'], [12, 2])
    """
    col = pl.col(column)
    if isinstance(dtype, pl.Datetime):
        native = col.dt.replace_time_zone(None) if dtype.time_zone else col
        return DatePlan(native.cast(pl.Datetime("us")), [])
    if dtype == pl.Date:
        return DatePlan(col.cast(pl.Datetime("us")), [])
    if date_format:
        return _parsed(col.cast(pl.String).str.strip_chars(), [date_format])
    if dtype.is_integer():
        return _integer_dates(path, column, sample)
    if dtype != pl.String:
        raise fail(
            path,
            f"order date column {column!r} holds {dtype} values, not dates; "
            f"map another column with --map order_date=COLUMN",
        )
    text = col.str.strip_chars()
    rows = sample.filter(present(column, dtype)).select(row, text.alias("v"))
    if rows.height == 0:
        # Blank dates at the top: decide from the first filled-in ones further down.
        with reading(path, "cannot read the order dates"):
            rows = (
                lf.filter(present(column, dtype)).select(row, text.alias("v"))
                .head(sample.height).collect()
            )
    if rows.height == 0:
        raise fail(
            path,
            f"order date column {column!r} is empty (no row has a value); "
            f"map another column with --map order_date=COLUMN",
        )
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
        raise _no_single_format(path, column, rows, families, row)
    return _parsed(text, formats)


def _no_single_format(
    path: Path,
    column: str,
    rows: pl.DataFrame,
    families: dict[str, tuple[list[str], pl.Series]],
    row: str,
) -> SegtuiError:
    """No one family of formats reads every sampled date: a bad value, or mixed formats."""
    left = [mask for _, mask in families.values()]
    nowhere = left[0] & left[1] & left[2]
    if nowhere.any():
        bad = rows.filter(nowhere)
        return bad_date(path, column, str(bad["v"][0]), int(bad[row][0]))
    # Every value parses, just not with one convention: show two that disagree.
    best = min(families, key=lambda name: int(families[name][1].sum()))
    fits, misfit = rows.filter(~families[best][1]), rows.filter(families[best][1])
    first, other = (fits, misfit) if fits[row][0] < misfit[row][0] else (misfit, fits)
    return fail(
        path,
        f"order dates in column {column!r} mix formats: {first['v'][0]!r} (row "
        f"{first[row][0]:,}) and {other['v'][0]!r} (row {other[row][0]:,}) are written "
        f"differently; export the dates in one format",
    )


def _resolve_day_month(
    path: Path,
    lf: pl.LazyFrame,
    column: str,
    families: dict[str, tuple[list[str], pl.Series]],
) -> list[str]:
    """The sample fits both day-first and month-first: let the whole column decide."""
    text = pl.col(column).str.strip_chars()
    month_first, day_first = families["month_first"][0], families["day_first"][0]
    filled = text.str.len_bytes() > 0
    with reading(path, "cannot read the order dates"):
        misses = lf.select(
            (filled & _parse_with(text, month_first).is_null()).sum().alias("mf"),
            (filled & _parse_with(text, day_first).is_null()).sum().alias("df"),
        ).collect()
    mf, df = int(misses["mf"][0]), int(misses["df"][0])
    if mf == 0 and df == 0:
        err = fail(
            path,
            f"order dates in column {column!r} could be day-first or month-first "
            f"(e.g. 01/02 = 1 Feb or 2 Jan); pass --date-format "
            f"'{day_first[0]}' or --date-format '{month_first[0]}'",
        )
        # the app offers these as a choice instead of only quitting
        raise AmbiguousDates(err.message, err.title, {"day-first": day_first[0], "month-first": month_first[0]})
    return month_first if mf <= df else day_first


def _integer_dates(path: Path, column: str, sample: pl.DataFrame) -> DatePlan:
    col = pl.col(column)
    values = sample[column].drop_nulls()
    low, high = (values.min(), values.max()) if values.len() else (None, None)
    if low is not None and 19000101 <= low and high <= 22001231:
        return _parsed(col.cast(pl.String), ["%Y%m%d"])
    for unit, (lo, hi) in {"s": (10**8, 10**10), "ms": (10**11, 10**13)}.items():
        if low is not None and lo <= low and high < hi:
            return DatePlan(pl.from_epoch(col, time_unit=unit).cast(pl.Datetime("us")), [])
    raise fail(
        path,
        f"order date column {column!r} holds integers that are neither YYYYMMDD nor "
        f"Unix timestamps (e.g. {low}); pass --date-format or map another column",
    )


def bad_date(
    path: Path, column: str, value: str, row: int, date_format: str | None = None
) -> SegtuiError:
    """The error for an order date that cannot be parsed, naming its value and row.

    With the user's ``date_format`` the fix is that format; otherwise it is to pass one.

    Examples
    --------
    >>> print(bad_date(Path("t.csv"), "D", "9", 7, "%Y"))
    t.csv: order date '9' in column 'D' (row 7) does not match --date-format '%Y'; fix the format
    """
    where = f"order date {value!r} in column {column!r} (row {row:,})"
    if date_format:
        return fail(path, f"{where} does not match --date-format {date_format!r}; fix the format")
    return fail(
        path,
        f"cannot parse {where}; pass --date-format, e.g. --date-format '%d/%m/%Y %H:%M'",
    )
