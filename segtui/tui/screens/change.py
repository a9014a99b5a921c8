"""The "Change" screen: overlap heat map, migration between two dates, drift of segment sizes.

Opened from the main screen with ``t``, on a copy of the rule set being edited. Every
analysis runs in its own thread worker (migration and drift rebuild the view per date,
which takes seconds on big files); each result carries the generation it was asked for,
and a result older than the latest request is dropped.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import TYPE_CHECKING, Any, Callable, ClassVar, cast

from rich.console import RenderableType
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane

from segtui.analysis.drift import PERIODS, drift
from segtui.analysis.migration import default_from, migrate_dataset
from segtui.analysis.overlap import overlap
from segtui.errors import SegtuiError
from segtui.rulefile import validate_rules
from segtui.rules import RuleSet
from segtui.tui.screens.dialogs import PromptScreen
from segtui.tui.widgets.change import ChangePanel, drift_table, heat_map, migration_matrix

if TYPE_CHECKING:
    from segtui.dataset import Dataset
    from segtui.tui.app import SegtuiApp

__all__ = ["ChangeScreen", "PANES"]

#: Pane id -> tab label.
PANES = {"overlap": "1 Overlap", "migration": "2 Migration", "drift": "3 Drift"}
#: Drift points shown (the most recent period ends).
DRIFT_POINTS = 24
_RENDER: dict[str, Callable[[Any], RenderableType]] = {
    "overlap": heat_map, "migration": migration_matrix, "drift": drift_table,
}


def date_problem(value: str) -> str | None:
    """Why ``value`` is not a date like 2024-12-31, or None.

    Examples
    --------
    >>> date_problem("2024-02-30")
    'not a date like 2024-12-31'
    >>> date_problem("2024-02-29") is None
    True
    """
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return "not a date like 2024-12-31"
    return None


class ChangeScreen(Screen[None]):
    """Three tabs over the same rule set: overlap, migration (two editable dates), drift."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back", tooltip="Back to the segments"),
        Binding("1", "pane('overlap')", "Overlap", show=False, tooltip="Heat map of how segments overlap (each on its own)"),
        Binding("2", "pane('migration')", "Migration", show=False, tooltip="Who moved from which segment to which between two dates"),
        Binding("3", "pane('drift')", "Drift", show=False, tooltip="Each segment's size at every period end"),
        Binding("f", "edit_date('from')", "From date", tooltip="Change the migration's earlier date"),
        Binding("t", "edit_date('to')", "To date", tooltip="Change the migration's later date"),
        Binding("w", "next_period", "Period", tooltip="Drift by week, month or quarter"),
        Binding("question_mark,f1", "app.help", "Help", tooltip="Every key"),
    ]

    DEFAULT_CSS = """
    ChangeScreen #change-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    ChangeScreen TabbedContent { height: 1fr; }
    ChangeScreen TabPane { padding: 0; }
    """

    def __init__(self, dataset: "Dataset", ruleset: RuleSet) -> None:
        super().__init__()
        self.dataset = dataset
        self.ruleset = copy.deepcopy(ruleset)  # edits on the main screen do not race the workers
        self.to_date: date = dataset.view.as_of
        self.from_date: date = default_from(self.to_date)
        self.every = "month"
        self._gen = dict.fromkeys(PANES, 0)
        #: the latest result shown in each pane (None until computed, or after an error)
        self.results: dict[str, Any] = dict.fromkeys(PANES)

    @property
    def segtui(self) -> "SegtuiApp":
        return cast("SegtuiApp", self.app)

    def compose(self) -> ComposeResult:
        name = self.ruleset.name or "Rule set"
        yield Static(f"Change over time · {name} · {self.ruleset.assign} · data as of {self.to_date}", id="change-title", markup=False)
        with TabbedContent(initial="overlap"):
            for pane, label in PANES.items():
                with TabPane(label, id=pane):
                    yield ChangePanel(id=f"{pane}-panel")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        problems = validate_rules(self.ruleset, self.dataset.view.frame.schema)
        if problems:
            for pane in PANES:
                self._panel(pane).show(f"The rule set has problems:\n{problems[0]}")
            return
        for pane in PANES:
            self._request(pane)

    def _panel(self, pane: str) -> ChangePanel:
        return self.query_one(f"#{pane}-panel", ChangePanel)

    # -- work ---------------------------------------------------------------------------

    def _request(self, pane: str) -> None:
        self._gen[pane] += 1
        gen = self._gen[pane]
        ruleset, data = self.ruleset, self.dataset
        jobs: dict[str, Callable[[], Any]] = {
            "overlap": lambda: overlap(data.view.frame, ruleset),
            "migration": lambda f=self.from_date, t=self.to_date: migrate_dataset(data, ruleset, f, t),
            "drift": lambda every=self.every: drift(
                data.transactions, ruleset, first_date=data.view.first_date, as_of=data.view.as_of,
                every=every, last=DRIFT_POINTS,
            ),
        }
        if pane != "overlap":
            self._panel(pane).show("Computing… (the view is rebuilt as of each date)")
        self._compute(pane, gen, jobs[pane])

    @work(thread=True, exit_on_error=False, group="change")
    def _compute(self, pane: str, gen: int, job: Callable[[], Any]) -> None:
        try:
            result = job()
            shown: RenderableType | str = _RENDER[pane](result)
        except SegtuiError as err:
            result, shown = None, err.message
        self.app.call_from_thread(self._show, pane, gen, result, shown)

    def _show(self, pane: str, gen: int, result: Any, shown: RenderableType | str) -> None:
        if gen == self._gen[pane] and self.is_attached:
            self.results[pane] = result
            self._panel(pane).show(shown)

    # -- actions ------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_pane(self, pane: str) -> None:
        self.query_one(TabbedContent).active = pane
        self._panel(pane).focus()

    def action_next_period(self) -> None:
        self.every = PERIODS[(PERIODS.index(self.every) + 1) % len(PERIODS)]
        self.action_pane("drift")
        self._request("drift")

    def action_edit_date(self, which: str) -> None:
        current = self.from_date if which == "from" else self.to_date

        def check(value: str) -> str | None:
            problem = date_problem(value)
            if problem is not None:
                return problem
            day = date.fromisoformat(value.strip())
            start, end = (day, self.to_date) if which == "from" else (self.from_date, day)
            return None if start < end else f"from ({start}) must be before to ({end})"

        def done(value: str | None) -> None:
            if not value:
                return
            day = date.fromisoformat(value.strip())
            if which == "from":
                self.from_date = day
            else:
                self.to_date = day
            self.action_pane("migration")
            self._request("migration")

        title = "Migration from (YYYY-MM-DD)" if which == "from" else "Migration to (YYYY-MM-DD)"
        self.app.push_screen(PromptScreen(title, current.isoformat(), check=check), done)
