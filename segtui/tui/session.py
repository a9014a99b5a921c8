"""What the app has open: the data, its evaluator and the rule set — all calls into the core.

No Textual here, so that every file operation the app offers can be tested without a
screen, and no business logic either: each method forwards to one core function.
The lock serialises core calls made from different worker threads (evaluation, the
rule editor's live count, exports). The members refresh does not take it: it runs for
hundreds of milliseconds at 1M customers, and a toggle's evaluation must not wait for
it (the evaluator's caches are safe to share between threads).
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import polars as pl

from segtui.analysis.crosstab import breakdown, crosstab, dimensions, with_segments
from segtui.analysis.holdout import assignments_with_groups, has_holdout, holdout_summary, members_with_groups, split
from segtui.analysis.profile import profile_segments
from segtui.campaign import holdout_lines
from segtui.codes import text_codes
from segtui.dataset import Dataset, data_spec_for, load_dataset_for_rules
from segtui.dictionary import column_dictionary, top_values
from segtui.errors import RuleFileError, SegtuiError
from segtui.evaluate import Evaluation, Evaluator
from segtui.export import check_not_input, check_output_path, write_frame
from segtui.resources import DEFAULT_RULES, RULES_DIR, SAMPLE_FILE
from segtui.rulefile import load_rules, read_rule_file, save_rules, validate_rules, written_data_path
from segtui.names import METRIC_COLUMNS
from segtui.progress import CHECKING, Progress, reading
from segtui.rules import DataSpec, Rule, RuleSet, check_rule, missing_columns, suggest

__all__ = [
    "LoadOptions",
    "Session",
    "open_session",
    "read_rules",
    "DIMENSION_ORDER",
    "yaml_path_problem",
    "existing_file_problem",
    "output_problem",
    "missing_notice",
]

#: Breakdown dimensions shown first when the view has them; other text columns follow.
# lifecycle is not first: split by the shipped lifecycle rules it would only echo them.
DIMENSION_ORDER = ("country", "top_channel", "top_category", "device", "age_band", "lifecycle", "rfm")


@dataclass(frozen=True)
class LoadOptions:
    """What the command line asked for; None means "the rule file's data section, else default"."""

    data_path: Path | None = None
    rules_path: Path | None = None
    columns: dict[str, str] = field(default_factory=dict)
    as_of: date | None = None
    date_format: str | None = None
    customers_file: Path | None = None


def yaml_path_problem(value: str) -> str | None:
    """Why ``value`` cannot be a rule file to save to, or None."""
    path = Path(value).expanduser()
    if path.suffix.lower() not in (".yaml", ".yml"):
        return "rule files end in .yaml or .yml"
    if not path.parent.is_dir():
        return f"folder {path.parent} does not exist"
    if path.resolve().is_relative_to(RULES_DIR.resolve()):
        return "that folder holds the shipped rule sets: save your copy elsewhere"
    return None


def existing_file_problem(value: str) -> str | None:
    """Why ``value`` cannot be opened, or None."""
    if not value.strip():
        return "type the path of a rule file"  # not ": no such file"
    return None if Path(value).expanduser().is_file() else f"{value}: no such file"


def output_problem(value: str) -> str | None:
    """Why members cannot be exported to ``value`` (the core's message), or None."""
    try:
        check_output_path(Path(value).expanduser())
    except SegtuiError as err:
        return err.message
    return None


def _switch_off_missing(ruleset: RuleSet, schema: pl.Schema) -> None:
    """Mark each rule that needs columns the view lacks, so it is off for this session.

    A shared rule file written for richer data (value.yaml's discount rule on CDNOW)
    then still opens and its other segments work; ``apply`` keeps refusing it.  A name
    close to a column the view has (``orderz``) is a typo, not absent data: it stays a
    problem with its "did you mean", unless it is one of segtui's own metric names.
    """
    for seg in ruleset.segments:
        for rule in seg.rules:
            missing = missing_columns(rule.where, schema)
            typo = any(name not in METRIC_COLUMNS and suggest(name, schema.names()) for name in missing)
            rule.missing = () if typo else tuple(missing)


def _read(path: Path) -> tuple[RuleSet, list[str]]:
    """The rule set as far as it reads, and its structural problems (raised only if unreadable)."""
    ruleset, problems = read_rule_file(path)
    if ruleset is None:
        raise RuleFileError(problems, title=f"Bad rule file {path.name}")
    return ruleset, problems


def _validated(
    ruleset: RuleSet, evaluator: Evaluator, path: Path, problems: list[str] | None = None
) -> RuleSet:
    """``ruleset`` with rules on missing columns switched off, once every other rule runs.

    Raises one RuleFileError with every problem: ``problems`` from reading the file, then
    the rules' column and type checks, then rules that fail on the data's values — as
    ``segtui validate`` reports them.
    """
    schema = evaluator.schema
    _switch_off_missing(ruleset, schema)
    # The switched-off rules are flagged in the tree instead of refusing the whole file:
    # check the rest, with a blank disabled rule (what the check skips) in their place.
    rest = copy.deepcopy(ruleset)
    for seg in rest.segments:
        seg.rules = [Rule("", enabled=False) if rule.missing else rule for rule in seg.rules]
    problems = [*(problems or []), *validate_rules(rest, schema)]
    if not problems:
        problems = evaluator.problems(rest)
    if problems:
        raise RuleFileError(problems, title=f"Bad rule file {path.name}")
    return ruleset


def missing_notice(ruleset: RuleSet, path: Path | None) -> str | None:
    """One notification for the rules switched off because the data lacks their columns."""
    flagged = [
        f'"{seg.name}" rule {index} needs {", ".join(rule.missing)}'
        for seg in ruleset.segments
        for index, rule in enumerate(seg.rules, start=1)
        if rule.missing
    ]
    if not flagged:
        return None
    name = path.name if path else "the rule set"
    rules = "1 rule" if len(flagged) == 1 else f"{len(flagged)} rules"
    return f"{name}: {rules} switched off for this session, the data lacks their columns: " + "; ".join(flagged)


def read_rules(path: Path, evaluator: Evaluator) -> RuleSet:
    """Load a rule file and check it against the view; every problem at once."""
    ruleset, problems = _read(path)
    return _validated(ruleset, evaluator, path, problems)


@dataclass
class Session:
    dataset: Dataset
    evaluator: Evaluator
    ruleset: RuleSet
    rules_path: Path | None
    data_path: Path
    #: the data as loaded (file, column mapping, as-of date): what a save records
    data_spec: DataSpec = field(default_factory=DataSpec)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _dictionary: pl.DataFrame | None = field(default=None, repr=False)
    _top_values: dict[str, list[tuple[str, int]]] = field(default_factory=dict, repr=False)

    @property
    def frame(self) -> pl.DataFrame:
        return self.dataset.view.frame

    @property
    def columns(self) -> list[str]:
        return self.frame.columns

    @property
    def dimensions(self) -> list[str]:
        """Columns to split a segment by: text (the usual suspects first), cohorts, numbers."""
        return dimensions(self.frame.schema, DIMENSION_ORDER)

    def dictionary(self) -> pl.DataFrame:
        """The column dictionary of the loaded view (``dictionary.column_dictionary``), computed once."""
        with self.lock:
            if self._dictionary is None:
                self._dictionary = column_dictionary(self.frame, self.ruleset.occasions)
            return self._dictionary

    def top_values(self, column: str) -> list[tuple[str, int]]:
        """A text column's ten most frequent values with counts, computed once per column.

        Read on the UI thread while typing: no lock (a read of the view is thread-safe and
        must not wait for an evaluation).
        """
        if column not in self._top_values:
            self._top_values[column] = top_values(self.frame, column)
        return self._top_values[column]

    def check(self, where: str) -> str | None:
        return check_rule(where, self.frame.schema)

    def count(self, where: str) -> int:
        with self.lock:
            return self.evaluator.count(where)

    def value_hints(self, where: str) -> list[str]:
        with self.lock:
            return self.evaluator.value_hints(where)

    def evaluate(self, ruleset: RuleSet) -> Evaluation:
        with self.lock:
            return self.evaluator.evaluate(ruleset)

    def detail(self, ruleset: RuleSet, segment: str | None, dimension: str | None) -> tuple[pl.DataFrame, pl.DataFrame | None]:
        """Members of ``segment`` and their split by ``dimension``; None: the universe, with
        each customer's segment(s) after ``customer_id`` (``analysis.crosstab.with_segments``)."""
        if segment is None:
            members = with_segments(self.evaluator, ruleset)
        else:
            members = self.evaluator.members(ruleset, segment)
        split = breakdown(self.evaluator, ruleset, dimension, segment) if dimension else None
        return members, split

    def profile(self, ruleset: RuleSet, segment: str) -> tuple[int, int, pl.DataFrame]:
        """(segment's customers, universe's customers, its profile against the universe)."""
        with self.lock:
            [(_, customers, frame)] = profile_segments(self.evaluator, ruleset, segment)
            universe = int(self.evaluator.universe_mask(ruleset).sum())
        return customers, universe, frame

    def crosstab(self, ruleset: RuleSet, dimension: str) -> pl.DataFrame:
        """Every segment by ``dimension`` (``analysis.crosstab.crosstab``)."""
        with self.lock:
            return crosstab(self.evaluator, ruleset, dimension)

    def needs_path(self) -> bool:
        """Saving a shipped rule set (or one never saved) asks for a new path first."""
        if self.rules_path is None:
            return True
        return self.rules_path.resolve().is_relative_to(RULES_DIR.resolve())

    def recorded_data_path(self, target: Path) -> str | None:
        """The ``data.path`` a rule file saved at ``target`` records for the loaded data."""
        return written_data_path(self.data_spec, target.parent)

    def save(self, ruleset: RuleSet, path: Path, record_data: bool | None = None) -> RuleSet:
        """Write ``ruleset`` to ``path``; returns it as saved (reloaded from the file).

        ``record_data`` writes the loaded data (path, mapping, as-of) as its ``data:``
        section, so ``segtui apply`` on the file reads what the app showed; None records
        it only when the rule set names no data file (a plain save never replaces one).
        """
        if record_data is None:
            record_data = ruleset.data is None or not ruleset.data.path
        saved = replace(ruleset, data=self.data_spec) if record_data and self.data_spec.path else ruleset
        save_rules(saved, path)
        self.rules_path = path
        return load_rules(path)

    def open_rules(self, path: Path) -> RuleSet:
        return read_rules(path, self.evaluator)

    def holdout_details(self, ruleset: RuleSet, segment: str | None) -> str | None:
        """What the export dialog says about the holdout: group sizes, balance and MDE lines.

        None without a holdout. ``segment`` None (the root) lists every segment. The
        baseline of the minimum detectable effect is each segment's own conversion over
        the last 30 days, as in ``segtui apply``.
        """
        if not has_holdout(ruleset):
            return None
        with self.lock:
            found = split(self.evaluator, ruleset)
        assert found is not None
        note = None
        try:
            # outside the lock: reads the customers and builds its own earlier view
            frame = holdout_summary(
                self.evaluator, ruleset, found,
                transactions=self.dataset.transactions, last_day=self.dataset.view.last_date,
            )
        except SegtuiError as err:
            frame, note = found.counts, err.message
        return holdout_lines(frame, segment, note)

    def export(self, ruleset: RuleSet, segment: str | None, path: Path, assignments: bool) -> int:
        """Write members of ``segment`` (or every customer's assignment); returns rows written."""
        check_output_path(path)
        check_not_input(path, self.data_path, self.rules_path)
        with self.lock:
            # with a holdout, a ``group`` column (test / control) as in ``apply -o``
            if assignments:
                df = assignments_with_groups(self.evaluator, ruleset)
            else:
                df = members_with_groups(self.evaluator, ruleset, segment)
        write_frame(df, path)
        return df.height


def open_session(options: LoadOptions, progress: Progress | None = None) -> Session:
    """Load the rule set, then the data it (or the command line) names, and check the rules.

    ``progress`` hears each stage and may cancel the load between them (``Cancelled``).

    Raises
    ------
    SegtuiError
        For any problem with either file, with the same one-line message as the CLI.
    """
    progress = progress or Progress()
    rules_path = Path(options.rules_path) if options.rules_path else DEFAULT_RULES
    progress.stage(reading(rules_path))
    # structural problems wait for the data, so the dialog lists every problem at once
    ruleset, problems = _read(rules_path)
    dataset = load_dataset_for_rules(
        ruleset,
        options.data_path,
        columns=options.columns,
        as_of=options.as_of,
        date_format=options.date_format,
        default_path=SAMPLE_FILE,
        customers_file=options.customers_file,
        progress=progress,
    )
    progress.stage(CHECKING)
    given = DataSpec(
        str(options.data_path) if options.data_path else None, options.columns, options.as_of, options.date_format,
        str(options.customers_file) if options.customers_file else None,
    )
    data_path = dataset.transactions.source
    # the app evaluates on every toggle and keystroke: text codes pay for themselves there
    # (60 ms at 1M customers), not in a one-shot apply
    evaluator = Evaluator(dataset.view.frame, text_codes(dataset.view.frame))
    return Session(
        dataset=dataset,
        evaluator=evaluator,
        ruleset=_validated(ruleset, evaluator, rules_path, problems),
        rules_path=rules_path,
        data_path=data_path,
        data_spec=data_spec_for(ruleset, given, SAMPLE_FILE),
    )

