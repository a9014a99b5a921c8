"""Rule files: loading, every kind of problem at once, safe YAML, atomic save, round trip,
and the shipped rule sets."""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from segtui import rulefile
from segtui.cli import app
from segtui.customers import Lifecycle, lifecycle_expr
from segtui.errors import RuleFileError, SegtuiError
from segtui.evaluate import UNASSIGNED, Evaluator
from segtui.resources import RULES_DIR, SAMPLE_FILE
from segtui.rulefile import dump_rules, load_rules, parse_rules, save_rules, validate_rules
from segtui.rules import DataSpec, Rule, RuleSet, Segment

#: Every customer-view column of DESIGN.md ("Single customer view") plus the sample's attributes,
#: with the dtypes the view uses.
VIEW_SCHEMA = pl.Schema(
    {
        "customer_id": pl.String,
        "orders": pl.Int64,
        "revenue": pl.Float64,
        "gross_revenue": pl.Float64,
        "returns_amount": pl.Float64,
        "aov": pl.Float64,
        "items": pl.Float64,
        "first_order_date": pl.Date,
        "last_order_date": pl.Date,
        "recency_days": pl.Int64,
        "tenure_days": pl.Int64,
        "active_span_days": pl.Int64,
        "purchase_days": pl.Int64,
        "repeat_purchase_days": pl.Int64,
        "avg_days_between_orders": pl.Float64,
        "days_to_second_order": pl.Int64,
        "discount_orders": pl.Int64,
        "discount_order_share": pl.Float64,
        "discount_amount": pl.Float64,
        "distinct_products": pl.UInt32,
        "distinct_categories": pl.UInt32,
        "top_category": pl.String,
        "top_channel": pl.String,
        "weekend_order_share": pl.Float64,
        "q4_revenue_share": pl.Float64,
        "top_weekday": pl.Int8,
        "top_month": pl.Int8,
        "top_daypart": pl.String,
        "r_score": pl.Int8,
        "f_score": pl.Int8,
        "m_score": pl.Int8,
        "rfm": pl.String,
        "revenue_percentile": pl.Float64,
        "lifecycle": pl.String,
        "country": pl.String,
        "device": pl.String,
        "age_band": pl.String,
    }
)

SHIPPED = sorted(RULES_DIR.glob("*.yaml"))

GOOD = """\
# Team value rules
# owned by CRM

version: 1
name: Value
segments:
  - name: VIP
    rules:
      - orders >= 3
      - where: recency_days <= 180
        enabled: false
"""


def write(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str, schema: pl.Schema | None = None) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(RuleFileError) as info:
        load_rules(path, schema)
    assert validate_rules(path, schema) == info.value.problems
    return [p.removeprefix(f"{path}: ") for p in info.value.problems]


# -- loading ------------------------------------------------------------------------------


def test_load_good_file(tmp_path: Path) -> None:
    rs = load_rules(write(tmp_path, GOOD))
    assert rs == RuleSet(
        name="Value",
        segments=[Segment("VIP", [Rule("orders >= 3"), Rule("recency_days <= 180", enabled=False)])],
    )
    assert rs.source == str(tmp_path / "r.yaml")
    assert rs.header == "# Team value rules\n# owned by CRM\n"


