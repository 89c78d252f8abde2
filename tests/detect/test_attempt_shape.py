"""The attempt-recall ceiling: attempts whose own transactions hold a connected piece of at least half of them."""

from __future__ import annotations

import pyarrow as pa

from moneytrail.detect.attempt_shape import attempt_ceilings, largest_piece
from moneytrail.detect.truth import load_truth_tables
from tests.detect.graphs import case_with

ROWS = [
    # fan-in f1: three senders to H (one piece of 3); fan-in f2: a single transfer (nothing to find)
    ("a1", 1, "b:S1", "b:H", 10.0), ("a2", 2, "b:S2", "b:H", 10.0), ("a3", 3, "b:S3", "b:H", 10.0),
    ("b1", 4, "b:S4", "b:H2", 10.0),
    # bipartite p1: four disjoint transfers (pieces of 1); bipartite p2: two senders x one receiver + one stray
    ("c1", 5, "b:P1", "b:Q1", 1.0), ("c2", 5, "b:P2", "b:Q2", 1.0), ("c3", 5, "b:P3", "b:Q3", 1.0),
    ("c4", 5, "b:P4", "b:Q4", 1.0),
    ("d1", 6, "b:U1", "b:V1", 1.0), ("d2", 6, "b:U2", "b:V1", 1.0), ("d3", 6, "b:U3", "b:V3", 1.0),
]
TRUTH = pa.table({"attempt_id": ["f1"] * 3 + ["f2"] + ["p1"] * 4 + ["p2"] * 3,
                  "typology": ["fan-in"] * 4 + ["bipartite"] * 7,
                  "txn_id": ["a1", "a2", "a3", "b1", "c1", "c2", "c3", "c4", "d1", "d2", "d3"]})


def test_largest_piece_counts_transactions_of_the_biggest_connected_part() -> None:
    assert largest_piece([("a", "b"), ("b", "c"), ("x", "y")]) == 2
    assert largest_piece([("a", "b"), ("c", "d"), ("a", "d"), ("x", "y")]) == 3
    assert largest_piece([("a", "a")]) == 1
    assert largest_piece([]) == 0


def test_ceilings_count_attempts_with_a_connected_half_of_two_or_more() -> None:
    case = case_with(ROWS)
    with case.engine.run():
        load_truth_tables(case, txn=TRUTH)
        got = attempt_ceilings(case)
    # f1: piece of 3 of 3 -> findable; f2: one transfer -> not. p1: pieces of 1 -> not; p2: piece of 2 of 3 -> yes.
    assert got == {"bipartite": {"attempts": 2, "findable": 1, "ceiling": 0.5},
                   "fan-in": {"attempts": 2, "findable": 1, "ceiling": 0.5}}


def test_flagged_account_shares_are_accounts_cited_per_typology_over_the_case_accounts() -> None:
    from moneytrail.detect.attempt_shape import flagged_account_shares
    from moneytrail.detect.run import run_detectors

    # 19 accounts in ROWS, and S0 and S5 new here: 21; fan-in's finding at H cites H and its senders.
    fan = [(f"s{i}", 1 + i, f"b:S{i}", "b:H", 10.0) for i in range(6)]
    case = case_with(ROWS + fan)
    run_detectors(case, ["fan-in"], {"fan-in": {"min_z": "0", "min_z_peer": "-100", "min_arrival_days": "1",
                                                "min_amount": "0"}})
    cited = {str(r[0]) for r in case.engine.rows(
        "SELECT DISTINCT r.ref_id FROM finding_refs r JOIN findings f ON f.finding_id = r.finding_id "
        "WHERE f.typology = 'fan-in' AND r.ref_kind = 'account'")}
    assert "b:H" in cited and len(cited) >= 7
    assert flagged_account_shares(case) == {"fan-in": len(cited) / 21}
