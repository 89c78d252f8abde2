"""The Engine protocol, after splink's DatabaseAPI: pure functions build SQL, an engine runs it.

SQL handed to an engine stays within what both DuckDB and Spark SQL accept (no ``USING KEY``,
no ``len()`` on lists, no ``//`` on decimals, no DISTINCT inside window functions); what the two spell
differently comes from ``engine.dialect`` (``engine/dialect.py``). Intermediate results live in run-owned
scratch tables (``engine.run()``, ``engine/scratch.py``); stored tables change only through the writer
methods (``append``, ``replace_partition``, ``upsert``, ``remove``; ``engine/writer.py``), never through
UPDATE or DELETE in stage code. ``tests/engine/test_sql_portability.py`` checks every statement the test
suite runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

from moneytrail.engine.dialect import Dialect
from moneytrail.engine.scratch import Run


class EngineError(RuntimeError):
    """An engine failed to run a statement; the message carries the engine's own reason."""


@runtime_checkable
class Engine(Protocol):
    name: str
    dialect: Dialect

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run a statement for its effect."""

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a query and return its result as an Arrow table."""

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a query and return Python tuples; for small results only."""

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """The first column of the first row, or None."""

    def batches(self, sql: str, batch_size: int = 100_000) -> Iterator[pa.RecordBatch]:
        """Stream a large result in Arrow record batches."""

    def register_arrow(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table queryable under ``name`` until unregistered."""

    def register_parquet(self, name: str, path: Path) -> None:
        """Make a Parquet file queryable under ``name``."""

    def unregister(self, name: str) -> None: ...

    def transaction(self) -> AbstractContextManager[None]:
        """All statements inside commit together or not at all."""

    # -- run-owned scratch tables (engine/scratch.py) -----------------------------------------
    def run(self) -> AbstractContextManager[Run]:
        """Open a run: the scratch tables it materialises are dropped when it ends (runs nest)."""

    def current_run(self) -> Run | None:
        """The innermost open run, if any (so a step can join the run it is called in)."""

    def scratch_name(self, hint: str = "") -> str:
        """A fresh table name no other scratch table of this engine uses."""

    def create_scratch(self, name: str, sql: str, params: Sequence[Any] | None = None, *,
                       view: bool = False) -> None:
        """Materialise ``sql`` as the scratch table (or view) ``name``; for ``Run`` only."""

    def drop_scratch(self, name: str, *, view: bool = False) -> None: ...

    # -- the writer API (engine/writer.py has the contract of each) ---------------------------
    def append(self, table: str, sql: str, params: Sequence[Any] | None = None, *,
               columns: Sequence[str] | None = None) -> int:
        """Add the rows of ``sql`` to ``table``; returns how many."""

    def replace_partition(self, table: str, partition: Mapping[str, Any], sql: str | None = None,
                          params: Sequence[Any] | None = None, *, columns: Sequence[str] | None = None) -> int:
        """Atomically replace the rows whose columns equal ``partition`` ({} = all) by the rows of ``sql``."""

    def upsert(self, table: str, keys: Sequence[str], sql: str, params: Sequence[Any] | None = None, *,
               insert_missing: bool = True) -> None:
        """Rows of ``sql`` overwrite the columns they carry in stored rows with equal ``keys``; others are added."""

    def remove(self, table: str, keys: Sequence[str], sql: str, params: Sequence[Any] | None = None) -> None:
        """Remove the stored rows whose ``keys`` appear among the rows of ``sql``."""

    # -- catalog -----------------------------------------------------------------------------
    def apply_schema(self, statements: Sequence[str]) -> None:
        """Run a migration's DDL statements (engine-specific types and constraints are allowed there)."""

    def table_names(self) -> list[str]:
        """The stored (not scratch) tables and views of the case, sorted."""

    def column_names(self, table: str) -> list[str]:
        """A stored table's columns in order; empty if there is no such table."""

    # -- engine-specific capabilities, each with a contract any engine can meet ---------------
    def csv_scan_sql(self, path: Path, *, delimiter: str, header: bool, columns: Sequence[str],
                     rejects_table: str, quote: str = '"') -> str:
        """A FROM-clause expression reading a CSV file (plain or gzip) as all-text columns.

        Records the reader cannot split are not fatal: they become rows of the relation ``rejects_table``
        with columns (line, csv_line, error_type, error_message): the record's line counted from the start
        of what was read, its raw text and why it was rejected. An engine whose reader has no such table
        reads the file as single-column lines and splits them itself, then exposes the same relation.
        """

    def csv_range_scan_sql(self, path: Path, start: int, end: int, *, delimiter: str, columns: Sequence[str],
                           rejects_table: str, quote: str = '"') -> str:
        """Like ``csv_scan_sql``, for the bytes [start, end) of a plain-text file: a piece that starts and
        ends on record boundaries and holds no header. Rejects name lines counted from the piece's start."""

    def insert(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run an INSERT; returns the number of rows it inserted."""

    def joins_as_written(self) -> AbstractContextManager[None]:
        """Inside, a hash join builds on the side the SQL puts on the right (for a small lookup table joined
        to a file scan whose size the engine cannot estimate); the setting is restored after."""

    def copy_to_parquet(self, sql: str, path: Path) -> None: ...

    def bulk_load(self) -> AbstractContextManager[None]:
        """Inside, favour write speed over file size and row order for large inserts: rows may be stored in
        any order (statements that need file order number rows themselves) and costly compression analysis
        may be skipped; whatever the engine changed is restored after."""

    def request_cursor(self, *, seconds: float, row_limit: int) -> AbstractContextManager[Engine]:
        """An engine on its own cursor over the same (read-only) database, for one web request: each query
        returns at most ``row_limit`` rows and work past ``seconds`` is interrupted with an EngineError."""

    def interrupt(self) -> None:
        """Stop the query running on this engine's connection, from another thread."""

    def attach_scratch(self, name: str, path: Path) -> None:
        """Attach a writable database file as ``name``, even to a read-only engine, for derived data."""

    def close(self) -> None: ...


ENGINE_ENV = "MONEYTRAIL_ENGINE"
BACKENDS = ("duckdb", "spark")


def engine_backend(backend: str | None = None) -> str:
    """The backend asked for: ``backend``, else ``MONEYTRAIL_ENGINE``, else duckdb."""
    import os

    chosen = (backend or os.environ.get(ENGINE_ENV) or "duckdb").lower()
    if chosen not in BACKENDS:
        raise EngineError(f"unknown engine backend {chosen!r}; available: {', '.join(BACKENDS)}")
    return chosen


def open_engine(path: Path | str | None = None, *, read_only: bool = False, backend: str | None = None,
                threads: int | None = None, memory_limit: str | None = None, spark_master: str | None = None,
                spark_session: Any = None) -> Engine:
    """Open an engine on a case (a DuckDB file, or a Spark case folder); ``None`` opens a throw-away one.

    ``backend`` duckdb | spark (default: ``MONEYTRAIL_ENGINE``, else duckdb). On Spark, ``spark_master``
    names a cluster (default ``local[threads or *]``) and ``spark_session`` supplies a configured session.
    """
    chosen = engine_backend(backend)
    if chosen == "spark":
        from moneytrail.engine.spark.engine import SparkEngine

        return SparkEngine(path, read_only=read_only, session=spark_session, master=spark_master,
                           threads=threads, memory_limit=memory_limit)
    from moneytrail.engine.duckdb.engine import DuckDBEngine

    return DuckDBEngine(path, read_only=read_only, threads=threads, memory_limit=memory_limit)
