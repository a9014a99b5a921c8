"""Occasion calendar: named date windows of the year, each a pair of customer-view columns.

A rule file's ``occasions:`` names windows as ``MM-DD..MM-DD`` (both days included, any
year; a window may cross New Year: ``12-26..01-06``), or says ``default`` for the shipped
calendar ``DEFAULT_OCCASIONS``, or lists names from it. Each occasion ``name`` gives

- ``<name>_orders``: the customer's orders (non-return, as ``orders`` counts them) whose
  date (the earliest line's) falls in the window, in any year;
- ``<name>_revenue_share``: revenue of the lines dated in the window / revenue, null unless
  revenue is positive to the cent (as ``q4_revenue_share``).

Transactions after the as-of date are left out, as everywhere in the view.
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl

__all__ = ["DEFAULT_OCCASIONS", "parse_window", "resolve_occasions", "occasion_columns", "occasion_names"]

#: The shipped calendar of common retail occasions (fixed dates; movable feasts such as
#: Easter or Mother's Day differ by year and country: name your own window for them).
DEFAULT_OCCASIONS: dict[str, str] = {
    "new_year_sales": "01-01..01-15",
    "valentines": "02-01..02-14",
    "back_to_school": "08-10..09-10",
    "halloween": "10-15..10-31",
    "black_friday": "11-20..11-30",
    "christmas": "12-01..12-24",
    "boxing_day": "12-26..12-31",
}

_WINDOW = re.compile(r"^\s*(\d{2})-(\d{2})\s*\.\.\s*(\d{2})-(\d{2})\s*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_window(text: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """((month, day), (month, day)) of a window ``MM-DD..MM-DD``; ValueError says why not.

    Examples
    --------
    >>> parse_window("11-20..11-30"), parse_window("12-26..01-06")
    (((11, 20), (11, 30)), ((12, 26), (1, 6)))
    >>> parse_window("02-30..03-01")
    Traceback (most recent call last):
    ...
    ValueError: "02-30..03-01": 02-30 is not a day of the year
    """
    match = _WINDOW.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a window like 02-01..02-14 (MM-DD..MM-DD)")
    start, end = (int(match[1]), int(match[2])), (int(match[3]), int(match[4]))
    for month, day in (start, end):
        try:
            date(2000, month, day)  # a leap year: 02-29 is a day of the year
        except ValueError:
            raise ValueError(f'"{text.strip()}": {month:02d}-{day:02d} is not a day of the year') from None
    return start, end


def resolve_occasions(value: object) -> tuple[dict[str, str], list[str]]:
    """The windows a rule file's ``occasions:`` value names, and its problems (one line each).

    Examples
    --------
    >>> resolve_occasions({"valentines": "02-01..02-14"})
    ({'valentines': '02-01..02-14'}, [])
    >>> resolve_occasions(["black_friday", "xmas"])[1]
    ['"xmas" is not in the default calendar (new_year_sales, valentines, back_to_school, halloween, black_friday, christmas, boxing_day)']
    >>> len(resolve_occasions("default")[0])
    7
    """
    if value is None:
        return {}, []
    if value == "default":
        return dict(DEFAULT_OCCASIONS), []
    known = ", ".join(DEFAULT_OCCASIONS)
    if isinstance(value, list):
        found, problems = {}, []
        for name in value:
            if name in DEFAULT_OCCASIONS:
                found[name] = DEFAULT_OCCASIONS[name]
            else:
                problems.append(f'"{name}" is not in the default calendar ({known})')
        return found, problems
    if not isinstance(value, dict):
        return {}, ["must be default, a list of default occasions or a mapping of name: MM-DD..MM-DD"]
    found, problems = {}, []
    for name, window in value.items():
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append(f"{name!r}: an occasion name is lower_snake_case (it names columns)")
            continue
        try:
            parse_window(window)
        except ValueError as err:
            problems.append(f"{name}: {err}")
            continue
        found[name] = str(window).strip()
    return found, problems


def occasion_names(occasions: dict[str, str]) -> list[str]:
    """The columns the occasions add, in order.

    Examples
    --------
    >>> occasion_names({"valentines": "02-01..02-14"})
    ['valentines_orders', 'valentines_revenue_share']
    """
    return [f"{name}_{kind}" for name in occasions for kind in ("orders", "revenue_share")]


def _in_window(day: pl.Expr, window: str) -> pl.Expr:
    (m1, d1), (m2, d2) = parse_window(window)
    key = day.dt.month().cast(pl.Int32) * 100 + day.dt.day().cast(pl.Int32)
    start, end = m1 * 100 + d1, m2 * 100 + d2
    return (key >= start) & (key <= end) if start <= end else (key >= start) | (key <= end)


def occasion_columns(transactions: pl.LazyFrame, view: pl.DataFrame, occasions: dict[str, str], as_of: date) -> pl.DataFrame:
    """``view`` with ``occasion_names(occasions)`` joined on (see the module docs).

    ``transactions`` is the canonical frame (customer_id, order_date, amount, is_return and
    optionally order_id); customers without a window's orders get 0 and a share of 0.
    """
    if not occasions:
        return view
    schema = transactions.collect_schema()
    lines = transactions.filter(pl.col("order_date").cast(pl.Date) <= as_of).with_columns(
        day=pl.col("order_date").cast(pl.Date),
        buy=~pl.col("is_return").fill_null(False) if "is_return" in schema else pl.lit(True),
        order=pl.col("order_id").cast(pl.String) if "order_id" in schema else pl.int_range(pl.len()).cast(pl.String),
    )
    orders = lines.group_by("customer_id", "order").agg(day=pl.col("day").min(), buy=pl.col("buy").any())
    per_order = orders.group_by("customer_id").agg(
        pl.col("buy").filter(_in_window(pl.col("day"), w)).sum().cast(pl.Int64).alias(f"{name}_orders")
        for name, w in occasions.items()
    )
    cents = (pl.col("amount").cast(pl.Float64).fill_null(0) * 100).round(0)
    per_line = lines.group_by("customer_id").agg(
        cents.filter(_in_window(pl.col("day"), w)).sum().alias(f"_{name}") for name, w in occasions.items()
    )
    found = per_order.join(per_line, on="customer_id", how="full", coalesce=True).collect()
    joined = view.join(found.with_columns(pl.col("customer_id").cast(view.schema["customer_id"])), on="customer_id", how="left", maintain_order="left")
    revenue = pl.col("revenue")
    shares = [
        pl.when(revenue > 0.005).then(pl.col(f"_{name}").fill_null(0) / 100 / revenue).alias(f"{name}_revenue_share")
        for name in occasions
    ]
    counts = [pl.col(f"{name}_orders").fill_null(0) for name in occasions]
    return joined.with_columns(*counts, *shares).drop(f"_{name}" for name in occasions).select(*view.columns, *occasion_names(occasions))
