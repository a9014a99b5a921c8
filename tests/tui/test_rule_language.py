"""Pilot tests of how the app helps with the rule language: value hints, missing columns."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from segtui.dataset import load_dataset
from segtui.evaluate import Evaluator
from segtui.resources import RULES_DIR
from segtui.rulefile import load_rules
from segtui.tui.app import SegtuiApp, make_app
from segtui.tui.editing import NodeRef
from segtui.tui.screens.dialogs import ErrorScreen
from segtui.tui.screens.main import MainScreen

from .conftest import run, settle, type_text
from .test_app import counts, select


async def editor_status(pilot: Pilot) -> str:
    """The rule editor's message line once the debounced check has run."""
    await pilot.pause(0.3)
    await settle(pilot)
    return str(pilot.app.screen.query_one("#rule-status", Static).render())


def test_rule_editor_names_the_nearest_values_when_a_text_value_matches_nobody(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("segment", 1))
        await pilot.press("r")
        await type_text(pilot, "country = 'france'")
        assert await editor_status(pilot) == (
            "matches 0 customers (0.0%) · no customer has country = 'france' (did you mean 'France'?)"
        )
        await pilot.press(*["backspace"] * 7, *"France'")
        assert await editor_status(pilot) == "matches 3 customers (37.5%)"

    run(fixture_app, scenario)


# -- a rule file written for richer data --------------------------------------------------

from ..shared_data import CDNOW


def cdnow_like(tmp_path: Path) -> Path:
    """CDNOW's shape: id, date, CDs, dollar value; no order id, no discount, no returns."""
    path = tmp_path / "cdnow_like.csv"
    rows = ["CustomerID,Date,CDs,DollarValue"]
    for customer in range(40):
        for visit in range(1 + customer % 4):
            rows.append(f"{customer:05d},1997-{1 + visit * 3:02d}-{1 + customer % 27:02d},{1 + visit},{12.5 * (1 + customer % 9):.2f}")
    path.write_text("\n".join(rows) + "\n")
    return path


def flagged_rule_scenario(app: SegtuiApp, data: Path, tmp_path: Path):
    async def scenario(pilot: Pilot) -> None:
        assert isinstance(app.screen, MainScreen), "the file must open"
        rule = app.ruleset.segment("Discount seekers").rules[0]
        assert rule.where == "discount_order_share >= 0.5" and rule.enabled and not rule.active
        labels = [str(app.main.tree.get_node_at_line(i).label) for i in range(app.main.tree.last_line + 1)]
        flagged = [label for label in labels if "⚠" in label]
        assert flagged == [
            "☐ discount_order_share >= 0.5  ⚠ needs discount_order_share: off for this session"
        ], labels
        warnings = [n for n in app._notifications if n.severity == "warning"]
        assert len(warnings) == 1 and "discount_order_share" in warnings[0].message
        # the other segments are evaluated as the core does without that rule
        view = load_dataset(data).view.frame
        expected = copy.deepcopy(app.ruleset)
        expected.segment("Discount seekers").rules[0].enabled = False
        assert counts(app) == dict(Evaluator(view).evaluate(expected).segments.select("segment", "customers").rows())
        # saving keeps the rule enabled in the file ...
        kept, toggled = tmp_path / "kept.yaml", tmp_path / "toggled.yaml"
        app.session.save(app.ruleset, kept)
        assert load_rules(kept).segment("Discount seekers").rules[0].enabled
        # ... unless the user switches it off
        await select(pilot, NodeRef("rule", 1, 0))
        await pilot.press("space")
        await settle(pilot)
        app.session.save(app.ruleset, toggled)
        assert not load_rules(toggled).segment("Discount seekers").rules[0].enabled
        assert load_rules(toggled).segment("Discount seekers").rules[1].enabled

    return scenario


def test_value_rules_open_on_cdnow_shaped_data_with_the_discount_rule_flagged_and_off(tmp_path: Path) -> None:
    data = cdnow_like(tmp_path)
    app = make_app(data_path=data, rules_path=RULES_DIR / "value.yaml")
    run(app, flagged_rule_scenario(app, data, tmp_path), size=(120, 40))


@pytest.mark.skipif(not CDNOW.exists(), reason="shared CDNOW sample not present")
def test_value_rules_open_on_the_cdnow_sample(tmp_path: Path) -> None:
    app = make_app(data_path=CDNOW, rules_path=RULES_DIR / "value.yaml")
    run(app, flagged_rule_scenario(app, CDNOW, tmp_path), size=(120, 40))


def test_editing_a_flagged_rule_into_one_that_runs_switches_it_back_on(tmp_path: Path) -> None:
    data = cdnow_like(tmp_path)
    app = make_app(data_path=data, rules_path=RULES_DIR / "value.yaml")

    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("rule", 1, 0))
        await pilot.press("e")
        editor = app.screen.query_one(Input)
        editor.value = "orders >= 3"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        rule = app.ruleset.segment("Discount seekers").rules[0]
        assert rule.where == "orders >= 3" and rule.active

    run(app, scenario, size=(120, 40))


# -- every problem at once, as validate reports them ------------------------------------

PROBLEM_RULES = """\
version: 1
segments:
  - name: a
    colour: red
    rules: ['orderz > 1', "first_order_date > 5", "orders >= 1"]
  - name: b
    rules: ['orders >> 1']
"""


def test_opening_a_rule_file_lists_every_problem_one_per_line(tmp_path: Path, data_file: Path) -> None:
    # A key typo, a column typo, a type error and a syntax error in another segment: the
    # dialog used to show only the first kind, with the lines run together by "\\n".
    rules = tmp_path / "problems.yaml"
    rules.write_text(PROBLEM_RULES)
    app = make_app(data_path=data_file, rules_path=rules)

    async def scenario(pilot: Pilot) -> None:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        shown = "\n".join(str(w.render()) for w in app.screen.query(Static))
        lines = [line for line in shown.splitlines() if "problems.yaml: " in line]
        assert [line.split(": ", 1)[1].split(":")[0] for line in lines] == [
            'segment "a"', 'segment "a", rule 1', 'segment "a", rule 2', 'segment "b", rule 1',
        ]
        assert 'did you mean "orders"' in shown and "\\n" not in shown

    run(app, scenario, size=(120, 40))
