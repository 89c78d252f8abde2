"""``moneytrail serve CASE [--port P]``: the read-only local web explorer, on 127.0.0.1 only."""

from __future__ import annotations

from pathlib import Path

import typer

from moneytrail.cli.output import console

HOST = "127.0.0.1"  # never exposed beyond this machine: cases hold sensitive material


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
              port: int = typer.Option(8765, "--port", help="Port on 127.0.0.1."),
              allow_host: list[str] = typer.Option([], "--allow-host", help="Another Host name to answer for "
                                                   "(besides 127.0.0.1 and localhost), e.g. behind a proxy.")) -> None:
        """Browse a case in the local web explorer (read-only): search, accounts, findings, sources."""
        import os

        import uvicorn

        from moneytrail.web.security import ALLOWED_HOSTS_ENV
        if allow_host:
            os.environ[ALLOWED_HOSTS_ENV] = ",".join(allow_host)

        from moneytrail.web.app import create_app

        web = create_app(case)
        console.print(f"serving {case} read-only at http://{HOST}:{port}/ (Ctrl+C to stop)", highlight=False)
        uvicorn.run(web, host=HOST, port=port, log_level="warning")
