"""Rule sets as plain dataclasses, and their compilation to Polars expressions.

A rule is a SQL ``WHERE`` predicate over customer-view columns, parsed by
``pl.sql_expr`` (never ``eval``).  ``pl.sql_expr`` only knows column references,
operators and pure functions, so a rule cannot read files or reach the network:
``read_csv('x')`` is a parse error, not a read.

Checking a rule against a schema is done without data: the expression is run on an
empty frame of that schema (Polars resolves every type then), and a small walk over
the serialised expression catches the one mismatch Polars silently accepts
(comparing a date column with a bare number).
"""

from __future__ import annotations

import difflib
import functools
import io
import json
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

import polars as pl

from segtui.customers import Lifecycle
from segtui.errors import SegtuiError
from segtui.errors import first_line
from segtui.names import METRIC_NEEDS

__all__ = [
    "Rule",
    "Segment",
    "DataSpec",
    "RuleSet",
    "compile_rule",
    "check_rule",
    "suggest",
    "MAX_RULE_LENGTH",
    "MAX_RULE_DEPTH",
]

#: Longest predicate accepted (characters); longer text is refused before parsing.
MAX_RULE_LENGTH = 4_000
#: Deepest parenthesis nesting accepted; checked before parsing so the parser never recurses deeply.
MAX_RULE_DEPTH = 50

_COMPARISONS = {"Eq", "NotEq", "Lt", "LtEq", "Gt", "GtEq", "EqValidity", "NotEqValidity"}
_LOGICAL = {"And", "Or", "Xor", "LogicalAnd", "LogicalOr"}


@dataclass
class Rule:
    """One condition of a segment: a SQL ``WHERE`` predicate over customer-view columns."""

    where: str
    enabled: bool = True


@dataclass
class Segment:
    """A named group of customers: those matching ``all`` (or ``any``) of its enabled rules."""

    name: str
    rules: list[Rule] = field(default_factory=list)
    description: str = ""
    match: Literal["all", "any"] = "all"
    enabled: bool = True

    @property
    def enabled_rules(self) -> list[Rule]:
        """The rules that take part in matching (disabled ones are kept but skipped)."""
        return [rule for rule in self.rules if rule.enabled]


@dataclass
class DataSpec:
    """Optional ``data:`` section of a rule file (CLI flags override it)."""

    path: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    as_of: date | None = None
    date_format: str | None = None
    #: ``path`` as written in the file (before resolving it against the file's folder),
    #: so that saving keeps a relative path relative; not part of equality
    written_path: str | None = field(default=None, compare=False, repr=False)


@dataclass
class RuleSet:
    """A rule file in memory: segments in priority order plus the settings they share.

    ``universe`` limits which customers are segmented at all; ``assign`` says whether a
    customer belongs to the first matching segment only or to every one that matches.
    """

    segments: list[Segment] = field(default_factory=list)
    name: str = ""
    description: str = ""
    version: int = 1
    data: DataSpec | None = None
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    universe: str | None = None
    assign: Literal["first_match", "overlap"] = "first_match"
    #: where the rule set was loaded from (for messages); not part of equality
    source: str | None = field(default=None, compare=False, repr=False)
    #: leading comment block of the file it came from, written back on save; not compared
    header: str = field(default="", compare=False, repr=False)
    #: the YAML text it was loaded from: saving edits that document, so comments survive
    text: str = field(default="", compare=False, repr=False)

    def segment(self, name: str) -> Segment:
        """The segment called ``name``; ``SegtuiError`` (with a suggestion) if there is none.

        Examples
        --------
        >>> RuleSet([Segment("VIP", [Rule("orders >= 3")])]).segment("VIP").rules[0].where
        'orders >= 3'
        """
        for seg in self.segments:
            if seg.name == name:
                return seg
        names = [seg.name for seg in self.segments]
        raise SegtuiError(f'no segment "{name}"{suggest(name, names)}', title="Unknown segment")

    def with_segment(self, index: int, segment: Segment) -> "RuleSet":
        """A copy with segment ``index`` replaced (the TUI edits immutably)."""
        segments = list(self.segments)
        segments[index] = segment
        return replace(self, segments=segments)


