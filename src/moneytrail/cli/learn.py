"""``moneytrail learn CASE --truth T``: train a small model on labelled accounts, report held-out metrics."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from moneytrail.cli.output import console, fail, print_json, print_table
from moneytrail.detect.learn import learn
from moneytrail.detect.stage import LearnParams, learn_stamp
from moneytrail.detect.truth import TruthError, load_truth
from moneytrail.store import Case
from moneytrail.store.findings import write_findings


def register(app: typer.Typer) -> None:
    @app.command("learn")
    def learn_cmd(
        case: Path = typer.Argument(..., help="Case folder or .duckdb file (run `detect` first: "
                                    "its hits are features)."),
        truth: str = typer.Option("case", "--truth", help="'case', an AMLworld *_Patterns.txt, an AMLSim folder, "
                                  "or a generator truth.json."),
        threshold: float = typer.Option(0.5, "--threshold", help="Probability at which a held-out "
                                        "account is reported."),
        store: bool = typer.Option(True, "--store/--no-store", help="Store findings (typology 'learned')."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Train LightGBM on per-account features (degrees, sums, pass-through, detector hits); held-out metrics."""
        with Case.open(case) as c:
            try:
                load_truth(c, truth)
                result = learn(c, threshold=threshold)
            except (TruthError, ValueError) as exc:
                fail(str(exc))
                sys.exit(2)
            if store:
                write_findings(c, result.findings, learn_stamp(LearnParams(threshold=threshold)))
        summary = {"features": result.features, "train_accounts": result.train_accounts,
                   "test_accounts": result.test_accounts, "test_positives": result.test_positives,
                   "metrics": result.metrics, "findings": len(result.findings)}
        if json_out:
            print_json(summary)
            return
        m = result.metrics["at_threshold"]
        console.print(f"trained on {result.train_accounts:,} accounts; held out {result.test_accounts:,} "
                      f"({result.test_positives:,} labelled)", highlight=False)
        print_table("held-out accounts", ["measure", "value"], [
            ["precision", m["precision"]], ["recall", m["recall"]], ["F1", m["f1"]],
            [f"precision in top {result.metrics['k']}", result.metrics["precision_at_k"]],
            ["findings stored" if store else "findings", len(result.findings)]])
