"""Toggle -> counts on screen in the segtui TUI, measured headless with Textual's pilot.

Two clocks per toggle:

- in-app: from the moment the ``toggle`` action runs (the key's action) to the
  ``call_after_refresh`` the app schedules once the new counts are in the widgets
  (``SegtuiApp._painted``), i.e. the repaint that shows them. The app's own
  ``latency_ms`` (which starts after the tree is rebuilt) is recorded beside it.
- pilot: ``pilot.press("space")`` until those counts are painted, as a test sees it. The
  pilot waits for the CPU to go idle after a key, which costs about 80 ms even for a
  trivial update (DESIGN.md "Measured facts"), so this is an upper bound with a floor.

Each repeat switches off the first rule of a different segment (a state the evaluator
has not cached: the honest case), then switches it back on (cached: what toggling back
and forth costs). Between toggles the harness waits for every worker to finish.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path
from typing import Any

SIZE = (160, 48)
LOAD_TIMEOUT_S = 900.0


def _timing(runs: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(runs), "min": min(runs), "runs": runs}


async def _idle(app, pilot) -> None:  # noqa: ANN001
    """Wait until no worker (evaluation, detail refresh) is running."""
    while any(w.is_running for w in list(app.workers)):
        await pilot.pause(0.01)
    await pilot.pause()


async def _wait_for(pilot, condition, timeout: float) -> None:  # noqa: ANN001
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"TUI did not get there within {timeout:.0f} s")
        await pilot.pause(0.05)


def _rule_line(ruleset, segment: int) -> int:  # noqa: ANN001
    """Tree line of the first rule of ``segment`` (root, then each segment and its rules)."""
    return 1 + sum(1 + len(s.rules) for s in ruleset.segments[:segment]) + 1


async def _measure(data: Path, rules: Path, repeats: int) -> dict[str, Any]:
    from segtui.tui.app import make_app  # noqa: PLC0415 - Textual only when measuring the TUI
    from segtui.tui.editing import NodeRef  # noqa: PLC0415
    from segtui.tui.screens.main import MainScreen  # noqa: PLC0415

    app = make_app(data, rules)
    marks: dict[str, float] = {}
    start = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        await _wait_for(pilot, lambda: app.evaluation is not None, LOAD_TIMEOUT_S)
        load_s = time.perf_counter() - start
        await _idle(app, pilot)
        screen = app.main
        assert isinstance(screen, MainScreen)

        # Timestamp the key's action, and the repaint after the counts changed.
        action_toggle, painted = screen.action_toggle, app._painted

        def timed_toggle() -> None:
            marks["key"] = time.perf_counter()
            action_toggle()

        def timed_painted(started: float, *args: Any) -> None:
            marks["painted"] = time.perf_counter()
            painted(started, *args)

        screen.action_toggle = timed_toggle  # type: ignore[method-assign]
        app._painted = timed_painted  # type: ignore[method-assign]

        result: dict[str, list[float]] = {k: [] for k in ("in_app", "app_latency", "pilot", "in_app_back", "pilot_back")}
        n_segments = len(app.ruleset.segments)
        for i in range(repeats):
            segment = i % n_segments
            screen.tree.move_cursor_to_line(_rule_line(app.ruleset, segment))
            await _idle(app, pilot)
            assert screen.tree.selected == NodeRef("rule", segment, 0), screen.tree.selected
            for suffix in ("", "_back"):  # off (uncached), then on again (cached)
                marks.clear()
                app.latency_ms = None
                t0 = time.perf_counter()
                await pilot.press("space")
                await _wait_for(pilot, lambda: "painted" in marks, 60)
                result["pilot" + suffix].append(time.perf_counter() - t0)
                result["in_app" + suffix].append(marks["painted"] - marks["key"])
                if not suffix:
                    result["app_latency"].append((app.latency_ms or 0) / 1000)
                await _idle(app, pilot)
        customers = app.session.frame.height if app.session else 0
        app.exit()
    out: dict[str, Any] = {k: _timing(v) for k, v in result.items() if v}
    out |= {"customers": customers, "load_s": load_s, "size": f"{SIZE[0]}x{SIZE[1]}"}
    return out


def measure(data: Path, rules: Path, repeats: int) -> dict[str, Any]:
    """Run the TUI on ``data`` with ``rules`` and time ``repeats`` rule toggles (seconds)."""
    before = os.getloadavg()
    out = asyncio.run(_measure(Path(data), Path(rules), repeats))
    # the machine's load beside the figures: a busy machine slows the UI thread most
    return out | {"load_average_before": before, "load_average_after": os.getloadavg()}


if __name__ == "__main__":  # python benchmarks/tui_latency.py DATA [RULES] [REPEATS]
    import json
    import sys

    here = Path(__file__).resolve().parent
    args = sys.argv[1:]
    res = measure(Path(args[0]), Path(args[1]) if len(args) > 1 else here / "rules_10.yaml",
                  int(args[2]) if len(args) > 2 else 5)
    print(json.dumps(res, indent=1))
