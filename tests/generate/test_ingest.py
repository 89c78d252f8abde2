"""A generated case goes through the foundation's ingest with zero quarantined rows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from moneytrail.detect.truth import load_truth, truth_tables
from moneytrail.evidence.claims import read_claims_file, store_claims
from moneytrail.evidence.sources_file import ingest_sources_file
from moneytrail.generate import GenerateConfig, generate_case
from moneytrail.ingest import ingest_accounts, ingest_entities, ingest_events, ingest_rates, ingest_transactions
from moneytrail.store import Case
from moneytrail.trace import Method, TraceParams, trace


def test_generated_case_ingests_cleanly(tmp_path: Path, case: Case) -> None:
    out = tmp_path / "gen"
    truth = generate_case(out, GenerateConfig(transactions=3_000, seed=5, typology_counts={"cycle": 2, "stack": 1}))
    results = [ingest_rates(case, out / "rates.csv"), ingest_accounts(case, out / "accounts.csv"),
               ingest_transactions(case, out / "transactions.csv", preset="native"),
               ingest_transactions(case, out / "reported_transfers.csv", preset="native"),
               ingest_events(case, out / "events.csv")]
    results += [ingest_entities(case, out / "entities" / f"{name}.jsonl")
                for name in ("registry", "bank_kyc", "sanctions")]
    for r in results:
        assert r.rows_read > 0 and r.rows_quarantined == 0, r.to_dict()
    assert case.engine.scalar("SELECT count(*) FROM quarantine") == 0
    assert case.engine.scalar("SELECT count(*) FROM transactions WHERE amount_rc IS NULL") == 0
    sources = ingest_sources_file(case, out / "documents" / "sources.yaml")
    assert sources.sources == 6 and sources.citations == 2 and not sources.placeholders
    assert store_claims(case, read_claims_file(out / "claims.csv")) > 0
    planted = {t for a in truth["typologies"] for t in a["txn_ids"]}
    stored = {str(r[0]) for r in case.engine.rows("SELECT txn_id FROM transactions")}
    assert planted <= stored
    # The planted share is what a time-respecting trace finds, whichever taint rule it uses.
    net = truth["network"]
    cells = tuple(c["accounts"][0] for c in net["cells"])
    for method in (Method.FIFO, Method.PROPORTIONAL):
        result = trace(case, TraceParams(source=tuple(net["sponsor"]["accounts"]), target=cells, method=method,
                                         max_gap=timedelta(days=30)))
        assert result.arrived / result.source_outflow == pytest.approx(net["share_to_cells"], rel=0.01)
        assert result.routes[0]["countries"] == net["country_route"]


def test_amlworld_mix_ingests_cleanly(tmp_path: Path, case: Case) -> None:
    patterns = tmp_path / "Tiny_Patterns.txt"
    patterns.write_text("BEGIN LAUNDERING ATTEMPT - FAN-OUT:  Max 2-degree Fan-Out\n"
                        "2022/09/02 10:00,0012,80000A010,034,80000B020,900.00,Euro,900.00,Euro,ACH,1\n"
                        "2022/09/02 11:00,0012,80000A010,0056,80000C030,700.00,Euro,700.00,Euro,ACH,1\n"
                        "END LAUNDERING ATTEMPT - FAN-OUT\n", encoding="utf-8")
    out = tmp_path / "mix"
    truth = generate_case(out, GenerateConfig(transactions=2_000, fmt="amlworld", mix_patterns=(patterns,)))
    results = [ingest_rates(case, out / "rates.csv"), ingest_accounts(case, out / "accounts.csv"),
               ingest_transactions(case, out / "transactions.csv", preset="amlworld")]
    for r in results:
        assert r.rows_read > 0 and r.rows_quarantined == 0, r.to_dict()
    assert case.engine.scalar("SELECT count(*) FROM transactions WHERE label = 1") == 2
    labelled = {str(r[0]) for r in case.engine.rows("SELECT txn_id FROM transactions WHERE label = 1")}
    assert labelled == set(truth["typologies"][0]["txn_ids"]), "truth ids are the ids the ingest gives"
    with case.engine.run():
        info = load_truth(case, out / "truth.json")  # the evaluation's reader finds every planted row
        assert info["attempts"] == 1
        txn = truth_tables(case).txn
        assert case.engine.scalar(f"SELECT count(*) FROM {txn} t JOIN transactions x ON x.txn_id = t.txn_id") == 2
