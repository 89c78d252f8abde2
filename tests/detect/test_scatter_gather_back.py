"""Money paid out and back within days: scatter-gather back to the source, gather-scatter back from a hub."""

from __future__ import annotations

from moneytrail.detect.run import run_detectors
from moneytrail.detect.scatter_gather import ScatterGather
from moneytrail.detect.scatter_gather_back import GatherScatterBack, ScatterGatherBack
from moneytrail.store import Case
from tests.detect.graphs import Insert, Row, background, case_with, detect_alone


def _back(source: str, mids: list[str], after: float, ratio: float = 0.93) -> list[Row]:
    """``source`` pays each of ``mids``, which pays it back ``after`` hours later (``ratio`` times)."""
    rows: list[Row] = []
    for i, m in enumerate(mids):
        rows.append((f"{source}-out-{m}", 10 + 5 * i, source, m, 4000.0 + 100 * i))
        rows.append((f"{source}-back-{m}", 10 + 5 * i + after, m, source, (4000.0 + 100 * i) * ratio))
    return rows


def test_a_source_paid_back_by_three_intermediaries_is_found_where_scatter_gather_is_not() -> None:
    case = case_with(_back("b:A", ["b:M1", "b:M2", "b:M3"], after=50))
    assert detect_alone(ScatterGather(), case) == []
    found = detect_alone(ScatterGatherBack(), case)
    assert len(found) == 1
    f = found[0]
    assert len([r for r in f.refs if r.kind == "transaction"]) == 6
    assert {r.ref_id for r in f.refs if r.role == "intermediary"} == {"b:M1", "b:M2", "b:M3"}
    assert ScatterGatherBack.weaker_variant  # run_detectors has its findings cite the method (test_variants)
    assert f.details["metrics"]["variant_of"] == "scatter-gather" and f.details["metrics"]["paths"] == 3
    # Fewer than 5 sources paid back: the usual count is chance's single path, MAD 0, so the score is
    # weight * score_sql(robust z of 3 against 1 with the MAD floor), below the strict rule's full weight.
    assert 0 < f.score < 0.5
    assert "back to it" in f.explanation and "Weaker than a scatter-gather" in f.explanation


def test_paid_back_too_late_or_at_another_amount_is_not_found() -> None:
    assert detect_alone(ScatterGatherBack(), case_with(_back("b:A", ["b:M1", "b:M2"], after=24 * 9))) == []
    assert detect_alone(ScatterGatherBack(), case_with(_back("b:A", ["b:M1", "b:M2"], after=50, ratio=0.2))) == []


def test_one_intermediary_paying_back_within_days_is_enough() -> None:
    # AMLworld's smallest SCATTER-GATHER attempts: A -> M -> A, paid back 0.93x two days later.
    found = detect_alone(ScatterGatherBack(), case_with(_back("b:A", ["b:M1"], after=50)))
    assert len(found) == 1
    assert sorted(r.ref_id for r in found[0].refs if r.kind == "transaction") == ["b:A-back-b:M1", "b:A-out-b:M1"]
    assert found[0].title == "Scatter-gather back to b:A through 1 intermediary (structural)"
    assert found[0].details["metrics"]["paths"] == 1
    assert detect_alone(ScatterGatherBack(), case_with(_back("b:A", ["b:M1"], after=50)), min_intermediaries=2) == []


def test_a_hub_paying_back_two_of_its_payers_is_a_gather_scatter_back() -> None:
    # S1 and S2 each pay H, and H pays each back: the same paths seen from H.
    rows = _back("b:S1", ["b:H"], after=40) + [(f"x{i}", 3 + i, "b:S2", "b:H", 900.0) for i in range(1)] \
        + [("y0", 60, "b:H", "b:S2", 880.0)]
    case = case_with(rows)
    found = detect_alone(GatherScatterBack(), case)
    assert len(found) == 1
    f = found[0]
    assert sorted(r.ref_id for r in f.refs if r.kind == "transaction") == sorted(
        ["b:S1-out-b:H", "b:S1-back-b:H", "x0", "y0"])
    assert {r.ref_id for r in f.refs if r.role == "hub"} == {"b:H"}
    assert f.details["metrics"]["counterparties"] == 2 and f.details["metrics"]["variant_of"] == "gather-scatter"
    assert detect_alone(GatherScatterBack(), case, min_counterparties=3) == []


def test_strict_scatter_gather_findings_are_unchanged_by_the_variant(case: Case, insert: Insert) -> None:
    # Both run together: the strict rule still never cites a path back to its source.
    insert(background() + _back("b:A", ["b:M1", "b:M2", "b:M3"], after=50))
    found = run_detectors(case, ["scatter-gather", "scatter-gather-structural"])
    strict = [f for f in found if f.typology == "scatter-gather"]
    assert all("b:A-back-b:M1" not in {r.ref_id for r in f.refs} for f in strict)
    assert [f for f in found if f.typology == "scatter-gather-structural" and "b:A" in f.title]


def test_a_busy_source_paid_back_is_everyday_business() -> None:
    # A also pays 10 shops: 16 transfers, above a bar of 10 (a cash desk or a lender is paid back by dozens).
    rows = _back("b:A", ["b:M1", "b:M2", "b:M3"], after=50) + [(f"shop{i}", 2 + i, "b:A", f"b:shop{i}", 30.0)
                                                                 for i in range(10)]
    assert detect_alone(ScatterGatherBack(), case_with(rows), max_source_degree=10) == []
    assert len(detect_alone(ScatterGatherBack(), case_with(rows), max_source_degree=16)) == 1


def test_gather_scatter_back_allows_unrelated_amounts_over_twelve_days() -> None:
    # Paid back 8 days later at 5 times the amount: a gather-scatter back (12 days, 0.1-10x), not a
    # scatter-gather back (6 days, 0.5-1.5x); 14 days later is too late for both.
    rows = _back("b:S1", ["b:H"], after=24 * 8, ratio=5.0) + _back("b:S2", ["b:H"], after=24 * 8, ratio=0.2)
    assert len(detect_alone(GatherScatterBack(), case_with(rows))) == 1
    assert detect_alone(ScatterGatherBack(), case_with(rows)) == []
    late = _back("b:S1", ["b:H"], after=24 * 14) + _back("b:S2", ["b:H"], after=24 * 14)
    assert detect_alone(GatherScatterBack(), case_with(late)) == []
