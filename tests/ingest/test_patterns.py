from __future__ import annotations

from pathlib import Path

import pytest

from moneytrail.ingest import ingest_patterns, ingest_transactions
from moneytrail.store import Case

SLICE = Path(__file__).resolve().parents[1] / "data" / "ingest" / "HI-Medium_Patterns_slice.txt"
ROW = "2022/09/01 05:14,00952,8139F54E0,0111632,8062C56E0,5331.44,US Dollar,5331.44,US Dollar,ACH,1"


def test_slice_attempts_and_truth(case: Case) -> None:
    result = ingest_patterns(case, SLICE)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (27, 27, 0)
    assert result.details["attempts"] == 3
    attempts = case.engine.rows("SELECT typology, detail, origin_line FROM truth_attempts ORDER BY origin_line")
    assert attempts == [("STACK", None, 1), ("CYCLE", "Max 12 hops", 10), ("FAN-IN", "Max 9-degree Fan-In", 25)]
    per_attempt = case.engine.rows("SELECT a.typology, count(*) FROM truth_transactions t JOIN truth_attempts a "
                                   "USING (attempt_id) GROUP BY 1 ORDER BY 1")
    assert per_attempt == [("CYCLE", 12), ("FAN-IN", 9), ("STACK", 6)]
    assert case.engine.rows("SELECT count(*), min(label), max(label) FROM transactions") == [(27, 1, 1)]
    stack = case.engine.rows("SELECT from_account, to_account, amount, label_typology FROM transactions "
                             "WHERE origin_line = 2")
    assert stack == [("00952:8139F54E0", "0111632:8062C56E0", 5331.44, "STACK")]
    assert ingest_patterns(case, SLICE).skipped


def test_repeats_link_without_duplicating_and_bad_rows_quarantine(case: Case, tmp_path: Path) -> None:
    text = "\n".join([
        "BEGIN LAUNDERING ATTEMPT - FAN-OUT:  Max 2-degree Fan-Out", ROW, ROW.replace("5331.44", "12.00"),
        "END LAUNDERING ATTEMPT - FAN-OUT", "",
        "BEGIN LAUNDERING ATTEMPT - CYCLE:  Max 2 hops", ROW, "2022/09/01 05:14,00952,8139F54E0,oops", "not,a,date," * 3
        + "x,y", "END LAUNDERING ATTEMPT - CYCLE", ROW.replace("5331.44", "99.00")]) + "\n"
    path = tmp_path / "p.txt"
    path.write_text(text)
    result = ingest_patterns(case, path)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (6, 3, 3)
    assert result.details["repeated_rows"] == 1 and result.details["distinct_transactions"] == 2
    assert case.count("transactions") == 2 and case.count("truth_transactions") == 3
    reasons = dict(case.engine.rows("SELECT line, reason FROM quarantine"))
    assert reasons[8].startswith("expected 11 comma-separated fields, found 4")
    assert reasons[11] == "transaction outside a laundering attempt"
    assert "unparseable timestamp" in reasons[9]


def test_patterns_after_transactions_file_link_to_it(case: Case, tmp_path: Path) -> None:
    trans = tmp_path / "HI_Trans.csv"
    trans.write_text("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
                     "Payment Currency,Payment Format,Is Laundering\n" + ROW + "\n")
    ingest_transactions(case, trans, preset="amlworld")
    ingest_patterns(case, SLICE)
    assert case.count("transactions") == 27
    linked = case.engine.scalar("SELECT l.file FROM truth_transactions tt JOIN transactions t USING (txn_id) "
                                "JOIN ingest_log l ON l.ingest_no = t.ingest_no WHERE t.amount = 5331.44")
    assert linked == str(trans)


@pytest.mark.shared_data
@pytest.mark.slow
def test_hi_medium_patterns(case: Case, shared_data: Path) -> None:
    path = shared_data / "amlworld" / "HI-Medium_Patterns.txt"
    result = ingest_patterns(case, path)
    assert result.details["attempts"] == 2756
    assert result.details["typologies"] == {"BIPARTITE": 369, "CYCLE": 367, "FAN-IN": 355, "FAN-OUT": 345,
                                            "GATHER-SCATTER": 322, "RANDOM": 331, "SCATTER-GATHER": 331, "STACK": 336}
    rows = sum(1 for line in path.read_text().splitlines()
               if line.strip() and not line.startswith(("BEGIN LAUNDERING", "END LAUNDERING")))
    assert result.rows_read == rows and result.rows_stored == rows and result.rows_quarantined == 0
    assert case.count("truth_transactions") == rows
    assert case.engine.scalar("SELECT count(*) FROM truth_transactions tt LEFT JOIN transactions t USING (txn_id) "
                              "WHERE t.txn_id IS NULL") == 0


def test_transactions_file_after_patterns_replaces_their_copies(case: Case, tmp_path: Path) -> None:
    ingest_patterns(case, SLICE)
    trans = tmp_path / "HI_Trans.csv"
    trans.write_text("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
                     "Payment Currency,Payment Format,Is Laundering\n" + ROW + "\n")
    result = ingest_transactions(case, trans, preset="amlworld")
    assert result.details["replaced_pattern_transactions"] == 1
    assert case.count("transactions") == 27 and case.count("truth_transactions") == 27
    row = case.engine.rows("SELECT l.file, t.label_typology FROM truth_transactions tt JOIN transactions t "
                           "USING (txn_id) JOIN ingest_log l ON l.ingest_no = t.ingest_no WHERE t.amount = 5331.44")
    assert row == [(str(trans), "STACK")]
