"""Where the bundled sample data and shipped rule sets live."""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent

#: Folder of shipped rule sets (``rules/*.yaml``).
RULES_DIR = _ROOT / "rules"
#: Folder of the bundled sample transactions.
SAMPLE_DIR = _ROOT / "sample_data"
#: The transaction file `segtui` opens when started without arguments.
SAMPLE_FILE = SAMPLE_DIR / "transactions.csv"
#: The rule set `segtui` opens when started without ``--rules``.
DEFAULT_RULES = RULES_DIR / "lifecycle.yaml"
