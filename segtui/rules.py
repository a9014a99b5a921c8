"""Rule sets as plain dataclasses, and their compilation to Polars expressions.

A rule is a SQL ``WHERE`` predicate over customer-view columns, parsed by
``pl.sql_expr`` (never ``eval``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import polars as pl

from segtui.customers import Lifecycle

__all__ = ["Rule", "Segment", "DataSpec", "RuleSet", "compile_rule", "check_rule"]


@dataclass
class Rule:
    where: str
    enabled: bool = True


@dataclass
class Segment:
    name: str
    rules: list[Rule] = field(default_factory=list)
    description: str = ""
    match: Literal["all", "any"] = "all"
    enabled: bool = True


@dataclass
class DataSpec:
    """Optional ``data:`` section of a rule file (CLI flags override it)."""

    path: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    as_of: date | None = None
    date_format: str | None = None


@dataclass
class RuleSet:
    segments: list[Segment] = field(default_factory=list)
    name: str = ""
    description: str = ""
    version: int = 1
    data: DataSpec | None = None
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    universe: str | None = None
    assign: Literal["first_match", "overlap"] = "first_match"


def compile_rule(where: str, schema: pl.Schema | None = None) -> pl.Expr:
    """Parse one predicate into a boolean expression; with ``schema``, also check columns/types.

    Raises ``SegtuiError`` with a one-line message (and "did you mean" for unknown columns).
    """
    raise NotImplementedError


def check_rule(where: str, schema: pl.Schema) -> str | None:
    """Return None when the predicate is valid over ``schema``, else a one-line problem."""
    raise NotImplementedError
