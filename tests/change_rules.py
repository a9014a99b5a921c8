"""Rule sets and data sets the change-analysis tests run on."""

from __future__ import annotations

from pathlib import Path

import pytest

from segtui.resources import RULES_DIR, SAMPLE_FILE
from segtui.rulefile import parse_rules
from segtui.rules import RuleSet

from .change_reference import CDNOW

# Non-default lifecycle windows, a universe, a score, the lifecycle column and (on the
# sample) an attribute: everything that must be applied afresh at each date.
MIXED = """\
version: 1
name: Mixed
lifecycle: {{new_days: 60, at_risk_days: 120, churn_days: 300}}
universe: "{universe}"
assign: {assign}
segments:
  - name: Top
    rules: ["revenue_percentile >= 0.9"]
  - name: Lapsing
    rules: ["lifecycle = 'At risk'"]
  - name: Repeat
    rules: ["orders >= 2", "repeat_purchase_days >= 1"]
  - name: Paused
    enabled: false
    rules: ["orders >= 1"]
"""

UNIVERSE = {SAMPLE_FILE: "country <> 'Germany'", CDNOW: "items >= 2"}


def mixed(data: Path, assign: str = "first_match") -> RuleSet:
    return parse_rules(MIXED.format(universe=UNIVERSE[data], assign=assign), source="mixed.yaml")


def shipped(name: str) -> RuleSet:
    from segtui.rulefile import load_rules

    return load_rules(RULES_DIR / f"{name}.yaml")


#: (data file, rule set factory) pairs every agreement test runs on.
CASES = [
    pytest.param(SAMPLE_FILE, lambda: shipped("lifecycle"), id="sample-lifecycle"),
    pytest.param(SAMPLE_FILE, lambda: shipped("rfm"), id="sample-rfm"),
    pytest.param(SAMPLE_FILE, lambda: shipped("value"), id="sample-value-overlap"),
    pytest.param(SAMPLE_FILE, lambda: mixed(SAMPLE_FILE), id="sample-mixed"),
    pytest.param(SAMPLE_FILE, lambda: mixed(SAMPLE_FILE, "overlap"), id="sample-mixed-overlap"),
    pytest.param(CDNOW, lambda: shipped("lifecycle"), id="cdnow-lifecycle"),
    pytest.param(CDNOW, lambda: shipped("rfm"), id="cdnow-rfm"),
    pytest.param(CDNOW, lambda: mixed(CDNOW), id="cdnow-mixed"),
    pytest.param(CDNOW, lambda: mixed(CDNOW, "overlap"), id="cdnow-mixed-overlap"),
]
