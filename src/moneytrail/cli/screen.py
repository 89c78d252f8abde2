"""``moneytrail screen CASE --list LIST.jsonl``: match the case's parties against a sanctions/PEP list."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import typer

from moneytrail.cli.output import console, fail, print_json, print_table
from moneytrail.resolve.listfile import ListFileError
from moneytrail.resolve.scoring import Thresholds
from moneytrail.resolve.screening import screen_case
from moneytrail.store import Case


def register(app: typer.Typer) -> None:
    @app.command("screen")
    def screen(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
               list_path: Path = typer.Option(..., "--list", help="Sanctions/PEP list in FtM JSON lines "
                                              "(OpenSanctions export format)."),
               source_id: str = typer.Option(None, "--source-id", help="Source id for the list "
                                             "(default list:<file name>)."),
               match: float = typer.Option(0.9, "--match", help="Probability for a confident hit."),
               review: float = typer.Option(0.5, "--review", help="Lowest probability reported."),
               json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Screen people and organisations against a list; hits become findings of kind "screen"."""
        with Case.open(case) as c:
            try:
                hits = screen_case(c, list_path, source_id=source_id, thresholds=Thresholds(match, review))
            except ListFileError as exc:
                fail(str(exc))
                sys.exit(2)
        if json_out:
            print_json([asdict(h) for h in hits])
            return
        if not hits:
            console.print("no matches")
            return
        print_table(f"{len(hits)} screening hits", ["entity", "list entry", "p", "decision", "programme",
                                                      "reason", "why"],
                    [(f"{h.entity_name} ({h.entity_id})", f"{h.list_name} ({h.list_entity_id})",
                      f"{h.probability:.2f}", h.decision, "; ".join(h.programme) or h.typology,
                      "; ".join(h.reason),
                      "; ".join(f"{s['signal']} {s['rule']} {s['weight']:+.1f}" for s in h.explanation["signals"]))
                     for h in hits])
