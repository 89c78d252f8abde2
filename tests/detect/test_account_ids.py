"""``account_ids_sql``: ranks in key order, however the accounts fall into ranges."""

from __future__ import annotations

import pytest

from moneytrail.detect.account_ids import RANGES, account_ids_sql, ranges_for
from moneytrail.store import Case


def _ids(case: Case, values: str, ranges: int) -> list[tuple[str, int]]:
    sql = account_ids_sql(f"SELECT acct FROM (VALUES {values}) v(acct)", ranges)
    return [(str(a), int(i)) for a, i in case.engine.rows(f"SELECT acct, id FROM ({sql}) x ORDER BY id")]


@pytest.mark.parametrize("ranges", [1, 2, 3, 1000])
def test_ids_match_a_global_dense_rank(ranges: int) -> None:
    with Case.in_memory() as case:
        values = ", ".join(f"('{k}')" for k in [f"acct{n % 97:03d}" for n in range(500)] + ["z", "a", "acct"])
        got = _ids(case, values, ranges)
        want = [(str(a), int(i)) for a, i in case.engine.rows(
            f"SELECT acct, dense_rank() OVER (ORDER BY acct) FROM (SELECT DISTINCT acct FROM (VALUES {values}) "
            "v(acct)) d ORDER BY 2")]
        assert got == want
        assert len(got) == 100


def test_null_accounts_get_no_id_and_shift_nothing() -> None:
    with Case.in_memory() as case:
        assert _ids(case, "('b'), (NULL), ('a'), ('b')", 2) == [("a", 1), ("b", 2)]


def test_no_accounts_no_ids() -> None:
    with Case.in_memory() as case:
        sql = account_ids_sql("SELECT CAST(NULL AS VARCHAR) AS acct WHERE false")
        assert case.engine.rows(f"SELECT * FROM ({sql}) x") == []


def test_ranges_must_be_positive() -> None:
    with pytest.raises(ValueError, match="ranges must be at least 1"):
        account_ids_sql("SELECT 'a' AS acct", 0)


def test_one_engine_process_ranks_in_one_range_and_a_cluster_in_many() -> None:
    """DuckDB ranks every account in one pass (the ids are the same: ``test_ids_match_a_global_dense_rank``);
    Spark splits the ranking into ``RANGES`` tasks."""
    assert ranges_for("duckdb") == 1
    assert ranges_for("spark") == RANGES > 1
