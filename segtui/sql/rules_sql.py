"""A rule set as one SQL query over a customer-view table, for any engine sqlglot writes.

Polars' parser stays the gate for what a rule may contain (``check_rule``); the text
is then parsed again by sqlglot, whose tree is checked against a whitelist of node
kinds and functions (sqlglot happily parses ``READ_CSV('x')``) and transpiled.

Constructs whose meaning differs between engines (measured, see ``tests/test_sql_portable.py``):

- ``CAST(x AS INTEGER)`` truncates in Polars and Spark but rounds in DuckDB, Postgres,
  BigQuery and Snowflake: written as ``CAST(TRUNC(x) AS INT)``, Polars' meaning.
- ``orders / 4`` divides integers to a whole number in Postgres only: sqlglot casts
  the dividend there (``CAST(orders AS DOUBLE PRECISION) / 4``).
- ``revenue / orders`` with ``orders`` 0 is ±infinity (NaN for 0 / 0) in Polars and
  DuckDB but stops the query in Postgres and Spark: a divisor that is not a non-zero
  number is written ``CASE WHEN b = 0 THEN a * CAST('Infinity' AS DOUBLE) ELSE a / b END``.
- ``x ~ 'pattern'`` is Polars' (and Postgres') regex match only: written as each
  engine's regex function (``REGEXP_MATCHES``, ``RLIKE``, ``REGEXP_CONTAINS``, …).
- ``ROUND(x, n)`` rounds ``x * 10^n`` half to even in Polars, halves away from zero
  elsewhere (and Postgres cannot round a double to n places): written per dialect.

``portability_problems`` reports these for ``segtui validate --portable``.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlglot
from sqlglot import exp

from segtui.errors import SegtuiError
from segtui.rules import RuleSet, Segment, check_rule
from segtui.sql.dialects import DIALECTS, resolve, round_even

__all__ = [
    "DIALECTS",
    "DATE_COLUMNS",
    "predicate_sql",
    "rules_sql",
    "summary_sql",
    "portability_problems",
]

#: Customer-view columns holding dates: text compared with them is written as a DATE.
DATE_COLUMNS = frozenset({"first_order_date", "last_order_date"})
UNASSIGNED = "Unassigned"  # the Evaluator's name, kept literal: evaluate imports rules, not sql

#: Functions a rule may use in SQL: pure, per-row, and known to every dialect sqlglot writes.
_FUNCTIONS = frozenset({
    exp.Abs, exp.Round, exp.Ceil, exp.Floor, exp.Sqrt, exp.Ln, exp.Log, exp.Pow, exp.Exp,
    exp.Sign, exp.Lower, exp.Upper, exp.Length, exp.Coalesce, exp.Nullif, exp.Greatest,
    exp.Least, exp.Substring, exp.Left, exp.Right, exp.Trim, exp.Concat, exp.Cast,
    exp.TryCast, exp.Case, exp.If, exp.RegexpLike, exp.RegexpILike, exp.StartsWith,
    exp.Extract, exp.Trunc,
})
#: Node kinds that are not functions but may appear: operators, names and values.
_NODES = (
    exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.DataType,
    exp.Tuple, exp.Connector, exp.Binary, exp.Not, exp.Neg, exp.In, exp.Between, exp.Var,
    exp.When, exp.Interval, exp.DataTypeParam,
)
_INTEGER_TYPES = {exp.DataType.Type.INT, exp.DataType.Type.BIGINT, exp.DataType.Type.SMALLINT, exp.DataType.Type.TINYINT}


def _nodes(tree: exp.Expression) -> Iterator[exp.Expression]:
    yield from tree.walk()


def _parse(where: str) -> tuple[exp.Expression, bool]:
    """sqlglot's tree of an accepted rule, and whether it uses Polars' ``~`` regex operator."""
    problem = check_rule(where)
    if problem:
        raise SegtuiError(problem, title="Bad rule")
    try:
        return sqlglot.parse_one(where), False
    except sqlglot.errors.ParseError:
        pass
    try:
        # Postgres' grammar is the one sqlglot knows with ``~``; its ``/`` between integers
        # is integer division, which is not what the rule (run by Polars) means.
        tree = sqlglot.parse_one(where, read="postgres")
    except sqlglot.errors.ParseError as exc:
        raise SegtuiError(f"cannot write this rule as SQL: {str(exc).splitlines()[0]}", title="Bad rule") from exc
    for div in tree.find_all(exp.Div):
        div.set("typed", False)
    return tree, True


def _check_whitelist(tree: exp.Expression) -> None:
    for node in _nodes(tree):
        if isinstance(node, exp.Func) and not isinstance(node, exp.Connector):  # AND / OR are Funcs too
            if type(node) not in _FUNCTIONS:
                name = node.sql_name() if not isinstance(node, exp.Anonymous) else node.name
                raise SegtuiError(f"cannot write this rule as SQL: function {name.upper()} is not portable", title="Bad rule")
        elif not isinstance(node, _NODES):
            raise SegtuiError(f"cannot write this rule as SQL: {node.key} is not allowed", title="Bad rule")


def _is_integer_cast(node: exp.Expression) -> bool:
    return isinstance(node, (exp.Cast, exp.TryCast)) and node.to.this in _INTEGER_TYPES


def _date_literals(tree: exp.Expression, date_columns: frozenset[str]) -> None:
    """Text compared with a date column becomes ``CAST('…' AS DATE)``, in place.

    Polars (via segtui) reads ``first_order_date >= '2025-01-01'`` as a date comparison;
    BigQuery refuses to compare a DATE with text, and the others agree once it is a DATE.
    """
    def is_date(node: exp.Expression) -> bool:
        return isinstance(node, exp.Column) and node.name in date_columns

    def fix(node: exp.Expression) -> None:
        if isinstance(node, exp.Literal) and node.is_string:
            node.replace(exp.cast(node.copy(), exp.DataType.Type.DATE))

    for node in list(_nodes(tree)):
        if isinstance(node, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)):
            if is_date(node.this):
                fix(node.expression)
            elif is_date(node.expression):
                fix(node.this)
        elif isinstance(node, exp.In) and is_date(node.this):
            for item in node.expressions:
                fix(item)
        elif isinstance(node, exp.Between) and is_date(node.this):
            fix(node.args["low"])
            fix(node.args["high"])


def _condition(where: str, date_columns: frozenset[str] = DATE_COLUMNS) -> exp.Expression:
    """The rule as a sqlglot condition with Polars' meaning, ready for any dialect."""
    tree, _ = _parse(where)
    _check_whitelist(tree)
    for div in reversed(list(tree.find_all(exp.Div))):  # innermost first: outer copies see the rewrite
        if not (isinstance(div.expression, exp.Literal) and not div.expression.is_string and float(div.expression.this)):
            div.replace(_polars_division(div))
    for node in list(_nodes(tree)):
        if _is_integer_cast(node):
            node.this.replace(exp.Trunc(this=node.this.copy()))
        elif isinstance(node, exp.Round):
            replacement = _polars_round(node)
            if node is tree:
                tree = replacement
            else:
                node.replace(replacement)
    _date_literals(tree, date_columns)
    return tree


