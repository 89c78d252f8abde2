"""What one small statement costs Spark local[2], by JVM setting: the fixed cost the Spark engine pays per statement.

    python benchmarks/spark_statement_cost.py                   # 60 statements, each setting in its own JVM
    python benchmarks/spark_statement_cost.py --statements 120 --rows 3000

A case's stages run thousands of short statements (a count, a grouped sum, a self-join, a window), each
planned, code-generated and run once, on tables of a few thousand rows. For each JVM setting this starts a
fresh local[2] session in its own process (settings of the JVM are fixed when it starts), writes a seeded
Parquet table of ``--rows`` rows, and runs ``--statements`` such statements (four shapes, each with a new
constant, so none is answered from an earlier plan). It prints the JVM's CPU seconds (user + system, from
/proc) and wall seconds over the statements, and the JVM CPU since it started. CPU is the figure to read on
a shared machine; wall time there says little. Skips with a message when pyspark or Java is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

C1 = "-XX:TieredStopAtLevel=1"
# label -> (JVM options, Spark settings)
SETTINGS: dict[str, tuple[str, dict[str, str]]] = {
    "default JIT (C1 then C2)": ("", {}),
    "C1 only (-XX:TieredStopAtLevel=1)": (C1, {}),
    "C1, no whole-stage codegen": (C1, {"spark.sql.codegen.wholeStage": "false"}),
    "C1, no adaptive execution": (C1, {"spark.sql.adaptive.enabled": "false"}),
    "C1, neither": (C1, {"spark.sql.codegen.wholeStage": "false", "spark.sql.adaptive.enabled": "false"}),
}
SHAPES = (
    "SELECT count(*) FROM t WHERE amt > {i}",
    "SELECT a, sum(amt), count(*) FROM t WHERE b > {i} GROUP BY a",
    "SELECT x.a, count(*), sum(y.amt) FROM t x JOIN t y ON x.b = y.a AND y.amt > x.amt + {i} GROUP BY x.a",
    "SELECT a, b, amt, row_number() OVER (PARTITION BY a ORDER BY amt, b) AS r FROM t WHERE b <> {i}",
)


def _jvm_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(setting: str, statements: int, rows: int, folder: Path) -> dict[str, float]:
    """In this process: a fresh session with the JVM options and Spark settings of ``setting``, then the
    statements."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyspark.sql import SparkSession

    java_options, conf = SETTINGS[setting]
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = (builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "2")
             .config("spark.driver.memory", "1g")
             .config("spark.driver.extraJavaOptions", java_options or "-Dmoneytrail.bench=1").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    pid = int(spark.sparkContext._jvm.ProcessHandle.current().pid())
    rng = np.random.default_rng(1)
    pq.write_table(pa.table({"a": rng.integers(0, rows // 10, rows), "b": rng.integers(0, rows // 10, rows),
                             "amt": rng.random(rows) * 1000}), folder / "t.parquet")
    spark.read.parquet(str(folder / "t.parquet")).createOrReplaceTempView("t")
    cpu, wall = _jvm_cpu(pid), time.perf_counter()
    for i in range(statements):
        spark.sql(SHAPES[i % len(SHAPES)].format(i=i)).toArrow()
    result = {"cpu": _jvm_cpu(pid) - cpu, "wall": time.perf_counter() - wall, "cpu_total": _jvm_cpu(pid)}
    spark.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=60)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child process: one setting's label
    args = parser.parse_args()
    if args.measure is not None:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(measure(args.measure, args.statements, args.rows, Path(tmp))))
        return
    try:
        import pyspark  # noqa: F401
    except ImportError:
        sys.exit("skipped: pyspark is not installed (pip install -e '.[spark]')")
    from moneytrail.engine.spark.session import java_available

    if not java_available():
        sys.exit("skipped: no Java runtime (Spark needs Java 17)")
    print(f"{args.statements} statements on a {args.rows}-row table, Spark local[2], one JVM per setting")
    print(f"{'JVM setting':<36} {'JVM cpu s':>10} {'per stmt':>9} {'wall s':>8} {'JVM cpu since start':>20}")
    for label in SETTINGS:
        out = subprocess.run([sys.executable, __file__, "--measure", label, "--statements", str(args.statements),
                              "--rows", str(args.rows)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{label:<36} {r['cpu']:>10.1f} {r['cpu'] / args.statements:>9.2f} {r['wall']:>8.1f} "
              f"{r['cpu_total']:>20.1f}")


if __name__ == "__main__":
    main()
