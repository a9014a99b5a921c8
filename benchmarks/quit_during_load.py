"""Quitting the app in the middle of a long load: seconds from the key to the process's exit.

Runs ``segtui FILE`` in a real terminal (a tmux session, 100x30), waits ``--after``
seconds into the load, sends the key (``q`` or ``C-c``), and takes the time at which the
shell that started segtui sees it exit. The loading panel's text just before the key is
printed, so each run says which stage it interrupted. Needs tmux.

    .venv/bin/python benchmarks/quit_during_load.py /tmp/x10m.parquet --after 4 15 30 --repeat 3

Report the load average with the numbers: on a busy 2-core machine the app's own event
loop waits for a core while Polars builds the view on both.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SESSION = "segtui_quit_bench"


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def quit_latency(data: Path, key: str, after: float, timeout: float = 120.0) -> tuple[float, str]:
    """Seconds from ``key`` (sent ``after`` seconds into the load) to segtui's exit, and the stage shown."""
    with tempfile.TemporaryDirectory() as tmp:
        stamp = Path(tmp) / "exited"
        segtui = Path(sys.executable).with_name("segtui")
        # date(1), not a Python: a Python's start-up would count as quitting time
        command = f"{shlex.quote(str(segtui))} {shlex.quote(str(data))}; date +%s.%N > {stamp}"
        _tmux("kill-session", "-t", SESSION)
        _tmux("new-session", "-d", "-s", SESSION, "-x", "100", "-y", "30", command + "; sleep 600")
        try:
            time.sleep(after)
            shown = " / ".join(line.strip() for line in _tmux("capture-pane", "-p", "-t", SESSION).splitlines() if "0:" in line)
            pressed = time.time()
            _tmux("send-keys", "-t", SESSION, key)
            deadline = pressed + timeout
            while time.time() < deadline:
                if stamp.exists() and stamp.read_text().strip():
                    return float(stamp.read_text()) - pressed, shown
                time.sleep(0.01)
            raise SystemExit(f"segtui did not exit within {timeout:.0f} s of {key}")
        finally:
            _tmux("kill-session", "-t", SESSION)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--after", type=float, nargs="+", default=[4.0, 15.0, 30.0], help="seconds into the load")
    parser.add_argument("--keys", nargs="+", default=["q", "C-c"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for after in args.after:
        for key in args.keys:
            runs = []
            for _ in range(args.repeat):
                seconds, shown = quit_latency(args.data, key, after)
                runs.append(seconds)
                print(f"  {key} at {after:g} s: {seconds:.2f} s  [{shown}]")
            print(f"{key} at {after:g} s: median {statistics.median(runs):.2f} s, max {max(runs):.2f} s of {len(runs)}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
