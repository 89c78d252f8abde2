"""Each detector on Spark local[N]: CPU, shuffle and its costliest statements, at one or more sizes.

    python benchmarks/spark_detect.py --rows 200000,500000                  # all detectors, two sizes
    python benchmarks/spark_detect.py --rows 200000 --typologies stack,star --top 5

For each size, ``benchmarks/ingest.py``'s seeded AMLworld-format file (the one ``benchmarks/spark.py`` uses) is
ingested into a DuckDB case, whose tables are then copied into a Spark case (Spark's own ingest is measured by
``benchmarks/spark.py``; here only detection counts). Each detector then runs alone (``run_detectors(case,
[typology])``, storing its findings, the shared edge table prepared once around all of them as in a detect run)
and its row shows: JVM + driver CPU seconds, the bytes Spark shuffled (status store, ``shuffleWriteBytes``), the
largest stage's peak execution memory, its findings, and the same detector's CPU on the DuckDB case in the
same run. With ``--top N`` it lists, per detector, the N engine calls that shuffled most (Spark stages are
matched to the outermost engine call that was running when they were submitted). With two sizes it ends with
each detector's growth exponents b (x ~ rows^b) of CPU and shuffle between them. Spark broadcasts a join side
under ``--broadcast-mb`` (10 MB by default): between 200k and 500k rows many edge-sized sides cross it, so
their shuffle jumps from 0; ``--broadcast-mb 1`` keeps both sizes in the regime of millions of rows.
"""

from __future__ import annotations

import argparse
import calendar
import importlib.util
import json
import math
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SKIPPED_TABLES = {"meta"}  # the Spark case has its own (schema version)


