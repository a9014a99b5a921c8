"""Inputs every engine is checked on: the bundled sample, CDNOW (when present) and edge cases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from segtui.dataset import Dataset, load_dataset
from segtui.resources import RULES_DIR, SAMPLE_FILE

ROOT = Path(__file__).resolve().parents[2]
from ..shared_data import CDNOW  # noqa: E402
#: returns-only customers, ties, nulls, an empty id, sub-cent amounts, times of day
EDGE_FILE = Path(__file__).with_name("edge_cases.csv")
#: dates without times, promo codes as the discount, fractional quantities, non-ASCII ties
EDGE_CODES_FILE = Path(__file__).with_name("edge_codes.csv")
#: the shipped rule files, and two of constructs they do not use (universe, match any,
#: disabled rules and segments, quotes, dates as text, ~, CAST, /, functions)
RULE_FILES = sorted(RULES_DIR.glob("*.yaml")) + sorted(Path(__file__).parent.glob("tricky_*.yaml"))


def _data_params() -> list:
    return [
        pytest.param(SAMPLE_FILE, id="sample"),
        pytest.param(CDNOW, id="cdnow", marks=pytest.mark.skipif(not CDNOW.exists(), reason=f"{CDNOW} is absent")),
        pytest.param(EDGE_FILE, id="edge"),
        pytest.param(EDGE_CODES_FILE, id="edge-codes"),
    ]


DATA_PARAMS = _data_params()
_loaded: dict[Path, Dataset] = {}


def dataset(path: Path) -> Dataset:
    """The file loaded once per test session (the Polars reference)."""
    if path not in _loaded:
        _loaded[path] = load_dataset(path)
    return _loaded[path]


@pytest.fixture(params=DATA_PARAMS)
def data_path(request) -> Path:
    return request.param


@pytest.fixture(params=RULE_FILES, ids=[p.stem for p in RULE_FILES])
def rule_path(request) -> Path:
    return request.param


# --------------------------------------------------------------------------- Postgres

def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _skip_or_fail(reason: str) -> None:
    """Skip locally; in CI an engine that cannot run is a failure, not a silent pass."""
    import os

    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres() -> "Iterator[str]":
    """A throwaway Postgres server on loopback for the session: its connection string.

    The Debian server binaries refuse to run as root, so as root they run as ``nobody``.
    The C locale sorts text by bytes, as Polars does (modes break ties on the smallest).
    """
    import os
    import shutil
    import socket
    import subprocess
    import tempfile

    bin_dir = _postgres_bin()
    if bin_dir is None:
        _skip_or_fail("no PostgreSQL server binaries under /usr/lib/postgresql")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _skip_or_fail("psycopg is not installed (it is in the dev extra)")
    as_user: list[str] = []
    home = Path(tempfile.mkdtemp(prefix="segtui-pg-"))
    if os.geteuid() == 0:
        as_user = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
        shutil.chown(home, "nobody", "nogroup")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = home / "data"

    def pg(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, cwd=home, timeout=120)

    try:
        pg(str(bin_dir / "initdb"), "-D", str(data), "-U", "segtui", "--auth=trust", "--locale=C", "-E", "UTF8")
        pg(
            str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(home / "log"), "-w", "-t", "60",
            "-o", f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off", "start",
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(home, ignore_errors=True)
        pytest.fail(f"could not start Postgres: {exc.stderr.decode(errors='replace')}")
    try:
        yield f"host=127.0.0.1 port={port} user=segtui dbname=postgres"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True, cwd=home, timeout=120)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def spark():
    """The shared local Spark engine (local[2]); skipped without pyspark (failed under CI)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        _skip_or_fail("pyspark is not installed (it is in the dev extra)")
    from segtui.sql.engines import SparkEngine

    return SparkEngine()


def cli_sql(*args: object) -> str:
    """What ``segtui sql ARGS`` prints (exit 0 asserted): the text users paste into an engine."""
    from typer.testing import CliRunner

    from segtui.cli import app

    result = CliRunner().invoke(app, ["sql", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.stdout
