"""Run benchmark scripts of two checkouts side by side, alternating, and print both in one table.

    # the checkout before a change, e.g. `git archive ba9812d src benchmarks | tar -x -C /tmp/before`
    .venv/bin/python benchmarks/before_after.py --before /tmp/before --script detect.py -- --rows 1000000
    .venv/bin/python benchmarks/before_after.py --before /tmp/before --script trace.py --rounds 3 -- --rows 1000000
    # the stage's own figures too (a regular expression with one group, matched in each run's output):
    .venv/bin/python benchmarks/before_after.py --before /tmp/before --script detect.py \\
        --figure 'detectors cpu s=^all detectors\\s+\\S+\\s+(\\S+)' -- --rows 1000000

Each run is a fresh process with ``PYTHONPATH`` set to that checkout's ``src`` and runs that checkout's
own copy of the script, so the two versions are measured on the same machine in the same minutes; runs
alternate (before, after, before, ...) so load from elsewhere falls on both. Printed: each run's wall and
CPU seconds (user + system of the process and its children: for detect.py that includes generating and
ingesting the case), the figures asked for, the medians, the ratio after / before, and the last run's own
output of each side (its own tables). ``benchmarks/seam_speed.py`` runs detect.py and trace.py this way.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

Figures = dict[str, str]  # name -> regular expression with one group holding a number


def run_once(root: Path, script: str, args: list[str]) -> tuple[float, float, str]:
    env = dict(os.environ, PYTHONPATH=str((root / "src").resolve()))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(root / "benchmarks" / script), *args], env=env, check=True,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def figure(output: str, pattern: str) -> float:
    match = re.search(pattern, output, re.MULTILINE)
    if match is None:
        raise SystemExit(f"figure {pattern!r} not found in the script's output:\n{output}")
    return float(match.group(1).replace(",", ""))


def compare(before: Path, after: Path, script: str, args: list[str], rounds: int, figures: Figures) -> None:
    """Alternate the two checkouts' runs of ``script``; print every run, then the medians and ratios."""
    names = ["process wall s", "process cpu s", *figures]
    runs: dict[str, list[list[float]]] = {"before": [], "after": []}
    outputs: dict[str, str] = {}
    print(f"\n=== {script} {' '.join(args)}", flush=True)
    for _ in range(rounds):
        for side, root in (("before", before), ("after", after)):
            wall, cpu, out = run_once(root, script, args)
            values = [wall, cpu, *(figure(out, p) for p in figures.values())]
            runs[side].append(values)
            outputs[side] = out
            print(f"{side:<7} " + "   ".join(f"{n} {v:.3f}" for n, v in zip(names, values, strict=True)), flush=True)
    med = {side: [statistics.median(r[i] for r in rs) for i in range(len(names))] for side, rs in runs.items()}
    width = max(len(n) for n in names) + 2
    print(f"\n{script} {' '.join(args)}: medians over {rounds} run(s) each")
    print(f"{'':<{width}}{'before':>10}{'after':>10}{'after/before':>14}")
    for i, name in enumerate(names):
        b, a = med["before"][i], med["after"][i]
        print(f"{name:<{width}}{b:>10.3f}{a:>10.3f}{(a / b if b else float('nan')):>14.3f}")
    for side in ("before", "after"):
        print(f"\n--- {script}, {side}: the script's own output (last run)\n{outputs[side]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="checkout (with src/ and benchmarks/) before")
    parser.add_argument("--after", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--script", required=True, help="a script in benchmarks/, e.g. detect.py")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--figure", action="append", default=[],
                        help="NAME=REGEX: a number to take from each run's output (one group), e.g. "
                             r"'detectors cpu s=^all detectors\s+\S+\s+(\S+)'")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="after --: the script's own arguments")
    ns = parser.parse_args()
    figures = dict(f.split("=", 1) for f in ns.figure)
    compare(ns.before, ns.after, ns.script, [a for a in ns.args if a != "--"], ns.rounds, figures)


if __name__ == "__main__":
    main()
