"""Command line interface: the only place that parses argv and prints for humans.

Heavy libraries (Polars, Textual) are imported inside the commands, never at module
level, so that ``segtui --help`` starts in a fraction of a second.

Exit codes: 0 ok, 1 bad data or rules, 2 usage.
"""

from __future__ import annotations

import functools
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NoReturn, Optional, ParamSpec

import typer

from segtui import __version__
from segtui.errors import RuleFileError, SegtuiError

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from segtui.dataset import Dataset
    from segtui.evaluate import Evaluator
    from segtui.progress import Progress
    from segtui.rules import RuleSet

app = typer.Typer(
    name="segtui",
    help="Ad-hoc customer segmentation in the terminal.\n\n"
    "Run `segtui [DATA]` to open the app (no DATA: the bundled sample), "
    "or use a command below for headless work.",
    add_completion=False,
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

#: Name of the hidden command that opens the TUI; `main()` routes `segtui [DATA]` to it.
OPEN_COMMAND = "open"

# Path arguments pass readable=False: Typer's own check (on by default) answers an
# unreadable file with a usage box and exit 2; the core says what is wrong and exits 1.
MapOption = typer.Option(
    None,
    "--map",
    "-m",
    metavar="ROLE=COLUMN",
    help="Map a column to a role, e.g. --map amount=DollarValue (repeatable). "
    "Roles: customer_id, order_id, order_date, amount, quantity, unit_price, discount, "
    "product, category, channel.",
)
AsOfOption = typer.Option(
    None, "--as-of", metavar="YYYY-MM-DD", help="Reference date for recency (default: day after the last transaction)."
)
EngineOption = typer.Option(
    "polars", "--engine", help="Where the customer view and rules run: polars, duckdb or spark (segtui[duckdb|spark])."
)
SparkMasterOption = typer.Option(
    None, "--spark-master", envvar="SPARK_MASTER", help="Spark master URL for --engine spark (default local[2]; SPARK_REMOTE for Spark Connect)."
)
DateFormatOption = typer.Option(
    None, "--date-format", metavar="FORMAT", help="strftime format of the date column when it is ambiguous, e.g. %d/%m/%Y."
)
CustomersFileOption = typer.Option(
    None, "--customers-file", metavar="FILE", readable=False,
    help="A second file of customer attributes (age, city, …) joined on customer id; they work in rules.",
)


def _stderr() -> "Console":
    if _shown is not None:  # printed above the progress display, which then goes on below
        return _shown.console
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


class _Display:
    """A command's stages on stderr, one line each with its elapsed time, until its output.

    Made only for a terminal: in pipes, cron and tests stderr keeps only the notes and
    errors (FORCE_COLOR=1 forces it). It starts with the first stage, so a command that
    fails on its arguments or rule file shows none.
    """

    def __init__(self, console: "Console") -> None:
        from rich.progress import Progress as Lines
        from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

        from segtui.progress import Progress

        self.console = console
        # stdout is never redirected: the command's output must reach it byte for byte
        self._lines = Lines(
            SpinnerColumn(finished_text="[green]✓[/]"), TextColumn("{task.description}", markup=False),
            TimeElapsedColumn(), console=console, transient=True, redirect_stdout=False,
        )
        self._tasks: list[int] = []  # Rich task ids, one per stage
        self.progress = Progress(self._stage)

    def _stage(self, name: str) -> None:
        from segtui.display import printable

        if self._tasks:
            self._lines.update(self._tasks[-1], total=1, completed=1)
        else:
            self._lines.start()
        self._tasks.append(self._lines.add_task(printable(name[:1].upper() + name[1:]), total=None))
        self._lines.refresh()  # every stage is drawn, however short

    def stop(self) -> None:
        self._lines.stop()


#: The running command's progress display (one command runs at a time).
_shown: Optional[_Display] = None
_P = ParamSpec("_P")


def _progress() -> "Progress":
    """The running command's Progress: its stages are drawn on stderr when that is a terminal."""
    global _shown
    from segtui.progress import Progress

    if _shown is None:
        console = _stderr()
        if not console.is_terminal:
            return Progress()
        _shown = _Display(console)
    return _shown.progress


def _finished() -> None:
    """End the progress display: before the output (stdout shares the screen) or an error."""
    global _shown
    if _shown is not None:
        _shown.stop()
        _shown = None


def _shows_progress(command: Callable[_P, None]) -> Callable[_P, None]:
    """``command`` with its progress display ended however it ends (exit, usage error, ctrl+c)."""

    @functools.wraps(command)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except KeyboardInterrupt:
            import signal

            # Polars answers ctrl+c with a second SIGINT a moment later: it cut the
            # display's clean-up short, leaving the terminal's cursor hidden. The run
            # is ending (exit 130), so further ctrl+c have nothing left to stop.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            raise
        finally:
            _finished()

    return run


def _write(text: str) -> None:
    """Write a command's output to stdout, once the progress display is gone."""
    _finished()
    sys.stdout.write(text)


def _stdout() -> "Console":
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        # Piped into a log or a file: Rich's 80-column default would only truncate.
        console.width = max(console.width, 120)
    return console


def _say(console: "Console", text: str, label: str = "", style: str = "") -> None:
    """Print one line of user text (names, rules, paths) as text, never as Rich markup.

    A segment called "[/]VIP" would otherwise be a MarkupError, "Customer ID [x]" would
    lose its "[x]"; control characters are shown escaped rather than obeyed.
    """
    from rich.text import Text

    from segtui.display import printable

    console.print(Text.assemble((label, style), printable(text)), highlight=False)


def _error(message: str) -> None:
    _say(_stderr(), message, "error: ", "bold red")


def _fail(err: SegtuiError) -> NoReturn:
    """Print a user error (one line per problem) and exit 1."""
    _finished()
    for line in err.problems if isinstance(err, RuleFileError) else [err.message]:
        _error(line)
    raise typer.Exit(1)


def _usage_fail(message: str) -> NoReturn:
    """Print a usage error (one line) and exit 2."""
    _error(message)
    raise typer.Exit(2)


def _need(module: str, extra: str) -> None:
    """SegtuiError naming the extra to install when an optional ``module`` is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise SegtuiError(f"this needs {module}: pip install 'segtui[{extra}]'", title="Missing package")


def _check_engine(engine: str, spark_master: Optional[str] = None) -> None:
    """Usage error for an unknown engine; exit 1 naming the extra when its package is missing."""
    import os

    if engine not in ("polars", "duckdb", "spark"):
        raise typer.BadParameter(f"{engine!r} is not one of polars, duckdb, spark", param_hint="--engine")
    try:
        if engine != "polars":
            _need("sqlglot", engine)
            _need("duckdb" if engine == "duckdb" else "pyspark", engine)
    except SegtuiError as err:
        _fail(err)
    if spark_master:
        os.environ["SPARK_MASTER"] = spark_master  # read where the Spark session is made


def _customers(n: int) -> str:
    return f"{n:,} customer" + ("" if n == 1 else "s")


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json", "csv"):
        raise typer.BadParameter(f"{fmt!r} is not one of table, json, csv", param_hint="--format")


def _parse_as_of(value: Optional[str], option: str = "--as-of") -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2024-12-31", param_hint=option) from None


def _parse_map(values: Optional[list[str]]) -> dict[str, str]:
    from segtui.read.mapping import parse_map_options

    return parse_map_options(values or [])


def _load(load: "Callable[[Progress], Dataset]") -> "Dataset":
    """Run a load, its stages shown on a terminal (see ``_progress``), then print its notices."""
    ds = load(_progress())
    console = _stderr()
    for notice in ds.notices:
        _say(console, notice, "note: ", "yellow")
    return ds


def _load_for_rules(
    ruleset: "RuleSet",
    data: Optional[Path],
    map_: list[str] | None,
    as_of: Optional[str | date],
    date_format: Optional[str],
    engine: str = "polars",
    customers_file: Optional[Path] = None,
    as_of_option: str = "--as-of",
) -> "Dataset":
    """The rule set's data; command-line values win over its ``data:`` section."""
    from segtui.dataset import load_dataset_for_rules

    columns = _parse_map(map_)
    as_of_date = as_of if as_of is None or isinstance(as_of, date) else _parse_as_of(as_of)
    return _load(
        lambda progress: load_dataset_for_rules(
            ruleset, data, columns=columns, as_of=as_of_date, date_format=date_format, engine=engine,
            customers_file=customers_file, as_of_option=as_of_option, progress=progress,
        ),
    )


def _checked_evaluator(
    ruleset: "RuleSet", ds: "Dataset", rules: Path, problems: list[str], engine: str = "polars"
) -> "Evaluator":
    """An evaluator for the data, once every rule is known to run on it (else RuleFileError).

    ``problems`` are those already found in the file's structure: they are reported
    together with the rules' problems on the data, every problem in one run.

    The same check for validate and apply: the schema check, then each rule on the real
    values, so that a rule file that passes validate runs in apply. Text values that no
    customer has (country = 'UK') are warnings: they do not change the exit code.
    """
    from segtui.evaluate import Evaluator
    from segtui.progress import CHECKING
    from segtui.rulefile import validate_rules

    _progress().stage(CHECKING)
    if engine != "polars":
        from segtui.sql.engines import EngineEvaluator

        evaluator: Evaluator = EngineEvaluator(ds.view.frame, engine)
        # one query for every rule, as Polars' evaluator does in one select
        evaluator.prefetch([r.where for s in ruleset.segments for r in s.rules] + [ruleset.universe or ""])
    else:
        evaluator = Evaluator(ds.view.frame)
    problems = problems + validate_rules(ruleset, ds.view.frame.schema, source=str(rules))
    problems += evaluator.problems(ruleset, source=str(rules))
    console = _stderr()
    for warning in evaluator.warnings(ruleset, source=str(rules)):
        _say(console, warning, "warning: ", "yellow")
    if problems:
        raise RuleFileError(problems)
    return evaluator


_HOLDOUT_CAPTION = (
    "Balance: control share and revenue, recency, orders between the groups (ok = within chance). "
    "MDE: smallest rise of the baseline conversion rate the groups detect (80% power, 5% two-sided)."
)


def _parse_rate(value: Optional[str]) -> Optional[float]:
    """``--baseline 4%`` or ``0.04`` as a rate strictly between 0 and 1.

    Examples
    --------
    >>> _parse_rate("4%"), _parse_rate("0.04"), _parse_rate(None)
    (0.04, 0.04, None)
    """
    if value is None:
        return None
    text = value.strip()
    try:
        rate = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        rate = float("nan")
    if not 0 < rate < 1:
        raise typer.BadParameter(f"{value!r} is not a rate like 4% or 0.04", param_hint="--baseline")
    return rate


def _holdout_table(evaluator: "Evaluator", ruleset: "RuleSet", found, ds: "Dataset", rate: Optional[float]):
    """The holdout summary; without the stats extra only the counts, with a note (an error for --baseline)."""
    from segtui.analysis.holdout import holdout_summary

    try:
        return holdout_summary(
            evaluator, ruleset, found, baseline=rate, transactions=ds.transactions, last_day=ds.view.last_date
        )
    except SegtuiError as err:
        if rate is not None or "segtui[stats]" not in err.message:
            raise
        _say(_stderr(), f"{err.message}; showing test and control counts only", "note: ", "yellow")
        return found.counts


@app.command()
@_shows_progress
def apply(
    rules: Path = typer.Argument(..., help="Rule file (YAML).", show_default=False, readable=False),
    data: Optional[Path] = typer.Argument(
        None, help="Transaction file (default: data.path in the rule file).", readable=False
    ),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="Write members to .csv, .parquet or .json."
    ),
    fmt: str = typer.Option("table", "--format", "-f", help="Summary format: table, json or csv."),
    baseline: Optional[str] = typer.Option(
        None, "--baseline", metavar="RATE",
        help="Conversion rate for the holdout's minimum detectable effect, e.g. 4% "
        "(default: each segment's own over the last 30 days of the data).",
    ),
    map_: Optional[list[str]] = MapOption,
    as_of: Optional[str] = AsOfOption,
    date_format: Optional[str] = DateFormatOption,
    engine: str = EngineOption,
    spark_master: Optional[str] = SparkMasterOption,
    customers_file: Optional[Path] = CustomersFileOption,
) -> None:
    """Run a rule set headless: print the segment summary, optionally write members.

    Example: segtui apply rules/rfm.yaml sample_data/transactions.csv -o members.parquet
    """
    _check_format(fmt)
    rate = _parse_rate(baseline)
    _check_engine(engine, spark_master)
    from segtui.analysis.holdout import assignments_with_groups, split
    from segtui.campaign import holdout_records, print_holdout
    from segtui.display import printable
    from segtui.export import check_not_input, check_output_path, write_frame
    from segtui.progress import EVALUATING, writing
    from segtui.rulefile import read_rule_file
    from segtui.summary import print_segments, segments_csv, segments_json

    try:
        if output is not None:
            check_output_path(output)
        ruleset, problems = read_rule_file(rules)
        if ruleset is None:
            raise RuleFileError(problems)
        ds = _load_for_rules(ruleset, data, map_, as_of, date_format, engine, customers_file)
        path = ds.transactions.source
        if output is not None:
            check_not_input(output, path, rules)
        evaluator = _checked_evaluator(ruleset, ds, rules, problems, engine)
        _progress().stage(EVALUATING)
        evaluation = evaluator.evaluate(ruleset)
        holdout = split(evaluator, ruleset)
        held = None if holdout is None else _holdout_table(evaluator, ruleset, holdout, ds, rate)
        # The summary is rendered before the members file is written: a failure in either
        # must never leave a replaced -o file behind a run that exits 1.
        if fmt == "json":
            summary = segments_json(
                evaluation, ruleset, rules=rules, data=path, as_of=ds.view.as_of,
                holdout=None if held is None else holdout_records(held),
            ) + "\n"
        elif fmt == "csv":
            summary = segments_csv(evaluation)
            if held is not None:
                summary += "\n" + held.write_csv()
            if sys.stdout.isatty():  # read on a screen, not parsed from a pipe: shown, not obeyed
                summary = "".join(printable(line) + "\n" for line in summary.splitlines())
        else:
            console = _stdout()
            with console.capture() as captured:
                print_segments(console, evaluation, ruleset, data=path, as_of=ds.view.as_of)
                if held is not None:
                    print_holdout(console, held, _HOLDOUT_CAPTION)
            summary = captured.get()
        if output is not None:
            _progress().stage(writing(output))
            write_frame(assignments_with_groups(evaluator, ruleset, holdout), output)
    except SegtuiError as err:
        _fail(err)
    _write(summary)
    if output is not None:
        _say(_stderr(), f"wrote {_customers(evaluation.universe_customers)} to {output}")


