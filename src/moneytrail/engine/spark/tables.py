"""The writer API on Parquet tables: new files for appends, merge-on-rewrite for everything else.

Each function builds the DataFrame of a table's new files, writes it to a fresh write folder (the staging
location, see ``catalog.py``) and returns the table's new file list; the engine commits it by a catalog
swap. Only the files that hold affected rows are rewritten: the rows' files are found with
``input_file_name()`` on the scan, so an upsert of ten findings rewrites the one or two files that held
them, not the whole table. Delta Lake does the same with ``MERGE INTO`` / ``DELETE`` (plus deletion
vectors) and ``replaceWhere``: a Delta writer would replace these functions one for one.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import pyarrow.parquet as pq

from moneytrail.engine.protocol import EngineError
from moneytrail.engine.spark.catalog import Catalog, TableEntry

if TYPE_CHECKING:
    from pyspark.sql import Column as SparkColumn
    from pyspark.sql import DataFrame, SparkSession

FILE_COLUMN = "_mt_file"


def read_files(spark: SparkSession, entry: TableEntry, files: Sequence[Path]) -> DataFrame:
    """The table's rows in ``files`` (all of them: an empty frame with the table's schema for none)."""
    if not files:
        return spark.createDataFrame([], schema=entry.ddl())
    return spark.read.schema(entry.ddl()).parquet(*[str(f) for f in files])


def aligned(entry: TableEntry, df: DataFrame, columns: Sequence[str] | None, table: str) -> DataFrame:
    """``df``'s columns (positionally ``columns``, else every column of the table, as INSERT does) in the
    table's order and types; columns it lacks get their default or NULL."""
    from pyspark.sql import functions as F

    names = [c.lower() for c in (columns or [c.name for c in entry.columns])]
    if len(df.columns) != len(names):
        raise EngineError(f"{table}: {len(df.columns)} values for {len(names)} columns ({', '.join(names)})")
    unknown = [n for n in names if entry.column(n) is None]
    if unknown:
        raise EngineError(f"{table} has no column {', '.join(unknown)}")
    df = df.toDF(*[f"_v{i}" for i in range(len(names))])  # positional: the query's own names do not matter
    out = []
    for column in entry.columns:
        if column.name.lower() in names:
            value = F.col(f"_v{names.index(column.name.lower())}")
        elif column.default is not None:
            value = F.expr(column.default)
        else:
            value = F.lit(None)
        out.append(value.cast(column.type).alias(column.name))
    return df.select(*out)


SMALL_WRITE = 16 << 20  # bytes, by Spark's own estimate of the plan: collected and written on the driver


def estimated_bytes(df: DataFrame) -> int | None:
    """Spark's size estimate of ``df``'s optimised plan (its statistics; None when it cannot say)."""
    try:
        return int(str(df._jdf.queryExecution().optimizedPlan().stats().sizeInBytes()))
    except Exception:
        return None


def write(catalog: Catalog, table: str, df: DataFrame) -> tuple[list[str], int]:
    """Write ``df`` (already aligned) as new files of ``table``; returns their relative paths and row count.
    A small result (a few findings, one meta row) is collected and written by pyarrow: one Spark job instead
    of a distributed write and its commit protocol, which cost a second or more each on local[2]."""
    folder = catalog.new_write_folder(table)
    size = estimated_bytes(df)
    if size is not None and size <= SMALL_WRITE:
        rows = df.toArrow()
        if rows.num_rows == 0:
            return [], 0  # no empty files: each would be read by every later scan
        folder.mkdir()
        pq.write_table(rows, folder / "part-00000.parquet")
        return [catalog.relative(folder / "part-00000.parquet")], rows.num_rows
    df.write.mode("errorifexists").parquet(str(folder))
    counts = {f: pq.read_metadata(f).num_rows for f in sorted(folder.glob("part-*.parquet"))}
    if not any(counts.values()):
        shutil.rmtree(folder, ignore_errors=True)
        return [], 0
    return [catalog.relative(f) for f, n in counts.items() if n], sum(counts.values())


def _match(left: DataFrame, right: DataFrame, keys: Sequence[str]) -> SparkColumn:
    condition = None
    for key in keys:
        term = left[key] == right[f"_k_{key}"]
        condition = term if condition is None else condition & term
    assert condition is not None
    return condition


def _files_holding(catalog: Catalog, table: str, df_with_file: DataFrame) -> list[str]:
    """Relative paths of the files ``df_with_file``'s rows came from (its ``_mt_file`` column)."""
    by_path = {f.resolve(): rel for f, rel in zip(catalog.files(table), catalog.table(table).files, strict=True)}  # type: ignore[union-attr]
    found = []
    for (uri,) in df_with_file.select(FILE_COLUMN).distinct().collect():
        path = Path(unquote(urlparse(str(uri)).path)).resolve()
        if path not in by_path:
            raise EngineError(f"{table}: a row came from {uri}, which the catalog does not list")
        found.append(by_path[path])
    return found


