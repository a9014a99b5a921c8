"""Stages of a long load, and a way to stop it: the core reports, the CLI and the app draw.

Opening a 10M-line file takes tens of seconds. The core calls ``Progress.stage`` each
time it moves on (reading the file, building the customer view, evaluating the rules,
writing the output); a front end passes a ``Progress`` whose callback draws the stage
(the CLI with Rich on stderr, the app in its loading panel) and calls ``cancel()`` when
the user quits, so that the job stops at its next stage with ``Cancelled``. A Polars
``collect`` in progress cannot be interrupted from Python: the app does not wait for it
at exit (see ``SegtuiApp.run_async``). Nothing here imports Rich or Textual.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from time import monotonic

from segtui.errors import SegtuiError

__all__ = ["BUILDING", "CHECKING", "EVALUATING", "Cancelled", "Progress", "reading", "writing"]

#: The stage names the core reports; files are named by ``reading`` and ``writing``.
BUILDING = "building the customer view"
CHECKING = "checking the rules on the data"
EVALUATING = "evaluating the rules"


def reading(path: str | Path) -> str:
    """The stage of reading ``path`` (named by its file name, as in the app's header).

    Examples
    --------
    >>> reading("/data/sales 2025.csv")
    'reading sales 2025.csv'
    """
    return f"reading {Path(path).name}"


def writing(path: str | Path) -> str:
    """The stage of writing ``path``.

    Examples
    --------
    >>> writing("out/members.parquet")
    'writing members.parquet'
    """
    return f"writing {Path(path).name}"


class Cancelled(SegtuiError):
    """The user stopped the job (quit the app while a file was loading)."""

    def __init__(self, stage: str | None) -> None:
        super().__init__(f"cancelled while {stage or 'starting'}", title="Cancelled")


class Progress:
    """Where a long job reports its stages, and how a front end tells it to stop.

    ``on_stage`` is called with each stage's name, in the thread doing the work; it
    should only hand the name on (draw it, store it). ``stages`` lists every stage so far
    with the ``clock()`` time it started, readable from any thread (the app's loading
    panel reads it on a timer instead of being called from the worker).

    Examples
    --------
    >>> seen = []
    >>> progress = Progress(seen.append)
    >>> progress.stage(reading("sales.csv")); progress.stage(BUILDING)
    >>> seen, progress.current, len(progress.stages)
    (['reading sales.csv', 'building the customer view'], 'building the customer view', 2)
    >>> progress.cancel()
    >>> progress.stage(EVALUATING)
    Traceback (most recent call last):
    ...
    segtui.progress.Cancelled: cancelled while building the customer view
    """

    def __init__(self, on_stage: Callable[[str], None] | None = None) -> None:
        self._on_stage = on_stage
        # an Event, not a bool: cancel() comes from the UI thread, stage() runs in a worker
        self._cancel = threading.Event()
        #: where stage times come from (read when made: tests freeze it for screenshots)
        self.clock: Callable[[], float] = monotonic
        self.started = self.clock()
        self.stages: list[tuple[str, float]] = []

    @property
    def current(self) -> str | None:
        """The stage the job is in (None before the first)."""
        return self.stages[-1][0] if self.stages else None

    def stage(self, name: str) -> None:
        """Report that the job starts ``name``; raises ``Cancelled`` if it was cancelled."""
        self.check()
        self.stages.append((name, self.clock()))
        if self._on_stage is not None:
            self._on_stage(name)

    def steps(self, name: str) -> Callable[[int, int], None]:
        """A ``(done, total)`` callback reporting ``name (done/total)``, for jobs counted in steps.

        Examples
        --------
        >>> progress = Progress(print)
        >>> step = progress.steps("building the view at each date")
        >>> step(3, 24)
        building the view at each date (3/24)
        """
        return lambda done, total: self.stage(f"{name} ({done}/{total})")

    def cancel(self) -> None:
        """Ask the job to stop: its next ``stage`` (or ``check``) raises ``Cancelled``."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether ``cancel`` was called."""
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise ``Cancelled`` if the job was cancelled (for loops between stages)."""
        if self._cancel.is_set():
            raise Cancelled(self.current)
