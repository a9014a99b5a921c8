"""Synthetic transactions shaped like a real shop export.

Used for ``sample_data/transactions.csv`` (what ``segtui`` opens with no file) and for the
benchmarks (up to 10M lines), so it is fully vectorised: every random draw is one numpy
call over all customers, orders or lines; there is no Python loop over rows.

Behaviours are planted so that every segment in the shipped rule sets has members:
a heavy-tailed spend with a small VIP head, one-and-done buyers, churned customers,
recent newcomers, discount seekers, "charmed" customers (second order within two weeks),
Q4/holiday shoppers, weekend shoppers, dayparts, returns (whole orders and single lines)
and multi-line orders.  The output columns use the plain names segtui's auto-detection
maps (``customer_id``, ``order_id``, ``order_date``, ``amount``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from segtui.errors import SegtuiError
from segtui.export import write_atomic

__all__ = [
    "DEFAULT_START",
    "DEFAULT_END",
    "LINES_PER_CUSTOMER",
    "MAX_CUSTOMERS",
    "SAMPLE_CUSTOMERS",
    "SAMPLE_SEED",
    "SAMPLE_FORMATS",
    "customers_for_transactions",
    "generate_transactions",
    "write_sample",
]

#: First and last day of the default two-year span (fixed so results are reproducible).
DEFAULT_START = date(2024, 1, 1)
DEFAULT_END = date(2025, 12, 31)
#: Average transaction lines (sales + returns) per customer; stable for any span.
LINES_PER_CUSTOMER = 10.0
#: How the bundled ``sample_data/transactions.csv`` was made.
SAMPLE_CUSTOMERS = 3000
SAMPLE_SEED = 42
#: Most customers one call generates (~100M lines): far beyond any benchmark, and a
#: typo of a few extra digits gets a message instead of a MemoryError from numpy.
MAX_CUSTOMERS = 10_000_000
#: File extensions ``write_sample`` understands.
SAMPLE_FORMATS = (".csv", ".parquet", ".jsonl", ".ndjson", ".json", ".xlsx")

_EPOCH = date(1970, 1, 1)
_DAY_S = 86_400
_US = 1_000_000
_XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit minus the header row

# ---------------------------------------------------------------------------------------
# Catalogue and attribute distributions (constants, not drawn: the shop stays the same
# whatever the seed, only its customers change).
# ---------------------------------------------------------------------------------------

#: category -> (share of lines, [(product, unit price), ...] in order of popularity)
_CATALOGUE: dict[str, tuple[float, list[tuple[str, float]]]] = {
    "Fashion": (0.20, [
        ("Cotton T-Shirt", 15.00), ("Wool Socks", 9.50), ("Hoodie", 39.99),
        ("Denim Jeans", 59.00), ("Leather Belt", 34.00), ("Winter Coat", 149.00),
    ]),
    "Home & Kitchen": (0.18, [
        ("Coffee Mug", 8.99), ("Scented Candle", 14.50), ("Cotton Towel Set", 29.99),
        ("Cast Iron Pan", 45.00), ("Chef's Knife", 64.00), ("Espresso Machine", 329.00),
    ]),
    "Electronics": (0.14, [
        ("Phone Charger", 19.99), ("Wireless Earbuds", 59.99), ("Tablet Stand", 24.50),
        ("Bluetooth Speaker", 49.99), ("Smart Watch", 199.00),
        ("Noise-Cancelling Headphones", 249.00),
    ]),
    "Beauty": (0.12, [
        ("Lip Balm", 4.99), ("Shampoo", 11.50), ("Face Cream", 24.99),
        ("Makeup Brush Set", 32.00), ("Perfume", 79.00), ("Hair Dryer", 89.00),
    ]),
    "Books": (0.10, [
        ("Paperback Novel", 9.99), ("Notebook", 6.50), ("Children's Picture Book", 7.99),
        ("Travel Guide", 18.99), ("Cookbook", 24.00), ("Art Book", 45.00),
    ]),
    "Sports & Outdoors": (0.09, [
        ("Water Bottle", 17.99), ("Resistance Bands", 14.99), ("Yoga Mat", 29.00),
        ("Camping Lantern", 27.50), ("Running Shoes", 99.00), ("Tent", 189.00),
    ]),
    "Toys & Games": (0.09, [
        ("Card Game", 12.00), ("Jigsaw Puzzle", 16.99), ("Plush Bear", 19.50),
        ("Board Game", 34.99), ("Building Blocks Set", 49.99), ("Remote Control Car", 69.00),
    ]),
    "Grocery": (0.08, [
        ("Dark Chocolate", 3.49), ("Green Tea", 5.99), ("Granola", 6.79),
        ("Ground Coffee", 8.49), ("Olive Oil", 12.99), ("Gift Hamper", 55.00),
    ]),
}

_PRODUCTS = [name for _, items in _CATALOGUE.values() for name, _ in items]
_PRICES = np.array([price for _, items in _CATALOGUE.values() for _, price in items])
_CATEGORY_OF_PRODUCT = [cat for cat, (_, items) in _CATALOGUE.items() for _ in items]

_COUNTRIES = {
    "United Kingdom": 0.38, "United States": 0.18, "Germany": 0.10, "France": 0.09,
    "Netherlands": 0.06, "Spain": 0.05, "Italy": 0.04, "Ireland": 0.03,
    "Australia": 0.03, "Canada": 0.02, "Sweden": 0.02,
}
_AGE_BANDS = {"18-24": 0.12, "25-34": 0.28, "35-44": 0.24, "45-54": 0.17, "55-64": 0.11, "65+": 0.08}
_CHANNELS = {"web": 0.45, "app": 0.20, "store": 0.20, "marketplace": 0.15}
_DEVICES = {"desktop": 0.45, "mobile": 0.45, "tablet": 0.10}
#: daypart -> (share, first hour, length in hours); night wraps past midnight
_DAYPARTS = {"morning": (0.20, 6, 6), "afternoon": (0.30, 12, 5), "evening": (0.38, 17, 5), "night": (0.12, 22, 8)}

# Behaviour knobs.  Shares are of all customers unless noted.
_SINGLE_SHARE = 0.36          # one-and-done buyers
_CHURN_SHARE = 0.35           # of repeat buyers: activity stops after a short lifespan
_CHURN_LIFESPAN_DAYS = 120.0  # mean of that lifespan (exponential)
_DISCOUNT_SEEKER_SHARE = 0.10
_DISCOUNT_P = (0.10, 0.85)    # chance an order is discounted: others, seekers
_DISCOUNT_PCTS = np.array([0.10, 0.15, 0.20, 0.25, 0.30])
_Q4_SHOPPER_SHARE = 0.08
_Q4_P = (0.05, 0.90)          # chance an order is moved into Oct-Dec: others, Q4 shoppers
_WEEKEND_SHOPPER_SHARE = 0.12
_WEEKEND_P = 0.85             # weekend shoppers' orders moved to Saturday/Sunday
_CHARMED_SHARE = 0.25         # of repeat buyers: second order within 1-14 days
_VIP_SHARE = 0.03             # customers with a Pareto-boosted order rate and basket
_ORDER_RATE = 7.95            # calibrated so lines per customer average LINES_PER_CUSTOMER
_MAX_ORDERS = 400
_EXTRA_LINES_MEAN = 1.5       # lines per order = 1 + Poisson(this)
_WHOLE_RETURN_P = 0.012       # orders returned in full
_LINE_RETURN_P = 0.025        # other lines returned (part of the quantity)
_RETURN_MAX_DAYS = 30


def _probs(weights: dict[str, float] | list[float]) -> np.ndarray:
    p = np.asarray(list(weights.values()) if isinstance(weights, dict) else weights, dtype=float)
    return p / p.sum()


def _day_number(d: date) -> int:
    return (d - _EPOCH).days


def _year_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _q4_bounds(years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Day numbers of 1 October and 31 December of each year."""
    months = (years - 1970).astype("datetime64[Y]").astype("datetime64[M]")
    oct1 = (months + 9).astype("datetime64[D]").astype(np.int64)
    dec31 = (months + 12).astype("datetime64[D]").astype(np.int64) - 1
    return oct1, dec31


