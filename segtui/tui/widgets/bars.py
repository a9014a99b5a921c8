"""Share-of-customers / share-of-revenue bars for segments and breakdowns.

Both widgets draw the same table: name | customers | % | bar | revenue | % rev | bar.
Bars are on an absolute 0-100 % scale so that the customer bar and the revenue bar of a
row compare directly (5 % of customers bringing 40 % of revenue is the point of a VIP
segment); they adapt to the widget's width, dropping the revenue bar first when narrow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import polars as pl
from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.widget import Widget

from segtui.display import printable
from segtui.tui.format import fmt_count, fmt_money, fmt_pct
from segtui.tui.widgets.keys import KeysFollowTheActiveScreen

__all__ = ["bar", "share_lines", "rows_from_frame", "ShareRow", "ShareTable", "SegmentBars", "BreakdownView"]

_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"
_MIN_BAR = 5
_MAX_BAR = 40
_MAX_NAME = 24
_MIN_NAME = 10
_TINY_NAME = 4
#: Rows drawn dimmed: the remainder of first_match assignment and a breakdown's tail.
DIM_NAMES = frozenset({"Unassigned", "(other)", "(null)"})


def bar(fraction: float, width: int) -> str:
    """A horizontal bar of block characters, exactly ``width`` cells wide.

    Eighth blocks give sub-cell resolution. Any positive fraction shows at least one
    eighth, so a non-empty segment never looks empty; NaN and negatives draw nothing.

    Parameters
    ----------
    fraction
        Filled share, 0 to 1 (clamped).
    width
        Cells of the result, padded with spaces.

    Returns
    -------
    str

    Examples
    --------
    >>> bar(0.5, 4)
    '██  '
    >>> bar(0.25, 2)
    '▌ '
    >>> bar(1.0, 3)
    '███'
    """
    if width <= 0:
        return ""
    if not fraction > 0:  # also catches NaN
        return " " * width
    eighths = round(min(fraction, 1.0) * width * 8)
    full, rest = divmod(max(eighths, 1), 8)
    text = _FULL * full + (_EIGHTHS[rest] if rest else "")
    return text + " " * (width - len(text))


@dataclass(frozen=True)
class ShareRow:
    """One line of a share table (a segment or a breakdown value)."""

    name: str
    customers: int
    pct_customers: float
    revenue: float
    pct_revenue: float


@dataclass(frozen=True)
class _Layout:
    name: int
    customers: int
    revenue: int
    customer_bar: int
    revenue_bar: int


_PCT_WIDTH = 6  # "100.0%"
_HEADERS = ("Customers", "%", "Revenue", "% rev")


def _layout(rows: list[ShareRow], width: int, name_header: str) -> _Layout:
    """Column widths for ``width`` cells: numbers first, then names, then bars.

    Names get their full width (up to ``_MAX_NAME``) while both bars still fit at
    ``_MIN_BAR``; only then do they give way, down to ``_MIN_NAME``, so that a wide panel
    never shows "Discount …" beside a stub of a bar. Bars take whatever is left.
    """
    name = min(_MAX_NAME, max([len(printable(name_header))] + [len(printable(r.name)) for r in rows]))
    customers = max([len(_HEADERS[0])] + [len(fmt_count(r.customers)) for r in rows])
    revenue = max([len(_HEADERS[2])] + [len(fmt_money(r.revenue)) for r in rows])
    # Five text columns separated by single spaces.
    text = customers + _PCT_WIDTH + revenue + _PCT_WIDTH + 4
    spare = width - (name + 1 + text)
    both_bars = 2 * (_MIN_BAR + 1)
    if spare < both_bars and name > _MIN_NAME:
        give = min(name - _MIN_NAME, both_bars - spare)
        name -= give
        spare += give
    if spare >= both_bars:
        each = min(_MAX_BAR, (spare - 2) // 2)
        return _Layout(name, customers, revenue, each, each)
    if spare >= _MIN_BAR + 1:
        return _Layout(name, customers, revenue, min(_MAX_BAR, spare - 1), 0)
    # Too narrow even for the numbers: names shrink further; the line is cropped, never wrapped.
    return _Layout(max(_TINY_NAME, name + min(0, spare)), customers, revenue, 0, 0)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def share_lines(
    rows: list[ShareRow],
    width: int,
    *,
    name_header: str,
    styles: dict[str, Style] | None = None,
    highlight: str | None = None,
) -> list[Text]:
    """Render share rows (with a header line) as Rich Text lines fitting ``width`` cells.

    Parameters
    ----------
    rows
        Rows to draw, in order.
    width
        Available cells; bars take what the numbers leave.
    name_header
        Title of the first column ("Segment", or the breakdown dimension).
    styles
        Optional styles by role: header, customers_bar, revenue_bar, dim, highlight.
    highlight
        Name of a row to draw highlighted.

    Returns
    -------
    list[rich.text.Text]
        One line per row plus the header line.

    Examples
    --------
    >>> lines = share_lines([ShareRow("VIP", 50, 5.0, 40_000.0, 40.0)], 60, name_header="Segment")
    >>> lines[1].plain.split()[:4]
    ['VIP', '50', '5.0%', '▌']
    """
    styles = styles or {}
    lay = _layout(rows, width, name_header)
    header = Text(no_wrap=True, overflow="crop", style=styles.get("header", ""))
    header.append(_cut(printable(name_header), lay.name).ljust(lay.name))
    header.append(f" {_HEADERS[0]:>{lay.customers}} {_HEADERS[1]:>{_PCT_WIDTH}}")
    if lay.customer_bar:
        header.append(" " + " " * lay.customer_bar)
    header.append(f" {_HEADERS[2]:>{lay.revenue}} {_HEADERS[3]:>{_PCT_WIDTH}}")
    if lay.revenue_bar:
        header.append(" " + " " * lay.revenue_bar)
    lines = [header]
    for row in rows:
        line = Text(no_wrap=True, overflow="crop")
        line.append(_cut(printable(row.name), lay.name).ljust(lay.name))
        line.append(f" {fmt_count(row.customers):>{lay.customers}} {fmt_pct(row.pct_customers):>{_PCT_WIDTH}}")
        if lay.customer_bar:
            line.append(" ")
            line.append(bar(_fraction(row.pct_customers), lay.customer_bar), styles.get("customers_bar", ""))
        line.append(f" {fmt_money(row.revenue):>{lay.revenue}} {fmt_pct(row.pct_revenue):>{_PCT_WIDTH}}")
        if lay.revenue_bar:
            line.append(" ")
            line.append(bar(_fraction(row.pct_revenue), lay.revenue_bar), styles.get("revenue_bar", ""))
        if row.name == highlight:
            line.stylize(styles.get("highlight", "reverse"))
        elif row.name in DIM_NAMES:
            line.stylize(styles.get("dim", "dim"))
        lines.append(line)
    return lines


def _fraction(pct: float | None) -> float:
    if pct is None or math.isnan(pct):
        return 0.0
    return pct / 100.0


def rows_from_frame(df: pl.DataFrame, name_column: str) -> list[ShareRow]:
    """Turn a segments / breakdown frame into :class:`ShareRow` (extra columns ignored)."""
    if df.is_empty():
        return []
    picked = df.select(
        pl.col(name_column).cast(pl.String).fill_null("(null)"),
        pl.col("customers").cast(pl.Int64).fill_null(0),
        pl.col("pct_customers").cast(pl.Float64),
        pl.col("revenue").cast(pl.Float64),
        pl.col("pct_revenue").cast(pl.Float64),
    )
    return [ShareRow(*values) for values in picked.iter_rows()]


class ShareTable(KeysFollowTheActiveScreen, Widget):
    """Common base: holds rows and renders them with :func:`share_lines`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "share-bars--title",
        "share-bars--header",
        "share-bars--customers-bar",
        "share-bars--revenue-bar",
        "share-bars--dim",
        "share-bars--highlight",
    }

    DEFAULT_CSS = """
    ShareTable {
        height: auto;
        text-wrap: nowrap;
        text-overflow: clip;
        & > .share-bars--title { text-style: bold; }
        & > .share-bars--header { color: $text-muted; text-style: bold; }
        & > .share-bars--customers-bar { color: $primary; }
        & > .share-bars--revenue-bar { color: $success; }
        & > .share-bars--dim { color: $text-disabled; }
        & > .share-bars--highlight { background: $accent 30%; text-style: bold; }
    }
    """

    # Both tables are focusable (tab reaches them); up/down pick the segment, which the
    # sizes table keeps in view when it is too short for every row.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "screen.step_segment(-1)", "Previous segment", show=False),
        Binding("down", "screen.step_segment(1)", "Next segment", show=False),
    ]

    _name_header = "Segment"
    _empty_text = "(nothing to show)"

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._rows: list[ShareRow] = []
        self._highlight: str | None = None

    @property
    def rows(self) -> list[ShareRow]:
        """The rows currently drawn."""
        return list(self._rows)

    def _styles_by_role(self) -> dict[str, Style]:
        def get(part: str) -> Style:
            return self.get_component_rich_style(f"share-bars--{part}", partial=True)

        # The full style resolves a translucent background; keep only that and boldness so
        # the bars keep their colours on the highlighted row.
        full = self.get_component_rich_style("share-bars--highlight")
        return {
            "header": get("header"),
            "customers_bar": get("customers-bar"),
            "revenue_bar": get("revenue-bar"),
            "dim": get("dim"),
            "highlight": Style(bgcolor=full.bgcolor, bold=full.bold),
        }

    def _title(self) -> Text | None:
        return None

    def _footer(self) -> Text | None:
        return None

    def _lines(self, width: int) -> list[Text]:
        styles = self._styles_by_role() if self.is_mounted else None
        lines: list[Text] = []
        title = self._title()
        if title is not None:
            lines.append(title)
        if self._rows:
            lines += share_lines(
                self._rows,
                width,
                name_header=self._name_header,
                styles=styles,
                highlight=self._highlight,
            )
        else:
            lines.append(Text(self._empty_text, style="dim"))
        footer = self._footer()
        if footer is not None:
            lines.append(footer)
        return lines

    def render_text(self, width: int, height: int | None = None) -> Text:
        """The widget's content at ``width`` cells (what :meth:`render` shows).

        With ``height`` smaller than the content, the last visible line says how many
        rows are hidden instead of cutting the table off silently.
        """
        lines = self._lines(width)
        if height is not None and 0 < height < len(lines):
            # The footer is a figure of its own (not one of the rows): it stays in view.
            footer = [lines.pop()] if self._footer() is not None and height > 2 else []
            head = (self._title() is not None) + 1  # title and column header stay on top
            keep = height - 1 - len(footer)
            rows = lines[head:]
            shown = max(0, keep - head)
            # Scroll so that the highlighted row (the selected segment) is in view.
            names = [row.name for row in self._rows]
            start = 0
            if self._highlight in names and shown:
                start = max(0, min(names.index(self._highlight) - shown + 1, len(rows) - shown))
            if start:
                above = Text(f"… {start} row{'s' if start > 1 else ''} above", style="dim italic")
                start += 1  # the line "above" takes the place of one more row
                shown -= 1
                lines = lines[:head] + [above] + rows[start : start + shown]
            else:
                lines = lines[:head] + rows[:shown]
            hidden = len(rows) - start - shown
            more = Text(f"… {hidden} more row{'s' if hidden > 1 else ''}", style="dim italic")
            lines = lines + ([more] if hidden > 0 else []) + footer
        return Text("\n", no_wrap=True, overflow="crop").join(lines)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # The full height, whatever is shown now: render() may be cut to a max-height.
        extra = (self._title() is not None) + (self._footer() is not None)
        return extra + (len(self._rows) + 1 if self._rows else 1)

    def render(self) -> RenderableType:
        return self.render_text(self.size.width or 80, self.size.height or None)


