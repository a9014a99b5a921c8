"""Where the bundled sample data and shipped rule sets live."""

from __future__ import annotations

import sys
from pathlib import Path


def _root() -> Path:
    """The checkout (editable install) if it holds rules/, else the installed share/segtui."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "rules").is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "segtui"


_ROOT = _root()

#: Folder of shipped rule sets (``rules/*.yaml``).
RULES_DIR = _ROOT / "rules"
#: Folder of the bundled sample transactions.
SAMPLE_DIR = _ROOT / "sample_data"
#: The transaction file `segtui` opens when started without arguments.
SAMPLE_FILE = SAMPLE_DIR / "transactions.csv"
#: The rule set `segtui` opens when started without ``--rules``.
DEFAULT_RULES = RULES_DIR / "lifecycle.yaml"
