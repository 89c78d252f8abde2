"""Spark implementation of the Engine protocol: a case is a folder of Parquet tables (``catalog.py``).

Statements arrive in the portable SQL stage code writes and are translated once (``translate.py``); each
stored table is a temp view over its committed files, re-registered after every write; scratch tables are
cached DataFrames behind temp views, dropped with their run; writes go through ``tables.py`` and
commit by a catalog swap. ``transaction()`` is the staging/commit unit: writes inside it are visible to
the statements that follow and become durable together when the outermost one ends (or are forgotten).
"""

from __future__ import annotations

import importlib
import itertools
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from moneytrail.engine.dialect import Dialect, SparkDialect
from moneytrail.engine.protocol import EngineError
from moneytrail.engine.scratch import Run, RunStack, scratch_name
from moneytrail.engine.spark import dml, tables
from moneytrail.engine.spark.catalog import Catalog, TableEntry
from moneytrail.engine.spark.profile import profiled
from moneytrail.engine.spark.scratchfiles import ScratchFiles
from moneytrail.engine.spark.session import spark_session
from moneytrail.engine.spark.translate import column_of, parse, spark_expression, spark_statement, table_schema

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


class SparkEngineDialect(SparkDialect):
    """Spark spellings for what stage code asks the dialect for. A small map stays a DuckDB ``MAP {...}``
    literal, which the translator turns into Spark's ``map(...)``: sqlglot's DuckDB reader, which every
    statement passes through, keeps only the first pair of a ``map(k1, v1, k2, v2)`` call."""

    lookup_sql = Dialect.lookup_sql


SPARK_ENGINE = SparkEngineDialect()


def _naive_utc(table: pa.Table) -> pa.Table:
    """Spark's TIMESTAMP comes as UTC-zoned Arrow; the case's timestamps are naive UTC, as on DuckDB."""
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type) and f.type.tz is not None:
            table = table.set_column(i, f.name, table.column(i).cast(pa.timestamp(f.type.unit)))
    return table


def union_of(parts: Sequence[DataFrame]) -> DataFrame:
    """A scratch table's rows: its parts (the first write, then one per append) one after the other."""
    frame = parts[0]
    for part in parts[1:]:
        frame = frame.unionAll(part)
    return frame


