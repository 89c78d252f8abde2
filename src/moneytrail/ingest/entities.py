"""FtM JSON-lines entities -> ``statements`` (and ``accounts``, ``transactions`` where they say so).

Each line is one entity ``{"id", "schema", "properties": {prop: [values]}}``, validated with
followthemoney: an unknown schema, an unknown property or a value FtM cannot read quarantines the line.
Values are stored as given (after validation), one statement per value, with a deterministic
``statement_id`` (``model.ids.statement_id``), plus an ``id`` statement so entities without properties
survive; the exporter rebuilds the same entity from them.

Also: BankAccount -> ``accounts`` (bank = bankName or bic, number = accountNumber or iban), holders from
Ownership(owner -> asset BankAccount); Payment -> ``transactions`` (txn_id = transactionNumber or the
entity id; parties' accounts as above, else the party entity itself as ``:<entity id>``). A Payment
without a date or amount is kept as statements only (counted in ``details``). Loops here run over
entities, not over bulk transaction files: FtM files are registries and lists, not ledgers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
from followthemoney import model

from moneytrail.ingest.duplicates import settle_duplicate_transactions
from moneytrail.ingest.filelog import FileIngest, file_ingest
from moneytrail.ingest.jsonlines import loads_limited, read_json_lines
from moneytrail.ingest.result import IngestResult, Progress
from moneytrail.model.ids import account_key, statement_id
from moneytrail.store.case import Case
from moneytrail.store.sources import SourceRecord

_STATEMENT_COLUMNS = ["statement_id", "entity_id", "schema", "prop", "value", "source_id", "origin_file",
                      "origin_line"]


def check_entity(data: Any) -> str | None:
    """Why an entity is not valid FtM, or None."""
    if not isinstance(data, dict):
        return "not a JSON object"
    if not isinstance(data.get("id"), str) or not data["id"]:
        return "missing entity id"
    schema = model.get(str(data.get("schema")))
    if schema is None:
        return f"unknown FtM schema {data.get('schema')!r}"
    props = data.get("properties", {})
    if not isinstance(props, dict):
        return "properties is not an object"
    for name, values in props.items():
        prop = schema.get(name)
        if prop is None:
            return f"unknown property {name!r} for schema {schema.name}"
        for value in values if isinstance(values, list) else [values]:
            if not isinstance(value, str):
                return f"property {name}: value {value!r} is not text"
            if prop.type.clean(value, proxy=None) is None:
                return f"property {name}: {value!r} is not a valid {prop.type.name}"
    return None


def _values(data: dict[str, Any], prop: str) -> list[str]:
    raw = data.get("properties", {}).get(prop, [])
    return [str(v) for v in (raw if isinstance(raw, list) else [raw])]


def _first(data: dict[str, Any], *props: str) -> str | None:
    for prop in props:
        values = _values(data, prop)
        if values:
            return values[0]
    return None


def _read(path: Path) -> list[str]:
    return read_json_lines(path)  # LF-only lines (ingest.jsonlines); compressed input is verified by file_ingest


def _store(fi: FileIngest, lines: list[str]) -> None:
    e = fi.case.engine
    src = fi.source.source_id
    statements: list[tuple[Any, ...]] = []
    bad: list[tuple[int | None, str | None, str]] = []
    entities: dict[str, dict[str, Any]] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        fi.rows_read += 1
        try:
            data = loads_limited(text)
        except json.JSONDecodeError as exc:
            bad.append((number, text[:2000], f"invalid JSON: {exc.msg} at column {exc.colno}"))
            continue
        reason = check_entity(data)
        if reason:
            bad.append((number, text[:2000], reason))
            continue
        eid, schema = str(data["id"]), str(data["schema"])
        entities[eid] = data | {"_line": number}
        statements.append((statement_id(eid, schema, "id", eid, src), eid, schema, "id", eid, src, fi.origin, number))
        for prop in data.get("properties", {}):
            for value in _values(data, prop):
                statements.append((statement_id(eid, schema, prop, value, src), eid, schema, prop, value, src,
                                   fi.origin, number))
    fi.rows_quarantined = len(bad)
    fi.rows_stored = fi.rows_read - len(bad)
    fi.quarantine_rows(bad)
    arrays: list[Any] = list(zip(*statements, strict=True)) if statements else [[]] * len(_STATEMENT_COLUMNS)
    table = pa.table(arrays, schema=pa.schema([(c, pa.int64() if c == "origin_line" else pa.string())
                                       for c in _STATEMENT_COLUMNS]))
    e.register_arrow("_ftm_statements", table)
    cols = ", ".join(_STATEMENT_COLUMNS)
    e.execute(f"INSERT INTO statements ({cols}) SELECT {cols} FROM (SELECT *, row_number() OVER "
              "(PARTITION BY statement_id ORDER BY origin_line) AS n FROM _ftm_statements) s WHERE n = 1 "
              "AND NOT EXISTS (SELECT 1 FROM statements t WHERE t.statement_id = s.statement_id)")
    e.unregister("_ftm_statements")
    fi.details["statements"] = len(statements)
    fi.details["entities"] = len(entities)
    _store_accounts(fi, entities)
    _store_payments(fi, entities)


def _account_rows(entities: dict[str, dict[str, Any]]) -> dict[str, tuple[str, str | None, str, str | None]]:
    """BankAccount entity id -> (account_key, bank_id, account_id, holder entity id)."""
    holders = {_first(d, "asset"): _first(d, "owner") for d in entities.values() if d["schema"] == "Ownership"}
    out = {}
    for eid, d in entities.items():
        if d["schema"] != "BankAccount":
            continue
        number = _first(d, "accountNumber", "iban")
        if number is None:
            continue
        bank = _first(d, "bankName", "bic")
        out[eid] = (account_key(bank, number), bank, number, holders.get(eid))
    return out


def _store_accounts(fi: FileIngest, entities: dict[str, dict[str, Any]]) -> None:
    e = fi.case.engine
    rows = _account_rows(entities)
    fi.details["accounts"] = len(rows)
    if not rows:
        return
    table = pa.table({
        "account_key": [r[0] for r in rows.values()], "bank_id": [r[1] for r in rows.values()],
        "account_id": [r[2] for r in rows.values()], "holder": [r[3] for r in rows.values()],
        "entity_id": list(rows), "iban": [_first(entities[k], "iban") for k in rows],
        "country": [_first(entities[k], "country") for k in rows],
        "currency": [_first(entities[k], "currency") for k in rows]})
    e.register_arrow("_ftm_accounts", table)
    # Known accounts keep their bank data and gain the FtM ids; new ones are added.
    e.execute("UPDATE accounts SET account_entity_id = coalesce(accounts.account_entity_id, n.entity_id), "
              "holder_entity_id = coalesce(accounts.holder_entity_id, n.holder) FROM _ftm_accounts n "
              "WHERE n.account_key = accounts.account_key")
    e.execute("INSERT INTO accounts (account_key, bank_id, account_id, holder_entity_id, account_entity_id, iban, "
              "country, currency, source_id) SELECT DISTINCT ON (account_key) account_key, bank_id, account_id, "
              "holder, entity_id, iban, country, currency, ? FROM _ftm_accounts n WHERE NOT EXISTS "
              "(SELECT 1 FROM accounts a WHERE a.account_key = n.account_key)", [fi.source.source_id])
    e.unregister("_ftm_accounts")


def _store_payments(fi: FileIngest, entities: dict[str, dict[str, Any]]) -> None:
    e = fi.case.engine
    accounts = {k: v[0] for k, v in _account_rows(entities).items()}
    known = dict(e.rows("SELECT account_entity_id, account_key FROM accounts WHERE account_entity_id IS NOT NULL"))
    rows: list[dict[str, Any]] = []
    skipped = 0
    for eid, d in entities.items():
        if d["schema"] != "Payment":
            continue
        ends = []
        for acct_prop, party_prop in (("payerAccount", "payer"), ("beneficiaryAccount", "beneficiary")):
            acct, party = _first(d, acct_prop), _first(d, party_prop)
            ends.append(accounts.get(acct or "") or known.get(acct or "") or
                        (account_key(None, acct or party or "") if (acct or party) else None))
        amount, date = _first(d, "amount"), _first(d, "date", "startDate")
        if amount is None or date is None or None in ends:
            skipped += 1
            continue
        # FtM dates may be partial (2021-03): such a payment is dated to the first day of the period.
        date = date + "-01-01"[len(date) - 4:] if len(date) in (4, 7) else date
        rows.append({"txn_id": _first(d, "transactionNumber") or eid, "ts": date, "from_account": ends[0],
                     "to_account": ends[1], "amount": amount, "currency": (_first(d, "currency") or "").upper() or None,
                     "origin_line": d["_line"]})
    fi.details["payments"] = 0
    fi.details["payments_without_transaction"] = skipped
    if not rows:
        return
    e.register_arrow("_ftm_payments", pa.Table.from_pylist(rows))
    rc = fi.case.reporting_currency
    e.execute(
        "INSERT INTO transactions (txn_id, ts, from_account, to_account, amount, currency, amount_rc, channel, "
        "source_id, origin_line, ingest_no) SELECT p.txn_id, p.ts, p.from_account, p.to_account, "
        "p.amount, p.currency, CASE WHEN p.currency = ? THEN p.amount ELSE p.amount * r.rate END, 'ftm', ?, "
        "p.origin_line, CAST(? AS INTEGER) FROM (SELECT txn_id, TRY_CAST(ts AS TIMESTAMP) AS ts, from_account, "
        "to_account, TRY_CAST(amount AS DOUBLE) AS amount, coalesce(currency, ?) AS currency, origin_line "
        "FROM _ftm_payments) p "
        "LEFT JOIN rates_daily r ON r.currency = p.currency AND r.day = CAST(p.ts AS DATE) "
        "WHERE p.ts IS NOT NULL AND p.amount >= 0",
        [rc, fi.source.source_id, fi.ingest_no, rc])
    stored = int(e.scalar("SELECT count(*) FROM transactions WHERE ingest_no = ?", [fi.ingest_no]))
    fi.details["payments"] = stored
    fi.details["payments_without_transaction"] = skipped + len(rows) - stored
    e.unregister("_ftm_payments")


def ingest_entities(case: Case, path: Path | str, *, source: SourceRecord | None = None,
                    source_kind: str = "registry", progress: Progress | None = None) -> IngestResult:
    """``source_kind`` sets the default grade: registry, sanctions_list, bank_record, ..."""
    results: list[IngestResult] = []
    p = Path(path)
    with file_ingest(case, p, "entities", preset="ftm", source=source, source_kind=source_kind,
                     result=results) as fi:
        if fi is not None:
            lines = _read(fi.data)
            if progress:
                progress("storing", 0, 1)
            _store(fi, lines)
            settle_duplicate_transactions(fi, positional=False, rows_are_transactions=False)  # Payments
    return results[0]
