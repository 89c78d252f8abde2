"""A Spark engine's scratch results as Parquet files: computed once, read back as a plain file scan.

A run's scratch table used to be a cached DataFrame. A cached frame keeps its whole lineage: the path
search's hop ``k`` is a join of hop ``k-1`` (itself a join of hop ``k-2``...), so each hop's plan, its cache
lookups and its re-planning grew with the hops before it; at 3,000 transactions counting the tenth hop's
cached rows took 27 s and building it 42 s. Written to Parquet and read back, each result's plan is one file
scan whatever it was computed from, carries the files' true size (so Spark can broadcast a small one), and
holds no executor memory. ``localCheckpoint`` would cut the lineage too, but Spark 4 fails planning a
correlated NOT EXISTS over two checkpointed frames ("key not found"), which the path search does.

A small result (by Spark's estimate of its plan) is collected and written by pyarrow, one Spark job and no
commit protocol; a large one is written by Spark. The files live in a folder of the case
(``_scratch/<engine>/``, on storage every executor reads, as the warehouse is) or, for a read-only case, in
a temporary folder; they are deleted when the table is dropped and when the engine closes (and by
``Catalog.vacuum`` after a killed run), but never while a Spark job still runs: adaptive execution can
return a query's result before a job of that query ends (a broadcast the re-optimised plan no longer needs,
still reading its inputs), and deleting the files under that job made it fail with
``FAILED_READ_FILE.FILE_NOT_EXIST`` ("aborting job" in the log; the query's own result was complete).
Folders dropped while a job runs are deleted at the next drop with no job running, or at close. A result
Parquet cannot hold (a column of Spark's void type is
written as text first; duplicate column names cannot be) stays a cached frame, as before.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.parquet as pq

from moneytrail.engine.spark.catalog import SCRATCH
from moneytrail.engine.spark.tables import SMALL_WRITE, estimated_bytes

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


class ScratchFiles:
    """Results written to a folder of their own, one sub-folder per result."""

    def __init__(self, case_folder: Path | None, busy: Callable[[], bool] = lambda: False) -> None:
        self._case_folder = case_folder
        self._busy = busy  # does a Spark job run now? (its files must stay)
        self._doomed: list[Path] = []  # released folders waiting for no job to run
        self._root: Path | None = None
        self._folders: dict[int, Path] = {}  # id(frame) -> its files' folder
        self._cached: dict[int, DataFrame] = {}  # id(frame) -> a frame kept in cache instead

    def _folder(self) -> Path:
        if self._root is None:
            if self._case_folder is not None:
                self._root = self._case_folder / SCRATCH / uuid.uuid4().hex[:12]
                self._root.mkdir(parents=True)
            else:
                self._root = Path(tempfile.mkdtemp(prefix="moneytrail-spark-scratch-"))
        folder = self._root / uuid.uuid4().hex[:12]
        return folder

    def materialise(self, df: DataFrame) -> tuple[DataFrame, int]:
        """``df`` computed once: (a frame reading its stored rows, how many rows)."""
        from pyspark.sql import functions as F
        from pyspark.sql.types import NullType

        if len(set(c.lower() for c in df.columns)) != len(df.columns):
            return self._cache(df)
        df = df.select(*[F.col(f"`{f.name}`").cast("string").alias(f.name) if isinstance(f.dataType, NullType)
                         else F.col(f"`{f.name}`") for f in df.schema.fields])
        try:
            return self._write(df)
        except Exception:  # what Parquet cannot hold: the cache runs the query again (and raises its errors)
            return self._cache(df)

    def _write(self, df: DataFrame) -> tuple[DataFrame, int]:
        folder = self._folder()
        size = estimated_bytes(df)
        if size is not None and size <= SMALL_WRITE:
            rows = df.toArrow()
            folder.mkdir()
            pq.write_table(rows, folder / "part-00000.parquet")
            count = rows.num_rows
        else:
            df.write.mode("errorifexists").parquet(str(folder))
            count = sum(pq.read_metadata(f).num_rows for f in folder.glob("part-*.parquet"))
        files = sorted(str(f) for f in folder.glob("part-*.parquet"))
        spark = df.sparkSession
        frame = spark.read.schema(df.schema).parquet(*files) if files else spark.createDataFrame([], df.schema)
        self._folders[id(frame)] = folder
        return frame, count

    def _cache(self, df: DataFrame) -> tuple[DataFrame, int]:
        from pyspark import StorageLevel

        df = df.persist(StorageLevel.MEMORY_AND_DISK)
        count = df.count()
        self._cached[id(df)] = df
        return df, int(count)

    def release(self, frame: DataFrame) -> None:
        """Delete a frame's files (or drop it from the cache); the frame must not be read again."""
        folder = self._folders.pop(id(frame), None)
        if folder is not None:
            self._doomed.append(folder)
        if self._doomed and not self._busy():
            for doomed in self._doomed:
                shutil.rmtree(doomed, ignore_errors=True)
            self._doomed.clear()
        cached = self._cached.pop(id(frame), None)
        if cached is not None:
            cached.unpersist()

    def close(self) -> None:
        for cached in self._cached.values():
            cached.unpersist()
        self._cached.clear()
        self._folders.clear()
        for doomed in self._doomed:
            shutil.rmtree(doomed, ignore_errors=True)
        self._doomed.clear()
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
