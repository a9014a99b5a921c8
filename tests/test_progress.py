"""Progress on long loads: the core's stages and cancellation, and the CLI's display of them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.dataset import load_dataset, load_dataset_for_rules
from segtui.progress import Cancelled, Progress
from segtui.resources import RULES_DIR, SAMPLE_FILE
from segtui.rulefile import load_rules

runner = CliRunner()

#: What makes Rich treat the runner's stderr as a terminal, and what keeps it from it.
TERMINAL = {"FORCE_COLOR": "1", "TTY_COMPATIBLE": None}
PIPE = {"FORCE_COLOR": None, "TTY_COMPATIBLE": None}

HOLDOUT_RULES = (
    'version: 1\nname: Win-back\nholdout: {percent: 30, salt: "progress"}\n'
    "segments:\n  - name: Buyers\n    rules:\n      - orders >= 1\n"
)


def _crm(tmp_path: Path) -> Path:
    ids = sorted({row["customer_id"] for row in csv.DictReader(SAMPLE_FILE.open(newline=""))})
    path = tmp_path / "crm.csv"
    path.write_text("customer_id,age\n" + "".join(f"{cid},{30 + i % 40}\n" for i, cid in enumerate(ids)))
    return path


# --- core ---------------------------------------------------------------------------


def test_load_reports_each_stage_in_order(tmp_path: Path) -> None:
    seen: list[str] = []
    load_dataset(SAMPLE_FILE, customers_file=_crm(tmp_path), progress=Progress(seen.append))
    assert seen == ["reading transactions.csv", "building the customer view", "reading crm.csv"]


def test_load_for_rules_passes_the_progress_on() -> None:
    seen: list[str] = []
    ruleset = load_rules(RULES_DIR / "rfm.yaml")
    ds = load_dataset_for_rules(ruleset, SAMPLE_FILE, progress=Progress(seen.append))
    assert seen == ["reading transactions.csv", "building the customer view"]
    assert ds.view.frame.height == 3000


def test_a_cancelled_load_stops_at_its_next_stage_with_a_clear_error() -> None:
    seen: list[str] = []
    progress = Progress(seen.append)

    def quit_while_reading(stage: str) -> None:
        seen.append(stage)
        progress.cancel()  # what the app does when q is pressed mid-load

    progress._on_stage = quit_while_reading
    with pytest.raises(Cancelled) as caught:
        load_dataset(SAMPLE_FILE, progress=progress)
    assert seen == ["reading transactions.csv"]  # the customer view was never started
    assert caught.value.message == "cancelled while reading transactions.csv"
    assert caught.value.title == "Cancelled"


# --- CLI ------------------------------------------------------------------------------


def _run(env: dict[str, str | None], *args: object):
    return runner.invoke(app, [str(a) for a in args], env=env)


def test_apply_draws_every_stage_on_a_terminal(tmp_path: Path) -> None:
    out = tmp_path / "members.parquet"
    result = _run(TERMINAL, "apply", RULES_DIR / "rfm.yaml", SAMPLE_FILE, "-o", out, "--format", "json")
    assert result.exit_code == 0, result.output
    stages = ["Reading transactions.csv", "Building the customer view", "Checking the rules on the data",
              "Evaluating the rules", "Writing members.parquet"]
    positions = [result.stderr.find(stage) for stage in stages]
    assert -1 not in positions, result.stderr
    assert positions == sorted(positions)
    assert "0:00:0" in result.stderr  # each with its elapsed time


def _commands(tmp_path: Path) -> dict[str, list[object]]:
    """Every command that loads data, with --format json where it has one."""
    rules, holdout = RULES_DIR / "lifecycle.yaml", tmp_path / "holdout.yaml"
    holdout.write_text(HOLDOUT_RULES)
    return {
        "apply": ["apply", rules, SAMPLE_FILE, "--format", "json"],
        "customers": ["customers", SAMPLE_FILE, "-o", tmp_path / "view.csv"],
        "validate": ["validate", rules, SAMPLE_FILE],
        "profile": ["profile", rules, SAMPLE_FILE, "--format", "json"],
        "breakdown": ["breakdown", rules, SAMPLE_FILE, "--by", "country", "--format", "json"],
        "overlap": ["overlap", rules, SAMPLE_FILE, "--format", "json"],
        "migrate": ["migrate", rules, SAMPLE_FILE, "--format", "json"],
        "drift": ["drift", rules, SAMPLE_FILE, "--last", "3", "--format", "json"],
        "readout": ["readout", holdout, SAMPLE_FILE, "--start", "2025-10-01", "--format", "json"],
    }


@pytest.mark.parametrize("command", ["apply", "customers", "validate", "profile", "breakdown", "overlap", "migrate", "drift", "readout"])
def test_every_loading_command_shows_its_stages_only_on_a_terminal(tmp_path: Path, command: str) -> None:
    if command == "readout":
        pytest.importorskip("statsmodels")
    args = _commands(tmp_path)[command]
    piped, shown = _run(PIPE, *args), _run(TERMINAL, *args)
    assert piped.exit_code == shown.exit_code == 0, piped.output + shown.output
    assert piped.stderr.strip() == ("wrote 3,000 customers to " + str(tmp_path / "view.csv") if command == "customers" else "")
    assert "Reading transactions.csv" in shown.stderr and "Building the customer view" in shown.stderr
    if command not in ("customers", "validate"):  # their stdout is a Rich table or line: styled on a terminal
        assert shown.stdout == piped.stdout  # JSON byte for byte


def test_drift_counts_the_dates_it_builds() -> None:
    result = _run(TERMINAL, "drift", RULES_DIR / "lifecycle.yaml", SAMPLE_FILE, "--last", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "at each date (3/3)" in result.stderr


def test_an_error_ends_the_display_before_its_line(tmp_path: Path) -> None:
    rules = tmp_path / "bad.yaml"
    rules.write_text("version: 1\nsegments:\n  - name: X\n    rules:\n      - recency_day < 5\n")
    result = _run(TERMINAL, "apply", rules, SAMPLE_FILE)
    assert result.exit_code == 1
    # the error is the last thing on stderr, after the display erased itself
    assert result.stderr.rstrip().splitlines()[-1].endswith('(did you mean "recency_days"?)')
    assert "Checking the rules on the data" in result.stderr


def test_ctrl_c_mid_load_exits_130_and_leaves_the_terminal_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    import segtui.dataset

    def interrupted(*args: object, progress: Progress, **kwargs: object) -> None:
        progress.stage("reading big.parquet")
        raise KeyboardInterrupt  # what Polars raises on ctrl+c inside a collect

    monkeypatch.setattr(segtui.dataset, "load_dataset", interrupted)
    before = signal.getsignal(signal.SIGINT)
    try:
        result = _run(TERMINAL, "customers", SAMPLE_FILE)
        # Polars sends a second SIGINT a moment later; it must not cut the clean-up short
        ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)
    assert result.exit_code == 130
    assert "Reading big.parquet" in result.stderr
    assert "\x1b[?25h" in result.stderr  # the display ended: cursor shown again
    assert ignored
