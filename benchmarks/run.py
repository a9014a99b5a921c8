"""Benchmark segtui against DuckDB and pandas doing the same work, and write RESULTS.md.

Usage::

    python benchmarks/run.py [--sizes 100k,1m,10m] [--repeats 5] [--out benchmarks/RESULTS.md]

Every figure is the median (and min) of ``--repeats`` runs; a ratio compares two medians
taken in the same run. Results are kept per size in ``benchmarks/results.json`` so that
running one size refreshes only its rows of RESULTS.md. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import competitors  # noqa: E402 - a sibling module, not a package
from competitors import FileSpec  # noqa: E402

from segtui.dataset import load_dataset  # noqa: E402
from segtui.codes import text_codes  # noqa: E402
from segtui.evaluate import Evaluator  # noqa: E402
from segtui.read.transactions import read_transactions  # noqa: E402
from segtui import rulefile  # noqa: E402
from segtui.rules import RuleSet  # noqa: E402
from segtui.sample import customers_for_transactions, write_sample  # noqa: E402

CACHE = HERE / ".cache"
RULES = HERE / "rules_10.yaml"
RESULTS_JSON = HERE / "results.json"
SEED = 7
#: The rule the "toggle" measure switches off (VIP's recency rule): in the first segment, so every
#: later first_match segment has to be recomputed too (the worst case for a toggle).
TOGGLE = (0, 2)
#: Evaluations take milliseconds: at least this many runs each, so that one slow run on a
#: shared machine (or the first run's one-time costs) is not the median of three.
EVAL_REPEATS = 15
BEGIN, END = "<!-- BEGIN GENERATED (benchmarks/run.py) -->", "<!-- END GENERATED -->"

#: Targets from issue 5 / DESIGN.md "Performance contract".
TARGETS = {  # issue 14's targets (issue 5's were SCV ≤ 1.0 and 3 GB)
    "scv_ratio_10m": 0.75,  # segtui SCV time / DuckDB time on 10M transactions
    "scv_ratio_1m": 0.8,
    "eval_ms_1m_customers": 20.0,
    "reeval_ms_1m_customers": 12.0,
    "toggle_ms_1m_customers": 100.0,
    "apply_rss_gb_10m": 1.5,
    "help_s": 0.5,
}


# --------------------------------------------------------------------------- timing


@dataclass
class Timing:
    """Wall-clock seconds of each run."""

    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def min(self) -> float:
        return min(self.runs)

    def to_json(self) -> dict[str, Any]:
        return {"median": self.median, "min": self.min, "runs": self.runs}


def measure(fn: Callable[[], Any], repeats: int, setup: Callable[[], Any] | None = None) -> tuple[Timing, Any]:
    """Run ``fn`` ``repeats`` times (after an untimed ``setup`` each time); timing and last result.

    Garbage from the previous run is collected before the clock starts, so one run's
    leftovers do not land in the next one's time.
    """
    runs, result = [], None
    for _ in range(repeats):
        arg = setup() if setup is not None else None
        result = None
        gc.collect()
        start = time.perf_counter()
        result = fn(arg) if setup is not None else fn()
        runs.append(time.perf_counter() - start)
    return Timing(runs), result


def parse_size(label: str) -> int:
    """``"100k"`` -> 100_000, ``"1m"`` -> 1_000_000, ``"2000"`` -> 2000."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", label.strip().lower())
    if not m:
        raise SystemExit(f"run.py: bad size {label!r}; use e.g. 100k, 1m, 10m")
    return int(float(m.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2)])


# --------------------------------------------------------------------------- data


def make_data(label: str, cache: Path = CACHE, formats: tuple[str, ...] = ("parquet", "csv")) -> dict[str, Any]:
    """Generate (or reuse) the sample file of ``label`` transactions in each format.

    Returns the paths, the generation time of each freshly written file, and the counts.
    """
    cache.mkdir(parents=True, exist_ok=True)
    customers = customers_for_transactions(parse_size(label))
    info: dict[str, Any] = {"customers_generated": customers, "paths": {}, "generate_s": {}}
    for fmt in formats:
        path = cache / f"tx_{label}_seed{SEED}.{fmt}"
        if not path.exists():
            start = time.perf_counter()
            write_sample(path, customers=customers, seed=SEED)
            info["generate_s"][fmt] = time.perf_counter() - start
        info["paths"][fmt] = path
    first = info["paths"][formats[0]]
    info["transactions"] = pl.scan_parquet(first).select(pl.len()).collect().item() if first.suffix == ".parquet" \
        else pl.scan_csv(first).select(pl.len()).collect().item()
    info["size_bytes"] = {fmt: p.stat().st_size for fmt, p in info["paths"].items()}
    return info


