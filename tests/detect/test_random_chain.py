from __future__ import annotations

from collections.abc import Callable

from moneytrail.detect.random_chain import RandomChainDetector, hops_needed
from moneytrail.model.finding import Finding
from moneytrail.store import Case
from tests.detect.graphs import Row, case_with, detect_alone, insert_rows


def run(case: Case, **overrides: object) -> list[Finding]:
    return detect_alone(RandomChainDetector(), case, **overrides)


CHAIN: list[Row] = [("h1", 0, "b:A", "b:B", 20_000), ("h2", 6, "b:B", "b:C", 19_500),
                    ("h3", 30, "b:C", "b:D", 19_000), ("h4", 31, "b:D", "b:E", 18_800)]


def test_whole_chain_once_not_its_tails() -> None:
    findings = run(case_with(CHAIN))
    assert len(findings) == 1  # the 3-hop tail h2-h4 is not reported separately
    f = findings[0]
    assert [r.ref_id for r in f.refs if r.kind == "transaction"] == ["h1", "h2", "h3", "h4"]
    roles = {r.ref_id: r.role for r in f.refs if r.kind == "account"}
    assert roles == {"b:A": "origin", "b:B": "intermediary", "b:C": "intermediary", "b:D": "intermediary",
                     "b:E": "end"}
    assert f.details["hop_count"] == 4


def test_out_of_order_hop_breaks_the_chain() -> None:
    case = case_with([("h1", 0, "b:A", "b:B", 20_000), ("h2", 40, "b:B", "b:C", 19_500),
                      ("h3", 30, "b:C", "b:D", 19_000), ("h4", 50, "b:D", "b:E", 18_800)])
    assert run(case) == []


def test_a_chain_that_returns_is_not_random() -> None:
    case = case_with([("h1", 0, "b:A", "b:B", 20_000), ("h2", 6, "b:B", "b:C", 19_500),
                      ("h3", 30, "b:C", "b:A", 19_000)])
    assert run(case) == []


def test_shrinking_amounts_do_not_fire() -> None:
    case = case_with([("h1", 0, "b:A", "b:B", 20_000), ("h2", 6, "b:B", "b:C", 9_000),
                      ("h3", 30, "b:C", "b:D", 4_000)])
    assert run(case) == []


def test_cached_search_is_shared_and_refreshed_when_rows_change() -> None:
    from moneytrail.detect.cycle import CycleDetector

    case = case_with(CHAIN[:2])
    assert detect_alone(CycleDetector(), case) == []
    assert run(case) == []  # two hops: below min_hops, from the search the cycle detector cached
    insert_rows(case, CHAIN[2:])
    assert len(run(case)) == 1  # new rows change the fingerprint, so the search runs again


def test_hops_needed_from_the_chance_of_carrying_an_amount_by_accident() -> None:
    # 0.1 ** 2 = 0.01: 3 hops; 0.25 ** 3 = 0.0156 > 0.01, 0.25 ** 4 = 0.0039: 5 hops; no measure: min_hops.
    assert hops_needed(0.1, 0.01, 3) == 3
    assert hops_needed(0.25, 0.01, 3) == 5
    assert hops_needed(0.0, 0.01, 3) == 3
    assert hops_needed(1.0, 0.01, 3) > 1000


def _background(amount_of: Callable[[int], float]) -> list[Row]:
    # 1,200 transfers among 600 pairs of otherwise unrelated accounts, one a day each, nothing chained.
    return [(f"bg{i}", 24.0 * (i % 30), f"b:p{i % 600}", f"b:q{i % 600}", amount_of(i)) for i in range(1200)]


def test_where_all_amounts_are_alike_a_carried_amount_is_no_evidence_and_the_chain_is_not_reported() -> None:
    case = case_with(CHAIN + _background(lambda i: 19_000.0 + i % 7))
    assert run(case) == []


def test_where_amounts_vary_the_same_chain_is_reported_and_says_how_often_amounts_carry_by_accident() -> None:
    # Amounts 1.5 ** (i % 40): two unrelated ones carry within 0.8-1.25 only when equal (about 1 in 40).
    case = case_with(CHAIN + _background(lambda i: 10.0 * 1.5 ** (i % 40)))
    findings = run(case)
    assert len(findings) == 1 and findings[0].details["hop_count"] == 4
    assert "only chains of 3+ hops are reported" in findings[0].explanation
