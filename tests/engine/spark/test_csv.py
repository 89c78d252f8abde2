"""The Spark engine's CSV reader: physical line numbers over many splits and gzip, rejects with DuckDB's error
types, and the protocol's range scan in file order."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest


class _Engine:
    """What csvscan needs of an engine: its session and fresh view names."""

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self.n = 0

    def scratch_name(self, hint: str = "") -> str:
        self.n += 1
        return f"_t_{hint}_{self.n}"


@pytest.fixture(scope="module")
def engine() -> _Engine:
    import os

    from moneytrail.engine.spark.session import java_available, pyspark_available, spark_session

    if not (pyspark_available() and java_available()):
        missing = "pyspark is not installed" if not pyspark_available() else "no Java runtime"
        if os.environ.get("CI"):
            pytest.fail(f"the Spark reader's tests cannot run under CI: {missing}")
        pytest.skip(f"the Spark reader's tests need pyspark and Java: {missing}")
    return _Engine(spark_session(threads=2, shuffle_partitions=2, memory="4g"))  # as tests/parity/conftest.py


def _file(path: Path, rows: int) -> Path:
    body = "".join(f'{i},"q,{i}",x{i}\n' for i in range(rows))
    path.write_text("a,b,c\n" + body)
    return path


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_lines_are_physical_lines_across_splits(engine: _Engine, tmp_path: Path, gz: bool) -> None:
    from moneytrail.engine.spark import csvscan

    path = _file(tmp_path / "f.csv", 30_000)
    if gz:
        gz_path = tmp_path / "f.csv.gz"
        gz_path.write_bytes(gzip.compress(path.read_bytes()))
        path = gz_path
    spark = engine.spark
    before = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "32768")  # ~20 splits of the plain file
    try:
        view = csvscan.csv_lines_scan_sql(engine, path, delimiter=",", columns=["c0", "c1", "c2"],
                                          rejects_table="rj", lines=[(2, 10_001), (10_003, 30_001)])
        got = spark.sql(f"SELECT count(*), sum(CASE WHEN CAST(c0 AS BIGINT) + 2 = _k + 1 AND c1 = concat('q,', c0) "
                        f"THEN 1 ELSE 0 END), min(_k), max(_k) FROM {view}").collect()[0]
        partitions = spark.table(view).rdd.getNumPartitions()
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", before)
    assert tuple(got) == (29_999, 29_999, 1, 30_000)  # line 10,002 left out, every other line where it is
    assert partitions == (1 if gz else partitions) and (gz or partitions > 5)
    assert spark.table("rj").count() == 0


def test_rejects_carry_line_and_duckdb_error_type(engine: _Engine, tmp_path: Path) -> None:
    from moneytrail.engine.spark import csvscan

    path = tmp_path / "bad.csv"
    path.write_bytes(b'h1,h2,h3\na,b,c\na,b\na,b,c,d\n"ab"c,d,e\n\xff\xfe,x,y\n"a""b",,""\nq,w"e,r\r\nlast,no,lf')
    view = csvscan.csv_lines_scan_sql(engine, path, delimiter=",", columns=["c0", "c1", "c2"], rejects_table="rj2")
    spark = engine.spark
    rejects = [tuple(r) for r in spark.sql("SELECT line, error_type FROM rj2 ORDER BY line").collect()]
    assert rejects == [(3, "MISSING COLUMNS"), (4, "TOO MANY COLUMNS"), (5, "UNQUOTED VALUE"), (6, "INVALID ENCODING")]
    rows = [tuple(r) for r in spark.sql(f"SELECT _k + 1, c0, c1, c2 FROM {view} ORDER BY _k").collect()]
    assert rows == [(1, "h1", "h2", "h3"), (2, "a", "b", "c"), (7, 'a"b', None, None), (8, "q", 'w"e', "r"),
                    (9, "last", "no", "lf")]


def test_range_scan_in_file_order_with_piece_lines(engine: _Engine, tmp_path: Path) -> None:
    """The protocol's range scan: a row number in scan order numbers records as in the file; rejects count
    lines from the piece's first line."""
    from moneytrail.engine.spark import csvscan

    path = _file(tmp_path / "r.csv", 20_000)
    data = path.read_bytes()
    start = data.index(b"\n5000,") + 1   # line 5,002 starts here
    end = data.index(b"\n15000,") + 1    # line 15,002 starts here
    spark = engine.spark
    before = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "32768")
    try:
        view = csvscan.csv_range_scan_sql(engine, path, start, end, delimiter=",", columns=["c0", "c1"],
                                          rejects_table="rj3")
        ordered = spark.sql(f"SELECT row_number() OVER (ORDER BY monotonically_increasing_id()) AS n, c0 FROM {view}")
        wrong = ordered.where("CAST(c0 AS BIGINT) <> n + 4999").count()
        total = ordered.count()
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", before)
    assert (total, wrong) == (0, 0)  # two columns asked of three: every line is a reject
    rejects = spark.sql("SELECT min(line), max(line), count(*), min(error_type) FROM rj3").collect()[0]
    assert tuple(rejects) == (1, 10_000, 10_000, "TOO MANY COLUMNS")
    view = csvscan.csv_range_scan_sql(engine, path, start, end, delimiter=",", columns=["c0", "c1", "c2"],
                                      rejects_table="rj4")
    ordered = spark.sql(f"SELECT row_number() OVER (ORDER BY monotonically_increasing_id()) AS n, c0 FROM {view}")
    assert ordered.count() == 10_000
    assert ordered.where("CAST(c0 AS BIGINT) <> n + 4999").count() == 0
