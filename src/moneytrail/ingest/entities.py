"""FtM JSON-lines entities -> ``statements`` (and ``accounts``, ``transactions`` where they say so).

Each line is one entity ``{"id", "schema", "properties": {prop: [values]}}``, read as given (FtM's
``cleaned=False`` loading) and checked value by value with followthemoney's property types. A line that is
not an entity (bad JSON, no id, unknown schema) is quarantined whole; otherwise the entity is kept with
every valid value, and each invalid value (unknown property, not text, not valid for its type) is
quarantined on its own in ``quarantined_values`` with entity id, property, value and reason. Metadata
that is not a property (OpenSanctions ``caption``, ``datasets``, ``referents``, ``first_seen``,
``last_seen``, ``last_change``, ``target``) goes to ``entity_meta``, for the exporter.
Values are stored as given (after validation), one statement per value, with a deterministic
``statement_id`` (``model.ids.statement_id``), plus an ``id`` statement so entities without properties
survive; the exporter rebuilds the same entity from them.

Also: BankAccount -> ``accounts`` (bank = bankName or bic, number = accountNumber or iban), holders from
Ownership(owner -> asset BankAccount); Payment -> ``transactions`` (txn_id = transactionNumber or the
entity id; parties' accounts as above, else the party entity itself as ``:<entity id>``; the amount from
``amount`` in ``currency``, else ``amountEur`` in EUR, else ``amountUsd`` in USD). A Payment without a
date or amount is kept as statements only (counted in ``details``). Loops here run over
entities, not over bulk transaction files: FtM files are registries and lists, not ledgers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
from followthemoney import model

from moneytrail.engine.scratch import ScratchTable
from moneytrail.ingest.duplicates import settle_duplicate_entities, settle_duplicate_transactions
from moneytrail.ingest.filelog import FileIngest, file_ingest
from moneytrail.ingest.jsonlines import loads_limited, read_json_lines
from moneytrail.ingest.result import IngestResult, Progress
from moneytrail.model.ids import account_key, statement_id
from moneytrail.store.case import Case
from moneytrail.store.sources import SourceRecord

_STATEMENT_COLUMNS = ["statement_id", "entity_id", "schema", "prop", "value", "source_id", "origin_file",
                      "origin_line"]


def check_entity(data: Any) -> str | None:
    """Why a line is not an FtM entity at all (then it is quarantined whole), or None."""
    if not isinstance(data, dict):
        return "not a JSON object"
    if not isinstance(data.get("id"), str) or not data["id"]:
        return "missing entity id"
    schema = model.get(str(data.get("schema")))
    if schema is None:
        return f"unknown FtM schema {data.get('schema')!r}"
    if not isinstance(data.get("properties", {}), dict):
        return "properties is not an object"
    return None


def invalid_values(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The entity's values FtM's types refuse: (property, value as text, reason)."""
    schema = model.get(str(data["schema"]))
    assert schema is not None  # checked by check_entity
    out = []
    for name, values in data.get("properties", {}).items():
        prop = schema.get(name)
        for value in values if isinstance(values, list) else [values]:
            if prop is None:
                out.append((name, str(value), f"unknown property {name!r} for schema {schema.name}"))
            elif not isinstance(value, str):
                out.append((name, json.dumps(value), "value is not text"))
            elif prop.type.clean(value, proxy=None) is None:
                out.append((name, value, f"not a valid {prop.type.name}"))
    return out


def _valid_only(data: dict[str, Any], bad: list[tuple[str, str, str]]) -> dict[str, Any]:
    if not bad:
        return data
    drop = {(p, v) for p, v, _ in bad}
    props = {}
    for name, values in data.get("properties", {}).items():
        kept = [v for v in (values if isinstance(values, list) else [values])
                if isinstance(v, str) and (name, v) not in drop]
        if kept:
            props[name] = kept
    return data | {"properties": props}


_META = ("caption", "datasets", "referents", "first_seen", "last_seen", "last_change", "target")