def test_full_file_with_data_lifecycle_universe(tmp_path: Path) -> None:
    text = """\
version: 1
name: Value tiers
description: Who matters most
data:
  path: ../data/sales.csv
  columns: {customer_id: "Customer ID", order_date: InvoiceDate}
  as_of: 2011-12-10
  date_format: "%d/%m/%Y"
lifecycle: {new_days: 60, churn_days: 400}
universe: "country = 'United Kingdom'"
assign: overlap
segments:
  - name: Mixed
    description: any of two
    match: any
    enabled: false
    rules: ["orders >= 3", "aov > 50"]
"""
    folder = tmp_path / "rules"
    folder.mkdir()
    rs = load_rules(write(folder, text))
    assert rs.data == DataSpec(
        path=os.path.normpath(str(tmp_path / "data" / "sales.csv")),
        columns={"customer_id": "Customer ID", "order_date": "InvoiceDate"},
        as_of=date(2011, 12, 10),
        date_format="%d/%m/%Y",
    )
    assert rs.lifecycle == Lifecycle(new_days=60, at_risk_days=180, churn_days=400)
    assert rs.universe == "country = 'United Kingdom'"
    assert rs.assign == "overlap"
    seg = rs.segments[0]
    assert (seg.description, seg.match, seg.enabled) == ("any of two", "any", False)


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "version: 1\nsegments:\n  - name: VIP\n    rules: [orders >= 3\n")
    assert len(problems) == 1
    assert problems[0].startswith("line 5, column 1: YAML syntax error")


def validate_cli(*args: object):
    """``segtui validate`` through Typer's runner (stderr is kept apart from stdout)."""
    return CliRunner().invoke(app, ["validate", *map(str, args)])


def assert_one_line_failure(result, *needles: str) -> list[str]:
    """Exit 1, no traceback, one ``error:`` line per problem on stderr, each naming ``needles``."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit), result.output
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr
    return lines


def test_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    # 11 levels of 10 aliases each: 10^11 rules once expanded (the 490-byte file)
    levels = ["l0: &l0 [orders > 1, orders > 1, orders > 1, orders > 1, orders > 1]"]
    levels += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 11)]
    text = "version: 1\nanchors:\n" + "".join(f"  {line}\n" for line in levels)
    text += "segments:\n  - name: Bomb\n    rules: *l10\n"
    path = write(tmp_path, text)
    lines = assert_one_line_failure(validate_cli(path), str(path), "line 4, column 12", "aliases (*l0) are not allowed")
    assert len(lines) == 1


def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nsegments: " + "[" * 600 + "\n")
    lines = assert_one_line_failure(validate_cli(path), str(path), f"nested more than {rulefile.MAX_YAML_DEPTH} levels deep")
    assert len(lines) == 1


def test_shipped_files_stay_within_the_nesting_limit() -> None:
    for path in SHIPPED:
        assert validate_cli(path).exit_code == 0


def test_duplicate_keys_are_reported_with_their_lines(tmp_path: Path) -> None:
    text = """\
version: 1
segments:
  - name: A
    rules: [orders > 1]
    rules: [orders > 2]
segments:
  - name: B
    rules: [orders > 3]
"""
    assert problems_of(tmp_path, text) == [
        'line 5: duplicate key "rules" (already at line 4; only one may be given)',
        'line 6: duplicate key "segments" (already at line 2; only one may be given)',
    ]
    assert_one_line_failure(validate_cli(write(tmp_path, text)), 'duplicate key "segments"')


def test_validate_reports_structure_syntax_and_column_problems_at_once(tmp_path: Path) -> None:
    text = """\
version: 1
segments:
  - name: Typos
    matc: all
    rules:
      - ordrs > 1
      - recency_day < 90
      - first_order_date > 5
      - country > 3
  - name: Broken
    rules:
      - orders >>> 1