@dataclass
class _Customers:
    """Per-customer traits (arrays of length n)."""

    first_day: np.ndarray
    last_day: np.ndarray  # end of the customer's active window
    n_orders: np.ndarray
    country: np.ndarray
    age_band: np.ndarray
    channel: np.ndarray
    device: np.ndarray
    daypart: np.ndarray
    category: np.ndarray
    discount_seeker: np.ndarray
    q4_shopper: np.ndarray
    weekend_shopper: np.ndarray
    charmed: np.ndarray
    basket: np.ndarray  # Poisson mean of extra units per line


def _draw_customers(rng: np.random.Generator, n: int, start: int, end: int) -> _Customers:
    span = end - start + 1
    u = rng.random((8, n))
    # Acquisition leans towards the recent past (a growing shop), so "new" customers exist.
    first = start + np.floor(span * u[0] ** 0.85).astype(np.int64)
    single = u[1] < _SINGLE_SHARE
    q4 = u[2] < _Q4_SHOPPER_SHARE
    # Q4 shoppers never churn so that every Q4 of their window is still reachable.
    churn = ~single & ~q4 & (u[3] < _CHURN_SHARE)
    lifespan = np.ceil(rng.exponential(_CHURN_LIFESPAN_DAYS, n)).astype(np.int64)
    last = np.where(churn, np.minimum(first + lifespan, end), end)
    # Heavy tail: lognormal order rate for everyone, a Pareto boost for a small VIP head.
    vip = u[4] < _VIP_SHARE
    rate = rng.lognormal(-0.5, 1.0, n) * np.where(vip, 3.0 + 4.0 * rng.pareto(1.5, n), 1.0)
    window_share = (last - first + 1) / span
    extra = rng.poisson(np.minimum(_ORDER_RATE * rate * window_share, _MAX_ORDERS))
    n_orders = np.where(single, 1, np.minimum(2 + extra, _MAX_ORDERS))
    return _Customers(
        first_day=first,
        last_day=last,
        n_orders=n_orders.astype(np.int64),
        country=rng.choice(len(_COUNTRIES), n, p=_probs(_COUNTRIES)),
        age_band=rng.choice(len(_AGE_BANDS), n, p=_probs(_AGE_BANDS)),
        channel=rng.choice(len(_CHANNELS), n, p=_probs(_CHANNELS)),
        device=rng.choice(len(_DEVICES), n, p=_probs(_DEVICES)),
        daypart=rng.choice(len(_DAYPARTS), n, p=_probs([v[0] for v in _DAYPARTS.values()])),
        category=rng.choice(len(_CATALOGUE), n, p=_probs([v[0] for v in _CATALOGUE.values()])),
        discount_seeker=u[5] < _DISCOUNT_SEEKER_SHARE,
        q4_shopper=q4,
        weekend_shopper=u[6] < _WEEKEND_SHOPPER_SHARE,
        charmed=~single & (u[7] < _CHARMED_SHARE),
        basket=np.where(vip, 1.2, 0.3),
    )


