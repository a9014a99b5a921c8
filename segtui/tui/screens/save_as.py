"""The save-as prompt: where to write the rule set, and whether to record the data in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from segtui.tui.screens.dialogs import PromptScreen

__all__ = ["SaveAsScreen"]


class SaveAsScreen(PromptScreen):
    """Ask for a path; show the ``data.path`` the file will record, ctrl+r leaves it out.

    ``data_path(target)`` is that path as written in a file saved at ``target`` (or None
    when there is nothing to record). The choice is read from ``record_data`` once the
    screen is dismissed.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *PromptScreen.BINDINGS,
        Binding("ctrl+r", "toggle_data", "Record the data or not", priority=True),
    ]

    def __init__(
        self,
        title: str,
        value: str,
        *,
        check: Callable[[str], str | None],
        data_path: Callable[[str], str | None],
    ) -> None:
        super().__init__(
            title, value, check=check, hint="enter: save · tab: complete · ctrl+r: record the data or not · esc: cancel", path=True
        )
        self._data_path = data_path
        self.record_data = True

    def on_mount(self) -> None:
        self.query_one(".dialog").mount(Static("", id="save-data", markup=False), before="#prompt-problem")
        self.call_after_refresh(self._show_data)

    @on(Input.Changed)
    def _show_data(self) -> None:
        line = self.query("#save-data")
        if not line:
            return
        path = self._data_path(self.query_one(Input).value.strip())
        if path is None:
            text = "no data file to record"
        elif self.record_data:
            text = f"records data.path: {path}"
        else:
            text = f"leaves data.path as the rule set has it (not {path})"
        line.first(Static).update(text)

    def action_toggle_data(self) -> None:
        self.record_data = not self.record_data
        self._show_data()
