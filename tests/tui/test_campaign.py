"""The app's export with a holdout: the group column, and the minimum detectable effect."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
from textual.pilot import Pilot
from textual.widgets import Input

from segtui.tui.app import make_app
from segtui.tui.editing import NodeRef

from .conftest import AS_OF, RULES_YAML, run, settle
from .test_app import select

SALT = "fixture-2024"


def _control(customer_id: str, percent: float) -> bool:
    """The documented formula, written out independently of segtui."""
    digest = hashlib.md5(f"{SALT}:{customer_id}".encode()).hexdigest()
    return int(digest[:8], 16) % 10_000 < percent * 100


def _holdout_rules(tmp_path: Path) -> Path:
    path = tmp_path / "held.yaml"
    path.write_text(RULES_YAML.replace("segments:", f'holdout: {{percent: 50, salt: "{SALT}"}}\nsegments:'))
    return path


def test_export_writes_the_group_column(data_file: Path, tmp_path: Path) -> None:
    app = make_app(data_path=data_file, rules_path=_holdout_rules(tmp_path), as_of=AS_OF)
    everyone, lapsed = tmp_path / "all.csv", tmp_path / "lapsed.csv"

    async def scenario(pilot: Pilot) -> None:
        for ref, target in ((NodeRef("root"), everyone), (NodeRef("segment", 1), lapsed)):
            await select(pilot, ref)
            await pilot.press("x")
            app.screen.query_one(Input).value = str(target)
            await pilot.press("enter")
            await settle(pilot)

    run(app, scenario)
    for target in (everyone, lapsed):
        frame = pl.read_csv(target)
        assert frame.columns[frame.columns.index("customer_id") + (2 if target == everyone else 1)] == "group"
        expected = ["control" if _control(cid, 50) else "test" for cid in frame["customer_id"]]
        assert frame["group"].to_list() == expected
    assert sorted(pl.read_csv(lapsed)["customer_id"]) == ["C", "D", "G", "H"]


def _sample_with_holdout(tmp_path: Path) -> Path:
    from segtui.resources import DEFAULT_RULES

    path = tmp_path / "lifecycle-held.yaml"
    path.write_text(DEFAULT_RULES.read_text().replace("segments:", 'holdout: {percent: 10, salt: "winback"}\nsegments:', 1))
    return path


def test_export_dialog_shows_each_segments_minimum_detectable_effect(tmp_path: Path) -> None:
    import json

    import pytest
    from typer.testing import CliRunner

    from segtui.cli import app as cli
    from segtui.resources import SAMPLE_FILE
    from segtui.tui.screens.dialogs import PromptScreen
    from textual.widgets import Static

    pytest.importorskip("statsmodels")
    rules = _sample_with_holdout(tmp_path)
    result = CliRunner().invoke(cli, ["apply", str(rules), str(SAMPLE_FILE), "--format", "json"])
    expected = {row["segment"]: row for row in json.loads(result.stdout)["holdout"]}
    app = make_app(rules_path=rules)
    shown: dict[str, str] = {}

    async def scenario(pilot: Pilot) -> None:
        for ref, key in ((NodeRef("root"), "root"), (NodeRef("segment", 2), "At risk")):
            await select(pilot, ref)
            await pilot.press("x")
            await settle(pilot)
            assert isinstance(app.screen, PromptScreen)
            shown[key] = str(app.screen.query_one("#prompt-details", Static).render())
            await pilot.press("escape")

    run(app, scenario, size=(120, 40))
    for name, row in expected.items():
        line = f"{name}: {row['test']:,} test / {row['control']:,} control"
        assert line in shown["root"]
        assert f"MDE +{100 * row['mde']:.2f} pt on {100 * row['baseline']:.2f}%" in shown["root"]
    assert "\\n" not in shown["root"]  # line breaks, not escaped ones
    assert "At risk:" in shown["At risk"] and "Churned:" not in shown["At risk"]


def test_export_dialog_without_holdout_shows_no_holdout_lines(fixture_app, tmp_path: Path) -> None:
    from segtui.tui.screens.dialogs import PromptScreen
    from textual.widgets import Static

    async def scenario(pilot: Pilot) -> None:
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(fixture_app.screen, PromptScreen)
        assert not fixture_app.screen.query_one("#prompt-details", Static).display

    run(fixture_app, scenario)


def test_saving_from_the_app_keeps_the_holdout(data_file: Path, tmp_path: Path) -> None:
    rules = _holdout_rules(tmp_path)
    before = rules.read_text()
    app = make_app(data_path=data_file, rules_path=rules, as_of=AS_OF)

    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("segment", 1))
        await pilot.press("space")  # switch "Lapsed" off, then save in place
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)

    run(app, scenario)
    saved = rules.read_text()
    assert saved != before and f'holdout: {{percent: 50, salt: "{SALT}"}}' in saved
    from segtui.rulefile import load_rules

    held = load_rules(rules).holdout
    assert held is not None and (held.percent, held.salt) == (50, SALT)
