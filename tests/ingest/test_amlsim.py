from __future__ import annotations

import csv
from pathlib import Path

import pytest

from moneytrail.ingest import IngestError, ingest_transactions
from moneytrail.store import Case


def test_full_format_with_alerts(case: Case, tmp_path: Path) -> None:
    (tmp_path / "transactions.csv").write_text(
        "tran_id,orig_acct,bene_acct,tx_type,base_amt,tran_timestamp,is_sar,alert_id\n"
        "1,10,11,TRANSFER,100.5,2017-01-01T00:00:00Z,True,7\n"
        "2,11,12,TRANSFER,99.5,2017-01-02T00:00:00Z,True,7\n"
        "3,12,13,TRANSFER,5,3,False,-1\n"
        "4,12,13,TRANSFER,oops,3,False,-1\n")
    (tmp_path / "alert_transactions.csv").write_text(
        "alert_id,alert_type,is_sar,tran_id,orig_acct,bene_acct,tx_type,base_amt,tran_timestamp\n"
        "7,cycle,True,1,10,11,TRANSFER,100.5,2017-01-01T00:00:00Z\n"
        "7,cycle,True,2,11,12,TRANSFER,99.5,2017-01-02T00:00:00Z\n"
        ",cycle,True,2,11,12,TRANSFER,99.5,2017-01-02T00:00:00Z\n")
    result = ingest_transactions(case, tmp_path, preset="amlsim")
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (4, 3, 1)
    labels = result.details["labels"]
    assert (labels["rows_stored"], labels["rows_quarantined"]) == (2, 1)
    rows = case.engine.rows("SELECT txn_id, from_account, CAST(ts AS DATE), label, label_typology FROM transactions "
                            "ORDER BY txn_id")
    assert [(r[0], r[1], str(r[2]), r[3], r[4]) for r in rows] == [
        ("1", "amlsim:10", "2017-01-01", 1, "cycle"), ("2", "amlsim:11", "2017-01-02", 1, "cycle"),
        ("3", "amlsim:12", "2017-01-04", 0, None)]
    assert case.engine.rows("SELECT typology FROM truth_attempts") == [("cycle",)]
    assert case.engine.scalar("SELECT count(*) FROM truth_transactions") == 2


def test_unknown_header_is_an_error(case: Case, tmp_path: Path) -> None:
    (tmp_path / "transactions.csv").write_text("a,b\n1,2\n")
    with pytest.raises(IngestError, match="line 1: not an AMLSim transactions header"):
        ingest_transactions(case, tmp_path / "transactions.csv", preset="amlsim")


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.parametrize("name", ["20K_fanin200", "20K_cycle200", "20K_fanin200cycle200"])
def test_sample_sets_ingest_completely_with_labels(case: Case, shared_data: Path, name: str) -> None:
    folder = shared_data / "amlsim" / name
    meta = (folder / "metadata.txt").read_text()
    txns = int(meta.split("transactions:")[1].split()[0].replace(",", ""))
    # Counted from nodes.csv itself: 20K_fanin200cycle200/metadata.txt says 1803, the file has 1804.
    with (folder / "nodes.csv").open() as fh:
        fraud = sum(1 for row in csv.DictReader(fh) if row["isFraud"] == "1")
    result = ingest_transactions(case, folder, preset="amlsim")
    assert result.rows_read == txns and result.rows_stored == txns and result.rows_quarantined == 0
    assert result.details["labels"]["rows_stored"] == 20_000
    assert case.engine.scalar("SELECT count(*) FROM account_labels WHERE label = 1") == fraud
    assert case.engine.scalar("SELECT min(ts) FROM transactions").year == 2017
    unknown = case.engine.scalar("SELECT count(*) FROM transactions t WHERE NOT EXISTS "
                                 "(SELECT 1 FROM account_labels a WHERE a.account_key = t.from_account)")
    assert unknown == 0
