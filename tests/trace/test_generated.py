"""On a generated case the trace from the sponsor finds the cells, the planted share, the front,
the brokers and the country route."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from moneytrail.evidence.sources_file import ingest_sources_file
from moneytrail.generate import GenerateConfig, generate_case
from moneytrail.ingest import ingest_accounts, ingest_entities, ingest_rates, ingest_transactions
from moneytrail.store import Case
from moneytrail.store.findings import list_findings
from moneytrail.trace import Method, TraceParams, trace


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("trace_generated")
    truth = generate_case(root / "gen", GenerateConfig(transactions=20_000, seed=11))
    out = root / "gen"
    with Case.create(root / "case") as case:
        ingest_rates(case, out / "rates.csv")
        ingest_accounts(case, out / "accounts.csv")
        ingest_sources_file(case, out / "documents" / "sources.yaml")
        ingest_transactions(case, out / "transactions.csv", preset="native")
        ingest_transactions(case, out / "reported_transfers.csv", preset="native")
        ingest_entities(case, out / "entities" / "bank_kyc.jsonl")
    return root / "case", truth


@pytest.mark.parametrize("method", [Method.FIFO, Method.PROPORTIONAL])
def test_sponsor_trace_finds_cells_share_front_brokers_and_route(
        generated: tuple[Path, dict[str, Any]], method: Method) -> None:
    path, truth = generated
    net = truth["network"]
    with Case.open(path) as case:
        r = trace(case, TraceParams(source=tuple(net["sponsor"]["accounts"]), method=method, max_hops=8,
                                    max_gap=timedelta(days=30)))
        stored = [f for f in list_findings(case, kind="trace") if f["finding_id"] == r.finding_id]
    cells = {a for c in net["cells"] for a in c["accounts"]}
    reached = {s.account: s.amount for s in r.sinks}
    assert cells <= set(reached), "every cell account receives sponsor money"
    share = sum(reached[a] for a in cells) / r.source_outflow
    assert share == pytest.approx(net["share_to_cells"], abs=0.01)
    middle = {a for a in net["front"]["accounts"]} | {a for b in net["brokers"] for a in b["accounts"]}
    top = {i.account for i in r.intermediaries[:len(middle)]}
    assert middle <= top, "the front and every broker carry the money"
    assert [c.lower() for c in r.routes[0]["countries"]] == net["country_route"]
    biggest = r.flows[0]
    path_accounts = [biggest.hops[0].from_account] + [h.to_account for h in biggest.hops]
    assert path_accounts[1] in net["front"]["accounts"] and path_accounts[-1] in cells
    details = json.loads(stored[0]["details"])
    assert details["routes"][0]["countries"] == r.routes[0]["countries"]
    assert {"source", "target", "amount", "source_label", "target_label"} <= set(details["sankey"][0])
