"""The segtui Textual app: state, background work and file actions.

Layout and editing keys live in ``screens/main.py``; the core calls in ``session.py``.
Every core call runs in a thread worker; each result carries the generation it was
asked for, and anything older than the latest request is dropped, so fast typing or
toggling never shows a stale count and the UI never waits for Polars.
"""

from __future__ import annotations

import copy
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, cast

import polars as pl
from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.worker import Worker, WorkerState

from segtui.analysis.holdout import has_holdout
from segtui.display import printable, printable_lines
from segtui.errors import SegtuiError
from segtui.evaluate import UNASSIGNED, Evaluation
from segtui.progress import Cancelled, Progress
from segtui.rules import RuleSet
from segtui.tui import editing
from segtui.tui.commands import SegtuiCommands
from segtui.tui.editing import NodeRef
from segtui.tui.format import fmt_count
from segtui.read.dates import AmbiguousDates
from segtui.tui.screens.dialogs import ChoiceScreen, ErrorScreen, PromptScreen, UnsavedChangesScreen, UnsavedChoice
from segtui.tui.screens.help import HelpScreen, binding_rows
from segtui.tui.screens.crosstab import CrosstabScreen
from segtui.tui.screens.main import MainScreen
from segtui.tui.screens.profile import ProfileScreen
from segtui.tui.screens.rule_editor import RuleEditorScreen
from segtui.tui.screens.save_as import SaveAsScreen
from segtui.tui.session import (
    LoadOptions,
    Session,
    existing_file_problem,
    missing_notice,
    open_session,
    output_problem,
    yaml_path_problem,
)
from segtui.tui.widgets.bars import BreakdownView, SegmentBars
from segtui.tui.widgets.customer_table import CustomerTable, Presorted, sort_order
from segtui.tui.widgets.header import SegtuiHeader
from segtui.tui.widgets.keys import origin_screen
from segtui.tui.widgets.load_progress import LoadProgress
from segtui.tui.widgets.segment_tree import SegmentTree

__all__ = ["SegtuiApp", "make_app"]


@dataclass(frozen=True)
class _DetailRequest:
    """One request for a segment's members and breakdown (stale once ``gen`` is old)."""

    gen: int
    ruleset: RuleSet
    segment: str | None
    dimension: str | None
    sort: tuple[str, bool] | None  # the table's sort when asked: applied in the worker


#: Longest the members refresh waits for the counts to be painted (it never waits forever).
_PAINT_WAIT_S = 2.0


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "segment"


