from __future__ import annotations

from pathlib import Path

import pytest

from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store import Case, CaseError
from moneytrail.store.findings import finding_refs, list_findings, write_findings
from moneytrail.store.migrations import all_migrations


def test_create_migrates_to_latest(tmp_path: Path) -> None:
    with Case.create(tmp_path / "c") as case:
        assert case.schema_version() == all_migrations()[-1].version
        assert case.reporting_currency == "USD"
        assert {"transactions", "sources", "statements", "quarantine", "ingest_log"} <= set(case.table_names())
    with pytest.raises(CaseError, match="already exists"):
        Case.create(tmp_path / "c")


def test_open_missing_case_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="no case at"):
        Case.open(tmp_path / "nope")


def test_migrations_are_idempotent(case: Case) -> None:
    assert case.migrate() == []


def test_findings_need_refs_and_are_replaced_by_id(case: Case) -> None:
    with pytest.raises(ValueError, match="cites no rows"):
        write_findings(case, [Finding("typology", "fan-in", "t", "e", 1.0, refs=[])])
    f = Finding("typology", "fan-in", "fan-in into A", "3 senders", 2.5,
                refs=[FindingRef("account", ":A", "hub"), FindingRef("transaction", "t1")])
    ids = write_findings(case, [f])
    write_findings(case, [f])
    assert len(list_findings(case)) == 1
    assert {r["ref_id"] for r in finding_refs(case, ids[0])} == {":A", "t1"}