class SegmentBars(ShareTable, can_focus=True):
    """Customers and revenue per segment, with bars; "Unassigned" dimmed.

    Examples
    --------
    >>> bars = SegmentBars(id="segments")                # doctest: +SKIP
    >>> bars.update_segments(evaluation.segments)        # doctest: +SKIP
    >>> bars.highlight("VIP")                            # doctest: +SKIP
    """

    _empty_text = "(no segments)"
    _no_segment: tuple[int, int] | None = None  # replaced, never mutated

    def update_segments(self, df: pl.DataFrame, no_segment: tuple[int, int] | None = None) -> None:
        """Show an ``Evaluation.segments`` frame (segment, customers, pct_customers,
        revenue, pct_revenue; other columns ignored).

        ``no_segment``: ``(customers in no segment, universe customers)`` for overlap mode,
        drawn as a line under the rows rather than as a row (the rows do not add up).
        """
        rows = rows_from_frame(df, "segment")
        # the height follows the number of lines: lay the screen out again only if it changes
        layout = len(rows) != len(self._rows) or (no_segment is None) != (self._no_segment is None)
        self._rows = rows
        self._no_segment = no_segment
        self.refresh(layout=layout)

    def _footer(self) -> Text | None:
        if self._no_segment is None:
            return None
        customers, universe = self._no_segment
        share = f" ({fmt_pct(100 * customers / universe)})" if universe else ""
        return Text(
            f"In no segment: {fmt_count(customers)} customers{share} · rows overlap",
            style="italic",
            no_wrap=True,
            overflow="ellipsis",
        )

    def highlight(self, segment: str | None) -> None:
        """Highlight the row of ``segment`` (None: no highlight)."""
        if segment != self._highlight:
            self._highlight = segment
            self.refresh()


