"""The help screen: every key, generated from the bindings so it cannot drift out of date."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

import polars as pl
from rich.table import Table
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Label, Markdown, Static

__all__ = ["HelpScreen", "binding_rows", "described_bindings"]

ABOUT = """\
**Rules** are SQL `WHERE` predicates over the single customer view, one row per customer:
`orders >= 3 AND recency_days <= 90`, `country = 'France'`, `top_channel IN ('web', 'app')`.
A segment matches **all** of its enabled rules (or **any**, toggle with `m`).

**Assign**: `first_match` puts each customer in the first segment that matches, in order
(the rest are *Unassigned*); `overlap` lets a customer sit in several segments.
The **universe** filter (`u`) is applied before any segment.

**Metrics**: customers and their % of the universe; revenue (net of returns) and its %
of universe revenue. Next to each rule: customers that rule alone matches.
Columns include `orders`, `revenue`, `aov`, `recency_days`, `tenure_days`, `r_score`,
`f_score`, `m_score`, `rfm`, `revenue_percentile`, `lifecycle` and every attribute.
"""


def described_bindings(app: App, owners: Iterable[type[DOMNode]]) -> list[tuple[Binding, str]]:
    """Each described binding once per action, with all of its keys joined ("d / delete").

    Parameters
    ----------
    app
        Formats the keys (``App.get_key_display``) the way the footer does.
    owners
        Classes whose ``BINDINGS`` to list, in display order.
    """
    found: dict[tuple[str, str], tuple[Binding, list[str]]] = {}
    for owner in owners:
        for binding in Binding.make_bindings(owner.BINDINGS):
            if not binding.description:
                continue
            # "screen.toggle" on the tree and "toggle" on the screen are one action: list it once
            action = binding.action.removeprefix("screen.").removeprefix("app.")
            first, keys = found.setdefault((action, binding.description), (binding, []))
            if not first.tooltip and binding.tooltip:
                found[(action, binding.description)] = (binding, keys)
            key = app.get_key_display(binding)
            if key not in keys:
                keys.append(key)
    return [(binding, " / ".join(keys)) for binding, keys in found.values()]


def binding_rows(app: App, owners: Iterable[type[DOMNode]]) -> list[tuple[str, str, str]]:
    """(keys, description, tooltip) rows for the help table."""
    return [(keys, b.description, b.tooltip) for b, keys in described_bindings(app, owners)]


class HelpScreen(ModalScreen[None]):
    """Keys and a short explanation of rules and metrics."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close"),
        Binding("c", "columns", "Columns", tooltip="Every column of the customer view: meaning, type, values, nulls"),
    ]

    def __init__(self, rows: list[tuple[str, str, str]], dictionary: Callable[[], pl.DataFrame] | None = None) -> None:
        super().__init__()
        self._rows = rows
        self._dictionary = dictionary

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
        table.add_column("Key", no_wrap=True, style="bold")
        table.add_column("Action", no_wrap=True)
        table.add_column("", style="dim", ratio=1)
        for keys, description, tooltip in self._rows:
            table.add_row(keys, description, tooltip)
        with VerticalScroll(classes="dialog help"):
            yield Label("segtui help  (esc to close · c: column dictionary)", classes="dialog-title")
            yield Static(table)
            yield Markdown(ABOUT)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_columns(self) -> None:
        if self._dictionary is not None:
            from segtui.tui.screens.columns import ColumnDictionaryScreen

            self.app.push_screen(ColumnDictionaryScreen(self._dictionary))
