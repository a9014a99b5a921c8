"""Evaluating a rule set over the in-memory customer view.

Compile once, evaluate many: an ``Evaluator`` holds the customer frame and caches
each rule's boolean mask, so toggling a rule only recombines cached masks.

Semantics (the numbers every screen and ``segtui apply`` show):

- The ``universe`` filter applies first; percentages are of the universe.
- A rule that evaluates to null for a customer does not match that customer.
- ``match: all`` ANDs a segment's enabled rules, ``match: any`` ORs them. Disabled
  rules are skipped; a segment with no enabled rules matches nobody (an empty
  rule list is "not finished yet", not "everyone").
- A disabled segment has 0 customers and, in ``first_match``, takes nobody, so
  its customers fall through to the next segments.
- ``first_match``: each customer belongs to the first segment (file order) that
  matches; the rest of the universe is ``Unassigned``, so customers and revenue of
  all rows add up exactly to the universe. ``overlap``: each segment is counted on
  its own and there is no Unassigned row.
- Revenue is summed in whole cents (as integers), so the parts add up to the
  universe exactly rather than up to floating-point rounding.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from segtui.codes import TextCodes
from segtui.errors import SegtuiError, first_line
from segtui.rules import (
    RuleSet,
    SchemaKey,
    Segment,
    check_rule,
    compile_rule,
    known_failure,
    sql_text,
    suggest,
    suggest_values,
    text_values,
)

__all__ = ["Evaluation", "Evaluator", "UNASSIGNED", "OTHER", "NULL_LABEL"]

#: Name of the remainder row in first_match mode.
UNASSIGNED = "Unassigned"
#: Breakdown row that collects values beyond the top N.
OTHER = "(other)"
#: Breakdown row for customers with no value.
NULL_LABEL = "(null)"

#: Masks kept per Evaluator; a rule editor produces a new text per keystroke.
_MASK_CACHE_SIZE = 512
#: Above this many distinct values a column's values are not searched for a "did you mean".
_SUGGEST_AMONG = 5_000
#: Numeric breakdowns use about this many quantile bins.
_BINS = 5
#: ``col IN (...)`` is answered from equality masks when at most this many are not cached:
#: comparing text is 3x cheaper than ``is_in``'s hashing per value, so it pays up to 3.
_IN_AS_EQUALS = 3
#: orders are stored as UInt16 when every count fits: each segment's orders are a sum under
#: a mask, and a quarter of the bytes to filter is a quarter of the time (Polars adds
#: UInt16 up as Int64, so no sum can overflow)
_NARROW_MAX = 65_535
#: A toggle re-indexes the movers by segment (UInt8, a sum per index) up to this many segments
_INDEXED_SEGMENTS = 64
#: A first-match index is updated rather than recomputed when at most this many segments
#: changed and they moved at most this share of the customers (filtering the movers out
#: costs about a tenth of indexing everyone)
_DELTA_SEGMENTS = 4
_DELTA_SHARE = 0.25

_IDENT = r'[A-Za-z_][A-Za-z0-9_]*|"[^"]+"'
_TEXT = r"'(?:[^']|'')*'"
_EQUALS = re.compile(rf"\s*({_IDENT})\s*=\s*({_TEXT})\s*")
_IN = re.compile(rf"\s*({_IDENT})\s+IN\s*\(\s*({_TEXT}(?:\s*,\s*{_TEXT})*)\s*\)\s*", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def _text_test(where: str, key: SchemaKey) -> tuple[str, tuple[str, ...]] | None:
    """``(column, values)`` when ``where`` is exactly ``column = 'v'`` or ``column IN ('v', ...)``
    on a text column: the customers it matches are those equal to one of the values.

    ``key`` is the schema's ``SchemaKey``. The pattern is trusted only if Polars reads
    ``where`` exactly as the same test written out again (quoting, escapes, case).

    Examples
    --------
    >>> key = SchemaKey.of({"lifecycle": pl.String, "orders": pl.Int64})
    >>> _text_test("lifecycle IN ('New', 'At risk')", key)
    ('lifecycle', ('New', 'At risk'))
    >>> _text_test("orders IN ('1')", key) is None  # not a text column
    True
    """
    found = _IN.fullmatch(where) or _EQUALS.fullmatch(where)
    if found is None:
        return None
    column = found.group(1)[1:-1] if found.group(1).startswith('"') else found.group(1)
    if key.schema.get(column) != pl.String:
        return None
    values = tuple(text[1:-1].replace("''", "'") for text in re.findall(_TEXT, found.group(2)))
    quoted = '"' + column + '"'
    again = f"{quoted} = {sql_text(values[0])}" if len(values) == 1 and found.re is _EQUALS else (
        f"{quoted} IN ({', '.join(sql_text(v) for v in values)})"
    )
    try:
        same = compile_rule(where, key).meta.serialize() == compile_rule(again, key).meta.serialize()
    except Exception:  # noqa: BLE001 - whatever Polars refuses is evaluated (and reported) as written
        return None
    return (column, values) if same else None


@dataclass
class Evaluation:
    """Result of one evaluation.

    ``segments`` columns: segment (str), enabled (bool), customers (u32/i64),
    pct_customers (f64, 0-100 of universe), revenue (f64), pct_revenue (f64, 0-100),
    avg_revenue (f64), aov (f64), avg_orders (f64). One row per segment in rule-set
    order (disabled segments have 0 customers), plus UNASSIGNED last in first_match mode.

    ``rules`` columns: segment, rule_index (int, position in segment.rules), where,
    enabled (``Rule.active``: enabled and runnable on this data), matches (customers the
    rule alone matches within the universe),
    remaining (customers left after this and all previous enabled rules, i.e. the funnel).

    Averages are null for a segment with no customers; percentages are null when the
    universe has no customers (or no revenue). For ``match: any`` the funnel is the
    cumulative OR: customers matched by this or any earlier enabled rule. A disabled
    rule leaves the funnel where the previous rule left it. The funnel ignores other
    segments (it is the segment on its own, as in overlap mode).
    """

    segments: pl.DataFrame
    rules: pl.DataFrame
    universe_customers: int
    universe_revenue: float
    total_customers: int
    #: Customers of the universe in no (enabled) segment: the Unassigned row in
    #: first_match; in overlap, a figure of its own (there is no row that adds up).
    no_segment_customers: int = 0


def _money_columns(customers: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Revenue in whole cents and orders, without nulls (0 when absent); orders as UInt16
    when every count fits (``_NARROW_MAX``).

    Cents are Int32 when every amount fits (below $21M a customer): each segment's revenue
    is a sum under a mask, and half the bytes to filter saved 1.8 ms of 6 at 1M customers.
    Sums must then be taken in Int64 (``_cents_sum``). Larger amounts stay Float64 when every
    sum of them is below 2**53 (whole numbers that small add up exactly in floating point in
    any order), and are Int64 beyond.

    Bounds come first, from the raw columns (one cheap pass): they make the conversions
    cheap ones (see ``_whole_cents``; orders are narrowed by an unchecked cast, 0.3 ms where
    the checked one took 1.2 ms at 1M customers), and those run in one parallel ``select``.

    Examples
    --------
    >>> cents, orders = _money_columns(pl.DataFrame({"revenue": [0.125, 19.99, None], "orders": [1, 2, None]}))
    >>> cents.to_list(), cents.dtype, orders.to_list(), orders.dtype
    ([12, 1999, 0], Int32, [1, 2, 0], UInt16)
    """
    columns = customers.columns
    height = customers.height
    revenue = pl.col("revenue").cast(pl.Float64) if "revenue" in columns else pl.repeat(0.0, pl.len())
    orders = pl.col("orders").cast(pl.Int64) if "orders" in columns else pl.repeat(0, pl.len(), dtype=pl.Int64)
    low, high, fewest, most, missing, nan = customers.select(
        revenue.min().alias("l"), revenue.max().alias("h"), orders.min().alias("f"),
        orders.max().alias("m"), orders.null_count().alias("n"), revenue.is_nan().any().alias("nan"),
    ).row(0)
    largest = max(abs(low or 0.0), abs(high or 0.0)) * 100
    # the largest amount in cents (rounding adds at most one) times the customers bounds every sum
    bound = (largest + 1) * height
    narrow = (fewest is None or fewest >= 0) and (most or 0) <= _NARROW_MAX
    fits = largest < 2**31 - 2  # rounding adds at most one
    filled = orders.fill_null(0) if missing else orders
    # the bounds above were checked, so the casts need not check every value again
    counts = filled.cast(pl.UInt16, wrap_numerical=True) if narrow else filled
    if fits and customers.schema.get("revenue") == pl.Float64:
        out = customers.select(counts.alias("o")).with_columns(_int32_cents(customers["revenue"], nan).alias("c"))
    else:
        cents = _whole_cents(revenue.fill_null(0.0).fill_nan(0.0) * 100, largest)
        out = customers.select((cents.cast(pl.Int32, wrap_numerical=True) if fits else cents).alias("c"), counts.alias("o"))
    if out["c"].dtype != pl.Int32 and not bound < 2**53:
        # only when the bound is too loose for an Int64 is the exact total of absolute values needed
        if not bound < 2**62 and not out["c"].abs().sum() < 2**63:
            raise SegtuiError(
                "revenue too large to add up in whole cents (limit ±92,233,720,368,547,758 in all); "
                "check the amounts", title="Cannot evaluate",
            )
        out = out.with_columns(pl.col("c").cast(pl.Int64))
    return out["c"], out["o"]


