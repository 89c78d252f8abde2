"""``moneytrail ingest KIND CASE PATH...``: the ingest verb group.

Subcommands are added to ``ingest_app`` by the modules that own them (``ingest_*.py`` here), so the
documents ingest of the evidence stage sits beside the structured formats without a central list.
"""

from __future__ import annotations

import typer

ingest_app = typer.Typer(no_args_is_help=True, help="Bring data into a case; bad rows are quarantined, never lost.")


def register(app: typer.Typer) -> None:
    app.add_typer(ingest_app, name="ingest")
