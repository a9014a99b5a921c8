"""Human formatting of numbers and cells, shared by every TUI widget and screen.

One place so that a count, an amount or a share looks the same in the segment list, the
breakdown, the customer table and the status bar.
"""

from __future__ import annotations

import datetime as dt
import math

__all__ = ["fmt_count", "fmt_money", "fmt_pct", "fmt_number", "fmt_value"]

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def _is_missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_count(n: int | float | None) -> str:
    """Format a count with thousands separators.

    Parameters
    ----------
    n
        A count; floats are rounded. None / NaN give "".

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_count(1234567)
    '1,234,567'
    >>> fmt_count(None)
    ''
    """
    if _is_missing(n):
        return ""
    return f"{round(n):,}"


def fmt_money(x: float | int | None) -> str:
    """Format an amount compactly: 950, 12.3k, 1.2M, 3.4B (no currency symbol).

    The source files carry no currency, so none is invented. Amounts below 1,000 keep
    no decimals; larger ones show one decimal with a k/M/B/T suffix.

    Parameters
    ----------
    x
        An amount, possibly negative. None / NaN give "".

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_money(950.4)
    '950'
    >>> fmt_money(12_345)
    '12.3k'
    >>> fmt_money(-1_250_000)
    '-1.2M'
    >>> fmt_money(999_960)
    '1.0M'
    """
    if _is_missing(x):
        return ""
    a = abs(float(x))
    sign = "-" if x < 0 and round(a) > 0 else ""  # never "-0"
    if round(a) < 1000:
        return f"{sign}{a:.0f}"
    for i, (threshold, suffix) in enumerate(_SUFFIXES):
        if a >= threshold * 0.99995:
            scaled = a / threshold
            # 999.96k would print as "1000.0k": promote to the next unit instead.
            if round(scaled, 1) >= 1000 and i > 0:
                up_threshold, up_suffix = _SUFFIXES[i - 1]
                return f"{sign}{a / up_threshold:.1f}{up_suffix}"
            return f"{sign}{scaled:.1f}{suffix}"
    return f"{sign}{a:.0f}"  # pragma: no cover - unreachable, kept for type checkers


def fmt_pct(p: float | None) -> str:
    """Format a percentage given on a 0-100 scale with one decimal.

    Examples
    --------
    >>> fmt_pct(12.345)
    '12.3%'
    >>> fmt_pct(None)
    ''
    """
    if _is_missing(p):
        return ""
    return f"{p:.1f}%"


def fmt_number(x: float | int | None, decimals: int = 2) -> str:
    """Format a number in full with thousands separators (floats with ``decimals``).

    Examples
    --------
    >>> fmt_number(1234.5)
    '1,234.50'
    >>> fmt_number(1234)
    '1,234'
    >>> fmt_number(-0.0)
    '0.00'
    """
    if _is_missing(x):
        return ""
    if isinstance(x, float):
        if math.isinf(x):
            return "∞" if x > 0 else "-∞"
        if abs(x) < 0.5 * 10**-decimals:
            x = 0.0  # no "-0.00" for negative zero or tiny negatives
        return f"{x:,.{decimals}f}"
    return f"{x:,}"


def fmt_value(value: object) -> str:
    """Format any cell value for a table: numbers in full, dates ISO, None as "".

    Examples
    --------
    >>> fmt_value(dt.date(2011, 12, 9))
    '2011-12-09'
    >>> fmt_value(3.14159)
    '3.14'
    >>> fmt_value(True)
    'true'
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return fmt_number(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, list):
        return ", ".join(fmt_value(v) for v in value)
    return str(value)
