"""``moneytrail export CASE --format ftm|ftm-statements|gexf|graphml|csv -o OUT``: the case for other tools."""

from __future__ import annotations

from pathlib import Path

import typer

from moneytrail.cli.output import console, fail, print_json
from moneytrail.report.export_csv import export_csv
from moneytrail.report.export_ftm import ExportError, export_ftm
from moneytrail.report.export_graph import export_graph
from moneytrail.report.ftm_entities import write_statements_export
from moneytrail.report.probe import open_for_reading

FORMATS = ("ftm", "ftm-statements", "gexf", "graphml", "csv")


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
               fmt: str = typer.Option(..., "--format", "-f",
                                       help="ftm (JSONL for Aleph), ftm-statements (followthemoney statement "
                                            "JSON lines), gexf, graphml, csv."),
               out: Path = typer.Option(..., "-o", "--out", help="Output file (a folder for csv)."),
               json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Export the case: FtM entities, a Gephi graph, or CSV files for spreadsheets."""
        fmt = fmt.lower()
        if fmt not in FORMATS:
            fail(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
            raise typer.Exit(2)
        with open_for_reading(case) as c:
            try:
                if fmt == "ftm":
                    counts = export_ftm(c, out)
                elif fmt == "ftm-statements":
                    counts = {"statements": write_statements_export(c, out, "json")}
                elif fmt == "csv":
                    counts = export_csv(c, out)
                else:
                    counts = export_graph(c, out, fmt)
            except ExportError as exc:
                fail(str(exc))
                raise typer.Exit(2) from exc
        if json_out:
            print_json({"format": fmt, "out": str(out), "counts": counts})
        else:
            summary = ", ".join(f"{n:,} {k}" for k, n in counts.items())
            console.print(f"wrote {fmt} to {out}: {summary}", highlight=False)