def suggest(name: str, candidates: list[str] | Any) -> str:
    """A ``(did you mean "x"?)`` suffix for the closest candidate names, or "".

    Examples
    --------
    >>> suggest("recency_day", ["recency_days", "revenue"])
    ' (did you mean "recency_days"?)'
    >>> suggest("zzz", ["revenue"])
    ''
    """
    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    if not close:
        close = [c for c in candidates if c.lower() == name.lower()][:1]
    if not close:
        return ""
    return " (did you mean " + " or ".join(f'"{c}"' for c in close) + "?)"


def _check_size(where: str) -> str | None:
    """Refuse huge or deeply nested text before the parser sees it."""
    if len(where) > MAX_RULE_LENGTH:
        return f"rule is too long ({len(where):,} characters; the limit is {MAX_RULE_LENGTH:,})"
    depth = deepest = 0
    quote: str | None = None
    for char in where:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    if deepest > MAX_RULE_DEPTH:
        return f"rule nests parentheses {deepest} deep (the limit is {MAX_RULE_DEPTH}); simplify it"
    return None


@functools.lru_cache(maxsize=1024)
def _parse(where: str) -> pl.Expr | str:
    """Parse once per distinct text; returns the expression or a one-line problem."""
    if not isinstance(where, str) or not where.strip():
        return "empty rule (write a condition such as orders >= 3)"
    too_big = _check_size(where)
    if too_big:
        return too_big
    try:
        expr = pl.sql_expr(where)
    except Exception as exc:  # noqa: BLE001 - any parser failure is the user's syntax
        message = first_line(exc)
        if message.startswith("unsupported function"):
            return f"{message} (rules may only use SQL functions on customer columns)"
        return f"syntax error: {message}"
    # The SQL parser accepts a stray keyword as a column name (`orders > 1 and and`),
    # which would pass `validate` without data; no customer column is named like one.
    for name in expr.meta.root_names():
        if name.upper() in _KEYWORDS:
            return f"syntax error: unexpected {name!r} in {where.strip()!r}"
    return expr


_KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "IS", "NULL", "BETWEEN", "LIKE", "ILIKE", "CASE", "WHEN", "THEN", "ELSE", "END"})


def _dtype_kind(dtype: pl.DataType) -> str:
    if dtype.is_temporal():
        return "date"
    if dtype.is_numeric():
        return "number"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype == pl.Null:
        return "null"
    return "other"


def _sub_dtype(node: dict, empty: pl.DataFrame) -> pl.DataType | None:
    """dtype of one serialised sub-expression over the empty frame (None if unknown)."""
    try:
        expr = pl.Expr.deserialize(io.StringIO(json.dumps(node)), format="json")
        return empty.select(expr.alias("_")).schema["_"]
    except Exception:  # noqa: BLE001 - a node we cannot rebuild is simply not checked
        return None


def _describe(node: dict) -> str:
    if isinstance(node, dict) and "Column" in node:
        return f'column "{node["Column"]}"'
    return "a number" if "Literal" in node else "an expression"


def _structural_problem(expr: pl.Expr, empty: pl.DataFrame) -> str | None:
    """Mismatches Polars accepts but an analyst never means, e.g. ``first_order_date > 5``."""
    try:
        tree = json.loads(expr.meta.serialize(format="json"))
    except RecursionError:
        return "rule is too deeply nested; simplify it"
    except Exception:  # noqa: BLE001 - serialisation format unavailable: skip the extra check
        return None
    stack = [tree]
    while stack:  # iterative: a long chain of ANDs must not hit Python's recursion limit
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        binary = node.get("BinaryExpr")
        if isinstance(binary, dict):
            op = binary.get("op")
            if op in _COMPARISONS:
                left, right = binary["left"], binary["right"]
                kinds = [_sub_dtype(left, empty), _sub_dtype(right, empty)]
                if None not in kinds:
                    k = sorted(_dtype_kind(d) for d in kinds)  # type: ignore[arg-type]
                    if k == ["date", "number"]:
                        date_side = left if _dtype_kind(kinds[0]) == "date" else right
                        other = right if date_side is left else left
                        return (
                            f"type mismatch: {_describe(date_side)} holds dates but is compared with "
                            f"{_describe(other)} (write a date as DATE '2024-01-31', or use a *_days column)"
                        )
        stack.extend(node.values())
    return None


