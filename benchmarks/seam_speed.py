"""Issue 13's speed check in one run: detect.py and trace.py of the commit before the seam beside this checkout.

    .venv/bin/python benchmarks/seam_speed.py                      # 1,000,000 rows, 3 rounds each
    .venv/bin/python benchmarks/seam_speed.py --rows 200000 --rounds 1

The commit before the seam (``ba9812d``, the parent of the commit that graded findings once and stamped
stage results) is exported with ``git archive`` into a temporary folder; ``before_after.compare`` then
alternates fresh processes of each checkout's own script. Printed per script: process wall and CPU
seconds (detect.py's process also generates and ingests its case, so its CPU includes ingest changes made
since), and the stage's own figures from the script's table: all detectors' wall and CPU seconds; the
trace index build, a one-account trace and a 1,000-account trace, wall and CPU (this checkout's trace.py
runs on both sides: since the old commit it only gained the CPU columns). Medians over ``--rounds``, ratio
after / before. Quote CPU seconds: wall time on a shared machine is noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from before_after import compare

PRE_SEAM = "ba9812d"
ROOT = Path(__file__).resolve().parents[1]

DETECT_FIGURES = {"all detectors wall s": r"^all detectors\s+(\S+)",
                  "all detectors cpu s": r"^all detectors\s+\S+\s+(\S+)"}
TRACE_FIGURES = {"trace index build s": r"^build trace index \(once per case state\)\s+([0-9.]+)",
                 "trace 1 account s": r"^trace from 1 account \(median of \d+\)\s+([0-9.]+)",
                 "trace 1 account cpu s": r"^trace from 1 account \(median of \d+\)\s+\S+ \(cpu ([0-9.]+)\)",
                 "trace 1000 accounts s": r"^trace from \d+ accounts\s+([0-9.]+)",
                 "trace 1000 accounts cpu s": r"^trace from \d+ accounts\s+\S+ \(cpu ([0-9.]+)\)"}
# trace.py and detect.py of this checkout run against both versions: since the commit before the seam
# trace.py has only gained CPU seconds per trace and detect.py two decimals (same case, same seeds, same
# calls); a 0.1 s resolution hid differences of the size this check looks for.
SHARED_SCRIPTS = ("trace.py", "detect.py")


def export(repo: Path, commit: str, folder: Path) -> Path:
    """``src`` and ``benchmarks`` of ``commit`` in ``folder`` (no work tree or branch is made)."""
    archive = subprocess.run(["git", "-C", str(repo), "archive", commit, "src", "benchmarks"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def registered_typologies(checkout: Path) -> list[str]:
    """The detectors ``checkout`` registers, asked of its own code in a fresh process."""
    code = "from moneytrail.detect.registry import detectors; print(','.join(detectors()))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(checkout / "src")}).stdout
    return [t for t in out.strip().split(",") if t]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default=PRE_SEAM, help="commit to compare with (default: before the seam)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repo", type=Path, default=ROOT, help="the git checkout to export --before from "
                        "(when this script runs from an exported copy)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="moneytrail-before-") as tmp:
        before = export(args.repo, args.before, Path(tmp))
        for script in SHARED_SCRIPTS:
            shutil.copy(ROOT / "benchmarks" / script, before / "benchmarks" / script)
        print(f"before: {args.before} (exported to {before}); after: {ROOT}; {args.rows:,} rows, "
              f"{args.rounds} round(s) each, alternating")
        # The seam must not slow the detectors that existed before it; detectors added since (issue 16's
        # variants) are new work, so both sides run the detectors they share and the rest is named.
        old, new = registered_typologies(before), registered_typologies(ROOT)
        shared = [t for t in new if t in old]
        added = [t for t in new if t not in old]
        print(f"detectors on both sides: {len(shared)}; added since {args.before} and not timed here: "
              f"{', '.join(added) or 'none'}; removed: {', '.join(t for t in old if t not in new) or 'none'}")
        compare(before, ROOT, "detect.py", ["--rows", str(args.rows), "--typologies", ",".join(shared)],
                args.rounds, DETECT_FIGURES)
        compare(before, ROOT, "trace.py", ["--rows", str(args.rows), "--skip-plain"], args.rounds, TRACE_FIGURES)


if __name__ == "__main__":
    main()
