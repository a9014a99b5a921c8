"""validate RULES DATA runs every rule on the data, so that passing it means apply runs.

Through the CLI (Typer's runner) on the bundled sample, plus a property test over
predicates generated from a small SQL grammar on the sample's customer view.
"""

from __future__ import annotations

import functools
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from segtui.cli import app
from segtui.dataset import load_dataset
from segtui.evaluate import Evaluator
from segtui.resources import RULES_DIR, SAMPLE_FILE
from segtui.rulefile import validate_rules
from segtui.rules import Rule, RuleSet, Segment

runner = CliRunner()

#: Rules that type-check on an empty frame but fail on the sample's real text values.
FAIL_ON_VALUES = ["NOT country", "CAST(country AS INTEGER) > 1"]


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def rule_file(tmp_path: Path, rules: list[str], universe: str | None = None) -> Path:
    path = tmp_path / "team.yaml"
    lines = ["version: 1"]
    if universe:
        lines.append(f'universe: "{universe}"')
    lines += ["segments:", "  - name: Repeat", "    rules:", "      - orders >= 2"]
    lines += ["  - name: Odd", "    rules:"] + [f'      - "{where}"' for where in rules]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("where", FAIL_ON_VALUES)
@pytest.mark.parametrize("command", ["validate", "apply"])
def test_a_rule_that_fails_on_the_values_fails_validate_and_apply_naming_file_segment_rule(
    tmp_path: Path, command: str, where: str
) -> None:
    path = rule_file(tmp_path, ["orders >= 1", where])
    result = run(command, path, SAMPLE_FILE)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and lines[0].startswith(f'error: {path}: segment "Odd", rule 2: '), result.output


@pytest.mark.parametrize("where", FAIL_ON_VALUES)
def test_a_universe_that_fails_on_the_values_is_reported_as_the_universe(tmp_path: Path, where: str) -> None:
    path = rule_file(tmp_path, ["orders >= 1"], universe=where)
    for command in ("validate", "apply"):
        result = run(command, path, SAMPLE_FILE)
        assert result.exit_code == 1, result.output
        assert f"error: {path}: universe: " in result.output, result.output


def test_validate_lists_every_failing_rule_at_once(tmp_path: Path) -> None:
    path = rule_file(tmp_path, [*FAIL_ON_VALUES, "recency_day > 3"])
    result = run("validate", path, SAMPLE_FILE)
    assert result.exit_code == 1
    found = {line.split(": ")[2] for line in result.output.splitlines()}
    assert found == {f'segment "Odd", rule {n}' for n in (1, 2, 3)}, result.output


def test_apply_with_more_segments_than_the_caches_hold(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    segments = "".join(f"  - name: s{i}\n    rules: ['orders >= {i % 7} OR revenue < -{i}']\n" for i in range(2_050))
    path.write_text("version: 1\nassign: overlap\nsegments:\n" + segments)
    result = run("apply", path, SAMPLE_FILE, "--format", "csv")
    assert result.exit_code == 0, result.output[-500:]
    assert result.stdout.count("\n") == 2_051  # a header and one line per segment


# --- property: validate passes => apply runs ------------------------------------------


@functools.cache
def sample_view() -> pl.DataFrame:
    return load_dataset(SAMPLE_FILE).view.frame


def _columns(kind: str) -> list[str]:
    schema = sample_view().schema
    picks = {
        "number": [c for c, t in schema.items() if t.is_numeric()][:6],
        "text": ["country", "lifecycle", "rfm", "top_category"],
        "date": ["first_order_date", "last_order_date"],
    }
    return picks[kind]


_LITERALS = st.one_of(
    st.integers(-3, 400).map(str),
    st.sampled_from(["0.5", "-1", "NULL", "TRUE", "FALSE"]),
    st.sampled_from(["'UK'", "'Germany'", "'2025-01-01'", "'abc'", "''", "'3'", "'['", "'%a%'", "DATE '2025-01-01'"]),
)
_CASTS = st.sampled_from(["INTEGER", "DOUBLE", "VARCHAR", "DATE", "BOOLEAN"])
_FUNCTIONS = st.sampled_from(["LOWER", "UPPER", "LENGTH", "ABS", "ROUND", "SQRT", "REVERSE"])
_OPERATORS = st.sampled_from(["=", "!=", "<", ">=", "+", "-", "*", "/", "%", "AND", "OR", "||", "~", "LIKE"])


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds("NOT {}".format, inner),
        st.builds("({})".format, inner),
        st.builds("CAST({} AS {})".format, inner, _CASTS),
        st.builds("{}({})".format, _FUNCTIONS, inner),
        st.builds("COALESCE({}, {})".format, inner, inner),
        st.builds("NULLIF({}, {})".format, inner, inner),
        st.builds("{} {} {}".format, inner, _OPERATORS, inner),
        st.builds("{} IS NULL".format, inner),
        st.builds("{} BETWEEN {} AND {}".format, inner, inner, inner),
        st.builds(lambda a, bs: f"{a} IN ({', '.join(bs)})", inner, st.lists(_LITERALS, min_size=1, max_size=3)),
        st.builds("CASE WHEN {} THEN {} ELSE {} END".format, inner, inner, inner),
    )


