"""Atomic writes: the target appears whole or not at all, with shareable permissions."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from segtui.errors import SegtuiError
from segtui.export import write_atomic, write_frame


def test_new_export_gets_umask_permissions_not_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        out = write_frame(pl.DataFrame({"a": [1]}), tmp_path / "members.csv")
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644


def test_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "members.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    write_frame(pl.DataFrame({"a": [1]}), target)
    assert target.stat().st_mode & 0o777 == 0o640
    assert target.read_text() == "a\n1\n"


def test_failed_write_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "r.txt"
    target.write_text("before")

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(SegtuiError, match=r"r.txt: cannot save \(No space left on device\)"):
        write_atomic(target, broken, verb="save")
    assert target.read_text() == "before"
    assert [p.name for p in tmp_path.iterdir()] == ["r.txt"]


def test_directory_as_target_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "view.csv").mkdir()
    with pytest.raises(SegtuiError, match="view.csv: cannot write"):
        write_frame(pl.DataFrame({"a": [1]}), tmp_path / "view.csv")
