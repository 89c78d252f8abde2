"""Every finding of a generated case, dumped in a stable order, to compare two versions of the code.

    python benchmarks/findings_snapshot.py --rows 200000 --out /tmp/after.jsonl
    python benchmarks/findings_snapshot.py --compare /tmp/before.jsonl /tmp/after.jsonl

Builds the case as the test fixture ``demo_case`` does (ingest, resolve, claims, every detector,
screening, a trace from the sponsor's accounts, link, claim findings), then writes one JSON line per
finding: its id, kind, typology, title, explanation, score, time span, amount, grade, params, query,
details and its sorted refs. ``created_at`` and ``run_id`` are left out (they differ on every run).
``--compare`` prints the findings that differ and exits non-zero if any do.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.casebuild

_COLUMNS = ("finding_id, kind, typology, title, explanation, score, CAST(start_ts AS VARCHAR), "
            "CAST(end_ts AS VARCHAR), amount, currency, reliability, credibility, wording, params, query, "
            "input_hash, details")


def snapshot(rows: int, seed: int, out: Path) -> int:
    from tests.casebuild import build_generated_case

    from moneytrail.detect.run import run_detectors
    from moneytrail.evidence.claim_findings import write_claim_findings
    from moneytrail.evidence.extract import extract_claims
    from moneytrail.link.bounty import link_actor
    from moneytrail.resolve.screening import screen_case
    from moneytrail.trace.params import TraceParams
    from moneytrail.trace.run import trace

    with tempfile.TemporaryDirectory() as tmp:
        case, truth = build_generated_case(Path(tmp), transactions=rows, seed=seed)
        gen = Path(tmp) / "generated"
        extract_claims(case)
        run_detectors(case)
        screen_case(case, gen / "entities" / "sanctions.jsonl")
        trace(case, TraceParams(source=tuple(truth["network"]["sponsor"]["accounts"])))
        link_actor(case, truth["network"]["group"]["name"], permutations=299)
        write_claim_findings(case)
        refs: dict[str, list[list[str]]] = {}
        for fid, kind, ref_id, role in case.engine.rows(
                "SELECT finding_id, ref_kind, ref_id, role FROM finding_refs ORDER BY 1, 2, 3, 4"):
            refs.setdefault(fid, []).append([kind, ref_id, role])
        names = [c.strip().split(" ")[-1].strip("()") for c in _COLUMNS.split(", ")]
        lines = []
        for row in case.engine.rows(f"SELECT {_COLUMNS} FROM findings ORDER BY finding_id"):
            record = dict(zip(names, row, strict=True))
            record["refs"] = refs.get(str(row[0]), [])
            lines.append(json.dumps(record, sort_keys=True, default=str))
        case.close()
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def compare(before: Path, after: Path) -> int:
    def load(path: Path) -> dict[str, str]:
        return {json.loads(line)["finding_id"]: line for line in path.read_text(encoding="utf-8").splitlines()}
    a, b = load(before), load(after)
    gone, new = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    changed = sorted(k for k in set(a) & set(b) if a[k] != b[k])
    print(f"{len(a):,} findings before, {len(b):,} after: {len(gone)} gone, {len(new)} new, {len(changed)} changed")
    for k in changed[:20]:
        ja, jb = json.loads(a[k]), json.loads(b[k])
        print(f"  {k}: " + ", ".join(f for f in ja if ja[f] != jb.get(f)))
    return 1 if gone or new or changed else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = ap.parse_args()
    if args.compare:
        raise SystemExit(compare(*args.compare))
    if not args.out:
        ap.error("give --out FILE or --compare BEFORE AFTER")
    t0 = time.perf_counter()
    n = snapshot(args.rows, args.seed, args.out)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{n:,} findings on {args.rows:,} generated rows written to {args.out} in "
          f"{time.perf_counter() - t0:.1f} s wall, {cpu.ru_utime + cpu.ru_stime:.1f} s cpu")


if __name__ == "__main__":
    main()
