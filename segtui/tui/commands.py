"""Command palette (ctrl+p): every key's action, searchable by name, from the same bindings."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from segtui.tui.screens.help import described_bindings

__all__ = ["SegtuiCommands"]


class SegtuiCommands(Provider):
    """Offers each described binding of the main screen and the customer table as a command.

    The palette lists the same actions as the keys, so it cannot offer something the
    keyboard cannot do, nor miss a key added later.
    """

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """(title, run it, help) for the screen the palette was opened from."""
        from segtui.tui.screens.main import MainScreen
        from segtui.tui.widgets.customer_table import CustomerTable

        screen = self.screen
        if not isinstance(screen, MainScreen):
            return []
        # The table's own keys (sort) act on the table, not the screen; only those with a
        # tooltip are offered, so that cursor keys do not crowd the palette.
        targets = ((MainScreen, screen), (CustomerTable, screen.query_one(CustomerTable)))
        return [
            (f"{binding.description}  ({keys})", partial(target.run_action, binding.action), binding.tooltip)
            for owner, target in targets
            for binding, keys in described_bindings(self.app, [owner])
            if binding.tooltip
        ]

    async def discover(self) -> Hits:
        for title, run, help_text in self._commands():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, run, help_text in self._commands():
            score = matcher.match(f"{title} {help_text}")
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, text=title, help=help_text)