def _bench_module(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def copy_case(duck: Any, spark_case: Any) -> None:
    """Every non-empty table of the DuckDB case into the Spark case, through Arrow."""
    for table in sorted(spark_case.engine.catalog.state.tables):  # stored tables, not views
        if table in SKIPPED_TABLES or table not in duck.engine.table_names() or not duck.count(table):
            continue
        spark_case.engine.register_arrow("mt_copy_src", duck.engine.query(f"SELECT * FROM {table}"))
        spark_case.engine.append(table, "SELECT * FROM mt_copy_src", columns=duck.engine.column_names(table))
        spark_case.engine.unregister("mt_copy_src")


def _calls(profile: Path) -> list[dict[str, Any]]:
    if not profile.exists():
        return []
    lines = [json.loads(x) for x in profile.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [x for x in lines if x.get("depth", 0) == 0]


def attribute(calls: list[dict[str, Any]], stages: list[dict[str, Any]]) -> list[tuple[float, float, str]]:
    """(shuffle bytes, task CPU s, statement) per outermost engine call, from the stages submitted during it."""
    spans = [(x["t"] - x["wall"], x["t"], x) for x in calls]
    out: dict[int, list[float]] = {}
    for s in stages:
        when = s.get("submissionTime", "")
        if not when:
            continue
        t = calendar.timegm(time.strptime(when[:19], "%Y-%m-%dT%H:%M:%S")) + float(when[19:23] or 0)
        for i, (start, end, _) in enumerate(spans):
            if start - 0.05 <= t <= end + 0.05:
                acc = out.setdefault(i, [0.0, 0.0])
                acc[0] += float(s.get("shuffleWriteBytes", 0))
                acc[1] += float(s.get("executorCpuTime", 0)) / 1e9
                break
    return sorted(((v[0], v[1], f"{spans[i][2]['call']}: {spans[i][2]['sql']}") for i, v in out.items()),
                  reverse=True)


def run_size(rows: int, args: argparse.Namespace, probe: Any, work: Path) -> dict[str, dict[str, float]]:
    from moneytrail.detect.base import prepared_edges
    from moneytrail.detect.registry import detectors
    from moneytrail.detect.run import run_detectors
    from moneytrail.ingest import ingest_transactions
    from moneytrail.store import Case

    csv_path = work / f"HI-Bench_{rows}_Trans.csv"
    _bench_module("ingest").generate(csv_path, rows, args.seed)
    chosen = [t for t in args.typologies.split(",") if t] or list(detectors())
    duck = Case.create(work / f"duck-{rows}", engine="duckdb")
    duck.engine.execute(f"SET threads = {args.cores}")
    ingest_transactions(duck, csv_path, preset="amlworld")
    out: dict[str, dict[str, float]] = {t: {} for t in chosen}
    with prepared_edges(duck):
        for t in chosen:
            c0 = _self_cpu()
            out[t]["findings_duck"] = len(run_detectors(duck, [t]))
            out[t]["duck_cpu"] = _self_cpu() - c0
    sc = Case.create(work / f"spark-{rows}", engine="spark")
    copy_case(duck, sc)
    duck.close()
    print(f"\n{rows:,} rows: {sc.count('transactions'):,} transactions on Spark", flush=True)
    profile = Path(os.environ["MONEYTRAIL_SPARK_PROFILE"])
    with prepared_edges(sc):
        if args.warmup:  # the JVM's first statements pay for loading and compiling: not any detector's cost
            run_detectors(sc, [args.warmup], store=False)
        for t in chosen:
            profile.write_text("", encoding="utf-8")
            before = set(probe.stages())
            m = probe.measure(lambda t=t: len(run_detectors(sc, [t])), args.stage_timeout, sc.engine.interrupt)
            new = [s for k, s in probe.stages().items() if k not in before]
            out[t].update(cpu=m.cpu, shuffle=m.shuffle, exec=m.exec_peak, wall=m.wall,
                          findings=float(m.extra.get("result", -1)))
            print(f"  {t:22} {m.wall:8.1f} s wall {m.cpu:8.1f} cpu s {m.shuffle / 1e6:9.1f} MB shuffled  "
                  f"{m.note}", flush=True)
            for shuffle, cpu, text in attribute(_calls(profile), new)[: args.top]:
                print(f"      {shuffle / 1e6:9.1f} MB {cpu:7.1f} task cpu s  {text[:150]}", flush=True)
    sc.close()
    for folder in (f"spark-{rows}", f"duck-{rows}"):
        shutil.rmtree(work / folder, ignore_errors=True)
    csv_path.unlink()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="200000,500000", help="comma-separated sizes")
    parser.add_argument("--typologies", default="", help="comma-separated; default all registered")
    parser.add_argument("--cores", type=int, default=2, help="DuckDB threads and Spark local[N]")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--shuffle-partitions", type=int, default=4)
    parser.add_argument("--stage-timeout", type=float, default=900.0, help="seconds per detector on Spark")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--broadcast-mb", type=int, default=10,
                        help="Spark's broadcast join threshold (its default 10): at small sizes, 1 plans the "
                             "edge-sized joins as they are planned at millions of rows (shuffled), so that growth "
                             "between two sizes is not a switch from broadcast to shuffled joins")
    parser.add_argument("--warmup", default="structuring", help="typology run once, unmeasured, before the others "
                        "at each size ('' for none)")
    parser.add_argument("--top", type=int, default=3, help="costliest engine calls to list per detector")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp dir)")
    args = parser.parse_args()
    bench = _bench_module("spark")
    from moneytrail.engine.spark.session import java_available, pyspark_available

    if not pyspark_available() or not java_available():
        print("skipped: needs pyspark (pip install 'moneytrail[spark]') and a Java 17 runtime")
        return
    spark = bench.bench_session("moneytrail-detect-bench", args.cores, args.driver_memory, args.shuffle_partitions,
                                {"spark.sql.autoBroadcastJoinThreshold": f"{args.broadcast_mb}m",
                                 "spark.sql.adaptive.autoBroadcastJoinThreshold": f"{args.broadcast_mb}m"})
    probe = bench.SparkProbe(spark)
    sizes = [int(x) for x in args.rows.split(",") if x]
    results: dict[int, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="mt-bench-spark-detect-", dir=args.work) as tmp:
        os.environ.setdefault("MONEYTRAIL_SPARK_PROFILE", str(Path(tmp) / "profile.jsonl"))
        for rows in sizes:
            results[rows] = run_size(rows, args, probe, Path(tmp))
    print(f"\nper detector on Spark local[{args.cores}] (cpu = JVM + driver user+system s; shuffle MB written) "
          "and DuckDB cpu s in the same run")
    head = "".join(f"{f'{r / 1000:g}k cpu':>10}{'shuffle MB':>11}{'duck cpu':>9}{'found s/d':>11}" for r in sizes)
    print(f"{'detector':24}{head}{'b(cpu)':>8}{'b(shuf)':>8}")
    names = list(results[sizes[0]])
    for t in [*names, "all detectors"]:
        cells, vals = "", []
        for r in sizes:
            got = results[r]
            v = got[t] if t in got else {k: sum(got[x].get(k, 0.0) for x in names)
                                         for k in ("cpu", "shuffle", "duck_cpu", "findings", "findings_duck")}
            vals.append(v)
            found = f"{int(v['findings'])}/{int(v['findings_duck'])}"
            cells += f"{v['cpu']:>10.1f}{v['shuffle'] / 1e6:>11.1f}{v['duck_cpu']:>9.1f}{found:>11}"
        grow = ""
        if len(sizes) >= 2:
            ratio = math.log(sizes[-1] / sizes[0])
            b = [math.log(vals[-1][k] / vals[0][k]) / ratio if vals[0][k] > 0 and vals[-1][k] > 0 else float("nan")
                 for k in ("cpu", "shuffle")]
            grow = f"{b[0]:>8.2f}{b[1]:>8.2f}"
        print(f"{t:24}{cells}{grow}")


if __name__ == "__main__":
    main()
