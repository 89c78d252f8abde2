"""Real third-party transaction files (tests/data/real/README.md): Berka trans.asc and PaySim."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from moneytrail.ingest import IngestError, ingest_transactions
from moneytrail.ingest.mapping import PRESETS
from moneytrail.store import Case

REAL = Path(__file__).parents[1] / "data" / "real"


def _rows(case: Case, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in case.engine.rows(sql)]


def test_berka_every_row_stored_with_direction_and_counterpart_legs(case: Case) -> None:
    path = REAL / "berka_trans_slice.asc"
    result = ingest_transactions(case, path, preset="berka")
    body = len(path.read_bytes().splitlines()) - 1
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (body, body, 0)
    assert result.details["encoding"]["name"] == "utf-8"

    def txn(tid: str) -> tuple[object, ...]:
        return _rows(case, "SELECT from_account, to_account, amount, currency, CAST(ts AS DATE)::VARCHAR, channel "
                           f"FROM transactions WHERE txn_id = '{tid}'")[0]

    # line 4: VYDAJ/VYBER/SLUZBY 14.60 -> a fee leg out of account 1898
    assert txn("558073") == ("berka:1898", "berka:1898#fees", 14.6, "CZK", "1993-09-30", "cash")
    # line 16: PRIJEM, interest UROK 134.60 -> into account 1505 from its interest node
    assert txn("3446835") == ("berka:1505#interest", "berka:1505", 134.6, "CZK", "1993-09-30", None)
    # line 3: PRIJEM/VKLAD cash deposit 19700
    assert txn("1218415") == ("berka:4171#cash", "berka:4171", 19700.0, "CZK", "1993-09-30", "cash")
    # line 105: VYDAJ/PREVOD NA UCET to bank EF account 49409562
    assert txn("29408") == ("berka:96", "EF:49409562", 46.0, "CZK", "1994-01-08", "transfer")
    # line 108: PRIJEM/PREVOD Z UCTU from bank GH account 69871258: incoming, the right way round
    assert txn("894513") == ("GH:69871258", "berka:3050", 41445.0, "CZK", "1994-01-08", "transfer")
    # line 109: type VYBER (a withdrawal) is a debit: cash out
    assert txn("894881") == ("berka:3050", "berka:3050#cash", 9085.0, "CZK", "1994-01-08", "cash")
    lines = _rows(case, "SELECT origin_line FROM transactions WHERE txn_id = '894513'")
    assert lines == [(108,)]
    # No leg is left without a counterparty, none quarantined.
    assert case.engine.scalar("SELECT count(*) FROM transactions WHERE to_account LIKE '%#other' "
                              "OR from_account LIKE '%#other'") == 0


def test_paysim_steps_are_hours_and_the_currency_must_be_stated(case: Case) -> None:
    path = REAL / "paysim_log_slice.csv"
    with pytest.raises(IngestError, match="names no currency"):
        PRESETS["paysim"].check()
    stated = replace(PRESETS["paysim"], default_currency="XAF")
    result = ingest_transactions(case, path, preset="paysim", mapping=stated)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (300, 300, 0)
    first = _rows(case, "SELECT CAST(ts AS VARCHAR), from_account, to_account, amount, currency, channel, label "
                        "FROM transactions WHERE origin_line = 2")[0]
    assert first == ("2017-01-01 01:00:00", "paysim:C1231006815", "paysim:M1979787155", 9839.64, "XAF", "PAYMENT", 0)
    fraud = _rows(case, "SELECT origin_line, channel FROM transactions WHERE label = 1 ORDER BY origin_line")
    assert fraud[:2] == [(4, "TRANSFER"), (5, "CASH_OUT")]
