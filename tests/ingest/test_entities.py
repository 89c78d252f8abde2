from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from followthemoney import model

from moneytrail.ingest import ingest_accounts, ingest_entities
from moneytrail.model.ids import statement_id
from moneytrail.store import Case

ENTITIES: list[dict[str, Any]] = [
    {"id": "p1", "schema": "Person", "properties": {"name": ["Vesna Kolarova", "В. Коларова"],
                                                   "birthDate": ["1970-02-03"]}},
    {"id": "c1", "schema": "Company", "properties": {"name": ["Northwind Tiles Ltd"], "jurisdiction": ["gb"]}},
    {"id": "o2", "schema": "Organization", "properties": {"name": ["جمعية الأمل"]}},
    {"id": "le1", "schema": "LegalEntity", "properties": {"name": ["Harbor Trust"]}},
    {"id": "ba1", "schema": "BankAccount", "properties": {"accountNumber": ["A1"], "bankName": ["B1"]}},
    {"id": "ba2", "schema": "BankAccount", "properties": {"accountNumber": ["A2"], "bankName": ["B2"]}},
    {"id": "own1", "schema": "Ownership", "properties": {"owner": ["p1"], "asset": ["ba1"]}},
    {"id": "own2", "schema": "Ownership", "properties": {"owner": ["p1"], "asset": ["c1"], "percentage": ["60"]}},
    {"id": "dir1", "schema": "Directorship", "properties": {"director": ["p1"], "organization": ["c1"]}},
    {"id": "mem1", "schema": "Membership", "properties": {"member": ["p1"], "organization": ["o2"]}},
    {"id": "pay1", "schema": "Payment", "properties": {"payerAccount": ["ba1"], "beneficiaryAccount": ["ba2"],
                                                      "payer": ["p1"], "amount": ["250.75"], "currency": ["usd"],
                                                      "date": ["2021-03"]}},
    {"id": "pay2", "schema": "Payment", "properties": {"payer": ["c1"], "beneficiary": ["le1"], "amount": ["10"],
                                                      "date": ["2021-04-01"]}},
    {"id": "sanc1", "schema": "Sanction", "properties": {"entity": ["o2"], "authority": ["Fictional Council"]}},
    {"id": "ev1", "schema": "Event", "properties": {"name": ["Harbor meeting"], "date": ["2021-05-06"]}},
]
BAD = ['{"id": "x", "schema": "Starship", "properties": {}}',
       '{"id": "y", "schema": "Person", "properties": {"wingspan": ["3"]}}',
       '{"id": "z", "schema": "Person", "properties": {"birthDate": ["yesterday"]}}',
       '{"schema": "Person", "properties": {}}',
       "{not json"]


def write(tmp_path: Path) -> Path:
    path = tmp_path / "entities.jsonl"
    lines = [json.dumps(e, ensure_ascii=False) for e in ENTITIES]
    path.write_text("\n".join(lines[:3] + BAD + lines[3:]) + "\n", encoding="utf-8")
    return path


def rebuild(case: Case) -> dict[str, dict[str, Any]]:
    """What the exporter does: statements back into FtM entities."""
    out: dict[str, dict[str, Any]] = {}
    for eid, schema, prop, value in case.engine.rows("SELECT entity_id, schema, prop, value FROM statements "
                                                     "ORDER BY entity_id, prop, origin_line, statement_id"):
        entity = out.setdefault(eid, {"id": eid, "schema": schema, "properties": {}})
        if prop != "id":
            entity["properties"].setdefault(prop, []).append(value)
    return out


def test_entities_validate_store_and_round_trip(case: Case, tmp_path: Path) -> None:
    result = ingest_entities(case, write(tmp_path))
    # Lines that are not entities are quarantined whole; an invalid value only on its own (issue 15).
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (19, 16, 3)
    reasons = [r[0] for r in case.engine.rows("SELECT reason FROM quarantine ORDER BY line")]
    assert reasons[0] == "unknown FtM schema 'Starship'"
    assert reasons[1] == "missing entity id" and reasons[2].startswith("invalid JSON")
    values = case.engine.rows("SELECT line, entity_id, prop, value, reason FROM quarantined_values ORDER BY line")
    assert values == [(5, "y", "wingspan", "3", "unknown property 'wingspan' for schema Person"),
                      (6, "z", "birthDate", "yesterday", "not a valid date")]
    assert result.details["quarantined_values"] == 2
    rebuilt = rebuild(case)
    for entity in ENTITIES:
        got = rebuilt[entity["id"]]
        assert got["schema"] == entity["schema"]
        assert {k: sorted(v) for k, v in got["properties"].items()} == \
            {k: sorted(v) for k, v in entity["properties"].items()}
        proxy = model.get_proxy(got)
        assert proxy.schema.name == entity["schema"]
    sid = statement_id("p1", "Person", "name", "Vesna Kolarova", result.details and case.engine.scalar(
        "SELECT source_id FROM ingest_log"))
    assert case.engine.scalar("SELECT count(*) FROM statements WHERE statement_id = ?", [sid]) == 1
    assert ingest_entities(case, write(tmp_path)).skipped


def test_bank_accounts_owners_and_payments(case: Case, tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("bank_id,account_id,holder_entity_id,country,currency,iban\nB2,A2,le1,GB,GBP,\n")
    ingest_accounts(case, accounts)
    result = ingest_entities(case, write(tmp_path), source_kind="bank_record")
    assert case.engine.rows("SELECT account_key, holder_entity_id, account_entity_id FROM accounts ORDER BY 1") == [
        ("B1:A1", "p1", "ba1"), ("B2:A2", "le1", "ba2")]
    txns = case.engine.rows("SELECT txn_id, from_account, to_account, amount, currency, CAST(ts AS DATE), "
                            "origin_line FROM transactions ORDER BY txn_id")
    assert [(t[0], t[1], t[2], t[3], t[4], str(t[5])) for t in txns] == [
        ("pay1", "B1:A1", "B2:A2", 250.75, "USD", "2021-03-01"), ("pay2", ":c1", ":le1", 10.0, "USD", "2021-04-01")]
    assert result.details["payments"] == 2
    assert case.engine.scalar("SELECT kind FROM sources") == "bank_record" or case.count("sources") == 2


def test_payment_amount_checks_quarantine_the_value_and_keep_the_entity(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "payments.jsonl"
    base = {"schema": "Payment", "properties": {"payer": ["a"], "beneficiary": ["b"], "date": ["2021-04-01"]}}
    amounts = {"ok": ["amountUsd", "12.5"], "nan": ["amount", "NaN"], "inf": ["amount", "inf"],
               "big": ["amountEur", "1e400"], "neg": ["amount", "-3"]}
    lines = []
    for eid, (prop, value) in amounts.items():
        lines.append(json.dumps({"id": eid, **base, "properties": {**base["properties"], prop: [value]}}))
    lines.append(json.dumps({"id": "nodate", "schema": "Payment", "properties": {"payer": ["a"], "amount": ["1"]}}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ingest_entities(case, path)
    assert result.rows_stored == 6 and result.details["payments"] == 1
    assert case.engine.rows("SELECT txn_id, amount, currency FROM transactions") == [("ok", 12.5, "USD")]
    reasons = {str(r[0]): str(r[1]) for r in case.engine.rows("SELECT entity_id, reason FROM quarantined_values")}
    refused = {k for k in amounts if k != "ok"} | {"nodate"}
    assert refused <= set(reasons), reasons
    assert reasons["big"].startswith("amount is infinite") and reasons["nodate"].startswith("no date")
    assert all("kept as an entity" in reasons[k] for k in refused)