"""
    path = write(tmp_path, text)
    expected = [
        'segment "Typos": unknown key "matc" (did you mean "match"?)',
        'segment "Typos", rule 1: unknown column "ordrs" (did you mean "orders"?)',
        'segment "Typos", rule 2: unknown column "recency_day" (did you mean "recency_days"?)',
        'segment "Typos", rule 3: type mismatch: column "first_order_date" holds dates',
        'segment "Typos", rule 4: type mismatch',
        'segment "Broken", rule 1: syntax error',
    ]
    for command in ("validate", "apply"):
        lines = assert_one_line_failure(CliRunner().invoke(app, [command, str(path), str(SAMPLE_FILE)]))
        assert len(lines) == len(expected), lines
        for line, start in zip(lines, expected):
            assert line.startswith(f"error: {path}: {start}"), (line, start)


def test_read_rule_file_keeps_what_it_could_read(tmp_path: Path) -> None:
    ruleset, problems = rulefile.read_rule_file(write(tmp_path, "version: 1\nsegments:\n  - name: A\n    rules: [orders >>> 1]\n    colour: red\n"))
    assert ruleset is not None and [seg.name for seg in ruleset.segments] == ["A"]
    assert problems == [f'{tmp_path / "r.yaml"}: segment "A": unknown key "colour"']
    assert validate_rules(ruleset) == [f'{tmp_path / "r.yaml"}: segment "A", rule 1: syntax error: unable to parse \'orders >>> 1\' as Expr']


def test_python_tags_are_rejected_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"version: 1\nsegments: !!python/object/apply:os.system ['touch {marker}']\n"
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1 and "python/object/apply" in problems[0]
    assert not marker.exists()
    with pytest.raises(RuleFileError):
        parse_rules("!!python/object:segtui.rules.RuleSet {}\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", "the file is a list; a rule file is a mapping with version: 1 and segments:"),
        ("", "the file is empty; a rule file is a mapping with version: 1 and segments:"),
    ],
)
def test_non_mapping_top_level(tmp_path: Path, text: str, expected: str) -> None:
    assert problems_of(tmp_path, text) == [expected]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = """\
version: 2
nmae: typo
assign: first
data:
  pth: x.csv
  columns: {customer: id}
  as_of: yesterday
lifecycle: {new_days: -1, churn: 3}
universe: "country ="
segments:
  - name: VIP
    mtch: all
    match: every
    rules:
      - orders >= 3 AND
      - wher: x > 1
      - where: orders > 1
        enable: false
      - 42
  - name: VIP
    rules: []
  - name: Empty
  - description: no name
    rules: [orders > 1]
"""
    assert problems_of(tmp_path, text) == [
        'unknown key "nmae" (did you mean "name"?)',
        "unsupported version 2 (this segtui reads version 1)",
        'segment "VIP": unknown key "mtch" (did you mean "match"?)',
        'segment "VIP", rule 2: unknown key "wher" (did you mean "where"?)',
        'segment "VIP", rule 2: needs where: <condition>',
        'segment "VIP", rule 3: unknown key "enable" (did you mean "enabled"?)',
        'segment "VIP", rule 4: must be a condition (text) or where:/enabled:, not 42',
        "segment \"VIP\": match must be all or any, not 'every'",
        "segment 4: missing name",
        'data: unknown key "pth" (did you mean "path"?)',
        'data.columns: unknown role "customer" (did you mean "customer_id"?)',
        "data: as_of must be a date like 2024-01-31, not 'yesterday'",
        'lifecycle: unknown key "churn" (did you mean "churn_days"?)',
        "lifecycle: new_days must be a whole number of days above 0, not -1",
        "assign must be first_match or overlap, not 'first' (did you mean \"first_match\"?)",
        "universe: syntax error: unable to parse 'country =' as Expr",
        'segment "VIP", rule 1: syntax error: unable to parse \'orders >= 3 AND\' as Expr',
        'segment "VIP": duplicate segment name (each name must be unique)',
        'segment "VIP": has no rules (add at least one condition under rules:)',
        'segment "Empty": has no rules (add at least one condition under rules:)',
    ]


def test_missing_version_and_no_segments(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "name: x\n") == [
        "missing version (add version: 1 at the top)",
        "no segments (add at least one under segments:)",
    ]


def test_schema_checks_name_file_segment_and_rule(tmp_path: Path) -> None:
    text = """\
version: 1
universe: contry = 'UK'
segments:
  - name: VIP
    rules:
      - orders >= 3
      - recency_day <= 90
  - name: Dated
    rules:
      - first_order_date > 5
      - revenue + 1
