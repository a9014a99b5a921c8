"""File formats: which reader a file needs, and a lazy scan of it.

Owns everything that depends on how the bytes are laid out: the format chosen by
extension (optionally ``.gz``), the UTF-8 check with its UTF-16 (byte order mark) and
cp1252/latin-1 fallbacks, bare-CR line ends, CSV separator sniffing, and one scanner
per format.  It knows nothing about
roles or column meanings; ``read/transactions.py`` decides what to do with the frame.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO

import polars as pl

from segtui.read.file_errors import EMPTY_FILE, fail

__all__ = [
    "SUPPORTED_EXTENSIONS", "LABELS", "Scanner",
    "format_of", "is_utf8", "legacy_to_utf8", "sniff_separator", "csv_source", "ragged_row", "bad_json_line",
    "open_scanner",
]

_CHUNK = 1 << 24
_HEAD_BYTES = 65536

_FORMATS: dict[str, str] = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel", ".xlsb": "excel", ".ods": "excel",
    ".json": "json",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".arrow": "ipc", ".feather": "ipc", ".ipc": "ipc",
}
#: Format kind -> how messages name it ("cannot read it as a CSV file").
LABELS: dict[str, str] = {
    "csv": "a CSV file", "parquet": "a Parquet file", "excel": "an Excel workbook",
    "json": "a JSON array", "jsonl": "a JSON lines file", "ipc": "an Arrow IPC file",
}
_GZIP_OK = frozenset({"csv", "json", "jsonl"})
#: Human-readable list of what ``read_transactions`` accepts.
SUPPORTED_EXTENSIONS = (
    ".csv .tsv .txt (also .gz), .parquet, .xlsx, .json, .jsonl/.ndjson, .arrow/.feather/.ipc"
)

#: Returns the file as a LazyFrame.  CSV honours dtype overrides, and ``None``
#: means "every column as text"; other formats carry their own dtypes.
Scanner = Callable[[dict[str, pl.DataType] | None], pl.LazyFrame]


def format_of(path: Path) -> tuple[str, bool]:
    """The format kind of a file (a key of ``LABELS``) and whether it is gzipped.

    Parameters
    ----------
    path
        The file; only its extension is looked at.

    Returns
    -------
    tuple[str, bool]
        ``(kind, gz)``.

    Raises
    ------
    SegtuiError
        For an extension segtui cannot read, listing the ones it can.

    Examples
    --------
    >>> format_of(Path("sales.TSV.gz")), format_of(Path("sales.parquet"))
    (('csv', True), ('parquet', False))
    """
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    ext = suffixes[-2] if gz and len(suffixes) >= 2 else (suffixes[-1] if suffixes else "")
    kind = _FORMATS.get(ext)
    if kind is None or (gz and kind not in _GZIP_OK):
        shown = "".join(path.suffixes[-2:] if gz else path.suffixes[-1:]) or "(none)"
        raise fail(
            path,
            f"unsupported file type {shown}; supported: {SUPPORTED_EXTENSIONS}",
        )
    return kind, gz


def _open_binary(path: Path, gz: bool) -> IO[bytes]:
    return gzip.open(path, "rb") if gz else path.open("rb")


#: Characters Polars' scanners expand as a glob pattern in a path.
_GLOB_CHARS = set("*?[")


def _read_bytes(path: Path, gz: bool) -> bytes:
    with _open_binary(path, gz) as stream:
        return stream.read()


def is_utf8(path: Path, gz: bool) -> bool:
    """Whether the whole file is valid UTF-8, checked chunk by chunk (ASCII chunks are free).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("caf\\u00e9\\n".encode("cp1252"))
    >>> is_utf8(p, gz=False)
    False
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with _open_binary(path, gz) as stream:
        while chunk := stream.read(_CHUNK):
            if chunk.isascii() and not decoder.getstate()[0]:
                continue
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def legacy_to_utf8(raw: bytes) -> bytes:
    """Re-encode a Windows/latin-1 export as UTF-8 (cp1252 first: it has € and quotes).

    Examples
    --------
    >>> legacy_to_utf8(b"\\x80 5").decode("utf-8")
    '€ 5'
    """
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.encode("utf-8")


