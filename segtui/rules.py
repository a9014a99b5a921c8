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
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from collections.abc import Iterator
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
    "Holdout",
    "RuleSet",
    "compile_rule",
    "check_rule",
    "SchemaKey",
    "missing_columns",
    "known_failure",
    "text_values",
    "suggest_values",
    "sql_text",
    "suggest",
    "MAX_RULE_LENGTH",
    "MAX_RULE_DEPTH",
]

#: Longest predicate accepted (characters); longer text is refused before parsing.
MAX_RULE_LENGTH = 4_000
#: Deepest parenthesis nesting accepted; checked before parsing so the parser never recurses deeply.
MAX_RULE_DEPTH = 50

#: Distinct rule texts whose parse and check are cached: more than a large rule set has,
#: so that checking it and then evaluating it does not parse every rule twice.
_CACHED_RULES = 8_192

_COMPARISONS = {"Eq", "NotEq", "Lt", "LtEq", "Gt", "GtEq", "EqValidity", "NotEqValidity"}
_LOGICAL = {"And", "Or", "Xor", "LogicalAnd", "LogicalOr"}


@dataclass
class Rule:
    """One condition of a segment: a SQL ``WHERE`` predicate over customer-view columns.

    ``missing`` names the columns the open data lacks: such a rule is off for the
    session (see ``active``) while ``enabled`` keeps what the file says, so saving
    writes it back unchanged. Never read from or written to a file.
    """

    where: str
    enabled: bool = True
    missing: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def active(self) -> bool:
        """Whether the rule takes part in matching: enabled, and runnable on this data."""
        return self.enabled and not self.missing


@dataclass(frozen=True)
class Holdout:
    """A control group kept out of a campaign: ``percent`` of customers, chosen by ``salt``.

    Which customers are in control is decided by ``segtui.analysis.holdout`` from the
    salt and the customer id alone, so the same rule file gives the same split on any
    day and in any SQL engine.
    """

    percent: float
    salt: str


@dataclass
class Segment:
    """A named group of customers: those matching ``all`` (or ``any``) of its enabled rules."""

    name: str
    rules: list[Rule] = field(default_factory=list)
    description: str = ""
    match: Literal["all", "any"] = "all"
    enabled: bool = True
    #: this segment's own control group (else the rule set's ``holdout`` applies)
    holdout: Holdout | None = None

    @property
    def enabled_rules(self) -> list[Rule]:
        """The rules that take part in matching (disabled ones are kept but skipped)."""
        return [rule for rule in self.rules if rule.active]


@dataclass
class DataSpec:
    """Optional ``data:`` section of a rule file (CLI flags override it)."""

    path: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    as_of: date | None = None
    date_format: str | None = None
    #: a second file of customer attributes joined on customer_id (``--customers-file``)
    customers_file: str | None = None
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
    #: occasion name -> window "MM-DD..MM-DD" (``segtui.occasions``): <name>_orders and
    #: <name>_revenue_share columns in the view
    occasions: dict[str, str] = field(default_factory=dict)
    #: ``occasions:`` as the file wrote it ("default", a list, a mapping), written back as is
    occasions_written: object = field(default=None, compare=False, repr=False)
    universe: str | None = None
    assign: Literal["first_match", "overlap"] = "first_match"
    #: control group for every segment that has none of its own
    holdout: Holdout | None = None
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


_MINOR_WORDS = frozenset({"of", "the", "and", "&"})


def _initials(text: str) -> str:
    return "".join(word[0] for word in re.findall(r"\w+", text.lower()) if word not in _MINOR_WORDS)


def sql_text(value: str) -> str:
    """``value`` as a SQL text literal, the way a rule writes it.

    Examples
    --------
    >>> print(sql_text("O'Brien"))
    'O''Brien'
    """
    return "'" + value.replace("'", "''") + "'"


