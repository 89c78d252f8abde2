"""DuckDB implementation of the Engine protocol: one DuckDB file per case."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from moneytrail.engine import writer
from moneytrail.engine.capture import Capture
from moneytrail.engine.dialect import DUCKDB, Dialect
from moneytrail.engine.protocol import EngineError
from moneytrail.engine.scratch import Run, RunStack, scratch_name

if TYPE_CHECKING:
    from moneytrail.engine.duckdb.ranges import ByteRangeFileSystem


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBEngine:
    name = "duckdb"
    dialect: Dialect = DUCKDB
    _opening = threading.Lock()  # cursors are opened one at a time on the shared connection

    def __init__(self, path: Path | str | None, *, read_only: bool = False, threads: int | None = None,
                 memory_limit: str | None = None) -> None:
        self.path = None if path is None else Path(path)
        config: dict[str, Any] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        try:
            self._con = duckdb.connect(":memory:" if path is None else str(path), read_only=read_only,
                                       config=config)
        except duckdb.Error as exc:
            raise EngineError(f"cannot open case store {path}: {exc}") from exc
        self._depth = 0
        self._ranges: ByteRangeFileSystem | None = None
        self._runs = RunStack(self)
        self._names = itertools.count(1)
        self._capture = Capture()
        self._row_limit: int | None = None  # set on request cursors only
        self._deadline: float | None = None

    # -- running SQL -------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._execute(sql, params, None)

    def _execute(self, sql: str, params: Sequence[Any] | None, owner: str | None) -> None:
        self._capture.record(sql, owner)
        try:
            self._con.execute(sql, params)
        except duckdb.Error as exc:
            raise EngineError(f"{exc}\n-- while running:\n{sql[:2000]}") from exc

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        self._check_deadline()
        self._capture.record(sql)
        try:
            relation = self._con.sql(sql, params=params)
            if self._row_limit is not None:
                relation = relation.limit(self._row_limit)
            return relation.to_arrow_table()
        except duckdb.Error as exc:
            raise EngineError(f"{exc}\n-- while running:\n{sql[:2000]}") from exc

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return self._rows(sql, params, None)

    def _rows(self, sql: str, params: Sequence[Any] | None, owner: str | None) -> list[tuple[Any, ...]]:
        self._capture.record(sql, owner)
        self._check_deadline()
        try:
            result = self._con.execute(sql, params)
            return result.fetchall() if self._row_limit is None else result.fetchmany(self._row_limit)
        except duckdb.Error as exc:
            raise EngineError(f"{exc}\n-- while running:\n{sql[:2000]}") from exc

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        result = self.rows(sql, params)
        return result[0][0] if result else None

    def batches(self, sql: str, batch_size: int = 100_000) -> Iterator[pa.RecordBatch]:
        self._capture.record(sql)
        try:
            reader: pa.RecordBatchReader = self._con.sql(sql).to_arrow_reader(batch_size)
        except duckdb.Error as exc:
            raise EngineError(f"{exc}\n-- while running:\n{sql[:2000]}") from exc
        yield from reader

    # -- registering data --------------------------------------------------------------------
    def register_arrow(self, name: str, table: pa.Table) -> None:
        self._con.register(name, table)

    def register_parquet(self, name: str, path: Path) -> None:
        self._execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM read_parquet({_quote_literal(str(path))})",
                      None, "files")

    def unregister(self, name: str) -> None:
        try:
            self._con.unregister(name)
        except duckdb.Error:
            self._execute(f"DROP VIEW IF EXISTS {name}", None, "scratch")

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Nested calls join the outer transaction; the outermost commits or rolls back."""
        if self._depth == 0:
            self._execute("BEGIN TRANSACTION", None, "settings")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._con.execute("ROLLBACK")
            raise
        self._depth -= 1
        if self._depth == 0:
            self._execute("COMMIT", None, "settings")

    # -- files -------------------------------------------------------------------------------
    def csv_scan_sql(self, path: Path, *, delimiter: str, header: bool, columns: Sequence[str],
                     rejects_table: str, quote: str = '"') -> str:
        return self._read_csv_sql(str(path), delimiter=delimiter, header=header, columns=columns,
                                  rejects_table=rejects_table, quote=quote)

    def csv_range_scan_sql(self, path: Path, start: int, end: int, *, delimiter: str, columns: Sequence[str],
                           rejects_table: str, quote: str = '"') -> str:
        if self._ranges is None:
            from moneytrail.engine.duckdb.ranges import ByteRangeFileSystem
            self._ranges = ByteRangeFileSystem()
            self._con.register_filesystem(self._ranges)
        # Ranges stay registered for the connection's life: a few bytes each, and a query may still read them.
        url = self._ranges.add(path, start, end)
        return self._read_csv_sql(url, delimiter=delimiter, header=False, columns=columns,
                                  rejects_table=rejects_table, quote=quote)

    def _read_csv_sql(self, location: str, *, delimiter: str, header: bool, columns: Sequence[str],
                      rejects_table: str, quote: str = '"') -> str:
        cols = ", ".join(f"{_quote_literal(c)}: 'VARCHAR'" for c in columns)
        return self._capture.fragment(
            f"read_csv({_quote_literal(location)}, delim={_quote_literal(delimiter)}, "
            f"header={'true' if header else 'false'}, columns={{{cols}}}, quote={_quote_literal(quote)}, "
            f"escape={_quote_literal(quote)}, "
            f"store_rejects=true, rejects_table={_quote_literal(rejects_table)}, "
            f"rejects_scan={_quote_literal(rejects_table + '_scan')}, parallel=true, "
            "strict_mode=true, null_padding=false, auto_detect=false)"
        )

    def insert(self, sql: str, params: Sequence[Any] | None = None) -> int:
        return int(self.rows(sql, params)[0][0])

    # -- run-owned scratch tables ------------------------------------------------------------
    def run(self) -> AbstractContextManager[Run]:
        return self._runs.run()

    def current_run(self) -> Run | None:
        return self._runs.current

    def scratch_name(self, hint: str = "") -> str:
        return scratch_name(hint, next(self._names))

    def create_scratch(self, name: str, sql: str, params: Sequence[Any] | None = None, *,
                       view: bool = False) -> None:
        self._capture.record(sql)
        wrapped = (f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}" if view
                   else self.dialect.scratch_table_sql(name, sql))
        self._execute(wrapped, params, "scratch")

    def drop_scratch(self, name: str, *, view: bool = False) -> None:
        self._execute(f"DROP VIEW IF EXISTS {name}" if view else self.dialect.drop_scratch_sql(name), None,
                      "scratch")

    # -- the writer API (engine/writer.py) ---------------------------------------------------
    def append(self, table: str, sql: str, params: Sequence[Any] | None = None, *,
               columns: Sequence[str] | None = None) -> int:
        self._capture.record(sql)
        return int(self._rows(writer.append_sql(table, sql, columns), params, "writer")[0][0])

    def replace_partition(self, table: str, partition: Mapping[str, Any], sql: str | None = None,
                          params: Sequence[Any] | None = None, *, columns: Sequence[str] | None = None) -> int:
        delete, keys = writer.partition_delete_sql(table, partition)
        with self.transaction():
            self._execute(delete, keys, "writer")
            return 0 if sql is None else self.append(table, sql, params, columns=columns)

    def upsert(self, table: str, keys: Sequence[str], sql: str, params: Sequence[Any] | None = None, *,
               insert_missing: bool = True) -> None:
        with self.transaction(), self.run() as run:
            source = run.materialise(sql, params)
            columns = [str(r[0]) for r in self._rows(f"DESCRIBE {source}", None, "writer")]
            if [c for c in columns if c not in keys]:
                self._execute(writer.upsert_update_sql(table, keys, columns, source.name), None, "writer")
            if insert_missing:
                self._execute(writer.upsert_insert_sql(table, keys, columns, source.name), None, "writer")

    def remove(self, table: str, keys: Sequence[str], sql: str, params: Sequence[Any] | None = None) -> None:
        self._capture.record(sql)
        self._execute(writer.remove_sql(table, keys, f"({sql})"), params, "writer")

    # -- catalog -----------------------------------------------------------------------------
    def apply_schema(self, statements: Sequence[str]) -> None:
        for sql in statements:
            self._execute(sql, None, "catalog")

    def table_names(self) -> list[str]:
        return [str(r[0]) for r in self._rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1", None,
            "catalog")]

    def column_names(self, table: str) -> list[str]:
        return [str(r[0]) for r in self._rows(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? "
            "ORDER BY ordinal_position", [table], "catalog")]

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Skip FSST string compression (its analysis costs several times the insert itself) and insertion
        order (lets a UNION ALL of single-threaded numbered scans run on every core)."""
        names = ("disabled_compression_methods", "preserve_insertion_order", "disabled_optimizers")
        previous = self._rows(f"SELECT {', '.join(f'current_setting({_quote_literal(n)})' for n in names)}",
                              None, "settings")[0]
        self._execute("SET disabled_compression_methods = 'fsst,dict_fsst'", None, "settings")
        # Lets a UNION ALL of single-threaded numbered scans run on every core at once.
        self._execute("SET preserve_insertion_order = false", None, "settings")
        try:
            yield
        finally:
            # Restored here too: a statement that failed inside a transaction leaves it unable to run SET.
            self._con.execute(f"SET disabled_compression_methods = {_quote_literal(str(previous[0] or ''))}")
            self._con.execute(f"SET preserve_insertion_order = {'true' if previous[1] else 'false'}")
            self._con.execute(f"SET disabled_optimizers = {_quote_literal(str(previous[2] or ''))}")

    @contextmanager
    def joins_as_written(self) -> Iterator[None]:
        # DuckDB puts the side it estimates smaller on the build side of a hash join; it cannot estimate a
        # CSV scan, and once built a hash table of 5M parsed rows to probe a few thousand rates with.
        previous = str(self._rows("SELECT current_setting('disabled_optimizers')", None, "settings")[0][0] or "")
        wanted = ",".join(filter(None, [previous, "build_side_probe_side"]))
        self._execute(f"SET disabled_optimizers = {_quote_literal(wanted)}", None, "settings")
        try:
            yield
        finally:
            with suppress(duckdb.Error):  # an aborted transaction refuses SET; bulk_load restores it then
                self._con.execute(f"SET disabled_optimizers = {_quote_literal(previous)}")

    def copy_to_parquet(self, sql: str, path: Path) -> None:
        self._capture.record(sql)
        self._execute(f"COPY ({sql}) TO {_quote_literal(str(path))} (FORMAT PARQUET)", None, "files")

    # -- request cursors (the datasette pattern) ------------------------------------------------
    @contextmanager
    def request_cursor(self, *, seconds: float, row_limit: int) -> Iterator[DuckDBEngine]:
        """An engine on a cursor of its own over this database, for one web request: each query returns at
        most ``row_limit`` rows, and work still running ``seconds`` after the cursor opened is interrupted
        (EngineError), so one slow request neither blocks nor outlives the others."""
        with self._opening:
            cursor = self._con.cursor()
        engine = DuckDBEngine.__new__(DuckDBEngine)
        engine.path, engine._con, engine._depth, engine._ranges = self.path, cursor, 0, None
        engine._runs, engine._names, engine._capture = RunStack(engine), itertools.count(1), self._capture
        engine._row_limit, engine._deadline = row_limit, time.monotonic() + seconds
        timer = threading.Timer(seconds, cursor.interrupt)
        timer.daemon = True
        timer.start()
        try:
            yield engine
        finally:
            timer.cancel()
            cursor.close()

    def interrupt(self) -> None:
        """Stop the query running on this engine's connection (from another thread); it raises EngineError.
        A connection closed meanwhile (its work finished between the caller's check and this call) runs
        nothing, so there is nothing to stop."""
        with suppress(duckdb.ConnectionException):
            self._con.interrupt()

    def attach_scratch(self, name: str, path: Path, *, row_group_rows: int | None = None) -> None:
        """Attach a writable database file as ``name`` beside this one, even when this one is read-only: a
        home for data derived from a read-only case (the explorer's index), visible to its cursors. Smaller
        row groups (``row_group_rows``, a multiple of 2,048) let zone maps skip more on look-ups."""
        if not name.isidentifier():
            raise EngineError(f"not a database name: {name!r}")
        size = "" if row_group_rows is None else f", ROW_GROUP_SIZE {int(row_group_rows)}"
        self._execute(f"ATTACH {_quote_literal(str(path))} AS {name} (READ_ONLY false{size})", None, "files")

    def _check_deadline(self) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise EngineError("time limit: the request ran out of time before this query started")

    def close(self) -> None:
        self._con.close()

    # -- issue 13, second part: Parquet input ----------------------------------------------------
    def parquet_scan_sql(self, path: Path) -> str:
        return self._capture.fragment(f"read_parquet({_quote_literal(str(path))}, file_row_number = true)")

    @contextmanager
    def memory_cap(self, limit_mb: int) -> Iterator[None]:
        """DuckDB's memory limit is one per database: the cap holds for every cursor while it lasts."""
        previous = str(self._rows("SELECT current_setting('memory_limit')", None, "settings")[0][0])
        self._execute(f"SET memory_limit = '{int(limit_mb)}MB'", None, "settings")
        try:
            yield
        finally:
            with suppress(duckdb.Error):
                self._con.execute(f"SET memory_limit = {_quote_literal(previous)}")
