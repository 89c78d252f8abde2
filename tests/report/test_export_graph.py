from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from moneytrail.report.export_graph import export_graph
from moneytrail.store import Case


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_graph_exports_load_in_networkx_with_expected_counts(sample_case: Case, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"case.{fmt}"
    counts = export_graph(sample_case, out, fmt)
    g = nx.read_gexf(out) if fmt == "gexf" else nx.read_graphml(out)
    e = sample_case.engine
    accounts = sample_case.count("accounts")
    holders = e.scalar("SELECT count(DISTINCT holder_entity_id) FROM accounts")
    pairs = e.scalar("SELECT count(*) FROM (SELECT DISTINCT from_account, to_account FROM transactions) x")
    assert g.number_of_nodes() == counts["nodes"] == accounts + holders
    assert g.number_of_edges() == counts["edges"] == pairs + accounts  # payments + holdings
    edge = g.edges["account:BNK:0000000", "account:BNK:0000001"]
    assert float(edge["amount"]) == e.scalar(
        "SELECT sum(amount_rc) FROM transactions WHERE from_account = 'BNK:0000000' AND to_account = 'BNK:0000001'")
    assert g.nodes["entity:ent-broker-2"]["label"] == "Orin Brask"


def test_unknown_graph_format_is_refused(sample_case: Case, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="dot"):
        export_graph(sample_case, tmp_path / "x.dot", "dot")