def _meta_row(data: dict[str, Any]) -> dict[str, Any] | None:
    if not any(k in data for k in _META):
        return None
    listed = {k: json.dumps(data[k]) if isinstance(data.get(k), list) else None for k in ("datasets", "referents")}
    return {"entity_id": str(data["id"]), "caption": data.get("caption"), **listed,
            **{k: None if data.get(k) is None else str(data[k]) for k in ("first_seen", "last_seen", "last_change")},
            "target": data.get("target") if isinstance(data.get("target"), bool) else None}


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
    values_out: list[tuple[Any, ...]] = []
    metas: list[dict[str, Any]] = []
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
        refused = invalid_values(data)
        values_out.extend((fi.ingest_id, fi.origin, number, eid, schema, p, v, r) for p, v, r in refused)
        data = _valid_only(data, refused)
        meta = _meta_row(data)
        if meta is not None:
            metas.append(meta | {"source_id": src, "origin_line": number, "ingest_id": fi.ingest_id})
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
    table = settle_duplicate_entities(fi, table)  # entities the case already holds are listed, not stored
    cols = ", ".join(_STATEMENT_COLUMNS)
    with e.run() as run:
        new = run.arrow(table, hint="ftm_statements")
        e.append("statements", f"SELECT {cols} FROM (SELECT *, row_number() OVER (PARTITION BY statement_id "
                 f"ORDER BY origin_line) AS n FROM {new}) s WHERE n = 1 "
                 "AND NOT EXISTS (SELECT 1 FROM statements t WHERE t.statement_id = s.statement_id)",
                 columns=_STATEMENT_COLUMNS)
    fi.details["statements"] = len(statements)
    fi.details["entities"] = len(entities)
    _store_values_and_meta(fi, values_out, metas)
    _store_accounts(fi, entities)
    _store_payments(fi, entities)


_VALUE_COLUMNS = ["ingest_id", "file", "line", "entity_id", "schema", "prop", "value", "reason"]
_META_COLUMNS = ["entity_id", "caption", "datasets", "referents", "first_seen", "last_seen", "last_change", "target",
                 "source_id", "origin_line", "ingest_id"]


def _store_values_and_meta(fi: FileIngest, values: list[tuple[Any, ...]], metas: list[dict[str, Any]]) -> None:
    e = fi.case.engine
    fi.details["quarantined_values"] = len(values)
    with e.run() as run:
        if values:
            bad = run.arrow(pa.table(list(zip(*values, strict=True)), names=_VALUE_COLUMNS), hint="ftm_bad_values")
            e.append("quarantined_values", f"SELECT {', '.join(_VALUE_COLUMNS)} FROM {bad}", columns=_VALUE_COLUMNS)
        if metas:
            meta = run.arrow(pa.Table.from_pylist(metas), hint="ftm_meta")
            e.append("entity_meta", f"SELECT {', '.join(_META_COLUMNS)} FROM {meta}", columns=_META_COLUMNS)


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
    with e.run() as run:
        new = run.arrow(table, hint="ftm_accounts")
        # Known accounts keep their bank data and gain the FtM ids; new ones are added.
        e.upsert("accounts", ["account_key"], e.dialect.first_per_key_sql(
            "a.account_key, coalesce(a.account_entity_id, n.entity_id) AS account_entity_id, "
            "coalesce(a.holder_entity_id, n.holder) AS holder_entity_id",
            f"accounts a JOIN {new} n ON n.account_key = a.account_key", ["a.account_key"]),
            insert_missing=False)
        e.append("accounts", e.dialect.first_per_key_sql(
            "account_key, bank_id, account_id, holder, entity_id, iban, country, currency, ?",
            f"{new} n WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.account_key = n.account_key)",
            ["account_key"]), [fi.source.source_id],
            columns=["account_key", "bank_id", "account_id", "holder_entity_id", "account_entity_id", "iban",
                     "country", "currency", "source_id"])
    from moneytrail.ingest.accounts import fill_iban_countries
    fill_iban_countries(fi.case)


_PAYMENT_PROBLEM = ("CASE WHEN p.ts IS NULL THEN 'not a date' WHEN p.amount IS NULL THEN 'amount is not a number' "
                    "WHEN isnan(p.amount) THEN 'amount is NaN' WHEN isinf(p.amount) THEN 'amount is infinite' "
                    "WHEN p.amount < 0 THEN 'negative amount' END")


