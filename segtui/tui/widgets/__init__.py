"""Reusable widgets of the segtui TUI: they display the frames they are given, nothing more."""

from segtui.tui.widgets.bars import BreakdownView, SegmentBars, bar
from segtui.tui.widgets.customer_table import CustomerTable

__all__ = ["BreakdownView", "CustomerTable", "SegmentBars", "bar"]