@app.command()
@_shows_progress
def readout(
    rules: Path = typer.Argument(..., help="Rule file (YAML) with a holdout.", show_default=False, readable=False),
    data: Optional[Path] = typer.Argument(
        None, help="Transaction file (default: data.path in the rule file).", readable=False
    ),
    start: str = typer.Option(..., "--start", metavar="YYYY-MM-DD", help="First day of the campaign (the send)."),
    end: Optional[str] = typer.Option(
        None, "--end", metavar="YYYY-MM-DD", help="Last day counted (default: the last transaction's day)."
    ),
    fmt: str = typer.Option("table", "--format", "-f", help="Output format: table, json or csv."),
    map_: Optional[list[str]] = MapOption,
    date_format: Optional[str] = DateFormatOption,
) -> None:
    """Test versus control after a campaign: conversion, revenue and orders per segment.

    Segments and groups as of the day before --start (the same split as at send time),
    outcomes from --start to --end. Needs pip install 'segtui[stats]'.
    Example: segtui readout rules/winback.yaml sales.csv --start 2026-03-01
    """
    _check_format(fmt)
    first, last = _parse_as_of(start, "--start"), _parse_as_of(end, "--end")
    assert first is not None
    if last is not None and last < first:
        raise typer.BadParameter(f"{end} is before --start {start}", param_hint="--end")
    from segtui.analysis.holdout import has_holdout
    from segtui.analysis import readout as ro
    from segtui.analysis.stats import require
    from segtui.campaign import print_readout, readout_csv, readout_json
    from segtui.dataset import Dataset, data_spec_for
    from segtui.progress import BUILDING, EVALUATING, Progress, reading
    from segtui.read.transactions import read_transactions
    from segtui.rulefile import read_rule_file
    from segtui.rules import DataSpec

    try:
        require("segtui readout")
        ruleset, problems = read_rule_file(rules)
        if ruleset is None:
            raise RuleFileError(problems)
        if not has_holdout(ruleset) and not problems:
            raise SegtuiError(f'{rules}: no holdout to read out (add holdout: {{percent: 10, salt: "..."}})')
        spec = data_spec_for(ruleset, DataSpec(str(data) if data else None, _parse_map(map_), None, date_format))
        if spec.path is None:
            raise SegtuiError("no data file: pass DATA or set data.path in the rule file")
        path = Path(spec.path)
        window: list[date] = []  # the checked (start, end), found while loading

        def load(progress: Progress) -> Dataset:
            progress.stage(reading(path))
            tx = read_transactions(path, columns=spec.columns or None, date_format=spec.date_format)
            window.extend(ro.check_window(tx.frame, first, last))
            progress.stage(BUILDING)
            return Dataset(transactions=tx, view=ro.view_before(tx, first, ruleset.lifecycle))

        ds = _load(load)
        first, last = window
        evaluator = _checked_evaluator(ruleset, ds, rules, problems)
        _progress().stage(EVALUATING)
        outcomes = ro.window_outcomes(ds.transactions.frame, first, last)
        frame = ro.readout(ro.outcomes_of(ro.members(evaluator, ruleset), outcomes), [s.name for s in ruleset.segments])
        as_of = ds.view.as_of
        if fmt == "json":
            text = readout_json(frame, rules=str(rules), data=str(path), start=first, end=last, membership_as_of=as_of) + "\n"
        elif fmt == "csv":
            text = readout_csv(frame)
        else:
            console = _stdout()
            with console.capture() as captured:
                caption = f"{path.name} · segments as of {as_of} · outcomes {first} → {last} · 95% intervals, p two-sided"
                print_readout(console, frame, caption)
            text = captured.get()
    except SegtuiError as err:
        _fail(err)
    _write(text)


