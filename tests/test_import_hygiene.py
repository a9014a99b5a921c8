"""The core must stay free of Textual, and `segtui --help` must not pay for Polars or Textual."""

import pkgutil
import subprocess
import sys

import segtui

#: Every module of the package except the two shells (found, not listed, so a new
#: core module is guarded the day it is added).
CORE = [
    m.name
    for m in pkgutil.walk_packages(segtui.__path__, prefix="segtui.")
    if m.name != "segtui.cli" and not m.name.startswith("segtui.tui")
]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True, text=True, check=True,
    ).stdout
    return set(out.split())


def test_core_does_not_import_textual():
    loaded = _modules_after("\n".join(f"import {m}" for m in CORE))
    assert "textual" not in loaded
    assert "segtui.tui" not in loaded
    assert "polars" in loaded  # sanity: the imports above really ran


def test_cli_module_is_light():
    loaded = _modules_after("import segtui.cli")
    assert "polars" not in loaded
    assert "textual" not in loaded
    assert "typer" in loaded
