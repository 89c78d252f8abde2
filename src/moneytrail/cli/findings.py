"""``moneytrail findings CASE``: the stored findings of every stage, ranked, with what they cite."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import typer

from moneytrail.api import Investigation, open_case
from moneytrail.cli.output import print_json, print_table
from moneytrail.store.findings import finding_refs


def findings_with_refs(case: Investigation, kind: str | None, limit: int | None) -> list[dict[str, Any]]:
    rows = case.findings(kind, limit=limit).to_pylist()
    for row in rows:
        row["refs"] = finding_refs(case.store, str(row["finding_id"]))
    return rows


def _cites(refs: list[dict[str, Any]]) -> str:
    counts = Counter(str(r["ref_kind"]) for r in refs)
    return ", ".join(f"{n} {k}" + ("s" if n != 1 else "") for k, n in sorted(counts.items()))


def register(app: typer.Typer) -> None:
    @app.command("findings")
    def findings(
        case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
        kind: str = typer.Option(None, "--kind", "-k", help="Only this kind: typology, trace, link, screen, ..."),
        limit: int = typer.Option(50, "--limit", "-n", help="At most this many, best first (0: all)."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON, with every reference."),
    ) -> None:
        """List stored findings of all kinds, ranked by score, with the rows and sources they cite."""
        with open_case(case, read_only=True) as c:
            rows = findings_with_refs(c, kind, limit or None)
        if json_out:
            print_json(rows)
            return
        stale = sum(1 for r in rows if r["stale"])
        print_table(f"{len(rows)} finding(s)" + (f", {stale} stale (made before the data last changed: run their "
                                                  "stage again)" if stale else ""),
                    ["#", "score", "kind", "typology", "grade", "stage", "explanation", "cites"],
                    [[i, f"{r['score']:.3f}", r["kind"], r["typology"],
                      f"{r['reliability'] or ''}{r['credibility'] or ''}",
                      f"{r['stage']} v{r['stage_version']}" + (" STALE" if r["stale"] else ""),
                      (f"STALE ({r['stale_reason']}): " if r.get("stale_reason") else "") + str(r["explanation"]),
                      _cites(r["refs"])]
                     for i, r in enumerate(rows, start=1)])
