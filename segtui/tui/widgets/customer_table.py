"""A virtual table over a Polars frame that stays fast at millions of rows.

Textual's ``DataTable`` copies every cell into Python objects (31 s for 100k x 30), so this
is a Line-API ``ScrollView``: ``render_line`` formats only the rows on screen, taken from
``df.slice`` in small chunks that are cached until the frame changes.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import polars as pl
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from segtui.tui.widgets.keys import KeysFollowTheActiveScreen
from segtui.display import printable
from segtui.tui.format import fmt_number, fmt_value

__all__ = ["CustomerTable", "Presorted", "sort_order"]

#: Rows formatted together: one ``df.slice`` per chunk keeps Polars overhead per page low.
_CHUNK = 64
#: Rows sampled (from the top) to fit text column widths.
_SAMPLE_ROWS = 200
_PAD = 1
_NULL = "·"
_ARROWS = {False: " ▲", True: " ▼"}


@dataclass(frozen=True)
class _Column:
    name: str
    width: int  # content width, without padding
    numeric: bool
    formatter: Callable[[pl.Series], list[str | None]]


def _format_float(s: pl.Series) -> list[str | None]:
    return [None if v is None else fmt_number(float(v)) for v in s.to_list()]


def _format_int(s: pl.Series) -> list[str | None]:
    return [None if v is None else f"{v:,}" for v in s.to_list()]


def _format_decimal(s: pl.Series) -> list[str | None]:
    return [None if v is None else f"{v:,.2f}" for v in s.to_list()]


def _format_bool(s: pl.Series) -> list[str | None]:
    return [None if v is None else ("true" if v else "false") for v in s.to_list()]


def _format_datetime(s: pl.Series) -> list[str | None]:
    return s.dt.to_string("%Y-%m-%d %H:%M:%S").to_list()


def _format_as_string(s: pl.Series) -> list[str | None]:
    # Dates, strings, categoricals: Polars' own cast already gives ISO / plain text; the
    # values come from the user's file, so control characters in them are escaped.
    return [None if v is None else printable(v) for v in s.cast(pl.String).to_list()]


def _format_other(s: pl.Series) -> list[str | None]:
    return [None if v is None else printable(fmt_value(v)) for v in s.to_list()]


def _formatter_for(dtype: pl.DataType) -> tuple[Callable[[pl.Series], list[str | None]], bool]:
    """Pick a vector formatter and whether the column is right-aligned."""
    if dtype.is_float():
        return _format_float, True
    if dtype.is_integer():
        return _format_int, True
    if isinstance(dtype, pl.Decimal):
        return _format_decimal, True
    if dtype == pl.Boolean:
        return _format_bool, False
    if isinstance(dtype, pl.Datetime):
        return _format_datetime, False
    if dtype in (pl.String, pl.Date, pl.Time) or isinstance(dtype, (pl.Categorical, pl.Enum)):
        return _format_as_string, False
    return _format_other, False


def _fit_columns(df: pl.DataFrame, max_width: int) -> list[_Column]:
    """Column widths from the header, the top rows and (for numbers) the extremes."""
    sample = df.head(_SAMPLE_ROWS)
    columns: list[_Column] = []
    numeric_names = [name for name, dt in df.schema.items() if dt.is_numeric()]
    extremes = (
        df.select(
            *[pl.col(n).min().alias(f"{n}\x00min") for n in numeric_names],
            *[pl.col(n).max().alias(f"{n}\x00max") for n in numeric_names],
        )
        if numeric_names and df.height > _SAMPLE_ROWS
        else None
    )
    for name, dtype in df.schema.items():
        formatter, numeric = _formatter_for(dtype)
        values = [v for v in formatter(sample.get_column(name)) if v is not None]
        if extremes is not None and name in numeric_names:
            lo_hi = extremes.select(f"{name}\x00min", f"{name}\x00max").cast(dtype)
            values += [
                v for v in formatter(pl.concat([lo_hi.to_series(0), lo_hi.to_series(1)]))
                if v is not None
            ]
        widest = max((cell_len(v) for v in values), default=1)
        header = cell_len(printable(name)) + len(_ARROWS[False])
        columns.append(_Column(name, max(1, min(max_width, max(widest, header))), numeric, formatter))
    return columns


def sort_order(df: pl.DataFrame, column: str, descending: bool) -> pl.Series:
    """Row permutation sorting ``df`` by ``column``: stable, nulls last either way.

    Safe to call from a worker thread: compute it there for a frame about to be shown
    and hand it to :meth:`CustomerTable.set_frame` as ``presorted``.

    Examples
    --------
    >>> sort_order(pl.DataFrame({"x": [2, None, 1]}), "x", False).to_list()
    [2, 0, 1]
    """
    return df.select(
        pl.arg_sort_by(column, descending=descending, nulls_last=True, maintain_order=True)
    ).to_series()


#: ``((column, descending), order)``: a sort computed off the UI thread for a new frame.
Presorted = tuple[tuple[str, bool], pl.Series]


def _fit(text: str, width: int, right: bool) -> str:
    """Pad or ellipsise ``text`` to exactly ``width`` cells."""
    length = len(text) if text.isascii() else cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else "…"
    pad = " " * (width - length)
    return pad + text if right else text + pad


class CustomerTable(KeysFollowTheActiveScreen, ScrollView, can_focus=True):
    """Scrollable, sortable view of a Polars frame with a row and a column cursor.

    Parameters
    ----------
    df
        Frame to show initially (may be replaced with :meth:`set_frame`).
    id_column
        Column whose value is reported in :class:`RowHighlighted` (the first column if absent).
    fixed_columns
        Leading columns that stay put while scrolling horizontally (the id).
    max_column_width
        Cap on a column's width; longer values end with an ellipsis.
    background_sort_rows
        Frames at least this tall are sorted in a thread worker when sorting from the keyboard.

    Examples
    --------
    >>> table = CustomerTable(id="customers")     # doctest: +SKIP
    >>> table.set_frame(view.frame)               # doctest: +SKIP
    >>> table.sort_by("revenue", descending=True) # doctest: +SKIP
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="customer-table.cursor-up"),
        Binding("down", "cursor_down", "Down", show=False, id="customer-table.cursor-down"),
        Binding("left", "cursor_left", "Column left", show=False, id="customer-table.cursor-left"),
        Binding("right", "cursor_right", "Column right", show=False, id="customer-table.cursor-right"),
        Binding("pageup", "page_up", "Page up", show=False, id="customer-table.page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="customer-table.page-down"),
        Binding("home,ctrl+home", "first_row", "First row", show=False, id="customer-table.first-row"),
        Binding("end,ctrl+end", "last_row", "Last row", show=False, id="customer-table.last-row"),
        Binding("slash", "find", "Find id", tooltip="Go to a customer by id (or the start of one)", id="customer-table.find"),
        Binding("s", "sort", "Sort", tooltip="Sort by the highlighted column: numbers and dates largest first, text A-Z (again: reverse)", id="customer-table.sort"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "customer-table--header",
        "customer-table--header-cursor",
        "customer-table--cursor",
        "customer-table--cursor-cell",
        "customer-table--fixed",
        "customer-table--null",
    }

    DEFAULT_CSS = """
    CustomerTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        overflow: auto auto;
        & > .customer-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .customer-table--header-cursor {
            text-style: bold;
            background: $accent-darken-1;
            color: $foreground;
        }
        & > .customer-table--fixed {
            color: $text-secondary;
        }
        & > .customer-table--null {
            color: $text-disabled;
        }
        & > .customer-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        & > .customer-table--cursor-cell {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: bold;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .customer-table--cursor {
                background: $block-cursor-background 60%;
                color: $block-cursor-foreground;
            }
            & > .customer-table--cursor-cell {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: bold;
            }
        }
    }
    """

    class RowHighlighted(Message):
        """The cursor moved to another row (or the frame under it changed).

        Attributes
        ----------
        row
            Index of the row in :attr:`CustomerTable.frame` (sorted order).
        customer_id
            Value of the id column in that row.
        """

        def __init__(self, table: CustomerTable, row: int, customer_id: Any) -> None:
            super().__init__()
            self.table = table
            self.row = row
            self.customer_id = customer_id

        @property
        def control(self) -> CustomerTable:
            return self.table

    def __init__(
        self,
        df: pl.DataFrame | None = None,
        *,
        id_column: str = "customer_id",
        fixed_columns: int = 1,
        max_column_width: int = 24,
        background_sort_rows: int = 100_000,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.id_column = id_column
        self.fixed_columns = fixed_columns
        self.max_column_width = max_column_width
        self._source = pl.DataFrame()
        # Sorting keeps a permutation instead of reordering all columns: 3x cheaper at 1M
        # rows, and only the visible rows are ever gathered.
        self._order: pl.Series | None = None
        self._sorted_frame: pl.DataFrame | None = None
        self._columns: list[_Column] = []
        self._offsets: list[int] = []  # x of each scrolled column within the scrolled part
        self._sort: tuple[str, bool] | None = None
        self._sort_requests = 0  # bumped by every sort / new frame: detects stale results
        self.background_sort_rows = background_sort_rows
        self._cursor_row = 0
        self._cursor_col = 0
        self._chunks: LRUCache[int, list[list[str | None]]] = LRUCache(64)
        self._rows: LRUCache[tuple[int, int], list[Segment]] = LRUCache(512)
        self._base_style = Style()
        if df is not None:
            self.set_frame(df)

    # ------------------------------------------------------------------ public API

    @property
    def frame(self) -> pl.DataFrame:
        """The frame as shown: after the current sort (materialised on first access)."""
        if self._order is None:
            return self._source
        if self._sorted_frame is None:
            self._sorted_frame = self._source[self._order]
        return self._sorted_frame

    @property
    def row_count(self) -> int:
        """Number of data rows shown."""
        return self._source.height

    @property
    def cursor_row(self) -> int:
        """Index of the highlighted row in :attr:`frame`."""
        return self._cursor_row

    @property
    def cursor_column(self) -> str | None:
        """Name of the highlighted column (None when the frame has no columns)."""
        return self._columns[self._cursor_col].name if self._columns else None

    @property
    def sort_column(self) -> tuple[str, bool] | None:
        """``(column, descending)`` of the current sort, or None."""
        return self._sort

    def set_frame(self, df: pl.DataFrame, *, keep_position: bool = False, presorted: Presorted | None = None) -> None:
        """Show ``df``, keeping the sort when its column still exists.

        Parameters
        ----------
        df
            Any frame; only the rows on screen are ever formatted.
        keep_position
            Keep the cursor row and scroll offset (clamped to the new height) instead of
            going back to the top, e.g. when the same rows are re-shown after an edit.
        presorted
            ``(sort_column, sort_order(df, *sort_column))`` computed in a worker: used when
            it matches the table's current sort, so that re-sorting a large frame never
            blocks the UI thread (otherwise the sort is recomputed here).
        """
        previous_column = self.cursor_column
        self._source = df
        if self._sort is not None and self._sort[0] not in df.columns:
            self._sort = None
        self._apply_sort(presorted)
        self._columns = _fit_columns(df, self.max_column_width)
        names = [c.name for c in self._columns]
        self._cursor_col = names.index(previous_column) if previous_column in names else 0
        if not keep_position:
            self._cursor_row = 0
        self._cursor_row = max(0, min(self._cursor_row, df.height - 1))
        self._invalidate()
        if self.is_mounted:
            if keep_position:
                # Re-validate the offsets against the new (possibly smaller) virtual size.
                self.scroll_to(self.scroll_x, self.scroll_y, animate=False, force=True)
            else:
                self.scroll_to(0, 0, animate=False, force=True)
            self._scroll_cursor_into_view()
        self._post_highlight()

    def sort_by(self, column: str, descending: bool = False) -> None:
        """Sort the shown rows by ``column`` (stable, nulls last); the cursor goes to the top.

        Runs on the calling (UI) thread; the ``s`` key uses :meth:`request_sort`, which
        moves large sorts to a worker.

        Raises
        ------
        KeyError
            If the frame has no such column.
        """
        if column not in self._source.columns:
            raise KeyError(f"no column {column!r} to sort by")
        self._sort_requests += 1
        self._show_sorted(column, descending, sort_order(self._source, column, descending))

    def request_sort(self, column: str, descending: bool = False) -> None:
        """Sort like :meth:`sort_by`, in a thread worker when the frame is large.

        The result is dropped if the frame changed or another sort was requested meanwhile.
        """
        if self._source.height < self.background_sort_rows or not self.is_mounted:
            self.sort_by(column, descending)
            return
        if column not in self._source.columns:
            raise KeyError(f"no column {column!r} to sort by")
        self._sort_requests += 1
        self._sort_in_background(self._source, column, descending, self._sort_requests)

    @work(thread=True, exclusive=True, group="customer-table-sort", exit_on_error=False)
    def _sort_in_background(self, source: pl.DataFrame, column: str, descending: bool, request: int) -> None:
        order = sort_order(source, column, descending)
        self.app.call_from_thread(self._finish_sort, source, column, descending, request, order)

    def _finish_sort(
        self, source: pl.DataFrame, column: str, descending: bool, request: int, order: pl.Series
    ) -> None:
        if source is self._source and request == self._sort_requests:
            self._show_sorted(column, descending, order)

    def _show_sorted(self, column: str, descending: bool, order: pl.Series) -> None:
        self._sort = (column, descending)
        self._order = order
        self._sorted_frame = None
        self._cursor_col = self._source.columns.index(column)
        self._cursor_row = 0
        self._invalidate()
        if self.is_mounted:
            self.scroll_to(y=0, animate=False, force=True)
            self._scroll_column_into_view()
        self._post_highlight()

    def move_cursor(self, row: int | None = None, column: str | int | None = None) -> None:
        """Move the row and/or column cursor, scrolling it into view."""
        if column is not None and self._columns:
            index = column if isinstance(column, int) else [c.name for c in self._columns].index(column)
            self._set_cursor_col(index)
        if row is not None:
            self._set_cursor_row(row)

    # ------------------------------------------------------------------ actions

    def action_cursor_up(self) -> None:
        self._set_cursor_row(self._cursor_row - 1)

    def action_cursor_down(self) -> None:
        self._set_cursor_row(self._cursor_row + 1)

    def action_page_up(self) -> None:
        self._set_cursor_row(self._cursor_row - self._page_height)

    def action_page_down(self) -> None:
        self._set_cursor_row(self._cursor_row + self._page_height)

    def find(self, customer_id: str) -> bool:
        """Put the cursor on the customer whose id is ``customer_id`` (else the first id that
        starts with it, case ignored); False when no row matches.

        Examples
        --------
        >>> table = CustomerTable()
        >>> table.set_frame(pl.DataFrame({"customer_id": ["C01", "C02", "D10"]}))
        >>> table.find("c0"), table.cursor_row, table.find("D10"), table.cursor_row, table.find("X")
        (True, 0, True, 2, False)
        """
        if "customer_id" not in self._source.columns or not customer_id:
            return False
        ids = self.frame["customer_id"].cast(pl.String)
        for hits in (ids == customer_id, ids.str.to_lowercase().str.starts_with(customer_id.lower())):
            found = hits.fill_null(False).arg_true()
            if found.len():
                self._set_cursor_row(int(found[0]))
                return True
        return False

    def action_find(self) -> None:
        from segtui.tui.screens.dialogs import PromptScreen

        def chosen(value: str | None) -> None:
            if value and not self.find(value):
                self.notify(f"No customer id {value!r} in this table.", severity="warning", markup=False)

        self.app.push_screen(PromptScreen("Find customer id (exact, else the first that starts with it)"), chosen)

    def action_first_row(self) -> None:
        self._set_cursor_row(0)

    def action_last_row(self) -> None:
        self._set_cursor_row(self._source.height - 1)

    def action_cursor_left(self) -> None:
        self._set_cursor_col(self._cursor_col - 1)

    def action_cursor_right(self) -> None:
        self._set_cursor_col(self._cursor_col + 1)

    def action_sort(self) -> None:
        column = self.cursor_column
        if column is None:
            return
        if self._sort is not None and self._sort[0] == column:
            descending = not self._sort[1]
        else:
            # Metrics (numbers, dates) start with the top: the biggest spenders, the latest
            # orders; names and other text start from A.
            dtype = self._source.schema[column]
            descending = dtype.is_numeric() or dtype.is_temporal()
        self.request_sort(column, descending=descending)

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._columns:
            return
        column = self._column_at(offset.x)
        if offset.y == 0:
            if column is not None:
                self._set_cursor_col(column)
                self.action_sort()
            return
        if column is not None:
            self._set_cursor_col(column)
        self._set_cursor_row(round(self.scroll_y) + offset.y - 1)

    # ------------------------------------------------------------------ rendering

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._rows.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's base style is costly to compute; it is constant within one paint.
        self._base_style = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self._visible_width
        base = self._base_style
        if not self._columns:
            return Strip.blank(width, base)
        if y == 0:
            parts = self._header_parts()
            header = True
        else:
            header = False
            row = round(self.scroll_y) + y - 1
            if row >= self._source.height:
                if row == 0:
                    text = _fit(" (no rows)", width, False)
                    return Strip([Segment(text, base + self._style("null"))], width)
                return Strip.blank(width, base)
            parts = self._row_parts(row)
        fixed = self._fixed_count
        segments = parts[:fixed]
        fixed_width = sum(c.width + 2 * _PAD for c in self._columns[:fixed])
        scroll_x = round(self.scroll_x)
        segments += self._crop(parts, scroll_x, scroll_x + max(0, width - fixed_width), header)
        used = sum(_segment_width(s) for s in segments)
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        return Strip(_merge(segments), width)

    # ------------------------------------------------------------------ internals

    @property
    def _visible_width(self) -> int:
        # Scrollbars are drawn over the widget's own cells: what lies beneath them is
        # never seen, so a cell "fitting" there would show cut ("93" as "9").
        return self.scrollable_content_region.width

    @property
    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    @property
    def _fixed_count(self) -> int:
        return min(self.fixed_columns, max(0, len(self._columns) - 1))

    def _style(self, part: str) -> Style:
        # Full styles resolve translucent colours (e.g. "$accent 40%") against the widget's
        # background; null and fixed only tint the foreground of whatever row they are in.
        partial = part in ("null", "fixed")
        return self.get_component_rich_style(f"customer-table--{part}", partial=partial)

    def _apply_sort(self, presorted: Presorted | None = None) -> None:
        self._sorted_frame = None
        self._sort_requests += 1  # a new frame makes any pending background sort stale
        if self._sort is None:
            self._order = None
        elif presorted is not None and presorted[0] == self._sort and len(presorted[1]) == self._source.height:
            self._order = presorted[1]
        else:
            self._order = sort_order(self._source, *self._sort)

    def _slice(self, start: int, length: int) -> pl.DataFrame:
        """Rows ``start .. start+length`` in display order."""
        if self._order is None:
            return self._source.slice(start, length)
        return self._source[self._order.slice(start, length)]

    def _invalidate(self) -> None:
        self._chunks.clear()
        self._rows.clear()
        fixed = self._fixed_count
        self._offsets = []
        x = 0
        for column in self._columns[fixed:]:
            self._offsets.append(x)
            x += column.width + 2 * _PAD
        # Fixed columns are drawn beside the scrolled part, so the full width is exactly
        # what lets the last column scroll into view; +1 line for the sticky header.
        widths = sum(c.width + 2 * _PAD for c in self._columns)
        self.virtual_size = Size(widths, self._source.height + 1)
        self.refresh()

    def _set_cursor_row(self, row: int) -> None:
        row = max(0, min(row, self._source.height - 1))
        if row == self._cursor_row:
            return
        old = self._cursor_row
        self._cursor_row = row
        # Virtual line of a data row: the header takes line 0.
        self.refresh_line(old + 1)
        self.refresh_line(row + 1)
        if self.is_mounted:
            self._scroll_cursor_into_view()
        self._post_highlight()

    def _set_cursor_col(self, col: int) -> None:
        col = max(0, min(col, len(self._columns) - 1))
        if col == self._cursor_col:
            return
        self._cursor_col = col
        # The header and the cursor row both show the column cursor.
        self._rows.clear()
        self.refresh()
        if self.is_mounted:
            self._scroll_column_into_view()

    def _scroll_cursor_into_view(self) -> None:
        top = round(self.scroll_y)
        page = self._page_height
        if self._cursor_row < top:
            self.scroll_to(y=self._cursor_row, animate=False, force=True)
        elif self._cursor_row >= top + page:
            self.scroll_to(y=self._cursor_row - page + 1, animate=False, force=True)

    def _scroll_column_into_view(self) -> None:
        fixed = self._fixed_count
        if self._cursor_col < fixed:
            return
        start = self._offsets[self._cursor_col - fixed]
        end = start + self._columns[self._cursor_col].width + 2 * _PAD
        fixed_width = sum(c.width + 2 * _PAD for c in self._columns[:fixed])
        visible = max(1, self._visible_width - fixed_width)
        left = round(self.scroll_x)
        if start < left:
            self.scroll_to(x=start, animate=False, force=True)
        elif end > left + visible:
            self.scroll_to(x=min(start, end - visible), animate=False, force=True)

    def _column_at(self, x: int) -> int | None:
        """Index of the column drawn at screen column ``x``."""
        fixed = self._fixed_count
        edge = 0
        for index, column in enumerate(self._columns[:fixed]):
            edge += column.width + 2 * _PAD
            if x < edge:
                return index
        x = x - edge + round(self.scroll_x)
        index = bisect_right(self._offsets, x) - 1
        if index < 0 or x >= self.virtual_size.width - edge:
            return None
        return fixed + index

    def _post_highlight(self) -> None:
        if self._source.height == 0 or not self.is_mounted:
            return
        id_column = self.id_column if self.id_column in self._source.columns else self._source.columns[0]
        source_row = self._cursor_row if self._order is None else self._order[self._cursor_row]
        customer_id = self._source.get_column(id_column)[source_row]
        self.post_message(self.RowHighlighted(self, self._cursor_row, customer_id))

    def _chunk(self, index: int) -> list[list[str | None]]:
        """Fitted cell texts of rows ``index*_CHUNK ...``, one list per row (None = null)."""
        cached = self._chunks.get(index)
        if cached is not None:
            return cached
        part = self._slice(index * _CHUNK, _CHUNK)
        by_column = [
            [None if v is None else _fit(v, c.width, c.numeric) for v in c.formatter(part.get_column(c.name))]
            for c in self._columns
        ]
        rows = [list(cells) for cells in zip(*by_column)]
        self._chunks[index] = rows
        return rows

    def _crop(self, parts: list[Segment], x0: int, x1: int, header: bool = False) -> list[Segment]:
        """The scrolled cells (``parts`` after the fixed ones) visible in ``[x0, x1)``.

        A cell cut by either edge is marked (see :func:`_cut_cell`), never shown in part.
        """
        fixed = self._fixed_count
        out: list[Segment] = []
        index = max(0, bisect_right(self._offsets, x0) - 1)
        while index < len(self._offsets) and self._offsets[index] < x1:
            segment = parts[fixed + index]
            column = self._columns[fixed + index]
            start = self._offsets[index]
            end = start + column.width + 2 * _PAD
            if start < x0 or end > x1:
                text = _cut_cell(segment.text, max(0, x0 - start), min(end, x1) - start, column.numeric and not header)
                segment = Segment(text, segment.style)
            out.append(segment)
            index += 1
        return out

    def _row_parts(self, row: int) -> list[Segment]:
        """One segment per column (padded to its width) for a data row."""
        cursor_col = self._cursor_col if row == self._cursor_row else -1
        key = (row, cursor_col)
        cached = self._rows.get(key)
        if cached is not None:
            return cached
        cells = self._chunk(row // _CHUNK)[row % _CHUNK]
        base = self._base_style
        if cursor_col >= 0:
            row_style = base + self._style("cursor")
            cell_style = base + self._style("cursor-cell")
        else:
            row_style = cell_style = base
        fixed_style = row_style + self._style("fixed")
        null_style = self._style("null")
        fixed = self._fixed_count
        pad = " " * _PAD
        parts: list[Segment] = []
        for index, (column, text) in enumerate(zip(self._columns, cells)):
            if index == cursor_col:
                style = cell_style
            elif index < fixed and cursor_col < 0:
                style = fixed_style
            else:
                style = row_style
            if text is None:
                text = _fit(_NULL, column.width, column.numeric)
                style = style + null_style
            parts.append(Segment(pad + text + pad, style))
        self._rows[key] = parts
        return parts

    def _header_parts(self) -> list[Segment]:
        key = (-1, self._cursor_col)
        cached = self._rows.get(key)
        if cached is not None:
            return cached
        base = self._base_style
        header = base + self._style("header")
        header_cursor = base + self._style("header-cursor")
        pad = " " * _PAD
        parts: list[Segment] = []
        for index, column in enumerate(self._columns):
            label = printable(column.name)
            if self._sort is not None and self._sort[0] == column.name:
                label += _ARROWS[self._sort[1]]
            text = _fit(label, column.width, column.numeric)
            style = header_cursor if index == self._cursor_col else header
            parts.append(Segment(pad + text + pad, style))
        self._rows[key] = parts
        return parts


def _cut_cell(text: str, start: int, end: int, numeric: bool) -> str:
    """Cells ``start .. end`` of a padded cell, marking with "…" a cut through its content.

    Only padding hidden: the visible cells as they are. A number cut by an edge is
    blanked but for the mark at that edge ("93" must never read "9"); text keeps what
    fits, with "…" where it is cut.

    Examples
    --------
    >>> _cut_cell("   93 ", 0, 4, numeric=True), _cut_cell("   93 ", 0, 5, numeric=True)
    ('   …', '   93')
    >>> _cut_cell(" France ", 0, 5, numeric=False), _cut_cell(" France ", 3, 8, numeric=False)
    (' Fra…', '…nce ')
    """
    width = end - start
    if width <= 0:
        return ""
    before, rest = Segment(text).split_cells(start)
    shown, after = rest.split_cells(width)
    cut_left, cut_right = bool(before.text.strip()), bool(after.text.strip())
    if not (cut_left or cut_right):
        return shown.text
    if numeric:
        return "…" + " " * (width - 1) if cut_left and not cut_right else " " * (width - 1) + "…"
    visible = shown.text
    if cut_right:
        visible = set_cell_size(visible, width - 1) + "…"
    if cut_left:
        visible = "…" + Segment(visible).split_cells(1)[1].text
    return visible


def _segment_width(segment: Segment) -> int:
    text = segment.text
    return len(text) if text.isascii() else cell_len(text)


def _merge(segments: list[Segment]) -> list[Segment]:
    """Join neighbours with the same style: fewer escape sequences over SSH."""
    merged: list[Segment] = []
    for segment in segments:
        if merged and merged[-1].style is segment.style:
            merged[-1] = Segment(merged[-1].text + segment.text, segment.style)
        else:
            merged.append(segment)
    return merged
