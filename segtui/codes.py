"""Small-integer codes of the customer view's few-valued text columns.

Rules compare text columns with values (``lifecycle = 'New'``, ``country IN ('UK', 'FR')``)
more than anything else. On a String column each comparison reads 16 bytes per customer
(1 ms at 1M customers); on a UInt8 code it reads one (0.06 ms). The app makes the codes
once per file it opens (60 ms at 1M customers for eight columns) and its evaluator answers
those comparisons from them on every toggle and edit; the view keeps its String columns.
One-shot commands (``apply``, ``validate``) evaluate once and do without: there the codes
would cost more than they save.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

__all__ = ["TextCodes", "text_codes"]

#: Most distinct values a column may have to be coded (the codes are UInt8).
MAX_VALUES = 255
#: The values are taken from this many first customers; a column with others is not coded.
_SAMPLE = 10_000


@dataclass(frozen=True)
class TextCodes:
    """One text column as codes: ``codes`` (UInt8, null where the text is null) and the
    code of each value."""

    codes: pl.Series
    values: dict[str, int]

    def equals(self, value: str) -> pl.Series | None:
        """Customers whose text is ``value`` (no nulls); None when no customer has it.

        Examples
        --------
        >>> coded = text_codes(pl.DataFrame({"tier": ["gold", None, "tin"]}))["tier"]
        >>> coded.equals("gold").to_list(), coded.equals("silver")
        ([True, False, False], None)
        """
        code = self.values.get(value)
        if code is None:
            return None
        return (self.codes == code).fill_null(False)


def text_codes(frame: pl.DataFrame, skip: tuple[str, ...] = ("customer_id",)) -> dict[str, TextCodes]:
    """Codes of every String column of ``frame`` with at most ``MAX_VALUES`` values.

    The values come from the first customers, and a column whose other customers hold
    another value is left out (cheaper than finding every column's values first: a text
    column with few values shows them all early).

    Examples
    --------
    >>> view = pl.DataFrame({"customer_id": ["a", "b"], "lifecycle": ["New", "Churned"], "orders": [1, 2]})
    >>> coded = text_codes(view)
    >>> list(coded), coded["lifecycle"].values
    (['lifecycle'], {'Churned': 0, 'New': 1})
    """
    names = [name for name, dtype in frame.schema.items() if dtype == pl.String and name not in skip]
    if not names or frame.height == 0:
        return {}
    found = frame.head(_SAMPLE).select(pl.col(name).drop_nulls().unique().implode() for name in names).row(0)
    domains = {name: sorted(values) for name, values in zip(names, found) if 0 < len(values) <= MAX_VALUES}
    if not domains:
        return {}
    coded = frame.select(
        pl.col(name).cast(pl.Enum(values), strict=False).to_physical() for name, values in domains.items()
    )
    return {
        name: TextCodes(coded[name], {value: code for code, value in enumerate(values)})
        for name, values in domains.items()
        # a value outside the sample became null: the codes would miss those customers
        if coded[name].null_count() == frame[name].null_count()
    }
