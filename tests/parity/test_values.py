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
