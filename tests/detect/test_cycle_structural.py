"""Structural cycle: rings in any time order and any amounts, scored against a chance null model."""

from __future__ import annotations

import pytest

from moneytrail.detect.cycle import CycleDetector
from moneytrail.detect.cycle_structural import StructuralCycle
from tests.detect.graphs import case_with, detect_alone

# A ring A -> B -> C -> A whose hops run backwards in time and whose amounts do not carry on (0.6, 2.5),
# plus a chain D -> E -> F that does not close.
RING = [("r1", 50, "b:A", "b:B", 100.0), ("r2", 20, "b:B", "b:C", 60.0), ("r3", 0, "b:C", "b:A", 150.0),
        ("n1", 1, "b:D", "b:E", 500.0), ("n2", 2, "b:E", "b:F", 80.0)]


def test_a_ring_out_of_time_order_with_unequal_amounts_is_found_where_cycle_finds_nothing() -> None:
    case = case_with(RING)
    assert detect_alone(CycleDetector(), case) == []
    findings = detect_alone(StructuralCycle(), case)
    assert len(findings) == 1
    f = findings[0]
    assert sorted(r.ref_id for r in f.refs if r.kind == "transaction") == ["r1", "r2", "r3"]
    assert {r.ref_id for r in f.refs if r.kind == "account"} == {"b:A", "b:B", "b:C"}
    # Null by hand: small ties A>B, B>C, C>A, D>E, E>F; sum(k_out * k_in) = 1+1+1+0+1+0 = 4 over 5 ties:
    # q = 0.8; every tie lies within the window (pt = 1), so chance gives 0.8**3 / 3 = 0.17067 rings of 3 hops.
    expected = 0.8 ** 3 / 3
    assert f.details["metrics"]["chance_rings_this_long"] == pytest.approx(expected)
    assert f.score == pytest.approx(0.5 * (1 - expected), abs=1e-6)
    assert f.details["metrics"]["variant"] == "structural" and f.details["metrics"]["variant_of"] == "cycle"
    assert "Weaker than a cycle" in f.explanation


def test_a_ring_through_a_hub_with_too_many_counterparties_is_not_a_ring() -> None:
    hub_traffic = [(f"h{i}", 3, "b:B", f"b:X{i}", 10.0) for i in range(5)]
    case = case_with(RING + hub_traffic)
    assert detect_alone(StructuralCycle(), case, max_counterparties=5) == []
    assert len(detect_alone(StructuralCycle(), case, max_counterparties=10)) == 1


def test_ties_further_apart_than_the_window_do_not_close_a_ring() -> None:
    # The ties are active on days 0, 40 and 80: a ring only for a window of 80 days or more.
    far = [("r1", 0, "b:A", "b:B", 100.0), ("r2", 24 * 40, "b:B", "b:C", 60.0), ("r3", 24 * 80, "b:C", "b:A", 150.0)]
    assert detect_alone(StructuralCycle(), case_with(far), window_days=10) == []
    assert len(detect_alone(StructuralCycle(), case_with(far), window_days=85)) == 1


def test_a_length_chance_explains_is_dropped() -> None:
    # min_excess 10: one 3-ring against 0.17 expected (5.9x) is within what chance gives at that bar.
    assert detect_alone(StructuralCycle(), case_with(RING), min_excess=10.0) == []
