from __future__ import annotations

from datetime import timedelta

from moneytrail.detect.cycle import CycleDetector
from moneytrail.model.finding import Finding
from moneytrail.store import Case
from tests.detect.graphs import T0, case_with, detect_alone


def run(case: Case, **overrides: object) -> list[Finding]:
    return detect_alone(CycleDetector(), case, **overrides)


def test_finds_time_ordered_cycle_with_all_hops() -> None:
    case = case_with([("c1", 0, "b:A", "b:B", 10_000), ("c2", 5, "b:B", "b:C", 9_800),
                      ("c3", 30, "b:C", "b:D", 9_700), ("c4", 40, "b:D", "b:A", 9_650),
                      ("n1", 1, "b:X", "b:Y", 500), ("n2", 2, "b:Y", "b:Z", 12_000)], origin_file="t.csv")
    findings = run(case)
    assert len(findings) == 1
    f = findings[0]
    txns = [r.ref_id for r in f.refs if r.kind == "transaction"]
    assert txns == ["c1", "c2", "c3", "c4"]
    assert {r.ref_id for r in f.refs if r.kind == "account"} == {"b:A", "b:B", "b:C", "b:D"}
    assert any(r.kind == "source" and r.ref_id == "src:test" for r in f.refs)
    assert f.typology == "cycle" and "came back" in f.explanation
    assert f.start == T0 and f.end == T0 + timedelta(hours=40)
    assert f.details["hops"][0]["origin_line"] == 2


def test_hops_out_of_time_order_do_not_fire() -> None:
    # c3 happens before c2: money cannot have travelled this way.
    case = case_with([("c1", 0, "b:A", "b:B", 10_000), ("c2", 20, "b:B", "b:C", 9_800),
                      ("c3", 10, "b:C", "b:D", 9_700), ("c4", 40, "b:D", "b:A", 9_650)])
    assert run(case) == []


def test_amounts_that_do_not_carry_through_do_not_fire() -> None:
    case = case_with([("c1", 0, "b:A", "b:B", 10_000), ("c2", 5, "b:B", "b:C", 2_000),
                      ("c3", 30, "b:C", "b:D", 1_950), ("c4", 40, "b:D", "b:A", 1_900)])
    assert run(case) == []


def test_gap_longer_than_allowed_does_not_fire() -> None:
    case = case_with([("c1", 0, "b:A", "b:B", 10_000), ("c2", 200, "b:B", "b:A", 9_900)])
    assert run(case) == []
    assert len(run(case, max_gap_hours=240.0)) == 1


def test_two_hop_cycle_and_min_hops() -> None:
    case = case_with([("c1", 0, "b:A", "b:B", 10_000), ("c2", 3, "b:B", "b:A", 9_900)])
    assert len(run(case)) == 1
    assert run(case, min_hops=3) == []
