"""The writer API: append, replace a partition, upsert and remove, each checked row by row."""

from __future__ import annotations

from moneytrail.engine import open_engine
from moneytrail.engine.protocol import Engine


def _engine() -> Engine:
    engine = open_engine()
    engine.execute("CREATE TABLE t (k VARCHAR, part VARCHAR, v INTEGER, note VARCHAR)")
    engine.append("t", "VALUES ('a', 'p1', 1, 'x'), ('b', 'p1', 2, 'y'), ('c', 'p2', 3, 'z')")
    return engine


def _rows(engine: Engine) -> list[tuple[object, ...]]:
    return engine.rows("SELECT k, part, v, note FROM t ORDER BY k")


def test_append_returns_the_rows_it_added() -> None:
    engine = _engine()
    assert engine.append("t", "SELECT 'd', 'p2', 4, NULL") == 1
    assert _rows(engine)[-1] == ("d", "p2", 4, None)


def test_replace_partition_touches_only_that_partition() -> None:
    engine = _engine()
    engine.replace_partition("t", {"part": "p1"}, "SELECT 'e', 'p1', 5, 'new'")
    assert _rows(engine) == [("c", "p2", 3, "z"), ("e", "p1", 5, "new")]
    engine.replace_partition("t", {"part": "p2"})  # no rows: the partition goes
    assert _rows(engine) == [("e", "p1", 5, "new")]
    engine.replace_partition("t", {}, "SELECT 'f', NULL, 6, NULL")  # {}: the whole table
    assert _rows(engine) == [("f", None, 6, None)]


def test_upsert_overwrites_only_the_columns_it_carries_and_adds_new_keys() -> None:
    engine = _engine()
    engine.upsert("t", ["k"], "SELECT 'b' AS k, 20 AS v UNION ALL SELECT 'q' AS k, 9 AS v")
    assert _rows(engine) == [("a", "p1", 1, "x"), ("b", "p1", 20, "y"), ("c", "p2", 3, "z"), ("q", None, 9, None)]
    engine.upsert("t", ["k"], "SELECT 'c' AS k, 'zz' AS note UNION ALL SELECT 'nope', 'n'", insert_missing=False)
    assert ("c", "p2", 3, "zz") in _rows(engine) and "nope" not in {r[0] for r in _rows(engine)}


def test_remove_takes_exactly_the_listed_keys() -> None:
    engine = _engine()
    engine.remove("t", ["k", "part"], "SELECT 'a' AS k, 'p1' AS part UNION ALL SELECT 'c', 'p1'")
    assert [r[0] for r in _rows(engine)] == ["b", "c"]
