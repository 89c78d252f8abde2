"""Every SQL statement the test suite ran through the DuckDB engine also runs on Spark SQL.

``tests/conftest.py`` turns on ``MONEYTRAIL_SQL_CAPTURE`` for the session and orders this test last, so it
reads the statements of every test before it (run alone, it still checks the demo pipeline it runs
itself through the ``demo_case`` fixture). Each statement stage code wrote is transpiled with sqlglot
plus the Spark dialect's rewrites (``engine/portability.py``) and checked for what Spark rejects. The
exceptions are the statements engine methods issue themselves, listed with their reasons in
``engine.capture.ENGINE_OWNED``.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from pathlib import Path

import pytest
import sqlglot

from moneytrail.engine.capture import ENGINE_OWNED, ENV
from moneytrail.engine.portability import MAX_INLINED_STEPS, inlined_steps, spark_problems, spark_sql
from moneytrail.store import Case

# Tests that probe the DuckDB engine itself (its settings, its rejects table) on purpose.
DUCKDB_PROBES: dict[str, str] = {
    "tests.engine.test_duckdb_engine": "checks that bulk_load/joins_as_written restore DuckDB settings",
    "tests.engine.test_request_cursor": "runs a deliberately endless DuckDB range() scan to test the time limit",
    "tests.engine.test_memory_cap": "reads DuckDB's memory_limit setting to check Engine.memory_cap and its reset",
    "tests.parity.test_writer": "runs row-level DELETE/UPDATE on purpose: both engines run such "
                                "statements (Spark: as merge-on-rewrite, spark/dml.py)",
}
# Modules whose SQL still uses DuckDB-only constructs (a ratchet: empty now; a module listed here must
# still fail, a module not listed must be clean).
NOT_YET_PORTABLE: dict[str, str] = {}


def _captured() -> list[dict[str, str | None]]:
    path = Path(os.environ[ENV])
    if not path.exists():
        return []
    seen: dict[tuple[str, str | None, str], dict[str, str | None]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        # Scratch tables are numbered per engine; one statement shape is one statement.
        sql = re.sub(r"\b(_mt_s[a-z_]*?)_?\d+\b", r"\1", record["sql"])
        seen.setdefault((sql, record["owner"], record.get("origin") or ""),
                        {"sql": sql, "owner": record["owner"], "origin": record.get("origin") or ""})
    return list(seen.values())


def test_every_captured_statement_runs_on_spark_sql(demo_case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    records = _captured()
    owned = [r for r in records if r["owner"]]
    assert {r["owner"] for r in owned} <= set(ENGINE_OWNED), "engine methods must give a listed reason"
    checked = {str(r["sql"]) for r in records if not r["owner"]}
    origins: dict[str, set[str]] = defaultdict(set)
    for r in records:
        if not r["owner"]:
            origins[str(r["sql"])].add(str(r["origin"]))
    failures: dict[str, list[str]] = defaultdict(list)
    for sql in sorted(checked):
        problems = spark_problems(sql)
        if problems:
            for origin in origins[sql]:
                failures[origin].append(f"{'; '.join(problems)}\n    {sql[:300]}")
    unexpected = {m: f for m, f in failures.items()
                  if not any(m.startswith(p) for p in NOT_YET_PORTABLE) and m not in DUCKDB_PROBES}
    with capsys.disabled():
        exempt = ", ".join(sorted({str(r["owner"]) for r in owned}))
        print(f"\nSQL portability: {len(checked):,} distinct statements checked against Spark SQL "
              f"({len(owned):,} engine-owned statements exempt: {exempt}); "
              f"{sum(len(v) for v in failures.values())} not yet portable in {len(failures)} listed module(s)")
    report = "\n".join(f"{m}:\n  " + "\n  ".join(f[:5]) for m, f in sorted(unexpected.items()))
    assert not unexpected, f"statements Spark SQL would reject:\n{report}"
    # A ratchet: a listed module whose statements all pass has been converted and must leave the list.
    converted = [m for m in NOT_YET_PORTABLE if not any(o.startswith(m) for o in failures)]
    assert not converted, f"converted: remove from NOT_YET_PORTABLE: {converted}"
    assert len(checked) > 200, "the capture saw too few statements to mean anything"


def test_the_checker_catches_what_spark_rejects() -> None:
    assert spark_problems("UPDATE t SET a = s.a FROM s WHERE t.k = s.k")
    assert spark_problems("DELETE FROM findings WHERE kind = ?")
    assert spark_problems("INSERT OR REPLACE INTO meta VALUES (?, ?)")
    assert spark_problems("CREATE OR REPLACE TEMP TABLE _x AS SELECT 1 AS a")
    assert spark_problems("SELECT f(x) FROM t")
    assert "MAKE_DT_INTERVAL(2)" in spark_sql("SELECT isinf(x), to_days(2) FROM t")
    assert "TO_UTC_TIMESTAMP(ts, 'Europe/Berlin')" in spark_sql(
        "SELECT timezone('UTC', timezone('Europe/Berlin', ts)) FROM t")
    assert not spark_problems("SELECT timezone('UTC', timezone('Europe/Berlin', try_strptime(x, '%d.%m.%Y'))) FROM t")
    assert "MAKE_DT_INTERVAL(0, 5)" in spark_sql("SELECT ts + to_hours(5) FROM t")
    # What the Spark dialect's rewrites make portable:
    assert not spark_problems("SELECT try_strptime(t, '%Y-%m-%dT%H:%M:%SZ'), CAST(x AS VARCHAR) FROM t")
    assert "yyyy-MM-dd\\'T\\'HH:mm:ss\\'Z\\'" in spark_sql("SELECT try_strptime(t, '%Y-%m-%dT%H:%M:%SZ') FROM t")
    assert "MAP('a', 'x')" in spark_sql("SELECT MAP {'a': 'x'}[k] FROM t")
    assert not spark_problems("SELECT DISTINCT ON (a) a, b FROM t")  # sqlglot writes a row_number filter
    assert "MONOTONICALLY_INCREASING_ID" in spark_sql("SELECT row_number() OVER () AS k FROM t")


def _doubling_chain(steps: int) -> str:
    """WITH steps each reading the one before twice: Spark plans 2^(steps + 1) - 1 step copies."""
    reads = ", ".join(f"s{i} AS (SELECT a FROM s{i - 1} UNION ALL SELECT a FROM s{i - 1})" for i in range(1, steps + 1))
    return f"WITH s0 AS (SELECT 1 AS a), {reads} SELECT a FROM s{steps}"


def test_with_steps_spark_would_inline_past_its_plan() -> None:
    assert inlined_steps(sqlglot.parse_one(_doubling_chain(4), read="duckdb")) == 31
    assert not spark_problems(_doubling_chain(8))  # 511 copies
    assert any("inlined 2,047 times" in p for p in spark_problems(_doubling_chain(10)))
    # a step read once by each of two readers counts twice; one read by the statement only once
    shared = "WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a), c AS (SELECT x FROM a) SELECT * FROM b, c, a"
    assert inlined_steps(sqlglot.parse_one(shared, read="duckdb")) == 5
    recursive = "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r"
    assert inlined_steps(sqlglot.parse_one(recursive, read="duckdb")) == 1
    assert MAX_INLINED_STEPS > 173  # the suite's largest statement now (detect.features)
