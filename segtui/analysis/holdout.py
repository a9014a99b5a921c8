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
    from datetime import date

    from segtui.evaluate import Evaluator
    from segtui.read.transactions import Transactions

__all__ = [
    "BUCKETS", "CONTROL", "TEST", "Split", "buckets", "is_control", "group_labels", "with_groups", "group_counts",
    "has_holdout", "split", "assignments_with_groups", "members_with_groups", "BALANCE_METRICS", "balance",
    "with_mde", "holdout_summary",
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


def assignments_with_groups(evaluator: "Evaluator", ruleset: RuleSet, found: Split | None = None) -> pl.DataFrame:
    """``Evaluator.assignments`` plus the ``group`` column after the segment column(s).

    ``found`` is the rule set's ``split`` when the caller has it already (md5 of every id
    costs about 2 s per million customers).
    """
    frame = evaluator.assignments(ruleset)
    found = found or split(evaluator, ruleset)
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


#: customer-view columns compared between test and control by the balance check, when present
BALANCE_METRICS = ("revenue", "recency_days", "orders")
#: a balance check fails below this p-value, shared over a segment's checks (Bonferroni)
BALANCE_ALPHA = 0.05


def balance(customers: pl.DataFrame, found: Split, ruleset: RuleSet) -> pl.DataFrame:
    """Per segment of ``found.counts``: is the split what chance gives? (``balance_p``, ``balance``)

    Checks, each a two-sided p-value: the control share against the holdout percent
    (exact binomial test: a sample-ratio mismatch means the split went wrong, e.g. ids
    that changed), and each of ``BALANCE_METRICS`` between the groups (Mann-Whitney U:
    revenue is far from normal). ``balance`` is ``ok``, or names the checks below
    0.05 ÷ the number of checks; ``balance_p`` is the smallest p-value.
    Needs the stats extra (``SegtuiError`` naming it otherwise).
    """
    from segtui.analysis.stats import require

    stats, _ = require("the balance check")
    metrics = [m for m in BALANCE_METRICS if m in customers.columns]
    rows = []
    for seg, mask in zip(ruleset.segments, found.masks):
        holdout = seg.holdout if ruleset.assign == "first_match" and seg.holdout is not None else ruleset.holdout
        if holdout is None:
            continue
        rows_of = mask & found.universe
        labels = found.labels.filter(rows_of)
        control = labels == CONTROL
        n, k = len(labels), int(control.sum())
        if k < 2 or n - k < 2:
            rows.append((seg.name, None, "too small to check"))
            continue
        checks = [("control share", float(stats.binomtest(k, n, holdout.percent / 100).pvalue))]
        members = customers.filter(rows_of)
        for metric in metrics:
            values = members[metric].cast(pl.Float64)
            a, b = values.filter(control).drop_nulls(), values.filter(~control).drop_nulls()
            if len(a) and len(b) and (a.n_unique() > 1 or b.n_unique() > 1 or a[0] != b[0]):
                checks.append((metric, float(stats.mannwhitneyu(a.to_numpy(), b.to_numpy()).pvalue)))
        worst = [name for name, p in checks if p < BALANCE_ALPHA / len(checks)]
        rows.append((seg.name, min(p for _, p in checks), "ok" if not worst else "differs: " + ", ".join(worst)))
    return pl.DataFrame(rows, schema={"segment": pl.String, "balance_p": pl.Float64, "balance": pl.String}, orient="row")


def with_mde(counts: pl.DataFrame, baselines: dict[str, float | None]) -> pl.DataFrame:
    """``counts`` plus ``baseline`` and ``mde``: the smallest absolute rise of the baseline
    conversion rate each segment's test and control sizes detect (80 % power, 5 % two-sided).

    Examples
    --------
    >>> counts = pl.DataFrame({"segment": ["A", "B"], "test": [9_000, 10], "control": [1_000, 0]})
    >>> with_mde(counts, {"A": 0.04, "B": 0.04}).select("segment", pl.col("mde").round(4)).rows()
    [('A', 0.0203), ('B', None)]
    """
    from segtui.analysis.stats import mde_proportion

    base = [baselines.get(name) for name in counts["segment"]]
    mde = [
        None if rate is None else mde_proportion(rate, control, test)
        for rate, test, control in zip(base, counts["test"], counts["control"])
    ]
    return counts.with_columns(pl.Series("baseline", base, dtype=pl.Float64), pl.Series("mde", mde, dtype=pl.Float64))


def holdout_summary(
    evaluator: "Evaluator",
    ruleset: RuleSet,
    found: Split,
    *,
    baseline: float | None = None,
    transactions: "Transactions | None" = None,
    last_day: "date | None" = None,
) -> pl.DataFrame:
    """``found.counts`` with the balance check and the minimum detectable effect.

    The MDE's baseline is ``baseline`` for every segment, else each segment's own
    conversion over the last period of ``transactions`` (``readout.last_period_rates``).
    Needs the stats extra (``SegtuiError`` naming it otherwise).
    """
    from segtui.analysis.readout import last_period_rates

    frame = found.counts.join(balance(evaluator.customers, found, ruleset), on="segment", how="left", maintain_order="left")
    if baseline is not None:
        rates: dict[str, float | None] = dict.fromkeys(frame["segment"], baseline)
    elif transactions is not None and last_day is not None:
        rates = last_period_rates(transactions, ruleset, last_day)
    else:
        rates = {}
    return with_mde(frame, rates)
