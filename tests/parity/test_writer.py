"""The writer API on each engine: append, replace a partition, upsert, remove and transactions give the same
rows on DuckDB and on Spark's Parquet tables; on Spark a write touches only the files that hold its rows and
an aborted transaction leaves the committed catalog as it was."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from moneytrail.store import Case
from tests.parity.conftest import NewCase


def meta(case: Case) -> list[tuple[str, str]]:
    rows = case.engine.rows("SELECT key, value FROM meta WHERE key LIKE 't%' ORDER BY key")
    return [(str(k), str(v)) for k, v in rows]


def test_append_replace_upsert_remove(engine: str, new_case: NewCase) -> None:
    case = new_case()
    e = case.engine
    assert e.append("meta", "SELECT 't1', 'a' UNION ALL SELECT 't2', 'b'") == 2
    assert e.append("meta", "SELECT ? AS key, ? AS value", ["t3", "c"]) == 1
    e.upsert("meta", ["key"], "SELECT 't2' AS key, 'B' AS value UNION ALL SELECT 't4', 'd'")
    assert meta(case) == [("t1", "a"), ("t2", "B"), ("t3", "c"), ("t4", "d")]
    e.upsert("meta", ["key"], "SELECT 't9' AS key, 'x' AS value", insert_missing=False)
    e.remove("meta", ["key"], "SELECT 't1' AS key")
    assert meta(case) == [("t2", "B"), ("t3", "c"), ("t4", "d")]
    assert e.replace_partition("meta", {"key": "t3"}, "SELECT 't3', 'C' UNION ALL SELECT 't5', 'e'") == 2
    assert meta(case) == [("t2", "B"), ("t3", "C"), ("t4", "d"), ("t5", "e")]
    e.replace_partition("meta", {"key": "t4"})
    assert meta(case) == [("t2", "B"), ("t3", "C"), ("t5", "e")]


def test_a_failed_transaction_leaves_nothing(engine: str, new_case: NewCase) -> None:
    case = new_case()
    case.engine.append("meta", "SELECT 't1', 'kept'")
    with pytest.raises(RuntimeError), case.engine.transaction():
        case.engine.append("meta", "SELECT 't2', 'lost'")
        case.engine.upsert("meta", ["key"], "SELECT 't1' AS key, 'changed' AS value")
        assert meta(case) == [("t1", "changed"), ("t2", "lost")]  # visible inside the transaction
        raise RuntimeError("abort")
    assert meta(case) == [("t1", "kept")]


@pytest.mark.parametrize("engine", ["spark"], indirect=True)
def test_spark_rewrites_only_the_files_holding_matched_rows_and_commits_by_catalog_swap(
        engine: str, new_case: NewCase) -> None:
    case = new_case()
    e = case.engine
    e.append("meta", "SELECT 't1', 'a'")
    e.append("meta", "SELECT 't2', 'b'")
    catalog = case.path / "catalog.json"  # type: ignore[operator]
    before = json.loads(catalog.read_text())
    files = before["tables"]["meta"]["files"]
    e.upsert("meta", ["key"], "SELECT 't2' AS key, 'B' AS value")
    after = json.loads(catalog.read_text())
    assert after["commit"] == before["commit"] + 1
    holding = {key: [f for f in files if key in pq.read_table(case.path / f).column("key").to_pylist()]  # type: ignore[operator]
               for key in ("t1", "t2")}
    now = after["tables"]["meta"]["files"]
    assert holding["t1"][0] in now and holding["t2"][0] not in now  # t2's file rewritten, t1's untouched
    assert len(now) == len(files)
    with pytest.raises(RuntimeError), e.transaction():
        e.append("meta", "SELECT 't3', 'c'")
        raise RuntimeError("abort")
    assert json.loads(catalog.read_text()) == after  # nothing committed
    case.close()
    reopened = Case.open(case.path)  # type: ignore[arg-type]
    try:
        assert meta(reopened) == [("t1", "a"), ("t2", "B")]
        folders = {p.parent.name for p in (case.path / "warehouse" / "meta").glob("*/*.parquet")}  # type: ignore[operator]
        assert folders == {f.split("/")[-2] for f in after["tables"]["meta"]["files"]}  # the rest vacuumed
    finally:
        reopened.close()


def test_row_level_delete_and_update_statements(engine: str, new_case: NewCase) -> None:
    """What store modules not yet on the writer API still run: on Spark, merge-on-rewrite (as Delta's DELETE,
    UPDATE and MERGE)."""
    case = new_case()
    e = case.engine
    e.append("meta", "SELECT 't1', 'a' UNION ALL SELECT 't2', 'b' UNION ALL SELECT 't3', 'c'")
    e.execute("DELETE FROM meta WHERE key = ? AND value <> '?'", ["t3"])
    e.execute("UPDATE meta SET value = x.v || ? FROM (SELECT 't1' AS k, 'z' AS v) x WHERE meta.key = x.k", ["!"])
    e.execute("UPDATE meta SET value = upper(value) WHERE key = 't2'")
    assert meta(case) == [("t1", "z!"), ("t2", "B")]