@app.command()
@_shows_progress
def validate(
    rules: Path = typer.Argument(..., help="Rule file (YAML).", show_default=False, readable=False),
    data: Optional[Path] = typer.Argument(
        None, help="Also check columns and types against this data.", readable=False
    ),
    map_: Optional[list[str]] = MapOption,
    as_of: Optional[str] = AsOfOption,
    date_format: Optional[str] = DateFormatOption,
    portable: bool = typer.Option(
        False, "--portable", help="Also report SQL whose meaning differs between engines (CAST AS INTEGER, /, ~)."
    ),
    customers_file: Optional[Path] = CustomersFileOption,
) -> None:
    """Lint a rule file: syntax and structure, plus columns and types given DATA.

    Prints one line per problem and exits 1, or "ok" and exits 0 — made for the CI
    of a shared rules repository. Example: segtui validate rules/value.yaml
    """
    from segtui.rulefile import read_rule_file, validate_rules

    try:
        # structure first, then every rule that was read against the data: all problems at once
        ruleset, problems = read_rule_file(rules)
        if ruleset is None:
            raise RuleFileError(problems)
        if portable:
            from segtui.sql.rules_sql import portability_problems

            problems += portability_problems(ruleset, source=str(rules))
        if data is not None:
            ds = _load_for_rules(ruleset, data, map_, as_of, date_format, customers_file=customers_file)
            _checked_evaluator(ruleset, ds, rules, problems)
        else:
            problems += validate_rules(ruleset, None, source=str(rules))
            if problems:
                raise RuleFileError(problems)
    except SegtuiError as err:
        _fail(err)
    checked = " against " + data.name if data is not None else ""
    _finished()
    _say(_stdout(), f"ok: {rules} ({len(ruleset.segments)} segments){checked}")


