"""The SparkSession a Spark engine runs on: one per process, shared by every engine (starting one takes ~20 s).

``local[N]`` by default (N = ``threads`` or every core); ``master`` names a cluster (``spark://host:7077``,
``yarn``, ``k8s://...``), or the caller passes a SparkSession it configured itself. Settings that keep
results equal to DuckDB's: the session works in UTC, and ANSI mode is off, so a failed cast or a division
by zero gives NULL, as the stage code's ``try_cast`` and ``nullif`` guards expect.
"""

from __future__ import annotations

import logging
import os
import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

MASTER_ENV = "MONEYTRAIL_SPARK_MASTER"
MEMORY_ENV = "MONEYTRAIL_SPARK_DRIVER_MEMORY"  # e.g. 4g; the driver runs every task in local mode
# In local mode the driver JVM runs every task. A case's stages are thousands of short statements, each
# planned, code-generated and run once, so the JVM spends its CPU compiling (C2, the optimising JIT) code it
# will run a few times: with the quick C1 compiler only, 60 small statements took half the JVM CPU
# (18 s against 34 s, 2 cores, 3000-row tables). A cluster's executors run long tasks: they keep the default.
# C1 alone reserves only 48 MB for compiled code; each statement's generated classes add to it, and a detect run
# at 200k rows filled it after 216 s ("CodeCache is full. Compiler has been disabled."), leaving every later
# statement to the interpreter. 256 MB (the tiered default is 240 MB) lasts a whole pipeline.
LOCAL_JIT = " -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m"


def java_available() -> bool:
    """Is there a Java runtime Spark can start (``JAVA_HOME`` or ``java`` on the PATH)?"""
    home = os.environ.get("JAVA_HOME")
    return bool(home and os.path.exists(os.path.join(home, "bin", "java"))) or shutil.which("java") is not None


def pyspark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


def spark_session(master: str | None = None, *, threads: int | None = None, memory: str | None = None,
                  shuffle_partitions: int | None = None) -> SparkSession:
    """The process's SparkSession, started on first use (later calls get the same one, whatever they ask)."""
    if not pyspark_available():
        raise ImportError("the Spark engine needs pyspark: pip install 'moneytrail[spark]'")
    if not java_available():
        raise RuntimeError("the Spark engine needs a Java 17 runtime (Debian: apt-get install openjdk-17-jre-headless)")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    master = master or os.environ.get(MASTER_ENV) or f"local[{threads or '*'}]"
    cores = threads or os.cpu_count() or 2
    local = master.startswith("local")
    builder = (SparkSession.builder.master(master).appName("moneytrail")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.ansi.enabled", "false")
               # In local mode one shuffle partition per core: each partition is a task, and on a case that
               # fits one machine the fixed cost of a task, not the data, is what a statement pays for. On a
               # cluster Spark's default (200, merged by AQE) unless the caller says.
               .config("spark.sql.shuffle.partitions",
                       str(shuffle_partitions or (max(2, cores) if local else 200)))
               .config("spark.sql.adaptive.enabled", "true")
               # A stored table is read from the file list of its catalog entry (one file per write). Past this
               # many paths Spark lists them with a Spark job, each time the table is registered after a write.
               .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
               .config("spark.driver.memory", memory or os.environ.get(MEMORY_ENV) or "2g")
               .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC" + (LOCAL_JIT if local else ""))
               .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC"))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    # PySpark logs every failed statement at ERROR with a Java stack; the engine raises EngineError instead.
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    return session