def suggest_values(value: str, candidates: list[str] | Any) -> str:
    """A ``(did you mean 'x'?)`` suffix naming the values closest to ``value``, or "".

    Close means: the same text in another case, its initials ("UK" for "United
    Kingdom"), a word that starts with it, or a similar spelling.

    Examples
    --------
    >>> countries = ["Germany", "United Kingdom", "United States"]
    >>> suggest_values("UK", countries)
    " (did you mean 'United Kingdom'?)"
    >>> suggest_values("germany", countries), suggest_values("Untied States", countries)
    (" (did you mean 'Germany'?)", " (did you mean 'United States'?)")
    >>> suggest_values("Peru", countries)
    ''
    """
    options = [c for c in candidates if isinstance(c, str)]
    low = value.strip().lower()
    lowered = {c.lower(): c for c in options}
    close = [c for c in options if c.lower() == low]
    if len(low) >= 2:
        close += [c for c in options if _initials(c) == low.replace(".", "")]
        close += [c for c in options if any(word.startswith(low) for word in c.lower().split())]
    close += [lowered[c] for c in difflib.get_close_matches(low, list(lowered), n=3, cutoff=0.6)]
    close = list(dict.fromkeys(close))[:3]
    if not close:
        return ""
    return " (did you mean " + " or ".join(sql_text(c) for c in close) + "?)"


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


@functools.lru_cache(maxsize=_CACHED_RULES)
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


def _walk(tree: Any) -> Iterator[dict]:
    """Every dict node of a serialised expression, parents before children.

    Iterative: a long chain of ANDs must not hit Python's recursion limit. A caller may
    replace a child of the node it was given before the walk goes on.
    """
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            yield node
            stack.extend(node.values())


def _structural_problem(expr: pl.Expr, empty: pl.DataFrame) -> str | None:
    """Mismatches Polars accepts but an analyst never means, e.g. ``first_order_date > 5``."""
    try:
        tree = json.loads(expr.meta.serialize(format="json"))
    except RecursionError:
        return "rule is too deeply nested; simplify it"
    except Exception:  # noqa: BLE001 - serialisation format unavailable: skip the extra check
        return None
    for node in _walk(tree):
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
    return None


def known_failure(exc: BaseException) -> str | None:
    """A plain-words cause for a Polars error whose first line hides it, else None.

    A bad regular expression's first line is only "regex error: regex parse error:";
    the pattern and the cause are on the lines after it.

    Examples
    --------
    >>> try:
    ...     pl.DataFrame({"c": ["x"]}).select(pl.col("c").str.contains("["))
    ... except pl.exceptions.ComputeError as exc:
    ...     print(known_failure(exc))
    bad regular expression '[': unclosed character class
    """
    lines = [line.strip() for line in str(exc).splitlines()]
    if not lines or not lines[0].startswith("regex error"):
        return None
    # regex parse errors: the pattern, a ^ marker line, then "error: <cause>"
    pattern = lines[1] if len(lines) > 1 else ""
    cause = next((line.removeprefix("error:").strip() for line in lines if line.startswith("error:")), lines[0])
    return f"bad regular expression {pattern!r}: {cause}"


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")


def _temporal_value(text: str, dtype: pl.DataType) -> date | datetime | None:
    """``text`` as a value of the Date/Datetime ``dtype``, or None if it is not an ISO date."""
    try:
        if dtype == pl.Date and _ISO_DATE.fullmatch(text.strip()):
            return date.fromisoformat(text.strip())
        if isinstance(dtype, pl.Datetime) and _ISO_DATETIME.fullmatch(text.strip()):
            return datetime.fromisoformat(text.strip())
    except ValueError:  # 2025-02-30
        return None
    return None


def _literal_node(value: Any, dtype: pl.DataType) -> dict:
    return json.loads(pl.lit(value, dtype=dtype).meta.serialize(format="json"))


def _compared_literals(node: dict, ops: set[str]) -> list[tuple[Any, Any, dict]]:
    """(holder, key, other side) for each literal ``node`` compares with something:
    ``x <op> literal`` either way round, or ``x IN (literals)``."""
    binary = node.get("BinaryExpr")
    if isinstance(binary, dict) and binary.get("op") in ops:
        pairs = [(binary, "left", binary.get("right")), (binary, "right", binary.get("left"))]
    else:
        function = node.get("Function")
        inputs = function.get("input") if isinstance(function, dict) else None
        is_in = isinstance(function, dict) and "IsIn" in json.dumps(function.get("function"))
        pairs = [(inputs, 1, inputs[0])] if is_in and isinstance(inputs, list) and len(inputs) == 2 else []
    return [
        (holder, key, other)
        for holder, key, other in pairs
        if isinstance(holder[key], dict) and "Literal" in holder[key] and isinstance(other, dict)
    ]


def _text_literals(literal: dict) -> tuple[list[str | None], bool] | None:
    """The text values of a literal node, and whether it is an IN list; None if not text."""
    try:
        value = pl.select(pl.Expr.deserialize(io.StringIO(json.dumps(literal)), format="json")).to_series()
    except Exception:  # noqa: BLE001 - a literal we cannot rebuild is left alone
        return None
    if value.dtype == pl.List(pl.String):
        return value.explode().to_list(), True
    return (value.to_list(), False) if value.dtype == pl.String else None


