"""The one-line header: what file, how big, which dates, which rule set, saved or not."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from segtui.tui.format import fmt_count

__all__ = ["HeaderInfo", "SegtuiHeader"]

SEP = " │ "


@dataclass(frozen=True)
class HeaderInfo:
    """Everything the header shows; ``None`` parts are left out."""

    file: str = ""
    transactions: int | None = None
    customers: int | None = None
    first_date: date | None = None
    last_date: date | None = None
    as_of: date | None = None
    ruleset: str = ""
    unsaved: bool = False
    status: str = ""


class SegtuiHeader(Widget):
    """Facts about the loaded data and rule set, dropping the least useful when narrow.

    The rule set name and the unsaved marker (●) always stay: losing work silently
    is the one thing the header must never hide.
    """

    DEFAULT_CSS = """
    SegtuiHeader { height: 1; background: $panel; color: $foreground; }
    """

    info: reactive[HeaderInfo] = reactive(HeaderInfo, layout=False)

    def update(self, **changes: object) -> None:
        """Change some parts of the header (keyword names as in ``HeaderInfo``)."""
        self.info = replace(self.info, **changes)

    def _parts(self) -> list[tuple[int, Text]]:
        """(priority, text) pairs in display order; lower priority numbers survive longer."""
        i = self.info
        parts: list[tuple[int, Text]] = [(0, Text(" segtui", style="bold"))]
        if i.file:
            parts.append((1, Text(i.file, style="bold")))
        if i.status:
            parts.append((0, Text(i.status, style="italic")))
        if i.transactions is not None:
            parts.append((4, Text(f"{fmt_count(i.transactions)} tx")))
        if i.customers is not None:
            parts.append((2, Text(f"{fmt_count(i.customers)} customers")))
        if i.first_date and i.last_date:
            parts.append((5, Text(f"{i.first_date} → {i.last_date}")))
        if i.as_of:
            parts.append((3, Text(f"as of {i.as_of}")))
        if i.ruleset:
            name = Text(i.ruleset, style="bold")
            if i.unsaved:
                name.append(" ●", style="bold yellow")
            parts.append((0, name))
        return parts

    def render(self) -> Text:
        parts = self._parts()
        width = self.size.width
        # Drop the lowest-priority parts until the line fits.
        for cutoff in range(6, 0, -1):
            kept = [text for prio, text in parts if prio < cutoff]
            line = Text(SEP, style="dim").join(kept)
            if line.cell_len <= width:
                return line
        return line
