"""``moneytrail quarantine CASE``: the rows ingest set aside, with file, line and reason."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import typer

from moneytrail.cli.output import console, print_json, print_table
from moneytrail.model.safe_text import defuse_formula
from moneytrail.store import Case


def quarantine_rows(case: Case, limit: int | None = None) -> list[dict[str, Any]]:
    sql = "SELECT ingest_id, file, line, reason, raw FROM quarantine ORDER BY file, line NULLS FIRST"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows: list[dict[str, Any]] = case.engine.query(sql).to_pylist()
    return rows


def register(app: typer.Typer) -> None:
    @app.command("quarantine")
    def quarantine(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
                   export: Path | None = typer.Option(None, "--export", help="Write every row to this CSV file."),
                   limit: int = typer.Option(50, "--limit", help="Rows to show (all are exported)."),
                   json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Show (or export) quarantined rows: file, line, reason and the raw text."""
        with Case.open(case, read_only=True) as c:
            total = c.count("quarantine")
            by_reason = c.engine.rows(
                "SELECT file, reason, count(*) FROM quarantine GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2")
            rows = quarantine_rows(c, None if export or json_out else limit)
            # FtM values refused one by one (the entity itself was kept).
            values = c.engine.query("SELECT file, line, entity_id, schema, prop, value, reason FROM quarantined_values "
                                    "ORDER BY file, line, entity_id, prop").to_pylist()
        if export is not None:
            with export.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=["ingest_id", "file", "line", "reason", "raw"])
                writer.writeheader()
                # Cells a spreadsheet would run as formulas get a leading apostrophe (OWASP CSV injection).
                writer.writerows({k: defuse_formula(v) if isinstance(v, str) else v for k, v in r.items()}
                                 for r in rows)
        if json_out:
            print_json({"total": total, "rows": rows, "values": values,
                        "exported_to": str(export) if export else None})
            return
        print_table(f"quarantine: {total:,} rows", ["file", "reason", "rows"], by_reason)
        if rows and export is None:
            print_table("rows", ["file", "line", "reason", "raw"],
                        [[r["file"], r["line"], r["reason"], (r["raw"] or "")[:120]] for r in rows])
        if values:
            print_table(f"FtM values refused ({len(values):,}; their entities are kept)",
                        ["file", "line", "entity", "property", "value", "reason"],
                        [[v["file"], v["line"], v["entity_id"], v["prop"], (v["value"] or "")[:60], v["reason"]]
                         for v in values[:limit]])
        if export is not None:
            console.print(f"exported {total:,} rows to {export}")
