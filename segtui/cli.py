"""Command line interface: the only place that parses argv and prints for humans.

Heavy libraries (Polars, Textual) are imported inside the commands, never at module
level, so that ``segtui --help`` starts in a fraction of a second.

Exit codes: 0 ok, 1 bad data or rules, 2 usage.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NoReturn, Optional

import typer

from segtui import __version__
from segtui.errors import RuleFileError, SegtuiError

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from segtui.dataset import Dataset
    from segtui.evaluate import Evaluator
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
DateFormatOption = typer.Option(
    None, "--date-format", metavar="FORMAT", help="strftime format of the date column when it is ambiguous, e.g. %d/%m/%Y."
)
CustomersFileOption = typer.Option(
    None, "--customers-file", metavar="FILE", readable=False,
    help="A second file of customer attributes (age, city, …) joined on customer id; they work in rules.",
)


def _stderr() -> "Console":
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


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
    for line in err.problems if isinstance(err, RuleFileError) else [err.message]:
        _error(line)
    raise typer.Exit(1)


def _usage_fail(message: str) -> NoReturn:
    """Print a usage error (one line) and exit 2."""
    _error(message)
    raise typer.Exit(2)


def _customers(n: int) -> str:
    return f"{n:,} customer" + ("" if n == 1 else "s")


def _parse_as_of(value: Optional[str]) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2024-12-31", param_hint="--as-of") from None


def _parse_map(values: Optional[list[str]]) -> dict[str, str]:
    from segtui.read.mapping import parse_map_options

    return parse_map_options(values or [])


def _load(label: str, load: "Callable[[], Dataset]") -> "Dataset":
    """Run a load with a spinner on a terminal (quiet when stderr is piped), then print its notices."""
    from rich.text import Text

    from segtui.display import printable

    console = _stderr()
    if console.is_terminal:
        with console.status(Text(f"Loading {printable(label)} and building the customer view…")):
            ds = load()
    else:
        ds = load()
    for notice in ds.notices:
        _say(console, notice, "note: ", "yellow")
    return ds


def _load_for_rules(
    ruleset: "RuleSet", data: Optional[Path], map_: list[str] | None, as_of: Optional[str], date_format: Optional[str],
    customers_file: Optional[Path] = None,
) -> "Dataset":
    """The rule set's data; command-line values win over its ``data:`` section."""
    from segtui.dataset import load_dataset_for_rules

    columns, as_of_date = _parse_map(map_), _parse_as_of(as_of)
    label = data.name if data is not None else "the rule file's data"
    return _load(
        label,
        lambda: load_dataset_for_rules(
            ruleset, data, columns=columns, as_of=as_of_date, date_format=date_format, customers_file=customers_file
        ),
    )


def _checked_evaluator(ruleset: "RuleSet", ds: "Dataset", rules: Path, problems: list[str]) -> "Evaluator":
    """An evaluator for the data, once every rule is known to run on it (else RuleFileError).

    ``problems`` are those already found in the file's structure: they are reported
    together with the rules' problems on the data, every problem in one run.

    The same check for validate and apply: the schema check, then each rule on the real
    values, so that a rule file that passes validate runs in apply. Text values that no
    customer has (country = 'UK') are warnings: they do not change the exit code.
    """
    from segtui.evaluate import Evaluator
    from segtui.rulefile import validate_rules

    evaluator = Evaluator(ds.view.frame)
    problems = problems + validate_rules(ruleset, ds.view.frame.schema, source=str(rules))
    problems += evaluator.problems(ruleset, source=str(rules))
    console = _stderr()
    for warning in evaluator.warnings(ruleset, source=str(rules)):
        _say(console, warning, "warning: ", "yellow")
    if problems:
        raise RuleFileError(problems)
    return evaluator


