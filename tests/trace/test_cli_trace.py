"""The ``moneytrail trace`` verb: table, JSON, Sankey CSV and clear errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from moneytrail.cli.app import build_app
from moneytrail.store import Case
from tests.trace.conftest import write_accounts, write_payments


def _case(tmp_path: Path) -> Path:
    with Case.create(tmp_path / "c") as case:
        write_payments(case, [("t1", 1, "k:A", "k:B", 100), ("t2", 2, "k:B", "k:C", 70),
                              ("t3", 3, "k:B", "k:D", 30)])
        write_accounts(case, [("k:A", "ent-a", "MT"), ("k:B", "ent-b", "CY"), ("k:C", "ent-c", "TR")])
    return tmp_path / "c"


def test_trace_json_and_sankey(tmp_path: Path) -> None:
    path = _case(tmp_path)
    out = tmp_path / "sankey.csv"
    res = CliRunner().invoke(build_app(), ["trace", str(path), "--from", "ent-a", "--method", "proportional",
                                           "--max-gap", "2d", "--window", "2024-01-01..2024-01-31",
                                           "--sankey", str(out), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert {s["account"]: s["amount"] for s in data["sinks"]} == {"k:C": 70, "k:D": 30}
    assert data["routes"][0]["countries"] == ["MT", "CY", "TR"]
    assert data["finding_id"]
    rows = list(csv.DictReader(out.open()))
    assert {(r["source"], r["target"]) for r in rows} == {("ent-a", "ent-b"), ("ent-b", "ent-c"), ("ent-b", "k:D")}


def test_trace_table_and_errors(tmp_path: Path) -> None:
    path = _case(tmp_path)
    res = CliRunner().invoke(build_app(), ["trace", str(path), "--from", "k:A"])
    assert res.exit_code == 0, res.output
    assert "where the money stopped" in res.stdout and "k:C" in res.stdout
    bad = CliRunner().invoke(build_app(), ["trace", str(path), "--from", "k:A", "--method", "lifo"])
    assert bad.exit_code == 2 and "unknown method" in bad.stderr
    missing = CliRunner().invoke(build_app(), ["trace", str(path), "--from", "k:ZZ"])
    assert missing.exit_code == 2 and "k:ZZ" in missing.stderr
