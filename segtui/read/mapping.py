"""Column roles and their auto-detection from a file's column names and dtypes.

A transaction export names its columns however its system likes ("Customer ID",
"CustomerID", "client_id", ...).  This module decides which source column plays
which canonical role, lets the user override any decision (``--map role=COLUMN``
on the command line, ``data.columns`` in a rule file), and turns every other
column into a snake_case attribute name that a SQL rule can refer to.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

import polars as pl

from segtui.errors import SegtuiError
from segtui.read.file_errors import columns_list, shorten
from segtui.names import CANONICAL_COLUMNS, METRIC_COLUMNS

__all__ = [
    "ROLES",
    "SYNONYMS",
    "CANONICAL_COLUMNS",
    "RESERVED_NAMES",
    "match_key",
    "normalize_name",
    "detect_roles",
    "resolve_column",
    "parse_map_options",
    "attribute_names",
    "looks_numeric",
    "synonym_rank",
    "numeric_looking",
    "can_play",
]

#: Every role a source column can play, in the order they are detected.
ROLES: tuple[str, ...] = (
    "customer_id",
    "order_id",
    "order_date",
    "amount",
    "quantity",
    "unit_price",
    "discount",
    "product",
    "category",
    "channel",
)

#: Source names per role, best first.  Compared after ``match_key``, so
#: "Customer ID", "customer_id" and "customer-id" are all "customerid".
SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customer_id", "customerid", "customer", "customer_number", "customer_no",
        "customer_code", "customer_key", "cust_id", "custid", "cust_no", "client_id",
        "clientid", "client", "user_id", "userid", "user", "member_id", "memberid",
        "member", "account_id", "account", "buyer_id", "shopper_id", "contact_id",
        "person_id", "email", "email_address", "customer_email",
    ),
    "order_id": (
        "order_id", "orderid", "invoice", "invoiceno", "invoice_no", "invoice_number",
        "invoice_id", "order", "order_no", "order_number", "ordernumber",
        "transaction_id", "transactionid", "transaction", "transaction_no",
        "receipt_id", "receipt", "receipt_no", "basket_id", "ticket_id", "sale_id",
        "purchase_id",
    ),
    "order_date": (
        "order_date", "orderdate", "invoicedate", "invoice_date", "transaction_date",
        "purchase_date", "sale_date", "sales_date", "order_datetime", "order_time",
        "date", "datetime", "created_at", "createdat", "created", "timestamp", "ts",
        "time", "transaction_time", "purchased_at", "ordered_at", "order_timestamp",
        "day",
    ),
    "amount": (
        "amount", "dollar_value", "dollarvalue", "revenue", "total", "sales",
        "sales_amount", "sale_amount", "net_amount", "net_sales", "net_revenue",
        "order_total", "order_value", "line_total", "line_amount", "total_amount",
        "total_price", "totalprice", "gross_amount", "value", "spend", "turnover",
        "transaction_amount", "purchase_amount", "payment", "paid", "price_total",
        "subtotal",
    ),
    "quantity": (
        "quantity", "qty", "units", "unit_count", "items", "item_count", "cds",
        "count", "number_of_items", "num_items", "pieces", "volume",
    ),
    "unit_price": (
        "unit_price", "unitprice", "price", "price_each", "item_price", "unit_cost",
        "price_per_unit", "list_price", "sale_price", "selling_price",
    ),
    "discount": (
        "discount", "discount_amount", "discountamount", "discount_value",
        "discount_applied", "discounted", "coupon", "coupon_code", "coupon_used",
        "promo", "promo_code", "promocode", "promotion", "promotion_code", "voucher",
        "voucher_code", "markdown",
    ),
    "product": (
        "product", "product_id", "productid", "stockcode", "stock_code", "sku",
        "item", "item_id", "itemid", "article", "article_id", "product_code",
        "product_name", "item_code", "ean", "upc", "asin",
    ),
    "category": (
        "category", "product_category", "productcategory", "category_name",
        "department", "dept", "product_type", "producttype", "product_group",
        "family", "segment_category", "subcategory", "class",
    ),
    "channel": (
        "channel", "sales_channel", "saleschannel", "source", "store_type",
        "order_channel", "platform", "medium", "utm_source", "origin", "store",
    ),
}

# An attribute must not shadow a canonical or customer-view name, or a rule like
# `orders >= 3` would become ambiguous; "segment" is the column `apply -o` adds.
#: Names an attribute column may not take (it gets an ``_attr`` suffix instead).
RESERVED_NAMES: frozenset[str] = frozenset((*CANONICAL_COLUMNS, *METRIC_COLUMNS, "segment"))

_NUMERIC_ROLES = frozenset({"amount", "quantity", "unit_price"})
_ID_ROLES = frozenset({"customer_id", "order_id"})

# A money-looking string: optional sign/parentheses/currency, digits with optional
# thousands separators and decimals.  Used to accept String columns for numeric roles.
_NUMERIC_LOOKING = (
    r"^\s*[-+(]?\s*(?:[$€£¥]|[A-Za-z]{3})?\s*[-+]?\d[\d,.\s']*\)?\s*(?:[$€£¥]|[A-Za-z]{3})?\s*$"
)


def match_key(name: str) -> str:
    """Key used to compare a column name with the synonym lists.

    Case, spaces, underscores, hyphens and dots are ignored.

    Examples
    --------
    >>> match_key("Customer ID")
    'customerid'
    >>> match_key("invoice-date")
    'invoicedate'
    """
    return re.sub(r"[\s_\-.]+", "", name.strip().lstrip("\ufeff").lower())


_SYNONYM_RANK: dict[str, dict[str, int]] = {
    role: {match_key(name): rank for rank, name in reversed(list(enumerate(names)))}
    for role, names in SYNONYMS.items()
}

# Counts of the things a line sells ("number_of_cds", "num_units", "tickets_count"): too
# many combinations for the synonym list.  Orders or customers are not things sold.
_SOLD = r"(items?|units?|cds?|dvds?|pieces?|pcs|articles?|products?|books?|tickets?|bottles?|packs?|boxes|copies|seats?)"
_COUNT_NAME = re.compile(
    rf"^(numberof|numof|num|noof|nbof|nb|n|countof|count|total){_SOLD}$"
    rf"|^{_SOLD}(count|qty|sold|bought|purchased|ordered)$"
    r"|^(items|units|cds|dvds|pieces|pcs|books|tickets|bottles|copies)$"
)


def synonym_rank(role: str, column: str) -> int | None:
    """Rank of a column name among a role's synonyms (lower is better), None if it is not one.

    Examples
    --------
    >>> synonym_rank("quantity", "Number of CDs") == len(SYNONYMS["quantity"])
    True
    >>> synonym_rank("quantity", "number_of_orders") is None
    True
    """
    key = match_key(column)
    rank = _SYNONYM_RANK[role].get(key)
    if rank is None and role == "quantity" and _COUNT_NAME.match(key):
        return len(SYNONYMS["quantity"])
    return rank


# Letters NFKD cannot split into an ASCII base letter plus an accent.
_NO_DECOMPOSITION = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l",
     "Ł": "L", "đ": "d", "Đ": "D", "þ": "th"}
)


def normalize_name(name: str) -> str:
    """Turn a column name into a snake_case identifier usable in a SQL rule.

    Parameters
    ----------
    name
        Any column name ("Customer Country", "DollarValue", "e-mail").

    Returns
    -------
    str
        Lower-case ASCII letters, digits and underscores, not starting with a digit.

    Examples
    --------
    >>> normalize_name("Customer Country")
    'customer_country'
    >>> normalize_name("InvoiceDate")
    'invoice_date'
    >>> normalize_name("2019 Sales (€)")
    'col_2019_sales'
    """
    text = name.strip().lstrip("\ufeff").translate(_NO_DECOMPOSITION)
    text = unicodedata.normalize("NFKD", text)
    text = text.encode("ascii", "ignore").decode("ascii")
    # camelCase / PascalCase boundaries: "InvoiceDate" -> "Invoice_Date", "HTTPCode" -> "HTTP_Code"
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    if not text:
        return "col"
    if text[0].isdigit():
        return f"col_{text}"
    return text


def looks_numeric(values: pl.Series) -> bool:
    """Whether every non-null value of a String series looks like a number or money.

    Examples
    --------
    >>> looks_numeric(pl.Series(["$1,234.00", "12,50", None]))
    True
    >>> looks_numeric(pl.Series(["12.5", "n/a"]))
    False
    """
    values = values.drop_nulls()
    if values.dtype != pl.String:
        return values.dtype.is_numeric() or values.dtype == pl.Boolean
    if values.len() == 0:
        return False
    return bool(values.str.contains(_NUMERIC_LOOKING).all())


def numeric_looking(values: pl.Series) -> pl.Series:
    """Per value of a String series: looks like a number or money (null stays null; blank too).

    Examples
    --------
    >>> numeric_looking(pl.Series(["$1,234.00", "n/a", None, " "])).to_list()
    [True, False, None, None]
    """
    text = pl.col("v").str.strip_chars()
    looks = pl.when(text.str.len_bytes() > 0).then(text.str.contains(_NUMERIC_LOOKING))
    return values.to_frame("v").select(looks).to_series()


def _share_numeric(values: pl.Series) -> float:
    values = values.drop_nulls()
    if values.dtype != pl.String or values.len() == 0:
        return 0.0
    return float(values.str.contains(_NUMERIC_LOOKING).mean() or 0.0)


def _dtype_rank(role: str, dtype: pl.DataType, sample: pl.Series | None) -> int | None:
    """How well a dtype fits a role: lower is better, None means it cannot play it."""
    if role in _NUMERIC_ROLES:
        if dtype.is_numeric():
            return 0
        if dtype != pl.String:
            return None
        if sample is None or looks_numeric(sample):
            return 1
        # Mostly numbers with a stray bad value: still the amount, so that loading
        # reports the bad value instead of "no amount column".
        return 2 if _share_numeric(sample) >= 0.5 else None
    if role == "order_date":
        if dtype.is_temporal() and dtype != pl.Time and dtype != pl.Duration:
            return 0
        if dtype == pl.String or dtype.is_integer():
            return 1
        return None
    if role in _ID_ROLES:
        if dtype == pl.String or dtype.is_integer():
            return 0
        if dtype.is_float():
            return 1
        return None
    if role == "discount":
        return 0 if (dtype.is_numeric() or dtype in (pl.Boolean, pl.String)) else None
    # product / category / channel: anything printable
    return 0 if not isinstance(dtype, (pl.List, pl.Struct, pl.Array)) else None


def can_play(role: str, dtype: pl.DataType) -> bool:
    """Whether a column of this dtype can play the role at all (values aside).

    Examples
    --------
    >>> can_play("order_date", pl.Duration("us")), can_play("amount", pl.String)
    (False, True)
    """
    return _dtype_rank(role, dtype, None) is not None


def resolve_column(name: str, columns: Iterable[str], *, where: str = "") -> str:
    """Find the source column a user named: exactly, else by ``match_key``.

    Raises
    ------
    SegtuiError
        When no column (or more than one loosely) matches; the message lists the columns.

    Examples
    --------
    >>> resolve_column("customer id", ["Customer ID", "Date"])
    'Customer ID'
    """
    columns = list(columns)
    if name in columns:
        return name
    loose = [c for c in columns if match_key(c) == match_key(name)]
    if len(loose) == 1:
        return loose[0]
    prefix = f"{where}: " if where else ""
    raise SegtuiError(
        shorten(f"{prefix}no column named {name!r}; the columns found are: {columns_list(columns)}"),
        title="Cannot load data",
    )


def detect_roles(
    schema: Mapping[str, pl.DataType],
    overrides: Mapping[str, str] | None = None,
    *,
    sample: pl.DataFrame | None = None,
    where: str = "",
) -> dict[str, str]:
    """Decide which source column plays each role.

    Parameters
    ----------
    schema
        Column name -> dtype of the source (a ``pl.Schema`` works).
    overrides
        role -> column name chosen by the user; these always win.
    sample
        Optional first rows of the source.  When given, a String column only
        counts as numeric (amount, quantity, unit_price) if its values look numeric.
    where
        File name used to prefix error messages.

    Returns
    -------
    dict[str, str]
        role -> source column, for each role found (required roles may be missing;
        the caller decides what is fatal).

    Examples
    --------
    >>> detect_roles({"Customer ID": pl.String, "InvoiceDate": pl.String, "Price": pl.Float64})
    {'customer_id': 'Customer ID', 'order_date': 'InvoiceDate', 'unit_price': 'Price'}
    >>> detect_roles({"CustomerID": pl.Int64, "Total": pl.String, "Amount": pl.Float64})
    {'customer_id': 'CustomerID', 'amount': 'Amount'}
    """
    overrides = dict(overrides or {})
    names = list(schema)
    chosen: dict[str, str] = {}
    for role, column in overrides.items():
        if role not in ROLES:
            raise SegtuiError(
                f"{where + ': ' if where else ''}unknown column role {role!r}; "
                f"roles are: {', '.join(ROLES)}",
                title="Cannot load data",
            )
        source = resolve_column(column, names, where=where)
        if source in chosen.values():
            other = next(r for r, c in chosen.items() if c == source)
            raise SegtuiError(
                f"{where + ': ' if where else ''}column {source!r} is mapped to both "
                f"{other} and {role}; map each role to its own column",
                title="Cannot load data",
            )
        chosen[role] = source

    taken = set(chosen.values())
    for role in ROLES:
        if role in chosen:
            continue
        best: tuple[int, int, int] | None = None
        best_column = None
        for position, column in enumerate(names):
            if column in taken:
                continue
            rank = synonym_rank(role, column)
            if rank is None:
                continue
            values = sample[column] if sample is not None and column in sample.columns else None
            fit = _dtype_rank(role, schema[column], values)
            if fit is None:
                continue
            key = (fit, rank, position)
            if best is None or key < best:
                best, best_column = key, column
        if best_column is None and role == "order_date":
            # No date-like name, but exactly one native date/datetime column: use it.
            temporal = [
                c for c in names
                if c not in taken
                and (schema[c] == pl.Date or isinstance(schema[c], pl.Datetime))
            ]
            if len(temporal) == 1:
                best_column = temporal[0]
        if best_column is not None:
            chosen[role] = best_column
            taken.add(best_column)
    return {role: chosen[role] for role in ROLES if role in chosen}


def parse_map_options(options: Iterable[str] | None) -> dict[str, str]:
    """Parse ``--map role=COLUMN`` options into a role -> column dict.

    Parameters
    ----------
    options
        Strings like ``"amount=DollarValue"`` or ``"customer_id=Customer ID"``.

    Raises
    ------
    SegtuiError
        On a missing ``=``, an empty role or column, an unknown role, or a role given twice.

    Examples
    --------
    >>> parse_map_options(["amount=DollarValue", "customer-id = Customer ID"])
    {'amount': 'DollarValue', 'customer_id': 'Customer ID'}
    """
    result: dict[str, str] = {}
    for option in options or ():
        role, sep, column = option.partition("=")
        role = role.strip().lower().replace("-", "_").replace(" ", "_")
        column = column.strip()
        if not sep or not role or not column:
            raise SegtuiError(
                f"--map {option!r}: expected role=COLUMN, e.g. --map amount=DollarValue",
                title="Bad option",
            )
        if role not in ROLES:
            raise SegtuiError(
                f"--map {option!r}: unknown role {role!r}; roles are: {', '.join(ROLES)}",
                title="Bad option",
            )
        if role in result:
            raise SegtuiError(
                f"--map {option!r}: role {role} is mapped twice; give it once",
                title="Bad option",
            )
        result[role] = column
    return result


def attribute_names(columns: Iterable[str]) -> dict[str, str]:
    """Give each attribute column a unique snake_case name that shadows nothing.

    Names that collide with a canonical column or a customer-view metric get an
    ``_attr`` suffix; names that collide with each other get ``_2``, ``_3``, ...

    Examples
    --------
    >>> attribute_names(["Country", "Orders", "country "])
    {'Country': 'country', 'Orders': 'orders_attr', 'country ': 'country_2'}
    """
    result: dict[str, str] = {}
    used: set[str] = set(RESERVED_NAMES)
    for column in columns:
        base = normalize_name(column)
        if base in RESERVED_NAMES:
            base = f"{base}_attr"
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name)
        result[column] = name
    return result
