"""The writer API's statements for SQL engines with row-level DML (DuckDB).

Stage code writes only through four engine methods, chosen so that an engine over Parquet files (and
later Delta) can implement each without a row-level UPDATE:

- ``append(table, sql)``: add rows. Parquet: write new files into the table's folder.
- ``replace_partition(table, partition, sql)``: the rows whose columns equal ``partition`` (all rows for
  ``{}``) are replaced by the rows of ``sql`` (none if ``sql`` is None), atomically. DuckDB: DELETE then
  INSERT in one transaction. Parquet: write the new files to a staging folder, then swap them for the
  partition's folder (Delta: ``replaceWhere`` overwrite).
- ``upsert(table, keys, sql)``: rows of ``sql`` whose ``keys`` match a stored row overwrite the columns
  ``sql`` yields; others are inserted (unless ``insert_missing=False``). DuckDB: UPDATE ... FROM then
  INSERT ... WHERE NOT EXISTS. Parquet: rewrite the files holding matched keys (merge-on-rewrite; Delta:
  ``MERGE INTO``).
- ``remove(table, keys, sql)``: the stored rows whose ``keys`` appear in ``sql`` go. Parquet: rewrite the
  files holding them (Delta: ``DELETE`` with deletion vectors).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def columns_clause(columns: Sequence[str] | None) -> str:
    return f" ({', '.join(columns)})" if columns else ""


def append_sql(table: str, sql: str, columns: Sequence[str] | None = None) -> str:
    return f"INSERT INTO {table}{columns_clause(columns)} {sql}"


def partition_delete_sql(table: str, partition: Mapping[str, Any]) -> tuple[str, list[Any]]:
    where = " AND ".join(f"{c} IS NOT DISTINCT FROM ?" for c in partition) or "true"
    return f"DELETE FROM {table} WHERE {where}", list(partition.values())


def upsert_update_sql(table: str, keys: Sequence[str], columns: Sequence[str], source: str) -> str:
    sets = ", ".join(f"{c} = s.{c}" for c in columns if c not in keys)
    match = " AND ".join(f"{table}.{k} = s.{k}" for k in keys)
    return f"UPDATE {table} SET {sets} FROM {source} s WHERE {match}"


def upsert_insert_sql(table: str, keys: Sequence[str], columns: Sequence[str], source: str) -> str:
    match = " AND ".join(f"t.{k} = s.{k}" for k in keys)
    cols = ", ".join(columns)
    return (f"INSERT INTO {table} ({cols}) SELECT {', '.join('s.' + c for c in columns)} FROM {source} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})")


def remove_sql(table: str, keys: Sequence[str], source: str) -> str:
    match = " AND ".join(f"{table}.{k} = s.{k}" for k in keys)
    return f"DELETE FROM {table} WHERE EXISTS (SELECT 1 FROM {source} s WHERE {match})"
