from __future__ import annotations

from pathlib import Path

import pytest

from moneytrail.evidence.claims import (
    ClaimsFileError,
    list_claims,
    normalize_relation,
    read_claims_file,
    set_claim_status,
    store_claims,
)
from moneytrail.evidence.documents import load_name_index
from moneytrail.evidence.sources_file import ingest_sources_file
from moneytrail.store import Case


def test_csv_claims_resolve_names_and_inherit_grades(seeded: Case, data_dir: Path) -> None:
    ingest_sources_file(seeded, data_dir / "sources.yaml")
    rows = read_claims_file(data_dir / "claims.csv", load_name_index(seeded))
    assert len(rows) == 4 and rows[0].origin_line == 2
    assert rows[0].subject_entity_id == "e-zeph" and rows[0].object_entity_id == "e-vostok"
    assert store_claims(seeded, rows) == 4
    assert store_claims(seeded, rows) == 0  # idempotent
    claims = {(c["source_id"], c["relation"]): c for c in list_claims(seeded, status="asserted")}
    assert claims[("src-leak", "financed")]["reliability"] == "B"
    assert claims[("src-outlet", "financed")]["reliability"] == "C"
    assert claims[("src-leak", "financed")]["claim_key"] == "e-zeph|financed|e-vostok"


def test_yaml_claims_and_relation_spelling(seeded: Case, data_dir: Path) -> None:
    rows = read_claims_file(data_dir / "claims.yaml", load_name_index(seeded))
    assert [(r.relation, r.currency, r.amount, r.origin_line) for r in rows] == [
        ("laundered-through", "USD", 50000.0, 2)]
    assert normalize_relation(" Laundered_through ") == "laundered-through"


def test_bad_claims_file_names_line_and_reason(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ClaimsFileError, match=r"claims_bad.csv:3: date '03/03/2022' is not YYYY-MM-DD"):
        read_claims_file(data_dir / "claims_bad.csv")
    f = tmp_path / "c.csv"
    f.write_text("subject,relation,object\nA,paid,B\n", encoding="utf-8")
    with pytest.raises(ClaimsFileError, match=r"c.csv:1: header lacks column\(s\) source_id"):
        read_claims_file(f)
    f.write_text("subject,relation,object,amount,source_id\nA,paid,B,100,s1\n", encoding="utf-8")
    with pytest.raises(ClaimsFileError, match=r"c.csv:2: amount 100.0 has no currency"):
        read_claims_file(f)


def test_unknown_source_becomes_placeholder(case: Case, tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("subject,relation,object,date,amount,currency,source_id\nA Corp,paid,B Corp,,,,s-new\n",
                 encoding="utf-8")
    store_claims(case, read_claims_file(f))
    assert case.engine.rows("SELECT kind, reliability, credibility FROM sources WHERE source_id = 's-new'") == [
        ("unknown", "F", 6)]


def test_confirm_and_reject_only_extracted(seeded: Case, data_dir: Path) -> None:
    from moneytrail.evidence.extract import extract_claims

    ingest_sources_file(seeded, data_dir / "sources.yaml")
    store_claims(seeded, read_claims_file(data_dir / "claims.csv", load_name_index(seeded)))
    extract_claims(seeded)
    pending = list_claims(seeded, status="extracted")
    assert pending
    set_claim_status(seeded, pending[0]["claim_id"], "confirmed")
    set_claim_status(seeded, pending[1]["claim_id"], "rejected")
    assert {c["claim_id"] for c in list_claims(seeded, status="confirmed")} == {pending[0]["claim_id"]}
    asserted = list_claims(seeded, status="asserted")[0]["claim_id"]
    with pytest.raises(ValueError, match="asserted in a claims file"):
        set_claim_status(seeded, asserted, "rejected")
    with pytest.raises(KeyError):
        set_claim_status(seeded, "nope", "confirmed")
    # Re-running extraction does not undo the analyst's decision.
    extract_claims(seeded)
    assert seeded.engine.scalar("SELECT status FROM claims WHERE claim_id = ?", [pending[1]["claim_id"]]) == "rejected"
