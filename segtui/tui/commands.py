"""Command palette (ctrl+p): every key's action, searchable by name, from the same bindings."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from segtui.tui.screens.help import described_bindings

__all__ = ["SegtuiCommands"]


class SegtuiCommands(Provider):
    """Offers each described binding of the main screen and the app as a command.

    The palette lists the same actions as the keys, so it cannot offer something the
    keyboard cannot do, nor miss a key added later.
    """

    def _commands(self) -> list[tuple[str, str, str]]:
        """(title, action, help) for the screen the palette was opened from."""
        from segtui.tui.screens.main import MainScreen

        if not isinstance(self.screen, MainScreen):
            return []
        commands = []
        for binding, keys in described_bindings(self.app, [type(self.screen)]):
            commands.append((f"{binding.description}  ({keys})", binding.action, binding.tooltip))
        return commands

    async def discover(self) -> Hits:
        for title, action, help_text in self._commands():
            yield DiscoveryHit(title, partial(self.screen.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in self._commands():
            score = matcher.match(f"{title} {help_text}")
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.screen.run_action, action), text=title, help=help_text)
