from __future__ import annotations

from moneytrail.detect.pass_through import PassThroughDetector
from moneytrail.model.finding import Finding
from moneytrail.store import Case
from tests.detect.graphs import case_with, detect_alone, insert_rows


def run(case: Case, **overrides: object) -> list[Finding]:
    return detect_alone(PassThroughDetector(), case, **overrides)


def test_rapid_pass_through_fires_with_all_transfers() -> None:
    case = case_with([("i1", 0, "b:S1", "b:M", 5_000), ("o1", 2, "b:M", "b:D1", 4_900),
                      ("i2", 30, "b:S2", "b:M", 7_000), ("o2", 33, "b:M", "b:D2", 6_950),
                      ("x1", 50, "b:S3", "b:Q", 100)])
    findings = run(case)
    assert len(findings) == 1
    f = findings[0]
    assert {r.ref_id for r in f.refs if r.kind == "transaction"} == {"i1", "o1", "i2", "o2"}
    assert ("b:M", "hub") in {(r.ref_id, r.role) for r in f.refs if r.kind == "account"}
    assert f.amount == 12_000 and "100%" in f.explanation
    assert f.details["mean_hours"] == 2.5


def test_a_days_gap_does_not_fire() -> None:
    case = case_with([("i1", 0, "b:S1", "b:M", 5_000), ("o1", 26, "b:M", "b:D1", 4_900),
                      ("i2", 30, "b:S2", "b:M", 7_000), ("o2", 55, "b:M", "b:D2", 6_950)])
    assert run(case) == []


def test_amount_not_carried_or_small_share_does_not_fire() -> None:
    case = case_with([("i1", 0, "b:S1", "b:M", 5_000), ("o1", 2, "b:M", "b:D1", 1_000),
                      ("i2", 30, "b:S2", "b:M", 7_000), ("o2", 33, "b:M", "b:D2", 6_950)])
    assert run(case) == []  # one pair only
    insert_rows(case, [("i3", 40, "b:S3", "b:M", 50_000)])
    assert run(case, min_pairs=1) == []  # 7,000 of 62,000 received passed through
    assert len(run(case, min_pairs=1, min_share=0.1)) == 1
