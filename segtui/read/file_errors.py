"""One-line errors about a transaction file, shared by every loader module.

Owns the shape of a load error ("sales.csv: <what is wrong>; <the fix>", titled
"Cannot load data") and the guard that turns whatever Polars, fastexcel or the OS
raise while reading into such an error.  It lives apart from ``io.py`` so that the
format, date and number modules report problems in exactly the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from segtui.errors import SegtuiError, first_line

__all__ = ["TITLE", "EMPTY_FILE", "shorten", "fail", "reading", "columns_list"]

#: Dialog heading for every load error.
TITLE = "Cannot load data"
#: Message for a file with no bytes (or only whitespace) in it.
EMPTY_FILE = "the file is empty; export the transactions again"


#: Longest value (quoted text) shown in a message; longer ones are cut with "…".
VALUE_CHARS = 80
#: Longest unquoted run of non-space characters (a path, an exception's text).
WORD_CHARS = 200
#: Columns listed in a message before "… and N more".
LISTED_COLUMNS = 20
_QUOTED = re.compile(r"'[^'\n]{%d,}'|\"[^\"\n]{%d,}\"" % (VALUE_CHARS + 1, VALUE_CHARS + 1))
_WORD = re.compile(r"\S{%d,}" % (WORD_CHARS + 1))


def shorten(message: str) -> str:
    """Cut long values in a message, so a 50 MB cell cannot make a 50 MB error line.

    Examples
    --------
    >>> shorten("bad value '" + "9" * 100 + "' (row 2)").replace("9" * 70, "9…9")
    "bad value '9…9999999999…' (row 2)"
    """
    def cut(match: re.Match[str]) -> str:
        text = match.group(0)
        if text[0] in "'\"":
            return text[:VALUE_CHARS] + "…" + text[-1]
        return text[:WORD_CHARS] + "…"

    return _WORD.sub(cut, _QUOTED.sub(cut, message))


def fail(path: Path, message: str) -> SegtuiError:
    """A load error naming the file.

    Parameters
    ----------
    path
        The file being read; only its name is shown.
    message
        What is wrong and, where possible, the fix.

    Returns
    -------
    SegtuiError
        To be raised by the caller.

    Examples
    --------
    >>> str(fail(Path("/data/sales.csv"), "no customer id column found"))
    'sales.csv: no customer id column found'
    """
    return SegtuiError(shorten(f"{path.name}: {message}"), title=TITLE)


@contextmanager
def reading(path: Path, what: str) -> Iterator[None]:
    """Turn any library/OS exception raised while reading into a one-line SegtuiError.

    Reading goes through Polars, fastexcel and the OS, each with its own exception
    types; for the user they all mean "this file cannot be read".  ``SegtuiError``
    and ``MemoryError`` pass through unchanged.

    Parameters
    ----------
    path
        The file being read.
    what
        The start of the message, e.g. ``"cannot read it as a CSV file"``; the
        first line of the original exception follows it.

    Examples
    --------
    >>> try:
    ...     with reading(Path("t.csv"), "cannot read the file"):
    ...         raise OSError("disk on fire\\nmore detail")
    ... except SegtuiError as exc:
    ...     print(exc)
    t.csv: cannot read the file: disk on fire
    """
    try:
        yield
    except SegtuiError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - see docstring
        raise fail(path, f"{what}: {first_line(exc)}") from exc


def columns_list(names: list[str]) -> str:
    """Column names as shown in messages: the first ``LISTED_COLUMNS``, then how many more.

    Examples
    --------
    >>> columns_list(["id", "Date"])
    "'id', 'Date'"
    >>> columns_list([f"c{i}" for i in range(22)])[-19:]
    "'c19', … and 2 more"
    """
    shown = ", ".join(repr(n) for n in names[:LISTED_COLUMNS])
    more = len(names) - LISTED_COLUMNS
    return f"{shown}, … and {more:,} more" if more > 0 else shown
