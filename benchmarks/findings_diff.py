"""Do two versions of moneytrail find the same things? Runs the demo pipeline with each and lists every
difference in the stored findings (text, scores, amounts, refs, parameters, grades).

    # the code before the seam (issue 13), exported with `git archive ba9812d src | tar -x -C /tmp/before`
    .venv/bin/python benchmarks/findings_diff.py run --before /tmp/before/src --after src --rows 100000 200000

    .venv/bin/python benchmarks/findings_diff.py dump --rows 100000 --out after.json   # this checkout
    .venv/bin/python benchmarks/findings_diff.py compare before.json after.json

Each version runs in its own process (``PYTHONPATH`` = its ``src``) on the same generated case (seed 7).
A finding is matched across versions by (kind, typology, title, the rows it cites); fields that only one
version stores (stage stamps, data versions) are not compared. The table lists, per case size, how many
findings each side has and how many differ in each field; then every difference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

COMPARED = ("explanation", "score", "amount", "currency", "start_ts", "end_ts", "reliability", "credibility",
            "wording", "params", "refs")
# Bookkeeping inside details that says nothing about what was found: rank, and how long a stage took.
IGNORED_DETAILS = frozenset({"rank_in_typology", "seconds_sql", "seconds_ledger", "seconds_total"})
# A parallel floating-point sum differs in its last bits from run to run.
REL_TOL = 1e-9
WORK = Path(tempfile.gettempdir()) / "moneytrail-findings-diff"  # one folder, so stored file paths agree


def dump(rows: int, seed: int, out: Path) -> None:
    """Run the demo pipeline (every stage) on a generated case of ``rows`` transactions; write its findings."""
    from moneytrail.demo.pipeline import DemoOptions, run_demo
    from moneytrail.store import Case

    with tempfile.TemporaryDirectory():
        started, cpu = time.perf_counter(), time.process_time()
        run = run_demo(DemoOptions(WORK / "demo", rows, seed))
        seconds = {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu}
        with Case.open(run.case_file, read_only=True) as case:
            findings = case.engine.query(
                "SELECT kind, typology, title, explanation, score, amount, currency, CAST(start_ts AS VARCHAR) AS "
                "start_ts, CAST(end_ts AS VARCHAR) AS end_ts, reliability, credibility, wording, params, details, "
                "finding_id FROM findings").to_pylist()
            refs: dict[str, list[str]] = {}
            for fid, kind, ref_id, role in case.engine.rows(
                    "SELECT finding_id, ref_kind, ref_id, role FROM finding_refs ORDER BY 1, 2, 3, 4"):
                refs.setdefault(str(fid), []).append(f"{kind}:{ref_id}:{role}")
    ids = {f["finding_id"]: f for f in findings}
    out_rows = []
    for f in findings:
        f["refs"] = _cited(refs.get(f["finding_id"], []), ids)
        f["params"] = json.loads(f["params"] or "{}")
        f["details"] = _without(json.loads(f["details"] or "{}"))
        f.pop("finding_id")
        out_rows.append(f)
    out.write_text(json.dumps({"rows": rows, "seed": seed, "seconds": seconds, "findings": out_rows},
                              default=str, indent=1), encoding="utf-8")


def _without(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without(v) for k, v in value.items() if k not in IGNORED_DETAILS}
    if isinstance(value, list):
        return [_without(v) for v in value]
    return value


def _differences(x: Any, y: Any, path: str) -> list[str]:
    """Paths at which two JSON values differ (floats within ``REL_TOL`` agree)."""
    if isinstance(x, dict) and isinstance(y, dict):
        return [d for k in sorted(set(x) | set(y)) for d in _differences(x.get(k), y.get(k), f"{path}.{k}")]
    if isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        return [d for i, (a, b) in enumerate(zip(x, y, strict=True)) for d in _differences(a, b, f"{path}[{i}]")]
    if isinstance(x, float | int) and isinstance(y, float | int) and not isinstance(x, bool):
        return [] if math.isclose(x, y, rel_tol=REL_TOL, abs_tol=1e-9) else [f"{path}: {x} -> {y}"]
    return [] if x == y else [f"{path}: {_short(x)} -> {_short(y)}"]


def _cited(refs: list[str], ids: dict[str, dict[str, Any]]) -> list[str]:
    """References, with a cited finding named by its kind and title (ids may be computed differently)."""
    result = []
    for r in refs:
        kind, _, rest = r.partition(":")
        fid, _, role = rest.rpartition(":")
        if kind == "finding" and fid in ids:
            result.append(f"finding:{ids[fid]['kind']}/{ids[fid]['title']}:{role}")
        else:
            result.append(r)
    return sorted(result)


def _key(f: dict[str, Any]) -> str:
    refs = hashlib.sha1("|".join(f["refs"]).encode()).hexdigest()[:10]
    return f"{f['kind']}/{f['typology']}: {f['title']} [{refs}]"


def _normalised(dump: dict[str, Any]) -> dict[str, Any]:
    """The case folder in stored file paths replaced by one name (dumps made in other folders agree)."""
    text = re.sub(r"[^\"]*/demo/data/", "<case>/data/", json.dumps(dump["findings"]))
    return {**dump, "findings": [{**f, "details": _without(f.get("details"))} for f in json.loads(text)]}


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Every difference between two dumps, one line each."""
    before, after = _normalised(before), _normalised(after)
    a = {_key(f): f for f in before["findings"]}
    b = {_key(f): f for f in after["findings"]}
    lines = [f"only before: {k}" for k in sorted(set(a) - set(b))]
    lines += [f"only after:  {k}" for k in sorted(set(b) - set(a))]
    for k in sorted(set(a) & set(b)):
        for field in (*COMPARED, "details"):
            x, y = a[k].get(field), b[k].get(field)
            if field == "details":  # keys only one version writes are not compared
                shared = set(x or {}) & set(y or {})
                x = {n: (x or {})[n] for n in shared}
                y = {n: (y or {})[n] for n in shared}
            lines.extend(f"{k}: {d}" for d in _differences(x, y, field))
    if len(before["findings"]) != len(a):
        lines.append(f"before stores {len(before['findings']) - len(a)} duplicate finding(s)")
    if len(after["findings"]) != len(b):
        lines.append(f"after stores {len(after['findings']) - len(b)} duplicate finding(s)")
    return lines


