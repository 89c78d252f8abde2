"""``moneytrail ingest undo CASE INGEST_NO``: retract one ingest (rows, quarantine, log entry) in one
transaction; findings resting on its rows are marked stale."""

from __future__ import annotations

from pathlib import Path

import typer

from moneytrail.cli.ingest import ingest_app
from moneytrail.cli.output import console, fail, print_json
from moneytrail.store import Case
from moneytrail.store.retract import RetractError, retract_ingest


def register(app: typer.Typer) -> None:
    @ingest_app.command("undo")
    def undo(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
             ingest_no: int = typer.Argument(..., help="The ingest's number (`moneytrail status` lists them)."),
             json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Retract one ingest: its rows, its quarantine and its log entry; findings on them become stale."""
        with Case.open(case) as c:
            try:
                done = retract_ingest(c, ingest_no)
            except RetractError as exc:
                fail(str(exc))
                raise typer.Exit(1) from exc
        if json_out:
            print_json({"ingest_no": done.ingest_no, "ingest_id": done.ingest_id, "kind": done.kind,
                        "file": done.file, "rows": done.rows, "stale_findings": done.stale_findings})
            return
        removed = ", ".join(f"{n:,} {table}" for table, n in done.rows.items()) or "no rows"
        console.print(f"retracted ingest {done.ingest_no} ({done.kind}, {done.file}): {removed}")
        if done.stale_findings:
            console.print(f"{done.stale_findings} finding(s) rested on these rows and are now marked stale")