def file_spec(path: Path, has_time: bool) -> FileSpec:
    """Where segtui's reader found each role in ``path``: the DuckDB/pandas versions read the same."""
    tx = read_transactions(path)  # only its mapping and attribute names are used
    source_cols = pl.read_parquet_schema(path) if path.suffix == ".parquet" else pl.scan_csv(path).collect_schema()
    snake = {_snake(c): c for c in source_cols}
    attributes = {a: (a if a in source_cols else snake.get(a, a)) for a in tx.attributes}
    return FileSpec(
        path=path,
        roles=dict(tx.mapping),
        attributes=attributes,
        discount_kind=tx.discount_kind,
        has_time=has_time,
    )


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


# --------------------------------------------------------------------------- rules


def load_rules(path: Path = RULES) -> RuleSet:
    """The benchmark rule set, through segtui's own loader."""
    return rulefile.load_rules(path)


def toggled(ruleset: RuleSet, where: tuple[int, int] = TOGGLE) -> RuleSet:
    """A copy of ``ruleset`` with one rule switched (what pressing space in the TUI does)."""
    out = copy.deepcopy(ruleset)
    rule = out.segments[where[0]].rules[where[1]]
    rule.enabled = not rule.enabled
    return out


# --------------------------------------------------------------------------- measures


def scv_measures(spec: FileSpec, repeats: int, pandas: bool = True) -> dict[str, Any]:
    """Load + single customer view: segtui vs one DuckDB query vs pandas, from one file."""
    import duckdb  # noqa: PLC0415

    out: dict[str, Any] = {}
    t, ds = measure(lambda: load_dataset(spec.path), repeats)
    out["segtui"], out["customers"] = t.to_json(), ds.view.frame.height
    del ds
    con = duckdb.connect()
    t, res = measure(lambda: competitors.scv_duckdb(con, spec), repeats)
    out["duckdb"] = t.to_json()
    assert res.num_rows == out["customers"], "DuckDB and segtui disagree on the number of customers"
    del res
    con.close()
    if pandas:
        t, res = measure(lambda: competitors.scv_pandas(spec), repeats)
        out["pandas"] = t.to_json()
        del res
    return out


def eval_measures(frame: pl.DataFrame, ruleset: RuleSet, repeats: int) -> dict[str, Any]:
    """Evaluate the rule set (cold) and after one toggle, in segtui, DuckDB and pandas.

    segtui evaluates as the app does: with the view's text codes, which the app makes once
    per loaded file (``codes_s``, measured here and reported beside); a cold evaluation
    builds a new Evaluator.
    """
    import duckdb  # noqa: PLC0415

    flipped = toggled(ruleset)
    out: dict[str, Any] = {"cold": {}, "toggle": {}, "segments": len(ruleset.segments),
                           "rules": sum(len(s.rules) for s in ruleset.segments), "customers": frame.height}

    t, codes = measure(lambda: text_codes(frame), repeats)
    out["codes_s"] = t.to_json()
    t, _ = measure(lambda: Evaluator(frame, codes).evaluate(ruleset), repeats)
    out["cold"]["segtui"] = t.to_json()

    def warm() -> Evaluator:
        ev = Evaluator(frame, codes)
        ev.evaluate(ruleset)
        return ev

    t, _ = measure(lambda ev: ev.evaluate(flipped), repeats, setup=warm)
    out["toggle"]["segtui"] = t.to_json()

    con = duckdb.connect()
    con.register("customers", frame.to_arrow())
    t, _ = measure(lambda: competitors.eval_duckdb(con, ruleset), repeats)
    out["cold"]["duckdb"] = t.to_json()
    t, _ = measure(lambda: competitors.eval_duckdb(con, flipped), repeats)
    out["toggle"]["duckdb"] = t.to_json()
    con.close()

    pdf = frame.to_pandas()
    t, _ = measure(lambda: competitors.eval_pandas(pdf, ruleset), repeats)
    out["cold"]["pandas"] = t.to_json()
    t, _ = measure(lambda: competitors.eval_pandas(pdf, flipped), repeats)
    out["toggle"]["pandas"] = t.to_json()
    return out


