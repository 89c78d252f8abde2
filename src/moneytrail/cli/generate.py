"""``moneytrail generate OUT``: write a synthetic case (or an AMLworld mix) with its truth.json."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from moneytrail.cli.output import console, fail, print_json, print_table
from moneytrail.generate import TYPOLOGIES, GenerateConfig, generate_case


def _counts(each: int, overrides: list[str]) -> dict[str, int]:
    counts = dict.fromkeys(TYPOLOGIES, each)
    for item in overrides:
        name, sep, number = item.partition("=")
        if not sep or not number.strip().isdigit():
            raise typer.BadParameter(f"expected TYPE=N (e.g. cycle=10), got {item!r}", param_hint="--count")
        if name.strip() not in counts:
            raise typer.BadParameter(f"unknown typology {name!r}; known: {', '.join(TYPOLOGIES)}",
                                     param_hint="--count")
        counts[name.strip()] = int(number)
    return counts


def register(app: typer.Typer) -> None:
    @app.command("generate")
    def generate(
        out: Path = typer.Argument(..., help="Folder to write the case into (created if missing)."),
        transactions: int = typer.Option(100_000, "--transactions", "-n", help="Rows in transactions.csv "
                                         "(with --mix-patterns: background rows added to the patterns)."),
        seed: int = typer.Option(7, "--seed", help="Random seed; the same seed gives byte-identical files."),
        fmt: str = typer.Option("native", "--format", help="native | amlworld (11-column *_Trans.csv)."),
        mix_patterns: list[Path] = typer.Option([], "--mix-patterns", exists=True, dir_okay=False,
                                                help="AMLworld *_Patterns.txt to hide in a background "
                                                     "(needs --format amlworld; may repeat)."),
        each: int = typer.Option(4, "--typologies", help="Attempts planted per laundering typology."),
        count: list[str] = typer.Option([], "--count", help="Override one typology: TYPE=N "
                                        f"({', '.join(TYPOLOGIES)}); may repeat."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Generate a synthetic case: transactions, accounts, entities, events, documents, claims, rates, truth."""
        try:
            config = GenerateConfig(transactions=transactions, seed=seed, fmt=fmt,
                                    typology_counts=_counts(each, count), mix_patterns=tuple(mix_patterns))
            started = time.perf_counter()
            truth = generate_case(out, config)
        except (ValueError, OSError) as exc:
            fail(str(exc))
            raise typer.Exit(2) from exc
        seconds = time.perf_counter() - started
        by_type: dict[str, int] = {}
        for attempt in truth["typologies"]:
            by_type[attempt["typology"]] = by_type.get(attempt["typology"], 0) + 1
        summary = {"out": str(out), "transactions": truth["transactions"], "seconds": round(seconds, 2),
                   "typologies": by_type, "format": truth["format"]}
        if "network" in truth:
            net = truth["network"]
            summary["network"] = {"share_to_cells": net["share_to_cells"], "country_route": net["country_route"],
                                  "attacks": len(truth["attacks"]),
                                  "paid_attacks": sum(1 for a in truth["attacks"] if a["paid"])}
        if json_out:
            print_json(summary)
            return
        console.print(f"wrote {out}: {truth['transactions']:,} transactions in {seconds:.1f} s "
                      f"({truth['format']} format); ground truth in {out / 'truth.json'}")
        print_table("planted typologies", ["typology", "attempts"], sorted(by_type.items()))
        if "network" in summary:
            net = summary["network"]
            console.print(f"financing network: {net['paid_attacks']}/{net['attacks']} attacks paid, "
                          f"{net['share_to_cells']:.1%} of the sponsor's money reaches the cells via "
                          f"{' -> '.join(net['country_route'])}")
