"""Deterministic holdout (control) groups: who is kept out of a campaign, from the ids alone.

A customer is in **control** for a holdout ``{percent, salt}`` when

    bucket = int(first 8 hex digits of md5(salt || ':' || customer_id), base 16) mod 10000
    control = bucket < percent * 100

``customer_id`` is the id as text, as it appears in the file (stripped), in UTF-8. md5 is
in every SQL engine, so a warehouse reproduces the split exactly (DuckDB:
``('0x' || substr(md5(salt || ':' || customer_id), 1, 8))::UBIGINT % 10000``). Polars'
own ``hash`` is not used: it is not stable across versions.

Which holdout applies to a customer: their segment's own (``first_match``), else the
rule set's top-level one; customers no holdout applies to have no group (null).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from segtui.rules import Holdout, RuleSet

if TYPE_CHECKING:  # pragma: no cover
    from segtui.evaluate import Evaluator

__all__ = [
    "BUCKETS", "CONTROL", "TEST", "Split", "buckets", "is_control", "group_labels", "with_groups", "group_counts",
    "has_holdout", "split", "assignments_with_groups", "members_with_groups",
]

#: Buckets of the split: a holdout percent is drawn in hundredths of a percent.
BUCKETS = 10_000
CONTROL = "control"
TEST = "test"


def buckets(customer_ids: pl.Series, salt: str) -> pl.Series:
    """Each id's bucket (0-9999) for ``salt``: md5 of ``salt:id``, first 8 hex digits, mod 10,000.

    Examples
    --------
    >>> buckets(pl.Series(["1", "42"]), "s").to_list()  # md5("s:1") = b7348ffd...
    [5261, 117]
    """
    prefix = (salt + ":").encode()
    md5 = hashlib.md5
    # md5 is not a Polars expression; the first 4 digest bytes are the first 8 hex digits
    values = [int.from_bytes(md5(prefix + cid.encode()).digest()[:4], "big") % BUCKETS for cid in customer_ids.cast(pl.String).to_list()]
    return pl.Series("bucket", values, dtype=pl.Int32)


def is_control(customer_ids: pl.Series, holdout: Holdout) -> pl.Series:
    """Whether each customer is in the control group of ``holdout``.

    Examples
    --------
    >>> ids = pl.Series([str(i) for i in range(10_000)])
    >>> round(is_control(ids, Holdout(10, "winback")).mean(), 2)
    0.1
    """
    return (buckets(customer_ids, holdout.salt) < round(holdout.percent * BUCKETS / 100)).alias(CONTROL)


def group_labels(
    customer_ids: pl.Series, ruleset: RuleSet, universe: pl.Series, masks: list[pl.Series]
) -> pl.Series | None:
    """``test`` / ``control`` per customer (null outside the universe or without a holdout).

    ``universe`` and ``masks`` are ``Evaluator.segment_masks``: in ``first_match`` a
    customer of segment *i* takes its holdout (else the top-level one), the rest of the
    universe the top-level one; in ``overlap`` everyone in the universe the top-level one.
    None when the rule set has no holdout at all.

    Examples
    --------
    >>> from segtui.rules import Segment
    >>> rs = RuleSet([Segment("A", holdout=Holdout(50, "s"))])
    >>> ids = pl.Series(["1", "2", "3", "42"])
    >>> everyone = pl.Series([True] * 4)
    >>> group_labels(ids, rs, everyone, [pl.Series([True, True, True, False])]).to_list()
    ['test', 'control', 'control', None]
    """
    plan: list[tuple[Holdout, pl.Series]] = []
    rest = universe
    if ruleset.assign == "first_match":
        for seg, mask in zip(ruleset.segments, masks):
            rest = rest & ~mask
            if seg.holdout is not None:
                plan.append((seg.holdout, mask & universe))
            elif ruleset.holdout is not None:
                plan.append((ruleset.holdout, mask & universe))
    if ruleset.holdout is not None:
        plan.append((ruleset.holdout, rest))
    if not plan:
        return None
    labels = pl.Series("group", [None] * len(customer_ids), dtype=pl.String)
    for holdout, rows in plan:
        if not rows.any():
            continue
        control = is_control(customer_ids.filter(rows), holdout)
        chosen = pl.Series("group", [TEST] * len(control), dtype=pl.String).zip_with(~control, pl.Series([CONTROL] * len(control)))
        # put the rows' labels back in place: positions of the rows, in order
        labels = labels.scatter(rows.arg_true(), chosen)
    return labels


def with_groups(frame: pl.DataFrame, customer_ids: pl.Series, labels: pl.Series, position: int) -> pl.DataFrame:
    """``frame`` with a ``group`` column at ``position``, matched on ``customer_id``.

    A view column already called ``group`` (an attribute) keeps its name; the added
    one is then ``group (holdout)``.

    Examples
    --------
    >>> frame = pl.DataFrame({"customer_id": ["b", "a"], "orders": [1, 2]})
    >>> with_groups(frame, pl.Series(["a", "b"]), pl.Series(["test", "control"]), 1).rows()
    [('b', 'control', 1), ('a', 'test', 2)]
    """
    name = "group" if "group" not in frame.columns else "group (holdout)"
    lookup = pl.DataFrame({"customer_id": customer_ids.cast(frame.schema["customer_id"]), name: labels})
    joined = frame.join(lookup, on="customer_id", how="left", maintain_order="left")
    columns = [c for c in frame.columns]
    columns.insert(position, name)
    return joined.select(columns)


def group_counts(
    customer_ids: pl.Series, ruleset: RuleSet, universe: pl.Series, masks: list[pl.Series], labels: pl.Series
) -> pl.DataFrame:
    """Per segment with a holdout: its percent, test and control counts and control share (0-100).

    Examples
    --------
    >>> from segtui.rules import Segment
    >>> rs = RuleSet([Segment("A", holdout=Holdout(50, "s")), Segment("B")])
    >>> ids, everyone = pl.Series(["1", "2", "3"]), pl.Series([True] * 3)
    >>> masks = [pl.Series([True, True, True]), pl.Series([False] * 3)]
    >>> group_counts(ids, rs, everyone, masks, group_labels(ids, rs, everyone, masks)).rows()
    [('A', 50.0, 1, 2, 66.66666666666667)]
    """
    rows = []
    for seg, mask in zip(ruleset.segments, masks):
        holdout = seg.holdout if ruleset.assign == "first_match" and seg.holdout is not None else ruleset.holdout
        if holdout is None:
            continue
        members = labels.filter(mask & universe)
        control = int((members == CONTROL).sum())
        rows.append((seg.name, float(holdout.percent), len(members) - control, control, 100 * control / len(members) if len(members) else None))
    schema = {"segment": pl.String, "holdout_percent": pl.Float64, "test": pl.Int64, "control": pl.Int64, "control_share": pl.Float64}
    return pl.DataFrame(rows, schema=schema, orient="row")


@dataclass
class Split:
    """A rule set's holdout split on an evaluator's customers (full height, like its masks)."""

    labels: pl.Series
    universe: pl.Series
    masks: list[pl.Series]
    #: ``group_counts``: one row per segment a holdout applies to
    counts: pl.DataFrame


def has_holdout(ruleset: RuleSet) -> bool:
    """Whether any holdout is set (top level or on a segment).

    Examples
    --------
    >>> has_holdout(RuleSet()), has_holdout(RuleSet(holdout=Holdout(10, "s")))
    (False, True)
    """
    return ruleset.holdout is not None or any(seg.holdout is not None for seg in ruleset.segments)


def split(evaluator: "Evaluator", ruleset: RuleSet) -> Split | None:
    """The test / control split of ``ruleset`` over ``evaluator``'s customers; None without a holdout."""
    if not has_holdout(ruleset):
        return None
    ids = evaluator.customers["customer_id"]
    universe, masks = evaluator.segment_masks(ruleset)
    labels = group_labels(ids, ruleset, universe, masks)
    assert labels is not None
    return Split(labels, universe, masks, group_counts(ids, ruleset, universe, masks, labels))


def assignments_with_groups(evaluator: "Evaluator", ruleset: RuleSet) -> pl.DataFrame:
    """``Evaluator.assignments`` plus the ``group`` column after the segment column(s)."""
    frame = evaluator.assignments(ruleset)
    found = split(evaluator, ruleset)
    if found is None:
        return frame
    # customer_id, then the segment label (first_match) or one column per segment (overlap)
    position = 2 if ruleset.assign == "first_match" else 1 + len(ruleset.segments)
    return with_groups(frame, evaluator.customers["customer_id"], found.labels, position)


def members_with_groups(evaluator: "Evaluator", ruleset: RuleSet, segment: str | None) -> pl.DataFrame:
    """``Evaluator.members`` (one segment, or the universe) plus ``group`` after ``customer_id``."""
    frame = evaluator.members(ruleset, segment)
    found = split(evaluator, ruleset)
    if found is None:
        return frame
    return with_groups(frame, evaluator.customers["customer_id"], found.labels, 1)