def _scan(spark: SparkSession, catalog: Catalog, table: str) -> DataFrame:
    from pyspark.sql import functions as F

    entry = _entry(catalog, table)
    return read_files(spark, entry, catalog.files(table)).withColumn(FILE_COLUMN, F.input_file_name())


def _entry(catalog: Catalog, table: str) -> TableEntry:
    entry = catalog.table(table)
    if entry is None:
        raise EngineError(f"no stored table {table}")
    return entry


def _rest(spark: SparkSession, catalog: Catalog, table: str, hit: list[str]) -> tuple[list[str], DataFrame]:
    """The files not hit (kept as they are) and the rows of the hit ones (to rewrite)."""
    entry = _entry(catalog, table)
    kept = [f for f in entry.files if f not in set(hit)]
    return kept, read_files(spark, entry, [catalog.root / f for f in hit])


def replace_partition(spark: SparkSession, catalog: Catalog, table: str, partition: Mapping[str, Any],
                      new_rows: DataFrame | None) -> tuple[list[str], int]:
    """Files of ``table`` once the rows equal to ``partition`` (null-safe) are replaced by ``new_rows``."""
    from pyspark.sql import functions as F

    entry = _entry(catalog, table)
    in_partition = F.lit(True)
    for column, value in partition.items():
        in_partition = in_partition & F.col(column).eqNullSafe(F.lit(value))
    if partition:
        hit = _files_holding(catalog, table, _scan(spark, catalog, table).where(in_partition))
    else:
        hit = list(entry.files)
    kept, old = _rest(spark, catalog, table, hit)
    files = list(kept)
    if partition and hit:
        files += write(catalog, table, old.where(~in_partition))[0]
    added = 0
    if new_rows is not None:
        written, added = write(catalog, table, new_rows)
        files += written
    return files, added


def upsert(spark: SparkSession, catalog: Catalog, table: str, keys: Sequence[str], source: DataFrame,
           insert_missing: bool) -> list[str]:
    """Files of ``table`` once the rows of ``source`` overwrite the columns they carry in rows with equal
    ``keys`` (the files holding those rows are rewritten) and, if ``insert_missing``, the others are added."""
    from pyspark.sql import functions as F

    entry = _entry(catalog, table)
    source = source.dropDuplicates(list(keys))  # one source row per key, as UPDATE ... FROM would pick
    carried = [c for c in source.columns if c.lower() not in {k.lower() for k in keys}]
    keyed = source.select(*[F.col(c).alias(f"_k_{c}") for c in source.columns]).withColumn("_k_hit", F.lit(True))
    scan = _scan(spark, catalog, table)
    hit = _files_holding(catalog, table, scan.join(keyed, _match(scan, keyed, keys), "left_semi")) if carried else []
    kept, old = _rest(spark, catalog, table, hit)
    parts = []
    if hit:
        joined = old.join(keyed, _match(old, keyed, keys), "left")
        lower = {c.lower(): c for c in carried}
        parts.append(joined.select(*[
            (F.when(F.col("_k_hit").isNotNull(), F.col(f"_k_{lower[c.name.lower()]}")).otherwise(old[c.name])
             .cast(c.type).alias(c.name)) if c.name.lower() in lower else old[c.name]
            for c in entry.columns]))
    if insert_missing:
        stored = read_files(spark, entry, catalog.files(table)).select(*keys).toDF(*[f"_k_{k}" for k in keys])
        missing = source.join(stored, _match(source, stored, keys), "left_anti")
        parts.append(aligned(entry, missing, list(source.columns), table))
    files = list(kept)
    for part in parts:
        files += write(catalog, table, part)[0]
    return files


def remove(spark: SparkSession, catalog: Catalog, table: str, keys: Sequence[str], source: DataFrame) -> list[str]:
    """Files of ``table`` once the rows whose ``keys`` appear in ``source`` are gone (their files rewritten)."""
    keyed = source.select(*keys).toDF(*[f"_k_{k}" for k in keys])
    scan = _scan(spark, catalog, table)
    hit = _files_holding(catalog, table, scan.join(keyed, _match(scan, keyed, keys), "left_semi"))
    kept, old = _rest(spark, catalog, table, hit)
    if not hit:
        return kept
    return kept + write(catalog, table, old.join(keyed, _match(old, keyed, keys), "left_anti"))[0]
