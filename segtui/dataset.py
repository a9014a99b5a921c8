"""Load a transaction file and build its customer view: the one entry point the CLI and TUI share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from segtui.customers import CustomerView, Lifecycle, build_customers
from segtui.io import Transactions, read_transactions

__all__ = ["Dataset", "load_dataset"]


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
) -> Dataset:
    """Read ``path`` and build its single customer view.

    Examples
    --------
    >>> from segtui.resources import SAMPLE_FILE
    >>> ds = load_dataset(SAMPLE_FILE)
    >>> ds.view.frame.height, ds.transactions.mapping["amount"], ds.view.as_of.isoformat()
    (3000, 'amount', '2026-01-01')
    """
    tx = read_transactions(path, columns=columns, date_format=date_format)
    view = build_customers(tx, as_of=as_of, lifecycle=lifecycle)
    return Dataset(transactions=tx, view=view)
