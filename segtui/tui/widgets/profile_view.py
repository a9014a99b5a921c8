"""A segment's profile as lines: metric, segment, base, index and a diverging index bar.

The bar (``analysis.profile.index_bar``) grows left of the axis when the segment has
less than the universe and right when it has more, on a log scale, so a glance down the
column shows what sets the segment apart. Lines are cut to the widget's width, never
wrapped; the widget is as tall as its rows and scrolls in its container.
"""

from __future__ import annotations

import polars as pl
from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from segtui.analysis.profile import index_bar
from segtui.analysis.profile_report import fmt_stat, metric_label
from segtui.display import printable
from segtui.tui.format import fmt_count

__all__ = ["ProfileView", "profile_lines"]

_NUMBER = 9
_INDEX = 5
_MIN_METRIC, _MAX_METRIC = 12, 28
_MIN_BAR, _MAX_BAR = 7, 31
#: From this width on, medians and null counts follow the bar.
_WIDE = 110
_EXTRA = 40


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def profile_lines(frame: pl.DataFrame, width: int, *, over: Style | str = "green", under: Style | str = "red") -> list[Text]:
    """The header and one line per profile row, each at most ``width`` cells.

    Examples
    --------
    >>> frame = pl.DataFrame({"column": ["orders"], "kind": ["mean"], "value": [None], "segment_value": [6.0],
    ...                       "base_value": [3.0], "index": [200.0]}, schema_overrides={"value": pl.String})
    >>> [line.plain.rstrip() for line in profile_lines(frame, 50)]
    ['Metric         Segment      Base Index less │ more', 'orders               6         3   200      │██▌']
    """
    labels = [printable(metric_label(row)) for row in frame.iter_rows(named=True)]
    wide = width >= _WIDE
    fixed = 2 * (_NUMBER + 1) + _INDEX + 1 + 1 + (_EXTRA if wide else 0)
    metric = max(_MIN_METRIC, min(_MAX_METRIC, max([6, *map(len, labels)]), width - fixed - _MIN_BAR))
    bar_width = max(_MIN_BAR, min(_MAX_BAR, width - fixed - metric))
    bar_width -= 1 - bar_width % 2  # odd: the axis sits in the middle
    header = Text(no_wrap=True, overflow="crop", style="bold")
    axis = "less │ more".center(bar_width) if bar_width >= 11 else "│".center(bar_width)
    header.append(f"{'Metric':<{metric}} {'Segment':>{_NUMBER}} {'Base':>{_NUMBER}} {'Index':>{_INDEX}} {axis}")
    if wide:
        header.append(f" {'Median seg / base':>23} {'Nulls seg / base':>16}")
    lines = [header]
    for label, row in zip(labels, frame.iter_rows(named=True)):
        line = Text(no_wrap=True, overflow="crop")
        index = row["index"]
        line.append(f"{_cut(label, metric):<{metric}} ")
        line.append(f"{fmt_stat(row['segment_value'], row['kind']):>{_NUMBER}} {fmt_stat(row['base_value'], row['kind']):>{_NUMBER}} ")
        line.append(f"{'' if index is None else f'{index:.0f}':>{_INDEX}} ")
        line.append(index_bar(index, bar_width), over if index is not None and index >= 100 else under)
        if wide:
            median = "" if row["kind"] == "share" else f"{fmt_stat(row['segment_median'], 'mean')} / {fmt_stat(row['base_median'], 'mean')}"
            line.append(f" {median:>23} {fmt_count(row['segment_nulls']) + ' / ' + fmt_count(row['base_nulls']):>16}")
        lines.append(line)
    return lines


class ProfileView(Widget):
    """Draws a profile frame (``analysis.profile.PROFILE_SCHEMA``); put it in a scrolling container."""

    DEFAULT_CSS = """
    ProfileView { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._frame: pl.DataFrame | None = None

    def show(self, frame: pl.DataFrame) -> None:
        """Draw ``frame`` (most distinctive first, as ``profile`` orders it)."""
        self._frame = frame
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 + (self._frame.height if self._frame is not None else 0)

    def render(self) -> RenderableType:
        if self._frame is None:
            return Text("Computing the profile…", style="dim")
        if self._frame.is_empty():
            return Text("(no columns to profile)", style="dim")
        over = self.app.current_theme.success or "green"
        under = self.app.current_theme.error or "red"
        return Text("\n").join(profile_lines(self._frame, self.size.width or 80, over=over, under=under))
