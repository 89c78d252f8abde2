"""Routes, Sankey edges and confidence read off the units of taint."""

from __future__ import annotations

from datetime import datetime, timedelta

from moneytrail.model.admiralty import Grade
from moneytrail.trace.flows import AccountInfo, Events, routes, sankey
from moneytrail.trace.result import Flow, Hop

T = datetime(2024, 5, 1)


def _hop(txn: str, hours: int, a: str, b: str, grade: str) -> Hop:
    return Hop(txn, "src", 2, T + timedelta(hours=hours), a, b, 10.0, 10.0, Grade.parse(grade))


def test_flow_confidence_is_its_weakest_hop_and_routes_aggregate() -> None:
    strong = Flow((_hop("t1", 1, "a", "b", "B2"), _hop("t2", 5, "b", "c", "B2")), 6.0, ("AE", "TR"))
    weak = Flow((_hop("t1", 1, "a", "b", "B2"), _hop("t3", 9, "b", "d", "D4")), 4.0, ("AE", "TR"))
    other = Flow((_hop("t4", 2, "a", "e", "A1"),), 1.0, ("AE",))
    assert str(strong.confidence) == "B2" and str(weak.confidence) == "D4"
    assert weak.seconds_to_arrive == 8 * 3600
    assert routes([strong, weak, other]) == [{"countries": ["AE", "TR"], "amount": 10.0, "flows": 2},
                                             {"countries": ["AE"], "amount": 1.0, "flows": 1}]


def test_sankey_joins_accounts_of_one_holder_and_drops_loops() -> None:
    g = Grade.parse("B2")
    ev = Events(txn_id=["t1", "t2", "t3"], source_id=["s"] * 3, origin_line=[2, 3, 4], ts=[T] * 3,
                src=["k:a1", "k:a2", "k:b"], dst=["k:b", "k:b", "k:b2"], amount=[5.0, 7.0, 9.0], grade=[g] * 3,
                backward=False)
    info = {"k:a1": AccountInfo("ent-a", "Orvik Trading", "CY"), "k:a2": AccountInfo("ent-a", "Orvik Trading", "CY"),
            "k:b": AccountInfo("ent-b", "Selm Holdings", "AE"), "k:b2": AccountInfo("ent-b", "Selm Holdings", "AE")}
    edges = sankey(ev, [5.0, 7.0, 9.0], info)
    # Both of ent-a's accounts pay ent-b: one edge of 12; ent-b paying itself is not drawn.
    assert edges == [{"source": "ent-a", "target": "ent-b", "amount": 12.0, "source_label": "Orvik Trading",
                      "target_label": "Selm Holdings"}]
    backward = Events(**{**ev.__dict__, "backward": True})
    assert sankey(backward, [5.0, 7.0, 9.0], info)[0]["source"] == "ent-b"  # money direction restored
