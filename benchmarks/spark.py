"""Every stage on DuckDB and on Spark local[2], in the same run, and a measured cost model for 180M transactions.

    python benchmarks/spark.py --rows 1000000 --driver-memory 6g --save spark-allstages-1m.json
    python benchmarks/spark.py --rows 5000000 --driver-memory 6g --save spark-allstages-5m.json \
        --load spark-allstages-1m.json                                    # both tables and the cost model
    python benchmarks/spark.py --rows 100000 --stages ingest,resolve,detect   # while developing

For each size: the demo's generated case (``moneytrail generate``, seed 7, N transactions; entities, sanctions
list, events, documents and claims too: ``benchmarks/spark_stages.py``) is ingested into a DuckDB case and into
a Spark case (a folder of Parquet tables), then every stage of the demo pipeline (ingest, resolve, screen,
detect, learn features, trace, link, evidence, report) and export runs on each, DuckDB's first. Per stage it
prints what the stage worked on (records, in its own unit: ``spark_stages`` says which), wall seconds and CPU
seconds on each engine, and the Spark/DuckDB ratios. CPU on DuckDB is this process's (all threads; the JVM
idles then). CPU on Spark is this process's (the driver's Python) plus the JVM's own, read with psutil from
the Java child that py4j started. Per Spark stage it also prints the bytes Spark shuffled and its memory: the
status store's (REST API ``/stages``) shuffle write bytes and peak execution memory over the stage's Spark
stages, and the JVM's peak RSS sampled every 0.2 s. A stage that fails or runs out of ``--stage-timeout`` on
Spark says so in its row. Skips with a message when pyspark or Java is missing.

With two sizes, it ends with the cost model of ``docs/scale.md``. Spark CPU of a stage is split, from the
status store, into parallel CPU P (tasks of Spark stages with several tasks) and serial CPU S (everything
else: the driver's Python and JVM work, and Spark stages of a single task, such as a global sort into one
partition). Each is extrapolated to 180M transactions by its own exponent between the two sizes (x ~ units^b),
and so is the shuffle volume V. The unit is transactions, except for resolve and screen: entity records (at
the target ``--target-entities``, by default the generator's ratio: one KYC record per account, an account
per 30 transactions, so 6M at 180M). Expected wall time on C cores: S' + P'/C + V'/(C * bandwidth), where
``--bandwidth-mb`` is the shuffle network bandwidth per core. Wall time measured here is not used (other
work on a shared machine inflates it); the model assumes tasks spread evenly over C cores (enough
partitions) and no skew.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import resource
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TARGET_ROWS = 180_000_000  # AMLworld HI-Large
CORES = (8, 32, 128)


def _load(name: str) -> Any:
    """A sibling benchmark file as a module (``benchmarks/`` is not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


STAGES = _load("spark_stages")


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Measure:
    wall: float = 0.0
    cpu: float = 0.0
    shuffle: float = 0.0     # bytes written by shuffles
    exec_peak: float = 0.0   # largest peak execution memory of one Spark stage, bytes
    rss_peak: float = 0.0    # JVM peak RSS during the stage, bytes
    serial: float = 0.0      # CPU s that cannot spread over cores: driver (Python and JVM) and 1-task stages
    parallel: float = 0.0    # CPU s of tasks in stages of several tasks
    note: str = ""
    records: float = 0.0     # what the stage worked on, in its unit (``spark_stages``), for the model
    unit: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


class SparkProbe:
    """CPU and RSS of the JVM behind the session, and its status store's stage metrics."""

    def __init__(self, spark: Any) -> None:
        import psutil

        self.spark = spark
        java = [p for p in psutil.Process().children(recursive=True) if "java" in p.name()]
        if not java:
            raise SystemExit("no Java child process found: cannot count the JVM's CPU time")
        self.jvm = java[0]
        self.url = f"{spark.sparkContext.uiWebUrl}/api/v1/applications/{spark.sparkContext.applicationId}"

    def cpu(self) -> float:
        t = self.jvm.cpu_times()
        return float(t.user + t.system) + _self_cpu()

    def stages(self) -> dict[int, dict[str, Any]]:
        with urllib.request.urlopen(f"{self.url}/stages?status=complete", timeout=30) as response:
            return {int(s["stageId"]) * 1000 + int(s["attemptId"]): s for s in json.load(response)}

    def measure(self, fn: Callable[[], Any], timeout: float, interrupt: Callable[[], None]) -> Measure:
        before = set(self.stages())
        peak = [float(self.jvm.memory_info().rss)]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                peak[0] = max(peak[0], float(self.jvm.memory_info().rss))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, interrupt)
        timer.start()
        m = Measure()
        t0, c0, p0 = time.perf_counter(), self.cpu(), _self_cpu()
        try:
            m.extra["result"] = fn()
        except Exception as exc:  # a stage that does not run on Spark yet: its row says why
            m.note = f"timed out after {timeout:.0f} s" if not timer.is_alive() else \
                f"fails: {str(exc).strip().splitlines()[0][:90]}"
        m.wall, m.cpu = time.perf_counter() - t0, self.cpu() - c0
        driver_python = _self_cpu() - p0
        timer.cancel()
        done.set()
        sampler.join()
        time.sleep(1.0)  # the status store hears of finished stages through the listener bus
        new = [s for k, s in self.stages().items() if k not in before]
        m.shuffle = float(sum(s.get("shuffleWriteBytes", 0) for s in new))
        m.exec_peak = float(max([s.get("peakExecutionMemory", 0) for s in new] or [0]))
        m.rss_peak = peak[0]
        # Task CPU from the status store (ns): stages of one task run on one core whatever the cluster.
        one = sum(float(s.get("executorCpuTime", 0)) for s in new if int(s.get("numTasks", 0)) <= 1) / 1e9
        many = sum(float(s.get("executorCpuTime", 0)) for s in new if int(s.get("numTasks", 0)) > 1) / 1e9
        m.parallel = min(many, m.cpu)
        m.serial = max(m.cpu - m.parallel, driver_python + one)
        return m


