"""Keys typed faster than a dialog opens go to the dialog, not nowhere.

A key goes to the focused panel when it arrives, and bubbles up to the app, which runs
the bindings of the screen that is active *then*. Typed quickly after ``x`` (then
``ctrl+u`` and a path), the following keys are already on their way up from the main
screen's panel when ``x`` opens the export prompt: the app would match them against the
prompt's bindings and drop them. So a panel stamps each key with its screen, and the app
sends a key stamped with a screen that is no longer active to the active one
(``SegtuiApp._on_key``), where the prompt's input receives it.
"""

from __future__ import annotations

from textual import events

__all__ = ["KeysFollowTheActiveScreen", "origin_screen"]

_ORIGIN = "_segtui_origin_screen"


class KeysFollowTheActiveScreen:
    """Mixin for the main screen's focusable panels (first in the bases).

    Textual calls every class's ``_on_key`` along the MRO, so this only adds the stamp.
    """

    async def _on_key(self, event: events.Key) -> None:
        setattr(event, _ORIGIN, getattr(self, "screen", None))


def origin_screen(event: events.Key) -> object | None:
    """The screen whose panel a key was delivered to, if a panel stamped it."""
    return getattr(event, _ORIGIN, None)
