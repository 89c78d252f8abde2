"""Generator throughput: rows/s and peak RSS of ``generate_case`` at a given size.

    .venv/bin/python benchmarks/generate.py --rows 5000000
    .venv/bin/python benchmarks/generate.py --rows 1000000 --format amlworld --repeats 3
    .venv/bin/python benchmarks/generate.py --rows 1000000 --mix   # AMLworld HI-Medium patterns (shared data)

Each repeat runs in a fresh child process so peak RSS is that run's own. Target: 5,000,000 rows in
under 60 s and under 4 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def child(rows: int, fmt: str, mix: bool, seed: int) -> None:
    from moneytrail.generate import GenerateConfig, generate_case

    patterns = (SHARED / "amlworld" / "HI-Medium_Patterns.txt",) if mix else ()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        truth = generate_case(Path(tmp) / "case", GenerateConfig(transactions=rows, seed=seed, fmt=fmt,
                                                                 mix_patterns=patterns))
        seconds = time.perf_counter() - started
        size = (Path(tmp) / "case" / "transactions.csv").stat().st_size
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"seconds": seconds, "rows": truth["transactions"], "peak_mb": peak_mb, "bytes": size}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--format", dest="fmt", default="native", choices=["native", "amlworld"])
    parser.add_argument("--mix", action="store_true", help="mix AMLworld HI-Medium patterns (needs shared data)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.mix and not (SHARED / "amlworld" / "HI-Medium_Patterns.txt").exists():
        print(f"skipped: --mix needs the AMLworld patterns in {SHARED / 'amlworld'}")
        return
    if args.child:
        child(args.rows, "amlworld" if args.mix else args.fmt, args.mix, args.seed)
        return
    runs = []
    for _ in range(args.repeats):
        cmd = [sys.executable, __file__, "--child", "--rows", str(args.rows), "--format", args.fmt,
               "--seed", str(args.seed)] + (["--mix"] if args.mix else [])
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    seconds = statistics.median(r["seconds"] for r in runs)
    peak = max(r["peak_mb"] for r in runs)
    rows = runs[0]["rows"]
    print(f"{'mode':<22}{'rows':>12}{'median s':>11}{'rows/s':>13}{'peak RSS MB':>13}{'CSV MB':>9}{'repeats':>9}")
    mode = "amlworld mix" if args.mix else args.fmt
    print(f"{mode:<22}{rows:>12,}{seconds:>11.1f}{rows / seconds:>13,.0f}{peak:>13,.0f}"
          f"{runs[0]['bytes'] / 1e6:>9,.0f}{len(runs):>9}")


if __name__ == "__main__":
    main()
