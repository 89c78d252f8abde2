"""Building the generator's case for tests that need a whole, realistic case (shared by fixtures)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from moneytrail.model.stage import Stamp
from moneytrail.store import Case


def build_generated_case(root: Path, transactions: int = 5_000, seed: int = 7) -> tuple[Case, dict[str, Any]]:
    """The generator's case, ingested and resolved as the demo does (sources before the transfers
    that cite them)."""
    from moneytrail import ingest
    from moneytrail.evidence.claims import read_claims_file, store_claims
    from moneytrail.evidence.documents import load_name_index
    from moneytrail.evidence.sources_file import ingest_sources_file
    from moneytrail.generate import GenerateConfig, generate_case
    from moneytrail.resolve.pipeline import resolve_case

    out = root / "generated"
    truth = generate_case(out, GenerateConfig(transactions=transactions, seed=seed))
    case = Case.create(root / "case")
    ingest.ingest_rates(case, out / "rates.csv")
    ingest.ingest_accounts(case, out / "accounts.csv")
    for f in sorted((out / "entities").glob("*.jsonl")):
        ingest.ingest_entities(case, f)
    ingest.ingest_events(case, out / "events.csv")
    resolve_case(case)
    ingest_sources_file(case, out / "documents" / "sources.yaml")
    ingest.ingest_transactions(case, out / "transactions.csv")
    ingest.ingest_transactions(case, out / "reported_transfers.csv")
    store_claims(case, read_claims_file(out / "claims.csv", load_name_index(case)))
    return case, truth


def stamp_of(scope: str, stage: str = "evidence") -> Stamp:
    """A stage stamp for findings written by a test: each scope is its own result."""
    return Stamp(stage, 0, {}, scope=scope)
