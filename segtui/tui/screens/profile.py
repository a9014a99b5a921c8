"""The profile screen: who the selected segment's customers are, against the universe.

Full screen so that it fits 80x24 with room for rows; ←/→ step through the segments,
↑/↓/page keys scroll, esc goes back. The profile is computed in a thread worker and a
result for a segment no longer shown is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import polars as pl
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from segtui.display import printable
from segtui.tui.format import fmt_count, fmt_pct
from segtui.tui.widgets.profile_view import ProfileView

__all__ = ["ProfileScreen"]

#: (customers of the segment, customers of the universe, its profile frame)
Computed = tuple[int, int, pl.DataFrame]


class ProfileScreen(Screen[None]):
    """Profile of one segment at a time, of the groups given (segments, then Unassigned)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the scrolling panel's own left/right (no horizontal scroll here) would
        # otherwise hide these from the footer
        Binding("left", "step(-1)", "Prev segment", tooltip="Profile the previous segment", priority=True),
        Binding("right", "step(1)", "Next segment", tooltip="Profile the next segment", priority=True),
        Binding("escape,q,p", "close", "Back", tooltip="Back to the segments"),
    ]

    DEFAULT_CSS = """
    ProfileScreen #profile-title { height: 1; padding: 0 1; text-style: bold; background: $panel; }
    ProfileScreen #profile-scroll { border: round $accent; border-title-color: $accent; padding: 0 1; height: 1fr; scrollbar-size-vertical: 1; }
    ProfileScreen #profile-note { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, groups: list[str], current: int, compute: Callable[[str], Computed]) -> None:
        super().__init__()
        self._groups = groups
        self._current = current
        self._compute = compute
        self._gen = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="profile-title", markup=False)
        with VerticalScroll(id="profile-scroll"):
            yield ProfileView(id="profile")
        yield Static("index = segment / all customers × 100 · bar: log scale, full at 25 and 400", id="profile-note")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#profile-scroll").border_title = "Profile"
        self.query_one("#profile-scroll").focus()
        self._request()

    @property
    def segment(self) -> str:
        """The segment being shown."""
        return self._groups[self._current]

    def _request(self) -> None:
        self._gen += 1
        gen, name = self._gen, self.segment
        self.query_one("#profile-title", Static).update(Content(f"Profile of {printable(name)} · computing…"))
        self.run_worker(lambda: self._work(gen, name), thread=True, exclusive=True, group="profile", exit_on_error=False)

    def _work(self, gen: int, name: str) -> None:
        result = self._compute(name)
        self.app.call_from_thread(self._show, gen, name, result)

    def _show(self, gen: int, name: str, result: Computed) -> None:
        if gen != self._gen:
            return  # the user has moved on to another segment
        customers, universe, frame = result
        share = f" ({fmt_pct(100 * customers / universe)} of {fmt_count(universe)})" if universe else ""
        position = f"{self._current + 1}/{len(self._groups)}"
        self.query_one("#profile-title", Static).update(
            Content(f"Profile of {printable(name)} · {fmt_count(customers)} customers{share} · {position}")
        )
        self.query_one("#profile-scroll").border_title = Content(f"{printable(name)} vs all customers")
        self.query_one(ProfileView).show(frame)
        self.query_one("#profile-scroll", VerticalScroll).scroll_home(animate=False)

    def action_step(self, delta: int) -> None:
        if len(self._groups) > 1:
            self._current = (self._current + delta) % len(self._groups)
            self._request()

    def action_close(self) -> None:
        self.dismiss(None)
