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
from pathlib import Path

from moneytrail.detect.base import prepared_edges
from moneytrail.detect.registry import detectors
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
        results: dict[str, list[float]] = {t: [] for t in chosen}
        counts: dict[str, int] = {}
        rss: dict[str, float] = {}
        totals, prep = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            with prepared_edges(case):
                prep.append(time.perf_counter() - t0)
                rss_prep = peak_rss_mb()
                for i, typology in enumerate(chosen):
                    timings: dict[str, float] = {}
                    found = run_detectors(case, [typology], timings=timings)
                    release_unneeded(case, [registered[t] for t in chosen[i + 1:]])  # as run_detectors does
                    results[typology].append(timings[typology])
                    counts[typology] = len(found)
                    rss[typology] = peak_rss_mb()
            totals.append(time.perf_counter() - t0)
        n = case.count("transactions")
        case.close()
    print(f"\ndetectors on {n:,} transactions, median of {args.repeat} run(s), {args.threads} DuckDB threads "
          f"(peak RSS before detection {rss_before:,.0f} MB)")
    print(f"{'detector':16} {'seconds':>8} {'findings':>9} {'per 10k':>8} {'peak RSS MB':>12}")
    print(f"{'(edge table)':16} {statistics.median(prep):>8.1f} {'':>9} {'':>8} {rss_prep:>12,.0f}")
    for typology in chosen:
        print(f"{typology:16} {statistics.median(results[typology]):>8.1f} {counts[typology]:>9,} "
              f"{counts[typology] * 10_000 / max(n, 1):>8.2f} {rss[typology]:>12,.0f}")
    print(f"{'all detectors':16} {statistics.median(totals):>8.1f} {sum(counts.values()):>9,} "
          f"{sum(counts.values()) * 10_000 / max(n, 1):>8.2f} {peak_rss_mb():>12,.0f}")


if __name__ == "__main__":
    main()
