"""The CLI through Typer's runner: every command, its exit codes and its error lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app, route_argv
from segtui.dataset import load_dataset
from segtui.evaluate import Evaluator
from segtui.resources import RULES_DIR, SAMPLE_FILE
from segtui.rulefile import load_rules

from .shared_data import CDNOW
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def assert_clean_failure(result, *needles: str) -> None:
    """Exit 1, no traceback, and the message names what went wrong."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, result.output


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "tx.csv"
    result = run("sample", "-o", path, "--customers", 300, "--seed", 7)
    assert result.exit_code == 0, result.output
    return path


# --- routing and help -------------------------------------------------------------


def test_bare_data_argument_routes_to_the_app():
    assert route_argv(["sales.csv"]) == ["open", "sales.csv"]
    assert route_argv(["validate", "r.yaml"]) == ["validate", "r.yaml"]


def test_help_lists_every_command():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("apply", "validate", "customers", "sample"):
        assert command in result.output


def test_usage_error_exits_2():
    assert run("apply").exit_code == 2
    assert run("apply", RULES_DIR / "rfm.yaml", SAMPLE_FILE, "--format", "xml").exit_code == 2


# --- sample ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value"), [("--seed", -1), ("--customers", 99_999_999_999_999), ("--customers", 0)]
)
def test_sample_out_of_range_option_is_a_usage_error(tmp_path, option, value):
    out = tmp_path / "x.csv"
    result = run("sample", "-o", out, option, value)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and option in result.output
    assert not out.exists()


def test_sample_is_deterministic_per_seed(tmp_path, small_sample):
    again = tmp_path / "again.csv"
    assert run("sample", "-o", again, "--customers", 300, "--seed", 7).exit_code == 0
    assert again.read_bytes() == small_sample.read_bytes()
    other = tmp_path / "other.csv"
    assert run("sample", "-o", other, "--customers", 300, "--seed", 8).exit_code == 0
    assert other.read_bytes() != small_sample.read_bytes()


# --- customers ------------------------------------------------------------------------


def _cdnow_by_hand() -> dict[str, dict]:
    """Per-customer facts from the raw CDNOW file with nothing but the csv module."""
    import csv
    from datetime import date, timedelta

    rows = list(csv.DictReader(CDNOW.open(newline="")))
    last_day = max(date.fromisoformat(r["Date"]) for r in rows)
    as_of = last_day + timedelta(days=1)
    facts: dict[str, dict] = {}
    for r in rows:  # no order id in CDNOW: each row is one order
        day = date.fromisoformat(r["Date"])
        f = facts.setdefault(r["CustomerID"], {"orders": 0, "revenue": 0.0, "first": day, "last": day})
        f["orders"] += 1
        f["revenue"] += float(r["DollarValue"])
        f["first"], f["last"] = min(f["first"], day), max(f["last"], day)
    for f in facts.values():
        f["recency"] = (as_of - f["last"]).days
        f["tenure"] = (as_of - f["first"]).days
    return facts


@pytest.mark.skipif(not CDNOW.exists(), reason="shared CDNOW sample not present")
def test_customers_on_cdnow_agree_with_an_independent_computation(tmp_path):
    out = tmp_path / "view.csv"
    result = run("customers", CDNOW, "--map", "amount=DollarValue", "-o", out)
    assert result.exit_code == 0, result.output
    view = pl.read_csv(out, schema_overrides={"customer_id": pl.String}, try_parse_dates=True)
    expected = _cdnow_by_hand()
    assert view.height == len(expected) == 2357
    for row in view.iter_rows(named=True):
        want = expected[row["customer_id"]]
        assert row["orders"] == want["orders"], row["customer_id"]
        assert row["revenue"] == pytest.approx(want["revenue"], abs=1e-6), row["customer_id"]
        assert row["first_order_date"] == want["first"], row["customer_id"]
        assert row["last_order_date"] == want["last"], row["customer_id"]
        assert row["recency_days"] == want["recency"], row["customer_id"]
        assert row["tenure_days"] == want["tenure"], row["customer_id"]


