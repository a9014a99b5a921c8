"""Writing frames to disk atomically, by file extension.

A crash, a full disk or a bad frame never leaves a half-written file behind:
we write to a temporary file in the target folder, then rename it over the target.
``write_atomic`` is that mechanism, shared by every file segtui writes (members,
customer views, rule files, sample data).
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from segtui.errors import SegtuiError, first_line
from segtui.names import TEXT_DECIMALS

__all__ = [
    "OUTPUT_FORMATS", "WRITE_TITLE", "check_not_input", "check_output_path", "for_text", "text_value",
    "write_atomic", "write_frame",
]

#: extension -> Polars writer method name
OUTPUT_FORMATS = {".csv": "write_csv", ".parquet": "write_parquet", ".json": "write_json"}
#: Formats written as text, whose floats get ``TEXT_DECIMALS`` (Parquet keeps full floats).
TEXT_FORMATS = (".csv", ".json")
#: Dialog heading for a failed write.
WRITE_TITLE = "Cannot write file"


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
            title=WRITE_TITLE,
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SegtuiError(f"{path}: folder {folder} does not exist", title=WRITE_TITLE)
    return path


def for_text(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with every float column at its ``TEXT_DECIMALS`` precision and no -0.0.

    The one place that decides how values leave segtui in text (CSV, JSON, summaries).

    Examples
    --------
    >>> df = pl.DataFrame({"revenue": [223.48000000000002, -0.001], "q4_revenue_share": [1 / 3, 0.0],
    ...                    "weight": [-0.0, 1.25]})
    >>> for_text(df).rows()
    [(223.48, 0.3333, 0.0), (0.0, 0.0, 1.25)]
    """
    exprs = []
    for name, dtype in df.schema.items():
        if dtype.is_float():
            value = pl.col(name)
            if name in TEXT_DECIMALS:
                value = value.round(TEXT_DECIMALS[name])
            # -0.0 == 0.0, so this also turns negative zero (from rounding -0.001) into 0.0
            exprs.append(pl.when(value == 0).then(pl.lit(0.0, dtype)).otherwise(value).alias(name))
    return df.with_columns(exprs) if exprs else df


def text_value(name: str, value: float | None) -> float | None:
    """A single value of column ``name`` as ``for_text`` writes it.

    Examples
    --------
    >>> text_value("revenue", -0.001), text_value("pct_revenue", 12.34567)
    (0.0, 12.35)
    """
    if value is None:
        return None
    return for_text(pl.DataFrame({name: [float(value)]})).item()

def check_not_input(output: str | Path, *inputs: str | Path | None) -> None:
    """Refuse to write over a file the run reads (``segtui customers tx.csv -o tx.csv``).

    The same file under another spelling (``./tx.csv``, a symlink, a hard link) counts.

    Examples
    --------
    >>> check_not_input("view.csv", "tx.csv", None)
    >>> check_not_input("./tx.csv", "tx.csv")
    Traceback (most recent call last):
    ...
    segtui.errors.SegtuiError: ./tx.csv: that is the input file tx.csv; write the output to another path
    """
    for source in inputs:
        if source is None:
            continue
        same = Path(output).resolve() == Path(source).resolve()
        if not same:
            try:
                same = os.path.samefile(output, source)
            except OSError:  # one of them does not exist (yet): not the same file
                same = False
        if same:
            raise SegtuiError(
                f"{output}: that is the input file {source}; write the output to another path", title=WRITE_TITLE
            )


def write_frame(df: pl.DataFrame, path: str | Path) -> Path:
    """Write ``df`` to ``path`` (.csv, .parquet or .json) atomically; text formats via ``for_text``.

    Examples
    --------
    >>> import polars as pl, tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.csv")
    >>> write_frame(pl.DataFrame({"a": [1, 2], "aov": [0.1 + 0.2, -0.0]}), target).read_text()
    'a,aov\\n1,0.3\\n2,0.0\\n'
    """
    path = check_output_path(path)
    suffix = path.suffix.lower()
    out = for_text(df) if suffix in TEXT_FORMATS else df
    writer = OUTPUT_FORMATS[suffix]
    return write_atomic(path, lambda tmp: getattr(out, writer)(tmp))


def write_atomic(
    path: Path, write: Callable[[Path], None], *, verb: str = "write", title: str = WRITE_TITLE
) -> Path:
    """Write a file through ``write(tmp)`` and rename it over ``path`` only if that succeeded.

    The temporary file sits in the target folder (a rename across file systems is not
    atomic) and is removed whatever happens; temporary files of an earlier write to the
    same target that was killed (older than ``STALE_TEMP_SECONDS``) are removed first.
    A new file gets the usual umask permissions, a replaced file keeps its own
    (``mkstemp``'s 0600 would hide a shared export or rule file from colleagues).

    Parameters
    ----------
    path
        The target file; its folder must exist.
    write
        Writes the whole content to the path it is given.
    verb, title
        Wording of the error: ``"<path>: cannot <verb> (<reason>)"`` under ``title``.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    SegtuiError
        The OS or Polars' writer refused (read-only or missing folder, target is a
        folder, disk full); the previous file, if any, is left untouched.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "note.txt"
    >>> write_atomic(target, lambda tmp: tmp.write_text("hi")).read_text()
    'hi'
    >>> write_atomic(Path("/proc/no/x.txt"), lambda tmp: tmp.write_text("hi"))
    Traceback (most recent call last):
    ...
    segtui.errors.SegtuiError: /proc/no/x.txt: cannot write (No such file or directory)
    """
    _remove_stale_temp_files(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        write(tmp)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except OSError as exc:
        raise SegtuiError(f"{path}: cannot {verb} ({exc.strerror or exc})", title=title) from exc
    except pl.exceptions.PolarsError as exc:  # Polars reports a full disk as ComputeError
        raise SegtuiError(f"{path}: cannot {verb} ({first_line(exc)})", title=title) from exc
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # e.g. EROFS: nothing was written, and the error above says why
    return path


#: A temporary file untouched for this long belongs to a killed run, not a live writer
#: (writers append continuously, so a live one's modification time stays fresh).
STALE_TEMP_SECONDS = 15 * 60
_TEMP_SUFFIX = re.compile(r"\.[0-9a-f]{12}\.tmp")


def _remove_stale_temp_files(path: Path) -> None:
    """Delete ``.<name>.<hex>.tmp`` files that a killed write to ``path`` left behind.

    Only this target's own temporary names are touched, and only old ones, so a
    concurrent write to the same path keeps its file. Failures are ignored: cleaning
    up is a courtesy, the write itself reports real problems.
    """
    prefix = f".{path.name}"
    now = time.time()
    try:
        for candidate in (path.parent if str(path.parent) else Path(".")).iterdir():
            name = candidate.name
            if not (name.startswith(prefix) and _TEMP_SUFFIX.fullmatch(name[len(prefix):])):
                continue
            if now - candidate.stat().st_mtime > STALE_TEMP_SECONDS:
                candidate.unlink()
    except OSError:
        pass
