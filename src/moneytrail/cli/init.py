"""``moneytrail init CASE``: create an empty case store."""

from __future__ import annotations

from pathlib import Path

import typer

from moneytrail.cli.output import console, print_json
from moneytrail.store import Case


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(case: Path = typer.Argument(..., help="Case folder or .duckdb file to create."),
             currency: str = typer.Option("USD", "--currency", help="Reporting currency (ISO 4217)."),
             json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Create a new case: one DuckDB file with the current schema."""
        with Case.create(case, reporting_currency=currency) as c:
            info = c.describe()
        if json_out:
            print_json(info)
        else:
            console.print(f"created case {info['path']} (schema v{info['schema_version']}, "
                          f"reporting currency {info['reporting_currency']})")