def measure_duckdb(fn: Callable[[], Any]) -> Measure:
    m = Measure()
    t0, c0 = time.perf_counter(), _self_cpu()
    try:
        m.extra["result"] = fn()
    except Exception as exc:
        m.note = f"fails: {str(exc).strip().splitlines()[0][:90]}"
    m.wall, m.cpu = time.perf_counter() - t0, _self_cpu() - c0
    m.rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0
    return m


def chosen(all_stages: list[tuple[str, Callable[[], Any]]]) -> list[tuple[str, Callable[[], Any]]]:
    """The stages ``--stages`` names (ingest always: the others read what it stored)."""
    keys = {k.strip() for k in ARGS.stages.split(",") if k.strip()} | {"ingest"}
    unknown = keys - set(STAGES.STAGE_KEYS)
    if unknown:
        raise SystemExit(f"--stages: unknown {sorted(unknown)}; known: {', '.join(STAGES.STAGE_KEYS)}")
    return [(STAGES.STAGE_KEYS[k], fn) for k, fn in all_stages if k in keys]


def _record(m: Measure) -> None:
    """The stage's own unit and count (``spark_stages.StageResult``) beside its times."""
    got = m.extra.get("result")
    if got is not None:
        m.records, m.unit, m.detail = float(got.records), got.unit, got.detail
        if got.digests is not None:  # after the stage's times were taken: not part of them
            m.detail = {**m.detail, **got.digests()}


