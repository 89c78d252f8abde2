"""All detectors on a generated case: wall time, findings and peak RSS per detector.

    .venv/bin/python benchmarks/detect.py --rows 5000000            # the acceptance size
    .venv/bin/python benchmarks/detect.py --rows 200000 --repeat 3  # while developing
    .venv/bin/python benchmarks/detect.py --rows 5000000 --keep /tmp/det5m --typologies structuring
                                                                    # build once, profile one detector

Generates the case with the project's generator (native format), ingests it, then runs each
registered detector ``--repeat`` times and prints medians. As in ``run_detectors``, the shared edge table is
prepared once per run (its time is its own row and counts towards the total), and tables shared by several
detectors are built by the first that needs them and freed once no later one reads them. Targets at 5M rows:
all detectors <= 60 s wall on 2 cores, <= 4 GB peak RSS.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import resource
import statistics
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from moneytrail.detect.base import prepared_edges
from moneytrail.detect.paths import release_paths
from moneytrail.detect.registry import Detector, detectors
from moneytrail.detect.run import release_unneeded, run_detectors
from moneytrail.generate import GenerateConfig, generate_case
from moneytrail.ingest import ingest_rates, ingest_transactions
from moneytrail.store import Case


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def build(folder: Path, rows: int, seed: int) -> None:
    t0 = time.perf_counter()
    generate_case(folder / "gen", GenerateConfig(transactions=rows, seed=seed))
    t1 = time.perf_counter()
    with Case.create(folder / "case") as case:
        ingest_rates(case, folder / "gen" / "rates.csv")
        ingest_transactions(case, folder / "gen" / "transactions.csv", preset="native")
        print(f"generated {rows:,} rows in {t1 - t0:.1f} s, ingested in {time.perf_counter() - t1:.1f} s "
              f"({case.count('transactions'):,} stored)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--typologies", default="", help="comma-separated; default all registered")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (the target machine has 2 cores)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the case in this folder and keep it; reused if it already holds one")
    args = parser.parse_args()
    registered = detectors()
    chosen = [t for t in args.typologies.split(",") if t] or list(registered)
    with contextlib.ExitStack() as stack:
        folder = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if not (folder / "case").exists():
            folder.mkdir(parents=True, exist_ok=True)
            # Generate and ingest in a child process, so the peak RSS below is the detectors' own.
            child = multiprocessing.get_context("spawn").Process(target=build, args=(folder, args.rows, args.seed))
            child.start()
            child.join()
            if child.exitcode != 0:
                raise SystemExit(f"building the case failed (exit code {child.exitcode})")
        else:
            print(f"reusing the case in {folder} (--rows and --seed ignored)", flush=True)
        case = Case.open(folder / "case")
        case.engine.execute(f"SET threads = {int(args.threads)}")
        rss_before = peak_rss_mb()
        runs = [run_once(case, chosen, registered) for _ in range(args.repeat)]
        n = case.count("transactions")
        case.close()
    print(f"\ndetectors on {n:,} transactions, median of {args.repeat} run(s), {args.threads} DuckDB threads "
          f"(peak RSS before detection {rss_before:,.0f} MB); cpu = process CPU seconds, all threads")
    print(f"{'detector':16} {'seconds':>8} {'cpu s':>7} {'findings':>9} {'per 10k':>8} {'peak RSS MB':>12}")
    for name in ["(edge table)", *chosen, "all detectors"]:
        wall = statistics.median(r[name][0] for r in runs)
        cpu = statistics.median(r[name][1] for r in runs)
        found, rss = runs[-1][name][2], runs[-1][name][3]
        counts = "" if name == "(edge table)" else f"{int(found):,}"
        per10k = "" if name == "(edge table)" else f"{found * 10_000 / max(n, 1):.2f}"
        print(f"{name:16} {wall:>8.2f} {cpu:>7.2f} {counts:>9} {per10k:>8} {rss:>12,.0f}")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_once(case: Case, chosen: list[str], registered: Mapping[str, Detector]) -> dict[str, tuple[float, ...]]:
    """One run of the chosen detectors: name -> (wall s, cpu s, findings, peak RSS MB so far)."""
    release_paths(case)  # no-op outside a run: the chain search lives in the detect run below, timed every run
    row: dict[str, tuple[float, ...]] = {}
    t0, c0 = time.perf_counter(), cpu_seconds()
    with prepared_edges(case):
        row["(edge table)"] = (time.perf_counter() - t0, cpu_seconds() - c0, 0, peak_rss_mb())
        for i, typology in enumerate(chosen):
            t, c = time.perf_counter(), cpu_seconds()
            found = run_detectors(case, [typology])
            release_unneeded(case, [registered[x] for x in chosen[i + 1:]])  # as run_detectors does
            row[typology] = (time.perf_counter() - t, cpu_seconds() - c, len(found), peak_rss_mb())
    total = sum(row[x][2] for x in chosen)
    row["all detectors"] = (time.perf_counter() - t0, cpu_seconds() - c0, total, peak_rss_mb())
    return row


if __name__ == "__main__":
    main()
