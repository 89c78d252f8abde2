"""``moneytrail review CASE``: judge the uncertain pairs of resolution, one by one, in the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.prompt import Prompt
from rich.table import Table

from moneytrail.cli.output import console, fail, print_json
from moneytrail.resolve.explain import explain_pair
from moneytrail.resolve.judgements import entity_summary, record_judgement, uncertain_pairs
from moneytrail.resolve.nomenklatura import export_judgements, import_judgements
from moneytrail.resolve.pipeline import recluster
from moneytrail.store import Case

_ANSWERS = {"p": "positive", "n": "negative", "u": "unsure", "s": "skip", "q": "quit"}


def _show_pair(case: Case, pair: dict[str, Any], index: int, total: int) -> None:
    left, right = entity_summary(case, pair["left_id"]), entity_summary(case, pair["right_id"])
    table = Table(title=f"pair {index}/{total}: p={pair['probability']:.2f} (weight {pair['weight']:+.1f})",
                  title_justify="left")
    table.add_column("property")
    table.add_column(pair["left_id"], overflow="fold")
    table.add_column(pair["right_id"], overflow="fold")
    for prop in sorted(set(left) | set(right)):
        table.add_row(prop, "\n".join(left.get(prop, [])), "\n".join(right.get(prop, [])))
    console.print(table)
    signals = Table(title="why", title_justify="left")
    for column in ("signal", "rule", "weight", "values"):
        signals.add_column(column, overflow="fold")
    for s in pair["explanation"]["signals"]:
        values = f"{s.get('left', '')} | {s.get('right', '')}" + (f"\n{s['detail']}" if s.get("detail") else "")
        for edit in s.get("spelling_edits", []):  # the learned edits a variant or separated name level rests on
            odds = "" if edit["log_odds"] is None else f" ({edit['log_odds']:+.1f})"
            values += f"\n{edit['reads'] or 'more than a spelling edit'}: {edit['verdict']}{odds}"
        signals.add_row(s["signal"], s["rule"], f"{s['weight']:+.1f}", values)
    console.print(signals)


def _exchange(c: Case, import_file: Path | None, export_file: Path | None, json_out: bool) -> None:
    """Judgements in and out in nomenklatura's resolver format."""
    out: dict[str, object] = {}
    if import_file is not None:
        try:
            result = import_judgements(c, import_file)
        except (OSError, ValueError) as exc:
            fail(str(exc))
            raise typer.Exit(1) from exc
        clusters, _ = recluster(c)
        out.update({"imported_edges": result.edges, "judgements": result.judgements,
                    "skipped_no_judgement": result.skipped_no_judgement, "clusters": clusters})
    if export_file is not None:
        out["exported_edges"] = export_judgements(c, export_file)
    if json_out:
        print_json(out)
    else:
        console.print(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in out.items()))


def _explain(c: Case, ids: tuple[str, str], json_out: bool) -> None:
    """One stored pair with its waterfall of match weights (built on demand: ``resolve.explain``)."""
    left, right = sorted(ids)
    rows = c.engine.query("SELECT left_id, right_id, grp, left_name, right_name, name_score, weight, probability, "
                          "decision FROM resolve_pairs WHERE left_id = ? AND right_id = ?", [left, right]).to_pylist()
    explanation = explain_pair(c, left, right)
    if not rows or explanation is None:
        fail(f"no scored pair {left} / {right} in this case (resolution compares only candidate pairs)")
        raise typer.Exit(1)
    pair = {**rows[0], "explanation": explanation}
    if json_out:
        print_json(pair)
    else:
        _show_pair(c, pair, 1, 1)
        console.print(f"decision: {pair['decision']}")


def register(app: typer.Typer) -> None:
    @app.command("review")
    def review(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
               limit: int = typer.Option(0, "--limit", help="At most this many pairs (0: all)."),
               include_unsure: bool = typer.Option(False, "--include-unsure", help="Ask again about pairs "
                                                   "judged unsure."),
               answer: tuple[str, str, str] | None = typer.Option(None, "--answer",
                                                           help="Judge one pair without prompting: "
                                                           "LEFT RIGHT positive|negative|unsure."),
               import_file: Path | None = typer.Option(None, "--import", help="Read judgements from a "
                                                       "nomenklatura resolver file (JSON lines)."),
               export_file: Path | None = typer.Option(None, "--export", help="Write the case's judgements "
                                                       "as a nomenklatura resolver file."),
               explain: tuple[str, str] | None = typer.Option(None, "--explain", help="Why one stored pair "
                                                             "was scored as it was (any decision): LEFT RIGHT."),
               json_out: bool = typer.Option(False, "--json", help="List the uncertain pairs as JSON; "
                                             "no prompting.")) -> None:
        """Walk the uncertain pairs: answer positive, negative, unsure or skip for each.

        Judgements are stored in the case; every later `moneytrail resolve` respects them (negative
        splits even a high score, positive merges).
        """
        with Case.open(case) as c:
            if import_file is not None or export_file is not None:
                _exchange(c, import_file, export_file, json_out)
                return
            if explain is not None:
                _explain(c, explain, json_out)
                return
            if answer is not None:
                record_judgement(c, answer[0], answer[1], answer[2])
                clusters, merged = recluster(c)
                result = {"judged": list(answer), "clusters": clusters, "merged_entities": merged}
                print_json(result) if json_out else console.print(
                    f"{answer[2]}: {answer[0]} / {answer[1]}; {clusters} clusters now")
                return
            pairs = uncertain_pairs(c, limit=limit or None, include_unsure=include_unsure)
            if json_out:
                print_json(pairs)
                return
            if not pairs:
                console.print("nothing to review")
                return
            counts = {"positive": 0, "negative": 0, "unsure": 0, "skip": 0}
            for i, pair in enumerate(pairs, start=1):
                _show_pair(c, pair, i, len(pairs))
                choice = _ANSWERS[Prompt.ask(escape("same entity? [p]ositive [n]egative [u]nsure [s]kip [q]uit"),
                                             choices=list(_ANSWERS), default="s", console=console)]
                if choice == "quit":
                    break
                counts[choice] += 1
                if choice != "skip":
                    record_judgement(c, pair["left_id"], pair["right_id"], choice)
            clusters, merged = recluster(c)
        console.print(", ".join(f"{k} {v}" for k, v in counts.items()) + f"; {clusters} clusters now")
