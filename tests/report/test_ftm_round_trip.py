"""FtM fidelity on real files (tests/data/real/README.md): the OpenSanctions zala cluster (one invalid
phone value on the central company) and nomenklatura's donations (Payments with only ``amountEur``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.statement import read_statements

from moneytrail.ingest import ingest_entities
from moneytrail.report.export_ftm import PAYMENT_PREFIX, export_ftm
from moneytrail.report.ftm_entities import write_statements_export
from moneytrail.store import Case

REAL = Path(__file__).parents[1] / "data" / "real"
ZALA = REAL / "opensanctions_zala_yente.ftm.json"
COMPANY = "NK-abdzbEBkqyT29GyREbiURZ"
META = ("caption", "datasets", "referents", "first_seen", "last_seen", "last_change", "target")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_invalid_value_is_quarantined_alone_and_the_entity_kept(case: Case) -> None:
    result = ingest_entities(case, ZALA, source_kind="sanctions_list")
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (91, 91, 0)
    bad = case.engine.rows("SELECT entity_id, prop, value, reason FROM quarantined_values")
    assert bad == [(COMPANY, "phone", "+7 (3412) 43-05-05; +7 (951) 210-81-28; +7 (912) 769-33-11",
                    "not a valid phone")]
    # The company stays, with its other values, and the 28 Sanctions still point at it.
    assert case.engine.scalar("SELECT count(*) FROM statements WHERE entity_id = ? AND prop = 'name'", [COMPANY]) >= 1
    assert case.engine.scalar("SELECT count(DISTINCT entity_id) FROM statements WHERE schema = 'Sanction' "
                              "AND prop = 'entity' AND value = ?", [COMPANY]) == 28


def test_export_round_trips_every_entity_value_and_metadata(case: Case, tmp_path: Path) -> None:
    ingest_entities(case, ZALA, source_kind="sanctions_list")
    out = tmp_path / "out.ftm.json"
    export_ftm(case, out)
    exported = read_jsonl(out)
    ids = [e["id"] for e in exported]
    assert len(ids) == len(set(ids)), "an entity was exported twice"
    source = {e["id"]: e for e in read_jsonl(ZALA)}
    assert set(ids) == set(source), "entities invented or lost"
    for data in exported:
        proxy = model.get_proxy(data)  # followthemoney loads every exported entity
        original = source[proxy.id or ""]
        assert proxy.schema.name == original["schema"]
        for prop, values in original["properties"].items():
            for value in values:
                if (proxy.id, prop) == (COMPANY, "phone"):
                    continue  # the one invalid value: quarantined, not exported
                assert value in data["properties"].get(prop, []), (proxy.id, prop, value)
        for key in META:
            assert data.get(key) == original.get(key), (proxy.id, key)


def test_payments_with_only_amount_eur_are_transactions_and_exported_once(case: Case, tmp_path: Path) -> None:
    result = ingest_entities(case, REAL / "nomenklatura_donations.ijson")
    assert result.rows_stored == 474 and result.details["payments"] == 290
    first = case.engine.rows("SELECT amount, currency, CAST(ts AS DATE)::VARCHAR, from_account, to_account "
                             "FROM transactions WHERE txn_id = '2216b422a31242fe204654ce194864661f515921'")
    assert first == [(100000.0, "EUR", "2011-12-29", ":f9c295f21b233ac878fbac4d271bb6fd13d7952a",
                      ":6d03aec76fdeec8f9697d8b19954ab6fc2568bc8")]
    out = tmp_path / "donations.ftm.json"
    export_ftm(case, out)
    exported = read_jsonl(out)
    assert len(exported) == 474 and len({e["id"] for e in exported}) == 474
    assert sum(e["schema"] == "Payment" for e in exported) == 290
    assert not [e for e in exported if e["id"].startswith(PAYMENT_PREFIX) or e["schema"] == "BankAccount"]


def test_resolved_cluster_exports_as_canonical_entity_with_referents(case: Case, tmp_path: Path) -> None:
    ingest_entities(case, ZALA, source_kind="sanctions_list")
    addresses = [str(r[0]) for r in case.engine.rows(
        "SELECT DISTINCT entity_id FROM statements WHERE schema = 'Address' ORDER BY 1 LIMIT 2")]
    case.engine.execute("INSERT INTO entity_canonical VALUES (?, 'NK-merged-address'), (?, 'NK-merged-address')",
                        addresses)
    out = tmp_path / "merged.ftm.json"
    export_ftm(case, out)
    exported = {e["id"]: e for e in read_jsonl(out)}
    merged = exported["NK-merged-address"]
    assert set(addresses) <= set(merged["referents"])
    assert not set(addresses) & set(exported)
    originals = {e["id"]: e for e in read_jsonl(ZALA)}
    for member in addresses:
        assert set(originals[member]["referents"]) <= set(merged["referents"])
        # whoever pointed at a member now points at the canonical entity
        for e in exported.values():
            for prop, values in e["properties"].items():
                assert member not in values, (e["id"], prop)


def test_statements_format_reads_back_with_followthemoney(case: Case, tmp_path: Path) -> None:
    ingest_entities(case, ZALA, source_kind="sanctions_list")
    out = tmp_path / "statements.json"
    written = write_statements_export(case, out, "json")
    with out.open("rb") as fh:
        back = list(read_statements(fh, "json"))
    assert len(back) == written > 0
    company = [s for s in back if s.entity_id == COMPANY and s.prop == "name"]
    assert company and {s.dataset for s in company} >= {"us_ofac_sdn"}
