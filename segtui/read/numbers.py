"""Numbers in transaction files: amounts, quantities, prices and discounts.

Owns turning a numeric role into Float64 whatever the file holds: native numbers,
plain text numbers, or money text such as ``"$1,234.00"``, ``"12,50"`` or
``"(3.00)"`` (the 1,234.50 vs 1.234,50 convention is decided on a sample), and
deciding whether a discount column is money or a yes/no flag (promo codes count
as "yes").  Text that is not a number becomes null; ``transactions.py`` reports it by row.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from segtui.read.mapping import looks_numeric

__all__ = ["DiscountKind", "number", "discount"]

#: "amount" when a discount column holds money, "flag" when it is 1.0/0.0.
DiscountKind = Literal["amount", "flag"]

_PLAIN_NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"
_US_NUMBER = r"^[-+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$"
_EU_NUMBER = r"^[-+]?(\d{1,3}(\.\d{3})+|\d+)?(,\d+)?$"
_MONEY_NOISE = r"(?i)[\s$€£¥']|usd|eur|gbp"

_FLAG_TRUE = frozenset({"yes", "y", "true", "t", "1", "1.0", "x"})
_FLAG_FALSE = frozenset({"no", "n", "false", "f", "0", "0.0", "none", "null", "-", ""})


def _money_core(col: pl.Expr) -> pl.Expr:
    return col.str.replace_all(_MONEY_NOISE, "").str.strip_chars("()")


def number(column: str, dtype: pl.DataType, sample: pl.Series) -> pl.Expr:
    """A numeric role as Float64; text that is not a clean number becomes null.

    Parameters
    ----------
    column, dtype
        The source column and its dtype in the scan.
    sample
        The first rows of the column, used to pick the number convention
        (1,234.50 vs 1.234,50).

    Examples
    --------
    >>> df = pl.DataFrame({"c": ["$1,234.50", "(3.00)", "n/a"]})
    >>> df.select(number("c", pl.String, df["c"])).to_series().to_list()
    [1234.5, -3.0, None]
    """
    col = pl.col(column)
    if dtype.is_numeric() or dtype == pl.Boolean:
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
    parsed = digits.cast(pl.Float64, strict=False)
    return pl.when(valid).then(pl.when(negative).then(-parsed).otherwise(parsed))


def discount(
    column: str, dtype: pl.DataType, sample: pl.Series
) -> tuple[pl.Expr, DiscountKind]:
    """Discount as money (``amount``) or as a 1.0/0.0 flag; missing means no discount.

    Parameters
    ----------
    column, dtype
        The source column and its dtype in the scan.
    sample
        The first rows of the column, used to decide money vs flag.

    Returns
    -------
    tuple[pl.Expr, DiscountKind]
        A Float64 expression (money as a positive amount, or 1.0/0.0) and its kind.

    Examples
    --------
    >>> df = pl.DataFrame({"c": ["SPRING10", "", None]})
    >>> expr, kind = discount("c", pl.String, df["c"])
    >>> kind, df.select(expr).to_series().to_list()
    ('flag', [1.0, 0.0, 0.0])
    """
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
        return number(column, dtype, sample).abs().fill_null(0.0), "amount"
    # A promo/coupon code: having one means the line was discounted.
    used = ~text.str.to_lowercase().is_in(list(_FLAG_FALSE))
    return used.cast(pl.Float64).fill_null(0.0), "flag"
