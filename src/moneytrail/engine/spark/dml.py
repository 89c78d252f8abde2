"""Row-level DELETE and UPDATE on Parquet tables, as Delta Lake runs them: merge-on-rewrite of the files that
hold matched rows (``tables.py``), committed by the engine's catalog swap.

Stage code writes through the writer API; these statements remain in ``store/`` modules not yet converted
(``store/findings.py``'s replacement of a result, ``store/rewrites.py``'s corrections; see
``tests/engine/test_sql_portability.py``'s NOT_YET_PORTABLE). Supported: ``DELETE FROM t WHERE p``,
``UPDATE t SET c = e, ... [FROM s [alias]] WHERE p`` with at most one row of ``s`` matching a row of ``t``
(as in every such statement here; DuckDB picks an arbitrary one otherwise). ``?`` parameters become named
ones (``:mt_p0``...), so one parameter list serves each of the statement's parts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from moneytrail.engine.protocol import EngineError
from moneytrail.engine.spark import tables
from moneytrail.engine.spark.catalog import Catalog
from moneytrail.engine.spark.translate import parse, spark_expression

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_SCAN, _OLD, _SOURCE = "_mt_dml_scan", "_mt_dml_old", "_mt_dml_source"


def named_parameters(sql: str, params: Sequence[Any] | None) -> tuple[str, dict[str, Any]]:
    """``?`` markers outside string literals as ``$mt_pN`` (sqlglot writes them ``:mt_pN`` for Spark)."""
    if not params:
        return sql, {}
    parts = re.split(r"('(?:[^']|'')*')", sql)
    count = 0
    for i in range(0, len(parts), 2):
        pieces = parts[i].split("?")
        out = pieces[0]
        for piece in pieces[1:]:
            out += f"$mt_p{count}" + piece
            count += 1
        parts[i] = out
    if count != len(params):
        raise EngineError(f"{count} parameter markers for {len(params)} values in:\n{sql[:500]}")
    return "".join(parts), {f"mt_p{i}": v for i, v in enumerate(params)}


def run_dml(spark: SparkSession, catalog: Catalog, sql: str, params: Sequence[Any] | None) -> list[str] | None:
    """The table's new file list after the DELETE or UPDATE ``sql`` (None: nothing matched, nothing to do)."""
    text, args = named_parameters(sql, params)
    tree = parse(text)
    table = tree.this.name
    entry = catalog.table(table)
    if entry is None:
        raise EngineError(f"no stored table {table}")
    where = tree.args.get("where")
    predicate = spark_expression(where.this) if where is not None else "true"
    source = _source(tree)
    scan = tables.read_files(spark, entry, catalog.files(table))
    from pyspark.sql import functions as F

    scan.withColumn(tables.FILE_COLUMN, F.input_file_name()).createOrReplaceTempView(_SCAN)
    joined = f"{_SCAN} AS {table}" + (f" JOIN {source[0]} AS {source[1]} ON {predicate}" if source else "")
    condition = "true" if source else predicate
    hit_rows = spark.sql(f"SELECT DISTINCT {table}.{tables.FILE_COLUMN} FROM {joined} WHERE {condition}",
                         args=args or None)
    hit = tables._files_holding(catalog, table, hit_rows)
    spark.catalog.dropTempView(_SCAN)
    if not hit:
        return None
    kept, old = tables._rest(spark, catalog, table, hit)
    old.createOrReplaceTempView(_OLD)
    try:
        new = _rewritten(spark, tree, table, [c.name for c in entry.columns], predicate, source, args)
        return kept + tables.write(catalog, table, tables.aligned(entry, new, None, table))[0]
    finally:
        spark.catalog.dropTempView(_OLD)


def rewrite_frame(spark: SparkSession, frame: DataFrame, sql: str, params: Sequence[Any] | None) -> DataFrame:
    """A scratch table's rows after the DELETE or UPDATE ``sql`` (a run's own table: no files, no commit)."""
    text, args = named_parameters(sql, params)
    tree = parse(text)
    where = tree.args.get("where")
    predicate = spark_expression(where.this) if where is not None else "true"
    frame.createOrReplaceTempView(_OLD)
    try:
        return _rewritten(spark, tree, tree.this.name, list(frame.columns), predicate, _source(tree), args)
    finally:
        spark.catalog.dropTempView(_OLD)


def _source(tree: exp.Expression) -> tuple[str, str] | None:
    """An UPDATE's FROM as (relation marked with ``_mt_hit``, alias), or None."""
    clause = tree.args.get("from_") or tree.args.get("from")
    if clause is None:
        return None
    relation = clause.this
    alias = relation.alias_or_name
    inner = spark_expression(relation.this if isinstance(relation, exp.Subquery) else exp.table_(relation.name))
    body = inner if isinstance(relation, exp.Subquery) else f"SELECT * FROM {inner}"
    return f"(SELECT *, true AS _mt_hit FROM ({body}) {_SOURCE})", alias


def _rewritten(spark: SparkSession, tree: exp.Expression, table: str, columns: list[str], predicate: str,
               source: tuple[str, str] | None, args: dict[str, Any]) -> DataFrame:
    if isinstance(tree, exp.Delete):
        return spark.sql(f"SELECT * FROM {_OLD} AS {table} WHERE NOT coalesce(({predicate}), false)", args=args or None)
    if not isinstance(tree, exp.Update):
        raise EngineError(f"not a DELETE or UPDATE: {tree.key}")
    sets = {e.this.name.lower(): spark_expression(e.expression) for e in tree.expressions}
    unknown = set(sets) - {c.lower() for c in columns}
    if unknown:
        raise EngineError(f"{table} has no column {', '.join(sorted(unknown))}")
    matched = f"{source[1]}._mt_hit IS NOT NULL" if source else f"coalesce(({predicate}), false)"
    select = ", ".join(f"CASE WHEN {matched} THEN {sets[c.lower()]} ELSE {table}.{c} END AS {c}"
                       if c.lower() in sets else f"{table}.{c}" for c in columns)
    joined = f" LEFT JOIN {source[0]} AS {source[1]} ON {predicate}" if source else ""
    return spark.sql(f"SELECT {select} FROM {_OLD} AS {table}{joined}", args=args or None)