class SparkEngine:
    name = "spark"
    dialect: Dialect = SPARK_ENGINE

    def __init__(self, path: Path | str | None, *, read_only: bool = False, session: SparkSession | None = None,
                 master: str | None = None, threads: int | None = None, memory_limit: str | None = None) -> None:
        self._temporary = path is None
        self.path = Path(tempfile.mkdtemp(prefix="moneytrail-spark-")) if path is None else Path(path)
        self.read_only = read_only
        try:
            self.catalog = Catalog(self.path)
        except ValueError as exc:
            raise EngineError(str(exc)) from exc
        if read_only and not Catalog.exists(self.path):
            raise EngineError(f"no Spark case at {self.path} (no catalog.json)")
        # Its own session on the shared context: temp views (tables, scratch) are per engine, as a DuckDB
        # connection's are, so two cases open in one process never see each other's tables.
        self.spark = (session or spark_session(master, threads=threads, memory=memory_limit)).newSession()
        self._depth = 0
        self._snapshot: Any = None
        self._runs = RunStack(self)
        self._names = itertools.count(1)
        self._scratch: dict[str, list[DataFrame]] = {}  # a scratch table's parts (appends add one)
        self._files = ScratchFiles(None if read_only else self.path, busy=self._jobs_running)
        self._row_limit: int | None = None
        self._stale: set[str] = set()  # stored tables whose temp view is out of date (registered lazily)
        if not read_only:
            self.catalog.vacuum()
        self._register_all()

    def _jobs_running(self) -> bool:
        """Does a Spark job of this context run now? Between this engine's own (blocking) queries, one that
        does is a job adaptive execution left behind (``scratchfiles``) or another engine's."""
        return bool(self.spark.sparkContext.statusTracker().getActiveJobsIds())

    # -- running SQL -------------------------------------------------------------------------
    def _df(self, sql: str, params: Sequence[Any] | None = None) -> DataFrame:
        self._refresh()
        try:
            text = spark_statement(sql)
        except Exception as exc:  # sqlglot's parse and token errors
            raise EngineError(f"cannot translate to Spark SQL: {exc}\n-- while running:\n{sql[:2000]}") from exc
        try:
            df = self.spark.sql(text, args=list(params)) if params else self.spark.sql(text)
        except Exception as exc:  # pyspark's AnalysisException, ParseException, Py4JJavaError
            raise EngineError(f"{exc}\n-- while running:\n{text[:2000]}") from exc
        return df

    def _arrow(self, df: DataFrame, sql: str) -> pa.Table:
        if self._row_limit is not None:
            df = df.limit(self._row_limit)
        try:
            return _naive_utc(df.toArrow())
        except Exception as exc:
            raise EngineError(f"{exc}\n-- while running:\n{sql[:2000]}") from exc

    @profiled
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._statement(sql, params)

    @profiled
    def insert(self, sql: str, params: Sequence[Any] | None = None) -> int:
        return self._statement(sql, params)

    @profiled
    def query(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        return self._arrow(self._df(sql, params), sql)

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        table = self.query(sql, params)
        return list(zip(*[c.to_pylist() for c in table.columns], strict=True)) if table.num_columns else []

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        result = self.rows(sql, params)
        return result[0][0] if result else None

    def batches(self, sql: str, batch_size: int = 100_000) -> Iterator[pa.RecordBatch]:
        # Collected on the driver: a streaming read (toLocalIterator) would hold a job open between batches.
        yield from self.query(sql).to_batches(batch_size)

    # -- statements that are not queries -----------------------------------------------------
    def _statement(self, sql: str, params: Sequence[Any] | None) -> int:
        try:
            tree = parse(sql)
        except Exception as exc:
            raise EngineError(f"cannot translate to Spark SQL: {exc}\n-- while running:\n{sql[:2000]}") from exc
        if isinstance(tree, exp.Insert):
            if tree.args.get("alternative") or tree.args.get("conflict") or tree.args.get("returning"):
                raise EngineError(f"INSERT OR REPLACE / ON CONFLICT / RETURNING: use Engine.upsert\n{sql[:500]}")
            target = tree.this
            columns = [c.name for c in target.expressions] if isinstance(target, exp.Schema) else None
            table = target.this.name if isinstance(target, exp.Schema) else target.name
            return self.append(table, spark_expression(tree.expression), params, columns=columns, translated=True)
        if isinstance(tree, (exp.Create, exp.Alter, exp.Drop)):
            self._catalog_statement(tree, sql)
            return 0
        if isinstance(tree, (exp.Transaction, exp.Commit, exp.Rollback, exp.Set, exp.Pragma)):
            return 0  # transactions are engine.transaction(); DuckDB settings mean nothing here
        if isinstance(tree, (exp.Update, exp.Delete)):
            self._writable()
            self._refresh()
            table = tree.this.name
            if table in self._scratch:
                self.create_scratch_frame(table, dml.rewrite_frame(self.spark, union_of(self._scratch[table]), sql,
                                                                   params))
                return 0
            files = self._writing(table, sql, lambda: dml.run_dml(self.spark, self.catalog, sql, params))
            if files is not None:
                self._set_files(table, files)
            return 0
        self._df(sql, params)
        return 0

    def _catalog_statement(self, tree: exp.Expression, sql: str) -> None:
        temporary = any(isinstance(p, exp.TemporaryProperty)
                        for p in (tree.args.get("properties") or exp.Properties()).expressions)
        kind = str(tree.args.get("kind") or "").upper()
        state = self.catalog.state
        if isinstance(tree, exp.Create) and kind == "INDEX":
            return  # Parquet tables have no indexes; the scan prunes by row-group statistics
        if isinstance(tree, exp.Create) and temporary:
            name, body = tree.this.name, tree.expression
            self.create_scratch(name, body.sql("duckdb"), view=kind == "VIEW")
            return
        self._writable()
        changed = {tree.this.name.lower()} if isinstance(tree.this, exp.Table) else set()
        if isinstance(tree, exp.Create) and kind == "VIEW":
            state.views[tree.this.name.lower()] = tree.expression.sql("duckdb")
        elif isinstance(tree, exp.Create) and kind == "TABLE":
            name, columns = table_schema(tree)
            changed = {name.lower()}
            if name.lower() in state.tables:
                if tree.args.get("exists"):
                    return
                raise EngineError(f"table {name} already exists")
            state.tables[name.lower()] = TableEntry(columns)
        elif isinstance(tree, exp.Alter):
            entry = self._entry(tree.this.name)
            for action in tree.args.get("actions") or []:
                if isinstance(action, exp.ColumnDef):
                    entry.columns.append(column_of(action))  # old files lack it: read as NULL
                elif isinstance(action, exp.Drop):
                    gone = {c.name.lower() for c in action.expressions}
                    entry.columns = [c for c in entry.columns if c.name.lower() not in gone]
                elif isinstance(action, exp.AlterColumn) and action.args.get("allow_null"):
                    pass  # DROP NOT NULL: the Parquet catalog keeps no NOT NULL constraints to drop
                else:
                    raise EngineError(f"ALTER TABLE action not supported on Spark: {action.sql('duckdb')}")
        elif isinstance(tree, exp.Drop):
            changed = set()
            for table in tree.expressions:
                state.tables.pop(table.name.lower(), None)
                state.views.pop(table.name.lower(), None)
                self.drop_scratch(table.name)
        self._commit()
        for name in changed:
            self._mark(name)

    # -- registering data --------------------------------------------------------------------
    @profiled
    def register_arrow(self, name: str, table: pa.Table) -> None:
        for i, f in enumerate(table.schema):
            if pa.types.is_null(f.type):
                table = table.set_column(i, f.name, table.column(i).cast(pa.string()))
        # pyspark 4.0 reads an Arrow table's batches as a stream that ends at the first empty one: every
        # row after an empty chunk was silently lost (5M resolve: 56,362 pairs lost their name scores).
        batches = [batch for batch in table.to_batches() if batch.num_rows]
        table = pa.Table.from_batches(batches, schema=table.schema) if batches else table.slice(0, 0)
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def register_parquet(self, name: str, path: Path) -> None:
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def _register(self, name: str) -> None:
        entry = self.catalog.table(name)
        if entry is not None:
            tables.read_files(self.spark, entry, self.catalog.files(name)).createOrReplaceTempView(name)

    def _register_all(self) -> None:
        """Mark every stored table and view for registration before the next statement (a migration
        changes dozens; registering each after every statement would cost seconds)."""
        self._stale = {*self.catalog.state.tables, *self.catalog.state.views}

    def _mark(self, table: str) -> None:
        """``table`` was written: its view, and the stored views that read it, are registered again."""
        word = re.compile(rf"\b{re.escape(table)}\b", re.IGNORECASE)
        self._stale |= {table.lower()} | {v for v, sql in self.catalog.state.views.items() if word.search(sql)}

    @profiled
    def _refresh(self) -> None:
        """Register the temp views of tables written since the last statement, then the stored views."""
        if not self._stale:
            return
        stale, self._stale = self._stale, set()
        tables_, views = self.catalog.state.tables, self.catalog.state.views
        for name in stale:
            if name in tables_:
                self._register(name)
            elif name not in views:
                self.spark.catalog.dropTempView(name)
        for name in [v for v in views if v in stale]:
            self.spark.sql(spark_statement(views[name])).createOrReplaceTempView(name)

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Writes inside commit together (one catalog swap) when the outermost transaction ends."""
        if self._depth == 0:
            self._snapshot = self.catalog.snapshot()
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self.catalog.restore(self._snapshot)
                self._register_all()
            raise
        self._depth -= 1
        if self._depth == 0:
            self.catalog.save()

    def _commit(self) -> None:
        if self._depth == 0:
            self.catalog.save()

    def _writable(self) -> None:
        if self.read_only:
            raise EngineError(f"the case {self.path} is open read-only")

    # -- run-owned scratch tables ------------------------------------------------------------
    def run(self) -> AbstractContextManager[Run]:
        return self._runs.run()

    def current_run(self) -> Run | None:
        return self._runs.current

    def scratch_name(self, hint: str = "") -> str:
        return scratch_name(hint, next(self._names))

    @profiled
    def create_scratch(self, name: str, sql: str, params: Sequence[Any] | None = None, *,
                       view: bool = False) -> None:
        """A view is a temp view on the query; a table is the query's result written once to Parquet
        (``scratchfiles.py``) behind a temp view."""
        df = self._df(sql, params)
        if not view:
            try:
                df = self._files.materialise(df)[0]
            except Exception as exc:
                raise EngineError(f"{exc}\n-- while materialising:\n{sql[:2000]}") from exc
            self._scratch[name] = [df]
        df.createOrReplaceTempView(name)

    @profiled
    def drop_scratch(self, name: str, *, view: bool = False) -> None:
        self.spark.catalog.dropTempView(name)
        for part in self._scratch.pop(name, []):
            self._files.release(part)

    # -- the writer API (tables.py) ----------------------------------------------------------
    def _entry(self, table: str) -> TableEntry:
        entry = self.catalog.table(table)
        if entry is None:
            raise EngineError(f"no stored table {table} in the Spark case {self.path}")
        return entry

    def _set_files(self, table: str, files: list[str]) -> None:
        self._entry(table).files = files
        self._commit()
        self._mark(table)

    def _source(self, sql: str, params: Sequence[Any] | None, translated: bool = False) -> DataFrame:
        if not translated:
            return self._df(sql, params)
        self._refresh()
        return self.spark.sql(sql, args=list(params)) if params else self.spark.sql(sql)

    @profiled
    def append(self, table: str, sql: str, params: Sequence[Any] | None = None, *,
               columns: Sequence[str] | None = None, translated: bool = False) -> int:
        if table in self._scratch:
            return self._append_scratch(table, self._source(sql, params, translated), columns)
        self._writable()
        entry = self._entry(table)
        try:
            files, rows = tables.write(self.catalog, table, tables.aligned(
                entry, self._source(sql, params, translated), columns, table))
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"{exc}\n-- while appending to {table}:\n{sql[:2000]}") from exc
        self._set_files(table, entry.files + files)
        return rows

    def _append_scratch(self, name: str, rows: DataFrame, columns: Sequence[str] | None) -> int:
        """Rows added to a run's scratch table (a search's frontier): cached as one more part of the table, in
        its columns and types; the rows already there are not copied again."""
        from pyspark.sql import functions as F

        parts = self._scratch[name]
        old = parts[0]
        names = [c.lower() for c in (columns or old.columns)]
        if len(rows.columns) != len(names):
            raise EngineError(f"{name}: {len(rows.columns)} values for {len(names)} columns")
        rows = rows.toDF(*names)
        added, count = self._files.materialise(rows.select(*[
            (F.col(c) if c.lower() in names else F.lit(None)).cast(t).alias(c) for c, t in old.dtypes]))
        parts.append(added)
        union_of(parts).createOrReplaceTempView(name)
        return int(count)

    @profiled
    def create_scratch_frame(self, name: str, df: DataFrame) -> None:
        previous = self._scratch.get(name, [])
        self._scratch[name] = [self._files.materialise(df)[0]]
        self._scratch[name][0].createOrReplaceTempView(name)
        for part in previous:
            self._files.release(part)

    @profiled
    def replace_partition(self, table: str, partition: Mapping[str, Any], sql: str | None = None,
                          params: Sequence[Any] | None = None, *, columns: Sequence[str] | None = None) -> int:
        self._writable()
        entry = self._entry(table)
        new_rows = None if sql is None else tables.aligned(entry, self._df(sql, params), columns, table)
        files, added = self._writing(table, sql, lambda: tables.replace_partition(
            self.spark, self.catalog, table, partition, new_rows))
        self._set_files(table, files)
        return int(added)

    @profiled
    def upsert(self, table: str, keys: Sequence[str], sql: str, params: Sequence[Any] | None = None, *,
               insert_missing: bool = True) -> None:
        self._writable()
        source = self._files.materialise(self._df(sql, params))[0]  # read once, used by three steps
        try:
            files = self._writing(table, sql, lambda: tables.upsert(
                self.spark, self.catalog, table, keys, source, insert_missing))
        finally:
            self._files.release(source)
        self._set_files(table, files)

    @profiled
    def remove(self, table: str, keys: Sequence[str], sql: str, params: Sequence[Any] | None = None) -> None:
        self._writable()
        source = self._files.materialise(self._df(sql, params))[0]
        try:
            files = self._writing(table, sql, lambda: tables.remove(self.spark, self.catalog, table, keys, source))
        finally:
            self._files.release(source)
        self._set_files(table, files)

    def _writing(self, table: str, sql: str | None, step: Any) -> Any:
        try:
            return step()
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"{exc}\n-- while writing {table}:\n{(sql or '')[:2000]}") from exc

    # -- catalog -----------------------------------------------------------------------------
    @profiled
    def apply_schema(self, statements: Sequence[str]) -> None:
        for sql in statements:
            self._statement(sql, None)

    def table_names(self) -> list[str]:
        return sorted([*self.catalog.state.tables, *self.catalog.state.views])

    def column_names(self, table: str) -> list[str]:
        entry = self.catalog.table(table)
        if entry is not None:
            return [c.name for c in entry.columns]
        if table.lower() in self.catalog.state.views:
            return list(self.spark.table(table).columns)
        return []

    # -- engine-specific capabilities --------------------------------------------------------
    def csv_scan_sql(self, path: Path, *, delimiter: str, header: bool, columns: Sequence[str],
                     rejects_table: str, quote: str = '"') -> str:
        return str(self._csv().csv_scan_sql(self, path, delimiter=delimiter, header=header, columns=columns,
                                            rejects_table=rejects_table, quote=quote))

    def csv_range_scan_sql(self, path: Path, start: int, end: int, *, delimiter: str, columns: Sequence[str],
                           rejects_table: str, quote: str = '"') -> str:
        return str(self._csv().csv_range_scan_sql(self, path, start, end, delimiter=delimiter, columns=columns,
                                                  rejects_table=rejects_table, quote=quote))

    def csv_lines_scan_sql(self, path: Path, *, delimiter: str, columns: Sequence[str], rejects_table: str,
                           quote: str = '"', lines: Sequence[tuple[int, int]] | None = None) -> str:
        """Records with their physical line (``_k + 1``), for ingest on Spark (``ingest/csvnumbered.py``)."""
        return str(self._csv().csv_lines_scan_sql(self, path, delimiter=delimiter, columns=columns,
                                                  rejects_table=rejects_table, quote=quote, lines=lines))

    def _csv(self) -> Any:
        try:
            return importlib.import_module("moneytrail.engine.spark.csvscan")
        except ImportError as exc:
            raise EngineError("CSV ingest on Spark is not implemented yet (engine/spark/csvscan.py)") from exc

    def bulk_load(self) -> AbstractContextManager[None]:
        return nullcontext()  # Spark writes Parquet in parallel and in any order already

    def joins_as_written(self) -> AbstractContextManager[None]:
        return nullcontext()  # Spark's planner broadcasts the small side by its statistics

    @profiled
    def copy_to_parquet(self, sql: str, path: Path) -> None:
        staging = Path(tempfile.mkdtemp(prefix=".mt-copy-", dir=Path(path).parent))
        try:
            self._df(sql).coalesce(1).write.mode("overwrite").parquet(str(staging / "out"))
            part = next((staging / "out").glob("part-*.parquet"))
            part.replace(path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @contextmanager
    def request_cursor(self, *, seconds: float, row_limit: int) -> Iterator[SparkEngine]:
        """This engine with a row limit on every query; jobs still running after ``seconds`` are cancelled."""
        previous, self._row_limit = self._row_limit, row_limit
        timer = threading.Timer(seconds, self.interrupt)
        timer.daemon = True
        timer.start()
        try:
            yield self
        finally:
            timer.cancel()
            self._row_limit = previous

    def interrupt(self) -> None:
        self.spark.sparkContext.cancelAllJobs()

    def attach_scratch(self, name: str, path: Path, *, row_group_rows: int | None = None) -> None:
        raise EngineError("attach_scratch is a DuckDB capability (the explorer's account index); the explorer "
                          "reads DuckDB cases")

    # -- issue 13's Parquet input and the explorer's memory cap ----------------------------------
    def parquet_scan_sql(self, path: Path) -> str:
        """A view of the file with Parquet's own row position (``_metadata.row_index``) as
        ``file_row_number``; it lives until the engine closes, as a scratch table does."""
        name = self.scratch_name("parquet")
        self.create_scratch_frame(name, self.spark.read.parquet(str(path)).select(
            "*", "_metadata.row_index").withColumnRenamed("row_index", "file_row_number"))
        return name

    def memory_cap(self, limit_mb: int) -> AbstractContextManager[None]:
        """Spark's memory is fixed when its session starts (driver and executor memory) and its operators
        spill by themselves, so there is no per-call cap to set: the contract holds within the session's."""
        return nullcontext()

    def close(self) -> None:
        for name in list(self._scratch):
            self.drop_scratch(name)
        self._files.close()
        if self._temporary:
            shutil.rmtree(self.path, ignore_errors=True)
        elif not self.read_only:
            self.catalog.vacuum()
