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


def test_every_module_level_import_is_a_declared_dependency():
    # `pip install -e .` (no extras) must run every command: `segtui sql` once died with
    # ModuleNotFoundError (sqlglot sat in an extra). Optional engines are imported inside
    # functions, behind a "pip install 'segtui[...]'" message, and are not counted here.
    import ast
    import tomllib
    from pathlib import Path

    root = Path(segtui.__file__).parent
    pyproject = tomllib.loads((root.parent / "pyproject.toml").read_text())
    declared = {
        dep.split(">")[0].split("=")[0].split("[")[0].strip().lower().replace("_", "-")
        for dep in pyproject["project"]["dependencies"]
    }
    distribution = {"yaml": "pyyaml", "ruamel": "ruamel.yaml"}
    missing = set()
    for path in root.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:  # module level only
            names = (
                [alias.name for alias in node.names] if isinstance(node, ast.Import)
                else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                else []
            )
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("segtui", "__future__"):
                    continue
                if distribution.get(top, top).lower() not in declared:
                    missing.add(f"{path.relative_to(root)}: {top}")
    assert not missing, sorted(missing)
