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
import re
import resource
import sys
import tempfile
import time
from collections import Counter
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


_TMP = re.compile(r"/tmp/[^/\"]+/")  # the throw-away folder each snapshot builds its case in
# What the issue asks to stay identical; ``query`` (the SQL text, which names scratch tables) is reported apart.
_COMPARED = ("kind", "typology", "title", "explanation", "score", "start_ts", "end_ts", "amount", "currency",
             "reliability", "credibility", "wording", "params", "input_hash", "details", "refs")


def compare(before: Path, after: Path) -> int:
    def load(path: Path) -> dict[str, dict[str, object]]:
        out = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(_TMP.sub("<tmp>/", line))
            out[str(record["finding_id"])] = record
        return out
    a, b = load(before), load(after)
    gone, new = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    common = sorted(set(a) & set(b))
    fields = Counter(f for k in common for f in _COMPARED if a[k].get(f) != b[k].get(f))
    changed = [k for k in common if any(a[k].get(f) != b[k].get(f) for f in _COMPARED)]
    queries = sum(1 for k in common if a[k].get("query") != b[k].get("query"))
    print(f"{len(a):,} findings before, {len(b):,} after: {len(gone)} gone, {len(new)} new, {len(changed)} changed "
          f"in {', '.join(_COMPARED)} (temp folder paths normalised)")
    print(f"differing fields: {dict(fields) or 'none'}; query text differs in {queries} (SQL text only)")
    real = [k for k in changed if _canonical(a[k]) != _canonical(b[k])]
    print(f"{len(changed) - len(real)} of the changed differ only in what the engine does not fix from run to run "
          f"(the order of equal-weight screening signals, the last bits of a parallel float sum, a trace's timings); "
          f"{len(real)} differ "
          "beyond that")
    for k in real[:20]:
        print(f"  {k}: " + ", ".join(f for f in _COMPARED if _canonical(a[k]).get(f) != _canonical(b[k]).get(f)))
    return 1 if gone or new or real else 0


def _canonical(record: dict[str, object]) -> dict[str, object]:
    """The record with floats to 12 significant digits, signal lists (JSON and text) in sorted order and
    no trace timings."""
    def norm(v: object) -> object:
        if isinstance(v, float):
            return float(f"{v:.12g}")
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            items = [norm(x) for x in v]
            return sorted(items, key=lambda x: json.dumps(x, sort_keys=True)) if all(
                isinstance(x, dict) and "signal" in x for x in items) and items else items
        return v
    out = {}
    for f in _COMPARED:
        value = record.get(f)
        if f == "details" and isinstance(value, str):
            parsed = json.loads(value)
            if isinstance(parsed.get("stats"), dict):  # a trace's own timings
                parsed["stats"] = {k: v for k, v in parsed["stats"].items() if not k.startswith("seconds")}
            value = norm(parsed)
        elif f == "explanation" and isinstance(value, str) and "Signals: " in value:
            head, _, signals = value.partition("Signals: ")
            value = head + "Signals: " + "; ".join(sorted(signals.rstrip(".").split("; ")))
        else:
            value = norm(value)
        out[f] = value
    return out


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
