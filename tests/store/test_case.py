from __future__ import annotations

from pathlib import Path

import pytest

from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store import Case, CaseError
from moneytrail.store.findings import finding_refs, list_findings, write_findings
from moneytrail.store.migrations import all_migrations
from tests.casebuild import stamp_of


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
        write_findings(case, [Finding("typology", "fan-in", "t", "e", 1.0, refs=[])], stamp_of("test_case-33"))
    f = Finding("typology", "fan-in", "fan-in into A", "3 senders", 2.5,
                refs=[FindingRef("account", ":A", "hub"), FindingRef("transaction", "t1")])
    ids = write_findings(case, [f], stamp_of("test_case-36"))
    write_findings(case, [f], stamp_of("test_case-37"))
    assert len(list_findings(case)) == 1
    assert {r["ref_id"] for r in finding_refs(case, ids[0])} == {":A", "t1"}


def test_migration_6_moves_file_and_ingest_of_transactions_to_the_ingest_log(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A case written before migration 6 (each row repeating its file and ingest id) keeps every row's
    file and ingest, now named by ``ingest_no``."""
    import moneytrail.store.case as case_module
    older = [m for m in all_migrations() if m.version < 6]
    monkeypatch.setattr(case_module, "all_migrations", lambda: older)
    with Case.create(tmp_path / "old") as case:
        for n, (ingest, file) in enumerate([("ing-b", "second.csv"), ("ing-a", "first.csv")]):
            case.engine.execute(
                "INSERT INTO ingest_log (ingest_id, kind, file, file_hash, rows_read, rows_stored, rows_quarantined, "
                "started_at, finished_at, seconds) VALUES (?, 'transactions', ?, ?, 1, 1, 0, "
                "TIMESTAMP '2026-01-01' + to_days(?), TIMESTAMP '2026-01-01' + to_days(?), 0)",
                [ingest, file, f"h{n}", 1 - n, 1 - n])
            case.engine.execute(
                "INSERT INTO transactions (txn_id, ts, from_account, to_account, amount, currency, source_id, "
                "origin_file, origin_line, ingest_id) VALUES (?, TIMESTAMP '2026-01-02', 'b:1', 'b:2', 5, 'USD', "
                "'src', ?, ?, ?)", [f"t{n}", file, 10 + n, ingest])
        assert case.schema_version() == 5
    monkeypatch.undo()
    with Case.open(tmp_path / "old") as case:
        assert case.schema_version() == all_migrations()[-1].version
        rows = case.engine.rows("SELECT t.txn_id, l.ingest_no, l.ingest_id, l.file, t.origin_line FROM transactions t "
                                "JOIN ingest_log l ON l.ingest_no = t.ingest_no ORDER BY t.txn_id")
        columns = {r[0] for r in case.engine.rows("SELECT column_name FROM information_schema.columns "
                                                  "WHERE table_name = 'transactions'")}
    # Numbered in the order they were ingested: ing-a started first.
    assert rows == [("t0", 2, "ing-b", "second.csv", 10), ("t1", 1, "ing-a", "first.csv", 11)]
    assert "origin_file" not in columns and "ingest_id" not in columns and "ingest_no" in columns


def test_migration_7_stamps_earlier_findings_with_their_stage(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Findings stored before stage stamps get their stage from their kind and their input hash as data
    version, so they read as stale once the data differs."""
    import moneytrail.store.case as case_module
    older = [m for m in all_migrations() if m.version < 7]
    monkeypatch.setattr(case_module, "all_migrations", lambda: older)
    with Case.create(tmp_path / "old") as case:
        case.engine.execute(
            "INSERT INTO findings (finding_id, kind, typology, title, explanation, score, params, query, input_hash) "
            "VALUES ('f1', 'typology', 'fan-in', 't', 'e', 1.0, '{}', '', 'old-hash'), "
            "('f2', 'claim', 'paid', 't', 'e', 1.0, '{}', '', 'old-hash')")
        assert case.schema_version() == 6
    monkeypatch.undo()
    with Case.open(tmp_path / "old") as case:
        rows = {r["finding_id"]: r for r in list_findings(case)}
    assert (rows["f1"]["stage"], rows["f1"]["data_version"], rows["f1"]["stale"]) == ("detect", "old-hash", True)
    assert rows["f2"]["stage"] == "evidence" and rows["f1"]["result_key"] != rows["f2"]["result_key"]