def sniff_separator(header: str) -> str:
    """Pick the delimiter that occurs most often in the header line, outside quotes.

    Examples
    --------
    >>> sniff_separator('id;"a,b";date'), sniff_separator("single")
    (';', ',')
    """
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {sep: unquoted.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _head_text(source: Path | bytes, gz: bool) -> str:
    if isinstance(source, bytes):
        head = source[:_HEAD_BYTES]
    else:
        with _open_binary(source, gz) as stream:
            head = stream.read(_HEAD_BYTES)
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


_WIDE_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def _wide_encoding(path: Path, gz: bool) -> str | None:
    """UTF-16/32 announced by a byte order mark (Excel's "Unicode text" export), else None."""
    with _open_binary(path, gz) as stream:
        start = stream.read(4)
    return next((enc for bom, enc in _WIDE_BOMS if start.startswith(bom)), None)


def csv_source(path: Path, gz: bool, notices: list[str]) -> tuple[Path | bytes, str]:
    r"""The CSV as UTF-8 with ``\n`` line ends (the path itself when it already is), and its separator.

    UTF-16/32 (by byte order mark) and cp1252/latin-1 are re-encoded, with a notice;
    old Mac exports that end lines with a bare ``\r`` get ``\n``.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("id;x\r1;2\r".encode("utf-16"))
    >>> notices = []
    >>> csv_source(p, False, notices), notices
    ((b'id;x\n1;2\n', ';'), ['read as UTF-16'])
    """
    source: Path | bytes = path
    wide = _wide_encoding(path, gz)
    if wide:
        try:
            source = _read_bytes(path, gz).decode(wide).encode("utf-8")
        except UnicodeDecodeError:
            raise fail(path, f"starts like {wide.upper()} but is not; re-export it as UTF-8") from None
        notices.append(f"read as {wide.upper()}")
    elif not is_utf8(path, gz):
        source = legacy_to_utf8(_read_bytes(path, gz))
        notices.append("read as latin-1 (file is not UTF-8)")
    head = _head_text(source, gz)
    if not head.strip():
        raise fail(path, EMPTY_FILE)
    if "\r" in head and "\n" not in head:
        raw = source if isinstance(source, bytes) else _read_bytes(path, gz)
        source = raw.replace(b"\r", b"\n")
    return source, sniff_separator(head.splitlines()[0])


def _open_csv(path: Path, gz: bool, notices: list[str], infer_rows: int) -> Scanner:
    source, separator = csv_source(path, gz, notices)

    def scan(overrides: dict[str, pl.DataType] | None) -> pl.LazyFrame:
        if overrides is None:  # every column as text: a sample that cannot fail to parse
            return pl.scan_csv(source, separator=separator, infer_schema=False, glob=False)
        return pl.scan_csv(
            source,
            glob=False,  # a file name holding "[" or "*" names that file, not a pattern
            separator=separator,
            schema_overrides=overrides or None,
            infer_schema_length=infer_rows,
        )

    return scan


def ragged_row(path: Path, gz: bool) -> str | None:
    r"""Which data row has more fields than the header, and the likely fix; None if none does.

    Polars only says "found more fields than defined in 'Schema'"; this re-reads the
    text (only on that error) to name the row, counted like the loader's row numbers.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text('a,b\n1,"x,y"\n1,2,3\n')
    >>> ragged_row(p, False)
    "row 2 has 3 fields but the header has 2; quote the values that contain ',' or fix the row"
    """
    source, separator = csv_source(path, gz, [])
    if isinstance(source, bytes):
        text: IO[str] = io.StringIO(source.decode("utf-8"))
    else:
        text = io.TextIOWrapper(_open_binary(path, gz), encoding="utf-8-sig", newline="")
    with text:
        records = csv.reader(text, delimiter=separator)
        try:
            width = len(next(records, []))
            for row, record in enumerate(records, start=1):
                if len(record) > width:
                    return (
                        f"row {row:,} has {len(record)} fields but the header has {width}; "
                        f"quote the values that contain {separator!r} or fix the row"
                    )
        except csv.Error:  # a field beyond csv's size limit: no row to name
            return None
    return None


def bad_json_line(path: Path, gz: bool) -> str | None:
    """Which line of a JSON lines file is not a JSON object, and why; None if every line is.

    Polars names a character offset at best; this re-reads the file (only on error).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.jsonl"
    >>> _ = p.write_text('{"a": 1}\\n[2]\\n')
    >>> bad_json_line(p, False)
    'line 2 is not a JSON object: a list'
    """
    with io.TextIOWrapper(_open_binary(path, gz), encoding="utf-8-sig", errors="replace") as text:
        for number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                return f"line {number:,} is not a JSON object: {exc.msg} (column {exc.colno})"
            if not isinstance(value, dict):
                return f"line {number:,} is not a JSON object: a {_JSON_KINDS.get(type(value), 'value')}"
    return None


_JSON_KINDS = {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}


def open_scanner(
    path: Path, kind: str, gz: bool, notices: list[str], infer_rows: int
) -> Scanner:
    """A function returning the file as a LazyFrame; CSV honours dtype overrides.

    Parameters
    ----------
    path
        The file.
    kind, gz
        As returned by :func:`format_of`.
    notices
        Appended to when the file needed special handling (not UTF-8).
    infer_rows
        Rows Polars looks at to infer column types (CSV and JSON).

    Returns
    -------
    Scanner
        Call it with ``{}`` for inferred dtypes, a dict of overrides, or ``None``
        for every column as text (CSV only; other formats ignore the argument).
        Excel and JSON files are read once here; their scanner hands out that frame.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("id;amount\\n007;1.5\\n")
    >>> scan = open_scanner(p, "csv", False, [], infer_rows=100)
    >>> scan(None).collect().row(0), scan({}).collect().row(0)
    (('007', '1.5'), (7, 1.5))
    """
    if kind == "csv":
        return _open_csv(path, gz, notices, infer_rows)
    if kind == "parquet":
        return lambda _overrides: pl.scan_parquet(path, glob=False)
    if kind == "ipc":
        return lambda _overrides: pl.scan_ipc(path, glob=False)
    if kind == "jsonl":
        # scan_ndjson has no glob=False: a name with glob characters is read as bytes
        source: Path | bytes = _read_bytes(path, gz) if gz or _GLOB_CHARS & set(str(path)) else path
        return lambda _overrides: pl.scan_ndjson(source, infer_schema_length=infer_rows)
    if kind == "json":
        raw = _read_bytes(path, gz)
        if not raw.strip():
            raise fail(path, EMPTY_FILE)
        try:
            frame = pl.read_json(raw, infer_schema_length=infer_rows)
        except Exception:
            # JSON lines saved as .json: the array reader stops at the second object.
            if not raw.lstrip().startswith(b"{"):
                raise
            frame = pl.read_ndjson(raw, infer_schema_length=infer_rows)
            notices.append("read as JSON lines (one object per line); name the file .jsonl")
        return lambda _overrides: frame.lazy()
    # excel: no lazy reader exists; read once and hand out the frame
    sheet = _largest_sheet(path, notices, infer_rows)
    return lambda _overrides: sheet.lazy()


def _largest_sheet(path: Path, notices: list[str], infer_rows: int) -> pl.DataFrame:
    """The workbook's sheet with the most rows.

    Exports often put a cover or notes sheet first; reading only the first sheet
    would then report "no data rows" for a workbook that has them.
    """
    sheets = pl.read_excel(
        path, sheet_id=0, engine="calamine", infer_schema_length=infer_rows, raise_if_empty=False
    )
    name = max(sheets, key=lambda sheet: sheets[sheet].height)  # first of equals on a tie
    if len(sheets) > 1:
        notices.append(f"read sheet {name!r}, the largest of {len(sheets)} sheets")
    return sheets[name]
