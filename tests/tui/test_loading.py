"""The loading panel: the load's stages with their times, and quitting in the middle of a load.

The load is made slow with a fake ``open_session`` that reports two stages and then
waits until it is cancelled (at most ``STUCK`` seconds), as a 10M-line build would.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.worker import WorkerFailed

import segtui.progress
import segtui.tui.app
from segtui.progress import BUILDING, Cancelled, Progress, reading
from segtui.tui.app import SegtuiApp
from segtui.tui.session import LoadOptions
from segtui.tui.widgets.load_progress import LoadProgress

#: How long the fake load waits for a cancel before giving up (a test without one fails).
STUCK = 10.0


class SlowLoad:
    """A fake ``open_session``: reads for 3.4 s, then builds until it is cancelled."""

    def __init__(self, clock: list[float] | None = None) -> None:
        self.stopped = threading.Event()  # set when the load saw the cancel and stopped
        self.release = threading.Event()  # ends the load as if cancelled, the app still up
        self.clock = clock

    def __call__(self, options: LoadOptions, progress: Progress) -> None:
        if self.clock is not None:  # frozen time: the screenshot shows fixed durations
            progress.stage(reading(options.data_path))
            self.clock[0] += 3.4
            progress.stage(BUILDING)
            self.clock[0] += 12.0
        else:
            progress.stage(reading(options.data_path))
            progress.stage(BUILDING)
        deadline = time.monotonic() + STUCK
        while not progress.cancelled and not self.release.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
        if progress.cancelled:
            self.stopped.set()
        progress.check()
        if self.release.is_set():
            raise Cancelled(progress.current)
        raise AssertionError("the load was never cancelled")


@pytest.fixture
def slow_load(monkeypatch: pytest.MonkeyPatch) -> SlowLoad:
    load = SlowLoad()
    monkeypatch.setattr(segtui.tui.app, "open_session", load)
    return load


def _app() -> SegtuiApp:
    return segtui.tui.app.make_app(data_path=Path("big.parquet"))


async def _until(pilot: Pilot, text: str) -> str:
    """The loading panel's text, once it shows ``text``."""
    shown = ""
    for _ in range(100):
        try:  # app.run() (the screenshots) starts the pilot before the screen is up
            shown = str(pilot.app.screen.query_one(LoadProgress).content)
        except NoMatches:
            pass
        if text in shown:
            return shown
        await pilot.pause(0.05)
    raise AssertionError(f"{text!r} never shown; the panel shows {shown!r}")


def test_the_loading_panel_shows_each_stage_and_the_time(slow_load: SlowLoad) -> None:
    async def main() -> None:
        async with _app().run_test(size=(80, 24)) as pilot:
            shown = await _until(pilot, "Building the customer view")
            assert "✓ Reading big.parquet" in shown
            assert "in all · q quits" in shown
            assert "0:0" in shown.splitlines()[1]  # the current stage's time
            slow_load.release.set()  # leaving run_test does not go through exit(): no cancel

    asyncio.run(main())


@pytest.mark.parametrize("key", ["q", "ctrl+c"])
def test_quitting_in_the_middle_of_a_load_exits_at_once_and_stops_the_load(slow_load: SlowLoad, key: str) -> None:
    async def main() -> float:
        app = _app()
        async with app.run_test(size=(80, 24)) as pilot:
            await _until(pilot, "Building the customer view")
            pressed = time.monotonic()
            await pilot.press(key)
            await pilot.pause()
            assert app._exit  # the app is on its way out, no dialog asking anything
        assert slow_load.stopped.wait(1.0)  # the worker heard the cancel: nothing keeps running
        return time.monotonic() - pressed

    assert asyncio.run(main()) < 1.0


def test_loading_screen_80x24(monkeypatch: pytest.MonkeyPatch, snap_compare) -> None:
    clock = [1000.0]
    monkeypatch.setattr(segtui.progress, "monotonic", lambda: clock[0])
    load = SlowLoad(clock)
    monkeypatch.setattr(segtui.tui.app, "open_session", load)

    async def building(pilot: Pilot) -> None:
        await _until(pilot, "0:15 in all")
        # Ended before the screenshot (the panel stays as it is): an app.run() quit in
        # the middle of a load ends the process, as it must for a real one.
        load.release.set()
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerFailed:
            pass

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=building)
