"""Edits the app makes to a RuleSet: plain dataclass surgery, no Textual and no Polars.

Each function mutates the rule set in place and returns the node the cursor should
land on afterwards, so that screens stay thin and the edits are testable without a UI.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Literal

from segtui.rules import Rule, RuleSet, Segment

__all__ = [
    "NodeRef",
    "ROOT",
    "UNASSIGNED_REF",
    "toggle",
    "add_segment",
    "add_rule",
    "set_rule",
    "rename_segment",
    "delete",
    "duplicate_segment",
    "move",
    "toggle_match",
    "toggle_assign",
    "set_universe",
    "name_problem",
    "unique_name",
    "segment_name",
]


@dataclass(frozen=True)
class NodeRef:
    """Where the cursor is: the whole rule set, a segment, one of its rules, or the remainder."""

    kind: Literal["root", "segment", "rule", "unassigned"]
    segment: int = -1
    rule: int = -1


ROOT = NodeRef("root")
UNASSIGNED_REF = NodeRef("unassigned")


def segment_name(ruleset: RuleSet, ref: NodeRef, unassigned: str) -> str | None:
    """Name of the segment ``ref`` points into; None for the root (the whole universe)."""
    if ref.kind == "unassigned":
        return unassigned
    if ref.kind in ("segment", "rule") and 0 <= ref.segment < len(ruleset.segments):
        return ruleset.segments[ref.segment].name
    return None


def toggle(ruleset: RuleSet, ref: NodeRef) -> bool:
    """Switch a segment or rule on/off; returns False when ``ref`` cannot be toggled."""
    if ref.kind == "segment":
        seg = ruleset.segments[ref.segment]
        seg.enabled = not seg.enabled
        return True
    if ref.kind == "rule":
        rule = ruleset.segments[ref.segment].rules[ref.rule]
        rule.enabled = not rule.enabled
        return True
    return False


def name_problem(ruleset: RuleSet, name: str, ignore: int = -1) -> str | None:
    """Why ``name`` cannot name a segment (empty or taken), or None when it can."""
    name = name.strip()
    if not name:
        return "a segment needs a name"
    for i, seg in enumerate(ruleset.segments):
        if i != ignore and seg.name == name:
            return f"a segment called {name!r} already exists"
    return None


def unique_name(ruleset: RuleSet, base: str) -> str:
    """``base``, or ``base (2)``, ``base (3)``... whichever is not taken yet."""
    taken = {seg.name for seg in ruleset.segments}
    if base not in taken:
        return base
    n = 2
    while f"{base} ({n})" in taken:
        n += 1
    return f"{base} ({n})"


def _insert_at(ruleset: RuleSet, ref: NodeRef) -> int:
    """New segments go after the selected one, else at the end."""
    if ref.kind in ("segment", "rule"):
        return ref.segment + 1
    return len(ruleset.segments)


def add_segment(ruleset: RuleSet, ref: NodeRef, name: str, where: str) -> NodeRef:
    """Insert a segment with one rule after the selected segment (or last)."""
    index = _insert_at(ruleset, ref)
    ruleset.segments.insert(index, Segment(name=name.strip(), rules=[Rule(where)]))
    return NodeRef("segment", index)


def add_rule(ruleset: RuleSet, ref: NodeRef, where: str) -> NodeRef:
    """Add a rule after the selected rule, or at the end of the selected segment."""
    seg = ruleset.segments[ref.segment]
    index = ref.rule + 1 if ref.kind == "rule" else len(seg.rules)
    seg.rules.insert(index, Rule(where))
    return NodeRef("rule", ref.segment, index)


def set_rule(ruleset: RuleSet, ref: NodeRef, where: str) -> None:
    """New text for a rule; the editor only accepts text that runs, so it is no longer off."""
    rule = ruleset.segments[ref.segment].rules[ref.rule]
    rule.where = where
    rule.missing = ()


def rename_segment(ruleset: RuleSet, ref: NodeRef, name: str) -> None:
    ruleset.segments[ref.segment].name = name.strip()


def delete(ruleset: RuleSet, ref: NodeRef) -> NodeRef:
    """Remove the selected segment or rule; the cursor moves to its neighbour."""
    if ref.kind == "segment":
        del ruleset.segments[ref.segment]
        if not ruleset.segments:
            return ROOT
        return NodeRef("segment", min(ref.segment, len(ruleset.segments) - 1))
    if ref.kind == "rule":
        rules = ruleset.segments[ref.segment].rules
        del rules[ref.rule]
        if not rules:
            return NodeRef("segment", ref.segment)
        return NodeRef("rule", ref.segment, min(ref.rule, len(rules) - 1))
    return ref


def duplicate_segment(ruleset: RuleSet, ref: NodeRef) -> NodeRef:
    """Copy the selected segment (rules and all) right after it, under a free name."""
    source = ruleset.segments[ref.segment]
    clone = copy.deepcopy(source)
    clone.name = unique_name(ruleset, f"{source.name} copy")
    ruleset.segments.insert(ref.segment + 1, clone)
    return NodeRef("segment", ref.segment + 1)


def move(ruleset: RuleSet, ref: NodeRef, delta: int) -> NodeRef:
    """Move a segment (order matters in first_match) or a rule up/down by ``delta``."""
    if ref.kind == "segment":
        items: list = ruleset.segments
        index = ref.segment
    elif ref.kind == "rule":
        items = ruleset.segments[ref.segment].rules
        index = ref.rule
    else:
        return ref
    target = index + delta
    if not 0 <= target < len(items):
        return ref
    items[index], items[target] = items[target], items[index]
    if ref.kind == "segment":
        return NodeRef("segment", target)
    return NodeRef("rule", ref.segment, target)


def toggle_match(ruleset: RuleSet, ref: NodeRef) -> bool:
    """Flip the selected segment between matching all and any of its rules."""
    if ref.kind not in ("segment", "rule"):
        return False
    seg = ruleset.segments[ref.segment]
    seg.match = "any" if seg.match == "all" else "all"
    return True


def toggle_assign(ruleset: RuleSet) -> None:
    """Flip between one segment per customer (first_match) and overlapping segments."""
    ruleset.assign = "overlap" if ruleset.assign == "first_match" else "first_match"


def set_universe(ruleset: RuleSet, where: str) -> None:
    """An empty filter means every customer is in the universe."""
    ruleset.universe = where.strip() or None
