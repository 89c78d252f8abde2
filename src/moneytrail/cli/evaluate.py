"""``moneytrail evaluate CASE --truth T``: how well the stored findings recover labelled laundering."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from moneytrail.cli.output import console, fail, print_json, print_table
from moneytrail.detect.evaluate import evaluate
from moneytrail.detect.truth import TruthError, load_truth
from moneytrail.store import Case


def _pct(x: Any) -> str:
    return "-" if x is None else f"{100 * float(x):.1f}%"


def register(app: typer.Typer) -> None:
    @app.command("evaluate")
    def evaluate_cmd(
        case: Path = typer.Argument(..., help="Case folder or .duckdb file with stored findings."),
        truth: str = typer.Option("case", "--truth", help="'case' (truth ingested into the case), an AMLworld "
                                  "*_Patterns.txt, an AMLSim folder, or a generator truth.json."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Compare findings with labels: attempts found, precision/recall/F1, findings per 10,000 rows."""
        with Case.open(case) as c:
            try:
                info = load_truth(c, truth)
                result = evaluate(c)
            except TruthError as exc:
                fail(str(exc))
                sys.exit(2)
        result["truth"] = info
        if json_out:
            print_json(result)
            return
        console.print(f"truth: {', '.join(f'{k}={v}' for k, v in info.items())}", highlight=False)
        if result["attempts"]:
            print_table("attempts found (a finding covers at least half of the attempt's transactions)",
                        ["typology", "attempts", "found by any finding", "found by same typology"],
                        [[t, a["attempts"], f"{a['found_any']} ({_pct(a['recall_any'])})",
                          f"{a['found_same']} ({_pct(a['recall_same'])})"] for t, a in result["attempts"].items()])
        print_table("transactions (recall: labelled rows cited by any finding; precision: cited rows labelled)",
                    ["typology", "labelled", "flagged", "precision", "recall", "F1", "findings", "per 10k rows"],
                    [[t, m.get("labelled", m.get("actual")), m.get("flagged", m.get("predicted")),
                      _pct(m["precision"]), _pct(m["recall"]), _pct(m["f1"]), m["findings"],
                      "-" if m["findings_per_10k"] is None else f"{m['findings_per_10k']:.2f}"]
                     for t, m in result["transactions"].items()])
        if "accounts" in result:
            print_table("accounts (labelled accounts cited by findings)",
                        ["finding typology", "flagged", "labelled", "true positives", "precision", "recall", "F1"],
                        [[t, m["predicted"], m["actual"], m["tp"], _pct(m["precision"]), _pct(m["recall"]),
                          _pct(m["f1"])] for t, m in result["accounts"].items()])
