"""Time ``segtui apply RULES DATA --engine E`` per engine: wall and CPU time of the whole process tree.

    python benchmarks/engines.py /tmp/native_1m.parquet                        # polars, duckdb, spark
    python benchmarks/engines.py /tmp/x10m.parquet --engines polars,duckdb --repeats 3

Each run is a fresh process (Spark's JVM start is part of its time). Engines are
interleaved run by run, so a machine that gets busier slows every engine alike; the
median of the repeats is printed with the 1-minute load average around each run.
CPU time is user + system of the process and of every process it starts (Spark's
JVM included), read from /proc while it runs: on a shared machine compare CPU
times, and rerun on a quiet one for wall times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_TICK = os.sysconf("SC_CLK_TCK")


def _tree_cpu(root: int, seen: dict[int, float]) -> None:
    """Record the CPU seconds so far of ``root`` and its descendants into ``seen`` (pid -> seconds)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(entry), int(fields[1])
        children.setdefault(parent, []).append(pid)
        # utime + stime; children's cutime would count twice the processes seen here
        stats[pid] = (int(fields[11]) + int(fields[12])) / _TICK
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            seen[pid] = max(seen.get(pid, 0.0), stats[pid])
        todo.extend(children.get(pid, []))


def run_once(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``command`` and its process tree."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    seen: dict[int, float] = {}
    while process.poll() is None:
        _tree_cpu(process.pid, seen)
        time.sleep(0.2)
    wall = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {process.stderr.read().decode()}")  # type: ignore[union-attr]
    # the process itself is gone: its own figure is the last one seen, at most 0.2 s old
    return wall, sum(seen.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--rules", type=Path, default=ROOT / "rules" / "rfm.yaml")
    parser.add_argument("--engines", default="polars,duckdb,spark")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    segtui = str(Path(sys.executable).with_name("segtui"))
    engines = args.engines.split(",")
    times: dict[str, list[tuple[float, float, float]]] = {e: [] for e in engines}
    for repeat in range(args.repeats):
        for engine in engines:
            load = os.getloadavg()[0]
            wall, cpu = run_once([segtui, "apply", str(args.rules), str(args.data), "--engine", engine])
            times[engine].append((wall, cpu, load))
            print(f"run {repeat + 1} {engine:7} wall {wall:7.1f} s  cpu {cpu:7.1f} s  load {load:.1f}", flush=True)
    print(f"\n{args.data.name}, {args.rules.name}, median of {args.repeats}:")
    for engine, runs in times.items():
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        loads = ", ".join(f"{r[2]:.1f}" for r in runs)
        print(f"  {engine:7} wall {wall:7.1f} s  cpu {cpu:7.1f} s  (1-min load before each run: {loads})")


if __name__ == "__main__":
    main()
