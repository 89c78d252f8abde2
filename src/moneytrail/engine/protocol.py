"""The Engine protocol, after splink's DatabaseAPI: pure functions build SQL, an engine runs it.

SQL handed to an engine stays within what both DuckDB and Spark SQL accept (no ``USING KEY``,
no ``len()`` on lists, no ``//`` on decimals, no DISTINCT inside window functions).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa


class EngineError(RuntimeError):
    """An engine failed to run a statement; the message carries the engine's own reason."""


@runtime_checkable
class Engine(Protocol):
    name: str

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

    def csv_scan_sql(self, path: Path, *, delimiter: str, header: bool, columns: Sequence[str],
                     rejects_table: str) -> str:
        """A FROM-clause expression reading a CSV file (plain or gzip) as all-text columns.

        Rows the reader cannot split are written to ``rejects_table`` (line, reason, raw text)
        instead of failing the read.
        """

    def csv_range_scan_sql(self, path: Path, start: int, end: int, *, delimiter: str, columns: Sequence[str],
                           rejects_table: str) -> str:
        """Like ``csv_scan_sql``, for the bytes [start, end) of a plain-text file: a piece that starts and
        ends on record boundaries and holds no header. Rejects name lines counted from the piece's start."""

    def insert(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run an INSERT; returns the number of rows it inserted."""

    def joins_as_written(self) -> AbstractContextManager[None]:
        """Inside, a hash join builds on the side the SQL puts on the right (for a small lookup table joined
        to a file scan whose size the engine cannot estimate); the setting is restored after."""

    def copy_to_parquet(self, sql: str, path: Path) -> None: ...

    def bulk_load(self) -> AbstractContextManager[None]:
        """Inside, favour write speed over file size and order for large inserts (DuckDB: skip FSST string
        compression, whose analysis costs several times the insert itself; rows may be stored in any order,
        so statements that need file order number rows themselves); settings are restored after."""

    def request_cursor(self, *, seconds: float, row_limit: int) -> AbstractContextManager[Engine]:
        """An engine on its own cursor over the same (read-only) database, for one web request: each query
        returns at most ``row_limit`` rows and work past ``seconds`` is interrupted with an EngineError."""

    def interrupt(self) -> None:
        """Stop the query running on this engine's connection, from another thread."""

    def attach_scratch(self, name: str, path: Path) -> None:
        """Attach a writable database file as ``name``, even to a read-only engine, for derived data."""

    def close(self) -> None: ...


def open_engine(path: Path | str | None = None, *, read_only: bool = False, backend: str = "duckdb",
                threads: int | None = None, memory_limit: str | None = None) -> Engine:
    """Open an engine on a case file; ``None`` opens an in-memory database."""
    if backend == "duckdb":
        from moneytrail.engine.duckdb.engine import DuckDBEngine

        return DuckDBEngine(path, read_only=read_only, threads=threads, memory_limit=memory_limit)
    raise EngineError(f"unknown engine backend {backend!r}; available: duckdb")