@app.command()
def apply(
    rules: Path = typer.Argument(..., help="Rule file (YAML).", show_default=False, readable=False),
    data: Optional[Path] = typer.Argument(
        None, help="Transaction file (default: data.path in the rule file).", readable=False
    ),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="Write members to .csv, .parquet or .json."
    ),
    fmt: str = typer.Option("table", "--format", "-f", help="Summary format: table, json or csv."),
    map_: Optional[list[str]] = MapOption,
    as_of: Optional[str] = AsOfOption,
    date_format: Optional[str] = DateFormatOption,
    customers_file: Optional[Path] = CustomersFileOption,
) -> None:
    """Run a rule set headless: print the segment summary, optionally write members.

    Example: segtui apply rules/rfm.yaml sample_data/transactions.csv -o members.parquet
    """
    if fmt not in ("table", "json", "csv"):
        raise typer.BadParameter(f"{fmt!r} is not one of table, json, csv", param_hint="--format")
    from segtui.display import printable
    from segtui.export import check_not_input, check_output_path, write_frame
    from segtui.rulefile import read_rule_file
    from segtui.summary import print_segments, segments_csv, segments_json

    try:
        if output is not None:
            check_output_path(output)
        ruleset, problems = read_rule_file(rules)
        if ruleset is None:
            raise RuleFileError(problems)
        ds = _load_for_rules(ruleset, data, map_, as_of, date_format, customers_file)
        path = ds.transactions.source
        if output is not None:
            check_not_input(output, path, rules)
        evaluator = _checked_evaluator(ruleset, ds, rules, problems)
        evaluation = evaluator.evaluate(ruleset)
        # The summary is rendered before the members file is written: a failure in either
        # must never leave a replaced -o file behind a run that exits 1.
        if fmt == "json":
            summary = segments_json(evaluation, ruleset, rules=rules, data=path, as_of=ds.view.as_of) + "\n"
        elif fmt == "csv":
            summary = segments_csv(evaluation)
            if sys.stdout.isatty():  # read on a screen, not parsed from a pipe: shown, not obeyed
                summary = "".join(printable(line) + "\n" for line in summary.splitlines())
        else:
            console = _stdout()
            with console.capture() as captured:
                print_segments(console, evaluation, ruleset, data=path, as_of=ds.view.as_of)
            summary = captured.get()
        if output is not None:
            write_frame(evaluator.assignments(ruleset), output)
    except SegtuiError as err:
        _fail(err)
    sys.stdout.write(summary)
    if output is not None:
        _say(_stderr(), f"wrote {_customers(evaluation.universe_customers)} to {output}")


@app.command()
def validate(
    rules: Path = typer.Argument(..., help="Rule file (YAML).", show_default=False, readable=False),
    data: Optional[Path] = typer.Argument(
        None, help="Also check columns and types against this data.", readable=False
    ),
    map_: Optional[list[str]] = MapOption,
    as_of: Optional[str] = AsOfOption,
    date_format: Optional[str] = DateFormatOption,
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
        if data is not None:
            ds = _load_for_rules(ruleset, data, map_, as_of, date_format, customers_file)
            _checked_evaluator(ruleset, ds, rules, problems)
        else:
            problems += validate_rules(ruleset, None, source=str(rules))
            if problems:
                raise RuleFileError(problems)
    except SegtuiError as err:
        _fail(err)
    checked = " against " + data.name if data is not None else ""
    _say(_stdout(), f"ok: {rules} ({len(ruleset.segments)} segments){checked}")


@app.command()
def customers(
    data: Path = typer.Argument(..., help="Transaction file.", show_default=False, readable=False),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="Write the customer view to .csv, .parquet or .json."
    ),
    map_: Optional[list[str]] = MapOption,
    as_of: Optional[str] = AsOfOption,
    date_format: Optional[str] = DateFormatOption,
    customers_file: Optional[Path] = CustomersFileOption,
) -> None:
    """Build the single customer view; write it with -o, or print a summary.

    Example: segtui customers sales.csv --map amount=DollarValue -o view.parquet
    """
    from segtui.export import check_not_input, check_output_path, write_frame
    from segtui.summary import print_dataset

    try:
        if output is not None:
            check_output_path(output)
            check_not_input(output, data)
        from segtui.dataset import load_dataset

        columns, as_of_date = _parse_map(map_), _parse_as_of(as_of)
        ds = _load(data.name, lambda: load_dataset(
            data, columns=columns, as_of=as_of_date, date_format=date_format, customers_file=customers_file
        ))
        if output is not None:
            write_frame(ds.view.frame, output)
    except SegtuiError as err:
        _fail(err)
    if output is not None:
        _say(_stderr(), f"wrote {_customers(ds.view.frame.height)} to {output}")
    else:
        print_dataset(_stdout(), ds)


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


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json", "csv"):
        raise typer.BadParameter(f"{fmt!r} is not one of table, json, csv", param_hint="--format")


