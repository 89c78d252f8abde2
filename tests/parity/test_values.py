"""Expressions whose value must not depend on the engine: the engine-neutral hash (the random-chain
detector's sample and order) and arithmetic with decimal literals (DuckDB divides decimals in DOUBLE;
Spark kept DECIMAL and cut its scale to 6 digits, which moved a structuring score's 6th decimal)."""

from __future__ import annotations

import hashlib

from tests.parity.conftest import NewCase

IDS = ["t-1", "t-2", "x:9", "Überweisung 7", ""]


def test_stable_hash_is_the_md5_prefix_on_every_engine(engine: str, new_case: NewCase) -> None:
    case = new_case()
    e = case.engine
    values = ", ".join(f"('{i}')" for i in IDS)
    got = dict(e.rows(f"SELECT id, {e.dialect.stable_hash_sql('id')} AS h FROM (VALUES {values}) v(id)"))
    assert got == {i: int(hashlib.md5(i.encode()).hexdigest()[:15], 16) for i in IDS}
    assert e.scalar(f"SELECT count(*) FROM (VALUES {values}) v(id) "
                    f"WHERE {e.dialect.stable_hash_sql('id')} % 3 = 0") == sum(
        int(hashlib.md5(i.encode()).hexdigest()[:15], 16) % 3 == 0 for i in IDS)


def test_decimal_literals_compute_in_double_on_every_engine(engine: str, new_case: NewCase) -> None:
    case = new_case()
    # Counts large enough that Spark's DECIMAL division would have run out of digits (precision 44 > 38).
    ratio, expected, share = case.engine.rows(
        "SELECT greatest(1.0 * sum(u) / sum(n), 0.0001), 9 * greatest(1.0 * sum(u) / sum(n), 0.0001), "
        "avg(CASE WHEN u > 40 THEN 1.0 ELSE 0.0 END) "
        "FROM (VALUES (37, 4001), (41, 3999), (55, 4013)) v(u, n)")[0]
    assert ratio == 133 / 12013
    assert expected == 9 * (133 / 12013)
    assert share == 2 / 3


def test_random_chains_carry_chance_sample_is_the_same_on_every_engine(engine: str, new_case: NewCase) -> None:
    # detect/random_chain._sampled: integer arithmetic on a transfer's second and cents picks one in k.
    from datetime import UTC, datetime

    from moneytrail.detect.random_chain import _sampled

    rows = [(datetime(2024, 3, 1 + i % 20, i % 24, i % 60, (7 * i) % 60), 10.0 + 13.37 * i) for i in range(60)]
    values = ", ".join(f"(TIMESTAMP '{ts:%Y-%m-%d %H:%M:%S}', CAST({amt!r} AS DOUBLE))" for ts, amt in rows)

    def picked(ts: datetime, amt: float) -> bool:
        second = int(ts.replace(tzinfo=UTC).timestamp()) % 1_000_003
        cents = int((abs(amt) * 100.0) // 1) % 1_000_003
        return (second * 1009 + cents) % 1_000_003 * 7919 % 1_000_003 % 3 == 0

    e = new_case().engine
    got = e.scalar(f"SELECT count(*) FROM (VALUES {values}) v(ts, amt) WHERE amt > 0{_sampled(3, e.dialect)}")
    want = sum(picked(ts, amt) for ts, amt in rows)
    assert 0 < want < len(rows)
    assert got == want
