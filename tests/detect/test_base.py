from __future__ import annotations

import pytest

from moneytrail.detect.base import account_activity_sql, edges_table, prepared_edges, release_shared, shared_table
from moneytrail.store import Case
from tests.detect.graphs import Insert


def _tables(case: Case) -> set[str]:
    return {str(r[0]) for r in case.engine.rows("SELECT table_name FROM information_schema.tables")}


def test_shared_table_is_built_once_per_run_and_dropped_after_it(case: Case, insert: Insert) -> None:
    insert([("t1", 1, "b:a", "b:b", 50.0)])
    with prepared_edges(case):
        first = shared_table(case, f"SELECT count(*) AS n FROM {edges_table()}")
        with prepared_edges(case):  # a detector's own @uses_edges inside the run
            assert shared_table(case, f"SELECT count(*) AS n FROM {edges_table()}") == first
            other = shared_table(case, f"SELECT count(*) + 1 AS n FROM {edges_table()}")
        assert other != first and {first, other} <= _tables(case)
        insert([("t2", 2, "b:b", "b:c", 60.0)])
        # Same SQL within the run: the table built first is served, not rebuilt.
        assert case.engine.scalar(f"SELECT n FROM {first}") == 1
    assert not {first, other} & _tables(case)
    with prepared_edges(case):  # a new run builds afresh
        assert case.engine.scalar(f"SELECT n FROM {shared_table(case, 'SELECT count(*) AS n FROM transactions')}") == 2


def test_shared_table_outside_a_run_is_refused(case: Case) -> None:
    with pytest.raises(RuntimeError, match="prepared_edges"):
        shared_table(case, "SELECT 1 AS x")


def test_account_activity_counts_both_ends_and_which_are_edges(case: Case, insert: Insert) -> None:
    insert([("t1", 1, "b:a", "b:b", 50.0), ("t2", 2, "b:b", "b:c", 40.0), ("t3", 3, "b:b", "b:b", 10.0)])
    got = {r[0]: (r[1], r[2]) for r in case.engine.rows(account_activity_sql())}
    # b: received t1, paid t2, and paid itself (t3, counted at both ends but not an edge).
    assert got == {"b:a": (1, 1), "b:b": (4, 2), "b:c": (1, 1)}


def test_release_shared_keeps_only_the_kinds_still_needed(case: Case, insert: Insert) -> None:
    insert([("t1", 1, "b:a", "b:b", 50.0)])
    with prepared_edges(case):
        a = shared_table(case, "SELECT 1 AS x", "a")
        b = shared_table(case, "SELECT 2 AS x", "b")
        release_shared(case, keep={"a"})
        assert a in _tables(case) and b not in _tables(case)
        again = shared_table(case, "SELECT 2 AS x", "b")  # asked again: rebuilt, under a fresh name
        assert again != b and case.engine.scalar(f"SELECT x FROM {again}") == 2
