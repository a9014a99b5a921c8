"""The rule editor: one predicate, column completion, and a live verdict while typing."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import ClassVar

import polars as pl
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from segtui.display import printable
from segtui.tui.screens.dialogs import PromptInput, forward_early_key
from segtui.errors import SegtuiError
from segtui.tui.format import fmt_count, fmt_pct

__all__ = ["ColumnSuggester", "RuleEditorScreen", "RuleInput"]

#: Wait this long after the last keystroke before checking (typing stays smooth).
DEBOUNCE_SECONDS = 0.15

_TRAILING_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")


# A column, then =, !=, <>, (NOT) LIKE / ILIKE, or (NOT) IN ( with earlier quoted values,
# then the opening quote of the value being typed (the text after it has no quote).
_VALUE_CONTEXT = re.compile(
    r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=|!=|<>|(?:NOT\s+)?I?LIKE|(?:NOT\s+)?IN\s*\((?:\s*'(?:[^']|'')*'\s*,)*)\s*'((?:[^']|'')*)$",
    re.IGNORECASE,
)

#: A column's most frequent values with counts (``dictionary.top_values``).
ValuesOf = Callable[[str], list[tuple[str, int]]]


def quoted_value(text: str) -> tuple[str, str] | None:
    """(column, value typed so far) when ``text`` ends inside a quoted value compared with a column.

    Examples
    --------
    >>> quoted_value("country = 'Uni"), quoted_value("orders > 1 AND device IN ('mobile', 'ta")
    (('country', 'Uni'), ('device', 'ta'))
    >>> quoted_value("country = 'UK'") is None, quoted_value("name LIKE 'O''Br")
    (True, ('name', "O'Br"))
    """
    if text.count("'") % 2 == 0:
        return None
    match = _VALUE_CONTEXT.search(text)
    return (match.group(1), match.group(2).replace("''", "'")) if match else None


class ColumnSuggester(Suggester):
    """Complete a column name, or inside quotes a value of the column compared with.

    Values come from ``values`` (most frequent first) and are completed with their closing
    quote; a value holding a quote is written doubled, as SQL wants.

    Examples
    --------
    >>> import asyncio
    >>> s = ColumnSuggester(["orders", "recency_days", "revenue"])
    >>> asyncio.run(s.get_suggestion("orders >= 3 AND rec"))
    'orders >= 3 AND recency_days'
    >>> asyncio.run(s.get_suggestion("country = 'rev")) is None  # inside a string literal
    True
    >>> s = ColumnSuggester(["country"], values=lambda c: [("United Kingdom", 9), ("Unknown", 2)])
    >>> asyncio.run(s.get_suggestion("country = 'Unk"))
    "country = 'Unknown'"
    """

    def __init__(self, columns: Sequence[str], values: ValuesOf | None = None) -> None:
        # Case matters: string literals in a rule ('United Kingdom') must survive completion.
        super().__init__(use_cache=True, case_sensitive=True)
        self._columns = sorted(columns)
        self._values = values

    async def get_suggestion(self, value: str) -> str | None:
        if value.count("'") % 2:  # the cursor is inside a quoted string
            context = quoted_value(value)
            if context is None or self._values is None:
                return None
            column, typed = context
            for candidate, _ in self._values(column):
                if candidate.startswith(typed) and candidate != typed:
                    return value + candidate[len(typed):].replace("'", "''") + "'"
            return None
        match = _TRAILING_IDENTIFIER.search(value)
        if match is None:
            return None
        word = match.group()
        for column in self._columns:
            if column.startswith(word) and column != word:
                return value + column[len(word) :]
        return None


class RuleInput(PromptInput):
    """A PromptInput where tab accepts the column suggestion instead of moving focus."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "cursor_right", "Complete", show=False),
    ]


