"""Reading transaction files into a lazy frame with canonical column names.

Contract (relied on by ``customers.py``, the CLI and the TUI)
-------------------------------------------------------------
``read_transactions(path, columns=None, date_format=None) -> Transactions`` where
``Transactions.frame`` is a ``pl.LazyFrame`` with these columns:

=============  ==============  ==========================================================
column         dtype           meaning
=============  ==============  ==========================================================
customer_id    String          stripped; rows without one are dropped (with a notice)
order_id       String          source order id, or the row number when there is none
order_date     Datetime("us")  dates become midnight
amount         Float64         net line amount; negative for returns
is_return      Boolean         amount < 0, quantity < 0 or order id starting with "C"
quantity       Float64         only if mapped
unit_price     Float64         only if mapped
discount       Float64         only if mapped: an amount, or 1.0/0.0 for a flag/promo code
product        String          only if mapped
category       String          only if mapped
channel        String          only if mapped
<attributes>   as read         every other column, renamed to snake_case identifiers
=============  ==============  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from segtui.errors import SegtuiError

__all__ = ["Transactions", "read_transactions", "SegtuiError"]


@dataclass
class Transactions:
    """A loaded transaction file: the canonical lazy frame plus what we learnt."""

    frame: pl.LazyFrame
    source: Path
    #: role -> source column name, for every role that was mapped
    mapping: dict[str, str]
    #: canonical (snake_case) names of the attribute columns in ``frame``
    attributes: list[str] = field(default_factory=list)
    #: "amount" when discount holds money, "flag" when it is 1.0/0.0, None if absent
    discount_kind: Literal["amount", "flag"] | None = None
    #: one-line notices for the user ("dropped 12 rows with no customer id", ...)
    notices: list[str] = field(default_factory=list)


def read_transactions(
    path: str | Path,
    columns: dict[str, str] | None = None,
    date_format: str | None = None,
) -> Transactions:
    """Read a transaction file (CSV/TSV/.gz, Parquet, Excel, JSON/JSONL, Arrow IPC).

    Parameters
    ----------
    path
        The file to read; the format is chosen by extension.
    columns
        Role overrides, e.g. ``{"amount": "DollarValue"}``; other roles are detected.
    date_format
        A strftime format for the order date when auto-detection cannot decide.

    Raises
    ------
    SegtuiError
        For anything wrong with the file, with a one-line message naming the problem.
    """
    raise NotImplementedError
