"""``trace --from/--to`` with a bare IBAN or account number; countries from IBANs; near-miss suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest

from moneytrail.ingest import ingest_accounts, ingest_transactions
from moneytrail.model.iban import iban_country
from moneytrail.store import Case
from moneytrail.trace.index import ensure_index
from moneytrail.trace.params import TraceError
from moneytrail.trace.run import account_info, resolve_accounts

HEADER = "txn_id,timestamp,from_bank,from_account,to_bank,to_account,amount,currency,channel"


def test_bare_iban_and_number_resolve_and_misses_suggest(case: Case, tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    data.write_text(HEADER + "\n"
                    "t1,2021-03-04T05:06:07Z,,DE89370400440532013000,B2,GB82WEST12345698765432,100,USD,wire\n"
                    "t2,2021-03-05T05:06:07Z,B2,GB82WEST12345698765432,B3,777,50,USD,wire\n"
                    "t3,2021-03-06T05:06:07Z,B4,777,B3,888,20,USD,wire\n")
    ingest_transactions(case, data)
    ensure_index(case)
    assert resolve_accounts(case, ("DE89 3704 0044 0532 0130 00",), "--from") == [":DE89370400440532013000"]
    assert resolve_accounts(case, ("888",), "--to") == ["B3:888"]
    with pytest.raises(TraceError, match=r"ambiguous.*B3:777, B4:777"):
        resolve_accounts(case, ("777",), "--from")
    with pytest.raises(TraceError, match="nearest keys: :DE89370400440532013000"):
        resolve_accounts(case, ("DE89370400440532013001",), "--from")
    info = account_info(case, {":DE89370400440532013000", "B2:GB82WEST12345698765432", "B3:888"})
    assert info[":DE89370400440532013000"].country == "DE"
    assert info["B2:GB82WEST12345698765432"].country == "GB"
    assert info["B3:888"].country is None


def test_accounts_get_their_iban_country(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("bank_id,account_id,holder_entity_id,country,currency,iban\n"
                    "B1,1,,,EUR,DE89370400440532013000\nB1,2,,FR,EUR,DE89370400440532013000\nB1,3,,,EUR,XX123\n")
    result = ingest_accounts(case, path)
    assert result.details["countries_from_iban"] == 1
    assert dict(case.engine.rows("SELECT account_id, country FROM accounts")) == {"1": "DE", "2": "FR", "3": None}
    assert iban_country("DE89370400440532013000") == "DE" and iban_country("DE00370400440532013000") is None
