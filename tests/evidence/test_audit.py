from __future__ import annotations

import json

import pytest

from moneytrail.evidence.audit import audit_findings
from moneytrail.evidence.confidence import finding_confidence
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store import Case
from moneytrail.store.findings import write_findings
from moneytrail.store.sources import SourceRecord, upsert_source
from tests.casebuild import stamp_of


def _base(case: Case) -> None:
    upsert_source(case, SourceRecord("bank", "bank_record", "bank"))
    case.engine.execute(
        "INSERT INTO transactions (txn_id, ts, from_account, to_account, amount, currency, source_id) VALUES "
        "('t1', '2022-01-01', 'b:1', 'b:2', 10, 'USD', 'bank'), ('t2', '2022-01-01', 'b:2', 'b:3', 5, 'USD', 'ghost')")
    case.engine.execute("INSERT INTO accounts (account_key, account_id, source_id) VALUES ('b:1', '1', 'bank')")


def test_clean_findings_pass(case: Case) -> None:
    _base(case)
    fid = write_findings(case, [Finding("trace", "path", "ok", "ok", 1.0,
                                        [FindingRef("transaction", "t1"), FindingRef("account", "b:1")])],
                          stamp_of("test_audit-25"))[0]
    write_findings(case, [Finding("link", "meta", "built on a finding", "ok", 1.0, [FindingRef("finding", fid)])],
                          stamp_of("test_audit-27"))
    assert audit_findings(case) == []


def test_problems_are_reported(case: Case) -> None:
    _base(case)
    dangling = write_findings(case, [Finding("trace", "path", "dangling", "x", 1.0,
                                             [FindingRef("transaction", "t1"), FindingRef("transaction", "t404"),
                                              FindingRef("entity", "nobody")])],
                          stamp_of("test_audit-33"))[0]
    ghost = write_findings(case, [Finding("trace", "path", "ghost source", "x", 1.0,
                                          [FindingRef("transaction", "t2")])],
                          stamp_of("test_audit-36"))[0]
    problems = audit_findings(case)
    assert f"finding {dangling}: transaction 't404' does not exist" in problems
    assert f"finding {dangling}: entity 'nobody' does not exist" in problems
    assert f"finding {ghost}: transaction 't2' rests on unregistered source 'ghost'" in problems
    assert any(p.startswith(f"finding {ghost} (trace/path): reaches no registered source") for p in problems)
    assert not any(p.startswith(f"finding {dangling} (") for p in problems)  # t1 reaches the bank source
    case.engine.execute("INSERT INTO finding_refs VALUES ('gone', 'transaction', 't1', '')")
    assert "references left over for missing finding gone" in audit_findings(case)


@pytest.mark.slow
def test_every_finding_of_the_demo_case_is_evidenced(demo_case: Case) -> None:
    kinds = {str(r[0]) for r in demo_case.engine.rows("SELECT DISTINCT kind FROM findings")}
    assert {"typology", "screen", "trace", "link", "claim"} <= kinds
    assert audit_findings(demo_case) == []


@pytest.mark.slow
def test_claim_findings_carry_corroborated_grades(demo_case: Case) -> None:
    rows = demo_case.engine.query("SELECT finding_id, details, reliability, credibility, wording FROM findings "
                                  "WHERE kind = 'claim'").to_pylist()
    assert rows
    for r in rows:
        details = json.loads(r["details"])
        assert details["independent_origins"] <= details["reporting_sources"]
        assert r["wording"] in {"confirmed", "probable", "possible", "doubtful"}
        assert finding_confidence(demo_case, r["finding_id"]) is not None
    assert any(json.loads(r["details"])["reporting_sources"] > json.loads(r["details"])["independent_origins"]
               for r in rows), "a re-reported claim is in the demo case"


def test_account_holders_count_as_known_entities(case: Case) -> None:
    _base(case)
    case.engine.execute("INSERT INTO accounts (account_key, account_id, holder_entity_id, source_id) "
                        "VALUES ('b:9', '9', 'holder-only', 'bank')")
    write_findings(case, [Finding("screen", "x", "holder", "x", 1.0, [FindingRef("entity", "holder-only")])],
                          stamp_of("test_audit-73"))
    assert audit_findings(case) == []
