from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from moneytrail.engine import Engine, EngineError, open_engine


def test_engine_round_trips_arrow_and_parquet(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "e.duckdb")
    assert isinstance(engine, Engine)
    engine.register_arrow("t", pa.table({"a": ["x", "y"], "b": [1, 2]}))
    assert engine.query("SELECT sum(b) AS s FROM t").column("s").to_pylist() == [3]
    engine.copy_to_parquet("SELECT * FROM t", tmp_path / "t.parquet")
    engine.register_parquet("p", tmp_path / "t.parquet")
    assert engine.rows("SELECT a FROM p ORDER BY a") == [("x",), ("y",)]
    assert sum(b.num_rows for b in engine.batches("SELECT * FROM range(10)", batch_size=3)) == 10
    engine.close()


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "e.duckdb")
    engine.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError), engine.transaction():
        engine.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("boom")
    assert engine.scalar("SELECT count(*) FROM t") == 0
    with engine.transaction(), engine.transaction():
        engine.execute("INSERT INTO t VALUES (2)")
    assert engine.scalar("SELECT count(*) FROM t") == 1


def test_errors_carry_the_sql(tmp_path: Path) -> None:
    engine = open_engine(None)
    with pytest.raises(EngineError, match="while running"):
        engine.execute("SELECT * FROM no_such_table")


def test_csv_scan_rejects_ragged_lines_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3\n4,5\n", encoding="utf-8")
    engine = open_engine(None)
    scan = engine.csv_scan_sql(path, delimiter=",", header=True, columns=["a", "b"], rejects_table="rej")
    assert engine.rows(f"SELECT a, b FROM {scan}") == [("1", "2"), ("4", "5")]
    assert engine.rows("SELECT line FROM rej") == [(3,)]


def test_keeps_scan_order_is_false_for_a_plan_with_a_join() -> None:
    engine = open_engine(None)
    engine.execute("CREATE TABLE t AS SELECT range AS x, CAST(range AS VARCHAR) AS s FROM range(100)")
    assert engine.keeps_scan_order("SELECT x * 2 AS y, upper(s) FROM t WHERE x > 3")
    assert not engine.keeps_scan_order("SELECT x FROM t WHERE s IN ('1', '2', '3', '4', '5', '6', '7')")
    assert not engine.keeps_scan_order("SELECT a.x FROM t a JOIN t b ON a.x = b.x + 1")
    engine.close()