class RuleEditorScreen(ModalScreen[str | None]):
    """Edit one SQL predicate; enter saves it only when the core accepts it.

    The screen holds no rule logic: ``check`` (the core's ``check_rule``) and ``count``
    (``Evaluator.count``) are passed in by the app.

    Parameters
    ----------
    title
        Dialog heading ("New rule for VIP", "Universe filter", ...).
    value
        Initial predicate.
    columns
        Customer-view column names for completion.
    check
        Returns None for a valid predicate, else a one-line problem.
    count
        Customers the predicate matches (runs in a thread).
    total
        Customers in the view, for the percentage.
    allow_empty
        Whether an empty predicate is a valid answer (the universe filter).
    hints
        Warnings about a valid predicate, shown after its count (``Evaluator.value_hints``:
        "no customer has country = 'UK' (did you mean 'United Kingdom'?)").
    dictionary
        The column dictionary (``dictionary.column_dictionary``) that F2 shows.
    values
        A text column's most frequent values with counts: completed inside quotes and
        listed under the input while a value is being typed.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("f2", "columns", "Columns", tooltip="The column dictionary; enter puts a column in the rule"),
    ]

    def __init__(
        self,
        title: str,
        value: str,
        *,
        columns: Sequence[str],
        check: Callable[[str], str | None],
        count: Callable[[str], int],
        total: int,
        allow_empty: bool = False,
        hints: Callable[[str], list[str]] | None = None,
        dictionary: Callable[[], pl.DataFrame] | None = None,
        values: ValuesOf | None = None,
    ) -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._columns = list(columns)
        self._check = check
        self._count = count
        self._total = total
        self._allow_empty = allow_empty
        self._hints = hints
        self._dictionary = dictionary
        self._values = values
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog rule-editor"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield RuleInput(
                self._value,
                placeholder="SQL predicate, e.g. orders >= 3 AND recency_days <= 90",
                suggester=ColumnSuggester(self._columns, self._values),
                id="rule-input",
            )
            yield Static("", id="rule-status", markup=False)
            yield Static("", id="value-hint", classes="hint", markup=False)
            yield Static(
                "enter: save · esc: cancel · tab/→: complete · F2: columns", classes="hint"
            )

    def on_mount(self) -> None:
        self._schedule_check()
        self._show_values(self._value)

    def on_key(self, event: events.Key) -> None:
        forward_early_key(self, event)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._schedule_check()
        self._show_values(event.value)

    def _show_values(self, text: str) -> None:
        """Inside a quoted value: that column's most frequent values (matching what is typed)."""
        hint = self.query_one("#value-hint", Static)
        context = quoted_value(text) if self._values is not None else None
        shown = []
        if context is not None:
            column, typed = context
            shown = [(v, n) for v, n in self._values(column) if v.lower().startswith(typed.lower())]  # type: ignore[misc]
        hint.display = bool(shown)
        if shown:
            listed = " · ".join(f"{printable(v)} {fmt_count(n)}" for v, n in shown[:8])
            hint.update(f"{printable(context[0])}: {listed}")  # type: ignore[index]

    def _schedule_check(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self._start_check)

    def _start_check(self) -> None:
        self._verdict(self.query_one(RuleInput).value.strip())

    @work(thread=True, exclusive=True, exit_on_error=False, group="check")
    def _verdict(self, where: str) -> None:
        """Check, then count, off the UI thread; a newer keystroke makes this result stale."""
        if not where:
            message = "empty: every customer" if self._allow_empty else "type a predicate"
            self.app.call_from_thread(self._show, where, message, not self._allow_empty)
            return
        problem = self._check(where)
        if problem:
            self.app.call_from_thread(self._show, where, problem, True)
            return
        try:
            n = self._count(where)
            hints = self._hints(where) if self._hints else []
        except SegtuiError as err:  # valid syntax that still fails on the data
            self.app.call_from_thread(self._show, where, err.message, True)
            return
        pct = fmt_pct(100.0 * n / self._total) if self._total else ""
        message = " · ".join([f"matches {fmt_count(n)} customers ({pct})", *hints])
        self.app.call_from_thread(self._show, where, message, False)

    def _show(self, where: str, message: str, is_problem: bool) -> None:
        if not self.is_attached or self.query_one(RuleInput).value.strip() != where:
            return  # stale: the text changed since this check started
        status = self.query_one("#rule-status", Static)
        status.update(message)
        status.set_class(is_problem, "problem")
        status.set_class(not is_problem, "ok")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        where = event.value.strip()
        if not where and self._allow_empty:
            self.dismiss("")
            return
        # Parsing is cheap: check synchronously so enter never saves a stale verdict.
        problem = self._check(where) if where else "type a predicate"
        if problem:
            self._show(where, problem, True)
            return
        self.dismiss(where)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_columns(self) -> None:
        if self._dictionary is None:
            return
        from segtui.tui.screens.columns import ColumnDictionaryScreen

        def chosen(column: str | None) -> None:
            rule_input = self.query_one(RuleInput)
            if column:
                rule_input.insert_text_at_cursor(column)
            rule_input.focus()

        self.app.push_screen(ColumnDictionaryScreen(self._dictionary), chosen)