"""
    path = write(tmp_path, text, "value.yaml")
    problems = validate_rules(path, VIEW_SCHEMA)
    assert problems == [
        f'{path}: universe: unknown column "contry" (did you mean "country"?)',
        f'{path}: segment "VIP", rule 2: unknown column "recency_day" (did you mean "recency_days"?)',
        f'{path}: segment "Dated", rule 1: type mismatch: column "first_order_date" holds dates but is '
        "compared with a number (write a date as DATE '2024-01-31', or use a *_days column)",
        f'{path}: segment "Dated", rule 2: not a condition: the rule gives Float64 values, not true/false '
        "(compare it, e.g. revenue > 100)",
    ]
    # without a schema the same file is structurally fine
    assert validate_rules(path) == []
    assert load_rules(path).segments[1].name == "Dated"


def test_validate_a_ruleset_being_edited() -> None:
    rs = RuleSet([Segment("A", [Rule("orders >")]), Segment("A", [])])
    assert validate_rules(rs, source="edit") == [
        "edit: segment \"A\", rule 1: syntax error: unable to parse 'orders >' as Expr",
        'edit: segment "A": duplicate segment name (each name must be unique)',
        'edit: segment "A": has no rules (add at least one condition under rules:)',
    ]
    assert validate_rules(RuleSet([Segment("ok", [Rule("orders > 1")])]), VIEW_SCHEMA) == []


def test_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(SegtuiError, match="no such rule file"):
        load_rules(tmp_path / "nope.yaml")
    assert validate_rules(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: no such rule file"]


# -- saving -------------------------------------------------------------------------------


def test_dump_uses_stable_key_order_and_omits_defaults() -> None:
    rs = RuleSet(
        segments=[
            Segment("A", [Rule("orders > 1"), Rule("aov > 5", enabled=False)], description="d", match="any", enabled=False),
            Segment("B", [Rule("orders = 1")]),
        ],
        name="N",
        description="D",
        data=DataSpec(columns={"customer_id": "Customer ID"}, as_of=date(2024, 1, 31)),
        lifecycle=Lifecycle(new_days=30),
        universe="country = 'UK'",
        assign="overlap",
    )
    assert dump_rules(rs) == """\
version: 1
name: N
description: D
data:
  columns:
    customer_id: Customer ID
  as_of: 2024-01-31
lifecycle:
  new_days: 30
  at_risk_days: 180
  churn_days: 365
universe: country = 'UK'
assign: overlap
segments:
- name: A
  description: d
  match: any
  enabled: false
  rules:
  - orders > 1
  - where: aov > 5
    enabled: false
- name: B
  rules:
  - orders = 1
"""


def test_save_round_trip_keeps_the_header_comment(tmp_path: Path) -> None:
    source = write(tmp_path, GOOD)
    rs = load_rules(source)
    rs.segments[0].rules[1].enabled = True
    target = save_rules(rs, tmp_path / "out.yaml")
    text = target.read_text()
    assert text.startswith("# Team value rules\n# owned by CRM\n\nversion: 1\n")
    again = load_rules(target)
    assert again == rs
    assert again.segments[0].rules[1].enabled is True


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_saving_an_unchanged_file_writes_it_back_byte_for_byte(path: Path, tmp_path: Path) -> None:
    assert save_rules(load_rules(path), tmp_path / path.name).read_text() == path.read_text()


COMMENTED = """\
# Team rules
version: 1
name: Team   # shown in the header
data:
  path: ../exports/sales.csv   # the nightly export
  columns: {customer_id: "Customer ID", amount: Total}
  as_of: 2024-06-30
lifecycle: {new_days: 60, at_risk_days: 180, churn_days: 365}
assign: first_match

segments:
  # the best first
  - name: VIP
    rules:
      - revenue_percentile >= 0.95   # top 5 %
      - orders >= 3

  - name: Lapsed
    enabled: true
    rules: [recency_days > 365]

  - name: Old
    rules:
      - tenure_days > 1000
