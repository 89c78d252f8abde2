"""``moneytrail evaluate CASE --truth T``: how well the stored findings recover labelled laundering."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from moneytrail.cli.output import console, fail, print_json, print_table
from moneytrail.detect.evaluate import evaluate, window_of_split
from moneytrail.detect.truth import TruthError, load_truth
from moneytrail.store import Case


def _pct(x: Any) -> str:
    return "-" if x is None else f"{100 * float(x):.1f}%"


def parse_window(text: str) -> tuple[datetime | None, datetime | None]:
    """'2022-09-01..2022-10-01' -> (start, end); either side may be empty."""
    start, sep, end = text.partition("..")
    if not sep:
        raise ValueError(f"--window {text!r}: expected START..END, e.g. 2022-09-01..2022-10-01")
    try:
        return (datetime.fromisoformat(start) if start else None, datetime.fromisoformat(end) if end else None)
    except ValueError as exc:
        raise ValueError(f"--window {text!r}: {exc}") from exc


def register(app: typer.Typer) -> None:
    @app.command("evaluate")
    def evaluate_cmd(
        case: Path = typer.Argument(..., help="Case folder or .duckdb file with stored findings."),
        truth: str = typer.Option("case", "--truth", help="'case' (truth ingested into the case), an AMLworld "
                                  "*_Patterns.txt, an AMLSim folder, or a generator truth.json."),
        window: str = typer.Option("", "--window", help="Score only transactions in START..END (ISO times; "
                                   "either side may be empty)."),
        split: str = typer.Option("", "--split", help="Score only the test part of a temporal split, e.g. "
                                  "temporal:60/20/20 (the part `learn` measures on)."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Compare findings with labels: attempts found, precision/recall/F1, findings per 10,000 rows."""
        with Case.open(case) as c, c.engine.run():  # the loaded truth lives as long as this run
            try:
                span = parse_window(window) if window else window_of_split(c, split) if split else None
                info = load_truth(c, truth)
                result = evaluate(c, span)
            except (TruthError, ValueError) as exc:
                fail(str(exc))
                sys.exit(2)
        result["truth"] = info
        if span is not None:
            result["window"] = [None if t is None else t.isoformat() for t in span]
            if not json_out:
                console.print(f"scored on transactions from {span[0] or 'the start'} to {span[1] or 'the end'}",
                              highlight=False)
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