def _date_strings(node: dict, empty: pl.DataFrame) -> str | None:
    """Turn text literals compared with a date column (in ``node``, in place) into dates.

    ``first_order_date > '2025-01-01'`` is how analysts write it, but Polars refuses to
    compare a date with text. Returns a problem for text that is not a date.
    """
    for holder, key, other in _compared_literals(node, _COMPARISONS):
        dtype = _sub_dtype(other, empty)
        if dtype is None or not (dtype == pl.Date or isinstance(dtype, pl.Datetime)):
            continue
        literals = _text_literals(holder[key])
        if literals is None:
            continue
        texts, is_list = literals
        converted = [_temporal_value(t, dtype) if t is not None else None for t in texts]
        for text, got in zip(texts, converted):
            if text is not None and got is None:
                return (
                    f"{_describe(other)} holds dates, but {text!r} is not a date "
                    f"(write dates as '2025-01-31'{' 08:30' if dtype != pl.Date else ''})"
                )
        holder[key] = (
            _literal_node(pl.Series([converted], dtype=pl.List(dtype)), pl.List(dtype))
            if is_list
            else _literal_node(converted[0], dtype)
        )
    return None


def _with_dates(expr: pl.Expr, empty: pl.DataFrame) -> pl.Expr | str:
    """``expr`` with date-like text compared with date columns read as dates, or a problem."""
    try:
        text = expr.meta.serialize(format="json")
    except Exception:  # noqa: BLE001 - unserialisable: Polars reports the mismatch itself
        return expr
    if '"String"' not in text and '"Series"' not in text:
        return expr  # no text literal at all: the common case costs nothing more
    tree = json.loads(text)
    for node in _walk(tree):
        problem = _date_strings(node, empty)
        if problem:
            return problem
    rewritten = json.dumps(tree)
    if rewritten == text:
        return expr
    return pl.Expr.deserialize(io.StringIO(rewritten), format="json")


def _checked(expr: pl.Expr, key: SchemaKey, where: str) -> pl.Expr | str:
    """``expr`` ready to run on ``key``'s schema (date strings read as dates), or its problem."""
    schema = key.schema
    names = list(schema.names())
    for column in dict.fromkeys(expr.meta.root_names()):
        if column not in schema:
            if column in METRIC_NEEDS:  # a real metric this data cannot produce
                return f'column "{column}" is not in this customer view: the data needs {METRIC_NEEDS[column]}'
            hint = suggest(column, names)
            if not hint and (f'"{column}"' in where or not column.isidentifier()):
                # SQL reads "Germany" as a column name, as analysts used to other tools rarely expect
                hint = f" (double quotes name a column; text values take single quotes: '{column}')"
            return f'unknown column "{column}"{hint}'
    empty = _empty_frame(key)
    expr = _with_dates(expr, empty)
    if isinstance(expr, str):
        return expr
    try:
        dtype = empty.select(expr.alias("_")).schema["_"]
    except pl.exceptions.ColumnNotFoundError as exc:  # a qualified name such as t.col
        return f"unknown column: {first_line(exc)}"
    except Exception as exc:  # noqa: BLE001 - Polars type errors are the user's rule
        return known_failure(exc) or f"type mismatch: {first_line(exc)}"
    if dtype not in (pl.Boolean, pl.Null):
        return (
            f"not a condition: the rule gives {dtype} values, not true/false "
            "(compare it, e.g. revenue > 100)"
        )
    return _structural_problem(expr, empty) or expr


class SchemaKey:
    """One object per distinct schema, to key caches by: ``tuple(schema.items())`` as a key
    hashes and compares every column's DataType in Python on each lookup (40 µs at 37
    columns, about 1 ms per rule set evaluated); a ``SchemaKey`` hashes and compares by
    identity, and ``SchemaKey.of`` returns the same object for an equal schema.

    Examples
    --------
    >>> SchemaKey.of({"orders": pl.Int64}) is SchemaKey.of(pl.Schema({"orders": pl.Int64}))
    True
    """

    __slots__ = ("schema", "items", "__weakref__")
    _interned: dict[str, list[SchemaKey]] = {}

    def __init__(self, schema: pl.Schema) -> None:
        self.schema = schema
        self.items = tuple(schema.items())

    @classmethod
    def of(cls, schema: pl.Schema | dict | SchemaKey) -> SchemaKey:
        """The key of ``schema`` (found by its text, confirmed by comparing the types)."""
        if isinstance(schema, SchemaKey):
            return schema
        schema = schema if isinstance(schema, pl.Schema) else pl.Schema(schema)
        items = tuple(schema.items())
        text = "\x00".join(f"{name}\x01{dtype!r}" for name, dtype in items)
        known = cls._interned.setdefault(text, [])
        for key in known:
            if key.items == items:
                return key
        if len(cls._interned) > _CACHED_SCHEMAS:
            cls._interned.clear()  # rare: a session sees a handful of schemas
            cls._interned[text] = known
        key = cls(schema)
        known.append(key)
        return key