def _short(value: Any) -> str:
    text = json.dumps(value, default=str, sort_keys=True)
    return text if len(text) < 120 else text[:117] + "..."


def _table(results: list[tuple[int, dict[str, Any], dict[str, Any], list[str]]]) -> None:
    print(f"{'rows':>8} {'before':>7} {'after':>7} {'diffs':>6} {'before s (cpu)':>16} {'after s (cpu)':>16}")
    for rows, before, after, lines in results:
        bs, as_ = before["seconds"], after["seconds"]
        print(f"{rows:>8} {len(before['findings']):>7} {len(after['findings']):>7} {len(lines):>6} "
              f"{bs['wall']:>8.1f} ({bs['cpu']:>5.1f}) {as_['wall']:>8.1f} ({as_['cpu']:>5.1f})")
    for rows, _, _, lines in results:
        by_kind = _by_kind(lines)
        print(f"\n-- {rows} rows: {len(lines)} difference(s)"
              + (": " + ", ".join(f"{kind} {field} {n}" for (kind, field), n in sorted(by_kind.items()))
                 if by_kind else ""))
        for line in lines:
            print("  " + line)


def _by_kind(lines: list[str]) -> dict[tuple[str, str], int]:
    """How many differences per (finding kind, field): ``only before``/``only after`` count as fields."""
    counts: dict[tuple[str, str], int] = {}
    for line in lines:
        if line.startswith(("only before: ", "only after:  ")):
            side, key = line.split(":", 1)
            kind, field = key.strip().split("/", 1)[0], side
        elif " duplicate finding" in line:
            kind, field = "(all)", "duplicates"
        else:
            key, _, diff = line.partition("]: ")
            kind, field = key.split("/", 1)[0], re.split(r"[.\[:]", diff, maxsplit=1)[0]
        counts[(kind, field)] = counts.get((kind, field), 0) + 1
    return counts


def _dump_with(src: Path, rows: int, seed: int, out: Path) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(src.resolve()))
    subprocess.run([sys.executable, __file__, "dump", "--rows", str(rows), "--seed", str(seed), "--out", str(out)],
                   env=env, check=True)
    loaded: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_dump = sub.add_parser("dump")
    p_dump.add_argument("--rows", type=int, default=100_000)
    p_dump.add_argument("--seed", type=int, default=7)
    p_dump.add_argument("--out", type=Path, required=True)
    p_cmp = sub.add_parser("compare")
    p_cmp.add_argument("before", type=Path)
    p_cmp.add_argument("after", type=Path)
    p_run = sub.add_parser("run")
    p_run.add_argument("--before", type=Path, required=True, help="src folder of the version before")
    p_run.add_argument("--after", type=Path, default=Path(__file__).resolve().parents[1] / "src")
    p_run.add_argument("--rows", type=int, nargs="+", default=[100_000, 200_000])
    p_run.add_argument("--seed", type=int, default=7)
    p_run.add_argument("--keep", type=Path, help="folder to keep the dumps in")
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.rows, args.seed, args.out)
    elif args.command == "compare":
        before = json.loads(args.before.read_text(encoding="utf-8"))
        after = json.loads(args.after.read_text(encoding="utf-8"))
        _table([(int(before["rows"]), before, after, compare(before, after))])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            folder = args.keep or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            results = []
            for rows in args.rows:
                before = _dump_with(args.before, rows, args.seed, folder / f"before-{rows}.json")
                after = _dump_with(args.after, rows, args.seed, folder / f"after-{rows}.json")
                results.append((rows, before, after, compare(before, after)))
            _table(results)


if __name__ == "__main__":
    main()
