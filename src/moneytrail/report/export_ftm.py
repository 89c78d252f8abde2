"""FtM JSONL export, readable by followthemoney (and so by Aleph).

Entities are rebuilt from ``statements`` with followthemoney's model; accounts become BankAccount
and transactions Payment entities. Those two can be millions of rows, so their JSON lines are
built column-wise with pyarrow compute, never row by row in Python.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
from followthemoney import model

from moneytrail.store import Case

ACCOUNT_PREFIX = "mt-account-"
PAYMENT_PREFIX = "mt-payment-"


class ExportError(ValueError):
    """Data cannot be exported as asked; the message names the entity or row."""


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
    """Transactions with the FtM ids of both accounts and (raw) holders. Accounts only seen in
    transactions still get a derived id, so every payment names its accounts."""
    return (
        f"SELECT '{PAYMENT_PREFIX}' || t.source_id || '-' || t.txn_id AS id, t.txn_id, "
        "CAST(t.amount AS VARCHAR) AS amount, t.currency, "
        "CAST(t.ts AS VARCHAR) AS date, "
        f"coalesce(fa.account_entity_id, '{ACCOUNT_PREFIX}' || t.from_account) AS payer_account, "
        f"coalesce(ta.account_entity_id, '{ACCOUNT_PREFIX}' || t.to_account) AS beneficiary_account, "
        "fa.holder_entity_id AS payer, ta.holder_entity_id AS beneficiary "
        "FROM transactions t LEFT JOIN accounts fa ON fa.account_key = t.from_account "
        "LEFT JOIN accounts ta ON ta.account_key = t.to_account"
    )


def orphan_accounts_sql() -> str:
    """Account keys seen only in transactions (no accounts row): they still need a BankAccount."""
    return (
        f"SELECT '{ACCOUNT_PREFIX}' || k AS id, k AS account_id, NULL AS iban, NULL AS country, "
        "NULL AS currency, NULL AS bank_id FROM (SELECT from_account AS k FROM transactions "
        "UNION SELECT to_account FROM transactions) x WHERE k NOT IN (SELECT account_key FROM accounts) ORDER BY k"
    )


def export_ftm(case: Case, out: Path) -> dict[str, int]:
    """Write FtM JSONL to ``out``; returns entity counts per schema group."""
    counts = {"entities": 0, "accounts": 0, "payments": 0}
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for entity in _statement_entities(case):
            fh.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
            counts["entities"] += 1
        for sql in (accounts_ftm_sql(), orphan_accounts_sql()):
            for batch in case.engine.batches(sql):
                counts["accounts"] += _write_lines(fh, _account_lines(batch))
        for batch in case.engine.batches(payments_ftm_sql()):
            counts["payments"] += _write_lines(fh, _payment_lines(batch))
    return counts


def _statement_entities(case: Case) -> Iterator[dict[str, Any]]:
    """Group the ordered statements by entity and let followthemoney validate each property."""
    current: str | None = None
    schemata: list[str] = []
    props: list[tuple[str, str]] = []
    for batch in case.engine.batches(statements_sql()):
        cols = batch.to_pydict()
        for entity_id, schema, prop, value in zip(cols["entity_id"], cols["schema"], cols["prop"], cols["value"],
                                                  strict=True):
            if entity_id != current:
                if current is not None:
                    yield _make_entity(current, schemata, props)
                current, schemata, props = entity_id, [], []
            if schema not in schemata:
                schemata.append(schema)
            props.append((prop, value))
    if current is not None:
        yield _make_entity(current, schemata, props)


def _make_entity(entity_id: str, schemata: list[str], props: list[tuple[str, str]]) -> dict[str, Any]:
    schema = None
    for name in schemata:
        if model.get(name) is None:
            raise ExportError(f"entity {entity_id}: unknown FtM schema {name!r} in statements")
        try:
            schema = name if schema is None else model.common_schema(schema, name).name
        except Exception as exc:  # followthemoney raises InvalidData for unrelated schemata
            raise ExportError(f"entity {entity_id}: schemata {schemata} cannot be combined ({exc})") from exc
    proxy = model.make_entity(schema or "Thing")
    proxy.id = entity_id
    for prop, value in props:
        if prop in proxy.schema.properties:
            proxy.add(prop, value, cleaned=True)
    data: dict[str, Any] = proxy.to_dict()
    return data


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
    return _lines(batch, "Payment", [("amount", "amount"), ("currency", "currency"), ("date", "date"),
                                     ("transactionNumber", "txn_id"), ("payerAccount", "payer_account"),
                                     ("beneficiaryAccount", "beneficiary_account"), ("payer", "payer"),
                                     ("beneficiary", "beneficiary")])