def _int32_cents(revenue: pl.Series, nan: bool = True) -> pl.Series:
    """``revenue`` (Float64, every amount below 2**31 cents) in whole cents, rounded half to
    even as ``round``, 0 for null and NaN (``nan``: whether there may be any). numpy, in
    place: one multiplication and one rounding pass, where Polars' expressions make four
    (1.7 against 3.5 ms at 1M customers).

    Examples
    --------
    >>> _int32_cents(pl.Series([0.125, 19.99, None, float("nan")])).to_list()
    [12, 1999, 0, 0]
    """
    cents = revenue.to_numpy() * 100  # nulls become NaN
    np.rint(cents, out=cents)
    if revenue.null_count() or nan:
        cents[np.isnan(cents)] = 0.0
    return pl.Series("c", cents.astype(np.int32))


def _cents_sum(mask: pl.Expr) -> pl.Expr:
    """The sum of the cents column ``c`` under ``mask``, in Int64: Polars adds Int32 up as Int32
    (the cast applies to the rows kept, not to the whole column)."""
    return pl.col("c").filter(mask).cast(pl.Int64).sum()


#: 1.5 * 2**52: adding it to a float below 2**51 in magnitude leaves no fraction bits, so
#: the hardware rounds the sum to a whole number, half to even like ``round``.
_ROUNDER = 6_755_399_441_055_744.0


def _whole_cents(cents: pl.Expr, largest: float) -> pl.Expr:
    """``cents.round(0)`` (half to even), as two additions when ``largest`` (the largest
    magnitude) allows: 0.6 ms where ``round`` takes 0.9 ms at 1M customers, the same values (a zero may lose its sign).

    Examples
    --------
    >>> pl.select(_whole_cents(pl.lit(pl.Series([12.5, 13.5, -0.4, 1999.0000001])), 2000.0)).to_series().to_list()
    [12.0, 14.0, 0.0, 1999.0]
    """
    if largest < 2**50:
        return (cents + _ROUNDER) - _ROUNDER
    return cents.round(0)