def test_customers_summary_names_mapping_and_counts(small_sample):
    result = run("customers", small_sample)
    assert result.exit_code == 0, result.output
    expected = load_dataset(small_sample).view.frame.height
    assert f"{expected:,}" in result.output
    assert "customer_id" in result.output and "amount" in result.output


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json"])
def test_customers_output_formats(tmp_path, small_sample, suffix):
    out = tmp_path / f"view{suffix}"
    assert run("customers", small_sample, "-o", out).exit_code == 0
    reader = {".csv": pl.read_csv, ".parquet": pl.read_parquet, ".json": pl.read_json}[suffix]
    assert reader(out).height == load_dataset(small_sample).view.frame.height


def test_customers_missing_file(tmp_path):
    assert_clean_failure(run("customers", tmp_path / "nope.csv"), "nope.csv")


def test_customers_bad_output_extension_writes_nothing(tmp_path, small_sample):
    out = tmp_path / "view.xls"
    assert_clean_failure(run("customers", small_sample, "-o", out), "view.xls")
    assert not out.exists()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs a folder that refuses new files")
@pytest.mark.parametrize("command", ["customers", "apply", "sample"])
def test_unwritable_output_folder_is_one_line(small_sample, command):
    # /proc exists, so the early folder check passes; creating the temp file then fails.
    args = {
        "customers": ("customers", small_sample),
        "apply": ("apply", RULES_DIR / "rfm.yaml", small_sample),
        "sample": ("sample", "--customers", 5),
    }[command]
    assert_clean_failure(run(*args, "-o", "/proc/members.csv"), "/proc/members.csv: cannot write")


def test_customers_bad_map_option(small_sample):
    result = run("customers", small_sample, "--map", "amount")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output


def test_customers_as_of_before_data(small_sample):
    assert_clean_failure(run("customers", small_sample, "--as-of", "1990-01-01"), "1990-01-01")


# --- apply ----------------------------------------------------------------------------


