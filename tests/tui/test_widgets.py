"""Widgets of the TUI: the virtual customer table, share bars and the shared formatting.

Pilot tests run in a tiny host app at 80x24; async bodies run under ``asyncio.run`` so no
pytest plugin is needed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from dataclasses import replace

import polars as pl
import pytest
from rich.style import Style
from textual.app import App, ComposeResult

from segtui.tui.format import fmt_count, fmt_money, fmt_number, fmt_pct, fmt_value
from segtui.tui.widgets import BreakdownView, CustomerTable, SegmentBars, bar
from segtui.tui.widgets.bars import ShareRow, share_lines
from segtui.tui.widgets.header import HeaderInfo, SegtuiHeader

SIZE = (80, 24)


def customers(n: int) -> pl.DataFrame:
    """n customers; revenue descends with the id so sorting visibly reorders rows."""
    i = pl.int_range(0, n, eager=True)
    return pl.DataFrame(
        {
            "customer_id": ("C" + i.cast(pl.String).str.zfill(6)),
            "revenue": (n - i).cast(pl.Float64) * 1000.5,
            "orders": (i % 7).cast(pl.Int64),
            "last_order_date": pl.date_range(dt.date(2011, 1, 1), dt.date(2011, 12, 31), eager=True).gather(i % 300),
            "country": pl.Series(["United Kingdom", None, "France"] * (n // 3) + ["EIRE"] * (n % 3), dtype=pl.String),
            # Wide enough that the frame scrolls horizontally at 80 columns.
            **{f"extra_{k}": pl.repeat(k * 1.0, n, eager=True) for k in range(8)},
        }
    )


class Host(App[None]):
    def __init__(self, df: pl.DataFrame | None = None) -> None:
        super().__init__()
        self.df = df
        self.highlighted: list[tuple[int, object]] = []

    def compose(self) -> ComposeResult:
        yield CustomerTable()

    def on_mount(self) -> None:
        table = self.query_one(CustomerTable)
        if self.df is not None:
            table.set_frame(self.df)
        table.focus()

    def on_customer_table_row_highlighted(self, message: CustomerTable.RowHighlighted) -> None:
        self.highlighted.append((message.row, message.customer_id))


def run(df: pl.DataFrame | None, body) -> None:
    async def main() -> None:
        app = Host(df)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await body(app, app.query_one(CustomerTable), pilot)

    asyncio.run(main())


def lines(table: CustomerTable) -> list[str]:
    """The lines not hidden under a scrollbar (the screen draws those over the widget)."""
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


# ---------------------------------------------------------------- CustomerTable


def test_table_shows_header_and_first_rows_formatted() -> None:
    async def body(app, table, pilot):
        text = lines(table)
        assert text[0].split()[:4] == ["customer_id", "revenue", "orders", "last_order_date"]
        first = text[1].split()
        # revenue 100 * 1000.5 with separators and 2 decimals; ISO date; text left-aligned.
        assert first[:5] == ["C000000", "100,050.00", "0", "2011-01-01", "United"]
        # Row 1 has a null country, drawn as a dim dot rather than "None".
        assert "·" in text[2] and "None" not in text[2]
        assert all(len(line) == table.scrollable_content_region.width for line in text)

    run(customers(100), body)


def test_pagedown_moves_cursor_by_a_page_and_keeps_it_visible() -> None:
    async def body(app, table, pilot):
        page = table.scrollable_content_region.height - 1  # all visible lines but the sticky header
        assert page >= 20
        await pilot.press("pagedown")
        assert table.cursor_row == page
        await pilot.press("pagedown")
        assert table.cursor_row == 2 * page
        text = lines(table)
        assert text[0].startswith(" customer_id")  # header stays on top when scrolled
        assert text[-1].split()[0] == f"C{2 * page:06d}"  # cursor row is the last visible
        await pilot.press("pageup", "up")
        assert table.cursor_row == page - 1
        await pilot.press("ctrl+end")
        assert table.cursor_row == 99
        await pilot.press("home")
        assert table.cursor_row == 0
        assert lines(table)[1].split()[0] == "C000000"

    run(customers(100), body)


def test_s_sorts_a_metric_descending_first_then_ascending() -> None:
    async def body(app, table, pilot):
        await pilot.press("right")
        assert table.cursor_column == "revenue"
        await pilot.press("s")
        assert table.frame["customer_id"][0] == "C000000"  # largest revenue first
        assert table.frame["revenue"].to_list() == sorted(table.frame["revenue"].to_list(), reverse=True)
        assert "revenue ▼" in lines(table)[0]
        assert lines(table)[1].split()[0] == "C000000"
        await pilot.press("s")
        assert table.frame["revenue"].to_list() == sorted(table.frame["revenue"].to_list())
        assert table.frame["customer_id"][0] == "C000009"  # smallest revenue
        assert "revenue ▲" in lines(table)[0]

    run(customers(10), body)


def test_s_sorts_text_a_to_z_first() -> None:
    async def body(app, table, pilot):
        assert table.cursor_column == "customer_id"
        await pilot.press("s")
        assert table.sort_column == ("customer_id", False)
        await pilot.press("s")
        assert table.sort_column == ("customer_id", True)

    run(customers(10), body)


def test_sort_puts_nulls_last_and_survives_set_frame_only_if_column_exists() -> None:
    async def body(app, table, pilot):
        table.sort_by("country")
        assert table.frame["country"].to_list()[:4] == ["France", "France", "United Kingdom", "United Kingdom"]
        assert table.frame["country"].to_list()[-2:] == [None, None]
        table.set_frame(customers(9).reverse())
        assert table.sort_column == ("country", False)
        assert table.frame["country"][0] == "France"
        table.set_frame(customers(9).drop("country"))
        assert table.sort_column is None
        assert table.frame["customer_id"][0] == "C000000"

    run(customers(6), body)


def test_set_frame_200k_rows_end_shows_last_row() -> None:
    async def body(app, table, pilot):
        table.set_frame(customers(200_000))
        assert table.row_count == 200_000 and table.frame.height == 200_000
        await pilot.press("end")
        assert table.cursor_row == 199_999
        assert lines(table)[-1].split()[0] == "C199999"
        # Large frames sort in a worker; the result lands after it completes.
        await pilot.press("right", "s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.sort_column == ("revenue", True)
        assert table.cursor_row == 0
        assert lines(table)[1].split()[0] == "C000000"  # largest revenue first
        assert table.frame["customer_id"][-1] == "C199999"

    run(None, body)


def test_set_frame_uses_a_presorted_order_only_for_the_current_sort() -> None:
    async def body(app, table, pilot):
        table.sort_by("revenue")
        df = customers(6)
        # A worker's order for the same sort is trusted as is (here deliberately not by revenue).
        table.set_frame(df, presorted=(("revenue", False), pl.Series([5, 3, 1, 0, 2, 4])))
        assert table.frame["customer_id"].to_list() == ["C000005", "C000003", "C000001", "C000000", "C000002", "C000004"]
        # One made for another sort is ignored: the table sorts by its own column.
        table.set_frame(df, presorted=(("orders", False), pl.Series([0, 1, 2, 3, 4, 5])))
        assert table.frame["customer_id"].to_list() == [f"C00000{i}" for i in (5, 4, 3, 2, 1, 0)]

    run(customers(6), body)


def test_keep_position_clamps_cursor_to_smaller_frame() -> None:
    async def body(app, table, pilot):
        table.move_cursor(row=50)
        table.set_frame(customers(100), keep_position=True)
        assert table.cursor_row == 50
        table.set_frame(customers(30), keep_position=True)
        assert table.cursor_row == 29
        table.set_frame(customers(30))
        assert table.cursor_row == 0

    run(customers(100), body)


def test_row_highlighted_reports_row_and_customer_id_in_sorted_order() -> None:
    async def body(app, table, pilot):
        table.sort_by("revenue")
        await pilot.press("down")
        await pilot.pause()
        assert app.highlighted[-1] == (1, "C000003")  # second smallest revenue of 5

    run(customers(5), body)


def test_horizontal_scroll_keeps_id_column_and_shows_cursor_column() -> None:
    async def body(app, table, pilot):
        assert table.virtual_size.width > table.size.width
        for _ in range(12):
            await pilot.press("right")
        assert table.cursor_column == "extra_7"
        assert table.scroll_x > 0
        header = lines(table)[0]
        assert header.startswith(" customer_id") and "extra_7" in header
        await pilot.press("left")
        assert table.cursor_column == "extra_6"

    run(customers(10), body)


def test_long_text_is_ellipsised_to_column_cap() -> None:
    df = pl.DataFrame({"customer_id": ["a"], "note": ["x" * 60]})

    async def body(app, table, pilot):
        assert "x" * 23 + "…" in lines(table)[1]
        assert "x" * 25 not in lines(table)[1]

    run(df, body)


def test_empty_frame_shows_header_and_no_rows() -> None:
    async def body(app, table, pilot):
        text = lines(table)
        assert "customer_id" in text[0] and "(no rows)" in text[1]
        await pilot.press("down", "s")
        assert table.cursor_row == 0

    run(customers(3).clear(), body)


# ---------------------------------------------------------------- bar()


@pytest.mark.parametrize(
    ("fraction", "width", "expected"),
    [
        (0.0, 4, "    "),
        (1.0, 4, "████"),
        (0.5, 4, "██  "),
        (0.25, 1, "▎"),
        (0.5, 1, "▌"),
        (0.875, 1, "▉"),
        (1 / 64, 4, "▏   "),  # tiny but positive: one eighth, never invisible
        (2.0, 3, "███"),  # clamped
        (-1.0, 2, "  "),
        (math.nan, 2, "  "),
        (0.5, 0, ""),
    ],
)
def test_bar(fraction: float, width: int, expected: str) -> None:
    assert bar(fraction, width) == expected


@pytest.mark.parametrize("width", [1, 3, 7, 20])
def test_bar_width_is_exact_for_all_fractions(width: int) -> None:
    for k in range(0, 101):
        assert len(bar(k / 100, width)) == width


# ---------------------------------------------------------------- share bars

SEGMENTS = pl.DataFrame(
    {
        "segment": ["VIP", "Discount seekers", "Unassigned"],
        "enabled": [True, True, True],
        "customers": [1234, 20000, 9000],
        "pct_customers": [4.0, 66.4, 29.6],
        "revenue": [1_234_567.0, 300_000.0, 50_000.0],
        "pct_revenue": [77.9, 18.9, 3.2],
        "avg_revenue": [1000.0, 15.0, 5.5],
    }
)


def test_share_lines_numbers_and_bars_adapt_to_width() -> None:
    rows = [ShareRow("VIP", 1234, 4.0, 1_234_567.0, 77.9)]
    # Columns: name 7 ("Segment"), customers 9, % 6, revenue 7, % rev 6 + 4 gaps = 40 cells.
    # At 80 the 40 spare cells give two bars of (40 - 2) // 2 = 19 cells:
    # 4 % of 19 cells = 6 eighths, 77.9 % = 118 eighths = 14 full blocks + 6 eighths.
    wide = share_lines(rows, 80, name_header="Segment")
    assert wide[0].plain.split() == ["Segment", "Customers", "%", "Revenue", "%", "rev"]
    assert wide[1].plain == "VIP    " + "     1,234" + "   4.0% " + "▊" + " " * 18 + "    1.2M  77.9% " + "█" * 14 + "▊" + " " * 4
    # At 50 only 10 cells are spare: the revenue bar goes, the customer bar gets 9 cells.
    narrow = share_lines(rows, 50, name_header="Segment")
    assert narrow[1].plain == "VIP    " + "     1,234" + "   4.0% " + "▍" + " " * 8 + "    1.2M  77.9%"
    # Too narrow for any bar: numbers stay.
    assert share_lines(rows, 42, name_header="Segment")[1].plain == "VIP    " + "     1,234" + "   4.0%" + "    1.2M" + "  77.9%"


def test_share_lines_names_keep_full_width_while_both_bars_fit() -> None:
    rows = [ShareRow("Discount seekers", 341, 11.4, 132_700.0, 9.3), ShareRow("Worth winning back", 171, 5.7, 96_200.0, 6.8)]
    # Text: name 18 + 1 + customers 9 + 6 + revenue 7 + 6 + 4 gaps = 51 cells; at 64 the 13
    # spare cells still hold two 5-cell bars, so names stay whole (they used to be cut at 10).
    lines = share_lines(rows, 64, name_header="Segment")
    assert lines[1].plain.startswith("Discount seekers ") and lines[2].plain.startswith("Worth winning back ")
    assert all(len(line.plain) <= 64 for line in lines)
    # At 58 only 7 cells are spare: names give 5 (18 -> 13 cells) so both 5-cell bars fit.
    cut = share_lines(rows, 58, name_header="Segment")
    assert cut[2].plain.startswith("Worth winnin… ") and cut[2].plain.count("▎") == 1
    assert all(len(line.plain) <= 58 for line in cut)
    # Narrower than the numbers (10 + 1 + 32 = 43 > 40): names shrink to 7, nothing overflows.
    tiny = share_lines(rows, 40, name_header="Segment")
    assert tiny[1].plain.startswith("Discou… ") and all(len(line.plain) <= 40 for line in tiny)


def test_share_lines_highlight_and_dim_styles() -> None:
    hl, dim = Style(bold=True), Style(italic=True)
    rows = [ShareRow("VIP", 1, 1.0, 1.0, 1.0), ShareRow("Unassigned", 1, 1.0, 1.0, 1.0)]
    out = share_lines(rows, 80, name_header="Segment", styles={"highlight": hl, "dim": dim}, highlight="VIP")
    assert any(span.style == hl for span in out[1].spans)
    assert any(span.style == dim for span in out[2].spans)
    assert not any(span.style == dim for span in out[1].spans)


class BarsHost(App[None]):
    def compose(self) -> ComposeResult:
        yield SegmentBars()
        yield BreakdownView()


def test_segment_bars_and_breakdown_render_names_and_numbers() -> None:
    async def main() -> None:
        app = BarsHost()
        async with app.run_test(size=SIZE) as pilot:
            bars = app.query_one(SegmentBars)
            bars.update_segments(SEGMENTS)
            bars.highlight("VIP")
            breakdown = app.query_one(BreakdownView)
            breakdown.update_breakdown(
                pl.DataFrame(
                    {
                        "value": ["United Kingdom", "(other)"],
                        "customers": [1000, 234],
                        "pct_customers": [81.0, 19.0],
                        "revenue": [1_000_000.0, 234_567.0],
                        "pct_revenue": [81.0, 19.0],
                    }
                ),
                "country",
                "VIP",
            )
            await pilot.pause()
            seg_text = bars.render_text(bars.size.width).plain.splitlines()
            assert len(seg_text) == 4  # header + 3 segments
            assert seg_text[3].split()[:3] == ["Unassigned", "9,000", "29.6%"]
            assert "20,000" in seg_text[2] and "300.0k" in seg_text[2]
            assert bars.size.height == 4
            bd_text = breakdown.render_text(breakdown.size.width).plain.splitlines()
            assert bd_text[0] == "VIP by country"
            assert bd_text[1].startswith("country")
            assert "United Kingdom" in bd_text[2] and "234.6k" in bd_text[3]
            # A panel shorter than its rows says how many it hides instead of cutting them off.
            cut = breakdown.render_text(breakdown.size.width, 3).plain.splitlines()
            assert cut == [*bd_text[:2], "… 2 more rows"]
            breakdown.update_breakdown(pl.DataFrame(schema=["value", "customers", "pct_customers", "revenue", "pct_revenue"]), "city", None)
            assert breakdown.title == "All customers by city"
            assert "(no breakdown)" in breakdown.render_text(80).plain

    asyncio.run(main())


# ---------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "0"), (999.4, "999"), (1000, "1.0k"), (12_345, "12.3k"), (999_949, "999.9k"),
     (999_960, "1.0M"), (1_250_000, "1.2M"), (-3_400_000_000, "-3.4B"), (-0.4, "0"), (None, "")],
)
def test_fmt_money(value, expected) -> None:
    assert fmt_money(value) == expected


def test_fmt_count_pct_number_value() -> None:
    assert fmt_count(1234567) == "1,234,567"
    assert fmt_count(2.6) == "3"
    assert fmt_pct(33.333) == "33.3%"
    assert fmt_pct(math.nan) == ""
    assert fmt_number(-1234.567) == "-1,234.57"
    assert fmt_number(-0.0) == fmt_number(-0.001) == "0.00"
    assert fmt_value(dt.datetime(2011, 12, 9, 8, 26)) == "2011-12-09 08:26:00"
    assert fmt_value(None) == ""


def test_background_sort_result_is_dropped_when_frame_changed_meanwhile() -> None:
    async def body(app, table, pilot):
        table.background_sort_rows = 10  # force the worker path on a small frame
        table.request_sort("revenue")
        table.set_frame(customers(20))  # same UI tick: the pending result is now stale
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.sort_column is None
        assert table.frame["customer_id"][0] == "C000000"
        table.request_sort("revenue")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.sort_column == ("revenue", False)
        assert table.frame["customer_id"][0] == "C000019"

    run(customers(50), body)


def test_click_header_sorts_and_click_row_moves_cursor() -> None:
    async def body(app, table, pilot):
        # customer_id occupies cells 0-14 (width 13 + padding), revenue starts at 15.
        await pilot.click(CustomerTable, offset=(20, 0))
        assert table.sort_column == ("revenue", True)  # a metric: largest first
        await pilot.click(CustomerTable, offset=(5, 3))
        assert table.cursor_row == 2 and table.cursor_column == "customer_id"

    run(customers(30), body)


def test_header_shortens_before_dropping_and_keeps_dates_at_80() -> None:
    header = SegtuiHeader()
    info = HeaderInfo(
        file="transactions.csv", transactions=29_244, customers=3_000, first_date=dt.date(2024, 1, 2),
        last_date=dt.date(2025, 12, 31), as_of=dt.date(2026, 1, 1), ruleset="Value tiers", unsaved=True,
    )
    header.info = info
    assert header.line(200).plain == (
        " segtui │ transactions.csv │ 29,244 tx │ 3,000 customers │ 2024-01-02 → 2025-12-31 │ as of 2026-01-01 │ Value tiers ●"
    )
    # At 80: "cust", no tx count, no app name, and the default as-of (day after the last order) go.
    assert header.line(80).plain == " transactions.csv │ 3,000 cust │ 2024-01-02 → 2025-12-31 │ Value tiers ●"
    # An as-of chosen on purpose stays; the date span gives way to it.
    header.info = replace(info, as_of=dt.date(2025, 6, 30))
    assert header.line(80).plain == " transactions.csv │ 3,000 cust │ as of 2025-06-30 │ Value tiers ●"
    # The rule set and its unsaved marker survive everything.
    assert header.line(20).plain.endswith("Value tiers ●")
