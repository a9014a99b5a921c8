"""Renderings of the change analyses: overlap heat map, migration matrix, drift sparklines.

Each function turns a result of ``segtui.analysis`` into a Rich table; ``ChangePanel``
shows one inside a scrollable area, so many segments scroll instead of being cut.
Columns are numbered (the row labels carry the numbers) so that a matrix of ten or more
segments still fits 80 columns.
"""

from __future__ import annotations

from rich import box
from rich.color import Color
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.measure import Measurement
from rich.text import Text
from textual.containers import ScrollableContainer
from textual.widgets import Static

from segtui.analysis.drift import Drift
from segtui.analysis.migration import Migration
from segtui.analysis.overlap import Overlap
from segtui.analysis.report import sparkline
from segtui.tui.format import fmt_count

__all__ = ["ChangePanel", "heat_map", "migration_matrix", "drift_table", "shade"]

_COLD = (38, 42, 58)
_HOT = (40, 120, 220)
_LABEL_WIDTH = 20
_DIRECTION = {"stay": "bold", "forward": "green", "backward": "red"}


def shade(share: float | None) -> Style:
    """Background from dark (0 %) to blue (100 %); bold white text on the darker half.

    Examples
    --------
    >>> shade(None).bgcolor is None, shade(1.0).bgcolor.triplet.hex
    (True, '#2878dc')
    """
    if share is None:
        return Style()
    t = max(0.0, min(1.0, share))
    rgb = tuple(round(c + (h - c) * t) for c, h in zip(_COLD, _HOT))
    return Style(bgcolor=Color.from_rgb(*rgb), color="white", bold=t >= 0.5)


def _label(index: int, name: str) -> Text:
    text = Text(f"{index} ", style="dim") + Text(name)
    text.truncate(_LABEL_WIDTH, overflow="ellipsis")
    return text


def _table(padding: int = 1) -> Table:
    return Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, padding), show_edge=False)


def _note(text: str) -> Text:
    """A dim line under a table (a table caption would wrap to the table's width)."""
    return Text(text, style="dim")


def heat_map(result: Overlap) -> RenderableType:
    """Row % of every pair of segments, shaded, then the commonest combinations."""
    names = result.segments["segment"].to_list()
    if not names:
        return Text("No segments.")
    # no cell padding (the box's divider separates cells): eleven RFM segments fit 80 columns
    table = _table(padding=0)
    table.add_column("Segment", no_wrap=True, width=_LABEL_WIDTH)
    table.add_column("Cust.", justify="right", no_wrap=True, min_width=6)
    for i in range(1, len(names) + 1):
        table.add_column(str(i), justify="right", no_wrap=True, width=3)
    cells = result.matrix.rows_by_key("row", named=True)
    for i, (name, size) in enumerate(zip(names, result.segments["customers"]), start=1):
        row = [Text(f"{_pct(c['row_pct']):>3}", style=shade(None if c["row_pct"] is None else c["row_pct"] / 100))
               for c in cells[name]]
        table.add_row(_label(i, name), fmt_count(size), *row)
    combos = _table()
    combos.add_column("Most common combinations", overflow="fold")
    combos.add_column("Cust.", justify="right", no_wrap=True)
    combos.add_column("%", justify="right", no_wrap=True)
    for combo in result.combinations.head(8).iter_rows(named=True):
        combos.add_row(combo["label"], fmt_count(combo["customers"]), f"{combo['pct_customers']:.1f}")
    note = _note("row %: share of the row also in the column · each segment on its own")
    return Group(table, note, Text(""), combos)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def migration_matrix(result: Migration) -> RenderableType:
    """Customers and row % per (segment at FROM, segment at TO), or stayed/entered/left."""
    heading = Text(f"{result.from_date.isoformat()} → {result.to_date.isoformat()}", style="bold")
    heading.append("   f: from date · t: to date", style="dim")
    if result.matrix is None:
        return Group(heading, _per_segment(result), _note("overlap rule set: each segment on its own at both dates"))
    table = _table()
    table.add_column("From \\ to", no_wrap=True, width=_LABEL_WIDTH)
    for i in range(1, len(result.columns) + 1):
        table.add_column(str(i), justify="right", no_wrap=True, min_width=4)
    table.add_column("Total", justify="right", no_wrap=True)
    by_row = result.matrix.rows_by_key("from", named=True)
    for i, row in enumerate(result.rows, start=1):
        cells = by_row[row]
        values = []
        for c in cells:
            if not c["customers"]:
                values.append(Text("·", style="dim"))
                continue
            style = shade(c["row_pct"] / 100) + Style.parse(_DIRECTION.get(c["direction"] or "", "none"))
            values.append(Text(f"{fmt_count(c['customers'])} {c['row_pct']:.0f}%", style=style))
        label = _label(i, row) if row in result.columns else Text(row, style="italic")
        table.add_row(label, *values, fmt_count(sum(c["customers"] for c in cells)))
    note = _note("rows: at the first date · columns: at the second · green forward, red backward")
    return Group(heading, table, note)


def _per_segment(result: Migration) -> Table:
    table = _table()
    table.add_column("Segment", no_wrap=True, width=_LABEL_WIDTH)
    for column in ("From", "To", "Stayed", "Entered", "Left"):
        table.add_column(column, justify="right", no_wrap=True)
    for r in result.segments.iter_rows(named=True):
        table.add_row(Text(r["segment"]), *(fmt_count(r[k]) for k in ("customers_from", "customers_to", "stayed", "entered", "left")))
    return table


def drift_table(result: Drift) -> RenderableType:
    """A sparkline of customers per segment next to its latest count, share and change."""
    span = f"{result.dates[0].isoformat()} → {result.dates[-1].isoformat()} · {len(result.dates)} {result.every} ends · w: period"
    table = _table()
    table.add_column("Segment", no_wrap=True, width=_LABEL_WIDTH)
    table.add_column("Customers over time", no_wrap=True)
    table.add_column("Now", justify="right", no_wrap=True)
    table.add_column("%", justify="right", no_wrap=True)
    table.add_column("Change", justify="right", no_wrap=True)
    by_segment = result.points.rows_by_key("segment", named=True)
    for segment in result.segments:
        series = by_segment[segment]
        counts = [p["customers"] for p in series]
        change = counts[-1] - counts[0]
        pct = series[-1]["pct_customers"]
        table.add_row(
            Text(segment), Text(sparkline(counts), style="cyan"), fmt_count(counts[-1]),
            "" if pct is None else f"{pct:.1f}", Text(f"{change:+,}", style="green" if change > 0 else ("red" if change < 0 else "")),
        )
    return Group(table, _note(span))


class ChangePanel(ScrollableContainer):
    """A scrollable area showing one rendering (or a status line while it is computed)."""

    DEFAULT_CSS = """
    ChangePanel { height: 1fr; padding: 0 1; }
    ChangePanel > Static { width: auto; height: auto; }
    """

    def compose(self):
        yield Static("Computing…", markup=False)

    #: what the panel shows (a Rich renderable), for tests and copying
    shown: RenderableType = Text("Computing…")

    def show(self, renderable: RenderableType | str) -> None:
        self.shown = Text(renderable) if isinstance(renderable, str) else renderable
        static = self.query_one(Static)
        # Rich squeezes a table into the width it is given, cutting cells to "302…"; give
        # the Static the table's natural width instead and let the panel scroll sideways.
        console = self.app.console
        natural = Measurement.get(console, console.options.update(max_width=10_000), self.shown).maximum
        static.styles.width = max(1, natural)
        static.update(self.shown)