def _store_payments(fi: FileIngest, entities: dict[str, dict[str, Any]]) -> None:
    e = fi.case.engine
    accounts = {k: v[0] for k, v in _account_rows(entities).items()}
    known = dict(e.rows("SELECT account_entity_id, account_key FROM accounts WHERE account_entity_id IS NOT NULL"))
    rows: list[dict[str, Any]] = []
    not_stored: list[tuple[Any, ...]] = []
    skipped = 0
    for eid, d in entities.items():
        if d["schema"] != "Payment":
            continue
        ends = []
        for acct_prop, party_prop in (("payerAccount", "payer"), ("beneficiaryAccount", "beneficiary")):
            acct, party = _first(d, acct_prop), _first(d, party_prop)
            ends.append(accounts.get(acct or "") or known.get(acct or "") or
                        (account_key(None, acct or party or "") if (acct or party) else None))
        amount, currency, amount_prop = _first(d, "amount"), (_first(d, "currency") or "").upper() or None, "amount"
        for prop, code in (("amountEur", "EUR"), ("amountUsd", "USD")):
            if amount is None and _first(d, prop) is not None:
                amount, currency, amount_prop = _first(d, prop), code, prop
        date = _first(d, "date", "startDate")
        if amount is None or date is None or None in ends:
            skipped += 1
            missing = "amount" if amount is None else "date" if date is None else "payer" if ends[0] is None \
                else "beneficiary"
            not_stored.append((fi.ingest_id, fi.origin, d["_line"], eid, "Payment", missing, None,
                               f"no {missing}: the Payment is kept as an entity, not as a transaction"))
            continue
        # FtM dates may be partial (2021-03): such a payment is dated to the first day of the period.
        date = date + "-01-01"[len(date) - 4:] if len(date) in (4, 7) else date
        rows.append({"txn_id": _first(d, "transactionNumber") or eid, "ts": date, "from_account": ends[0],
                     "to_account": ends[1], "amount": amount, "currency": currency,
                     "origin_line": d["_line"], "entity_id": eid, "amount_prop": amount_prop, "date_text": date})
    fi.details["payments"] = 0
    fi.details["payments_without_transaction"] = skipped
    with e.run() as run:
        if not_stored:
            kept = run.arrow(pa.table(list(zip(*not_stored, strict=True)), schema=pa.schema([
                ("ingest_id", pa.string()), ("file", pa.string()), ("line", pa.int64()), ("entity_id", pa.string()),
                ("schema", pa.string()), ("prop", pa.string()), ("value", pa.string()), ("reason", pa.string())])),
                hint="ftm_not_stored")
            e.append("quarantined_values", f"SELECT {', '.join(_VALUE_COLUMNS)} FROM {kept}", columns=_VALUE_COLUMNS)
        if rows:
            _store_payment_rows(fi, run.arrow(pa.Table.from_pylist(rows), hint="ftm_payments"), skipped + len(rows))


def _store_payment_rows(fi: FileIngest, payments: ScratchTable, candidates: int) -> None:
    e = fi.case.engine
    rc = fi.case.reporting_currency
    e.append(
        "transactions",
        "SELECT p.txn_id, p.ts, p.from_account, p.to_account, "
        "p.amount, p.currency, CASE WHEN p.currency = ? THEN p.amount ELSE p.amount * r.rate END, 'ftm', ?, "
        "p.origin_line, CAST(? AS INTEGER) FROM (SELECT txn_id, TRY_CAST(ts AS TIMESTAMP) AS ts, from_account, "
        "to_account, TRY_CAST(amount AS DOUBLE) AS amount, coalesce(currency, ?) AS currency, origin_line "
        f"FROM {payments}) p "
        "LEFT JOIN rates_daily r ON r.currency = p.currency AND r.day = CAST(p.ts AS DATE) "
        f"WHERE {_PAYMENT_PROBLEM} IS NULL",
        [rc, fi.source.source_id, fi.ingest_no, rc],
        columns=["txn_id", "ts", "from_account", "to_account", "amount", "currency", "amount_rc", "channel",
                 "source_id", "origin_line", "ingest_no"])
    # Payments whose amount or date cannot make a transaction (NaN, infinite, 1e400, negative, not a date):
    # the entity stays; the reason is quarantined with its value.
    e.append(
        "quarantined_values",
        "SELECT ?, ?, p.origin_line, p.entity_id, 'Payment', "
        "CASE WHEN p.ts IS NULL THEN 'date' ELSE p.amount_prop END, CASE WHEN p.ts IS NULL THEN p.date_text "
        f"ELSE p.amount_text END, {_PAYMENT_PROBLEM} || ': the Payment is kept as an entity, not as a transaction' "
        "FROM (SELECT origin_line, entity_id, amount_prop, date_text, amount AS amount_text, "
        f"TRY_CAST(ts AS TIMESTAMP) AS ts, TRY_CAST(amount AS DOUBLE) AS amount FROM {payments}) p "
        f"WHERE {_PAYMENT_PROBLEM} IS NOT NULL", [fi.ingest_id, fi.origin], columns=_VALUE_COLUMNS)
    stored = int(e.scalar("SELECT count(*) FROM transactions WHERE ingest_no = ?", [fi.ingest_no]))
    fi.details["payments"] = stored
    fi.details["payments_without_transaction"] = candidates - stored


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
