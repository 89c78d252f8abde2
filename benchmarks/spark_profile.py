"""Sum a Spark statement profile (``MONEYTRAIL_SPARK_PROFILE=FILE``, see ``engine/spark/profile.py``).

    MONEYTRAIL_SPARK_PROFILE=/tmp/p.jsonl python benchmarks/spark_demo.py dump spark -n 10000 --out s.json
    python benchmarks/spark_profile.py /tmp/p.jsonl --top 30

Prints, for the outermost calls, count and wall/driver-CPU seconds per call kind, then the statement shapes
(text with numbers and scratch names blanked) that took the most wall time in all.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path


def shape(sql: str) -> str:
    sql = re.sub(r"\b(mt_|_mt)?\w*_\d+\b", "<name>", sql)
    return re.sub(r"\b\d+(\.\d+)?\b", "N", sql)[:160]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    lines = [json.loads(x) for x in args.profile.read_text(encoding="utf-8").splitlines() if x.strip()]
    outer = [x for x in lines if x.get("depth", 0) == 0]
    by_call: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for x in lines:
        key = x["call"] if x.get("depth", 0) == 0 else f"  (nested) {x['call']}"
        by_call[key][0] += 1
        by_call[key][1] += x["wall"]
        by_call[key][2] += x["cpu"]
    print(f"{len(outer)} calls, {sum(x['wall'] for x in outer):.1f} s wall, {sum(x['cpu'] for x in outer):.1f} s "
          "driver cpu")
    print(f"{'call':<28} {'count':>7} {'wall s':>9} {'cpu s':>8} {'wall/call':>10}")
    for key, (n, wall, cpu) in sorted(by_call.items(), key=lambda kv: -kv[1][1]):
        print(f"{key:<28} {int(n):>7} {wall:>9.1f} {cpu:>8.1f} {wall / max(n, 1):>10.3f}")
    shapes: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for x in outer:
        s = shapes[f"{x['call']}: {shape(x['sql'])}"]
        s[0] += 1
        s[1] += x["wall"]
    print(f"\n{'count':>6} {'wall s':>8}  statement shape (top {args.top} by wall)")
    for key, (n, wall) in sorted(shapes.items(), key=lambda kv: -kv[1][1])[: args.top]:
        print(f"{int(n):>6} {wall:>8.1f}  {key}")


if __name__ == "__main__":
    main()