class _LRU(OrderedDict):
    """A small least-recently-used cache: masks are 1 bit per customer, but an editor
    produces a new predicate text per keystroke.

    Safe to share between threads (the TUI counts in one while it lists members in
    another): each lookup or insertion holds a lock, a computation does not, so a long
    one never holds up the others (two threads may then compute the same value once each).
    """

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self._lock = threading.Lock()

    def fit(self, entries: int) -> None:
        """Hold at least ``entries`` items: a rule set larger than the cache would
        otherwise evict its own first masks before its last ones are computed."""
        self.size = max(self.size, entries)

    def peek(self, key: Hashable) -> Any | None:
        """The value under ``key`` (marked as recently used), or None."""
        with self._lock:
            if key not in self:
                return None
            self.move_to_end(key)
            return self[key]

    def get_or(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        found = self.peek(key)
        if found is not None:
            return found
        value = compute()
        with self._lock:
            self[key] = value
            if len(self) > self.size:
                self.popitem(last=False)
        return value


def _labelled(ruleset: RuleSet, enabled: bool = False) -> list[tuple[str, str]]:
    """("universe" or 'segment "X", rule N', predicate) for every non-empty predicate,
    labelled as validate_rules labels them; ``enabled`` keeps those that take part."""
    found = [("universe", ruleset.universe or "")]
    for position, seg in enumerate(ruleset.segments, start=1):
        if enabled and not seg.enabled:
            continue
        label = f'segment "{seg.name}"' if seg.name else f"segment {position}"
        found += [
            (f"{label}, rule {index}", rule.where)
            for index, rule in enumerate(seg.rules, start=1)
            if rule.active or not enabled
        ]
    return [(label, where) for label, where in found if where.strip()]


def _segment_key(segment: Segment) -> tuple:
    """What a segment's membership depends on (names and descriptions do not matter)."""
    return (segment.enabled, segment.match, tuple(r.where.strip() for r in segment.rules if r.active))


def _universe_key(ruleset: RuleSet) -> str:
    return (ruleset.universe or "").strip()


@dataclass(frozen=True)
class _Stats:
    customers: int
    cents: int
    orders: int

    def __add__(self, other: _Stats) -> _Stats:
        return _Stats(self.customers + other.customers, self.cents + other.cents, self.orders + other.orders)

    def __sub__(self, other: _Stats) -> _Stats:
        return _Stats(self.customers - other.customers, self.cents - other.cents, self.orders - other.orders)


_ZERO = _Stats(0, 0, 0)


@dataclass(frozen=True)
class _Index:
    """The first-match stats of one set of segment masks: ``found`` per index (the segment's
    position; ``len(masks)`` is the remainder)."""

    universe: pl.Series
    masks: tuple[pl.Series, ...]
    found: dict[int, _Stats]


def _stats_exprs(masks: list[pl.Expr]) -> list[pl.Expr]:
    """Customers, cents (``c``) and orders (``o``) under each mask, three outputs a mask, for
    one ``select``: a filter and sum per mask spreads over the cores (a group_by measured slower)."""
    sums = []
    for mask in masks:
        sums += [mask.sum(), _cents_sum(mask), pl.col("o").filter(mask).sum()]
    return [s.alias(str(j)) for j, s in enumerate(sums)]


def _stats_row(row: tuple) -> list[_Stats]:
    """The ``_Stats`` of each mask from the row ``_stats_exprs`` gives."""
    return [_Stats(*(int(v or 0) for v in row[j : j + 3])) for j in range(0, len(row), 3)]


@functools.lru_cache(maxsize=256)
def _index_sums(column: str, indices: tuple[int, ...]) -> list[pl.Expr]:
    """``_stats_exprs`` per value of the index ``column``, built once: building 40 expressions
    costs more than the sums at 100k customers."""
    return _stats_exprs([pl.col(column) == i for i in indices])


@functools.lru_cache(maxsize=256)
def _mask_sums(masks: int) -> list[pl.Expr]:
    """``_stats_exprs`` under the mask columns ``m0``, ``m1``, ..., built once."""
    return _stats_exprs([pl.col(f"m{j}") for j in range(masks)])


def _sums_by(frame: pl.DataFrame, column: str, indices: list[int]) -> dict[int, _Stats]:
    """Customers, cents and orders of ``frame`` per value of its index ``column``."""
    return dict(zip(indices, _stats_row(frame.select(_index_sums(column, tuple(indices))).row(0))))


@functools.lru_cache(maxsize=256)
def _index_expr(live: tuple[int, ...], n: int, everyone: bool, prefix: str = "m") -> pl.Expr:
    """The first-match index over the mask columns ``{prefix}{i}`` of ``live``: the first segment
    matching, ``n`` for the rest of the universe (column ``u`` unless ``everyone``), null outside it."""
    rest = pl.lit(n, pl.UInt8) if everyone else pl.when(pl.col("u")).then(pl.lit(n, pl.UInt8))
    return pl.coalesce([pl.when(pl.col(f"{prefix}{i}")).then(pl.lit(i, pl.UInt8)) for i in live] + [rest]).alias("k")


@functools.lru_cache(maxsize=8)
def _constant(value: bool, height: int) -> pl.Series:
    """A mask of one value; built by Polars (a Python list costs ~20 ms at 1M rows), once per
    height: every Evaluator of a view shares it (masks are never changed in place)."""
    return pl.select(pl.repeat(value, height, dtype=pl.Boolean)).to_series()


class Evaluator:
    """Holds a customer view and evaluates rule sets against it.

    Every mask and sum is cached under a key made of the predicate texts it depends
    on, so toggling one rule recomputes one segment (and, in first_match, the
    segments after it), and toggling it back costs only dictionary lookups.

    Parameters
    ----------
    customers
        The single customer view (one row per customer); ``revenue`` and ``orders``
        feed the money statistics (treated as 0 when absent).
    codes
        Codes of its few-valued text columns (``segtui.codes.text_codes``): text equalities
        and ``IN`` lists on those columns are then answered from the codes, 15x faster.

    Examples
    --------
    >>> from segtui.rules import Rule, RuleSet, Segment
    >>> view = pl.DataFrame({"customer_id": ["a", "b", "c"], "orders": [1, 4, 2],
    ...                      "revenue": [10.0, 80.0, 30.0]})
    >>> rs = RuleSet([Segment("Loyal", [Rule("orders >= 2")])])
    >>> Evaluator(view).evaluate(rs).segments.select("segment", "customers", "revenue").rows()
    [('Loyal', 2, 110.0), ('Unassigned', 1, 10.0)]
    """

    def __init__(self, customers: pl.DataFrame, codes: Mapping[str, TextCodes] | None = None) -> None:
        self.customers = customers
        self.schema = customers.schema
        self._codes = {name: coded for name, coded in (codes or {}).items()
                       if coded.codes.len() == customers.height and self.schema.get(name) == pl.String}
        self._schema_key = SchemaKey.of(self.schema)
        self._height = customers.height
        self._cents, self._orders = _money_columns(customers)
        self._all = _constant(True, self._height)
        self._none = _constant(False, self._height)
        self._masks = _LRU(_MASK_CACHE_SIZE)  # predicate text -> mask
        self._segments = _LRU(_MASK_CACHE_SIZE)  # (universe, segment key) -> mask
        self._chains = _LRU(_MASK_CACHE_SIZE)  # (universe, keys so far) -> (won, still free)
        self._stats = _LRU(4 * _MASK_CACHE_SIZE)  # cache key -> _Stats
        self._funnels = _LRU(_MASK_CACHE_SIZE)  # (universe, match, rules) -> [(matches, remaining)]
        self._distinct: dict[str, frozenset] = {}  # text column -> its values, for value hints
        self._index: _Index | None = None  # the last first-match index, for the next change

    @functools.cached_property
    def cents(self) -> pl.Series:
        """Each customer's revenue in whole cents, as Int64 (0 when absent): what every
        revenue figure adds up, so other sums over customers match this evaluator's."""
        return self._cents.cast(pl.Int64)

    # -- masks -------------------------------------------------------------------------

    def mask(self, where: str) -> pl.Series:
        """Boolean Series (no nulls) of the customers ``where`` matches, cached by its text.

        Raises ``SegtuiError`` naming the problem for an invalid predicate.
        """
        key = where.strip()
        if key not in self._masks and (test := self._equality_test(key)) is not None:
            return self._masks.get_or(key, lambda: self._equal_to_any(*test))
        return self._masks.get_or(key, lambda: self._compute_mask(key))

    def _equality_test(self, where: str) -> tuple[str, tuple[str, ...]] | None:
        """``_text_test`` of ``where``, if answering it from equality masks pays."""
        test = _text_test(where, self._schema_key)
        if test is None:
            return None
        column, values = test
        if column in self._codes:
            return test
        missing = sum(("=", column, value) not in self._masks for value in values)
        return test if len(values) == 1 or missing <= _IN_AS_EQUALS else None

    def _equal_to_any(self, column: str, values: tuple[str, ...]) -> pl.Series:
        """Customers whose text ``column`` is one of ``values``, from (cached) equality masks,
        so that ``lifecycle = 'New'`` and ``lifecycle IN ('New', 'At risk')`` share the work."""
        keys = [("=", column, value) for value in values]
        # held here too: storing one mask may evict another from a small cache
        found = {key: mask for key in keys if (mask := self._masks.peek(key)) is not None}
        if column in self._codes:
            coded = self._codes[column]
            for key in keys:
                if key not in found:
                    found[key] = self._masks.get_or(key, lambda key=key: self._coded(coded, key[2]))
        todo = [(key, (pl.col(column) == pl.lit(key[2], dtype=pl.String)).fill_null(False)) for key in keys if key not in found]
        if todo:
            frame = self.customers.select(expr.alias(f"m{i}") for i, (_, expr) in enumerate(todo))
            for (key, _), column_mask in zip(todo, frame.iter_columns()):
                found[key] = self._masks.get_or(key, lambda column_mask=column_mask: column_mask)
        masks = [found[key] for key in keys]
        combined = masks[0]
        for m in masks[1:]:
            combined = combined | m
        return combined

    def _coded(self, coded: TextCodes, value: str) -> pl.Series:
        mask = coded.equals(value)
        return self._none if mask is None else mask

    def prefetch(self, wheres: list[str]) -> None:
        """Compute the masks of all uncached, valid predicates in one parallel ``select``.

        A new rule set's rules are then evaluated together (measured 2-3x faster than
        one select per rule at 1M customers). Invalid predicates are left for ``mask``
        to report with its usual message.
        """
        todo: dict[Hashable, pl.Expr] = {}
        tests: dict[str, tuple[str, tuple[str, ...]]] = {}
        for where in wheres:
            key = where.strip()
            if not key or key in self._masks or key in todo or key in tests:
                continue
            test = self._equality_test(key)
            if test is not None:
                # its equality masks join the select; the rule is their OR afterwards
                tests[key] = test
                for value in test[1]:
                    if test[0] not in self._codes and ("=", test[0], value) not in self._masks:
                        todo[("=", test[0], value)] = (pl.col(test[0]) == pl.lit(value, dtype=pl.String)).fill_null(False)
                continue
            try:
                todo[key] = compile_rule(key, self._schema_key).fill_null(False)
            except SegtuiError:
                continue
        if len(todo) >= 2:
            try:
                frame = self.customers.select(expr.alias(f"m{i}") for i, expr in enumerate(todo.values()))
            except Exception:  # noqa: BLE001 - a failing rule is reported by mask(), one at a time
                frame = None
            for key, column in zip(todo, frame.iter_columns() if frame is not None else ()):
                if column.dtype == pl.Boolean:
                    self._masks.get_or(key, lambda column=column: self._per_customer(column))
        for key in tests:
            self.mask(key)

    def problems(self, ruleset: RuleSet, source: str | None = None) -> list[str]:
        """Rules that are valid for the schema but fail on these customers' values.

        ``NOT country`` or ``CAST(country AS INTEGER) > 1`` type-check on an empty
        frame and fail only on real text, so ``validate`` runs every rule (and the
        universe) here; the masks stay cached, so ``evaluate`` then costs nothing extra.
        Problems that ``check_rule`` finds are left to the schema check.

        Parameters
        ----------
        ruleset
            Every rule counts, disabled ones too (as in the schema check).
        source
            File name each line starts with.

        Returns
        -------
        list[str]
            One line per failing rule: ``FILE: segment "X", rule N: <problem>``.

        Examples
        --------
        >>> from segtui.rules import Rule, RuleSet, Segment
        >>> view = pl.DataFrame({"country": ["UK", "FR"]})
        >>> rs = RuleSet([Segment("Odd", [Rule("country = 'UK'"), Rule("NOT country")])])
        >>> Evaluator(view).problems(rs, source="odd.yaml")  # doctest: +ELLIPSIS
        ['odd.yaml: segment "Odd", rule 2: cannot evaluate rule: casting from ... to Boolean not supported']
        """
        targets = [(label, where) for label, where in _labelled(ruleset) if check_rule(where, self._schema_key) is None]
        self.prefetch([where for _, where in targets])
        prefix = f"{source}: " if source else ""
        found = []
        for label, where in targets:
            try:
                self.mask(where)
            except SegtuiError as err:
                found.append(f"{prefix}{label}: {err.message}")
        return found

    def warnings(self, ruleset: RuleSet, source: str | None = None) -> list[str]:
        """One line per text value an enabled rule (or the universe) looks for that no customer has.

        Examples
        --------
        >>> from segtui.rules import Rule, RuleSet, Segment
        >>> view = pl.DataFrame({"country": ["United Kingdom", "France"]})
        >>> rs = RuleSet([Segment("Home", [Rule("country = 'UK'")])])
        >>> print(*Evaluator(view).warnings(rs, source="home.yaml"))
        home.yaml: segment "Home", rule 1: no customer has country = 'UK' (did you mean 'United Kingdom'?)
        """
        prefix = f"{source}: " if source else ""
        return [f"{prefix}{label}: {hint}" for label, where in _labelled(ruleset, enabled=True) for hint in self.value_hints(where)]

    def value_hints(self, where: str) -> list[str]:
        """For each text value ``where`` compares a column with (``=``, ``IN``) that no customer
        has: ``no customer has country = 'UK' (did you mean 'United Kingdom'?)``.

        ``!=`` and ``NOT IN`` count too: excluding a value nobody has is as likely a typo.

        Examples
        --------
        >>> Evaluator(pl.DataFrame({"device": ["mobile", "desktop"]})).value_hints("device IN ('Mobile', 'tv')")
        ["no customer has device = 'Mobile' (did you mean 'mobile'?)", "no customer has device = 'tv'"]
        """
        hints = []
        for column, value in text_values(where, self._schema_key):
            present = self._values(column)
            if value in present:
                continue
            shown = present if len(present) <= _SUGGEST_AMONG else []
            hints.append(f"no customer has {column} = {sql_text(value)}{suggest_values(value, shown)}")
        return hints

    def _values(self, column: str) -> frozenset:
        """The distinct values of a text column, computed once per view."""
        if column in self._codes:
            return frozenset(self._codes[column].values)
        if column not in self._distinct:
            values = self.customers[column].drop_nulls().unique().cast(pl.String)
            self._distinct[column] = frozenset(values.to_list())
        return self._distinct[column]

    def _compute_mask(self, where: str) -> pl.Series:
        expr = compile_rule(where, self._schema_key)
        try:
            result = self.customers.select(expr.fill_null(False).alias("m")).to_series()
        except Exception as exc:  # noqa: BLE001 - e.g. a failing cast on real values
            raise SegtuiError(known_failure(exc) or f"cannot evaluate rule: {first_line(exc)}", title="Bad rule") from exc
        if result.dtype != pl.Boolean:
            raise SegtuiError(f"not a condition: the rule gives {result.dtype} values", title="Bad rule")
        if result.len() not in (1, self._height):
            raise SegtuiError(
                f"not a condition per customer: the rule gives {result.len():,} values for {self._height:,} customers",
                title="Bad rule",
            )
        return self._per_customer(result)

    def _per_customer(self, mask: pl.Series) -> pl.Series:
        """One value per customer: a rule without columns (``TRUE``, ``max(orders) > 3``)
        gives Polars one value, which must not be combined with full-height masks."""
        if mask.len() == 1 and self._height != 1:
            return _constant(bool(mask[0]), self._height)
        return mask

    def universe_mask(self, ruleset: RuleSet) -> pl.Series:
        """Customers inside the rule set's universe (everyone when it has none)."""
        key = _universe_key(ruleset)
        if not key:
            return self._all
        try:
            return self.mask(key)
        except SegtuiError as err:
            raise SegtuiError(f"universe: {err.message}", title="Bad rule") from err

    def _rule_masks(self, segment: Segment) -> list[pl.Series | None]:
        """One mask per rule (None for a disabled rule that does not compile); errors
        in enabled rules name the segment and rule."""
        masks: list[pl.Series | None] = []
        for position, rule in enumerate(segment.rules, start=1):
            try:
                masks.append(self.mask(rule.where))
            except SegtuiError as err:
                if not rule.active:
                    masks.append(None)  # a broken disabled rule does not stop evaluation
                    continue
                raise SegtuiError(
                    f'segment "{segment.name}", rule {position}: {err.message}', title="Bad rule"
                ) from err
        return masks

    def segment_mask(self, segment: Segment, universe: pl.Series | None = None, ruleset: RuleSet | None = None) -> pl.Series:
        """Customers a segment matches on its own (ignoring other segments), within the universe.

        Pass ``ruleset`` so the result is cached under the rule set's universe text.
        """
        if universe is None:
            universe = self.universe_mask(ruleset) if ruleset is not None else self._all
        if ruleset is None:
            return self._combine(segment, universe)
        key = (_universe_key(ruleset), _segment_key(segment))
        return self._segments.get_or(key, lambda: self._combine(segment, universe))

    def _combine(self, segment: Segment, universe: pl.Series) -> pl.Series:
        if not segment.enabled:
            return self._none
        masks = [m for m, rule in zip(self._rule_masks(segment), segment.rules) if rule.active]
        if not masks:
            return self._none
        combined = masks[0]
        for m in masks[1:]:
            combined = (combined & m) if segment.match == "all" else (combined | m)
        return self._within(combined, universe)

    def _within(self, mask: pl.Series, universe: pl.Series) -> pl.Series:
        """``mask & universe``, without a pass over the customers when the universe is everyone."""
        return mask if universe is self._all else mask & universe

    def _parts(
        self, ruleset: RuleSet, lazy: bool = False
    ) -> tuple[pl.Series, list[tuple[Hashable, pl.Series]], tuple[Hashable, pl.Series] | None]:
        """Universe, (cache key, membership mask) per segment honouring ``assign``, and
        in first_match mode the (key, mask) of the Unassigned remainder.

        ``lazy`` (first_match only): the masks are each segment's own, not yet narrowed to
        the customers no earlier segment took, and the remainder is None; for
        ``_first_match_stats``, which needs no mask per winner.
        """
        universe = self.universe_mask(ruleset)
        ukey = _universe_key(ruleset)
        parts: list[tuple[Hashable, pl.Series]] = []
        if ruleset.assign != "first_match" or lazy:
            kind = "S" if ruleset.assign != "first_match" else "O"
            for seg in ruleset.segments:
                parts.append(((kind, ukey, _segment_key(seg)), self.segment_mask(seg, universe, ruleset)))
            return universe, parts, None
        # ``free``: the universe's customers no earlier segment took (a segment mask is
        # already within the universe, so what it wins is its mask & free).
        free = universe
        prefix: tuple = (ukey,)
        for seg in ruleset.segments:
            prefix = prefix + (_segment_key(seg),)

            def won_and_free(seg: Segment = seg, free: pl.Series = free) -> tuple[pl.Series, pl.Series]:
                return self._take(self.segment_mask(seg, universe, ruleset), free, universe)

            won, free = self._chains.get_or(prefix, won_and_free)
            parts.append((("X",) + prefix, won))
        return universe, parts, (("R",) + prefix, free)

    def _take(self, mask: pl.Series, free: pl.Series, universe: pl.Series) -> tuple[pl.Series, pl.Series]:
        """What a segment's ``mask`` (within the universe) wins of the customers still ``free``
        in first_match, and who is free after it: bitmap operations, 0.04 ms at 1M customers."""
        if mask is self._none:  # disabled or without rules: takes nobody
            return mask, free
        won = mask if free is universe else mask & free
        return won, free ^ won  # won is within free: this removes it

    def segment_masks(self, ruleset: RuleSet) -> tuple[pl.Series, list[pl.Series]]:
        """Universe mask and one membership mask per segment, honouring ``assign``.

        In first_match mode the masks are disjoint (earlier segments win).
        """
        universe, parts, _ = self._parts(ruleset)
        return universe, [m for _, m in parts]

    def _stats_of(self, parts: list[tuple[Hashable, pl.Series]]) -> list[_Stats]:
        """Customers, revenue cents and orders under each (cache key, mask).

        The uncached ones are summed in one ``select`` so Polars spreads them over the
        cores (one Series.filter().sum() at a time measured 2x slower for a new rule set).
        """
        known = {key: stats for key, _ in parts if (stats := self._stats.peek(key)) is not None}
        for key, mask in parts:
            if mask is self._none:
                known[key] = _ZERO
            elif mask is self._all:  # no filter: a filter that keeps everyone copies every value
                known[key] = self._stats.get_or(("ALL",), lambda: _Stats(
                    self._height, int(self.cents.sum() or 0), int(self._orders.sum() or 0)))
        todo = {key: mask for key, mask in parts if key not in known}
        if todo:
            frame = pl.DataFrame([self._cents.alias("c"), self._orders.alias("o")]).with_columns(
                mask.alias(f"m{i}") for i, mask in enumerate(todo.values())
            )
            for key, stats in zip(todo, _stats_row(frame.select(_mask_sums(len(todo))).row(0))):
                known[key] = self._stats.get_or(key, lambda stats=stats: stats)
        # read from the local dict: the cache may already have evicted the first entries
        return [known[key] for key, _ in parts]

    def _first_match_stats(
        self, ruleset: RuleSet, universe: pl.Series, own: list[tuple[Hashable, pl.Series]]
    ) -> list[_Stats]:
        """The universe's stats, then each segment's under first_match, from the segments'
        own masks (``_parts(lazy=True)``).

        Each segment's winners are summed in one ``select`` (``_indexed``). The last stats
        are kept: when only a few segments' masks changed since (a toggle, an edited rule),
        only the customers whose membership changed can change segment, so only they are
        indexed (old and new first segment) and their sums exchanged (``_changed_since``).
        """
        key = ("FM", _universe_key(ruleset), *(k for k, _ in own))
        if (known := self._stats.peek(key)) is not None:
            return known
        masks = tuple(mask for _, mask in own)
        state = self._changed_since(self._index, universe, masks) or self._indexed(universe, masks)
        self._index = state
        n = len(masks)
        stats = [state.found.get(i, _ZERO) for i in range(n)]
        whole = sum(stats, state.found.get(n, _ZERO))
        return self._stats.get_or(key, lambda: [whole, *stats])

    def _indexed(self, universe: pl.Series, masks: tuple[pl.Series, ...]) -> _Index:
        """Each segment's winners (its mask and none of the earlier ones), summed in one select.

        The winners are bitmap operations (0.04 ms each at 1M customers): cheaper than an
        index per customer (a coalesce over the masks, 3.7 ms on one thread) and sums by it.
        """
        live = [i for i, mask in enumerate(masks) if mask is not self._none]
        free, won = universe, []
        for i in live:
            takes, free = self._take(masks[i], free, universe)
            won.append(takes)
        won.append(free)
        frame = pl.DataFrame([self._cents.alias("c"), self._orders.alias("o"), *(w.alias(f"m{j}") for j, w in enumerate(won))])
        stats = _stats_row(frame.select(_mask_sums(len(won))).row(0))
        return _Index(universe, masks, dict(zip([*live, len(masks)], stats)))

    def _changed_since(self, last: _Index | None, universe: pl.Series, masks: tuple[pl.Series, ...]) -> _Index | None:
        """``last`` brought up to ``masks`` by indexing again only the customers whose
        membership changed (their old and new first segment) and exchanging their sums; None
        when that does not pay (another universe, many changes)."""
        if last is None or last.universe is not universe or len(last.masks) != len(masks):
            return None
        if len(masks) > _INDEXED_SEGMENTS:  # the movers' index is UInt8, its sums grow with the square
            return None
        changed = [i for i, (old, new) in enumerate(zip(last.masks, masks)) if old is not new]
        if len(changed) > _DELTA_SEGMENTS:
            return None
        moved = self._none
        for i in changed:
            moved = moved | (last.masks[i] ^ masks[i])
        count = int(moved.sum())
        if count > self._height * _DELTA_SHARE:
            return None
        if not count:
            return _Index(universe, masks, last.found)
        everyone = universe is self._all
        n = len(masks)
        was = [i for i, mask in enumerate(last.masks) if mask is not self._none]
        now = [i for i, mask in enumerate(masks) if mask is not self._none]
        frame = pl.DataFrame(
            [self._cents.alias("c"), self._orders.alias("o"), *([] if everyone else [universe.alias("u")]),
             *(last.masks[i].alias(f"p{i}") for i in was), *(masks[i].alias(f"m{i}") for i in now)]
        )
        movers = frame.filter(moved).select(
            _index_expr(tuple(was), n, everyone, "p").alias("was"), _index_expr(tuple(now), n, everyone), "c", "o"
        )
        indices = list(range(n + 1))
        before, after = _sums_by(movers, "was", indices), _sums_by(movers, "k", indices)
        return _Index(universe, masks, {i: last.found.get(i, _ZERO) - before[i] + after[i] for i in indices})

    # -- evaluation ----------------------------------------------------------------------

    def evaluate(self, ruleset: RuleSet) -> Evaluation:
        """Count customers and revenue per segment and per rule.

        Parameters
        ----------
        ruleset
            The rule set; disabled rules/segments are honoured as described in the module docs.

        Returns
        -------
        Evaluation

        Raises
        ------
        SegtuiError
            An enabled rule (or the universe) is invalid for this customer view.
        """
        wheres = [ruleset.universe or "", *(r.where for seg in ruleset.segments for r in seg.rules)]
        for cache, entries in ((self._masks, 2 * len(wheres)), (self._segments, len(ruleset.segments)),
                               (self._chains, len(ruleset.segments)), (self._funnels, len(ruleset.segments)),
                               (self._stats, len(ruleset.segments) + 2)):
            cache.fit(entries)
        self.prefetch(wheres)
        first_match = ruleset.assign == "first_match"
        universe, parts, _ = self._parts(ruleset, lazy=first_match)
        names = [seg.name for seg in ruleset.segments]
        enabled = [seg.enabled for seg in ruleset.segments]
        if first_match:
            whole, *stats = self._first_match_stats(ruleset, universe, parts)
            # The segments' shares are disjoint parts of the universe: the rest is a subtraction.
            no_segment = whole - sum(stats, _ZERO)
            stats.append(no_segment)
            names.append(UNASSIGNED)
            enabled.append(True)
        else:
            in_any = self._none
            for _, mask in parts:
                in_any = in_any | mask
            nowhere = (("N",) + tuple(key for key, _ in parts), universe & ~in_any)
            whole, *stats, no_segment = self._stats_of([(("U", _universe_key(ruleset)), universe), *parts, nowhere])

        universe_revenue = whole.cents / 100
        segments = _segments_frame(names, enabled, stats, whole)
        return Evaluation(
            segments=segments,
            rules=self._rules_frame(ruleset, universe),
            universe_customers=whole.customers,
            universe_revenue=universe_revenue,
            total_customers=self._height,
            no_segment_customers=no_segment.customers,
        )

    def _funnel(self, segment: Segment, universe: pl.Series, whole: pl.Series | None = None) -> list[tuple[int, int]]:
        """(matches, remaining) per rule of one segment; see ``Evaluation``.

        ``whole``: the segment's own mask, if known; it is what remains after its last
        enabled rule, so that step needs no pass of its own.
        """
        every = segment.match == "all"
        running = universe if every else self._none
        steps = []
        masks = self._rule_masks(segment)
        last = max((i for i, (rule, m) in enumerate(zip(segment.rules, masks)) if rule.active and m is not None), default=-1)
        for position, (rule, m) in enumerate(zip(segment.rules, masks)):
            alone = self._within(m, universe) if m is not None else self._none
            if rule.active and m is not None:
                # the first enabled rule: the running set is the rule's own (no extra pass)
                if running is (universe if every else self._none):
                    running = alone
                elif position == last and whole is not None:
                    running = whole
                else:
                    running = (running & m) if every else (running | alone)
            steps.append((alone, running))
        counted: dict[int, int] = {}  # by mask identity: the same mask is counted once
        for mask in (mask for step in steps for mask in step):
            if id(mask) not in counted:
                counted[id(mask)] = int(mask.sum())
        return [(counted[id(alone)], counted[id(running)]) for alone, running in steps]

    def _rules_frame(self, ruleset: RuleSet, universe: pl.Series) -> pl.DataFrame:
        ukey = _universe_key(ruleset)
        rows: dict[str, list] = {k: [] for k in ("segment", "rule_index", "where", "enabled", "matches", "remaining")}
        for seg in ruleset.segments:
            key = (ukey, seg.match, tuple((r.where.strip(), r.active) for r in seg.rules))
            whole = self._segments.peek((ukey, _segment_key(seg))) if seg.enabled else None
            funnel = self._funnels.get_or(key, lambda seg=seg, whole=whole: self._funnel(seg, universe, whole))
            for index, (rule, (matches, remaining)) in enumerate(zip(seg.rules, funnel)):
                for column, value in zip(rows, (seg.name, index, rule.where, rule.active, matches, remaining)):
                    rows[column].append(value)
        return pl.DataFrame(
            rows,
            schema={
                "segment": pl.String, "rule_index": pl.Int64, "where": pl.String,
                "enabled": pl.Boolean, "matches": pl.Int64, "remaining": pl.Int64,
            },
        )

    def count(self, where: str, universe: str | None = None) -> int:
        """Customers a single predicate matches (for the rule editor's live count).

        Parameters
        ----------
        where
            The predicate being edited.
        universe
            Optional universe predicate to count within.

        Examples
        --------
        >>> Evaluator(pl.DataFrame({"orders": [1, 2, 3]})).count("orders >= 2")
        2
        """
        m = self.mask(where)
        if universe and universe.strip():
            m = m & self.mask(universe)
        return int(m.sum())

    # -- rows ----------------------------------------------------------------------------

    def _member_mask(self, ruleset: RuleSet, segment: str | None) -> pl.Series:
        universe, parts, rest = self._parts(ruleset)
        if segment is None:
            return universe
        if segment == UNASSIGNED:
            if rest is not None:
                return rest[1]
            matched = self._none
            for _, m in parts:
                matched = matched | m
            return universe & ~matched  # overlap: in the universe but in no segment
        masks = [m for _, m in parts]
        names = [seg.name for seg in ruleset.segments]
        if segment not in names:
            raise SegtuiError(
                f'no segment "{segment}"{suggest(segment, names + [UNASSIGNED])}', title="Unknown segment"
            )
        return masks[names.index(segment)]

    def member_mask(self, ruleset: RuleSet, segment: str | None) -> pl.Series:
        """Boolean mask of ``members(ruleset, segment)`` over the whole customer view."""
        return self._member_mask(ruleset, segment)

    def members(self, ruleset: RuleSet, segment: str | None) -> pl.DataFrame:
        """Customer-view rows of one segment (UNASSIGNED allowed), or the universe if None.

        In first_match mode a segment's members are those it won (not those a
        previous segment took); in overlap mode, everyone it matches.
        """
        return self.customers.filter(self._member_mask(ruleset, segment))

    def assignments(self, ruleset: RuleSet) -> pl.DataFrame:
        """customer_id + ``segment`` (first_match) or one boolean column per segment (overlap),
        followed by all customer-view columns.

        Only customers inside the universe are listed. An added column whose name
        clashes with a view column (a segment called "orders", an attribute called
        "segment") is suffixed " (segment)".
        """
        universe, masks = self.segment_masks(ruleset)
        names = [seg.name for seg in ruleset.segments]
        view_cols = [c for c in self.customers.columns if c != "customer_id"]
        lead = ["customer_id"] if "customer_id" in self.customers.columns else []
        taken = set(self.customers.columns)

        def column_name(name: str) -> str:
            return name if name not in taken else f"{name} (segment)"

        if ruleset.assign == "first_match":
            label = pl.Series(column_name("segment"), [UNASSIGNED] * self._height, dtype=pl.String)
            if masks:
                frame = pl.DataFrame([m.alias(f"m{i}") for i, m in enumerate(masks)])
                chain = pl.when(pl.col("m0")).then(pl.lit(names[0]))
                for i in range(1, len(masks)):
                    chain = chain.when(pl.col(f"m{i}")).then(pl.lit(names[i]))
                label = frame.select(chain.otherwise(pl.lit(UNASSIGNED)).alias(label.name)).to_series()
            extra = [label]
        else:
            extra = [m.alias(column_name(n)) for n, m in zip(names, masks)]
        out = self.customers.with_columns(extra).select(lead + [e.name for e in extra] + view_cols)
        return out.filter(universe)

    def breakdown(
        self, ruleset: RuleSet, dimension: str, segment: str | None = None, top: int = 10
    ) -> pl.DataFrame:
        """Split a segment (or the universe) by a column.

        Parameters
        ----------
        ruleset
            Decides the universe and segment membership.
        dimension
            A customer-view column. Text, categorical and boolean columns give the
            top ``top`` values by customers plus "(other)"; numeric and date columns
            give about five quantile bins labelled by the range of values they hold
            (one row per value when there are at most five distinct values).
            Missing values form a "(null)" row, always last.
        segment
            A segment name (or "Unassigned"); None for the whole universe.
        top
            Number of text values listed before "(other)".

        Returns
        -------
        pl.DataFrame
            value (str), customers, pct_customers, revenue, pct_revenue; the
            percentages are of the segment being split, so they add up to 100.

        Examples
        --------
        >>> from segtui.rules import RuleSet
        >>> view = pl.DataFrame({"country": ["UK", "UK", "FR", None], "revenue": [1.0, 2.0, 3.0, 4.0]})
        >>> Evaluator(view).breakdown(RuleSet(), "country", top=1)["value"].to_list()
        ['UK', '(other)', '(null)']
        """
        if dimension not in self.schema:
            raise SegtuiError(
                f'unknown column "{dimension}"{suggest(dimension, self.schema.names())}',
                title="Unknown column",
            )
        base = self._member_mask(ruleset, segment)
        frame = pl.DataFrame([self.customers[dimension].alias("v"), self.cents.alias("c")]).filter(base)
        dtype = self.schema[dimension]
        if dtype.is_numeric() or dtype.is_temporal():
            grouped = _numeric_groups(frame)
        else:
            grouped = _text_groups(frame, top)
        total_n = frame.height
        total_rev = frame["c"].sum() / 100
        return grouped.select(
            pl.col("value"),
            pl.col("customers").cast(pl.Int64),
            _pct(pl.col("customers"), total_n).alias("pct_customers"),
            (pl.col("c") / 100).alias("revenue"),
            _pct(pl.col("c") / 100, total_rev).alias("pct_revenue"),
        )


def _share(part: float, whole: float) -> float | None:
    """``part`` as a percentage of ``whole`` (None when there is no whole)."""
    # as Polars computes ``x * 100.0 / whole``: times the reciprocal (the same last digits)
    return float(part) * 100.0 * (1.0 / whole) if whole else None


def _per(numerator: float, denominator: float) -> float | None:
    return float(numerator) / denominator if denominator != 0 else None


def _segments_frame(names: list[str], enabled: list[bool], stats: list[_Stats], whole: _Stats) -> pl.DataFrame:
    """``Evaluation.segments`` from each row's stats: a dozen rows, so the ratios are taken in
    Python (the same IEEE operations as Polars', without two queries' 0.5 ms)."""
    revenue = [s.cents / 100 for s in stats]
    universe_revenue = whole.cents / 100
    return pl.DataFrame(
        {
            "segment": names,
            "enabled": enabled,
            "customers": [s.customers for s in stats],
            "pct_customers": [_share(s.customers, whole.customers) for s in stats],
            "revenue": revenue,
            "pct_revenue": [_share(r, universe_revenue) for r in revenue],
            "avg_revenue": [_per(r, s.customers) for r, s in zip(revenue, stats)],
            "aov": [_per(r, s.orders) for r, s in zip(revenue, stats)],
            "avg_orders": [_per(s.orders, s.customers) for s in stats],
        },
        schema={
            "segment": pl.String, "enabled": pl.Boolean, "customers": pl.Int64, "pct_customers": pl.Float64,
            "revenue": pl.Float64, "pct_revenue": pl.Float64, "avg_revenue": pl.Float64, "aov": pl.Float64,
            "avg_orders": pl.Float64,
        },
    )


def _pct(numerator: pl.Expr, denominator: float) -> pl.Expr:
    if not denominator:
        return pl.lit(None, dtype=pl.Float64)
    return (numerator.cast(pl.Float64) * 100.0 / denominator).cast(pl.Float64)


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return pl.when(denominator != 0).then(numerator.cast(pl.Float64) / denominator).otherwise(None)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _null_row(frame: pl.DataFrame) -> pl.DataFrame:
    nulls = frame.filter(pl.col("v").is_null())
    return pl.DataFrame(
        {"value": [NULL_LABEL], "customers": [nulls.height], "c": [nulls["c"].sum()]},
        schema={"value": pl.String, "customers": pl.Int64, "c": pl.Int64},
    ).filter(pl.col("customers") > 0)


def _text_groups(frame: pl.DataFrame, top: int) -> pl.DataFrame:
    counted = (
        frame.filter(pl.col("v").is_not_null())
        .group_by(pl.col("v").cast(pl.String).alias("value"))
        .agg(pl.len().cast(pl.Int64).alias("customers"), pl.col("c").sum())
        .sort(["customers", "value"], descending=[True, False])
    )
    head, tail = counted.head(top), counted.slice(top)
    parts = [head]
    if tail.height:
        parts.append(
            pl.DataFrame(
                {"value": [OTHER], "customers": [int(tail["customers"].sum())], "c": [int(tail["c"].sum())]},
                schema=counted.schema,
            )
        )
    parts.append(_null_row(frame))
    return pl.concat(parts)


def _numeric_groups(frame: pl.DataFrame) -> pl.DataFrame:
    values = frame.filter(pl.col("v").is_not_null())
    schema = {"value": pl.String, "customers": pl.Int64, "c": pl.Int64}
    if values.height == 0:
        return pl.concat([pl.DataFrame(schema=schema), _null_row(frame)])
    physical = values.with_columns(p=pl.col("v").to_physical().cast(pl.Float64))
    if physical["p"].n_unique() <= _BINS:
        physical = physical.with_columns(bin=pl.col("p"))
    else:
        quantiles = [physical["p"].quantile(i / _BINS, "lower") for i in range(1, _BINS)]
        breaks = sorted(set(q for q in quantiles if q is not None))
        # bin index = how many breaks lie below the value: (-inf, b1] -> 0, (b1, b2] -> 1, ...
        physical = physical.with_columns(bin=pl.sum_horizontal([pl.col("p") > b for b in breaks]))
    grouped = (
        physical.group_by("bin")
        .agg(pl.len().cast(pl.Int64).alias("customers"), pl.col("c").sum(), lo=pl.col("v").min(), hi=pl.col("v").max())
        .sort("bin")
    )
    labels = [
        _fmt(lo) if lo == hi else f"{_fmt(lo)} – {_fmt(hi)}"
        for lo, hi in zip(grouped["lo"].to_list(), grouped["hi"].to_list())
    ]
    binned = pl.DataFrame(
        {"value": labels, "customers": grouped["customers"], "c": grouped["c"]}, schema=schema
    )
    return pl.concat([binned, _null_row(frame)])