def run_size(rows: int, args: argparse.Namespace, spark: Any, probe: SparkProbe, work: Path) -> dict[str, Any]:
    from moneytrail.store import Case

    t0, c0 = time.perf_counter(), _self_cpu()
    template, _truth = STAGES.generate(work / f"case-{rows}", rows)
    entities = STAGES.entity_records(template.data)
    print(f"\n{rows:,} transactions, {entities:,} entity records: generated (seed 7) in "
          f"{time.perf_counter() - t0:.1f} s, {_self_cpu() - c0:.1f} cpu s", flush=True)
    out: dict[str, Any] = {"_case": {"transactions": rows, "entity_records": entities}}
    duck = Case.create(work / f"duck-{rows}", engine="duckdb")
    duck.engine.execute(f"SET threads = {args.cores}")
    duck.engine.execute(f"SET memory_limit = '{args.duckdb_memory}'")  # beside a Spark JVM on a shared machine
    for name, fn in chosen(STAGES.stages(lambda: duck, template, work / f"out-duck-{rows}")):
        m = measure_duckdb(fn)
        _record(m)
        out[name] = {"duckdb": m}
        print(f"  duckdb {name}: {m.wall:.1f} s, {m.cpu:.1f} cpu s, {m.records:,.0f} {m.unit} {m.note}", flush=True)
    duck.close()
    shutil.rmtree(work / f"duck-{rows}", ignore_errors=True)
    sc = Case.create(work / f"spark-{rows}", engine="spark")
    for name, fn in chosen(STAGES.stages(lambda: sc, template, work / f"out-spark-{rows}")):
        m = probe.measure(fn, args.stage_timeout, sc.engine.interrupt)
        _record(m)
        out[name]["spark"] = m
        print(f"  spark  {name}: {m.wall:.1f} s, {m.cpu:.1f} cpu s, {m.records:,.0f} {m.unit} {m.note}", flush=True)
        if ARGS.save:  # after each stage: a run stopped later keeps what it measured
            save(ARGS.save, {**ARGS.saved, rows: out})
        if name == "ingest" and m.note:  # nothing to analyse without the transactions
            break
    sc.close()
    shutil.rmtree(work / f"spark-{rows}", ignore_errors=True)
    shutil.rmtree(work / f"case-{rows}", ignore_errors=True)
    return out


def _names(out: dict[str, Any]) -> list[str]:
    return [n for n in STAGES.STAGE_KEYS.values() if n in out]


def print_table(rows: int, out: dict[str, Any]) -> None:
    case = out.get("_case", {})
    print(f"\n{rows:,} transactions ({case.get('entity_records', 0):,} entity records); DuckDB {ARGS.cores} threads "
          f"vs Spark local[{ARGS.cores}]; cpu = user+system seconds (Spark: driver Python + JVM)")
    print(f"{'stage':26}{'records':>11} {'unit':18}{'duck s':>8}{'duck cpu':>9}{'spark s':>9}{'spark cpu':>10}"
          f"{'wall x':>7}{'cpu x':>7}{'shuffle MB':>11}{'exec MB':>8}{'JVM RSS MB':>11}  note")
    for name in _names(out):
        d, s = out[name]["duckdb"], out[name].get("spark")
        head = f"{name:26}{d.records:>11,.0f} {d.unit[:18]:18}{d.wall:>8.1f}{d.cpu:>9.1f}"
        if s is None or s.note:
            failed = out.get("ingest", {}).get("spark")
            note = s.note if s is not None else ("not run on Spark: its ingest failed" if failed and failed.note else
                                                 "not measured on Spark (the run stopped before this stage)")
            print(f"{head}{'':>9}{'':>10}{'':>7}{'':>7}{'':>11}{'':>8}{'':>11}  {note}")
            continue
        same = "" if s.records == d.records else f"  Spark {s.records:,.0f} {s.unit}"
        for key in sorted(k for k in d.detail if k.endswith("_digest")):  # findings, pairs, clusters, lines
            what = key.removesuffix("_digest")
            same += (f"  {what} identical" if d.detail[key] == s.detail.get(key) else f"  {what} DIFFER" +
                     (f": {d.detail['findings']} vs {s.detail.get('findings')}" if what == "findings" else ""))
        print(f"{head}{s.wall:>9.1f}{s.cpu:>10.1f}{s.wall / d.wall:>7.1f}"
              f"{s.cpu / max(d.cpu, 1e-9):>7.1f}{s.shuffle / 1e6:>11.1f}{s.exec_peak / 1e6:>8.0f}"
              f"{s.rss_peak / 1e6:>11.0f}" + (f"  DuckDB {d.note}" if d.note else "") + same)


