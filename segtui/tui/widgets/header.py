"""The one-line header: what file, how big, which dates, which rule set, saved or not."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from segtui.display import printable
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
    assign: str = ""
    unsaved: bool = False
    status: str = ""


#: Ways to save room, tried in order until the line fits; each step keeps the earlier
#: savings. Least useful first: a long "customers" word, the transaction count, the app's
#: own name, an "as of" that is just the default (the day after the last order). An "as
#: of" set on purpose changes every recency, so it outlives the date span.
_STEPS = ("short_customers", "no_transactions", "no_brand", "no_default_as_of", "no_dates", "no_as_of", "no_file", "no_customers")


class SegtuiHeader(Widget):
    """Facts about the loaded data and rule set, shortening and dropping the least useful
    parts when narrow (the date span survives at 80 columns).

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

    def _parts(self, savings: frozenset[str] = frozenset()) -> list[Text]:
        """The header's parts in display order, with the given ``_STEPS`` savings applied."""
        i = self.info
        parts: list[Text] = []
        if "no_brand" not in savings:
            parts.append(Text("segtui", style="bold"))
        if i.file and "no_file" not in savings:
            parts.append(Text(printable(i.file), style="bold"))
        if i.status:
            parts.append(Text(printable(i.status), style="italic"))
        if i.transactions is not None and "no_transactions" not in savings:
            parts.append(Text(f"{fmt_count(i.transactions)} tx"))
        if i.customers is not None and "no_customers" not in savings:
            word = "cust" if "short_customers" in savings else "customers"
            parts.append(Text(f"{fmt_count(i.customers)} {word}"))
        if i.first_date and i.last_date and "no_dates" not in savings:
            parts.append(Text(f"{i.first_date} → {i.last_date}"))
        default_as_of = i.last_date is not None and i.as_of == i.last_date + timedelta(days=1)
        if i.as_of and "no_as_of" not in savings and not (default_as_of and "no_default_as_of" in savings):
            parts.append(Text(f"as of {i.as_of}"))
        if i.ruleset:
            name = Text(printable(i.ruleset), style="bold")
            if i.assign == "overlap":
                # Counts then overlap and do not add up: as vital as the name, never dropped.
                name.append(" (overlap)", style="italic")
            if i.unsaved:
                name.append(" ●", style="bold yellow")
            parts.append(name)
        return parts

    def line(self, width: int) -> Text:
        """The header as it is drawn ``width`` cells wide."""
        savings: set[str] = set()
        for step in (None, *_STEPS):
            if step:
                savings.add(step)
            line = Text(" ") + Text(SEP, style="dim").join(self._parts(frozenset(savings)))
            if line.cell_len <= width:
                return line
        return line

    def render(self) -> Text:
        return self.line(self.size.width)
