"""``moneytrail status CASE``: counts per table and per source, and the quarantine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from moneytrail.cli.output import print_json, print_table
from moneytrail.store import Case


def case_status(case: Case) -> dict[str, Any]:
    e = case.engine
    tables = {t: case.count(t) for t in case.table_names() if t != "schema_migrations"}
    per_source = [
        {"source_id": r[0], "kind": r[1], "title": r[2], "grade": f"{r[3]}{r[4]}", "transactions": r[5],
         "statements": r[6], "events": r[7]}
        for r in e.rows(
            "SELECT s.source_id, s.kind, s.title, s.reliability, s.credibility, "
            "(SELECT count(*) FROM transactions t WHERE t.source_id = s.source_id), "
            "(SELECT count(*) FROM statements st WHERE st.source_id = s.source_id), "
            "(SELECT count(*) FROM events ev WHERE ev.source_id = s.source_id) "
            "FROM sources s ORDER BY s.source_id")
    ]
    quarantine = [
        {"file": r[0], "reason": r[1], "rows": r[2]}
        for r in e.rows("SELECT file, reason, count(*) FROM quarantine GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2")
    ]
    ingests = [
        {"no": r[6], "file": r[0], "kind": r[1], "read": r[2], "stored": r[3], "quarantined": r[4],
         "seconds": r[5]}
        for r in e.rows("SELECT file, kind, rows_read, rows_stored, rows_quarantined, round(seconds, 3), ingest_no "
                        "FROM ingest_log ORDER BY started_at")
    ]
    return {"case": case.describe(), "tables": tables, "sources": per_source, "ingests": ingests,
            "quarantine": quarantine}


def register(app: typer.Typer) -> None:
    @app.command("status")
    def status(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
               json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Show what the case holds: rows per table, per source, ingests and quarantine."""
        with Case.open(case, read_only=True) as c:
            info = case_status(c)
        if json_out:
            print_json(info)
            return
        print_table(f"case {info['case']['path']} (schema v{info['case']['schema_version']})",
                    ["table", "rows"], sorted(info["tables"].items()))
        if info["sources"]:
            print_table("sources", ["source", "kind", "title", "grade", "transactions", "statements", "events"],
                        [list(s.values()) for s in info["sources"]])
        if info["ingests"]:
            print_table("ingests (`ingest undo CASE NO` retracts one)",
                        ["no", "file", "kind", "read", "stored", "quarantined", "seconds"],
                        [list(s.values()) for s in info["ingests"]])
        if info["quarantine"]:
            print_table("quarantine", ["file", "reason", "rows"], [list(q.values()) for q in info["quarantine"]])