def segtui_exe() -> list[str]:
    """The ``segtui`` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "segtui"
    if script.exists():
        return [str(script)]
    found = shutil.which("segtui")
    if found:
        return [found]
    return [sys.executable, "-c", "from segtui.cli import main; main()"]


def _child_run(cmd: list[str]) -> tuple[float, float | None, subprocess.CompletedProcess]:
    """Wall seconds and peak RSS (MB) of one fresh child process."""
    gnu_time = Path("/usr/bin/time")
    full = [str(gnu_time), "-v", *cmd] if gnu_time.exists() else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(full, capture_output=True, text=True)
    wall = time.perf_counter() - start
    rss = None
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if m:
        rss = int(m.group(1)) / 1024
    else:
        # RUSAGE_CHILDREN keeps the maximum over all children; it is only this child's
        # peak when it exceeds every earlier one, so prefer /usr/bin/time.
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        rss = after / 1024 if after > before else None
    return wall, rss, proc


#: the memory budget of the second apply measure (issue 14's target for 10M lines)
APPLY_BUDGET = "1.5G"


def apply_measures(data: Path, repeats: int, rules: Path = RULES, memory: str | None = None) -> dict[str, Any]:
    """End-to-end ``segtui [--memory M] apply RULES DATA -o members.parquet``: wall time and peak RSS."""
    walls, rss = [], []
    budget = ["--memory", memory] if memory else []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "members.parquet"
        for _ in range(repeats):
            wall, peak, proc = _child_run([*segtui_exe(), *budget, "apply", str(rules), str(data), "-o", str(out)])
            if proc.returncode != 0:
                return {"error": (proc.stderr.strip().splitlines() or ["exit " + str(proc.returncode)])[-1]}
            walls.append(wall)
            if peak is not None:
                rss.append(peak)
        members = pl.scan_parquet(out).select(pl.len()).collect().item()
    return {"wall": Timing(walls).to_json(), "peak_rss_mb": rss, "members_rows": members}


def help_measures(repeats: int) -> dict[str, Any]:
    """``segtui --help`` start-up time in a fresh process."""
    walls = []
    for _ in range(repeats):
        wall, _, proc = _child_run([*segtui_exe(), "--help"])
        if proc.returncode != 0:
            return {"error": (proc.stderr.strip().splitlines() or ["exit " + str(proc.returncode)])[-1]}
        walls.append(wall)
    return {"wall": Timing(walls).to_json()}


def tui_measures(data: Path, repeats: int, rules: Path = RULES) -> dict[str, Any]:
    """Toggle -> counts on screen in the TUI, headless. See ``tui_latency.py``."""
    try:
        import tui_latency  # noqa: PLC0415
    except ImportError as exc:
        return {"error": f"TUI not measurable yet: {exc}"}
    try:
        return tui_latency.measure(data, rules, repeats)
    except Exception as exc:  # noqa: BLE001 - report, don't abort the other measures
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}


# --------------------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import duckdb  # noqa: PLC0415
    import pandas  # noqa: PLC0415

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{mem_kb / 1024 ** 2:.1f} GiB"
    except (OSError, AttributeError):
        ram = "unknown"
    con = duckdb.connect()
    duck_threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.close()
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram": ram,
        "os": platform.platform(),
        "python": platform.python_version(),
        "polars": pl.__version__,
        "polars_threads": pl.thread_pool_size(),
        "duckdb": duckdb.__version__,
        "duckdb_threads": duck_threads,
        "pandas": pandas.__version__,
        "pandas_threads": 1,  # pandas groupby/eval run on one core
        "load_avg_1m": load,
    }


# --------------------------------------------------------------------------- one size


def run_size(label: str, repeats: int, formats: tuple[str, ...] = ("parquet", "csv"), pandas: bool = True,
             cache: Path = CACHE, apply: bool = True, csv_repeats: int | None = None,
             log: Callable[[str], None] = print) -> tuple[dict[str, Any], pl.DataFrame]:
    """Every per-size measure; returns the JSON-able results and the built customer view."""
    data = make_data(label, cache, formats)
    log(f"[{label}] {data['transactions']:,} transactions, {data['customers_generated']:,} customers "
        f"(generated in {data['generate_s'] or 'cache'})")
    res: dict[str, Any] = {
        "label": label,
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "transactions": data["transactions"],
        "customers": data["customers_generated"],
        "generate_s": data["generate_s"],
        "size_bytes": data["size_bytes"],
        "repeats": repeats,
        "scv": {},
    }
    parquet = data["paths"][formats[0]]
    view = load_dataset(parquet).view  # untimed warm-up; tells the competitors whether times exist
    frame, has_time = view.frame, view.has_time
    del view
    res["customers"] = frame.height
    for fmt in formats:
        n = repeats if fmt == formats[0] else (csv_repeats or max(1, min(repeats, 3)))
        log(f"[{label}] SCV from {fmt} x{n}")
        res["scv"][fmt] = scv_measures(file_spec(data["paths"][fmt], has_time), n, pandas=pandas)
    eval_repeats = max(repeats, EVAL_REPEATS)
    log(f"[{label}] rule evaluation x{eval_repeats}")
    res["eval"] = eval_measures(frame, load_rules(), eval_repeats)
    if apply:
        log(f"[{label}] segtui apply x{repeats}")
        res["apply"] = apply_measures(parquet, repeats)
        log(f"[{label}] segtui --memory {APPLY_BUDGET} apply x{repeats}")
        res["apply_budget"] = apply_measures(parquet, repeats, memory=APPLY_BUDGET)
    return res, frame


# --------------------------------------------------------------------------- report


def _fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def _cell(t: dict[str, Any] | None) -> str:
    if not t:
        return "–"
    return f"{_fmt_s(t['median'])} (min {_fmt_s(t['min'])})"


def _ratio(a: dict[str, Any] | None, b: dict[str, Any] | None) -> str:
    if not a or not b:
        return "–"
    return f"{a['median'] / b['median']:.2f}"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def targets(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(target, threshold, measured, pass) for each target of issue 14."""
    sizes = results.get("sizes", {})
    rows: list[tuple[str, str, str, bool | None]] = []

    big = sizes.get("10m", {})
    for label, key in (("10m", "scv_ratio_10m"), ("1m", "scv_ratio_1m")):
        for fmt in ("parquet", "csv"):
            scv = sizes.get(label, {}).get("scv", {}).get(fmt, {})
            name = f"SCV on {label.upper()} transactions ({fmt}), segtui / DuckDB"
            if scv.get("segtui") and scv.get("duckdb"):
                r = scv["segtui"]["median"] / scv["duckdb"]["median"]
                rows.append((name, f"≤ {TARGETS[key]:.2f}", f"{r:.2f}", r <= TARGETS[key]))
            else:
                rows.append((name, f"≤ {TARGETS[key]:.2f}", "not run", None))

    ev = next((s["eval"] for s in sizes.values() if s.get("eval", {}).get("customers", 0) >= 1_000_000), None)
    if ev:
        ms = ev["cold"]["segtui"]["median"] * 1000
        rows.append((f"Re-evaluate {ev['segments']} segments over {ev['customers']:,} customers (cold)",
                     "≤ 20 ms", f"{ms:.1f} ms", ms <= TARGETS["eval_ms_1m_customers"]))
        ms = ev["toggle"]["segtui"]["median"] * 1000
        rows.append(("… after toggling one rule", "≤ 12 ms", f"{ms:.1f} ms", ms <= TARGETS["reeval_ms_1m_customers"]))
    else:
        rows.append(("Re-evaluate 10 segments over 1M customers", "≤ 20 ms", "not run (needs the 10m size)", None))

    tui = results.get("tui", {})
    if tui.get("in_app"):
        ms = tui["in_app"]["median"] * 1000
        rows.append((f"Toggle → counts on screen, {tui.get('customers', 0):,} customers", "≤ 100 ms",
                     f"{ms:.1f} ms", ms <= TARGETS["toggle_ms_1m_customers"] and tui.get("customers", 0) >= 1_000_000))
    else:
        rows.append(("Toggle → counts on screen, 1M customers", "≤ 100 ms",
                     "TODO: " + tui.get("error", "not run"), None))

    for key, name in (("apply", "Peak RSS of `segtui apply` on 10M (default budget)"),
                      ("apply_budget", f"… with `segtui --memory {APPLY_BUDGET} apply` (passes)")):
        ap = big.get(key, {})
        if ap.get("peak_rss_mb"):
            gb = max(ap["peak_rss_mb"]) / 1024
            rows.append((name, "≤ 1.5 GB", f"{gb:.2f} GB", gb <= TARGETS["apply_rss_gb_10m"]))
        else:
            rows.append((name, "≤ 1.5 GB", ap.get("error", "not run"), None))

    hp = results.get("help", {})
    if hp.get("wall"):
        s = hp["wall"]["median"]
        rows.append(("`segtui --help` start-up", "≤ 0.5 s", _fmt_s(s), s <= TARGETS["help_s"]))
    else:
        rows.append(("`segtui --help` start-up", "≤ 0.5 s", hp.get("error", "not run"), None))
    return rows