class BreakdownView(ShareTable, can_focus=True):
    """A segment (or all customers) split by one dimension, e.g. "VIP by country".

    Focusable so that, on its own tab at 80 columns, up/down still pick the segment
    to split (the screen's ``step_segment`` action moves the segment tree's cursor).
    """

    _empty_text = "(no breakdown)"
    # replaced (never mutated) by update_breakdown, so class-level defaults are safe
    _dimension = ""
    _segment: str | None = None

    @property
    def title(self) -> str:
        """E.g. "VIP by country", or "All customers by country" without a segment."""
        if not self._dimension:
            return ""
        return printable(f"{self._segment or 'All customers'} by {self._dimension}")

    def update_breakdown(self, df: pl.DataFrame, dimension: str, segment: str | None) -> None:
        """Show an ``Evaluator.breakdown`` frame (value, customers, pct_customers,
        revenue, pct_revenue) of ``segment`` (None: the whole universe) by ``dimension``."""
        self._rows = rows_from_frame(df, "value")
        self._dimension = dimension
        self._segment = segment
        self._name_header = dimension
        self.refresh(layout=True)

    def _title(self) -> Text | None:
        if not self.title:
            return None
        style = self.get_component_rich_style("share-bars--title", partial=True) if self.is_mounted else "bold"
        return Text(self.title, style=style, no_wrap=True, overflow="ellipsis")
