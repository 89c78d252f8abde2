from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from followthemoney import model

from moneytrail.report.export_ftm import ACCOUNT_PREFIX, export_ftm
from moneytrail.store import Case


def _read(path: Path) -> dict[str, object]:
    proxies = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            proxy = model.get_proxy(json.loads(line))
            proxies[proxy.id] = proxy
    return proxies


def test_ftm_round_trips_statement_entities(hostile_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "case.ftm.jsonl"
    counts = export_ftm(hostile_case, out)
    proxies = _read(out)
    expected: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    schema_of = {}
    for entity_id, schema, prop, value in hostile_case.engine.rows(
            "SELECT entity_id, schema, prop, value FROM statements"):
        expected[entity_id][prop].add(value)
        schema_of[entity_id] = schema
    assert counts["entities"] == len(expected)
    for entity_id, props in expected.items():
        proxy = proxies[entity_id]
        assert proxy.schema.name == schema_of[entity_id]
        for prop, values in props.items():
            assert set(proxy.get(prop)) == values, (entity_id, prop)


def test_ftm_payments_and_accounts(sample_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "case.ftm.jsonl"
    counts = export_ftm(sample_case, out)
    proxies = _read(out)
    payments = [p for p in proxies.values() if p.schema.name == "Payment"]
    accounts = {p.id: p for p in proxies.values() if p.schema.name == "BankAccount"}
    assert counts["payments"] == len(payments) == sample_case.count("transactions")
    assert counts["accounts"] == len(accounts) == sample_case.count("accounts")
    story = next(p for p in payments if p.get("transactionNumber") == ["story-1"])
    assert story.get("amount") == ["250000"]
    assert story.get("payer") == ["ent-sponsor"] and story.get("beneficiary") == ["ent-front"]
    assert story.get("payerAccount") == [ACCOUNT_PREFIX + "BNK:0000000"]
    assert story.get("date")[0].startswith("2022-02-05")
    # Every payment names accounts that are in the export.
    assert all(p.get("payerAccount")[0] in accounts and p.get("beneficiaryAccount")[0] in accounts
               for p in payments)


def test_ftm_export_reingests_to_the_same_entities(hostile_case: Case, tmp_path: Path) -> None:
    from moneytrail.ingest import IngestError, ingest_entities

    out = tmp_path / "case.ftm.jsonl"
    export_ftm(hostile_case, out)
    fresh = Case.create(tmp_path / "fresh")
    try:
        try:
            ingest_entities(fresh, out)
        except IngestError as exc:
            if "not implemented" in str(exc):
                pytest.skip(f"ingest_entities has not landed yet: {exc}")
            raise
        original = set(hostile_case.engine.rows("SELECT DISTINCT entity_id, schema, prop, value FROM statements"))
        again = set(fresh.engine.rows("SELECT DISTINCT entity_id, schema, prop, value FROM statements "
                                      "WHERE schema NOT IN ('Payment', 'BankAccount')"))
        assert original <= again
    finally:
        fresh.close()
