"""``moneytrail claims CASE``: list claims, and confirm or reject extracted ones."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from moneytrail.cli.output import fail, print_json, print_table
from moneytrail.evidence.claim_findings import write_claim_findings
from moneytrail.evidence.claims import list_claims, set_claim_status
from moneytrail.evidence.corroboration import claim_corroboration
from moneytrail.store import Case


def register(app: typer.Typer) -> None:
    @app.command("claims")
    def claims(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
               pending: bool = typer.Option(False, "--pending", help="Only extracted claims awaiting review."),
               confirm: list[str] = typer.Option(None, "--confirm", help="Confirm an extracted claim (repeatable)."),
               reject: list[str] = typer.Option(None, "--reject", help="Reject an extracted claim (repeatable)."),
               json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """List claims with their grade and independent corroboration; confirm or reject extracted ones."""
        with Case.open(case, read_only=not (confirm or reject)) as c:
            try:
                for cid in confirm or []:
                    set_claim_status(c, cid, "confirmed")
                for cid in reject or []:
                    set_claim_status(c, cid, "rejected")
            except (KeyError, ValueError) as exc:
                fail(str(exc).strip("'\""))
                sys.exit(2)
            if confirm or reject:
                write_claim_findings(c)
            rows = list_claims(c, status="extracted" if pending else None)
            for r in rows:
                corr = claim_corroboration(c, r["claim_id"])
                r["independent_origins"] = corr.independent_origins
                r["origins"] = [o.origin_source_id for o in corr.origins]
                r["standing"] = str(corr.grade) if corr.grade else None
                r["wording"] = corr.wording.value if corr.wording else None
        if json_out:
            print_json(rows)
            return
        print_table(f"{len(rows)} claim(s)" + (" pending review" if pending else ""),
                    ["claim", "subject", "relation", "object", "date", "amount", "source", "status", "grade",
                     "origins", "standing"],
                    [[r["claim_id"], r["subject"], r["relation"], r["object"], r["claim_date"],
                      f"{r['amount']:,.0f} {r['currency']}" if r["amount"] is not None else "",
                      r["source_id"], r["status"], f"{r['reliability']}{r['credibility']}",
                      r["independent_origins"], f"{r['standing'] or ''} {r['wording'] or ''}"] for r in rows])