def _polars_division(div: exp.Div) -> exp.Expression:
    """``a / b`` with Polars' result when ``b`` is 0: ±infinity, or NaN for 0 / 0.

    Postgres and Spark (ANSI mode) stop the whole query with "division by zero"; DuckDB
    gives what Polars gives. ``a * Infinity`` is exactly that value (0 * inf is NaN),
    and every engine compares NaN and infinities as Polars does (NaN above everything).
    """
    a, b = div.this, div.expression
    infinity = exp.cast(exp.Literal.string("Infinity"), exp.DataType.Type.DOUBLE)
    return exp.paren(
        exp.Case()
        .when(exp.EQ(this=b.copy(), expression=exp.Literal.number(0)), exp.Mul(this=exp.paren(a.copy()), expression=infinity))
        .else_(exp.Div(this=a.copy(), expression=b.copy(), typed=False, safe=False))
    )


def _polars_round(node: exp.Round) -> exp.Expression:
    """``ROUND(x, n)`` as Polars computes it: ``x * 10^n`` rounded half to even, then ``/ 10^n``.

    DuckDB, Postgres and Spark round halves away from zero (``ROUND(2.5)`` is 3, Polars
    says 2), and Postgres has no ``ROUND`` of a double to n decimals at all.
    """
    decimals = node.args.get("decimals")
    places = int(decimals.this) if isinstance(decimals, exp.Literal) and decimals.this.lstrip("-").isdigit() else None
    if decimals is not None and places is None:
        raise SegtuiError("cannot write this rule as SQL: ROUND needs a whole number of decimals", title="Bad rule")
    if not places:
        return round_even(node.this.copy())
    scale = exp.Literal.number(10**places) if places > 0 else exp.Literal.number(f"{10.0**places!r}")
    return exp.Div(this=exp.paren(round_even(exp.Mul(this=exp.paren(node.this.copy()), expression=scale))), expression=scale.copy())