class SegtuiApp(App[None]):
    """Live customer segmentation: edit SQL rules, see counts and members at once."""

    CSS_PATH = "segtui.tcss"
    TITLE = "segtui"
    COMMANDS = App.COMMANDS | {SegtuiCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, tooltip="Quit (asks when there are unsaved changes)"),
        Binding("ctrl+c", "quit", "Quit", show=False),
        Binding("ctrl+p", "command_palette", "Commands", show=False, tooltip="Search every action by name"),
    ]

    def __init__(self, options: LoadOptions) -> None:
        super().__init__()
        self.theme = "textual-dark"
        self.options = options
        self.session: Session | None = None
        self.ruleset = RuleSet()
        self.evaluation: Evaluation | None = None
        self.dirty = False
        self.dimension: str | None = None
        #: milliseconds from the last edit to its counts being painted (for benchmarks)
        self.latency_ms: float | None = None
        self._eval_gen = 0
        self._detail_gen = 0
        self._table_segment: object = object()
        self._reading = threading.Event()  # set while the load worker reads the files
        self._loading = Progress()  # the current load's stages, cancelled on quit
        self._load_failed = False  # then any way out exits 1: the run did not do its job
        self._last_folder: Path | None = None  # where the user last opened, saved or exported

    def notify(self, message: str, *, title: str = "", **kwargs: Any) -> None:
        """Show a toast; its text often quotes names and paths, so control characters in
        it are escaped here, for every caller."""
        super().notify(printable_lines(message), title=printable(title), **kwargs)

    async def _on_key(self, event: events.Key) -> None:
        origin = origin_screen(event)
        if origin is not None and origin is not self.screen:
            # typed before the dialog that an earlier key opened was up: it is the dialog's
            event.prevent_default()
            self.post_message(events.Key(event.key, event.character))

    def get_default_screen(self) -> MainScreen:
        return MainScreen()

    @property
    def main(self) -> MainScreen:
        """The main screen, even while a dialog is on top of it."""
        return cast(MainScreen, self.screen_stack[0])

    # -- loading ------------------------------------------------------------------------

    def start(self) -> None:
        """Called by the main screen once it is mounted: read the files in a worker."""
        if self.options.data_path is not None:
            self.main.query_one(SegtuiHeader).update(file=self.options.data_path.name)
        self._start_load(self.options)

    def _start_load(self, options: LoadOptions) -> None:
        """Load in a worker; the loading panel follows its stages."""
        self._loading = Progress()
        self.main.query_one(LoadProgress).follow(self._loading)
        self._load(options, self._loading)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def _load(self, options: LoadOptions, progress: Progress) -> None:
        self._reading.set()
        try:
            session = open_session(options, progress)
        finally:
            self._reading.clear()
        self.call_from_thread(self._loaded, session)

    async def run_async(self, *args: Any, **kwargs: Any) -> Any:
        """Run the app; quitting while a file is still being read exits at once.

        Polars cannot be interrupted, and asyncio would otherwise wait at exit for the
        reading thread: a blank terminal for as long as the rest of the load (tens of
        seconds at 10M rows). The terminal is already restored when ``super().run_async``
        returns.
        """
        result = await super().run_async(*args, **kwargs)
        # exit() cancelled the load, but only its next stage sees that
        if self._reading.is_set():
            from segtui.customers import remove_spills  # loaded by then: the load imported it

            remove_spills()  # os._exit unwinds nothing: a build's temporary files would stay
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(self.return_code or 0)
        return result  # exit(value) results, e.g. snapshot tests' screenshots

    def _loaded(self, session: Session) -> None:
        self.session = session
        self.ruleset = session.ruleset
        self.dimension = next(iter(session.dimensions), None)
        view = session.dataset.view
        self.main.query_one(SegtuiHeader).update(
            file=session.data_path.name,
            transactions=view.transactions,
            customers=view.frame.height,
            first_date=view.first_date,
            last_date=view.last_date,
            as_of=view.as_of,
        )
        self.main.loaded()
        for notice in session.dataset.notices:
            self.notify(notice, title="Note", markup=False)
        self._rules_replaced()
        self._notify_missing(session.rules_path)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Failures of loading, opening or exporting become a dialog, never a traceback."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, Cancelled):
            return  # the user quit: the app is already on its way out
        if isinstance(error, SegtuiError):
            title, message = error.title, error.message
        else:
            title, message = "Unexpected error", f"{type(error).__name__}: {error}"
        if event.worker.group == "load":
            self._load_failed = True
            if isinstance(error, AmbiguousDates):
                self._ask_date_format(title, message, error.formats)
                return
            self.push_screen(ErrorScreen(title, message, button="Quit"), lambda _: self.exit(return_code=1))
        else:
            self.push_screen(ErrorScreen(title, message))

    def _ask_date_format(self, title: str, message: str, formats: dict[str, str]) -> None:
        """Ambiguous dates: load again with the reading the user picks (or quit, exit 1)."""
        choices = [(fmt, f"{reading} {fmt}") for reading, fmt in formats.items()]

        def chosen(fmt: str | None) -> None:
            if fmt is None:
                self.exit(return_code=1)
                return
            self._load_failed = False
            self.options = replace(self.options, date_format=fmt)
            self.notify(f"Reading the dates as {fmt} (--date-format '{fmt}' next time)", markup=False)
            self._start_load(self.options)

        self.push_screen(ChoiceScreen(title, message, choices), chosen)

    # -- evaluation ---------------------------------------------------------------------

    def _rules_replaced(self) -> None:
        """A whole new rule set (load/open): rebuild the tree from the root."""
        self.dirty = False
        self._refresh_rules(editing.ROOT)

    def rules_changed(self, selection: NodeRef) -> None:
        """The main screen edited the rule set in place; ``selection`` is the new cursor."""
        self.dirty = True
        self._refresh_rules(selection)

    def _refresh_rules(self, selection: NodeRef) -> None:
        unassigned = UNASSIGNED if self.ruleset.assign == "first_match" else None
        self.main.tree.rebuild(self.ruleset, selection, unassigned)
        self._update_header()
        self.request_evaluation()

    def _update_header(self) -> None:
        name = self.ruleset.name or (self.session.rules_path.stem if self.session and self.session.rules_path else "untitled")
        self.main.query_one(SegtuiHeader).update(ruleset=name, assign=self.ruleset.assign, unsaved=self.dirty)

    def selected_segment(self) -> str | None:
        return editing.segment_name(self.ruleset, self.main.tree.selected, UNASSIGNED)

    def request_evaluation(self) -> None:
        self._eval_gen += 1
        self._detail_gen += 1
        self._evaluate(self._eval_gen, self._detail_request(), time.perf_counter())

    def request_detail(self) -> None:
        """The selection or dimension changed: refresh the table and breakdown only."""
        if self.session is None:
            return
        self._detail_gen += 1
        self._run_detail(self._detail_request())

    def _detail_request(self) -> _DetailRequest:
        """What the detail worker needs, read on the UI thread (the rule set is copied)."""
        sort = self.main.query_one(CustomerTable).sort_column
        return _DetailRequest(self._detail_gen, copy.deepcopy(self.ruleset), self.selected_segment(), self.dimension, sort)

    @work(thread=True, exclusive=True, exit_on_error=False, group="eval")
    def _evaluate(self, gen: int, detail: _DetailRequest, started: float) -> None:
        painted = threading.Event()
        if not self._evaluated(gen, detail.ruleset, started, painted):
            return
        # The members and breakdown take both cores for a while at 1M customers: start
        # them once the counts are on screen, not while the UI thread is painting them.
        painted.wait(_PAINT_WAIT_S)
        self._compute_detail(detail)

    def _evaluated(self, gen: int, ruleset: RuleSet, started: float, painted: threading.Event) -> bool:
        assert self.session is not None
        try:
            evaluation = self.session.evaluate(ruleset)
        except SegtuiError as err:
            self.call_from_thread(self._eval_failed, gen, err)
            return False
        self.call_from_thread(self._show_evaluation, gen, evaluation, started, painted)
        return True

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail")
    def _run_detail(self, request: _DetailRequest) -> None:
        self._compute_detail(request)

    def _compute_detail(self, request: _DetailRequest) -> None:
        """Members (sorted like the table) and breakdown of a segment, in a worker thread."""
        assert self.session is not None
        try:
            members, split = self.session.detail(request.ruleset, request.segment, request.dimension)
        except SegtuiError as err:
            self.call_from_thread(self._eval_failed, request.gen, err, True)
            return
        if request.gen != self._detail_gen:
            return  # superseded: skip the sort too
        presorted = None
        if request.sort is not None and request.sort[0] in members.columns:
            presorted = (request.sort, sort_order(members, *request.sort))
        self.call_from_thread(self._show_detail, request, members, split, presorted)

    def _eval_failed(self, gen: int, err: SegtuiError, detail: bool = False) -> None:
        if gen == (self._detail_gen if detail else self._eval_gen):
            if not detail:
                self.main.tree.clear_counts()  # the counts shown are of an earlier rule set
            self.notify(err.message, title=err.title, severity="error", timeout=8, markup=False)

    def _show_evaluation(
        self, gen: int, evaluation: Evaluation, started: float, painted: threading.Event | None = None
    ) -> None:
        """Put the counts in the widgets; ``painted`` is set once they are on screen (or stale)."""
        painted = painted or threading.Event()
        if gen != self._eval_gen:
            painted.set()
            return  # a newer edit is already being evaluated
        self.evaluation = evaluation
        main = self.main
        main.tree.update_counts(
            evaluation.segments.rows(named=True),
            evaluation.rules.rows(named=True),
            evaluation.universe_customers,
            evaluation.universe_revenue,
            no_segment=evaluation.no_segment_customers,
        )
        overlap = self.ruleset.assign == "overlap"
        main.query_one(SegmentBars).update_segments(
            evaluation.segments,
            no_segment=(evaluation.no_segment_customers, evaluation.universe_customers) if overlap else None,
        )
        self.call_after_refresh(self._painted, started, painted)

    def _painted(self, started: float, painted: threading.Event) -> None:
        self.latency_ms = (time.perf_counter() - started) * 1000
        painted.set()

    def _show_detail(self, request: _DetailRequest, members: pl.DataFrame, split: pl.DataFrame | None, presorted: Presorted | None) -> None:
        if request.gen != self._detail_gen:
            return
        segment, dimension = request.segment, request.dimension
        main = self.main
        table = main.query_one(CustomerTable)
        table.set_frame(members, keep_position=segment == self._table_segment, presorted=presorted)
        # Content, not a str: a str title is markup, and "VIP [top]" would lose "[top]".
        table.border_title = Content(f"Customers · {printable(segment or 'all')} ({fmt_count(members.height)})")
        self._table_segment = segment
        if split is not None and dimension is not None:
            main.query_one(BreakdownView).update_breakdown(split, dimension, segment)
        main.query_one(SegmentBars).highlight(segment)

    def cycle_dimension(self) -> None:
        dims = self.session.dimensions if self.session else []
        if not dims:
            self.notify("No columns to break down by.", severity="warning")
            return
        index = dims.index(self.dimension) + 1 if self.dimension in dims else 0
        self.dimension = dims[index % len(dims)]
        self.request_detail()

    def profile_groups(self) -> list[str]:
        """What the profile screen steps through: enabled segments, then Unassigned (first_match)."""
        names = [seg.name for seg in self.ruleset.segments if seg.enabled]
        return names + ([UNASSIGNED] if self.ruleset.assign == "first_match" else [])

    def action_profile(self) -> None:
        """Profile the selected segment (the root: the first one) against the universe."""
        groups = self.profile_groups()
        if self.session is None or not groups:
            self.notify("No segment to profile (a: add a segment).", severity="warning")
            return
        selected = self.selected_segment()
        ruleset, session = copy.deepcopy(self.ruleset), self.session
        current = groups.index(selected) if selected in groups else 0
        self.push_screen(ProfileScreen(groups, current, lambda name: session.profile(ruleset, name)))

    def action_crosstab(self) -> None:
        """Every segment by the breakdown column; the breakdown follows the last column shown."""
        dims = self.session.dimensions if self.session else []
        if self.session is None or not dims:
            return
        ruleset, session = copy.deepcopy(self.ruleset), self.session

        def closed(dimension: str | None) -> None:
            if dimension and dimension != self.dimension:
                self.dimension = dimension
                self.request_detail()

        self.push_screen(CrosstabScreen(dims, self.dimension, lambda dim: session.crosstab(ruleset, dim)), closed)

    def rule_editor(self, title: str, value: str, allow_empty: bool = False) -> RuleEditorScreen:
        """A rule editor wired to the core's check and count for the loaded view."""
        assert self.session is not None
        return RuleEditorScreen(
            printable(title),  # it names the segment
            value,
            columns=self.session.columns,
            check=self.session.check,
            count=self.session.count,
            total=self.session.frame.height,
            allow_empty=allow_empty,
            hints=self.session.value_hints,
            dictionary=self.session.dictionary,
            values=self.session.top_values,
        )

    # -- files --------------------------------------------------------------------------

    def last_folder(self) -> Path:
        """Where path prompts start: the folder last opened from, saved or exported to."""
        return self._last_folder or Path.cwd()

    def action_save(self, then: Callable[[], None] | None = None) -> None:
        if self.session is None:
            return
        if self.session.needs_path():
            self.action_save_as(then)
        elif self._write_rules(self.session.rules_path) and then:  # type: ignore[arg-type]
            then()

    def action_save_as(self, then: Callable[[], None] | None = None) -> None:
        if self.session is None:
            return
        current = self.session.rules_path
        suggestion = self.last_folder() / (current.name if current else f"{_slug(self.ruleset.name or 'rules')}.yaml")

        session = self.session
        screen = SaveAsScreen(
            "Save rule set as",
            str(suggestion),
            check=yaml_path_problem,
            data_path=lambda value: session.recorded_data_path(Path(value).expanduser()) if value else None,
        )

        def chosen(value: str | None) -> None:
            if value and self._write_rules(Path(value).expanduser(), screen.record_data) and then:
                then()

        self.push_screen(screen, chosen)

    def _write_rules(self, path: Path, record_data: bool | None = None) -> bool:
        assert self.session is not None
        try:
            saved = self.session.save(self.ruleset, path, record_data)
        except SegtuiError as err:
            self.push_screen(ErrorScreen(err.title, err.message))
            return False
        self._last_folder = path.parent
        # the file now holds this data section and text: later saves edit that file
        self.ruleset.data, self.ruleset.text, self.ruleset.header = saved.data, saved.text, saved.header
        self.dirty = False
        self._update_header()
        self.notify(f"Saved {path}", markup=False)
        return True

    def _unless_unsaved(self, proceed: Callable[[], None]) -> None:
        """Run ``proceed`` now, or after the user saved or discarded unsaved changes."""
        if not self.dirty:
            proceed()
            return

        def choice(answer: UnsavedChoice | None) -> None:
            if answer == "save":
                self.action_save(then=proceed)
            elif answer == "discard":
                proceed()

        self.push_screen(UnsavedChangesScreen(), choice)

    def action_open_rules(self) -> None:
        if self.session is None:
            return

        def ask() -> None:
            start = str(self._last_folder or (self.session.rules_path.parent if self.session and self.session.rules_path else Path.cwd()))
            self.push_screen(
                PromptScreen("Open rule set (YAML)", start.rstrip("/") + "/", check=existing_file_problem, path=True,
                             hint="enter: open · tab: complete · esc: cancel"),
                lambda value: value and self._open_rules(Path(value).expanduser()),
            )

        self._unless_unsaved(ask)

    @work(thread=True, exclusive=True, exit_on_error=False, group="open")
    def _open_rules(self, path: Path) -> None:
        assert self.session is not None
        ruleset = self.session.open_rules(path)
        self.call_from_thread(self._opened, path, ruleset)

    def _opened(self, path: Path, ruleset: RuleSet) -> None:
        assert self.session is not None
        self.session.rules_path = path
        self._last_folder = path.parent
        self.ruleset = ruleset
        self._rules_replaced()
        self.notify(f"Opened {path}", markup=False)
        self._notify_missing(path)

    def _notify_missing(self, path: Path | None) -> None:
        """Say once which rules are off for the session because the data lacks their columns."""
        notice = missing_notice(self.ruleset, path)
        if notice:
            self.notify(notice, title="Rules switched off", severity="warning", timeout=12, markup=False)

    def action_export(self) -> None:
        if self.session is None:
            return
        segment = self.selected_segment()
        everyone = segment is None
        what = "every customer's segment" if everyone else f"members of {segment}"
        default = str(self.last_folder() / f"{'assignments' if everyone else _slug(segment)}.csv")

        def chosen(value: str | None) -> None:
            if value:
                self._last_folder = Path(value).expanduser().parent
                self._export(copy.deepcopy(self.ruleset), segment, Path(value).expanduser(), everyone)

        held = has_holdout(self.ruleset)
        dialog = PromptScreen(
            f"Export {what} to (.csv / .parquet)", default, check=output_problem, path=True,
            hint="enter: export · tab: complete · esc: cancel",
            details="Holdout: counting test and control, minimum detectable effect…" if held else "",
        )
        self.push_screen(dialog, chosen)
        if held:
            self._holdout_details(dialog, copy.deepcopy(self.ruleset), segment)

    @work(thread=True, exclusive=True, exit_on_error=False, group="holdout-details")
    def _holdout_details(self, dialog: PromptScreen, ruleset: RuleSet, segment: str | None) -> None:
        assert self.session is not None
        try:
            text = self.session.holdout_details(ruleset, segment) or ""
        except SegtuiError as err:  # shown in the dialog: the export itself can still go ahead
            text = f"Holdout: {err.message}"
        if dialog.is_attached:
            self.call_from_thread(dialog.show_details, text)

    @work(thread=True, exclusive=False, exit_on_error=False, group="export")
    def _export(self, ruleset: RuleSet, segment: str | None, path: Path, everyone: bool) -> None:
        assert self.session is not None
        rows = self.session.export(ruleset, segment, path, assignments=everyone)
        self.call_from_thread(self.notify, f"Wrote {rows:,} customers to {path}", markup=False)

    # -- quitting and help --------------------------------------------------------------

    def exit(self, result: None = None, return_code: int = 0, message: Any = None) -> None:
        """Exit the app; a load still running stops at its next stage."""
        self._loading.cancel()
        super().exit(result, return_code, message)

    async def action_quit(self) -> None:
        if self._load_failed:
            self.exit(return_code=1)
            return
        if isinstance(self.screen, UnsavedChangesScreen):
            return
        self._unless_unsaved(self.exit)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        from segtui.tui.screens.change import ChangeScreen

        rows = binding_rows(self, [MainScreen, SegmentTree, CustomerTable, ChangeScreen, SegtuiApp])
        self.push_screen(HelpScreen(rows, self.session.dictionary if self.session else None))


def make_app(
    data_path: str | Path | None = None,
    rules_path: str | Path | None = None,
    columns: dict[str, str] | None = None,
    as_of: date | None = None,
    date_format: str | None = None,
    customers_file: str | Path | None = None,
) -> SegtuiApp:
    """Build the app the CLI runs and the tests drive (no data is read until it mounts).

    Examples
    --------
    >>> app = make_app()           # the bundled sample with the shipped lifecycle rules
    >>> app.run()                  # doctest: +SKIP
    """
    return SegtuiApp(
        LoadOptions(
            data_path=Path(data_path) if data_path else None,
            rules_path=Path(rules_path) if rules_path else None,
            columns=dict(columns or {}),
            as_of=as_of,
            date_format=date_format,
            customers_file=Path(customers_file) if customers_file else None,
        )
    )