def test_apply_json_counts_sum_to_customers(small_sample):
    result = run("apply", RULES_DIR / "rfm.yaml", small_sample, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    total = load_dataset(small_sample).view.frame.height
    assert sum(s["customers"] for s in doc["segments"]) == doc["universe"]["customers"] == total
    names = [s["segment"] for s in doc["segments"]]
    assert "Champions" in names and "Hibernating" in names


def test_apply_matches_python_api(small_sample):
    rules = load_rules(RULES_DIR / "value.yaml")
    ds = load_dataset(small_sample, lifecycle=rules.lifecycle)
    expected = Evaluator(ds.view.frame).evaluate(rules).segments
    result = run("apply", RULES_DIR / "value.yaml", small_sample, "--format", "json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)["segments"]
    assert [s["segment"] for s in got] == expected["segment"].to_list()
    assert [s["customers"] for s in got] == expected["customers"].to_list()
    assert [s["revenue"] for s in got] == pytest.approx(expected["revenue"].to_list())


def test_apply_csv_format(small_sample):
    result = run("apply", RULES_DIR / "lifecycle.yaml", small_sample, "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pl.read_csv(result.stdout.encode())
    assert table.columns[:3] == ["segment", "customers", "pct_customers"]


def test_apply_table_format_lists_segments(small_sample):
    result = run("apply", RULES_DIR / "lifecycle.yaml", small_sample)
    assert result.exit_code == 0, result.output
    assert "Churned" in result.output


def test_apply_writes_one_member_row_per_customer(tmp_path, small_sample):
    out = tmp_path / "members.parquet"
    result = run("apply", RULES_DIR / "rfm.yaml", small_sample, "-o", out)
    assert result.exit_code == 0, result.output
    members = pl.read_parquet(out)
    assert members.height == load_dataset(small_sample).view.frame.height
    assert members["customer_id"].n_unique() == members.height
    assert "segment" in members.columns


def test_apply_bad_rules_exit_1_and_write_nothing(tmp_path, small_sample):
    rules = tmp_path / "bad.yaml"
    rules.write_text("version: 1\nsegments:\n  - name: Oops\n    rules: ['recency_day < 30']\n")
    out = tmp_path / "members.csv"
    result = run("apply", rules, small_sample, "-o", out)
    assert_clean_failure(result, "recency_day", "recency_days")
    assert not out.exists()


def test_apply_takes_data_from_rule_file(tmp_path, small_sample):
    rules = tmp_path / "with_data.yaml"
    rules.write_text(
        f"version: 1\ndata:\n  path: {small_sample}\nsegments:\n  - name: Repeat\n    rules: ['orders >= 2']\n"
    )
    result = run("apply", rules, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["data"] == str(small_sample)


def test_apply_without_any_data_is_an_error(tmp_path):
    rules = tmp_path / "r.yaml"
    rules.write_text("version: 1\nsegments:\n  - name: Repeat\n    rules: ['orders >= 2']\n")
    assert_clean_failure(run("apply", rules), "data")


# --- validate -------------------------------------------------------------------------


def test_validate_ok_for_every_shipped_file():
    for path in sorted(RULES_DIR.glob("*.yaml")):
        result = run("validate", path, SAMPLE_FILE)
        assert result.exit_code == 0, (path, result.output)
        assert "ok" in result.output


def test_validate_misspelled_column_suggests(tmp_path):
    rules = tmp_path / "typo.yaml"
    rules.write_text("version: 1\nsegments:\n  - name: Recent\n    rules: ['recency_day <= 30']\n")
    result = run("validate", rules, SAMPLE_FILE)
    assert_clean_failure(result, "typo.yaml", "Recent", "recency_days")


def test_validate_structure_without_data(tmp_path):
    rules = tmp_path / "broken.yaml"
    rules.write_text("version: 2\nsegmnets: []\n")
    result = run("validate", rules)
    assert_clean_failure(result, "broken.yaml", "version")


# --- bad rows found by the validation pass that shares the customer view's read ------


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        ("1,2020-01-01,5\n2,notadate,3\n", ["baddata.csv", "'notadate'", "row 2"]),
        ("1,2020-01-01,5\n2,2020-01-02,abc\n", ["baddata.csv", "'abc'", "row 2"]),
        (",2020-01-01,5\n,2020-01-02,3\n", ["baddata.csv", "customer id"]),
    ],
)
def test_bad_rows_are_reported_by_row(tmp_path, body, needles):
    data = tmp_path / "baddata.csv"
    data.write_text("customer,date,amount\n" + body)
    out = tmp_path / "view.csv"
    assert_clean_failure(run("customers", data, "-o", out), *needles)
    assert not out.exists()


def test_text_late_in_a_numeric_csv_column_is_reported_by_row(tmp_path):
    # Polars infers 'amount' as a number from the first rows; the bad value is far below.
    lines = [f"{i % 50},2020-01-{1 + i % 28:02d},{i}.5" for i in range(20_000)] + ["7,2020-02-01,N/A"]
    data = tmp_path / "late.csv"
    data.write_text("customer,date,amount\n" + "\n".join(lines) + "\n")
    assert_clean_failure(run("customers", data), "late.csv", "'N/A'", "row 20,001")


def test_rows_without_customer_id_are_dropped_with_a_notice(tmp_path):
    data = tmp_path / "gaps.csv"
    data.write_text("customer,date,amount\n1,2020-01-01,5\n,2020-01-02,3\n,2020-01-03,4\n")
    result = run("customers", data)
    assert result.exit_code == 0, result.output
    assert "dropped 2 rows with no customer id" in result.output


@pytest.mark.parametrize("value", ["nan", "inf", "1e17"])
def test_apply_on_a_non_finite_or_huge_amount_is_an_error_not_a_traceback(tmp_path, value):
    data = tmp_path / "t.csv"
    data.write_text(f"customer,date,amount\n1,2020-01-01,{value}\n2,2020-01-02,3\n")
    result = run("apply", RULES_DIR / "rfm.yaml", data)
    assert_clean_failure(result, "error: t.csv:", "row 1")


def test_apply_on_amounts_whose_total_overflows_cents_is_an_error_not_a_traceback(tmp_path):
    data = tmp_path / "t.csv"
    lines = "".join(f"{i},2020-01-01,89000000000000\n" for i in range(1100))
    data.write_text("customer,date,amount\n" + lines)
    result = run("apply", RULES_DIR / "rfm.yaml", data)
    assert_clean_failure(result, "error: the amounts add up to 97,900,000,000,000,000 in all", "in cents")


def _deny_reading(monkeypatch, denied: Path) -> None:
    """Make ``denied`` unreadable as for a non-root user (root reads a chmod 000 file)."""
    import os

    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: (
        False if Path(p) == denied and mode & os.R_OK else real(p, mode, *a, **k)))


@pytest.mark.parametrize("command", ["customers", "apply"])
def test_unreadable_data_file_is_an_error_line_not_a_usage_box(tmp_path, monkeypatch, command):
    data = tmp_path / "t.csv"
    data.write_text("customer,date,amount\n1,2020-01-01,5\n")
    _deny_reading(monkeypatch, data)
    args = [command, data] if command == "customers" else [command, RULES_DIR / "rfm.yaml", data]
    result = run(*args)
    assert_clean_failure(result, "error: t.csv: permission denied")
    assert "Usage" not in result.output


def test_unreadable_rule_file_is_an_error_line_not_a_usage_box(tmp_path, monkeypatch):
    rules = tmp_path / "r.yaml"
    rules.write_text((RULES_DIR / "rfm.yaml").read_text())
    _deny_reading(monkeypatch, rules)
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: (_ for _ in ()).throw(
        PermissionError(13, "Permission denied")))
    result = run("validate", rules)
    assert_clean_failure(result, "error:", "Permission denied")
    assert "Usage" not in result.output