@app.command()
@_shows_progress
def customers(
    data: Path = typer.Argument(..., help="Transaction file.", show_default=False, readable=False),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="Write the customer view to .csv, .parquet or .json."
    ),
    map_: Optional[list[str]] = MapOption,
    as_of: Optional[str] = AsOfOption,
    date_format: Optional[str] = DateFormatOption,
    engine: str = EngineOption,
    spark_master: Optional[str] = SparkMasterOption,
    customers_file: Optional[Path] = CustomersFileOption,
) -> None:
    """Build the single customer view; write it with -o, or print a summary.

    Example: segtui customers sales.csv --map amount=DollarValue -o view.parquet
    """
    from segtui.export import check_not_input, check_output_path, write_frame
    from segtui.progress import writing
    from segtui.summary import print_dataset

    _check_engine(engine, spark_master)
    try:
        if output is not None:
            check_output_path(output)
            check_not_input(output, data)
        from segtui.dataset import load_dataset

        columns, as_of_date = _parse_map(map_), _parse_as_of(as_of)
        ds = _load(
            lambda progress: load_dataset(
                data, columns=columns, as_of=as_of_date, date_format=date_format, engine=engine,
                customers_file=customers_file, progress=progress,
            ),
        )
        if output is not None:
            _progress().stage(writing(output))
            write_frame(ds.view.frame, output)
    except SegtuiError as err:
        _fail(err)
    _finished()
    if output is not None:
        _say(_stderr(), f"wrote {_customers(ds.view.frame.height)} to {output}")
    else:
        print_dataset(_stdout(), ds)


