"""Reading single source cells: is a cell filled in, and ids/labels as clean text.

Owns the rules every loader step shares about raw cells: blank text counts as
missing, ids keep their leading zeros, and ``12346.0`` from a spreadsheet export
is the id ``"12346"``.  Also names the row-number column that lets a bad value be
reported with its row.  Split out of ``transactions.py`` because dates, numbers and the
validation pass all depend on these rules and must agree on them.
"""

from __future__ import annotations

import polars as pl

__all__ = ["ROW", "padded", "row_column", "present", "text_id"]

#: Row-number column (1-based) added while loading, to report bad values by row.
ROW = "__segtui_row"


def row_column(names: list[str]) -> str:
    """A name for the row-number column that none of the file's columns has.

    Examples
    --------
    >>> row_column(["id"]), row_column(["id", ROW])
    ('__segtui_row', '___segtui_row')
    """
    name = ROW
    while name in names:
        name = f"_{name}"
    return name


def present(column: str, dtype: pl.DataType) -> pl.Expr:
    """True where the source cell holds something (not null, not blank text).

    Examples
    --------
    >>> df = pl.DataFrame({"c": ["a", "  ", None]})
    >>> df.select(present("c", pl.String)).to_series().to_list()
    [True, False, False]
    """
    col = pl.col(column)
    if dtype == pl.String:
        return (col.str.strip_chars().str.len_bytes() > 0).fill_null(False)
    return col.is_not_null()


def padded(column: str) -> pl.Expr:
    """True where the text cell has white space to strip at either end (``text_id``).

    Examples
    --------
    >>> pl.DataFrame({"c": ["a", " a", "a\t", "", None]}).select(padded("c")).to_series().to_list()
    [False, True, True, False, None]
    """
    col = pl.col(column)
    return col.str.strip_chars().str.len_bytes() != col.str.len_bytes()


def text_id(column: str, dtype: pl.DataType, sample: pl.Series, trimmed: bool = False) -> pl.Expr:
    """An id as stripped text; empty -> null; 12346.0 -> "12346" (spreadsheet exports).

    Parameters
    ----------
    column, dtype
        The source column and its dtype in the scan.
    sample
        The first rows of the column: text ids all ending in ``.0`` lose it.
    trimmed
        Whether no value of the column has white space to strip at either end (``padded``
        found none): stripping is then left out, the same ids for a fifth of the work.

    Examples
    --------
    >>> df = pl.DataFrame({"c": [" 007 ", "", "12.0"]})
    >>> df.select(text_id("c", pl.String, df["c"])).to_series().to_list()
    ['007', None, '12.0']
    >>> df = pl.DataFrame({"c": ["007", "", "12.0"]})
    >>> df.select(text_id("c", pl.String, df["c"], trimmed=True)).to_series().to_list()
    ['007', None, '12.0']
    """
    col = pl.col(column)
    if dtype.is_float():
        integral = col.cast(pl.Int64, strict=False).cast(pl.String)
        return pl.when(col == col.floor()).then(integral).otherwise(col.cast(pl.String))
    if dtype != pl.String:
        return col.cast(pl.String)
    text = col if trimmed else col.str.strip_chars()
    values = sample.drop_nulls().str.strip_chars()
    values = values.filter(values.str.len_bytes() > 0)
    if values.len() and values.str.contains(r"^\d+\.0+$").all():
        text = text.str.replace(r"\.0+$", "")
    # not text.replace("", None): Polars 2.1 runs ``replace`` on its in-memory engine, which
    # holds every line of the file at once (1.2 GB more at 10M lines)
    return pl.when(text.str.len_bytes() > 0).then(text)
