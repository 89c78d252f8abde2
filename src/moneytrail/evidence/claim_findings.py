"""Claims as findings: one finding per claim that counts, graded by its independent corroboration.

The finding cites every report of the claim, the original sources behind them, and the documents
and mentions that carry the quote, so the report can show who said it first and who repeated it.
"""

from __future__ import annotations

from moneytrail.evidence.corroboration import Corroboration, all_corroborations
from moneytrail.evidence.stage import claims_stamp
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store.case import Case
from moneytrail.store.findings import write_findings

_CLAIM_ROWS_SQL = ("SELECT claim_id, subject, relation, object, claim_date, amount, currency, document_id, source_id "
                   "FROM claims WHERE claim_key = ? ORDER BY claim_date NULLS LAST, claim_id")


def _finding(case: Case, corr: Corroboration) -> Finding:
    rows = case.engine.query(_CLAIM_ROWS_SQL, [corr.claim_key]).to_pylist()
    counted = [r for r in rows if r["claim_id"] in corr.claim_ids]
    first = counted[0]
    refs = [FindingRef("claim", r["claim_id"], "report") for r in counted]
    refs += [FindingRef("source", s, "reporter") for s in corr.reporting_sources]
    refs += [FindingRef("source", o.origin_source_id, "origin") for o in corr.origins]
    refs += [FindingRef("document", r["document_id"], "quote") for r in counted if r["document_id"]]
    ents = case.engine.rows("SELECT DISTINCT subject_entity_id, object_entity_id FROM claims WHERE claim_key = ?",
                            [corr.claim_key])
    refs += [FindingRef("entity", str(e), role) for s, o in ents for e, role in ((s, "subject"), (o, "object"))
             if e is not None]
    origins = ", ".join(f"{o.origin_source_id} ({o.grade})" for o in corr.origins)
    repeated = len(corr.reporting_sources) - corr.independent_origins
    explanation = (f"{first['subject']} {first['relation']} {first['object']}: reported by "
                   f"{len(corr.reporting_sources)} source(s) resting on {corr.independent_origins} independent "
                   f"origin(s): {origins}." + (f" {repeated} report(s) repeat another source and are not counted "
                                               "as corroboration." if repeated > 0 else ""))
    dates = sorted(str(r["claim_date"]) for r in counted if r["claim_date"] is not None)
    amounts = [r for r in counted if r["amount"] is not None]
    return Finding(
        kind="claim", typology=str(first["relation"]),
        title=f"{first['subject']} {first['relation']} {first['object']}",
        explanation=explanation, score=float(corr.grade.strength) / 55.0 if corr.grade else 0.0,
        refs=sorted(set(refs), key=lambda r: (r.kind, r.ref_id, r.role)),
        params={"claim_key": corr.claim_key}, query="claims grouped by claim_key; origins from source_origins",
        amount=float(amounts[0]["amount"]) if amounts else None,
        currency=str(amounts[0]["currency"]) if amounts else None,
        details={"claim_key": corr.claim_key, "dates": dates, **corr.details,
                 "origins": [{"source_id": o.origin_source_id, "grade": str(o.grade), "via": list(o.via)}
                             for o in corr.origins]})


def write_claim_findings(case: Case) -> int:
    """Replace the claim findings with one per counted claim; returns how many were written."""
    findings = [_finding(case, c) for c in all_corroborations(case)]
    write_findings(case, findings, claims_stamp())
    return len(findings)
