"""``moneytrail report CASE -o report.html``: the self-contained HTML case report."""

from __future__ import annotations

from pathlib import Path

import typer

from moneytrail.cli.output import console, fail, print_json
from moneytrail.report.build import ReportOptions, write_report
from moneytrail.report.probe import open_for_reading
from moneytrail.report.scope import ReportError


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
               out: Path = typer.Option(..., "-o", "--out", help="HTML file to write."),
               focus: str | None = typer.Option(None, "--focus", help="Entity id, entity name or account key."),
               hops: int | None = typer.Option(None, "--hops", help="How far to widen around the focus (default 1)."),
               max_nodes: int = typer.Option(150, "--max-nodes", help="Most accounts drawn in the link chart."),
               title: str | None = typer.Option(None, "--title", help="Report title (default: the case's name)."),
               json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Write ONE self-contained HTML report (works offline): findings, link chart, flows, timeline,
        typologies and evidence."""
        with open_for_reading(case) as c:
            try:
                info = write_report(c, out, ReportOptions(focus=focus, hops=hops, max_nodes=max_nodes, title=title))
            except ReportError as exc:
                fail(str(exc))
                raise typer.Exit(2) from exc
        if json_out:
            print_json(info)
        else:
            scope = "whole case" if info["complete"] else "top findings and their neighbourhoods"
            console.print(f"wrote {info['path']} ({info['bytes'] / 1e6:.1f} MB): {info['nodes']} nodes, "
                          f"{info['edges']} links, {info['findings']} findings ({scope})", highlight=False)
