from __future__ import annotations

from pathlib import Path

from moneytrail.evidence.extract import extract_claims
from moneytrail.evidence.sources_file import ingest_sources_file
from moneytrail.store import Case


def test_extracts_pending_claims_with_quotes(seeded: Case, data_dir: Path) -> None:
    ingest_sources_file(seeded, data_dir / "sources.yaml")
    assert extract_claims(seeded) >= 4
    rows = seeded.engine.query(
        "SELECT c.subject_entity_id, c.relation, c.object_entity_id, c.amount, c.currency, c.claim_date, c.status, "
        "c.quote, c.start_pos, c.end_pos, d.text, c.source_id FROM claims c JOIN documents d "
        "ON d.document_id = c.document_id").to_pylist()
    got = {(r["source_id"], r["subject_entity_id"], r["relation"], r["object_entity_id"]) for r in rows}
    assert ("src-leak", "e-zeph", "financed", "e-vostok") in got
    assert ("src-fieldnote", "e-orlan", "coordinated", "e-vostok") in got
    assert ("src-pdf", "e-zeph", "paid", "e-vostok") in got
    assert ("src-outlet", "e-zeph", "paid", "e-vostok") in got
    for r in rows:
        assert r["status"] == "extracted"
        assert r["text"][r["start_pos"]:r["end_pos"]] == r["quote"]
    leak = next(r for r in rows if r["source_id"] == "src-leak")
    assert (leak["amount"], leak["currency"], str(leak["claim_date"])) == (1_200_000.0, "EUR", "2022-01-15")
    assert extract_claims(seeded) == 0  # nothing new the second time
