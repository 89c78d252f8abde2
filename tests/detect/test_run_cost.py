"""Guards on what a detect run costs, counted rather than timed (issue 13's speed check): the case's data
version is read once per run, and random's carry chance (one sort) gives exactly the pairs and share of
its definition written as two numbered sides joined."""

from __future__ import annotations

import pytest

from moneytrail.detect.base import prepared_edges
from moneytrail.detect.random_chain import carry_chance, carry_chance_sql, positive_transfers_sql
from moneytrail.detect.run import run_detectors
from moneytrail.engine.dialect import Dialect
from moneytrail.store import Case
from tests.detect.graphs import Row, case_with


def _varied(n: int) -> list[Row]:
    # Unrelated transfers with amounts 1.5 ** (i % 40), a few of them alike, one an hour.
    return [(f"v{i}", float(i), f"b:p{i % 97}", f"b:q{i % 89}", 10.0 * 1.5 ** (i % 40) + i % 3) for i in range(n)]


def test_a_detect_run_reads_the_data_version_once(monkeypatch: pytest.MonkeyPatch) -> None:
    case = case_with(_varied(300))
    calls: list[int] = []
    real = Case.data_version
    monkeypatch.setattr(Case, "data_version", lambda self: calls.append(1) or real(self))
    run_detectors(case, ["cycle", "random", "fan-in", "stack"])
    assert len(calls) == 1  # not once per detector and once more per path search
    run_detectors(case, ["cycle"])
    assert len(calls) == 2  # a new run reads it again: the data may have changed between runs


def _pairs_joined(edges: str, lo: float, hi: float) -> str:
    """The carry chance as first written: both sides numbered in the hashed order, each joined to the one
    half-way round."""
    hashed = Dialect().stable_hash_sql("txn_id")  # the detector's engine-neutral hash
    ordered = (f"SELECT amt, row_number() OVER (ORDER BY {hashed}, txn_id) AS rn, count(*) OVER () AS n "
               f"FROM {edges} WHERE amt > 0")
    return (f"SELECT count(*), avg(CASE WHEN b.amt >= a.amt * {lo!r} AND b.amt <= a.amt * {hi!r} THEN 1.0 ELSE 0.0 "
            "END) FROM (SELECT amt, rn, n, mod(rn - 1 + CAST(floor(n / 2) AS BIGINT), n) + 1 AS partner "
            f"FROM ({ordered}) o) a JOIN ({ordered}) b ON b.rn = a.partner WHERE a.n >= 2")


@pytest.mark.parametrize("n", [1001, 1200])  # odd and even: the half-way offset rounds down
def test_carry_chance_in_one_sort_is_the_joined_definition(n: int) -> None:
    case = case_with(_varied(n))
    with prepared_edges(case) as run:
        edges = run.find("detect-edges")
        assert edges is not None
        for lo, hi in ((0.8, 1.25), (0.5, 2.0)):
            pairs, share = carry_chance(case, lo, hi)
            want_pairs, want_share = case.engine.rows(_pairs_joined(edges.name, lo, hi))[0]
            assert (pairs, share) == (want_pairs, want_share)
            assert 0.0 < share < 1.0


def test_carry_chance_is_not_measured_below_the_minimum_of_pairs() -> None:
    case = case_with(_varied(50))
    with prepared_edges(case):
        assert carry_chance(case, 0.8, 1.25) == (50, 0.0)


def test_equal_hashes_are_noticed_and_broken_by_txn_id() -> None:
    # The same transfer stored twice (a duplicate row): two equal hashes, so the hash alone is no total order.
    rows = _varied(1100)
    case = case_with([*rows, rows[7]])
    with prepared_edges(case) as run:
        edges = run.find("detect-edges")
        assert edges is not None
        n = int(case.engine.scalar(positive_transfers_sql()))
        assert case.engine.rows(carry_chance_sql(0.8, 1.25, n))[0][2] == 1
        assert carry_chance(case, 0.8, 1.25) == tuple(case.engine.rows(_pairs_joined(edges.name, 0.8, 1.25))[0])


def test_a_large_case_measures_the_carry_chance_on_a_hash_sample() -> None:
    # Limits scaled down: 6,000 transfers above a 2,000 limit are sampled one in four (about 1,500), and the
    # sampled share estimates the full one (about 0.025 here; two standard errors of 1,500 pairs are 0.008).
    case = case_with(_varied(6000))
    with prepared_edges(case):
        full_pairs, full = carry_chance(case, 0.8, 1.25)
        pairs, share = carry_chance(case, 0.8, 1.25, sample_above=2000, sample_size=1500)
        assert full_pairs == 6000
        assert 1200 <= pairs <= 1800
        assert share == pytest.approx(full, abs=0.012) and 0.0 < share < 1.0
        assert carry_chance(case, 0.8, 1.25, sample_above=6000, sample_size=1500) == (full_pairs, full)