"""


def test_save_edits_the_loaded_document_in_place(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "elsewhere" / "deeper").mkdir(parents=True)
    rs = load_rules(write(tmp_path / "rules", COMMENTED))
    rs.segments[0].rules[1].enabled = False  # toggle
    rs.segments[1].name = "Gone quiet"  # rename
    del rs.segments[2]  # delete
    rs.segments.append(Segment("no", [Rule("orders = 1")], description="010"))  # YAML 1.1 words stay text
    rs.segments[0].rules.append(Rule("aov > 50"))
    target = save_rules(rs, tmp_path / "elsewhere" / "deeper" / "copy.yaml")
    text = target.read_text()
    assert load_rules(target) == rs
    for kept in ("# Team rules", "# shown in the header", "# the nightly export", "# the best first", "# top 5 %",
                 '{customer_id: "Customer ID", amount: Total}', "lifecycle: {new_days: 60,", "enabled: true"):
        assert kept in text
    assert "path: ../../exports/sales.csv # the nightly export" in text  # still the same file
    assert "- {where: orders >= 3, enabled: false}" in text
    assert "name: Old" not in text and "- name: Gone quiet" in text
    assert "name: 'no'" in text and "description: '010'" in text
    assert text.index("aov > 50") < text.index("Gone quiet")


def test_save_of_a_rule_set_made_in_code_uses_the_stable_layout(tmp_path: Path) -> None:
    rs = RuleSet([Segment("A", [Rule("orders > 1")])])
    assert save_rules(rs, tmp_path / "new.yaml").read_text() == dump_rules(rs)


def test_save_keeps_data_path_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "team").mkdir()
    src = write(tmp_path / "rules", "version: 1\ndata: {path: ../data/x.csv}\nsegments: [{name: A, rules: [orders > 1]}]\n")
    rs = load_rules(src)
    moved = save_rules(rs, tmp_path / "team" / "copy.yaml")
    assert yaml.safe_load(moved.read_text())["data"]["path"] == os.path.join("..", "data", "x.csv")
    assert load_rules(moved) == rs


def test_save_is_atomic_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = write(tmp_path, GOOD)
    before = target.read_bytes()
    rs = load_rules(target)
    rs.name = "changed"

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rulefile.os, "fsync", broken_fsync)
    with pytest.raises(SegtuiError, match="cannot save \\(No space left on device\\)"):
        save_rules(rs, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.yaml"]  # no temp file left behind


def test_save_is_atomic_when_dumping_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = write(tmp_path, GOOD)
    before = target.read_bytes()

    def broken_dump(*args, **kwargs):
        raise yaml.representer.RepresenterError("cannot represent")

    monkeypatch.setattr(rulefile.yaml, "safe_dump", broken_dump)
    fresh = load_rules(target)
    fresh.text = ""  # written afresh (not onto the loaded document), through safe_dump
    with pytest.raises(yaml.YAMLError):
        save_rules(fresh, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.yaml"]


def test_save_into_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(SegtuiError, match="does not exist"):
        save_rules(RuleSet([Segment("A", [Rule("orders > 1")])]), tmp_path / "no" / "r.yaml")


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda s: s.strip() == s and s != "")
predicates = st.builds(
    lambda col, op, k: f"{col} {op} {k}",
    st.sampled_from(["orders", "revenue", "recency_days"]),
    st.sampled_from([">", ">=", "=", "<>"]),
    st.integers(-5, 500),
)
rules_st = st.builds(Rule, predicates, st.booleans())
segments_st = st.builds(
    Segment,
    names,
    st.lists(rules_st, min_size=1, max_size=4),
    description=st.one_of(st.just(""), names),
    match=st.sampled_from(["all", "any"]),
    enabled=st.booleans(),
)
rulesets = st.builds(
    RuleSet,
    st.lists(segments_st, min_size=1, max_size=4, unique_by=lambda s: s.name),
    name=st.one_of(st.just(""), names),
    description=st.one_of(st.just(""), names),
    data=st.one_of(
        st.none(),
        st.builds(
            DataSpec,
            path=st.one_of(st.none(), st.just("/data/sales.csv")),
            columns=st.dictionaries(st.sampled_from(rulefile.ROLES), names, max_size=2),
            as_of=st.one_of(st.none(), st.dates()),
            date_format=st.one_of(st.none(), st.just("%d/%m/%Y")),
        ),
    ),
    lifecycle=st.builds(Lifecycle, st.integers(1, 60), st.integers(61, 200), st.integers(201, 900)),
    universe=st.one_of(st.none(), predicates),
    assign=st.sampled_from(["first_match", "overlap"]),
)


@settings(max_examples=60, deadline=None)
@given(rs=rulesets)
def test_round_trip_property(rs: RuleSet) -> None:
    assert parse_rules(dump_rules(rs)) == rs


# -- shipped rule sets ----------------------------------------------------------------------


def test_all_four_rule_sets_are_shipped() -> None:
    assert [p.name for p in SHIPPED] == ["lifecycle.yaml", "occasion.yaml", "rfm.yaml", "value.yaml"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_rule_set_is_valid_and_documented(path: Path) -> None:
    rs = load_rules(path, VIEW_SCHEMA)
    assert validate_rules(path, VIEW_SCHEMA) == []
    assert rs.name and rs.description
    assert rs.header.count("\n") >= 5  # a real explanatory header
    assert all(seg.description for seg in rs.segments)
    # it evaluates on an (empty) view with the full schema
    Evaluator(pl.DataFrame(schema=VIEW_SCHEMA)).evaluate(rs)


def test_rfm_segments_cover_every_score_combination_once() -> None:
    combos = list(itertools.product(range(1, 6), repeat=3))
    view = pl.DataFrame(
        {"r_score": [c[0] for c in combos], "f_score": [c[1] for c in combos], "m_score": [c[2] for c in combos]},
        schema={"r_score": pl.Int8, "f_score": pl.Int8, "m_score": pl.Int8},
    )
    rs = load_rules(RULES_DIR / "rfm.yaml")
    seg = Evaluator(view).evaluate(rs).segments
    assert len(rs.segments) == 11
    assert seg.filter(pl.col("segment") == UNASSIGNED)["customers"].item() == 0
    assert seg.filter(pl.col("segment") != UNASSIGNED)["customers"].min() > 0  # every segment reachable
    labels = dict(zip(combos, Evaluator(view).assignments(rs)["segment"].to_list()))
    assert labels[(5, 5, 5)] == "Champions"
    assert labels[(1, 5, 5)] == "Can't lose them"
    assert labels[(1, 1, 1)] == "Lost"
    assert labels[(2, 1, 1)] == "Hibernating"
    assert labels[(5, 1, 1)] == "New"


def test_lifecycle_rules_agree_with_the_lifecycle_column() -> None:
    grid = [(r, t) for r in (0, 30, 90, 91, 180, 181, 365, 366, 900) for t in (0, 90, 91, 400, 1000) if t >= r]
    view = pl.DataFrame({"recency_days": [g[0] for g in grid], "tenure_days": [g[1] for g in grid]})
    rs = load_rules(RULES_DIR / "lifecycle.yaml")
    view = view.with_columns(lifecycle_expr(rs.lifecycle))
    assigned = Evaluator(view).assignments(rs)
    assert assigned["segment"].to_list() == assigned["lifecycle"].to_list()


# -- the data: section on the command line ------------------------------------------------------


def with_as_of(tmp_path: Path, as_of: str) -> Path:
    """A rule file next to nothing, whose data: section names the sample and ``as_of``."""
    return write(tmp_path, f"version: 1\ndata:\n  path: {SAMPLE_FILE}\n  as_of: {as_of}\nsegments:\n  - name: A\n    rules: [orders > 1]\n")


def test_an_as_of_before_the_data_names_where_it_came_from(tmp_path: Path) -> None:
    path = with_as_of(tmp_path, "2001-01-01")
    result = CliRunner().invoke(app, ["apply", str(path)])
    lines = assert_one_line_failure(result)
    assert lines == [f"error: {path}: data.as_of 2001-01-01 is before the first transaction (2024-01-02)"]
    result = CliRunner().invoke(app, ["apply", str(path), "--as-of", "2002-02-02"])
    assert assert_one_line_failure(result) == ["error: --as-of 2002-02-02 is before the first transaction (2024-01-02)"]


@pytest.mark.parametrize("given", ["flag", "file"])
def test_the_last_representable_as_of_works(tmp_path: Path, given: str) -> None:
    path = with_as_of(tmp_path, "9999-12-31" if given == "file" else "2025-12-31")
    flags = ["--as-of", "9999-12-31"] if given == "flag" else []
    result = CliRunner().invoke(app, ["apply", str(path), "--format", "json", *flags])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["as_of"] == "9999-12-31" and doc["total_customers"] == 3000


@settings(max_examples=80, deadline=None)
@given(new=rulesets)
def test_any_edit_saved_onto_a_commented_file_reads_back_and_keeps_comments(new: RuleSet, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("edit")
    loaded = load_rules(write(folder, COMMENTED.replace("version: 1\n", "version: 1   # schema\n")))
    edited = replace(new, text=loaded.text, header=loaded.header, source=loaded.source)
    target = save_rules(edited, folder / "saved.yaml")
    assert load_rules(target) == new
    text = target.read_text()
    assert text.startswith("# Team rules\nversion: 1   # schema\n")  # edited in place, not rewritten


def test_deleting_an_item_keeps_the_comments_of_its_neighbours(tmp_path: Path) -> None:
    text = """\
