"""The demo on DuckDB and on Spark local[2]: are the findings the same? (issue 20, "Identical results")

    python benchmarks/spark_demo.py --transactions 100000            # both engines, then the comparison
    python benchmarks/spark_demo.py --transactions 3000 --keep /tmp/sd
    python benchmarks/spark_demo.py compare duck.json spark.json      # two dumps made earlier

Each engine runs the whole demo pipeline (``moneytrail.demo``: generate, ingest, resolve, screen, detect,
learn, trace, link, evidence, report) in its own process, on the same generated case (same size and seed,
the same folder, so stored file paths agree), exactly as ``moneytrail demo --engine ENGINE`` does. Then
every stored finding is dumped with its id, and the two dumps are compared finding by finding, by id:

- the same finding ids on both sides (a finding's id is a hash of what it found, so equal ids mean equal
  kind, rows and parameters);
- per finding: the same refs (kind, id, role), the same grade (reliability, credibility, wording), the same
  title, explanation, typology, currency and time span, and score and amount within 1e-9 (relative).

It prints, per engine, wall and CPU seconds (CPU: the process's own plus, on Spark, its JVM's) and seconds per
stage, then one table: findings on each side, findings identical, and the count of differences per field,
then every difference. Exits non-zero when anything differs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TOLERANCE = 1e-9  # relative, for score and amount: the bound
EXACT = ("kind", "typology", "title", "explanation", "currency", "start_ts", "end_ts", "reliability", "credibility",
         "wording", "refs")
CLOSE = ("score", "amount")
WORK = Path(tempfile.gettempdir()) / "moneytrail-spark-demo"  # one folder for both engines: stored paths agree


def _jvm_cpu() -> float:
    """CPU seconds of this process's Java children (the Spark driver JVM that py4j started), 0 without one."""
    try:
        import psutil
    except ImportError:
        return 0.0
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            if "java" in child.name():
                t = child.cpu_times()
                total += t.user + t.system
        except psutil.Error:
            continue
    return total