def predicates() -> st.SearchStrategy[str]:
    """Predicates from a small SQL grammar over the sample's columns, typed or not."""
    columns = st.sampled_from(_columns("number") + _columns("text") + _columns("date"))
    return st.recursive(st.one_of(columns, _LITERALS), _extend, max_leaves=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(where=predicates(), as_universe=st.booleans())
def test_a_rule_set_that_passes_validate_runs_in_apply(where: str, as_universe: bool) -> None:
    view = sample_view()
    if as_universe:
        ruleset = RuleSet([Segment("S", [Rule("orders >= 1")])], universe=where)
    else:
        ruleset = RuleSet([Segment("S", [Rule("orders >= 1"), Rule(where)])])
    # what `validate` checks (see cli._checked_evaluator) ...
    passed = not validate_rules(ruleset, view.schema) and not Evaluator(view).problems(ruleset)
    if passed:
        # ... and what `apply -o` then does, in a fresh process
        evaluator = Evaluator(view)
        evaluator.evaluate(ruleset)
        evaluator.assignments(ruleset)


# --- text values nobody has ---------------------------------------------------------------


@pytest.mark.parametrize("command", ["validate", "apply"])
def test_a_text_value_nobody_has_is_a_warning_with_the_nearest_values(tmp_path: Path, command: str) -> None:
    path = rule_file(tmp_path, ["country IN ('UK', 'Germany')", "lifecycle = 'active'"])
    result = run(command, path, SAMPLE_FILE)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {path}: segment \"Odd\", rule 1: no customer has country = 'UK' (did you mean 'United Kingdom'?)",
        f"warning: {path}: segment \"Odd\", rule 2: no customer has lifecycle = 'active' (did you mean 'Active'?)",
    ]


def test_values_that_exist_give_no_warning(tmp_path: Path) -> None:
    path = rule_file(tmp_path, ["country = 'United Kingdom'", "device IN ('mobile', 'tablet')"])
    result = run("validate", path, SAMPLE_FILE)
    assert result.exit_code == 0 and "warning" not in result.output, result.output


def test_apply_still_refuses_rules_that_need_columns_the_data_lacks(tmp_path: Path) -> None:
    # The app switches such rules off for a session; headless runs must not do so silently.
    data = tmp_path / "cdnow_like.csv"
    data.write_text("CustomerID,Date,CDs,DollarValue\n00001,1997-01-01,1,10.00\n00002,1997-02-01,2,20.00\n")
    result = run("apply", RULES_DIR / "value.yaml", data)
    assert result.exit_code == 1
    assert 'segment "Discount seekers", rule 1: column "discount_order_share"' in result.output
