"""A second file of customer attributes (a CRM export: age, gender, city, interests).

Joined onto the customer view by customer id, so its columns work in rules like any
attribute. The id column is found the way the transactions' is (names such as
``Customer ID``, ``client_id``, ``email``); every other column becomes an attribute under
a snake_case name that shadows neither a metric nor a column the view already has
(``country`` from both files: the second is ``country_2``, with a notice). Ids are compared
as stripped text, so ``00042`` in one file and ``00042`` in the other meet.

Notices say how many of the view's customers the file has no row for (their attributes
are null), how many of the file's ids have no transactions (left out), rows without an id
and ids given twice (the first row is kept).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from segtui.errors import SegtuiError
from segtui.read.columns import text_id
from segtui.read.formats import format_of, open_scanner
from segtui.read.mapping import attribute_names, synonym_rank

__all__ = ["join_customer_file"]

_INFER_ROWS = 10_000


def _id_column(names: list[str], path: Path) -> str:
    ranked = sorted((rank, i, name) for i, name in enumerate(names) if (rank := synonym_rank("customer_id", name)) is not None)
    if not ranked:
        raise SegtuiError(
            f"{path}: no customer id column (columns: {', '.join(names[:10])}); name it customer_id",
            title="Cannot load customers file",
        )
    return ranked[0][2]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def join_customer_file(view: pl.DataFrame, path: str | Path) -> tuple[pl.DataFrame, list[str]]:
    """``view`` with the attributes of the customers file at ``path`` joined on, and notices.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "crm.csv"
    >>> _ = p.write_text("Customer ID,Age,Country\\n007,34,FR\\n008,51,DE\\n")
    >>> view = pl.DataFrame({"customer_id": ["007", "009"], "orders": [2, 1], "country": ["UK", "UK"]})
    >>> joined, notices = join_customer_file(view, p)
    >>> joined.rows()
    [('007', 2, 'UK', 34, 'FR'), ('009', 1, 'UK', None, None)]
    >>> joined.columns[-2:], notices[0]
    (['age', 'country_2'], 'crm.csv: column "Country" is country_2 (the view already has country)')
    """
    path = Path(path)
    if not path.is_file():
        raise SegtuiError(f"{path}: no such file (the customers file)", title="Cannot load customers file")
    kind, gz = format_of(path)
    notices: list[str] = []
    scan = open_scanner(path, kind, gz, notices, infer_rows=_INFER_ROWS)
    names = scan(None).collect_schema().names()
    id_column = _id_column(names, path)
    try:
        # the id stays text (00042 must not become 42); the attributes get their types
        frame = scan({id_column: pl.String}).collect()
    except Exception as exc:  # noqa: BLE001 - any reader failure is the file's problem
        raise SegtuiError(f"{path}: cannot read the customers file: {str(exc).splitlines()[0]}", title="Cannot load customers file") from exc
    others = [c for c in frame.columns if c != id_column]
    renamed = attribute_names(others)
    taken = set(view.columns)
    for column, name in list(renamed.items()):
        base, n = name, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        if name != renamed[column]:
            notices.append(f'column "{column}" is {name} (the view already has {base})')
        renamed[column] = name
        taken.add(name)
    ids = text_id(id_column, frame.schema[id_column], frame[id_column].head(1000)).alias("customer_id")
    attrs = frame.select(ids, *(pl.col(c).alias(renamed[c]) for c in others))
    blank = attrs["customer_id"].null_count()
    if blank:
        notices.append(f"left out {_plural(blank, 'row')} with no customer id")
    attrs = attrs.drop_nulls("customer_id")
    twice = attrs.height - attrs["customer_id"].n_unique()
    if twice:
        notices.append(f"{_plural(twice, 'row')} repeat a customer id: the first row of each id is used")
        attrs = attrs.unique("customer_id", keep="first", maintain_order=True)
    key = view["customer_id"].cast(pl.String)
    missing = int((~key.is_in(attrs["customer_id"].implode())).sum())
    unknown = int((~attrs["customer_id"].is_in(key.implode())).sum())
    if missing:
        notices.append(f"{_plural(missing, 'customer')} of the transactions have no row here (their attributes are empty)")
    if unknown:
        notices.append(f"{_plural(unknown, 'customer id')} here have no transactions and are left out")
    joined = view.with_columns(key.alias("_key")).join(
        attrs.rename({"customer_id": "_key"}), on="_key", how="left", maintain_order="left"
    ).drop("_key")
    return joined, [f"{path.name}: {notice}" for notice in notices]