def save(path: Path, results: dict[int, dict[str, Any]]) -> None:
    """The measurements as JSON, for ``--load`` in a later run (a size's stages measured in separate runs)."""
    out = {str(rows): {name: ms if name == "_case" else
                       {engine: {k: v for k, v in vars(m).items() if k != "extra"} for engine, m in ms.items()}
                       for name, ms in stages_of.items()} for rows, stages_of in results.items()}
    path.write_text(json.dumps(out, indent=1, default=str))


def load(path: Path, results: dict[int, dict[str, Any]]) -> None:
    """Measurements saved by ``--save`` added where this run did not measure the size and stage itself."""
    for rows, stages_of in json.loads(path.read_text()).items():
        into = results.setdefault(int(rows), {})
        for name, ms in stages_of.items():
            if name == "_case":
                into.setdefault(name, ms)
            elif name not in into:
                into[name] = {engine: Measure(**m) for engine, m in ms.items()}
                print(f"(loaded from {path}: {int(rows):,} rows, {name})")


def _grown(small: float, big: float, ratio: float, grow: float) -> tuple[float, float]:
    """(value at the target, exponent b) of x ~ rows^b through (small, big) at rows ratio ``ratio``."""
    if big <= 0:
        return 0.0, 0.0
    b = math.log(big / small) / math.log(ratio) if small > 0 else 1.0
    return big * grow ** b, b


def _scale(key: str, a: dict[str, Any], b: dict[str, Any], small: int, big: int) -> tuple[float, float, str]:
    """(x at the larger size, x at the target, unit): what a stage is extrapolated on. Entity stages on entity
    records (the target: ``--target-entities``, by default the generator's ratio to transactions); the others
    on transactions."""
    if key in STAGES.ENTITY_STAGES and "_case" in a and "_case" in b:
        xa, xb = float(a["_case"]["entity_records"]), float(b["_case"]["entity_records"])
        target = ARGS.target_entities or xb * TARGET_ROWS / big
        return xb / xa, target / xb, "entity records"
    return big / small, TARGET_ROWS / big, "transactions"


def _ran(out: dict[str, Any], name: str) -> bool:
    s = out.get(name, {}).get("spark")
    return s is not None and not s.note and "_case" in out


def cost_model(results: dict[int, dict[str, Any]]) -> None:
    """The extrapolation described in the module doc, per stage from the two largest sizes it ran at on Spark
    (the sizes of each row are printed with it)."""
    bw = ARGS.bandwidth_mb * 1e6
    print(f"\ncost model: {TARGET_ROWS / 1e6:.0f}M transactions; wall(C) = S' + P'/C + V'/(C x "
          f"{ARGS.bandwidth_mb:.0f} MB/s); b = exponent of x ~ units^b between the two sizes of each row")
    head = "".join(f"{f'{c} cores':>10}" for c in CORES)
    print(f"{'stage':26}{'from':>10}{'unit':>15}{'at 180M':>9}{'P cpu s/M':>10}{'b(P)':>6}{'S cpu s':>8}{'b(S)':>6}"
          f"{'P/core k/s':>11}{'V GB':>9}{'exec MB':>8}{head}{'DuckDB 2thr':>12}")
    for key, name in STAGES.STAGE_KEYS.items():
        sizes = [n for n in sorted(results) if _ran(results[n], name)]
        if len(sizes) < 2:
            print(f"{name:26}  not on Spark at two sizes")
            continue
        small, big = sizes[-2], sizes[-1]
        a, b = results[small], results[big]
        sa, sb = a[name]["spark"], b[name]["spark"]
        print(f"{name:26}{f'{small / 1e6:g}M-{big / 1e6:g}M':>10}", end="")
        ratio, grow, unit = _scale(key, a, b, small, big)
        units = (float(b["_case"]["entity_records"]) if unit == "entity records" else float(big))
        par, b_par = _grown(sa.parallel, sb.parallel, ratio, grow)
        ser, b_ser = _grown(sa.serial, sb.serial, ratio, grow)
        vol, _ = _grown(sa.shuffle, sb.shuffle, ratio, grow)
        walls = "".join(f"{ser + par / c + vol / (c * bw):>10,.0f}" for c in CORES)
        duck, _ = _grown(a[name]["duckdb"].cpu, b[name]["duckdb"].cpu, ratio, grow)
        rate = units / 1e3 / sb.parallel if sb.parallel else float("nan")  # thousand units per parallel CPU s
        print(f"{unit:>15}{units * grow / 1e6:>8.1f}M{sb.parallel / (units / 1e6):>10.2f}{b_par:>6.2f}"
              f"{sb.serial:>8.1f}{b_ser:>6.2f}{rate:>11.1f}{vol / 1e9:>9.1f}{sb.exec_peak / 1e6:>8.0f}{walls}"
              f"{duck / ARGS.cores:>12,.0f}")
    print("(seconds; P cpu s/M: parallel CPU s per million units at the larger size; DuckDB 2thr: its CPU seconds "
          "extrapolated the same way, over 2 threads, on one machine)")


