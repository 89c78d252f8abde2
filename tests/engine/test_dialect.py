"""Each dialect's SQL runs (DuckDB) or reads as Spark SQL (sqlglot), and both mean the same."""

from __future__ import annotations

from datetime import datetime

import sqlglot

from moneytrail.engine import open_engine
from moneytrail.engine.dialect import DUCKDB, SPARK, java_pattern


def test_duckdb_spellings_run_and_give_the_expected_values() -> None:
    e = open_engine()
    d = DUCKDB
    ts = "TIMESTAMP '1970-01-03 12:00:00'"
    parsed = d.parse_timestamp_sql("'2021-03-04T05:06:07Z'", "%Y-%m-%dT%H:%M:%SZ")
    infinite = d.is_infinite_sql("CAST('inf' AS DOUBLE)")
    known, unknown = d.lookup_sql({"euro": "EUR"}, "'euro'"), d.lookup_sql({"euro": "EUR"}, "'x'")
    row = e.rows(f"SELECT {d.day_number_sql(ts)}, {d.text_sql('12')}, {parsed}, {d.add_days_sql(ts, '2')}, "
                 f"{infinite}, {known}, {unknown}")[0]
    assert row == (2, "12", datetime(2021, 3, 4, 5, 6, 7), datetime(1970, 1, 5, 12), True, "EUR", None)
    series = d.day_series_sql("'2021-01-01'", "'2021-01-03'")
    days = e.rows(f"SELECT {series} AS day")
    assert len(days) == 3
    firsts = e.rows(d.first_per_key_sql("k, v", "(VALUES ('a', 2), ('a', 1), ('b', 5)) t(k, v)", ["k"], "k, v"))
    assert sorted(firsts) == [("a", 1), ("b", 5)]


def test_spark_spellings_parse_as_spark_sql() -> None:
    s = SPARK
    texts = [s.day_number_sql("ts"), s.text_sql("x"), s.parse_timestamp_sql("t", "%Y-%m-%dT%H:%M:%SZ"),
             s.add_days_sql("ts", "2"), s.is_infinite_sql("x"), s.lookup_sql({"euro": "EUR"}, "c"),
             s.day_series_sql("a", "b"), s.scan_ordinal_sql()]
    for text in texts:
        sqlglot.parse_one(f"SELECT {text} FROM t", read="spark")
    sqlglot.parse_one(s.first_per_key_sql("k, v", "t", ["k"]), read="spark")
    assert "STRING" in s.text_sql("x") and "try_to_timestamp" in s.parse_timestamp_sql("t", "%Y")


def test_java_pattern_quotes_literal_letters() -> None:
    assert java_pattern("%Y-%m-%dT%H:%M:%SZ") == "yyyy-MM-dd'T'HH:mm:ss'Z'"
    assert java_pattern("%d/%m/%Y %H:%M") == "dd/MM/yyyy HH:mm"


def test_stable_hash_is_the_md5_prefix_on_duckdb() -> None:
    import hashlib

    value = open_engine().scalar(f"SELECT {DUCKDB.stable_hash_sql(repr('t-1'))}")
    assert value == int(hashlib.md5(b"t-1").hexdigest()[:15], 16)
    assert "conv(substr(md5(x), 1, 15), 16, 10)" in SPARK.stable_hash_sql("x")
