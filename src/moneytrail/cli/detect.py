"""``moneytrail detect CASE``: run the typology detectors and store their findings."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import typer

from moneytrail.cli.output import fail, print_json, print_table
from moneytrail.detect.registry import detectors
from moneytrail.detect.run import parse_overrides, run_detectors
from moneytrail.store import Case


def register(app: typer.Typer) -> None:
    @app.command("detect")
    def detect(
        case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
        typology: list[str] = typer.Option(None, "--typology", "-t",
                                           help="Run only this typology (repeatable); default: all."),
        param: list[str] = typer.Option(None, "--param", "-p",
                                        help="Override a threshold: typology.name=value (repeatable)."),
        list_only: bool = typer.Option(False, "--list", help="List the detectors and their thresholds."),
        limit: int = typer.Option(15, "--limit", help="How many top findings to show."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Run typology detectors (fan-in, fan-out, structuring, ...) and store ranked findings."""
        if list_only:
            known: list[dict[str, Any]] = [
                {"typology": t, "description": d.description, "defaults": dict(d.defaults)}
                for t, d in detectors().items()]
            if json_out:
                print_json(known)
            else:
                print_table("detectors", ["typology", "description", "thresholds"],
                            [[k["typology"], k["description"],
                              ", ".join(f"{n}={v}" for n, v in k["defaults"].items())] for k in known])
            return
        timings: dict[str, float] = {}
        with Case.open(case) as c:
            try:
                overrides = parse_overrides(param or [])
                found = run_detectors(c, typology or None, overrides, timings=timings)
            except ValueError as exc:
                fail(str(exc))
                sys.exit(2)
        per_typology = Counter(f.typology for f in found)
        if json_out:
            print_json({"findings": per_typology, "seconds": {k: round(v, 3) for k, v in timings.items()},
                        "top": [{"typology": f.typology, "score": round(f.score, 4), "title": f.title,
                                 "explanation": f.explanation} for f in found[:limit]]})
            return
        print_table("findings stored", ["typology", "findings", "seconds"],
                    [[t, per_typology.get(t, 0), f"{s:.2f}"] for t, s in timings.items()])
        if found:
            print_table(f"top {min(limit, len(found))} of {len(found)}", ["score", "typology", "explanation"],
                        [[f"{f.score:.3f}", f.typology, f.explanation] for f in found[:limit]])