@app.command()
def sql(
    rules: Optional[Path] = typer.Argument(None, help="Rule file (YAML); not with --view.", readable=False),
    dialect: str = typer.Option("duckdb", "--dialect", "-d", help="duckdb, spark, postgres, bigquery or snowflake."),
    table: str = typer.Option("customers", "--table", help="Name of the customer-view table the rules query."),
    summary: bool = typer.Option(False, "--summary", help="Print the summary query (customers, %, revenue per segment)."),
    view: bool = typer.Option(False, "--view", help="Print the customer view as one query over a transactions table."),
    transactions: str = typer.Option("transactions", "--transactions", help="Name of the transactions table (--view)."),
    attribute: Optional[list[str]] = typer.Option(None, "--attribute", help="An attribute column of the transactions (--view; repeatable)."),
    times: bool = typer.Option(True, "--times/--no-times", help="Whether order dates carry times: top_daypart (--view)."),
    as_of: Optional[str] = AsOfOption,
) -> None:
    """Print a rule set (or, with --view, the customer view) as SQL for another engine.

    Example: segtui sql rules/rfm.yaml --dialect spark --table analytics.customers
    """
    from segtui.sql.rules_sql import DIALECTS

    if dialect not in DIALECTS:
        raise typer.BadParameter(f"{dialect!r} is not one of {', '.join(DIALECTS)}", param_hint="--dialect")
    if view == (rules is not None):
        _usage_fail("give a rule file, or --view for the customer view (not both)")
    try:
        _need("sqlglot", "sql")
        if view:
            from segtui.sql.view_sql import ViewShape, view_sql

            shape = ViewShape(attributes=tuple(attribute or ()), has_time=times)
            text = view_sql(shape, dialect, table=transactions, as_of=_parse_as_of(as_of))
        else:
            from segtui.rulefile import read_rule_file, validate_rules
            from segtui.sql.rules_sql import rules_sql, summary_sql

            ruleset, problems = read_rule_file(rules)
            if ruleset is None or problems:
                raise RuleFileError(problems)
            problems = validate_rules(ruleset, None, source=str(rules))
            if problems:
                raise RuleFileError(problems)
            write = summary_sql if summary else rules_sql
            try:
                text = write(ruleset, dialect, table=table)
            except SegtuiError as err:
                raise SegtuiError(f"{rules}: {err.message}", title=err.title) from err
    except SegtuiError as err:
        _fail(err)
    sys.stdout.write(text + ";\n")


@app.command()
def sample(
    output: Path = typer.Option(..., "--output", "-o", help="File to write (.csv, .parquet, .jsonl, .json, .xlsx)."),
    n_customers: int = typer.Option(3000, "--customers", "-n", min=1, help="Number of customers."),
    seed: int = typer.Option(42, "--seed", min=0, help="Random seed (0 or more); the same seed gives the same file."),
) -> None:
    """Generate synthetic transactions shaped like a real shop's export.

    Example: segtui sample -o big.parquet --customers 1000000
    """
    from segtui.sample import MAX_CUSTOMERS, write_sample

    if n_customers > MAX_CUSTOMERS:
        raise typer.BadParameter(f"{n_customers:,} is more than the {MAX_CUSTOMERS:,} supported", param_hint="--customers")
    try:
        write_sample(output, customers=n_customers, seed=seed)
    except SegtuiError as err:
        _fail(err)
    _say(_stderr(), f"wrote {output} ({_customers(n_customers)}, seed {seed})")


# --------------------------------------------------------------------------- change over time

RulesArgument = typer.Argument(..., help="Rule file (YAML).", show_default=False, readable=False)
DataArgument = typer.Argument(None, help="Transaction file (default: data.path in the rule file).", readable=False)
FormatOption = typer.Option("table", "--format", "-f", help="Output format: table, json or csv.")


def _rules_on_data(
    rules: Path,
    data: Optional[Path],
    map_: Optional[list[str]],
    as_of: Optional[str | date],
    date_format: Optional[str],
    customers_file: Optional[Path] = None,
    as_of_option: str = "--as-of",
) -> "tuple[RuleSet, Dataset, Evaluator]":
    """Read a rule file and its data, checked as ``apply`` checks them (else SegtuiError)."""
    from segtui.rulefile import read_rule_file

    ruleset, problems = read_rule_file(rules)
    if ruleset is None:
        raise RuleFileError(problems)
    ds = _load_for_rules(
        ruleset, data, map_, as_of, date_format, customers_file=customers_file, as_of_option=as_of_option
    )
    return ruleset, ds, _checked_evaluator(ruleset, ds, rules, problems)


