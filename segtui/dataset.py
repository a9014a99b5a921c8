"""Load a transaction file and build its customer view: the one entry point the CLI and TUI share."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from segtui.customers import CustomerView, Lifecycle, build_customers
from segtui.errors import SegtuiError
from segtui.occasions import occasion_columns
from segtui.progress import BUILDING, Progress, reading
from segtui.read.customer_file import join_customer_file
from segtui.read.transactions import Transactions, read_transactions
from segtui.rules import DataSpec, RuleSet

__all__ = ["Dataset", "load_dataset", "load_dataset_for_rules", "data_spec_for"]


@dataclass
class Dataset:
    """A loaded file: its transactions (lazy) and its built customer view."""

    transactions: Transactions
    view: CustomerView

    @property
    def notices(self) -> list[str]:
        """What the user should know about this load: loader notices, then view notices."""
        return [*self.transactions.notices, *self.view.notices]


def load_dataset(
    path: str | Path,
    *,
    columns: dict[str, str] | None = None,
    as_of: date | None = None,
    date_format: str | None = None,
    lifecycle: Lifecycle = Lifecycle(),
    as_of_source: str = "--as-of",
    engine: str = "polars",
    customers_file: str | Path | None = None,
    occasions: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Read ``path`` and build its single customer view (``as_of_source`` names where ``as_of`` came from).

    ``progress`` hears each stage (reading the file, building the view) and may cancel
    the load between them.

    Examples
    --------
    >>> from segtui.resources import SAMPLE_FILE
    >>> ds = load_dataset(SAMPLE_FILE)
    >>> ds.view.frame.height, ds.transactions.mapping["amount"], ds.view.as_of.isoformat()
    (3000, 'amount', '2026-01-01')
    """
    progress = progress or Progress()
    progress.stage(reading(path))
    if engine == "polars":
        tx = read_transactions(path, columns=columns, date_format=date_format)
        progress.stage(BUILDING)
        view = build_customers(tx, as_of=as_of, lifecycle=lifecycle, as_of_source=as_of_source)
    else:  # the same view, read and built by DuckDB or Spark (segtui[duckdb], segtui[spark])
        progress.stage(BUILDING)  # the engine reads the file as it builds
        from segtui.sql.engines import engine_dataset

        tx, view = engine_dataset(path, columns=columns, date_format=date_format, engine=engine, as_of=as_of,
                                  lifecycle=lifecycle, as_of_source=as_of_source)
    # occasion windows and a customers file add columns the same way on every engine
    if occasions:
        view = replace(view, frame=occasion_columns(tx.frame, view.frame, occasions, view.as_of))
    if customers_file is not None:
        # attributes from a second file (a CRM export), usable in rules like any other
        progress.stage(reading(customers_file))
        frame, notices = join_customer_file(view.frame, customers_file)
        added = [c for c in frame.columns if c not in view.frame.columns]
        view = replace(view, frame=frame, notices=[*view.notices, *notices], attributes=[*view.attributes, *added])
    return Dataset(transactions=tx, view=view)


def load_dataset_for_rules(
    ruleset: RuleSet,
    data_path: str | Path | None = None,
    *,
    columns: dict[str, str] | None = None,
    as_of: date | None = None,
    date_format: str | None = None,
    default_path: str | Path | None = None,
    engine: str = "polars",
    customers_file: str | Path | None = None,
    as_of_option: str = "--as-of",
    progress: Progress | None = None,
) -> Dataset:
    """Load the data a rule set runs on, with its lifecycle windows (``progress``: see ``load_dataset``).

    Values given here (the command line) win over the rule file's ``data:`` section;
    without a path from either, ``default_path`` is used, else ``SegtuiError``. The CLI
    and the TUI both call this, so a rule file means the same data in both.
    ``as_of_option`` names the option that gave ``as_of`` in errors (``migrate`` takes ``--to``).

    Examples
    --------
    >>> from segtui.resources import SAMPLE_FILE
    >>> ds = load_dataset_for_rules(RuleSet(data=DataSpec(path=str(SAMPLE_FILE))))
    >>> ds.transactions.source.name
    'transactions.csv'
    >>> load_dataset_for_rules(RuleSet())
    Traceback (most recent call last):
    ...
    segtui.errors.SegtuiError: no data file: pass DATA or set data.path in the rule file
    """
    given = DataSpec(
        path=str(data_path) if data_path else None, columns=dict(columns or {}), as_of=as_of, date_format=date_format,
        customers_file=str(customers_file) if customers_file else None,
    )
    spec = data_spec_for(ruleset, given, default_path)
    if spec.path is None:
        raise SegtuiError("no data file: pass DATA or set data.path in the rule file", title="No data")
    return load_dataset(
        spec.path,
        columns=spec.columns or None,
        as_of=spec.as_of,
        date_format=spec.date_format,
        lifecycle=ruleset.lifecycle,
        engine=engine,
        # an as-of date the user did not type names the file that set it
        as_of_source=as_of_option if as_of else f"{ruleset.source + ': ' if ruleset.source else ''}data.as_of",
        customers_file=spec.customers_file,
        occasions=ruleset.occasions,
        progress=progress,
    )


def data_spec_for(ruleset: RuleSet, given: DataSpec, default_path: str | Path | None = None) -> DataSpec:
    """The data a rule set runs on: values ``given`` (the command line) over its ``data:`` section.

    This is what ``load_dataset_for_rules`` reads, and what the TUI records in a saved
    rule file so that ``segtui apply`` on it reads the same data the same way.

    Examples
    --------
    >>> rs = RuleSet(data=DataSpec(path="a.csv", columns={"amount": "Total"}))
    >>> data_spec_for(rs, DataSpec(path="b.csv", columns={"order_date": "Day"}))
    DataSpec(path='b.csv', columns={'amount': 'Total', 'order_date': 'Day'}, as_of=None, date_format=None, customers_file=None)
    """
    spec = ruleset.data or DataSpec()
    path = given.path or spec.path or default_path
    return DataSpec(
        path=str(path) if path is not None else None,
        columns={**spec.columns, **given.columns},
        as_of=given.as_of or spec.as_of,
        date_format=given.date_format or spec.date_format,
        customers_file=given.customers_file or spec.customers_file,
    )
