"""``DuckDBEngine.request_cursor``: a cursor of its own per web request, with a row limit and a time limit."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from moneytrail.engine import EngineError, open_engine


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "c.duckdb"
    engine = open_engine(path)
    engine.execute("CREATE TABLE t AS SELECT range AS x FROM range(10000)")
    engine.close()
    return path


def test_row_limit_caps_every_query(db: Path) -> None:
    engine = open_engine(db, read_only=True)
    with engine.request_cursor(seconds=5, row_limit=7) as cur:
        assert cur.query("SELECT x FROM t ORDER BY x").num_rows == 7
        assert len(cur.rows("SELECT x FROM t")) == 7
        assert cur.scalar("SELECT count(*) FROM t") == 10000  # the limit caps rows returned, not rows read
    assert engine.query("SELECT x FROM t").num_rows == 10000  # the shared connection is not limited
    engine.close()


def test_a_slow_query_is_interrupted_and_others_go_on(db: Path) -> None:
    engine = open_engine(db, read_only=True)
    started = time.monotonic()
    with pytest.raises(EngineError, match="Interrupt"), engine.request_cursor(seconds=0.3, row_limit=10) as cur:
        cur.scalar("SELECT count(*) FROM range(100000000000) a")
    assert time.monotonic() - started < 5
    with engine.request_cursor(seconds=0.2, row_limit=10) as cur:
        time.sleep(0.3)
        with pytest.raises(EngineError, match="time limit"):
            cur.scalar("SELECT 1")  # the budget is for the whole request, not per query
    with engine.request_cursor(seconds=5, row_limit=10) as cur:
        assert cur.scalar("SELECT count(*) FROM t") == 10000
    engine.close()


def test_cursors_run_side_by_side(db: Path) -> None:
    engine = open_engine(db, read_only=True)
    results: list[int] = []

    def work() -> None:
        with engine.request_cursor(seconds=10, row_limit=100) as cur:
            results.append(int(cur.scalar("SELECT sum(x) FROM t")))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == [sum(range(10000))] * 8
    engine.close()


def test_interrupting_a_cursor_closed_meanwhile_is_a_no_op(db: Path) -> None:
    # The explorer stops its index build from another thread; the build may close its cursor first.
    engine = open_engine(db, read_only=True)
    with engine.request_cursor(seconds=5, row_limit=7) as cur:
        pass
    cur.interrupt()  # raised "Connection already closed" before
    assert engine.scalar("SELECT count(*) FROM t") == 10000
    engine.close()