#: Distinct schemas ``SchemaKey`` keeps before starting afresh.
_CACHED_SCHEMAS = 256


@functools.lru_cache(maxsize=_CACHED_RULES)
def _compile(where: str, key: SchemaKey | None) -> pl.Expr | str:
    """The expression for ``where`` over the schema of ``key`` (checked), or a one-line problem.

    Cached: the rule editor checks then counts the same text, and apply checks then
    evaluates every rule.
    """
    parsed = _parse(where)
    if isinstance(parsed, str) or key is None:
        return parsed
    return _checked(parsed, key, where)


def _compiled(where: str, schema: pl.Schema | SchemaKey | None) -> pl.Expr | str:
    if schema is None:
        return _compile(where, None)
    try:
        key = SchemaKey.of(schema)
    except TypeError:  # an unhashable dtype: check without the cache
        return _compile.__wrapped__(where, SchemaKey(schema if isinstance(schema, pl.Schema) else pl.Schema(schema)))
    return _compile(where, key)


@functools.lru_cache(maxsize=64)
def _empty_frame(key: SchemaKey) -> pl.DataFrame:
    return pl.DataFrame(schema=key.schema)


def missing_columns(where: str, schema: pl.Schema) -> list[str]:
    """Columns a rule refers to that ``schema`` lacks ([] for a rule that does not parse).

    Examples
    --------
    >>> missing_columns("discount_order_share >= 0.5 AND orders >= 2", pl.Schema({"orders": pl.Int64}))
    ['discount_order_share']
    """
    parsed = _parse(where)
    if isinstance(parsed, str):
        return []
    return [name for name in dict.fromkeys(parsed.meta.root_names()) if name not in schema]


def check_rule(where: str, schema: pl.Schema | SchemaKey | None = None) -> str | None:
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
    compiled = _compiled(where, schema)
    return compiled if isinstance(compiled, str) else None


def compile_rule(where: str, schema: pl.Schema | SchemaKey | None = None) -> pl.Expr:
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
    compiled = _compiled(where, schema)
    if isinstance(compiled, str):
        raise SegtuiError(compiled, title="Bad rule")
    return compiled


_TEXT_TYPES = (pl.String, pl.Categorical, pl.Enum)


@functools.lru_cache(maxsize=_CACHED_RULES)
def _text_values(where: str, key: SchemaKey) -> tuple[tuple[str, str], ...]:
    compiled = _compile(where, key)
    if isinstance(compiled, str):
        return ()
    schema = key.schema
    try:
        tree = json.loads(compiled.meta.serialize(format="json"))
    except Exception:  # noqa: BLE001 - nothing to hint at then
        return ()
    found: list[tuple[str, str]] = []
    for node in _walk(tree):
        for holder, key, other in _compared_literals(node, {"Eq"}):
            column = other.get("Column")
            if not isinstance(column, str) or not isinstance(schema.get(column), _TEXT_TYPES):
                continue
            literals = _text_literals(holder[key])
            if literals is not None:
                found += [(column, text) for text in literals[0] if text is not None]
    return tuple(dict.fromkeys(found))


def text_values(where: str, schema: pl.Schema | SchemaKey) -> list[tuple[str, str]]:
    """(column, value) for each text value a valid rule looks for with ``=`` or ``IN``.

    For the "no customer has country = 'UK'" hint; an invalid rule gives [].

    Examples
    --------
    >>> schema = pl.Schema({"country": pl.String, "orders": pl.Int64})
    >>> text_values("country IN ('UK', 'FR') AND orders > 1 OR 'DE' = country", schema)
    [('country', 'DE'), ('country', 'UK'), ('country', 'FR')]
    """
    try:
        return list(_text_values(where, SchemaKey.of(schema)))
    except TypeError:  # an unhashable dtype in the schema: no hints rather than a crash
        return []
