"""--customers-file and data.customers_file: a CRM export's attributes joined on customer id."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from segtui.cli import app
from segtui.resources import SAMPLE_FILE

runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _sample_ids() -> list[str]:
    return sorted({row["customer_id"] for row in csv.DictReader(SAMPLE_FILE.open(newline=""))})


def _crm(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """Ages for every other sample customer, plus two ids that never bought, one blank id."""
    ids = _sample_ids()
    ages = {cid: 20 + i % 50 for i, cid in enumerate(ids) if i % 2 == 0}
    path = tmp_path / "crm.csv"
    lines = ["Client ID,Age,Country,Interests"]
    lines += [f"{cid},{age},Atlantis,books" for cid, age in ages.items()]
    lines += ["NOBODY1,40,Atlantis,golf", "NOBODY2,41,Atlantis,golf", ",33,Atlantis,golf"]
    path.write_text("\n".join(lines) + "\n")
    return path, ages


def test_customers_file_joins_attributes_and_says_what_did_not_match(tmp_path):
    crm, ages = _crm(tmp_path)
    out = tmp_path / "view.csv"
    result = run("customers", SAMPLE_FILE, "--customers-file", crm, "-o", out)
    assert result.exit_code == 0, result.output
    view = pl.read_csv(out, schema_overrides={"customer_id": pl.String})
    # country comes from the transactions too: the file's copy is country_2, never a clash
    assert {"age", "country", "country_2", "interests"} <= set(view.columns)
    got = dict(zip(view["customer_id"], view["age"]))
    assert all(got[cid] == age for cid, age in ages.items())
    assert sum(1 for cid in got if cid not in ages and got[cid] is None) == len(got) - len(ages)
    missing = len(_sample_ids()) - len(ages)
    assert f"crm.csv: {missing:,} customers of the transactions have no row here" in result.output
    assert "crm.csv: 2 customer ids here have no transactions and are left out" in result.output
    assert "crm.csv: left out 1 row with no customer id" in result.output
    assert 'column "Country" is country_2' in result.output


def test_rules_use_the_joined_attributes_and_the_rule_file_can_name_the_file(tmp_path):
    crm, ages = _crm(tmp_path)
    rules = tmp_path / "crm_rules.yaml"
    rules.write_text(
        "version: 1\nname: CRM\ndata:\n  customers_file: crm.csv\n"
        "segments:\n  - name: Over 50\n    rules: ['age >= 50']\n"
    )
    result = run("apply", rules, SAMPLE_FILE, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["segments"][0]["customers"] == sum(1 for age in ages.values() if age >= 50)


def test_a_customers_file_without_an_id_column_is_one_error_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Age,City\n30,Paris\n")
    result = run("customers", SAMPLE_FILE, "--customers-file", bad)
    assert result.exit_code == 1
    assert "no customer id column" in result.output and "Traceback" not in result.output
    assert run("customers", SAMPLE_FILE, "--customers-file", tmp_path / "nope.csv").exit_code == 1
