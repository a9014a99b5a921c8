"""Benchmark of the change-over-time analyses (issue 11) against one customer-view build.

Targets: ``segtui migrate`` ≤ 2.2× one build; 24 monthly drift points ≤ 4× one build.
Each repeat runs, one after the other on the same file (so they share the machine's load):

- build:   read the file and build the full customer view (what every command does first)
- migrate: the ``migrate`` command's work: the full view as of TO (it validates the rules and
           is TO's snapshot), then the pruned view as of FROM (TO − 90 days) and the matrix
- drift:   the ``drift`` command's work: the full view, then 24 monthly points
           (also reported without the full view: the analysis alone)

Medians and min over the repeats; ratios are medians over the build's median.

    python benchmarks/change.py /tmp/x.parquet --repeats 5            # prints a table
    python benchmarks/change.py /tmp/x.parquet --write                 # and updates RESULTS.md
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from segtui.analysis.drift import drift
from segtui.analysis.migration import migrate_dataset
from segtui.analysis.series import cumulative_supported
from segtui.dataset import load_dataset, load_dataset_for_rules
from segtui.rulefile import load_rules, validate_rules
from segtui.resources import RULES_DIR

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
BEGIN, END = "<!-- BEGIN CHANGE (benchmarks/change.py) -->", "<!-- END CHANGE -->"


#: CPU seconds (all threads of this process) of the last ``_timed`` call: on a shared machine
#: the wall clock depends on the neighbours' load, the work done much less.
_cpu: list[float] = [0.0]


def _timed(work) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    work()
    _cpu[0] = time.process_time() - cpu
    return time.perf_counter() - start


def _migrate(path: Path, rules: Path) -> None:
    ruleset = load_rules(rules)
    ds = load_dataset_for_rules(ruleset, path)
    assert not validate_rules(ruleset, ds.view.frame.schema)
    migrate_dataset(ds, ruleset)


def _drift(path: Path, rules: Path, seconds: dict[str, list[float]], key: str) -> None:
    ruleset = load_rules(rules)
    ds = load_dataset_for_rules(ruleset, path)
    assert not validate_rules(ruleset, ds.view.frame.schema)
    view = ds.view
    seconds[key].append(_timed(lambda: drift(ds.transactions, ruleset, first_date=view.first_date, as_of=view.as_of)))
    seconds[f"{key} cpu"].append(_cpu[0])


def measure(path: Path, rule_names: list[str], repeats: int, log=print) -> dict:
    """Wall and CPU seconds per repeat of every measure, interleaved so they share the same load.

    ``seconds[key]`` holds wall-clock seconds, ``seconds[key + " cpu"]`` CPU seconds.
    One unmeasured build first warms the file cache and Polars' thread pool.
    """
    load_dataset(path)
    keys = ["build"]
    for name in rule_names:
        keys += [f"migrate {name}", f"drift {name}", f"drift {name}, analysis only"]
    seconds: dict[str, list[float]] = {k: [] for key in keys for k in (key, f"{key} cpu")}

    def record(key: str, work) -> None:
        seconds[key].append(_timed(work))
        seconds[f"{key} cpu"].append(_cpu[0])

    for repeat in range(repeats):
        record("build", lambda: load_dataset(path))
        for name in rule_names:
            rules = RULES_DIR / f"{name}.yaml"
            record(f"migrate {name}", lambda: _migrate(path, rules))
            record(f"drift {name}", lambda: _drift(path, rules, seconds, f"drift {name}, analysis only"))
        log(f"repeat {repeat + 1}/{repeats}: " + ", ".join(f"{k} {seconds[k][-1]:.2f}s" for k in keys))
    tx = pl.scan_parquet(path).select(pl.len()).collect().item() if path.suffix == ".parquet" else None
    return {"path": str(path), "transactions": tx, "repeats": repeats, "seconds": seconds,
            "fast_path": {n: cumulative_supported(load_rules(RULES_DIR / f"{n}.yaml")) for n in rule_names},
            "load": os.getloadavg()[0], "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def table(result: dict) -> str:
    """Markdown: medians of wall and CPU seconds and their ratio to the build's, with the targets.

    The verdict is on the wall-clock ratio; the CPU ratio beside it is the steadier figure
    when the machine is shared.
    """
    runs = result["seconds"]
    build, build_cpu = statistics.median(runs["build"]), statistics.median(runs["build cpu"])
    targets = {"migrate": 2.2, "drift": 4.0}
    lines = [
        f"{result['path']} ({result['transactions'] or '?':,} transactions), median of {result['repeats']} repeats, "
        f"{result['when']}, 1-minute load average at the end {result['load']:.1f}",
        "",
        "| measure | wall median (min) | × one build | CPU median | × one build (CPU) | target | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, values in runs.items():
        if key.endswith(" cpu"):
            continue
        median, cpu = statistics.median(values), statistics.median(runs[f"{key} cpu"])
        kind = key.split()[0]
        ratio = median / build
        target = targets.get(kind) if "analysis" not in key and key != "build" else None
        verdict = "" if target is None else ("PASS" if ratio <= target else "FAIL")
        name = key.split()[1].rstrip(",") if key != "build" else ""
        path = " (one pass)" if result["fast_path"].get(name) else " (a build per date)"
        lines.append(
            f"| {key}{path if kind == 'drift' else ''} | {median:.2f} s ({min(values):.2f} s) | {ratio:.2f} | "
            f"{cpu:.2f} s | {cpu / build_cpu:.2f} | {'' if target is None else f'≤ {target}'} | {verdict} |"
        )
    return "\n".join(lines)


def write(text: str, name: str) -> None:
    """Replace (or add) the figures for data file ``name`` in this benchmark's section of RESULTS.md."""
    body = RESULTS.read_text()
    blocks: dict[str, str] = {}
    if BEGIN in body and END in body:
        head, rest = body.split(BEGIN, 1)
        inside, tail = rest.split(END, 1)
        for chunk in inside.split("\n### ")[1:]:
            title, _, content = chunk.partition("\n")
            blocks[title.strip()] = content.strip()
    else:
        head, tail = body.rstrip() + "\n\n", "\n"
    blocks[name] = text
    parts = [f"### {title}\n\n{content}" for title, content in blocks.items()]
    section = f"{BEGIN}\n\n## Change over time (issue 11), measured by benchmarks/change.py\n\n" + "\n\n".join(parts)
    RESULTS.write_text(head + section + f"\n\n{END}" + tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="transaction file, e.g. from `segtui sample -o x.parquet --customers 100000 --seed 1`")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rules", default="lifecycle,rfm,value", help="shipped rule sets, comma separated")
    parser.add_argument("--write", action="store_true", help="also update the section in benchmarks/RESULTS.md")
    args = parser.parse_args()
    result = measure(args.data, args.rules.split(","), args.repeats)
    text = table(result)
    print(text)
    if args.write:
        write(text, args.data.name)


if __name__ == "__main__":
    main()
