from __future__ import annotations

from moneytrail.evidence.claims import ClaimRow, store_claims
from moneytrail.evidence.confidence import finding_confidence, path_confidence, wording
from moneytrail.model.admiralty import Grade, Wording
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store import Case
from moneytrail.store.findings import regrade_findings, write_findings
from moneytrail.store.sources import SourceRecord, upsert_source
from tests.casebuild import stamp_of


def _case(case: Case) -> None:
    upsert_source(case, SourceRecord("bank", "bank_record", "bank", Grade.parse("A2")))
    upsert_source(case, SourceRecord("hawala", "document", "court file", Grade.parse("C3")))
    upsert_source(case, SourceRecord("A", "media", "A", Grade.parse("B2")))
    upsert_source(case, SourceRecord("B", "media", "B", Grade.parse("B2")))
    case.engine.execute(
        "INSERT INTO transactions (txn_id, ts, from_account, to_account, amount, currency, source_id) VALUES "
        "('t1', '2022-01-01', 'x', 'y', 10, 'USD', 'bank'), ('t2', '2022-01-02', 'y', 'z', 9, 'USD', 'hawala')")


def test_path_is_as_strong_as_its_weakest_link(case: Case) -> None:
    _case(case)
    assert path_confidence(case, ["t1"]) == Grade("A", 2)
    assert path_confidence(case, ["t1", "t2"]) == Grade("C", 3)
    assert wording(path_confidence(case, ["t1", "t2"])) == Wording.POSSIBLE
    assert wording(None) == Wording.DOUBTFUL


def test_finding_confidence_uses_corroborated_claims(case: Case) -> None:
    _case(case)
    rows = [ClaimRow("X", "paid", "Y", s, subject_entity_id="x", object_entity_id="y") for s in ("A", "B")]
    store_claims(case, rows)
    claim_id = str(case.engine.scalar("SELECT claim_id FROM claims WHERE source_id = 'A'"))
    fid = write_findings(case, [Finding("claim", "paid", "X paid Y", "two outlets", 1.0,
                                        [FindingRef("claim", claim_id), FindingRef("transaction", "t1")])],
                          stamp_of("test_confidence-35"))[0]
    # Two independent B2 origins keep B2; the A2 transaction does not weaken it.
    assert finding_confidence(case, fid) == Grade("B", 2)
    fid2 = write_findings(case, [Finding("trace", "path", "t1 then t2", "a path", 1.0,
                                         [FindingRef("transaction", "t1"), FindingRef("transaction", "t2"),
                                          FindingRef("account", "x")])],
                          stamp_of("test_confidence-39"))[0]
    assert finding_confidence(case, fid2) == Grade("C", 3)
    assert regrade_findings(case) == 2
    assert case.engine.rows("SELECT reliability, credibility, wording FROM findings WHERE finding_id = ?", [fid2]) == [
        ("C", 3, "possible")]