def dump(engine: str, rows: int, seed: int, out: Path) -> None:
    """Run the demo on ``engine`` and write its findings (by id) and timings to ``out``."""
    os.environ["MONEYTRAIL_ENGINE"] = engine
    from moneytrail.demo.pipeline import DemoOptions, run_demo

    started, cpu = time.perf_counter(), time.process_time()
    run = run_demo(DemoOptions(WORK / "demo", rows, seed), on_stage=lambda name: print(
        f"{engine}: {name} at {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True))
    seconds = {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu + _jvm_cpu()}
    findings = findings_of(run.case_file)
    out.write_text(json.dumps({"engine": engine, "rows": rows, "seed": seed, "seconds": seconds,
                               "stages": run.seconds, "findings": findings}, default=str), encoding="utf-8")


def findings_of(case_file: Path) -> list[dict[str, Any]]:
    """Every stored finding of a case (either engine's), with its sorted refs."""
    from moneytrail.store import Case

    with Case.open(case_file, read_only=True) as case:
        e = case.engine
        findings = e.query(
            f"SELECT finding_id, kind, typology, title, explanation, score, amount, currency, "
            f"{e.dialect.text_sql('start_ts')} AS start_ts, {e.dialect.text_sql('end_ts')} AS end_ts, "
            f"reliability, credibility, wording FROM findings").to_pylist()
        refs: dict[str, list[str]] = {}
        for fid, kind, ref_id, role in e.rows("SELECT finding_id, ref_kind, ref_id, role FROM finding_refs"):
            refs.setdefault(str(fid), []).append(f"{kind}:{ref_id}:{role}")
    for f in findings:
        f["refs"] = sorted(refs.get(str(f["finding_id"]), []))
    return findings


def _same(field: str, x: Any, y: Any) -> bool:
    if field in CLOSE and isinstance(x, int | float) and isinstance(y, int | float):
        return math.isclose(x, y, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return bool(x == y)


def compare(duck: dict[str, Any], spark: dict[str, Any]) -> tuple[list[str], dict[str, int], int]:
    """(every difference, differences per field, findings identical on both sides)."""
    a = {f["finding_id"]: f for f in duck["findings"]}
    b = {f["finding_id"]: f for f in spark["findings"]}
    lines = [f"only on duckdb: {k} {a[k]['kind']}: {a[k]['title']}" for k in sorted(set(a) - set(b))]
    lines += [f"only on spark:  {k} {b[k]['kind']}: {b[k]['title']}" for k in sorted(set(b) - set(a))]
    per_field = {"only on duckdb": len(set(a) - set(b)), "only on spark": len(set(b) - set(a))}
    identical = 0
    for k in sorted(set(a) & set(b)):
        differs = [f for f in (*EXACT, *CLOSE) if not _same(f, a[k].get(f), b[k].get(f))]
        identical += not differs
        for f in differs:
            per_field[f] = per_field.get(f, 0) + 1
            lines.append(f"{k} {a[k]['kind']} {f}: {_short(a[k].get(f))} -> {_short(b[k].get(f))}")
    if len(a) != len(duck["findings"]) or len(b) != len(spark["findings"]):
        lines.append("a finding id is stored twice")
    return lines, per_field, identical


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) < 160 else text[:157] + "..."


def report(duck: dict[str, Any], spark: dict[str, Any]) -> int:
    lines, per_field, identical = compare(duck, spark)
    print(f"demo, {duck['rows']:,} transactions, seed {duck['seed']}")
    print(f"{'engine':<8} {'wall s':>9} {'cpu s':>9}  seconds per stage")
    for d in (duck, spark):
        stages = ", ".join(f"{k} {v:.1f}" for k, v in d["stages"].items())
        print(f"{d['engine']:<8} {d['seconds']['wall']:>9.1f} {d['seconds']['cpu']:>9.1f}  {stages}")
    ratio = spark["seconds"]["wall"] / max(duck["seconds"]["wall"], 1e-9)
    print(f"spark/duckdb wall {ratio:.1f}x, cpu {spark['seconds']['cpu'] / max(duck['seconds']['cpu'], 1e-9):.1f}x\n")
    print(f"{'findings duckdb':>16} {'findings spark':>15} {'identical':>10} {'differences':>12}")
    print(f"{len(duck['findings']):>16} {len(spark['findings']):>15} {identical:>10} {len(lines):>12}")
    for field, n in sorted(per_field.items()):
        if n:
            print(f"  {field}: {n}")
    for line in lines:
        print("  " + line)
    return 1 if lines else 0


def _run_side(engine: str, rows: int, seed: int, out: Path, timeout: float) -> dict[str, Any]:
    env = dict(os.environ, MONEYTRAIL_ENGINE=engine)
    subprocess.run([sys.executable, __file__, "dump", engine, "--transactions", str(rows), "--seed", str(seed),
                    "--out", str(out)], env=env, check=True, timeout=timeout)
    loaded: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", default="run", choices=("run", "dump", "read", "compare"))
    parser.add_argument("args", nargs="*", help="dump: ENGINE; read: CASE ENGINE (a demo case made earlier); "
                                                "compare: DUCK.json SPARK.json")
    parser.add_argument("--transactions", "-n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="dump: the file to write")
    parser.add_argument("--keep", type=Path, help="run: folder to keep both dumps in")
    parser.add_argument("--timeout", type=float, default=6 * 3600, help="seconds per engine")
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.args[0], args.transactions, args.seed, args.out)
        return
    if args.command == "read":
        args.out.write_text(json.dumps({"engine": args.args[1], "rows": args.transactions, "seed": args.seed,
                                        "seconds": {"wall": 0.0, "cpu": 0.0}, "stages": {},
                                        "findings": findings_of(Path(args.args[0]))}, default=str), encoding="utf-8")
        return
    if args.command == "compare":
        duck, spark = (json.loads(Path(p).read_text(encoding="utf-8")) for p in args.args)
        sys.exit(report(duck, spark))
    try:
        import pyspark  # noqa: F401
    except ImportError:
        sys.exit("skipped: pyspark is not installed (pip install -e '.[spark]')")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="spark-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    duck = _run_side("duckdb", args.transactions, args.seed, folder / "duckdb.json", args.timeout)
    spark = _run_side("spark", args.transactions, args.seed, folder / "spark.json", args.timeout)
    sys.exit(report(duck, spark))


if __name__ == "__main__":
    main()
