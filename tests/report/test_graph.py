from __future__ import annotations

from moneytrail.report.graph import build_graph, entity_labels, layout_positions
from moneytrail.store import Case


def test_graph_of_chosen_accounts(sample_case: Case) -> None:
    g = build_graph(sample_case, ["BNK:0000000", "BNK:0000001"])
    ids = {n["id"] for n in g["nodes"]}
    assert ids == {"a:BNK:0000000", "a:BNK:0000001", "e:ent-sponsor", "e:ent-front"}
    paid = [e for e in g["edges"] if e["kind"] == "paid"]
    expected = sample_case.engine.rows(
        "SELECT from_account, to_account, count(*), round(sum(amount_rc), 2) FROM transactions "
        "WHERE from_account IN ('BNK:0000000', 'BNK:0000001') AND to_account IN ('BNK:0000000', 'BNK:0000001') "
        "GROUP BY 1, 2 ORDER BY 1, 2")
    assert sorted((e["source"][2:], e["target"][2:], e["count"], e["amount"]) for e in paid) == \
        [tuple(r) for r in expected]
    assert sum(e["kind"] == "holds" for e in g["edges"]) == 2
    sponsor = next(n for n in g["nodes"] if n["id"] == "e:ent-sponsor")
    assert sponsor["flagged"] and sponsor["findings"][0]["title"].startswith("Money from Valdoria")


def test_edges_are_capped_heaviest_first(sample_case: Case) -> None:
    everything = [r[0] for r in sample_case.engine.rows("SELECT account_key FROM accounts")]
    g = build_graph(sample_case, everything, max_edges=3)
    paid = [e["amount"] for e in g["edges"] if e["kind"] == "paid"]
    assert len(paid) == 3 and g["edges_capped"]
    heaviest = sample_case.engine.scalar("SELECT max(total) FROM (SELECT round(sum(amount_rc), 2) AS total "
                                         "FROM transactions GROUP BY from_account, to_account) x")
    assert paid[0] == heaviest and paid == sorted(paid, reverse=True)


def test_layout_is_deterministic_and_covers_every_node() -> None:
    nodes = [{"id": f"n{i}"} for i in range(6)]
    edges = [{"source": f"n{i}", "target": f"n{i + 1}"} for i in range(5)]
    first = layout_positions(nodes, edges)
    assert first == layout_positions(nodes, edges)
    assert set(first) == {f"n{i}" for i in range(6)}
    assert layout_positions([], []) == {}


def test_entity_labels(sample_case: Case) -> None:
    assert entity_labels(sample_case, ["ent-broker-2", "nobody"]) == {"ent-broker-2": "Orin Brask"}
    assert entity_labels(sample_case, []) == {}