def _write(tree: exp.Expression, dialect: str, pretty: bool = False) -> str:
    if dialect not in DIALECTS:
        raise SegtuiError(f"unknown dialect {dialect!r} (one of {', '.join(DIALECTS)})", title="Bad option")
    tree = resolve(tree, dialect)
    # Snowflake folds unquoted names to upper case; the view's columns are lower case.
    return tree.sql(dialect=dialect, pretty=pretty, identify=dialect == "snowflake")


def predicate_sql(where: str, dialect: str = "duckdb") -> str:
    """One rule's predicate in ``dialect``, with Polars' meaning.

    Examples
    --------
    >>> predicate_sql("orders / 4 >= 1", "postgres")
    'CAST(orders AS DOUBLE PRECISION) / 4 >= 1'
    >>> predicate_sql("country ~ '^U'", "duckdb")
    "REGEXP_MATCHES(country, '^U')"
    >>> predicate_sql("CAST(aov AS INTEGER) = 2", "duckdb")
    'CAST(TRUNC(aov) AS INT) = 2'
    >>> predicate_sql("first_order_date >= '2025-01-01'", "bigquery")
    "first_order_date >= CAST('2025-01-01' AS DATE)"
    >>> predicate_sql("read_csv('x') = 1")
    Traceback (most recent call last):
    segtui.errors.SegtuiError: unsupported function 'read_csv' (rules may only use SQL functions on customer columns)
    """
    return _write(_condition(where), dialect)


def _segment_condition(segment: Segment) -> exp.Expression | None:
    """The segment's enabled rules joined by AND / OR; None when it matches nobody."""
    if not segment.enabled:
        return None
    parts: list[exp.Expression] = []
    for position, rule in enumerate(segment.rules, start=1):
        if not rule.active:
            continue
        try:
            parts.append(_condition(rule.where))
        except SegtuiError as err:
            raise SegtuiError(f'segment "{segment.name}", rule {position}: {err.message}', title="Bad rule") from err
    if not parts:
        return None
    # SQL's three-valued AND / OR is TRUE exactly when Polars' null-as-false masks are.
    return exp.and_(*parts) if segment.match == "all" else exp.or_(*parts)


def _universe(ruleset: RuleSet) -> exp.Expression | None:
    if not (ruleset.universe or "").strip():
        return None
    try:
        return _condition(ruleset.universe)
    except SegtuiError as err:
        raise SegtuiError(f"universe: {err.message}", title="Bad rule") from err


def _assigned(ruleset: RuleSet, table: str, extra: list[str]) -> exp.Select:
    """customer_id, the segment (first_match) or one boolean per segment (overlap), then ``extra``."""
    columns: list[exp.Expression] = [exp.column("customer_id")]
    if ruleset.assign == "first_match":
        case = exp.Case()
        for segment in ruleset.segments:
            condition = _segment_condition(segment)
            if condition is not None:
                case = case.when(condition, exp.Literal.string(segment.name))
        label = case.else_(exp.Literal.string(UNASSIGNED)) if case.args.get("ifs") else exp.Literal.string(UNASSIGNED)
        columns.append(exp.alias_(label, "segment"))
    else:
        for segment in ruleset.segments:
            condition = _segment_condition(segment)
            value = exp.false() if condition is None else exp.func("COALESCE", condition, exp.false())
            columns.append(exp.alias_(value, segment.name, quoted=True))
    columns += [exp.column(name) for name in extra]
    query = exp.select(*columns).from_(exp.to_table(table))
    universe = _universe(ruleset)
    return query.where(universe) if universe is not None else query


def rules_sql(ruleset: RuleSet, dialect: str = "duckdb", table: str = "customers") -> str:
    """The query giving each customer of the universe its segment(s), over ``table``.

    first_match: ``customer_id, segment`` (CASE WHEN in file order, ``Unassigned`` last);
    overlap: ``customer_id`` and one boolean column per segment, named after it.

    Examples
    --------
    >>> from segtui.rules import Rule
    >>> rs = RuleSet([Segment("Big", [Rule("orders >= 3")]), Segment("Off", [Rule("TRUE")], enabled=False)])
    >>> print(rules_sql(rs))
    SELECT
      customer_id,
      CASE WHEN orders >= 3 THEN 'Big' ELSE 'Unassigned' END AS segment
    FROM customers
    ORDER BY
      customer_id NULLS FIRST
    """
    query = _assigned(ruleset, table, []).order_by("customer_id")
    return _write(query, dialect, pretty=True)


