"""``moneytrail evidence CASE``: a source's attribution chains and origins, or a finding's confidence."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from moneytrail.cli.output import fail, print_json, print_table
from moneytrail.evidence.attribution import attribution_chains, origins
from moneytrail.evidence.audit import audit_findings
from moneytrail.evidence.claim_findings import write_claim_findings
from moneytrail.evidence.confidence import finding_confidence, wording
from moneytrail.evidence.grades import set_source_grade
from moneytrail.model.admiralty import Grade
from moneytrail.store import Case


def register(app: typer.Typer) -> None:
    @app.command("evidence")
    def evidence(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
                 source: str = typer.Option(None, "--source", help="Show this source's attribution chains."),
                 grade: str = typer.Option(None, "--set-grade", help="With --source: grade it, e.g. B2."),
                 finding: str = typer.Option(None, "--finding", help="Show this finding's confidence."),
                 audit: bool = typer.Option(False, "--audit", help="Check every finding cites existing rows "
                                                                  "and reaches a registered source."),
                 json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Attribution chains and original sources, finding confidence, and the evidence audit."""
        out: dict[str, Any] = {}
        if grade and not source:
            fail("--set-grade needs --source")
            sys.exit(2)
        with Case.open(case, read_only=not grade) as c:
            if source:
                if c.engine.scalar("SELECT count(*) FROM sources WHERE source_id = ?", [source]) == 0:
                    fail(f"no source {source!r} in {case}")
                    sys.exit(2)
                if grade:
                    try:
                        set_source_grade(c, source, Grade.parse(grade))
                    except ValueError as exc:
                        fail(str(exc))
                        sys.exit(2)
                    write_claim_findings(c)  # set_source_grade re-graded the findings
                    out["grade"] = grade.upper()
                out["chains"] = attribution_chains(c, source)
                out["origins"] = [{"origin": o.origin_source_id, "depth": o.depth, "chain_grade": str(o.chain_grade)}
                                  for o in origins(c, source)]
            if finding:
                try:
                    g = finding_confidence(c, finding)
                except KeyError as exc:
                    fail(str(exc).strip("'\""))
                    sys.exit(2)
                out["finding"] = {"finding_id": finding, "grade": str(g) if g else None, "wording": wording(g).value}
            if audit or not (source or finding):
                out["audit"] = audit_findings(c)
        if json_out:
            print_json(out)
        else:
            if "chains" in out:
                print_table(f"attribution of {source}", ["chain"], [[" → ".join(ch)] for ch in out["chains"]])
                print_table("original sources", ["origin", "depth", "chain grade"],
                            [list(o.values()) for o in out["origins"]])
            if "finding" in out:
                print_table("finding confidence", ["finding", "grade", "wording"], [list(out["finding"].values())])
            if "audit" in out:
                print_table(f"audit: {len(out['audit'])} problem(s)", ["problem"], [[p] for p in out["audit"]])
        if out.get("audit"):
            sys.exit(1)