def render(results: dict[str, Any]) -> str:
    """The generated section of RESULTS.md."""
    m = results["machine"]
    lines = [BEGIN, "", "## Targets", "", "| target | threshold | measured | verdict |", "|---|---|---|---|"]
    lines += [f"| {t} | {th} | {v} | {_verdict(ok)} |" for t, th, v, ok in targets(results)]
    lines += ["", "## Results", ""]
    lines += [
        "Median of the repeats (min in brackets); ratios are segtui's median over the other's, "
        "from the same run (< 1 means segtui is faster).",
        "",
        "| size | measure | segtui | DuckDB | pandas | segtui / DuckDB | segtui / pandas |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, s in sorted(results.get("sizes", {}).items(), key=lambda kv: kv[1]["transactions"]):
        size = f"{label} ({s['transactions']:,} tx, {s['customers']:,} cust.)"
        for fmt, r in s.get("scv", {}).items():
            lines.append(f"| {size} | load + SCV from {fmt} (x{len(r['segtui']['runs'])}) | {_cell(r.get('segtui'))} | "
                         f"{_cell(r.get('duckdb'))} | {_cell(r.get('pandas'))} | {_ratio(r.get('segtui'), r.get('duckdb'))} | "
                         f"{_ratio(r.get('segtui'), r.get('pandas'))} |")
        ev = s.get("eval")
        if ev:
            for kind, name in (("cold", f"evaluate {ev['segments']} segments, cold"),
                               ("toggle", "re-evaluate after one toggle")):
                r = ev[kind]
                lines.append(f"| {size} | {name} | {_cell(r.get('segtui'))} | {_cell(r.get('duckdb'))} | "
                             f"{_cell(r.get('pandas'))} | {_ratio(r.get('segtui'), r.get('duckdb'))} | "
                             f"{_ratio(r.get('segtui'), r.get('pandas'))} |")
            if ev.get("codes_s"):
                lines.append(f"| {size} | text codes, made once per file the app opens (used by both rows above) | "
                             f"{_cell(ev['codes_s'])} | – | – | – | – |")
        for key, command in (("apply", "`segtui apply`"), ("apply_budget", f"`segtui --memory {APPLY_BUDGET} apply`")):
            ap = s.get(key)
            if ap and "wall" in ap:
                rss = f", peak RSS {max(ap['peak_rss_mb']):,.0f} MB" if ap.get("peak_rss_mb") else ""
                lines.append(f"| {size} | {command} end to end{rss} | {_cell(ap['wall'])} | – | – | – | – |")
            elif ap:
                lines.append(f"| {size} | {command} end to end | error: {ap['error']} | – | – | – | – |")
    hp = results.get("help", {})
    if hp.get("wall"):
        lines.append(f"| – | `segtui --help` start-up (x{len(hp['wall']['runs'])}) | {_cell(hp['wall'])} | – | – | – | – |")
    tui = results.get("tui", {})
    if tui.get("in_app"):
        where = f"{tui.get('label', '?')} ({tui.get('customers', 0):,} cust.)"
        lines.append(f"| {where} | TUI toggle → counts on screen, in-app, uncached state "
                     f"(pilot press → painted: {_cell(tui.get('pilot'))}) | {_cell(tui['in_app'])} | – | – | – | – |")
        if tui.get("in_app_back"):
            lines.append(f"| {where} | TUI toggle back (cached masks), in-app "
                         f"(pilot: {_cell(tui.get('pilot_back'))}) | {_cell(tui['in_app_back'])} | – | – | – | – |")
    else:
        lines.append(f"| – | TUI toggle → counts on screen | TODO: {tui.get('error', 'not run')} | – | – | – | – |")

    lines += ["", "Data generation (segtui's vectorised sample generator, cached in benchmarks/.cache/):", ""]
    for label, s in sorted(results.get("sizes", {}).items(), key=lambda kv: kv[1]["transactions"]):
        gen = ", ".join(f"{fmt} {_fmt_s(v)}" for fmt, v in s.get("generate_s", {}).items()) or "from cache"
        sizes = ", ".join(f"{fmt} {b / 1e6:,.0f} MB" for fmt, b in s.get("size_bytes", {}).items())
        lines.append(f"- {label}: {gen}; files {sizes}; measured {s['when']}, {s['repeats']} repeats"
                     + (f" ({len(s['eval']['cold']['segtui']['runs'])} for rule evaluation)" if "eval" in s else "")
                     + (f", by `{s['command']}`" if s.get("command") else ""))

    lines += [
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['nproc']} cores (nproc); RAM {m['ram']}; {m['os']}",
        f"- Python {m['python']}, Polars {m['polars']} ({m['polars_threads']} threads), "
        f"DuckDB {m['duckdb']} ({m['duckdb_threads']} threads), pandas {m['pandas']} (single-threaded)",
        "- Polars and DuckDB both run with their default thread pools (all cores); nothing is pinned.",
        f"- 1-minute load average when the run started: {m['load_avg_1m']}",
        "",
        "## Command",
        "",
        "The last run (each size above names the command that measured it):",
        "",
        "```",
        results["command"],
        "```",
        "",
        END,
    ]
    return "\n".join(lines)


