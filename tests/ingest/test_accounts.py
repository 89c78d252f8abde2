from __future__ import annotations

from pathlib import Path

from moneytrail.ingest import ingest_accounts
from moneytrail.model.ids import account_key
from moneytrail.store import Case


def test_accounts(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("bank_id,account_id,holder_entity_id,country,currency,iban\n"
                    "B1,001,ent-1,GB,GBP,GB82WEST12345698765432\n"
                    "B1,002,ent-2,FR,EUR,\n"
                    "B2,,ent-3,FR,EUR,\n"
                    "B1,002,ent-9,FR,EUR,\n")
    result = ingest_accounts(case, path)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (4, 2, 2)
    rows = case.engine.rows("SELECT account_key, bank_id, account_id, holder_entity_id, iban FROM accounts ORDER BY 1")
    assert rows == [(account_key("B1", "001"), "B1", "001", "ent-1", "GB82WEST12345698765432"),
                    (account_key("B1", "002"), "B1", "002", "ent-9", None)]
    reasons = dict(case.engine.rows("SELECT line, reason FROM quarantine"))
    assert reasons == {3: "account repeated on a later line", 4: "missing account_id"}
    again = tmp_path / "accounts2.csv"
    again.write_text("bank_id,account_id,holder_entity_id,country,currency,iban\nB1,001,,GB,GBP,\n")
    ingest_accounts(case, again)
    assert case.engine.rows("SELECT holder_entity_id, iban FROM accounts WHERE account_key = 'B1:001'") == [
        ("ent-1", "GB82WEST12345698765432")]