def summary_sql(ruleset: RuleSet, dialect: str = "duckdb", table: str = "customers") -> str:
    """The summary query: per segment (file order, then Unassigned) customers, % and revenue.

    Columns ``position, segment, customers, pct_customers, revenue``; the percentage is of
    the universe, and in overlap mode the rows do not add up (as in ``segtui apply``).
    """
    assigned = _assigned(ruleset, table, ["revenue"])
    rows: list[tuple[str, exp.Expression]] = []
    for segment in ruleset.segments:
        if ruleset.assign == "first_match":
            rows.append((segment.name, exp.column("segment").eq(exp.Literal.string(segment.name))))
        else:
            rows.append((segment.name, exp.column(segment.name, quoted=True)))
    if ruleset.assign == "first_match":
        rows.append((UNASSIGNED, exp.column("segment").eq(exp.Literal.string(UNASSIGNED))))
    selects = []
    for position, (name, member) in enumerate(rows, start=1):
        def when(value: exp.Expression, member: exp.Expression = member) -> exp.Expression:
            return exp.Case().when(member, value).else_(exp.Literal.number(0))

        customers = exp.func("SUM", when(exp.Literal.number(1)))
        selects.append(
            exp.select(
                exp.alias_(exp.Literal.number(position), "position"),
                exp.alias_(exp.Literal.string(name), "segment"),
                exp.alias_(customers, "customers"),
                exp.alias_(
                    exp.Mul(this=exp.Literal.number("100.0"), expression=customers.copy())
                    / exp.func("NULLIF", exp.func("COUNT", exp.Star()), exp.Literal.number(0)),
                    "pct_customers",
                ),
                exp.alias_(exp.func("SUM", when(exp.column("revenue"))), "revenue"),
            ).from_("assigned")
        )
    if not selects:
        raise SegtuiError("the rule set has no segments", title="Nothing to write")
    union: exp.Expression = selects[0]
    for select in selects[1:]:
        union = exp.union(union, select, distinct=False)
    query = exp.select("*").from_(exp.paren(union).as_("rows")).order_by("position").with_("assigned", as_=assigned)
    return _write(query, dialect, pretty=True)


def _rule_portability(where: str) -> list[str]:
    try:
        tree, tilde = _parse(where)
    except SegtuiError:
        return []  # a broken rule is reported by the ordinary checks
    found = []
    if tilde:
        found.append("the ~ regex operator is Polars' and Postgres' only (write REGEXP_LIKE(column, 'pattern'))")
    if any(_is_integer_cast(n) for n in _nodes(tree)):
        found.append(
            "CAST(… AS INTEGER) truncates in Polars and Spark but rounds in DuckDB and Postgres "
            "(write CAST(TRUNC(x) AS INTEGER), or ROUND(x) for rounding)"
        )
    if any(isinstance(n, exp.Round) for n in _nodes(tree)):
        found.append("ROUND rounds halves to even in Polars (ROUND(2.5) is 2) but away from zero in DuckDB, Postgres and Spark")
    if any(isinstance(n, exp.Div) for n in _nodes(tree)):
        found.append(
            "/ divides integers to a whole number in Postgres, and a division by 0 stops the query in "
            "Postgres and Spark (write 1.0 * a / NULLIF(b, 0), or guard it with CASE)"
        )
    return found


def portability_problems(ruleset: RuleSet, source: str | None = None) -> list[str]:
    """One line per construct whose meaning differs between engines, naming segment and rule.

    ``segtui sql`` writes each of them with Polars' meaning; a rule pasted into a
    warehouse by hand would not get that rewrite.

    Examples
    --------
    >>> from segtui.rules import Rule
    >>> rs = RuleSet([Segment("Half", [Rule("orders / 2 >= 1"), Rule("orders >= 1")])])
    >>> [line[:60] for line in portability_problems(rs, "r.yaml")]
    ['r.yaml: segment "Half", rule 1: / divides integers to a whol']
    """
    prefix = f"{source}: " if source else ""
    lines = []
    if (ruleset.universe or "").strip():
        lines += [f"{prefix}universe: {p}" for p in _rule_portability(ruleset.universe)]
    for segment in ruleset.segments:
        for position, rule in enumerate(segment.rules, start=1):
            lines += [f'{prefix}segment "{segment.name}", rule {position}: {p}' for p in _rule_portability(rule.where)]
    return lines
