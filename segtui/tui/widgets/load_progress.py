"""The loading panel: each stage of the load with its elapsed time, while the file loads."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from segtui.display import printable
from segtui.progress import Progress

__all__ = ["LoadProgress", "elapsed"]

#: Redrawn this often (seconds): the spinner moves and the seconds tick.
TICK = 0.2
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def elapsed(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour), as the loading panel shows a duration.

    Examples
    --------
    >>> elapsed(0.4), elapsed(83.9), elapsed(3723)
    ('0:00', '1:23', '1:02:03')
    """
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


class LoadProgress(Static):
    """The stages of the load being followed, done ones ticked, with the time each took.

    It reads the load's ``Progress`` on a timer (the worker never calls into the UI), so
    a load stuck in one long Polars step still shows its time going up.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._progress: Progress | None = None

    def on_mount(self) -> None:
        self.set_interval(TICK, self._draw)

    def follow(self, progress: Progress) -> None:
        """Show the stages of ``progress`` (a new load) from now on."""
        self._progress = progress
        self._draw()

    def _draw(self) -> None:
        if self._progress is not None:
            self.update(self.render_stages(self._progress))

    @staticmethod
    def render_stages(progress: Progress) -> Text:
        """One line per stage (spinner on the current one, its time going up), then the total."""
        now = progress.clock()
        stages = list(progress.stages)  # the worker may append meanwhile
        names = [printable(name[:1].upper() + name[1:]) for name, _ in stages] or ["Starting"]
        starts = [start for _, start in stages] or [progress.started]
        width = max(len(name) for name in names)
        text = Text()
        for i, name in enumerate(names):
            last = i == len(names) - 1
            end = now if last else starts[i + 1]
            if last:
                text.append(_SPINNER[int(now * 10) % len(_SPINNER)] + " ", style="bold")
            else:
                text.append("✓ ", style="green")
            text.append(name.ljust(width) + "  ")
            text.append(f"{elapsed(end - starts[i]):>5}\n", style="dim")
        text.append(f"\n{elapsed(now - progress.started)} in all · q quits", style="dim")
        return text
