from __future__ import annotations

import pytest

from moneytrail.detect.base import prepared_edges
from moneytrail.detect.paths import CLOSED, OPEN, PathSearch, search_paths
from moneytrail.store import Case
from tests.detect.graphs import Insert

SEARCH = PathSearch(max_hops=4, max_gap_hours=48.0, min_ratio=0.8, max_ratio=1.25, max_account_txns=6)


def _chains(case: Case, which: str) -> set[str]:
    with prepared_edges(case):  # the search's tables live as long as the detect run
        table = search_paths(case, SEARCH).of(which)
        return {str(r[0]) for r in case.engine.rows(f"SELECT txns FROM {table}")}


def test_two_hop_paths_keep_the_steadiest_per_transfer_and_respect_time_and_amount(case: Case,
                                                                                  insert: Insert) -> None:
    insert([("in1", 0, "b:s1", "b:m", 100.0), ("in2", 1, "b:s2", "b:m", 104.0), ("in3", 2, "b:s3", "b:m", 110.0),
            ("late", 60, "b:s4", "b:m", 100.0),  # after the onward transfer: cannot start a path through it
            ("small", 3, "b:s5", "b:m", 50.0),  # half the onward amount: not carried through
            ("out", 10, "b:m", "b:x", 100.0)])
    # At most two paths end in one transfer: those with the steadiest amounts (100 -> 100, 104 -> 100).
    assert _chains(case, OPEN) == {"|in1|out|", "|in2|out|"}
    assert _chains(case, CLOSED) == set()


def test_busy_accounts_are_not_intermediaries_and_cycles_close(case: Case, insert: Insert) -> None:
    busy = [(f"n{i}", 100 + i, f"b:c{i}", "b:shop", 10.0) for i in range(6)]
    insert([*busy, ("a", 0, "b:p", "b:shop", 500.0), ("b", 1, "b:shop", "b:q", 500.0),  # via a busy shop
            ("c1", 0, "b:o", "b:r", 900.0), ("c2", 5, "b:r", "b:o", 880.0)])  # two-hop cycle
    assert _chains(case, OPEN) == set()
    assert _chains(case, CLOSED) == {"|c1|c2|"}


def test_a_single_transfer_is_not_a_chain() -> None:
    with pytest.raises(ValueError, match="min_open_hops"):
        PathSearch(max_hops=3, max_gap_hours=1.0, min_ratio=0.5, max_ratio=2.0, min_open_hops=1)


def test_next_hop_found_across_buckets_up_to_the_gap_and_not_beyond(case: Case, insert: Insert) -> None:
    # Buckets are 2 days wide for a 48-hour gap; hour 30 -> 77 crosses into the next bucket.
    insert([("g1", 30, "b:a", "b:m1", 300.0), ("g2", 77, "b:m1", "b:z", 300.0),
            ("l1", 30, "b:c", "b:m2", 300.0), ("l2", 79, "b:m2", "b:y", 300.0)])  # 49 hours: too late
    assert _chains(case, OPEN) == {"|g1|g2|"}
