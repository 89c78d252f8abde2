"""The ingest and quarantine verbs (CLI modules cli/ingest_data.py and cli/quarantine.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from moneytrail.cli.app import build_app

HEADER = "txn_id,timestamp,from_bank,from_account,to_bank,to_account,amount,currency,channel"


def test_ingest_transactions_then_quarantine(tmp_path: Path) -> None:
    app, runner = build_app(), CliRunner()
    case = tmp_path / "case"
    assert runner.invoke(app, ["init", str(case)]).exit_code == 0
    data = tmp_path / "t.csv"
    data.write_text(f"{HEADER}\nt1,2021-03-04T05:06:07Z,B1,A1,B2,A2,100,USD,wire\n"
                    "t2,2021-03-04T05:06:07Z,B1,A1,B2,A2,-1,USD,wire\n")
    out = runner.invoke(app, ["ingest", "transactions", str(case), str(data), "--source-grade", "C3",
                              "--max-quarantine", "0.6", "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    assert summary["totals"] == {"rows_read": 2, "rows_stored": 1, "rows_quarantined": 1, "rows_duplicate": 0}
    text = runner.invoke(app, ["ingest", "transactions", str(case), str(data)])
    assert "already ingested" in text.output and "read 2 = stored 1 + quarantined 1" in text.output
    export = tmp_path / "q.csv"
    q = runner.invoke(app, ["quarantine", str(case), "--export", str(export), "--json"])
    assert q.exit_code == 0 and json.loads(q.output)["total"] == 1
    with export.open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["line"] == "3" and rows[0]["reason"] == "negative amount -1"
    status = runner.invoke(app, ["status", str(case), "--json"])
    assert json.loads(status.output)["sources"][0]["grade"] == "C3"


def test_bad_file_exits_non_zero_naming_file_and_line(tmp_path: Path) -> None:
    app, runner = build_app(), CliRunner()
    case = tmp_path / "case"
    runner.invoke(app, ["init", str(case)])
    data = tmp_path / "semi.csv"
    data.write_text(HEADER.replace(",", ";") + "\n")
    out = runner.invoke(app, ["ingest", "transactions", str(case), str(data)])
    assert out.exit_code == 1
    assert "semi.csv: line 1: wrong delimiter" in out.output


def test_other_verbs(tmp_path: Path) -> None:
    app, runner = build_app(), CliRunner()
    case = tmp_path / "case"
    runner.invoke(app, ["init", str(case), "--currency", "EUR"])
    (tmp_path / "rates.csv").write_text("currency,valid_from,valid_to,rate\nUSD,2021-01-01,2021-12-31,0.9\n")
    (tmp_path / "accounts.csv").write_text(
        "bank_id,account_id,holder_entity_id,country,currency,iban\nB1,A1,e1,FR,EUR,\n")
    (tmp_path / "e.jsonl").write_text('{"id": "e1", "schema": "Person", "properties": {"name": ["Ilse Varga"]}}\n')
    (tmp_path / "ev.csv").write_text("event_id_cnty,event_date\nX1,2021-01-02\n")
    for verb, path, extra in (("rates", "rates.csv", []), ("accounts", "accounts.csv", []),
                              ("entities", "e.jsonl", ["--source-kind", "sanctions_list"]),
                              ("events", "ev.csv", ["--format", "acled"])):
        out = runner.invoke(app, ["ingest", verb, str(case), str(tmp_path / path), *extra, "--json"])
        assert out.exit_code == 0, (verb, out.output)
        assert json.loads(out.output)["totals"]["rows_stored"] == 1, verb
    status = json.loads(runner.invoke(app, ["status", str(case), "--json"]).output)
    kinds = {s["kind"] for s in status["sources"]}
    assert {"sanctions_list", "event_dataset", "bank_record", "dataset"} <= kinds