def _formatted(fmt: str, as_json: "Callable[[], str]", as_csv: "Callable[[], str]", draw: "Callable[[Console], None]") -> str:
    """The output of an analysis command in ``fmt`` (only that one is rendered)."""
    if fmt == "json":
        return as_json() + "\n"
    if fmt == "csv":
        return as_csv()
    console = _stdout()
    with console.capture() as captured:
        draw(console)
    return captured.get()


def _emit(fmt: str, as_json: "Callable[[], str]", as_csv: "Callable[[], str]", as_table: "Callable[[Console], None]") -> None:
    _write(_formatted(fmt, as_json, as_csv, as_table))


@app.command()
@_shows_progress
def profile(
    rules: Path = RulesArgument,
    data: Optional[Path] = DataArgument,
    segment: Optional[str] = typer.Option(None, "--segment", "-s", help="Profile this segment only (default: every segment)."),
    top: Optional[int] = typer.Option(
        None, "--top", "-n", min=1, help="Metrics per segment, most distinctive first (default: 15 in the table, all in json/csv)."
    ),
    fmt: str = FormatOption,
    map_: Optional[list[str]] = MapOption,
    as_of: Optional[str] = AsOfOption,
    date_format: Optional[str] = DateFormatOption,
    customers_file: Optional[Path] = CustomersFileOption,
) -> None:
    """How each segment differs from the universe: means, medians, value shares and an index.

    Example: segtui profile rules/rfm.yaml sample_data/transactions.csv --segment Champions
    """
    _check_format(fmt)
    from segtui.analysis.profile import profile_segments
    from segtui.analysis.profile_report import print_profile, profile_csv, profile_json

    try:
        ruleset, ds, evaluator = _rules_on_data(rules, data, map_, as_of, date_format, customers_file)
        _progress().stage("profiling the segments")
        profiles = profile_segments(evaluator, ruleset, segment)
        universe = int(evaluator.universe_mask(ruleset).sum())
        out = _formatted(
            fmt,
            lambda: profile_json(profiles, rules=rules, data=ds.transactions.source, as_of=ds.view.as_of, universe=universe, top=top),
            lambda: profile_csv(profiles, top),
            lambda console: print_profile(console, profiles, universe=universe, top=top),
        )
    except SegtuiError as err:
        _fail(err)
    _write(out)


@app.command()
@_shows_progress
def breakdown(
    rules: Path = RulesArgument,
    data: Optional[Path] = DataArgument,
    by: str = typer.Option(..., "--by", "-b", help="Customer-view column to split by (numbers are binned; first_order_month: cohorts)."),
    top: int = typer.Option(10, "--top", "-n", min=1, help="Text values shown before (other)."),
    fmt: str = FormatOption,
    map_: Optional[list[str]] = MapOption,
    as_of: Optional[str] = AsOfOption,
    date_format: Optional[str] = DateFormatOption,
    customers_file: Optional[Path] = CustomersFileOption,
) -> None:
    """Every segment split by one column: customers, row %, revenue (a cross-tab).

    Example: segtui breakdown rules/lifecycle.yaml sample_data/transactions.csv --by country
    """
    _check_format(fmt)
    from segtui.analysis.crosstab import crosstab
    from segtui.analysis.profile_report import crosstab_csv, crosstab_json, print_crosstab

    try:
        ruleset, ds, evaluator = _rules_on_data(rules, data, map_, as_of, date_format, customers_file)
        _progress().stage(f"splitting the segments by {by}")
        table = crosstab(evaluator, ruleset, by, top=top)
        out = _formatted(
            fmt,
            lambda: crosstab_json(table, by=by, rules=rules, data=ds.transactions.source, as_of=ds.view.as_of),
            lambda: crosstab_csv(table),
            lambda console: print_crosstab(console, table, by=by),
        )
    except SegtuiError as err:
        _fail(err)
    _write(out)


def _caption(ruleset: "RuleSet", ds: "Dataset") -> tuple[str, str]:
    from rich.markup import escape

    from segtui.display import printable

    return escape(printable(ruleset.name or "Segments")), escape(printable(f"{ds.transactions.source.name} · {ruleset.assign}"))


@app.command()
@_shows_progress
def overlap(
    rules: Path = RulesArgument,
    data: Optional[Path] = DataArgument,
    fmt: str = FormatOption,
    top: int = typer.Option(10, "--top", min=1, help="How many exact combinations of segments to list."),
    map_: Optional[list[str]] = MapOption,
    as_of: Optional[str] = AsOfOption,
    date_format: Optional[str] = DateFormatOption,
) -> None:
    """Overlap of every pair of segments (each on its own) and the commonest combinations.

    Example: segtui overlap rules/value.yaml sample_data/transactions.csv --format json
    """
    _check_format(fmt)
    from segtui.analysis.overlap import overlap as overlap_of
    from segtui.analysis.report import overlap_csv, overlap_json, print_overlap

    try:
        ruleset, ds, _ = _rules_on_data(rules, data, map_, _parse_as_of(as_of), date_format)
        _progress().stage("counting the overlaps")
        result = overlap_of(ds.view.frame, ruleset, top=top)
    except SegtuiError as err:
        _fail(err)
    title, caption = _caption(ruleset, ds)
    _emit(
        fmt,
        lambda: overlap_json(result, rules=rules, data=ds.transactions.source, as_of=ds.view.as_of, assign=ruleset.assign),
        lambda: overlap_csv(result),
        lambda console: print_overlap(console, result, title=title, caption=f"{caption} · as of {ds.view.as_of}"),
    )


