"""FtM JSONL export, readable by followthemoney (and so by Aleph).

Entities are rebuilt from ``statements`` with followthemoney's model (``report.ftm_entities``: with
their OpenSanctions metadata, resolved clusters as canonical entities with ``referents``); accounts
become BankAccount and transactions Payment entities. Nothing is exported twice and nothing invented:
Payments read from FtM come out as themselves (not again as transactions), and a party that is an FtM
entity is named as itself, never wrapped in a made-up BankAccount. Accounts and transactions can be
millions of rows, so their JSON lines are built column-wise with pyarrow compute, never row by row.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.report.ftm_entities import ExportError, statement_entities
from moneytrail.store import Case

__all__ = ["ACCOUNT_PREFIX", "PAYMENT_PREFIX", "ExportError", "export_ftm"]

# Transactions ingested from FtM Payments: exported as the Payment entities they came from.
_FROM_FTM = ("t.channel = 'ftm' AND t.source_id IN (SELECT source_id FROM statements WHERE schema = 'Payment')")
# Account keys that are an FtM party itself (``:<entity id>``, see ingest.entities): no BankAccount.
_PARTY_KEY = "SELECT ':' || entity_id FROM statements"

ACCOUNT_PREFIX = "mt-account-"
PAYMENT_PREFIX = "mt-payment-"


def statements_sql() -> str:
    return "SELECT entity_id, schema, prop, value FROM statements ORDER BY entity_id, schema, prop, value"


def accounts_ftm_sql() -> str:
    """Accounts with an FtM id: their own BankAccount entity id when ingest had one, else derived.
    Accounts already described by statements are skipped here (they come out with the statements)."""
    return (
        f"SELECT coalesce(a.account_entity_id, '{ACCOUNT_PREFIX}' || a.account_key) AS id, a.account_id, "
        "a.iban, a.country, a.currency, a.bank_id FROM accounts a "
        "WHERE a.account_entity_id IS NULL OR a.account_entity_id NOT IN (SELECT entity_id FROM statements) "
        "ORDER BY a.account_key"
    )


def payments_ftm_sql() -> str:
    """Transactions (not read from FtM Payments) with the FtM ids of both accounts and (raw) holders.
    Accounts only seen in transactions still get a derived id, so every payment names its accounts; a
    side that is an FtM party itself is named as payer/beneficiary, with no account."""
    def party(key: str) -> str:
        return f"CASE WHEN {key} IN ({_PARTY_KEY}) THEN substr({key}, 2) END"

    def account(alias: str, key: str) -> str:
        return (f"CASE WHEN {key} IN ({_PARTY_KEY}) THEN NULL "
                f"ELSE coalesce({alias}.account_entity_id, '{ACCOUNT_PREFIX}' || {key}) END")

    return (
        f"SELECT '{PAYMENT_PREFIX}' || t.source_id || '-' || t.txn_id AS id, t.txn_id, "
        "t.amount, t.currency, "
        "CAST(t.ts AS VARCHAR) AS date, "
        f"{account('fa', 't.from_account')} AS payer_account, {account('ta', 't.to_account')} AS beneficiary_account, "
        f"coalesce(fa.holder_entity_id, {party('t.from_account')}) AS payer, "
        f"coalesce(ta.holder_entity_id, {party('t.to_account')}) AS beneficiary "
        "FROM transactions t LEFT JOIN accounts fa ON fa.account_key = t.from_account "
        f"LEFT JOIN accounts ta ON ta.account_key = t.to_account WHERE NOT ({_FROM_FTM})"
    )


def orphan_accounts_sql() -> str:
    """Account keys seen only in transactions (no accounts row): they still need a BankAccount."""
    return (
        f"SELECT '{ACCOUNT_PREFIX}' || k AS id, k AS account_id, NULL AS iban, NULL AS country, "
        "NULL AS currency, NULL AS bank_id FROM (SELECT from_account AS k FROM transactions t "
        f"WHERE NOT ({_FROM_FTM}) UNION SELECT to_account FROM transactions t WHERE NOT ({_FROM_FTM})) x "
        f"WHERE k NOT IN (SELECT account_key FROM accounts) AND k NOT IN ({_PARTY_KEY}) ORDER BY k"
    )


def export_ftm(case: Case, out: Path) -> dict[str, int]:
    """Write FtM JSONL to ``out``; returns entity counts per schema group."""
    counts = {"entities": 0, "accounts": 0, "payments": 0}
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for entity in statement_entities(case):
            fh.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
            counts["entities"] += 1
        for sql in (accounts_ftm_sql(), orphan_accounts_sql()):
            for batch in case.engine.batches(sql):
                counts["accounts"] += _write_lines(fh, _account_lines(batch))
        for batch in case.engine.batches(payments_ftm_sql()):
            counts["payments"] += _write_lines(fh, _payment_lines(batch))
    return counts


def _write_lines(fh: IO[str], lines: pa.Array) -> int:
    text = "\n".join(lines.to_pylist())  # one string per row, joined per batch
    if text:
        fh.write(text + "\n")
    return len(lines)


def _json_str(col: pa.Array) -> pa.Array:
    """JSON-escape a string column (backslash, quote, control characters) and wrap it in quotes."""
    text = pc.cast(col, pa.string())
    text = pc.replace_substring(text, "\\", "\\\\")
    text = pc.replace_substring(text, '"', '\\"')
    text = pc.replace_substring_regex(text, r"[\x00-\x1f]", " ")
    return pc.binary_join_element_wise('"', text, '"', "")


def _prop(name: str, col: pa.Array) -> pa.Array:
    """``,"name":["value"]`` or the empty string where the value is null or empty."""
    piece = pc.binary_join_element_wise(f',"{name}":[', _json_str(col), "]", "")
    present = pc.and_(pc.is_valid(col), pc.not_equal(pc.cast(col, pa.string()), ""))
    return pc.if_else(pc.fill_null(present, False), piece, "")


def _lines(batch: pa.RecordBatch, schema: str, props: list[tuple[str, str]]) -> pa.Array:
    n = batch.num_rows
    head = pc.binary_join_element_wise('{"id":', _json_str(batch.column("id")),
                                       f',"schema":"{schema}","properties":{{', "")
    parts = [_prop(name, batch.column(col)) for name, col in props]
    body = pc.binary_join_element_wise(*parts, "") if len(parts) > 1 else parts[0]
    # Drop the comma before the first property.
    body = pc.replace_substring_regex(body, "^,", "", max_replacements=1)
    tail = pa.array(["}}"] * n)
    return pc.binary_join_element_wise(head, body, tail, "")


def _account_lines(batch: pa.RecordBatch) -> pa.Array:
    return _lines(batch, "BankAccount", [("accountNumber", "account_id"), ("iban", "iban"),
                                         ("country", "country"), ("currency", "currency"),
                                         ("bankName", "bank_id")])


def _payment_lines(batch: pa.RecordBatch) -> pa.Array:
    iso = pc.replace_substring(batch.column("date"), " ", "T", max_replacements=1)
    batch = batch.set_column(batch.schema.get_field_index("date"), "date", iso)
    # Amounts as text here, not by the engine's CAST: Spark writes a double of 10 million or more as
    # 1.666712736E7, DuckDB as 16667127.36; Arrow's shortest round-trip text is one spelling on every engine.
    amount = pc.cast(batch.column("amount"), pa.string())
    batch = batch.set_column(batch.schema.get_field_index("amount"), "amount", amount)
    return _lines(batch, "Payment", [("amount", "amount"), ("currency", "currency"), ("date", "date"),
                                     ("transactionNumber", "txn_id"), ("payerAccount", "payer_account"),
                                     ("beneficiaryAccount", "beneficiary_account"), ("payer", "payer"),
                                     ("beneficiary", "beneficiary")])
