"""``moneytrail learn CASE --truth T``: train LightGBM on labelled transactions (or accounts), report held-out
metrics, store the flagged held-out rows as findings and optionally save the model."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from moneytrail.cli.output import console, fail, print_json, print_table
from moneytrail.detect.learn import learn
from moneytrail.detect.learn_findings import KIND, score_findings
from moneytrail.detect.learn_transactions import LearnError, learn_transactions
from moneytrail.detect.learn_typology import known_labels
from moneytrail.detect.stage import LearnParams, learn_stamp, transaction_learn_stamp
from moneytrail.detect.truth import TruthError, load_truth
from moneytrail.store import Case
from moneytrail.store.findings import write_findings


def _pct(x: object) -> str:
    return "-" if x is None else f"{100 * float(x):.1f}%"  # type: ignore[arg-type]


def _learn_transactions(case: Path, truth: str, split: str, rules: bool, save: Path | None, store: bool,
                        limit: int, json_out: bool, rounds: int, refit: bool = True) -> None:
    with Case.open(case) as c, c.engine.run():  # the loaded truth lives as long as this run
        try:
            load_truth(c, truth)
            result = learn_transactions(c, split=split, rules=rules, rounds=rounds, refit=refit)
        except (TruthError, LearnError) as exc:
            fail(str(exc))
            sys.exit(2)
        test = result.part == 2
        findings = []
        if store:
            import numpy as np

            scores = np.zeros(len(test))
            scores[test] = result.test_scores
            # The labels before the test part are known when it is scored: the typology's history inputs read them.
            findings = score_findings(c, result.model, result.features, result.x, scores, mask=test, limit=limit,
                                      params={"split": split, "part": "test"},
                                      labels=known_labels(c, result.features, result.part < 2))
            stamp = transaction_learn_stamp({"split": split, "rules": rules, "rounds": rounds, "limit": limit})
            write_findings(c, findings, stamp)
    if save is not None:
        result.model.save(save)
    m = result.metrics
    if json_out:
        print_json({**m, "seconds": result.seconds, "findings": len(findings), "saved": str(save) if save else None})
        return
    console.print(f"temporal split {split}: train {m['rows']['train']:,}, validation {m['rows']['validation']:,}, "
                  f"test {m['rows']['test']:,} transactions; {len(result.model.spec.names)} features in "
                  f"{result.seconds['features']:.1f} s; threshold {m['threshold']:.3f} (chosen on validation)",
                  highlight=False)
    print_table("transactions (minority class: laundering)", ["part", "labelled", "flagged", "precision",
                                                               "recall", "F1"],
                [[part, m[part]["labelled"], m[part]["flagged"], _pct(m[part]["precision"]),
                  _pct(m[part]["recall"]), _pct(m[part]["f1"])] for part in ("validation", "test")])
    typ = m.get("typology", {})
    if typ.get("status") == "trained":
        console.print(f"typology model: {', '.join(typ['classes'])}; on validation the typology is right for "
                      f"{_pct(typ.get('validation_accuracy'))} of the labelled laundering transactions; each "
                      "finding carries its predicted typology", highlight=False)
    else:
        console.print(f"no typology model ({typ.get('status', 'not trained')}): findings keep the typology "
                      "'learned'", highlight=False)
    if store:
        console.print(f"{len(findings):,} findings stored (kind '{KIND}', test part only)", highlight=False)
    if save is not None:
        console.print(f"model saved to {save} (+ {save.name}.json)", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command("learn")
    def learn_cmd(
        case: Path = typer.Argument(..., help="Case folder or .duckdb file (run `detect` first: "
                                    "its hits are features)."),
        truth: str = typer.Option("case", "--truth", help="'case', an AMLworld *_Patterns.txt, an AMLSim folder, "
                                  "or a generator truth.json."),
        level: str = typer.Option("transaction", "--level", help="'transaction' (temporal split, the field's "
                                  "standard task) or 'account' (whole-case aggregates, hash split)."),
        split: str = typer.Option("temporal:60/20/20", "--split", help="TRAIN/VALIDATION/TEST shares by time."),
        rules: bool = typer.Option(True, "--rules/--no-rules", help="Use hits of stored rule findings as features."),
        save: Path | None = typer.Option(None, "--save", help="Write the model here (+ MODEL.json sidecar)."),
        threshold: float = typer.Option(0.5, "--threshold", help="Account level: probability at which a held-out "
                                        "account is reported."),
        limit: int = typer.Option(500, "--limit", help="Transaction level: at most this many findings."),
        rounds: int = typer.Option(600, "--rounds", help="Transaction level: most boosting rounds (early stopping "
                                   "on the validation part)."),
        refit: bool = typer.Option(True, "--refit/--no-refit", help="Transaction level: once trees and threshold "
                                   "are chosen on validation, train again on training + validation."),
        store: bool = typer.Option(True, "--store/--no-store", help="Store findings."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Train LightGBM on labelled transactions (features in SQL, temporal split) or accounts."""
        if level == "transaction":
            _learn_transactions(case, truth, split, rules, save, store, limit, json_out, rounds, refit)
            return
        if level != "account":
            fail(f"--level must be 'transaction' or 'account', not {level!r}")
            sys.exit(2)
        with Case.open(case) as c, c.engine.run():
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
