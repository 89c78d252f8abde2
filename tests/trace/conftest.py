"""Hand-built cases written straight into the store: fictional accounts, synthetic payments."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import pyarrow as pa
import pytest

from moneytrail.model.admiralty import Grade
from moneytrail.store import Case
from moneytrail.store.sources import SourceRecord, upsert_source

T0 = datetime(2024, 1, 1)

# (txn_id, hours after T0, from, to, amount) or with a sixth element: source_id
Payment = tuple[str, float, str, str, float] | tuple[str, float, str, str, float, str]


def write_payments(case: Case, payments: Sequence[Payment]) -> None:
    upsert_source(case, SourceRecord("bank", "bank_record", "Bank statements of Kestrel Bank"))
    upsert_source(case, SourceRecord("report", "document", "Report by the Northwind Ledger",
                                     grade=Grade("C", 3)))
    rows = [{"txn_id": p[0], "ts": T0 + timedelta(hours=p[1]), "from_account": p[2], "to_account": p[3],
             "amount": float(p[4]), "currency": "USD", "amount_rc": float(p[4]),
             "source_id": p[5] if len(p) > 5 else "bank", "origin_line": i + 2}  # type: ignore[misc]
            for i, p in enumerate(payments)]
    case.engine.register_arrow("_pay", pa.Table.from_pylist(rows))
    case.engine.execute("INSERT INTO transactions (txn_id, ts, from_account, to_account, amount, currency, "
                        "amount_rc, source_id, origin_line) SELECT txn_id, ts, from_account, to_account, amount, "
                        "currency, amount_rc, source_id, origin_line FROM _pay")
    case.engine.unregister("_pay")


def write_accounts(case: Case, accounts: Sequence[tuple[str, str | None, str | None]]) -> None:
    """(account_key, holder entity id, country)."""
    for key, holder, country in accounts:
        bank, _, number = key.partition(":")
        case.engine.execute("INSERT INTO accounts (account_key, bank_id, account_id, holder_entity_id, country) "
                            "VALUES (?, ?, ?, ?, ?)", [key, bank, number, holder, country])


@pytest.fixture
def payments(case: Case) -> Callable[[Sequence[Payment]], Case]:
    def build(rows: Sequence[Payment]) -> Case:
        write_payments(case, rows)
        return case

    return build