def _schema_problem(expr: pl.Expr, schema: pl.Schema) -> str | None:
    names = list(schema.names())
    for column in dict.fromkeys(expr.meta.root_names()):
        if column not in schema:
            if column in METRIC_NEEDS:  # a real metric this data cannot produce
                return f'column "{column}" is not in this customer view: the data needs {METRIC_NEEDS[column]}'
            hint = suggest(column, names)
            if not hint and not column.isidentifier():
                # SQL reads "United Kingdom" as a column name; text values take single quotes
                hint = f" (text values go in single quotes: '{column}')"
            return f'unknown column "{column}"{hint}'
    empty = _empty_frame(tuple(schema.items()))
    try:
        dtype = empty.select(expr.alias("_")).schema["_"]
    except pl.exceptions.ColumnNotFoundError as exc:  # a qualified name such as t.col
        return f"unknown column: {first_line(exc)}"
    except Exception as exc:  # noqa: BLE001 - Polars type errors are the user's rule
        return f"type mismatch: {first_line(exc)}"
    if dtype not in (pl.Boolean, pl.Null):
        return (
            f"not a condition: the rule gives {dtype} values, not true/false "
            "(compare it, e.g. revenue > 100)"
        )
    return _structural_problem(expr, empty)


@functools.lru_cache(maxsize=64)
def _empty_frame(items: tuple) -> pl.DataFrame:
    return pl.DataFrame(schema=dict(items))


def check_rule(where: str, schema: pl.Schema | None = None) -> str | None:
    """Return None when the predicate is valid (over ``schema`` if given), else a one-line problem.

    Parameters
    ----------
    where
        A SQL ``WHERE`` predicate, e.g. ``"orders >= 3 AND country = 'UK'"``.
    schema
        Customer-view schema; without it only the syntax is checked.

    Returns
    -------
    str | None

    Examples
    --------
    >>> schema = pl.Schema({"recency_days": pl.Int64, "first_order_date": pl.Date})
    >>> check_rule("recency_days <= 90", schema) is None
    True
    >>> check_rule("recency_day <= 90", schema)
    'unknown column "recency_day" (did you mean "recency_days"?)'
    >>> check_rule("recency_days +", schema)
    "syntax error: unable to parse 'recency_days +' as Expr"
    """
    parsed = _parse(where)
    if isinstance(parsed, str):
        return parsed
    if schema is None:
        return None
    return _schema_problem(parsed, pl.Schema(schema))


def compile_rule(where: str, schema: pl.Schema | None = None) -> pl.Expr:
    """Parse one predicate into a boolean expression; with ``schema``, also check columns/types.

    Parameters
    ----------
    where
        A SQL ``WHERE`` predicate over customer-view columns.
    schema
        If given, unknown columns (with "did you mean"), type mismatches and
        non-boolean results are reported too.

    Returns
    -------
    pl.Expr
        Null results are left as null; callers treat null as "not matched".

    Raises
    ------
    SegtuiError
        One line describing the problem.

    Examples
    --------
    >>> df = pl.DataFrame({"orders": [1, 3, 5]})
    >>> df.filter(compile_rule("orders >= 3", df.schema))["orders"].to_list()
    [3, 5]
    >>> compile_rule("read_csv('secrets.csv')")
    Traceback (most recent call last):
    ...
    segtui.errors.SegtuiError: unsupported function 'read_csv' (rules may only use SQL functions on customer columns)
    """
    problem = check_rule(where, schema)
    if problem is not None:
        raise SegtuiError(problem, title="Bad rule")
    parsed = _parse(where)
    assert isinstance(parsed, pl.Expr)
    return parsed
