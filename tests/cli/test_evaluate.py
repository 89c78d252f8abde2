from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
from typer.testing import CliRunner

from moneytrail.cli.app import build_app
from moneytrail.store import Case

T0 = datetime(2022, 9, 1, 8, 0)


def _case(tmp_path: Path) -> Path:
    rows = [("c1", 0, "b:A", "b:B", 10_000.0), ("c2", 5, "b:B", "b:C", 9_800.0), ("c3", 30, "b:C", "b:A", 9_700.0),
            ("n1", 1, "b:X", "b:Y", 50.0), ("n2", 2, "b:Y", "b:Z", 5_000.0)]
    path = tmp_path / "case"
    with Case.create(path) as c:
        table = pa.table({"txn_id": [r[0] for r in rows], "ts": [T0 + timedelta(hours=r[1]) for r in rows],
                          "from_account": [r[2] for r in rows], "to_account": [r[3] for r in rows],
                          "amount": [r[4] for r in rows], "currency": ["USD"] * len(rows),
                          "source_id": ["s"] * len(rows)})
        c.engine.register_arrow("_rows", table)
        c.engine.execute(f"INSERT INTO transactions ({', '.join(table.column_names)}) SELECT * FROM _rows")
    return path


def test_evaluate_reports_found_attempts_and_metrics(tmp_path: Path) -> None:
    path = _case(tmp_path)
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"typologies": [
        {"attempt_id": "a1", "typology": "cycle", "txn_ids": ["c1", "c2", "c3"]},
        {"attempt_id": "a2", "typology": "random", "txn_ids": ["n1", "n2"]}]}), encoding="utf-8")
    runner = CliRunner()
    detected = runner.invoke(build_app(), ["detect", str(path), "-t", "cycle", "--json"])
    assert detected.exit_code == 0, detected.output
    result = runner.invoke(build_app(), ["evaluate", str(path), "--truth", str(truth), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["attempts"]["cycle"]["found_same"] == 1 and out["attempts"]["random"]["found_any"] == 0
    assert out["transactions"]["(all)"]["precision"] == 1.0
    assert out["transactions"]["(all)"]["recall"] == 0.6
    table = runner.invoke(build_app(), ["evaluate", str(path), "--truth", str(truth)])
    assert table.exit_code == 0 and "attempts found" in table.output


def test_evaluate_names_a_bad_truth_file(tmp_path: Path) -> None:
    path = _case(tmp_path)
    bad = tmp_path / "Bad_Patterns.txt"
    bad.write_text("BEGIN LAUNDERING ATTEMPT - CYCLE\n2022/09/01 00:00,1,A\n", encoding="utf-8")
    result = CliRunner().invoke(build_app(), ["evaluate", str(path), "--truth", str(bad)])
    assert result.exit_code == 2
    assert "Bad_Patterns.txt:2" in result.output


def test_learn_refuses_a_case_without_labels(tmp_path: Path) -> None:
    path = _case(tmp_path)
    result = CliRunner().invoke(build_app(), ["learn", str(path)])
    assert result.exit_code == 2
    assert "one class" in result.output


def test_evaluate_scores_only_the_window(tmp_path: Path) -> None:
    path = _case(tmp_path)
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"typologies": [
        {"attempt_id": "a1", "typology": "cycle", "txn_ids": ["c1", "c2", "c3"]},
        {"attempt_id": "a2", "typology": "random", "txn_ids": ["n1", "n2"]}]}), encoding="utf-8")
    runner = CliRunner()
    runner.invoke(build_app(), ["detect", str(path), "-t", "cycle", "--json"])
    whole = json.loads(runner.invoke(build_app(), ["evaluate", str(path), "--truth", str(truth), "--json"]).output)
    late = runner.invoke(build_app(), ["evaluate", str(path), "--truth", str(truth), "--json",
                                       "--window", "2022-09-01T14:00.."])
    assert late.exit_code == 0, late.output
    part = json.loads(late.output)
    assert whole["transactions_in_case"] == 5 and part["transactions_in_case"] == 1  # only c3 is that late
    assert part["transactions"]["cycle"]["labelled"] == 1
    split = runner.invoke(build_app(), ["evaluate", str(path), "--truth", str(truth), "--json",
                                        "--split", "temporal:60/20/20"])
    assert json.loads(split.output)["transactions_in_case"] == 1
    bad = runner.invoke(build_app(), ["evaluate", str(path), "--window", "yesterday"])
    assert bad.exit_code == 2 and "START..END" in bad.output