def write_results(results: dict[str, Any], out: Path) -> None:
    """Replace the generated section of ``out`` (creating the file if needed)."""
    section = render(results)
    text = out.read_text() if out.exists() else f"# Benchmark results\n\n{BEGIN}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + section + tail
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    out.write_text(text)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k,1m,10m", help="comma-separated transaction counts (100k, 1m, 10m)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--formats", default="parquet,csv", help="parquet first; csv is measured with ≤ 3 repeats")
    parser.add_argument("--no-pandas", default="", help="sizes at which to skip pandas (e.g. 10m)")
    parser.add_argument("--no-apply", action="store_true", help="skip the `segtui apply` subprocess")
    parser.add_argument("--tui-size", default="10m", help="size whose data the TUI latency is measured on")
    parser.add_argument("--no-tui", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="forget earlier sizes in results.json")
    args = parser.parse_args(argv)

    labels = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    skip_pandas = {s.strip().lower() for s in args.no_pandas.split(",") if s.strip()}
    results: dict[str, Any] = {}
    if RESULTS_JSON.exists() and not args.fresh:
        results = json.loads(RESULTS_JSON.read_text())
    results["machine"] = machine()
    results["command"] = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    results.setdefault("sizes", {})

    for label in labels:
        res, frame = run_size(label, args.repeats, formats, pandas=label not in skip_pandas, apply=not args.no_apply)
        res["command"] = results["command"]
        results["sizes"][label] = res
        del frame
        gc.collect()
        _save(results, args.out)
    print("[--help] start-up")
    results["help"] = help_measures(max(args.repeats, 10))
    if not args.no_tui and args.tui_size in labels:
        print(f"[tui] toggle latency on {args.tui_size}")
        data = make_data(args.tui_size, CACHE, ("parquet",))["paths"]["parquet"]
        results["tui"] = tui_measures(data, args.repeats) | {"label": args.tui_size}
    elif args.no_tui is False and "tui" not in results:
        results["tui"] = {"error": f"not run (size {args.tui_size} not in --sizes)"}
    _save(results, args.out)
    print(f"wrote {args.out}")
    return 0


def _save(results: dict[str, Any], out: Path) -> None:
    RESULTS_JSON.write_text(json.dumps(results, indent=1, default=str) + "\n")
    write_results(results, out)


if __name__ == "__main__":
    raise SystemExit(main())
