from __future__ import annotations

from moneytrail.detect.round_trip import RoundTripDetector
from moneytrail.model.finding import Finding
from moneytrail.store import Case
from tests.detect.graphs import case_with, detect_alone


def run(case: Case, **overrides: object) -> list[Finding]:
    return detect_alone(RoundTripDetector(), case, **overrides)


def test_round_trip_across_banks_over_days() -> None:
    case = case_with([("r1", 0, "bank1:A", "bank2:B", 100_000), ("r2", 100, "bank2:B", "bank3:C", 90_000),
                      ("r3", 250, "bank3:C", "bank1:A", 85_000)])
    assert run(case, max_gap_hours=120.0) == []  # the last hop is 150 h after the previous one
    findings = run(case, max_gap_hours=168.0)
    assert len(findings) == 1
    f = findings[0]
    assert [r.ref_id for r in f.refs if r.kind == "transaction"] == ["r1", "r2", "r3"]
    assert f.details["banks"] == ["bank1", "bank2", "bank3"]
    assert "85%" in f.explanation


def test_one_intermediary_or_one_bank_or_lost_money_does_not_fire() -> None:
    case = case_with([("r1", 0, "bank1:A", "bank2:B", 100_000), ("r2", 10, "bank2:B", "bank1:A", 98_000)])
    assert run(case) == []  # only one intermediary
    case = case_with([("r1", 0, "bank1:A", "bank1:B", 100_000), ("r2", 10, "bank1:B", "bank1:C", 98_000),
                      ("r3", 20, "bank1:C", "bank1:A", 97_000)])
    assert run(case) == []  # all at one bank
    assert len(run(case, min_banks=1)) == 1
    case = case_with([("r1", 0, "bank1:A", "bank2:B", 100_000), ("r2", 10, "bank2:B", "bank3:C", 75_000),
                      ("r3", 20, "bank3:C", "bank1:A", 55_000)])
    assert run(case) == []  # only 55% came back


def test_hop_before_the_previous_one_does_not_fire() -> None:
    case = case_with([("r1", 50, "bank1:A", "bank2:B", 100_000), ("r2", 10, "bank2:B", "bank3:C", 95_000),
                      ("r3", 80, "bank3:C", "bank1:A", 94_000)])
    assert run(case) == []