def _rules_on_data(
    rules: Path, data: Optional[Path], map_: Optional[list[str]], as_of: Optional[str], date_format: Optional[str],
    customers_file: Optional[Path] = None,
) -> "tuple[RuleSet, Dataset, Evaluator]":
    """Read a rule file and its data, checked as `apply` checks them (else SegtuiError)."""
    from segtui.rulefile import read_rule_file

    ruleset, problems = read_rule_file(rules)
    if ruleset is None:
        raise RuleFileError(problems)
    ds = _load_for_rules(ruleset, data, map_, as_of, date_format, customers_file)
    return ruleset, ds, _checked_evaluator(ruleset, ds, rules, problems)


def _table_text(draw: "Callable[[Console], None]") -> str:
    console = _stdout()
    with console.capture() as captured:
        draw(console)
    return captured.get()


AnalysisRules = typer.Argument(..., help="Rule file (YAML).", show_default=False, readable=False)
AnalysisData = typer.Argument(None, help="Transaction file (default: data.path in the rule file).", readable=False)
FormatOption = typer.Option("table", "--format", "-f", help="Output format: table, json or csv.")


def _formatted(fmt: str, as_json: "Callable[[], str]", as_csv: "Callable[[], str]", draw: "Callable[[Console], None]") -> str:
    """The output of an analysis command in ``fmt`` (only that one is rendered)."""
    if fmt == "json":
        return as_json() + "\n"
    if fmt == "csv":
        return as_csv()
    return _table_text(draw)


@app.command()
def profile(
    rules: Path = AnalysisRules,
    data: Optional[Path] = AnalysisData,
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
    from segtui.analysis.report import print_profile, profile_csv, profile_json

    try:
        ruleset, ds, evaluator = _rules_on_data(rules, data, map_, as_of, date_format, customers_file)
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
    sys.stdout.write(out)


@app.command()
def breakdown(
    rules: Path = AnalysisRules,
    data: Optional[Path] = AnalysisData,
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
    from segtui.analysis.report import crosstab_csv, crosstab_json, print_crosstab

    try:
        ruleset, ds, evaluator = _rules_on_data(rules, data, map_, as_of, date_format, customers_file)
        table = crosstab(evaluator, ruleset, by, top=top)
        out = _formatted(
            fmt,
            lambda: crosstab_json(table, by=by, rules=rules, data=ds.transactions.source, as_of=ds.view.as_of),
            lambda: crosstab_csv(table),
            lambda console: print_crosstab(console, table, by=by),
        )
    except SegtuiError as err:
        _fail(err)
    sys.stdout.write(out)


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


@app.callback()
def _root(
    # metavar "": a flag takes no value, and Typer would otherwise print "--version <bool>"
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, metavar="", help="Show the version."),
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
    """
    commands = {*command_names(), OPEN_COMMAND}
    if argv and (argv[0] in commands or argv[0] in ("-h", "--help", "--version")):
        return argv
    return [OPEN_COMMAND, *argv]


def main() -> None:
    """Console-script entry point."""
    args = route_argv(sys.argv[1:])
    word = args[1] if len(args) > 1 and args[0] == OPEN_COMMAND else None
    if word is not None and not word.startswith("-") and not Path(word).exists():
        # Before Typer parses the rest: `segtui aply rules.yaml data.csv` would otherwise
        # be reported as "unexpected extra argument" of the app command.
        _error(unknown_word_message(word))
        sys.exit(2)
    app(args=args, prog_name="segtui")
