"""``moneytrail resolve CASE``: merge the records of one person or company across sources."""

from __future__ import annotations

from pathlib import Path

import typer

from moneytrail.cli.output import console, fail, print_json, print_table
from moneytrail.resolve.blocking import DEFAULT_MAX_BLOCK
from moneytrail.resolve.model import ResolveModel
from moneytrail.resolve.model_store import load_model
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.resolve.scoring import Thresholds
from moneytrail.store import Case


def register(app: typer.Typer) -> None:
    @app.command("resolve")
    def resolve(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
                full: bool = typer.Option(False, "--full", help="Forget earlier features and pairs (not the "
                                          "judgements) and compare everything again."),
                match: float | None = typer.Option(None, "--match", help="Probability at or above which a pair "
                                                   "merges (default: the model's own, 0.5 trained, 0.9 hand-set)."),
                review: float | None = typer.Option(None, "--review", help="Probability at or above which a pair "
                                                    "is kept for review (default: the model's own, 0.2 / 0.5)."),
                max_block: int = typer.Option(DEFAULT_MAX_BLOCK, "--max-block",
                                              help="Drop blocking keys shared by more records than this."),
                train: bool = typer.Option(False, "--train", help="Estimate the model on this case (u from "
                                           "random pairs, m by EM) and store it; every pair is scored again."),
                model_file: Path | None = typer.Option(None, "--model", help="Score with the model in this "
                                                       "file; with --train, write the trained model there."),
                json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Resolve people and organisations: blocking, comparison, scoring, clustering.

        The first run trains a model on the case; later runs reuse the case's model, compare only
        new records with the existing ones and always respect judgements made with `moneytrail review`.
        """
        if (match is None) != (review is None):
            raise typer.BadParameter("give --match and --review together (or neither: the model's own)")
        if match is not None and review is not None and not 0.0 < review <= match <= 1.0:
            raise typer.BadParameter("need 0 < --review <= --match <= 1")
        given = None
        if model_file is not None and not train:
            try:
                given = ResolveModel.load(model_file)
            except ValueError as exc:
                fail(str(exc))
                raise typer.Exit(1) from exc
        with Case.open(case) as c:
            thresholds = None if match is None or review is None else Thresholds(match, review)
            result = resolve_case(c, full=full, thresholds=thresholds, max_block=max_block,
                                  model=given, train=train)
            if train and model_file is not None:
                load_model(c, result.model_id).save(model_file)
            top = c.engine.rows(
                "SELECT canonical_id, count(*) AS n FROM entity_canonical GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10")
        if json_out:
            print_json({**result.to_dict(), "largest_clusters": [{"canonical_id": r[0], "members": r[1]}
                                                                 for r in top]})
            return
        print_table(f"resolve ({result.mode}, {result.seconds:.1f} s)", ["measure", "value"], [
            ("entities", result.entities), ("new entities", result.new_entities),
            ("candidate pairs", result.candidate_pairs), ("matched pairs", result.matches),
            ("pairs to review", result.review), ("clusters", result.clusters),
            ("entities merged into clusters", result.merged_entities),
            ("model", result.model_id + (" (trained now)" if result.trained else ""))])
        if result.review:
            console.print(f"{result.review} pairs need a judgement: `moneytrail review {case}`")