@app.command()
@_shows_progress
def migrate(
    rules: Path = RulesArgument,
    data: Optional[Path] = DataArgument,
    from_: Optional[str] = typer.Option(None, "--from", metavar="YYYY-MM-DD", help="Earlier as-of date (default: 90 days before --to)."),
    to: Optional[str] = typer.Option(None, "--to", metavar="YYYY-MM-DD", help="Later as-of date (default: the data's as-of date)."),
    fmt: str = FormatOption,
    map_: Optional[list[str]] = MapOption,
    date_format: Optional[str] = DateFormatOption,
) -> None:
    """Who moved from which segment to which between two dates (views built as of each).

    Example: segtui migrate rules/lifecycle.yaml sample_data/transactions.csv --from 2025-06-30
    """
    _check_format(fmt)
    from segtui.analysis.migration import migrate_dataset
    from segtui.analysis.report import migration_csv, migration_json, print_migration

    to_date, from_date = _parse_as_of(to, "--to"), _parse_as_of(from_, "--from")
    if to_date is not None and from_date is not None and from_date >= to_date:
        raise typer.BadParameter(f"{from_date} is not before --to {to_date}", param_hint="--from")
    try:
        # the full view is built as of TO: it validates the rules and is TO's snapshot
        ruleset, ds, _ = _rules_on_data(rules, data, map_, to_date, date_format, as_of_option="--to")
        if from_date is not None and from_date >= ds.view.as_of:
            raise typer.BadParameter(f"{from_date} is not before the data's as-of date {ds.view.as_of}", param_hint="--from")
        _progress().stage("building the customer view as of --from")
        result = migrate_dataset(ds, ruleset, from_date)
    except SegtuiError as err:
        _fail(err)
    title, caption = _caption(ruleset, ds)
    _emit(
        fmt,
        lambda: migration_json(result, rules=rules, data=ds.transactions.source),
        lambda: migration_csv(result),
        lambda console: print_migration(console, result, title=title, caption=caption),
    )


@app.command()
@_shows_progress
def drift(
    rules: Path = RulesArgument,
    data: Optional[Path] = DataArgument,
    every: str = typer.Option("month", "--every", help="Period: week (ends Sunday), month or quarter."),
    last: int = typer.Option(24, "--last", min=1, help="How many period ends, the most recent ones."),
    fmt: str = FormatOption,
    map_: Optional[list[str]] = MapOption,
    as_of: Optional[str] = AsOfOption,
    date_format: Optional[str] = DateFormatOption,
) -> None:
    """Each segment's customers, % and revenue at every period end (views built as of each).

    Example: segtui drift rules/lifecycle.yaml sample_data/transactions.csv --every quarter
    """
    _check_format(fmt)
    from segtui.analysis.drift import PERIODS
    from segtui.analysis.drift import drift as drift_over
    from segtui.analysis.report import drift_csv, drift_json, print_drift

    if every not in PERIODS:
        raise typer.BadParameter(f"{every!r} is not one of {', '.join(PERIODS)}", param_hint="--every")
    try:
        ruleset, ds, _ = _rules_on_data(rules, data, map_, _parse_as_of(as_of), date_format)
        result = drift_over(
            ds.transactions, ruleset, first_date=ds.view.first_date, as_of=ds.view.as_of, every=every, last=last,
            progress=_progress().steps("building the customer view at each date"),
        )
    except SegtuiError as err:
        _fail(err)
    title, caption = _caption(ruleset, ds)
    _emit(
        fmt,
        lambda: drift_json(result, rules=rules, data=ds.transactions.source),
        lambda: drift_csv(result),
        lambda console: print_drift(console, result, title=title, caption=caption),
    )


@app.command(OPEN_COMMAND, hidden=True)
def open_app(
    data: Optional[Path] = typer.Argument(
        None, help="Transaction file (default: the bundled sample).", readable=False
    ),
    rules: Optional[Path] = typer.Option(
        None, "--rules", "-r", help="Rule file to open (default: shipped lifecycle rules).", readable=False
    ),
    map_: Optional[list[str]] = MapOption,
    as_of: Optional[str] = AsOfOption,
    date_format: Optional[str] = DateFormatOption,
    customers_file: Optional[Path] = CustomersFileOption,
) -> None:
    """Open the interactive app."""
    if data is not None and not data.exists():
        _usage_fail(unknown_word_message(str(data)))
    if not all(stream.isatty() for stream in (sys.stdin, sys.stdout, sys.stderr)):
        # Textual draws on stderr and reads stdin: into a pipe or a file it would stream
        # escape codes forever. A script wants the headless command.
        _usage_fail("the app needs a terminal; in scripts and pipes use `segtui apply RULES DATA`")
    try:
        columns = _parse_map(map_)
    except SegtuiError as err:
        _fail(err)
    from segtui.tui.app import make_app

    tui = make_app(
        data_path=data, rules_path=rules, columns=columns, as_of=_parse_as_of(as_of), date_format=date_format,
        customers_file=customers_file,
    )
    tui.run()
    raise typer.Exit(tui.return_code or 0)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"segtui {__version__}")
        raise typer.Exit()


