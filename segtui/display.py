"""User text made safe to show on a terminal (used by the CLI and the TUI alike).

Segment, rule-set, file and column names come from files other people wrote. An escape
sequence inside one, written raw, is obeyed by the terminal: a shared rule file could
retitle the window, clear the screen or hide the lines around it. ``printable`` shows such
characters as escapes instead; everything a person would type comes through unchanged.
"""

from __future__ import annotations

import unicodedata

__all__ = ["printable", "printable_lines"]

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: Format characters that reorder or hide text (bidirectional overrides and isolates).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unsafe(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` as a string with control characters shown as escapes (``\\x1b``, ``\\n``).

    C0/C1 controls, DEL, line/paragraph separators and bidirectional overrides are
    escaped; letters, accents, symbols, emoji and ordinary spaces are kept.

    Parameters
    ----------
    text
        Any value; non-strings are converted with ``str`` first.

    Returns
    -------
    str
        One line of text that the terminal only displays.

    Examples
    --------
    >>> printable("VIP \\x1b]0;owned\\x07")
    'VIP \\\\x1b]0;owned\\\\x07'
    >>> printable("Straße\\ttab")
    'Straße\\\\ttab'
    >>> printable("Café ☕ [x]")
    'Café ☕ [x]'
    """
    text = str(text)
    if text.isprintable():  # the common case costs one C-level scan
        return text
    return "".join(_escape(c) if _unsafe(c) else c for c in text)


def printable_lines(text: object) -> str:
    """``text`` with each line made ``printable``, its line breaks kept.

    For messages that are several lines on purpose (every problem of a rule file, one per
    line), where an escaped ``\\n`` would run them together.

    Examples
    --------
    >>> print(printable_lines("a.yaml: rule 1\\nb \\x1b[2J"))
    a.yaml: rule 1
    b \\x1b[2J
    """
    return "\n".join(printable(line) for line in str(text).split("\n"))