def test_a_directory_as_data_is_an_error_line(tmp_path):
    (tmp_path / "d.csv").mkdir()
    assert_clean_failure(run("customers", tmp_path / "d.csv"), "error: d.csv: is a directory")


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0,
                    reason="root reads a chmod 000 file")
def test_chmod_000_data_file_is_an_error_line(tmp_path):
    data = tmp_path / "t.csv"
    data.write_text("customer,date,amount\n1,2020-01-01,5\n")
    data.chmod(0)
    assert_clean_failure(run("customers", data), "error: t.csv: permission denied")

# --- the app's entry: mistyped words, no terminal, failed loads -------------------------

SEGTUI = [sys.executable, "-c", "from segtui.cli import main; main()"]


def _segtui(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the real entry point with stdout and stderr piped (not a terminal)."""
    return subprocess.run([*SEGTUI, *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_mistyped_command_is_a_usage_error_with_a_suggestion(tmp_path):
    result = _segtui("aply", "rules/rfm.yaml")
    assert result.returncode == 2, result.stderr[-500:]
    assert "no such command or file" in result.stderr and "apply" in result.stderr
    assert "\x1b[" not in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_missing_data_file_is_a_usage_error(tmp_path):
    result = _segtui(str(tmp_path / "sales.csv"))
    assert result.returncode == 2, result.stderr[-500:]
    assert "no such command or file" in result.stderr and "sales.csv" in result.stderr


def test_app_refuses_to_start_without_a_terminal():
    result = _segtui()
    assert result.returncode == 2, result.stderr[-500:]
    assert "terminal" in result.stderr and "segtui apply" in result.stderr
    assert result.stdout == ""


def test_app_refuses_to_draw_into_a_redirected_stderr(tmp_path):
    import os
    import pty

    master, slave = pty.openpty()
    log = tmp_path / "log.txt"
    with log.open("w") as stderr:
        proc = subprocess.run([*SEGTUI], stdin=slave, stdout=slave, stderr=stderr, timeout=60)
    os.close(slave)
    os.close(master)
    assert proc.returncode == 2
    assert "terminal" in log.read_text() and "\x1b[" not in log.read_text()


def _run_in_pty(args: list[str], wait_for: bytes, keys: bytes, timeout: float = 60) -> int:
    """Run segtui in a pseudo-terminal, press ``keys`` once ``wait_for`` was drawn; its exit code."""
    import os
    import pty
    import select
    import time

    master, slave = pty.openpty()
    proc = subprocess.Popen([*SEGTUI, *args], stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    seen, sent, deadline = b"", False, time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
            if not sent and wait_for in seen:
                time.sleep(0.5)
                os.write(master, keys)
                sent = True
        return proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


@pytest.mark.parametrize("keys", [b"\r", b"\x11"], ids=["quit-button", "ctrl+q"])
def test_quitting_the_app_after_a_failed_load_exits_1(tmp_path, keys):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    assert _run_in_pty([str(bad)], b"Cannot", keys) == 1


# --- user text is printed as text -------------------------------------------------------

MARKUP_RULES = """\
version: 1
name: "Tiers [/]"
segments:
  - name: "[/]VIP"
    rules: ["orders >= 2", "country <> '[/]'"]
  - name: "Customer ID [x]"
    rules: ["orders >= 1"]
"""


@pytest.fixture
def markup_paths(tmp_path, small_sample) -> tuple[Path, Path]:
    folder = tmp_path / "a[/]b"
    folder.mkdir(parents=True)  # "a[" holding "]b"
    rules = folder / "r[x].yaml"
    rules.write_text(MARKUP_RULES)
    data = folder / "tx [red].csv"
    data.write_bytes(small_sample.read_bytes())
    return rules, data


def test_apply_prints_markup_like_names_rules_and_paths_as_text(markup_paths):
    rules, data = markup_paths
    result = run("apply", rules, data)
    assert result.exit_code == 0, result.output
    for text in ("[/]VIP", "Customer ID [x]", "Tiers [/]"):
        assert text in result.output


def test_an_error_naming_a_markup_like_path_prints_it(tmp_path):
    missing = tmp_path / "a[" / "]b" / "tx [red].csv"
    assert_clean_failure(run("customers", missing), str(missing))


def test_validate_and_errors_print_markup_like_text(markup_paths, tmp_path):
    rules, data = markup_paths
    result = run("validate", rules, data)
    assert result.exit_code == 0, result.output
    assert "a[/]b/r[x].yaml" in result.output
    bad = rules.parent / "bad[x].yaml"
    bad.write_text(MARKUP_RULES.replace("'[/]'", "'[/]' AND recency_day < 3"))
    assert_clean_failure(run("validate", bad, data), "bad[x].yaml", '"[/]VIP"', "recency_day")


def test_customers_summary_shows_bracketed_column_names(tmp_path, small_sample):
    frame = pl.read_csv(small_sample).rename({"customer_id": "Customer ID [x]", "amount": "Betrag [/]"})
    data = tmp_path / "tx.csv"
    frame.write_csv(data)
    result = run("customers", data, "--map", "amount=Betrag [/]", "--map", "customer_id=Customer ID [x]")
    assert result.exit_code == 0, result.output
    assert "← Customer ID [x]" in result.output and "← Betrag [/]" in result.output


def test_apply_keeps_the_existing_output_when_the_summary_fails(tmp_path, small_sample, monkeypatch):
    import segtui.summary
    from segtui.errors import SegtuiError

    def broken(*args, **kwargs):
        raise SegtuiError("summary: cannot print")

    monkeypatch.setattr(segtui.summary, "print_segments", broken)
    out = tmp_path / "members.csv"
    out.write_text("precious\n")
    assert_clean_failure(run("apply", RULES_DIR / "rfm.yaml", small_sample, "-o", out), "cannot print")
    assert out.read_text() == "precious\n"


# --- control characters in user text are shown, not obeyed ------------------------------

ESCAPE_RULES = r"""version: 1
name: "Evil\e]0;owned\a\e[2J"
segments:
  - name: "VIP\e[31m"
    rules: ["orders >= 2"]
  - name: "Broken\e[2J"
    rules: ["recency_day < 3"]
"""


def test_apply_shows_escape_sequences_in_names_escaped(tmp_path, small_sample):
    rules = tmp_path / "evil.yaml"
    rules.write_text(ESCAPE_RULES.replace("recency_day", "recency_days"))
    for fmt in ("table", "json"):
        result = run("apply", rules, small_sample, "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output
        assert "\\x1b[31m" in result.output or "\\u001b[31m" in result.output


def test_errors_show_escape_sequences_escaped(tmp_path, small_sample):
    rules = tmp_path / "evil\x1b[2J.yaml"
    rules.write_text(ESCAPE_RULES)
    result = run("validate", rules, small_sample)
    assert_clean_failure(result, "Broken\\x1b[2J", "evil\\x1b[2J.yaml")
    assert "\x1b" not in result.output


# --- write failures ---------------------------------------------------------------------


def _no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_read_only_folder_is_one_line_even_when_the_cleanup_fails(tmp_path, small_sample, monkeypatch):
    # Simulated (tests may run as root, where chmod does not stop writes): on a read-only
    # file system both the write and the temp file's removal fail with EROFS.
    import errno

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(pl.DataFrame, "write_csv", read_only)
    monkeypatch.setattr(Path, "unlink", read_only)
    out = tmp_path / "view.csv"
    assert_clean_failure(run("customers", small_sample, "-o", out), "view.csv: cannot write (Read-only file system)")


def test_full_disk_while_writing_parquet_is_one_line_and_keeps_the_old_file(tmp_path, small_sample, monkeypatch):
    def disk_full(self, file, *args, **kwargs):
        Path(file).write_bytes(b"PAR1 half")
        raise pl.exceptions.ComputeError("No space left on device (os error 28)\n\nmore detail")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", disk_full)
    out = tmp_path / "members.parquet"
    out.write_bytes(b"old")
    result = run("apply", RULES_DIR / "rfm.yaml", small_sample, "-o", out)
    assert_clean_failure(result, "members.parquet: cannot write (No space left on device (os error 28))")
    assert out.read_bytes() == b"old" and _no_temp_files(tmp_path)


@pytest.mark.parametrize("command", ["customers", "apply"])
def test_output_that_is_the_input_file_is_refused(tmp_path, small_sample, command):
    data = tmp_path / "tx.csv"
    data.write_bytes(small_sample.read_bytes())
    args = ("customers", data) if command == "customers" else ("apply", RULES_DIR / "rfm.yaml", data)
    same = tmp_path / "." / "tx.csv"
    assert_clean_failure(run(*args, "-o", same), "tx.csv", "input")
    assert data.read_bytes() == small_sample.read_bytes()


def test_stale_temp_files_of_a_killed_write_are_cleaned(tmp_path, small_sample):
    import os
    import time

    stale = tmp_path / ".view.csv.0123456789ab.tmp"
    stale.write_text("half a file from a killed run")
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    busy = tmp_path / ".view.csv.ba9876543210.tmp"  # another run writing right now
    busy.write_text("being written")
    other = tmp_path / ".notes.txt.0123456789ab.tmp"  # not ours to judge
    other.write_text("x")
    os.utime(other, (hour_ago, hour_ago))
    assert run("customers", small_sample, "-o", tmp_path / "view.csv").exit_code == 0
    assert not stale.exists() and busy.exists() and other.exists()


# --- overlap mode: the customers in no segment -------------------------------------------

OVERLAP_RULES = """\
version: 1
name: Overlapping
assign: overlap
segments:
  - name: Repeat
    rules: ["orders >= 3"]
  - name: Recent
    rules: ["recency_days <= 90"]
"""


def _in_no_segment(data: Path) -> int:
    """Independently: customers matching neither predicate (null counts as no match)."""
    frame = load_dataset(data).view.frame
    return frame.filter(~((pl.col("orders") >= 3).fill_null(False) | (pl.col("recency_days") <= 90).fill_null(False))).height


def test_apply_json_gives_the_customers_in_no_segment_in_overlap_mode(tmp_path, small_sample):
    rules = tmp_path / "overlap.yaml"
    rules.write_text(OVERLAP_RULES)
    doc = json.loads(run("apply", rules, small_sample, "--format", "json").stdout)
    expected = _in_no_segment(small_sample)
    assert 0 < expected < doc["universe"]["customers"]
    assert doc["in_no_segment"]["customers"] == expected
    assert doc["in_no_segment"]["pct_customers"] == round(100 * expected / doc["universe"]["customers"], 4)
    assert [s["segment"] for s in doc["segments"]] == ["Repeat", "Recent"]  # no extra row


def test_apply_table_says_overlap_and_how_many_are_in_no_segment(tmp_path, small_sample):
    rules = tmp_path / "overlap.yaml"
    rules.write_text(OVERLAP_RULES)
    result = run("apply", rules, small_sample)
    assert result.exit_code == 0, result.output
    assert f"in no segment: {_in_no_segment(small_sample):,} customers" in result.output
    assert "overlap" in result.output


def test_apply_json_in_no_segment_equals_unassigned_in_first_match(small_sample):
    doc = json.loads(run("apply", RULES_DIR / "rfm.yaml", small_sample, "--format", "json").stdout)
    unassigned = next(s for s in doc["segments"] if s["segment"] == "Unassigned")
    assert doc["in_no_segment"]["customers"] == unassigned["customers"]


def test_memory_budget_splits_the_build_without_changing_a_figure(monkeypatch, tmp_path) -> None:
    # SEGTUI_MEMORY is set by --memory for the whole process: undo it after the test
    monkeypatch.setenv("SEGTUI_MEMORY", "64G")
    rules = RULES_DIR / "rfm.yaml"
    whole = run("apply", rules, SAMPLE_FILE, "-f", "json", "-o", tmp_path / "whole.csv")
    # 1M leaves no room for even the view: the most passes, each over a few customers
    split = run("--memory", "1M", "apply", rules, SAMPLE_FILE, "-f", "json", "-o", tmp_path / "split.csv")
    assert whole.exit_code == split.exit_code == 0, split.output
    assert json.loads(split.stdout) == json.loads(whole.stdout)
    assert (tmp_path / "split.csv").read_text() == (tmp_path / "whole.csv").read_text()


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_bad_memory_size_is_one_line_naming_where_it_came_from(how, monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("SEGTUI_MEMORY", raising=False)
    if how == "option":
        result = run("--memory", "lots", "customers", SAMPLE_FILE, "-o", tmp_path / "v.csv")
        assert_clean_failure(result, "--memory 'lots' is not a size such as 1.5G")
    else:
        monkeypatch.setenv("SEGTUI_MEMORY", "lots")
        result = run("customers", SAMPLE_FILE, "-o", tmp_path / "v.csv")
        assert_clean_failure(result, "SEGTUI_MEMORY 'lots' is not a size such as 1.5G")
    assert not (tmp_path / "v.csv").exists()


def test_memory_option_reaches_the_app_too() -> None:
    assert route_argv(["--memory", "2G", "sales.csv"]) == ["--memory", "2G", "open", "sales.csv"]
    assert route_argv(["--memory=2G", "apply", "r.yaml"]) == ["--memory=2G", "apply", "r.yaml"]


def test_sigterm_during_the_passes_removes_their_files_and_writes_nothing(tmp_path: Path) -> None:
    import os
    import signal
    import time

    data, out, spill = tmp_path / "tx.parquet", tmp_path / "view.parquet", tmp_path / "tmp"
    spill.mkdir()
    assert _segtui("sample", "-o", str(data), "--customers", "20000", "--seed", "3").returncode == 0
    env = {**os.environ, "TMPDIR": str(spill)}
    # a 1 MB budget: 64 passes over files in TMPDIR, seconds of work
    proc = subprocess.Popen([*SEGTUI, "--memory", "1M", "customers", str(data), "-o", str(out)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while not any(spill.glob("segtui-passes-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the build ended before its passes could be interrupted"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert list(spill.iterdir()) == []
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