def _order_days(rng: np.random.Generator, c: _Customers, cust: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Order dates (day numbers), sorted within each customer; first order on first_day."""
    o = cust.size
    first, last = c.first_day[cust], c.last_day[cust]
    u = rng.random((6, o))
    day = np.where(rank == 0, first, first + np.floor(u[0] * (last - first + 1)).astype(np.int64))

    # Holiday season: move an order into Oct-Dec of a year inside the customer's window.
    to_q4 = u[1] < np.where(c.q4_shopper[cust], _Q4_P[1], _Q4_P[0])
    y_first, y_last = _year_of(first), _year_of(last)
    year = y_first + np.floor(u[2] * (y_last - y_first + 1)).astype(np.int64)
    oct1, dec31 = _q4_bounds(year)
    lo, hi = np.maximum(first, oct1), np.minimum(last, dec31)
    q4_day = lo + np.floor(u[3] * (hi - lo + 1)).astype(np.int64)
    day = np.where(to_q4 & (lo <= hi), q4_day, day)

    # Weekend shoppers: move to the Saturday or Sunday of the same week (or the week before).
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    to_weekend = c.weekend_shopper[cust] & (u[4] < _WEEKEND_P) & (weekday < 5)
    weekend_day = day - weekday + 5 + (u[5] < 0.5)
    weekend_day = np.where(weekend_day > last, weekend_day - 7, weekend_day)
    day = np.where(to_weekend & (weekend_day >= first), weekend_day, day)

    # Sorting within the customer makes rank 0 the first purchase and rank 1 the second.
    # Customers are contiguous, so one sort of (customer, day) keys does it; equal keys are
    # equal values, so the result cannot depend on the sort algorithm.
    base = first.min()
    span = last.max() - base + 1
    day = np.sort(cust * span + (day - base)) - cust * span + base
    # Charmed customers come back within two weeks; taking the minimum keeps the order sorted.
    second = np.flatnonzero((rank == 1) & c.charmed[cust])
    soon = day[second - 1] + rng.integers(1, 15, second.size)
    day[second] = np.minimum(day[second], np.minimum(soon, last[second]))
    return day


@dataclass
class _Orders:
    """Per-order facts (arrays of length n_orders)."""

    cust: np.ndarray
    stamp: np.ndarray  # order time, microseconds since the epoch
    return_stamp: np.ndarray  # when a return of this order would happen
    number: np.ndarray  # 1.. in time order (the O/R number in order_id)
    channel: np.ndarray
    device: np.ndarray  # -1 for store orders
    pct: np.ndarray  # discount rate, 0 when none
    whole_return: np.ndarray
    returnable: np.ndarray  # return_stamp falls inside the export's span


def _draw_orders(rng: np.random.Generator, c: _Customers, end_day: int) -> _Orders:
    cust = np.repeat(np.arange(c.n_orders.size), c.n_orders)
    n = cust.size
    rank = np.arange(n) - np.repeat(np.cumsum(c.n_orders) - c.n_orders, c.n_orders)
    day = _order_days(rng, c, cust, rank)

    u = rng.random((6, n))
    channel = np.where(u[0] < 0.8, c.channel[cust], rng.choice(len(_CHANNELS), n, p=_probs(_CHANNELS)))
    store, app = channel == list(_CHANNELS).index("store"), channel == list(_CHANNELS).index("app")
    device = np.where(u[1] < 0.8, c.device[cust], rng.choice(len(_DEVICES), n, p=_probs(_DEVICES)))
    # Apps run on phones and tablets; a store sale has no device.
    mobile, tablet = list(_DEVICES).index("mobile"), list(_DEVICES).index("tablet")
    device = np.where(app, np.where(u[1] < 0.85, mobile, tablet), device)
    device = np.where(store, -1, device)

    part_share = _probs([v[0] for v in _DAYPARTS.values()])
    daypart = np.where(u[2] < 0.7, c.daypart[cust], rng.choice(part_share.size, n, p=part_share))
    part_start = np.array([v[1] for v in _DAYPARTS.values()]) * 3600
    part_len = np.array([v[2] for v in _DAYPARTS.values()]) * 3600
    secs = (part_start[daypart] + np.floor(u[3] * part_len[daypart]).astype(np.int64)) % _DAY_S
    secs = np.where(store, 9 * 3600 + np.floor(u[3] * 11 * 3600).astype(np.int64), secs)  # shop hours
    stamp = (day * _DAY_S + secs) * _US

    discounted = u[4] < np.where(c.discount_seeker[cust], _DISCOUNT_P[1], _DISCOUNT_P[0])
    pct = np.where(discounted, _DISCOUNT_PCTS[rng.integers(0, _DISCOUNT_PCTS.size, n)], 0.0)
    return_stamp = stamp + rng.integers(_DAY_S, (_RETURN_MAX_DAYS + 1) * _DAY_S, n) * _US
    # A return that would fall after the end of the export has not happened yet.
    returnable = return_stamp < (end_day + 1) * _DAY_S * _US

    # Order numbers follow time, like a real shop's invoice sequence; a stable sort keeps
    # ties (same second) in a fixed order on every machine.
    number = np.empty(n, dtype=np.int64)
    number[np.argsort(stamp, kind="stable")] = np.arange(1, n + 1)
    return _Orders(cust, stamp, return_stamp, number, channel.astype(np.int8), device.astype(np.int8),
                   pct, returnable & (u[5] < _WHOLE_RETURN_P), returnable)


def _draw_lines(rng: np.random.Generator, c: _Customers, o: _Orders) -> tuple[pl.DataFrame, np.ndarray]:
    """Sale and return lines as integer codes, sorted as the export is (time, order, line).

    Also returns the indices of the orders that have a return (their ``R`` ids follow
    the ``O`` ids in ``id_index``).
    """
    n_lines = 1 + rng.poisson(_EXTRA_LINES_MEAN, o.cust.size)
    order = np.repeat(np.arange(o.cust.size), n_lines)
    n = order.size
    line_no = np.arange(n) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    u = rng.random((4, n))
    cat_share = _probs([v[0] for v in _CATALOGUE.values()])
    category = np.where(u[0] < 0.55, c.category[o.cust[order]], rng.choice(cat_share.size, n, p=cat_share))
    # Within a category the first products are the popular ones.
    sizes = np.array([len(v[1]) for v in _CATALOGUE.values()])
    product = (np.cumsum(sizes) - sizes)[category] + np.floor(sizes[category] * u[1] ** 1.8).astype(np.int64)
    quantity = 1 + rng.poisson(c.basket[o.cust[order]])
    unit_price = _PRICES[product]
    discount = np.round(quantity * unit_price * o.pct[order], 2)

    ret = np.flatnonzero(o.whole_return[order] | ((u[2] < _LINE_RETURN_P) & o.returnable[order]))
    partial = 1 + np.floor(u[3][ret] * quantity[ret]).astype(np.int64)
    ret_qty = np.where(o.whole_return[order[ret]], quantity[ret], partial)
    # A return refunds what was paid, so it reverses the line's discount pro rata.
    ret_discount = np.round(discount[ret] * ret_qty / quantity[ret], 2)
    del u, category

    is_ret = np.concatenate([np.zeros(n, dtype=bool), np.ones(ret.size, dtype=bool)])
    order = np.concatenate([order, order[ret]])
    # Each returned order gets one return order id: R + the original's number.
    ret_orders = np.unique(order[n:])
    id_index = np.concatenate([order[:n], o.cust.size + np.searchsorted(ret_orders, order[n:])])
    quantity = np.concatenate([quantity, -ret_qty])
    unit_price = np.concatenate([unit_price, unit_price[ret]])
    discount = np.concatenate([discount, 0.0 - ret_discount])  # 0.0 - x: no "-0.00" in the CSV
    frame = pl.DataFrame({
        "stamp": np.where(is_ret, o.return_stamp[order], o.stamp[order]),
        "is_return": is_ret,
        "number": o.number[order],
        "line": np.concatenate([line_no, line_no[ret]]).astype(np.int32),
        "cust": o.cust[order],
        "id_index": id_index,
        "product": np.concatenate([product, product[ret]]).astype(np.int8),
        "quantity": quantity,
        "unit_price": unit_price,
        "amount": np.round(quantity * unit_price - discount, 2) + 0.0,
        "discount": discount,
        "channel": o.channel[order],
        "device": o.device[order],
    })
    # (number, is_return, line) is unique, so this order is fully determined.
    return frame.sort("stamp", "is_return", "number", "line"), ret_orders


def _lookup(labels: list[str] | pl.Series, codes: str | pl.Expr) -> pl.Expr:
    """Expression mapping integer codes to labels; a negative code becomes null."""
    codes = pl.col(codes) if isinstance(codes, str) else codes
    series = labels if isinstance(labels, pl.Series) else pl.Series(labels, dtype=pl.String)
    return pl.lit(series).gather(pl.when(codes >= 0).then(codes))


def _padded(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    return pl.select(pl.format(prefix + "{}", pl.lit(pl.Series(numbers)).cast(pl.String).str.zfill(width))).to_series()


def generate_transactions(
    customers: int = 3000,
    seed: int = 0,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
) -> pl.DataFrame:
    """Generate a reproducible synthetic transaction export (one row per order line).

    Parameters
    ----------
    customers
        Number of customers; expect about ``LINES_PER_CUSTOMER`` (10) lines each.
    seed
        Seed for ``numpy.random.default_rng``; the same seed gives the same frame.
    start, end
        First and last possible order day (inclusive).

    Returns
    -------
    pl.DataFrame
        Columns ``customer_id``, ``order_id``, ``order_date`` (Datetime with a time of day),
        ``product``, ``category``, ``quantity`` (Int64), ``unit_price``, ``amount``
        (= quantity * unit_price - discount; negative for returns), ``discount``,
        ``channel``, ``device`` (null for store orders), ``country``, ``age_band``;
        sorted by order_date then order_id.  Returns are separate orders ``R<n>`` that
        reverse lines of order ``O<n>`` (negative quantity, amount and discount).

    Raises
    ------
    SegtuiError
        If ``customers`` is not between 1 and ``MAX_CUSTOMERS``, ``seed`` is negative
        or ``end`` is before ``start``.

    Examples
    --------
    >>> df = generate_transactions(customers=50, seed=1)
    >>> df.columns[:4]
    ['customer_id', 'order_id', 'order_date', 'product']
    >>> df["customer_id"].n_unique()
    50
    >>> df.equals(generate_transactions(customers=50, seed=1))
    True
    """
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise SegtuiError(f"sample: --customers must be between 1 and {MAX_CUSTOMERS:,}, got {customers:,}")
    if seed < 0:
        raise SegtuiError(f"sample: --seed must be 0 or more, got {seed}")
    if end < start:
        raise SegtuiError(f"sample: end date {end} is before start date {start}")
    rng = np.random.default_rng(seed)
    end_day = _day_number(end)
    c = _draw_customers(rng, customers, _day_number(start), end_day)
    o = _draw_orders(rng, c, end_day)
    lines, ret_orders = _draw_lines(rng, c, o)

    width = max(7, len(str(customers)))
    order_ids = pl.concat([
        _padded("O", o.number, 8),
        _padded("R", o.number[ret_orders], 8),
    ])
    cust = pl.col("cust")
    return lines.select(
        customer_id=_lookup(_padded("C", np.arange(1, customers + 1), width), cust),
        order_id=_lookup(order_ids, "id_index"),
        order_date=pl.col("stamp").cast(pl.Datetime("us")),
        product=_lookup(_PRODUCTS, "product"),
        category=_lookup(_CATEGORY_OF_PRODUCT, "product"),
        quantity=pl.col("quantity").cast(pl.Int64),
        unit_price="unit_price",
        amount="amount",
        discount="discount",
        channel=_lookup(list(_CHANNELS), "channel"),
        device=_lookup(list(_DEVICES), "device"),
        country=_lookup(list(_COUNTRIES), pl.lit(pl.Series(c.country)).gather(cust)),
        age_band=_lookup(list(_AGE_BANDS), pl.lit(pl.Series(c.age_band)).gather(cust)),
    )


def customers_for_transactions(n_transactions: int) -> int:
    """Number of customers that yields about ``n_transactions`` lines.

    Parameters
    ----------
    n_transactions
        Wanted number of transaction lines (e.g. 1_000_000 for a benchmark).

    Returns
    -------
    int
        ``n_transactions / LINES_PER_CUSTOMER``, at least 1.

    Examples
    --------
    >>> customers_for_transactions(10_000_000)
    1000000
    """
    return max(1, round(n_transactions / LINES_PER_CUSTOMER))


def write_sample(path: str | Path, customers: int = SAMPLE_CUSTOMERS, seed: int = SAMPLE_SEED) -> Path:
    """Generate transactions and write them to ``path``, the format chosen by extension.

    The file is written to a temporary name in the same folder and renamed into place,
    so a reader never sees half a file.

    Parameters
    ----------
    path
        Target file: ``.csv``, ``.parquet``, ``.jsonl``/``.ndjson``, ``.json`` or ``.xlsx``.
    customers
        Number of customers to generate.
    seed
        Random seed; the same seed and customers give a byte-identical CSV.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    SegtuiError
        For an unknown extension, a missing folder, too many rows for Excel, or a write error.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = write_sample(pathlib.Path(tempfile.mkdtemp()) / "tx.parquet", customers=20)
    >>> pl.read_parquet(out)["customer_id"].n_unique()
    20
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SAMPLE_FORMATS:
        raise SegtuiError(
            f"{path}: unknown output format {suffix or '(no extension)'!r}; "
            f"use one of {', '.join(SAMPLE_FORMATS)}"
        )
    if not path.parent.is_dir():
        raise SegtuiError(f"{path}: folder {path.parent} does not exist; create it first")
    frame = generate_transactions(customers=customers, seed=seed)
    if suffix == ".xlsx" and frame.height > _XLSX_MAX_ROWS:
        raise SegtuiError(
            f"{path}: {frame.height:,} rows do not fit in an Excel sheet; "
            "use .csv or .parquet, or fewer --customers"
        )
    try:
        return write_atomic(path, lambda tmp: _write(frame, tmp, suffix))
    except ModuleNotFoundError as exc:
        raise SegtuiError(f"{path}: writing {suffix} needs the {exc.name!r} package; pip install {exc.name}") from exc


def _write(frame: pl.DataFrame, path: Path, suffix: str) -> None:
    if suffix == ".csv":
        frame.write_csv(path, datetime_format="%Y-%m-%d %H:%M:%S", float_precision=2)
    elif suffix == ".parquet":
        frame.write_parquet(path)
    elif suffix in (".jsonl", ".ndjson"):
        frame.write_ndjson(path)
    elif suffix == ".json":
        frame.write_json(path)
    else:
        frame.write_excel(path, worksheet="transactions", autofit=False)
