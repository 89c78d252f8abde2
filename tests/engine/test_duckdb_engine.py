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


def test_csv_range_scan_reads_only_its_bytes_and_numbers_rejects_from_its_start(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    body = b"a,b\n1,2\n3,4\n5\n6,7\n8,9\n"
    path.write_bytes(body)
    engine = open_engine(None)
    start, end = body.index(b"3,4"), body.index(b"8,9")
    scan = engine.csv_range_scan_sql(path, start, end, delimiter=",", columns=["a", "b"], rejects_table="rej")
    assert engine.rows(f"SELECT a, b FROM {scan}") == [("3", "4"), ("6", "7")]
    assert engine.rows("SELECT line, csv_line FROM rej") == [(2, "5")]
    # Two ranges of one file read side by side in one statement, each numbered in its own order.
    first = engine.csv_range_scan_sql(path, body.index(b"1,2"), start, delimiter=",", columns=["a", "b"],
                                      rejects_table="rej1")
    second = engine.csv_range_scan_sql(path, end, len(body), delimiter=",", columns=["a", "b"],
                                       rejects_table="rej2")
    rows = engine.rows(f"SELECT row_number() OVER () AS k, a FROM {first} UNION ALL "
                       f"SELECT 10 + row_number() OVER (), a FROM {second} ORDER BY k")
    assert rows == [(1, "1"), (11, "8")]
    engine.close()


def test_insert_returns_the_rows_it_stored_and_bulk_load_restores_settings() -> None:
    engine = open_engine(None)
    engine.execute("CREATE TABLE t (x INTEGER)")
    before = engine.rows("SELECT current_setting('preserve_insertion_order')")
    with engine.bulk_load():
        assert engine.insert("INSERT INTO t SELECT range FROM range(7)") == 7
        assert engine.scalar("SELECT current_setting('preserve_insertion_order')") is False
    assert engine.rows("SELECT current_setting('preserve_insertion_order')") == before
    engine.close()


def test_joins_as_written_is_scoped_and_restored_after_a_failed_transaction(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "e.duckdb")
    setting = "SELECT current_setting('disabled_optimizers')"
    before = engine.scalar(setting)
    with engine.joins_as_written():
        assert "build_side_probe_side" in engine.scalar(setting)
    assert engine.scalar(setting) == before
    with pytest.raises(EngineError), engine.bulk_load(), engine.transaction(), engine.joins_as_written():
        engine.execute("SELECT * FROM no_such_table")  # aborts the transaction: SET cannot run inside it
    assert engine.scalar(setting) == before
    engine.close()
