"""Writing frames to disk atomically, by file extension.

A crash, a full disk or a bad frame never leaves a half-written file behind:
we write to a temporary file in the target folder, then rename it over the target.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl

from segtui.errors import SegtuiError

__all__ = ["OUTPUT_FORMATS", "check_output_path", "write_frame"]

#: extension -> Polars writer method name
OUTPUT_FORMATS = {".csv": "write_csv", ".parquet": "write_parquet", ".json": "write_json"}


def check_output_path(path: str | Path) -> Path:
    """Validate an output path before any expensive work.

    Returns the path; raises ``SegtuiError`` for an unsupported extension or a missing folder.

    Examples
    --------
    >>> check_output_path("members.parquet")
    PosixPath('members.parquet')
    >>> check_output_path("members.xls")
    Traceback (most recent call last):
    ...
    segtui.errors.SegtuiError: members.xls: unsupported output format '.xls' (use .csv, .json, .parquet)
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        supported = ", ".join(sorted(OUTPUT_FORMATS))
        raise SegtuiError(
            f"{path}: unsupported output format '{suffix or '(none)'}' (use {supported})",
            title="Cannot write file",
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SegtuiError(f"{path}: folder {folder} does not exist", title="Cannot write file")
    return path


def write_frame(df: pl.DataFrame, path: str | Path) -> Path:
    """Write ``df`` to ``path`` (.csv, .parquet or .json) atomically.

    Examples
    --------
    >>> import polars as pl, tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.csv")
    >>> write_frame(pl.DataFrame({"a": [1, 2]}), target).read_text()
    'a\\n1\\n2\\n'
    """
    path = check_output_path(path)
    writer = OUTPUT_FORMATS[path.suffix.lower()]
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    try:
        getattr(df, writer)(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise SegtuiError(f"{path}: cannot write ({exc.strerror or exc})", title="Cannot write file") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