version: 1
segments:
  - name: A
    rules:
      - orders > 1   # keep me
      - orders > 2
      # about the third
      - orders > 3
"""
    rs = load_rules(write(tmp_path, text))
    del rs.segments[0].rules[1]
    saved = save_rules(rs, tmp_path / "out.yaml").read_text()
    assert saved == text.replace("      - orders > 2\n", "")
    del rs.segments[0].rules[1]
    saved = save_rules(rs, tmp_path / "out.yaml").read_text()
    assert saved == text.replace("      - orders > 2\n      # about the third\n      - orders > 3\n", "")


edits = st.lists(
    st.tuples(st.sampled_from(["toggle rule", "toggle segment", "delete segment", "delete rule", "add rule",
                               "add segment", "rename", "move"]), st.integers(0, 1000), st.integers(0, 1000)),
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(path=st.sampled_from(SHIPPED), steps=edits)
def test_small_edits_of_shipped_files_are_saved_in_place(path: Path, steps: list, tmp_path_factory) -> None:
    rs = load_rules(path)
    for what, i, j in steps:
        seg = rs.segments[i % len(rs.segments)]
        rule = seg.rules[j % len(seg.rules)]
        if what == "toggle rule":
            rule.enabled = not rule.enabled
        elif what == "toggle segment":
            seg.enabled = not seg.enabled
        elif what == "delete segment" and len(rs.segments) > 1:
            rs.segments.remove(seg)
        elif what == "delete rule" and len(seg.rules) > 1:
            seg.rules.remove(rule)
        elif what == "add rule":
            seg.rules.insert(j % (len(seg.rules) + 1), Rule(f"orders > {j}"))
        elif what == "add segment" and f"New {i}-{j}" not in {s.name for s in rs.segments}:
            rs.segments.insert(j % (len(rs.segments) + 1), Segment(f"New {i}-{j}", [Rule("orders > 1")]))
        elif what == "rename" and f"{seg.name}!" not in {s.name for s in rs.segments}:
            seg.name = f"{seg.name}!"
        elif what == "move":
            rs.segments.insert(j % len(rs.segments), rs.segments.pop(i % len(rs.segments)))
    target = save_rules(rs, tmp_path_factory.mktemp("small") / "saved.yaml")
    assert load_rules(target) == rs
    text = target.read_text()
    assert text.startswith(rs.header) and "\n  - name: " in text  # the shipped layout: edited in place
