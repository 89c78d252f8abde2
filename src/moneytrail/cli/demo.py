"""``moneytrail demo [OUT]``: generate a synthetic case, run every stage, write the report."""

from __future__ import annotations

import os
import time
from pathlib import Path

import typer

from moneytrail.cli.output import console, print_json, print_table
from moneytrail.demo import DemoOptions, run_demo
from moneytrail.demo.summary import summarise
from moneytrail.engine.protocol import ENGINE_ENV, engine_backend


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(out: Path = typer.Argument(Path("demo-out"), help="Folder for the data, case and report."),
             transactions: int = typer.Option(100_000, "--transactions", "-n", help="Size of the case."),
             seed: int = typer.Option(7, "--seed", help="Generator seed."),
             json_out: bool = typer.Option(False, "--json", help="Print JSON."),
             engine: str | None = typer.Option(None, "--engine", help="duckdb (default) or spark.")) -> None:
        """Run the whole pipeline on a synthetic case and compare what was found with what was planted."""
        if engine:  # as the top-level --engine: the case the demo creates is made on this engine
            os.environ[ENGINE_ENV] = engine_backend(engine)
        started = time.perf_counter()
        with console.status("starting") as status:
            run = run_demo(DemoOptions(out, transactions, seed),
                           on_stage=lambda name: status.update(f"demo: {name}"))
        rows = summarise(run)
        total = time.perf_counter() - started
        if json_out:
            print_json({"rows": rows, "seconds": run.seconds, "total_seconds": round(total, 2),
                        "report": str(run.report_file)})
            return
        print_table("seconds per stage", ["stage", "seconds"], list(run.seconds.items()))
        print_table("what the demo found, against the planted truth", ["question", "found", "planted", "ok"],
                    [[r["question"], r["found"], r["planted"], "yes" if r["ok"] else "NO"] for r in rows])
        console.print(f"case: {run.case_file}\nreport: {run.report_file}\n"
                      f"total {total:.1f} s")