def _memory(value: Optional[str]) -> Optional[str]:
    if value is not None:
        from segtui.memory import parse_size

        try:
            parse_size(value, "--memory")
        except SegtuiError as err:
            _fail(err)
        # read wherever a customer view is built, the app's workers included
        import os

        os.environ["SEGTUI_MEMORY"] = value
    return value


@app.callback()
def _root(
    # metavar "": a flag takes no value, and Typer would otherwise print "--version <bool>"
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, metavar="", help="Show the version."),
    memory: Optional[str] = typer.Option(
        None, "--memory", metavar="SIZE", callback=_memory,
        help="Memory the customer view may take, e.g. 1.5G (default: $SEGTUI_MEMORY, else a third of RAM); "
        "a larger file is built in passes. Goes before the command.",
    ),
) -> None:
    """Ad-hoc customer segmentation in the terminal.

    `segtui [DATA] [--rules FILE] [--map ROLE=COLUMN] [--as-of DATE]` opens the app
    (no DATA: the bundled sample with the shipped lifecycle rules).
    """


def _app_options_epilog() -> str:
    """The app's own options for `segtui --help`: the app command itself is hidden, so
    they would otherwise show nowhere (a test checks every option of it is listed)."""
    rows = [
        ("--rules, -r FILE", "rule file (default: shipped lifecycle rules)"),
        ("--map, -m ROLE=COLUMN", "map a column to a role (repeatable)"),
        ("--as-of YYYY-MM-DD", "reference date (default: day after the last order)"),
        ("--date-format FORMAT", "format of ambiguous dates, e.g. %d/%m/%Y"),
        ("--customers-file FILE", "customer attributes (a CRM export) to join"),
    ]
    lines = "\n".join(f"{name:<22} {text}" for name, text in rows)
    return f"[bold]Open the app:[/bold] segtui \\[DATA] \\[OPTIONS] · segtui open --help\n\n\b\n{lines}"


app.info.epilog = _app_options_epilog()


def command_names() -> list[str]:
    """The visible commands, as typed on the command line."""
    return [
        command.name or command.callback.__name__.replace("_", "-")  # type: ignore[union-attr]
        for command in app.registered_commands
        if not command.hidden
    ]


def unknown_word_message(word: str) -> str:
    """The usage error for a word that is neither a command nor an existing file.

    Examples
    --------
    >>> unknown_word_message("aply")
    'no such command or file: "aply" (did you mean `segtui apply`?)'
    >>> unknown_word_message("sales.csv")
    'no such command or file: "sales.csv" (`segtui --help` lists the commands)'
    """
    import difflib

    close = difflib.get_close_matches(word, command_names(), n=1)
    hint = f"did you mean `segtui {close[0]}`?" if close else "`segtui --help` lists the commands"
    return f'no such command or file: "{word}" ({hint})'


def _leading_options(argv: list[str]) -> int:
    """How many of ``argv``'s first words are the root's ``--memory SIZE`` (or ``--memory=SIZE``)."""
    if argv[:1] == ["--memory"] and len(argv) > 1:
        return 2
    return 1 if argv and argv[0].startswith("--memory=") else 0


def route_argv(argv: list[str]) -> list[str]:
    """Send `segtui [DATA] [options]` to the hidden app command; leave subcommands alone.

    Examples
    --------
    >>> route_argv([])
    ['open']
    >>> route_argv(["sales.csv", "--rules", "r.yaml"])
    ['open', 'sales.csv', '--rules', 'r.yaml']
    >>> route_argv(["apply", "r.yaml"])
    ['apply', 'r.yaml']
    >>> route_argv(["--help"])
    ['--help']
    >>> route_argv(["--memory", "2G", "sales.csv"])
    ['--memory', '2G', 'open', 'sales.csv']
    """
    if n := _leading_options(argv):  # the app's options too: they stay in front
        return argv[:n] + route_argv(argv[n:])
    commands = {*command_names(), OPEN_COMMAND}
    if argv and (argv[0] in commands or argv[0] in ("-h", "--help", "--version")):
        return argv
    return [OPEN_COMMAND, *argv]


def _stop_on_sigterm() -> None:
    """End the run on SIGTERM (a cron timeout, ``kill``) by unwinding, as ctrl+c does: the
    view's pass files and a half-written output are removed on the way out, where Python's
    default left them behind. The exit code is 143 (128 + SIGTERM), as a shell reports it."""
    import signal

    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))


def main() -> None:
    """Console-script entry point."""
    _stop_on_sigterm()
    args = route_argv(sys.argv[1:])
    command = args[_leading_options(args):]
    word = command[1] if len(command) > 1 and command[0] == OPEN_COMMAND else None
    if word is not None and not word.startswith("-") and not Path(word).exists():
        # Before Typer parses the rest: `segtui aply rules.yaml data.csv` would otherwise
        # be reported as "unexpected extra argument" of the app command.
        _error(unknown_word_message(word))
        sys.exit(2)
    app(args=args, prog_name="segtui")
