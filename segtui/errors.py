"""The one error type segtui raises for anything a user can fix.

The CLI prints it as a one-line message on stderr and exits 1; the TUI shows
it in a notification or modal.  Anything else escaping the core is a bug.
"""

from __future__ import annotations


class SegtuiError(Exception):
    """A problem with the user's input (file, column, rule, option).

    Parameters
    ----------
    message
        One line that names the file/row/column/rule and, where possible, the fix.
    title
        Short heading for dialogs ("Cannot load data", "Bad rule file", ...).

    Examples
    --------
    >>> err = SegtuiError("sales.csv: no customer id column found", title="Cannot load data")
    >>> str(err)
    'sales.csv: no customer id column found'
    """

    def __init__(self, message: str, title: str = "Error") -> None:
        super().__init__(message)
        self.message = message
        self.title = title


class RuleFileError(SegtuiError):
    """A rule file (or an edited rule set) has one or more problems.

    ``problems`` holds every problem found, one line each, so that a user sees
    them all at once rather than fixing them one run at a time.
    """

    def __init__(self, problems: list[str], title: str = "Bad rule set") -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems), title=title)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, for a one-line error.

    Polars appends plans and hints on further lines; an empty message (where
    ``str(exc).splitlines()[0]`` would raise IndexError) falls back to the type name.

    Examples
    --------
    >>> first_line(ValueError("bad value\\n\\nResolved plan: ...")), first_line(KeyError())
    ('bad value', 'KeyError')
    """
    text = str(exc).strip().splitlines()
    return text[0].strip() if text else type(exc).__name__
