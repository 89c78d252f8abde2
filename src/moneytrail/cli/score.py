"""``moneytrail score CASE --model MODEL``: apply a saved transaction model to another case."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import typer

from moneytrail.cli.output import console, fail, print_json, print_table
from moneytrail.detect.learn_findings import score_findings
from moneytrail.detect.learn_transactions import LearnError, TransactionModel, score_case
from moneytrail.detect.stage import transaction_learn_stamp
from moneytrail.store import Case
from moneytrail.store.findings import write_findings


def register(app: typer.Typer) -> None:
    @app.command("score")
    def score_cmd(
        case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
        model: Path = typer.Option(..., "--model", help="A model written by `learn --save`."),
        limit: int = typer.Option(500, "--limit", help="At most this many findings."),
        store: bool = typer.Option(True, "--store/--no-store", help="Store findings (kind 'learn')."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Score every transaction with a saved model; those over its threshold become explained findings."""
        try:
            m = TransactionModel.load(model)
        except LearnError as exc:
            fail(str(exc))
            sys.exit(2)
        with Case.open(case) as c:
            table, scores, x = score_case(c, m)
            findings = score_findings(c, m, table, x, scores, limit=limit, params={"model": m.training_hash})
            if store:
                write_findings(c, findings, transaction_learn_stamp({"model": m.training_hash, "limit": limit}))
        flagged = int(np.sum(scores >= m.threshold))
        if json_out:
            print_json({"transactions": len(scores), "flagged": flagged, "threshold": m.threshold,
                        "findings": len(findings), "training_hash": m.training_hash})
            return
        console.print(f"{len(scores):,} transactions scored; {flagged:,} at or over the threshold "
                      f"{m.threshold:.3f}; {len(findings):,} findings{' stored' if store else ''}", highlight=False)
        print_table("top findings", ["score", "payment", "why"],
                    [[f"{f.score:.3f}", f.title.removeprefix("Model flags payment "),
                      "; ".join(f.details["reasons"][:2])] for f in findings[:10]])
