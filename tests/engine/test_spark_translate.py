"""The Spark engine's statement translation (pure text; no Spark needed): what only matters when a statement
really runs on Spark, beyond the portability test's rewrites."""

from __future__ import annotations

from pathlib import Path

from moneytrail.engine.spark.catalog import Catalog, TableEntry
from moneytrail.engine.spark.dml import named_parameters
from moneytrail.engine.spark.engine import SPARK_ENGINE
from moneytrail.engine.spark.translate import Column, parse, spark_statement, table_schema


def test_timestamps_stay_spark_timestamps_and_epoch_keeps_fractions() -> None:
    sql = spark_statement("SELECT CAST(a AS TIMESTAMP), epoch(TIMESTAMP '2021-01-01 00:00:01.5') FROM t")
    assert "TIMESTAMP_NTZ" not in sql and "UNIX_MICROS(CAST('2021-01-01 00:00:01.5' AS TIMESTAMP" in sql
    assert "/ 1e6" in sql


def test_a_lookup_with_several_pairs_keeps_every_pair() -> None:
    sql = spark_statement(f"SELECT {SPARK_ENGINE.lookup_sql({'a': 'x', 'b': 'y', 'c': 'z'}, 'k')} FROM t")
    assert all(v in sql for v in ("'a'", "'b'", "'c'", "'x'", "'y'", "'z'"))


def test_create_table_drops_constraints_and_maps_types() -> None:
    name, columns = table_schema(parse(  # type: ignore[arg-type]
        "CREATE TABLE x (k VARCHAR PRIMARY KEY, ts TIMESTAMP NOT NULL DEFAULT current_timestamp, n INTEGER DEFAULT 0, "
        "j JSON, l VARCHAR[])"))
    assert name == "x"
    assert columns == [Column("k", "STRING"), Column("ts", "TIMESTAMP", "CURRENT_TIMESTAMP()"),
                       Column("n", "INT", "0"), Column("j", "STRING"), Column("l", "ARRAY<STRING>")]


def test_positional_parameters_become_named_outside_literals() -> None:
    text, args = named_parameters("UPDATE t SET a = ? WHERE b = '?' AND c = ?", [1, 2])
    assert text == "UPDATE t SET a = $mt_p0 WHERE b = '?' AND c = $mt_p1" and args == {"mt_p0": 1, "mt_p1": 2}


def test_catalog_commits_by_one_rename_and_vacuums_unlisted_writes(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.state.tables["t"] = TableEntry([Column("a", "INT")])
    kept = catalog.new_write_folder("t")
    kept.mkdir()
    (kept / "part-0.parquet").write_bytes(b"")
    catalog.state.tables["t"].files.append(catalog.relative(kept / "part-0.parquet"))
    lost = catalog.new_write_folder("t")
    lost.mkdir()
    catalog.save()
    assert Catalog(tmp_path).state.tables["t"].files == [catalog.relative(kept / "part-0.parquet")]
    assert catalog.vacuum() == 1 and kept.exists() and not lost.exists()


def test_decimal_literals_are_read_as_double() -> None:
    # DuckDB divides decimals in DOUBLE; Spark's DECIMAL arithmetic would cut the scale (to 6 digits past 38).
    sql = spark_statement("SELECT 1.0 * sum(u) / sum(n), greatest(x, 0.0001), 1e6, 2, '1.5' FROM t")
    assert "CAST(1.0 AS DOUBLE) * SUM(u)" in sql and "CAST(0.0001 AS DOUBLE)" in sql
    assert "1e6" in sql and ", 2," in sql and "'1.5'" in sql
