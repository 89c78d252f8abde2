"""Run one benchmark script of two checkouts side by side, alternating, and print both in one table.

    # the checkout before a change, e.g. `git archive main src benchmarks | tar -x -C /tmp/before`
    .venv/bin/python benchmarks/before_after.py --before /tmp/before --script detect.py -- --rows 1000000
    .venv/bin/python benchmarks/before_after.py --before /tmp/before --script trace.py --rounds 3 -- --rows 1000000

Each run is a fresh process with ``PYTHONPATH`` set to that checkout's ``src`` and runs that checkout's
own copy of the script, so the two versions are measured on the same machine in the same minutes; runs
alternate (before, after, before, ...) so load from elsewhere falls on both. Printed: each run's wall and
CPU seconds (user + system of the process and its children), the medians, the ratio after / before,
and the last run's own output of each side (its own tables).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="checkout (with src/ and benchmarks/) before")
    parser.add_argument("--after", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--script", required=True, help="a script in benchmarks/, e.g. detect.py")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("args", nargs=argparse.REMAINDER, help="after --: the script's own arguments")
    ns = parser.parse_args()
    args = [a for a in ns.args if a != "--"]
    runs: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
    outputs: dict[str, str] = {}
    for _ in range(ns.rounds):
        for side, root in (("before", ns.before), ("after", ns.after)):
            wall, cpu, out = run_once(root, ns.script, args)
            runs[side].append((wall, cpu))
            outputs[side] = out
            print(f"{side:<7} wall {wall:8.2f} s   cpu {cpu:8.2f} s", flush=True)
    med = {side: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r)) for side, r in runs.items()}
    print(f"\n{ns.script} {' '.join(args)}: medians over {ns.rounds} run(s) each")
    print(f"{'':<8}{'wall s':>10}{'cpu s':>10}")
    for side, (wall, cpu) in med.items():
        print(f"{side:<8}{wall:>10.2f}{cpu:>10.2f}")
    print(f"{'ratio':<8}{med['after'][0] / med['before'][0]:>10.3f}{med['after'][1] / med['before'][1]:>10.3f}"
          "   (after / before)")
    for side in ("before", "after"):
        print(f"\n--- {side}: the script's own output (last run)\n{outputs[side]}")


if __name__ == "__main__":
    main()