ARGS = argparse.Namespace()


def bench_session(app: str, cores: int, driver_memory: str, shuffle_partitions: int,
                  conf: dict[str, str] | None = None) -> Any:
    """A local[cores] SparkSession for a benchmark, started here with its UI on (the REST API serves the
    stage metrics ``SparkProbe`` reads); the engine reuses it. ``conf``: further settings."""
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master(f"local[{cores}]").appName(app)
               .config("spark.driver.memory", driver_memory).config("spark.ui.enabled", "true")
               .config("spark.ui.showConsoleProgress", "false").config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.ansi.enabled", "false").config("spark.sql.adaptive.enabled", "true")
               .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
               .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC"))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="1000000,5000000", help="comma-separated sizes")
    parser.add_argument("--cores", type=int, default=2, help="DuckDB threads and Spark local[N]")
    parser.add_argument("--driver-memory", default="6g")
    parser.add_argument("--shuffle-partitions", type=int, default=4)
    parser.add_argument("--stage-timeout", type=float, default=900.0, help="seconds per stage on Spark")
    parser.add_argument("--duckdb-memory", default="3GB", help="DuckDB's memory_limit (it spills past it)")
    parser.add_argument("--bandwidth-mb", type=float, default=100.0, help="shuffle MB/s per core, for the model")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp dir)")
    parser.add_argument("--stages", default=",".join(STAGES.STAGE_KEYS),
                        help=f"comma-separated, of: {', '.join(STAGES.STAGE_KEYS)} (ingest always runs)")
    parser.add_argument("--target-entities", type=float, default=0.0,
                        help="entity records at the target (resolve, screen); default: the generated case's "
                             "ratio of entity records to transactions, times 180M")
    parser.add_argument("--save", type=Path, default=None, help="write this run's measurements as JSON")
    parser.add_argument("--load", type=Path, action="append", default=[],
                        help="add the measurements of an earlier run's --save (its sizes and stages this run "
                             "did not measure) before the cost model; repeatable")
    ARGS.__dict__.update(vars(parser.parse_args()))
    sizes = [int(x) for x in ARGS.rows.split(",") if x]
    results: dict[int, dict[str, Any]] = {}
    ARGS.saved = results
    if sizes:  # none (--rows ''): only the tables and the model of the --load files
        from moneytrail.engine.spark.session import java_available, pyspark_available

        if not pyspark_available() or not java_available():
            print("skipped: the Spark side needs pyspark (pip install 'moneytrail[spark]') and a Java 17 runtime")
            return
        spark = bench_session("moneytrail-bench", ARGS.cores, ARGS.driver_memory, ARGS.shuffle_partitions)
        probe = SparkProbe(spark)
        with tempfile.TemporaryDirectory(prefix="mt-bench-spark-", dir=ARGS.work) as tmp:
            for rows in sizes:
                results[rows] = run_size(rows, ARGS, spark, probe, Path(tmp))
                print_table(rows, results[rows])  # at once: a long run interrupted later keeps this size's table
                ARGS.saved = results
    for earlier in ARGS.load:
        load(earlier, results)
    if ARGS.load:
        print("\nWith the loaded measurements (each stage's row is from one run: this one where it ran the stage):")
        for rows in sorted(results):
            print_table(rows, results[rows])
    if len(results) >= 2:
        cost_model(results)


if __name__ == "__main__":
    main()
