"""Every fan-in and fan-out attempt of an AMLworld mix that the fan rules miss, and which rule condition rejects it.

    .venv/bin/python benchmarks/fan_misses.py --data ../shared/data --mixes HI-Medium,LI-Medium
    .venv/bin/python benchmarks/fan_misses.py --case /tmp/hi/case --truth /tmp/hi/gen/truth.json

Builds the mix as ``benchmarks/learn.py`` does (or opens a built case), runs ``fan-in`` and ``fan-out`` without
storing, and counts an attempt found as ``detect.evaluate`` does (one finding covering half of its
transactions). For each missed attempt it prints its degree (distinct counterparties), span, payments in the
test part (temporal 60/20/20), the hub's traffic in that direction over the attempt's days (payments, distinct
counterparties, of them new to the hub), its payments (day, counterparty, amount), and the conditions that
reject it: each threshold is relaxed alone (``RELAXED``) and the attempt is named under every relaxation that
finds it; "one payment" when it has a single one (no fan to see); else "several" when relaxing them all finds it,
"none" when even that does not (no finding of the hub covers half of it).
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from moneytrail.detect.evaluate import window_of_split
from moneytrail.detect.run import run_detectors
from moneytrail.detect.truth import load_truth, truth_tables
from moneytrail.generate import GenerateConfig, generate_case
from moneytrail.ingest import ingest_rates, ingest_transactions
from moneytrail.model.finding import Finding
from moneytrail.store import Case

# One threshold relaxed at a time: the name printed for it and the override.
RELAXED: dict[str, dict[str, Any]] = {
    "degree": {"min_degree": 2},
    "z_own (hub's own baseline)": {"min_z": -1e9},
    "z_peer (activity peers)": {"min_z_peer": -1e9},
    "recurring counterparties": {"max_recurring_share": 1.0},
    "arrival days": {"min_arrival_days": 1},
    "one-off counterparties only": {"max_life_days": 0},
    "episode span": {"max_span_days": 0},
    "amount": {"min_amount": 0.0},
}


def found_attempts(findings: list[Finding], attempts: dict[str, set[str]]) -> set[str]:
    """Attempts one finding covers half of."""
    by_txn: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(findings):
        for r in f.refs:
            if r.kind == "transaction":
                by_txn[r.ref_id].append(i)
    out = set()
    for attempt, txns in attempts.items():
        hits = Counter(i for t in txns for i in by_txn.get(t, []))
        if hits and 2 * max(hits.values()) >= len(txns):
            out.add(attempt)
    return out


def attempt_rows_sql(truth: str, typology: str) -> str:
    return (f"SELECT t.attempt_id, x.txn_id, x.ts, x.from_account, x.to_account, x.amount, x.currency "
            f"FROM {truth} t JOIN transactions x ON x.txn_id = t.txn_id WHERE t.typology = '{typology}' "
            "ORDER BY t.attempt_id, x.ts")


def hub_traffic(case: Case, hub: str, direction: str, first: Any, last: Any) -> tuple[int, int, int]:
    """(payments, distinct counterparties, of them new to the hub) of the hub in the direction over the days."""
    me, other = ("to_account", "from_account") if direction == "in" else ("from_account", "to_account")
    row = case.engine.rows(
        f"WITH f AS (SELECT {other} AS cp, min(CAST(ts AS DATE)) AS d0 FROM transactions WHERE {me} = ? GROUP BY 1) "
        f"SELECT count(*), count(DISTINCT x.{other}), count(DISTINCT CASE WHEN f.d0 >= CAST(? AS DATE) "
        f"THEN x.{other} END) FROM transactions x JOIN f ON f.cp = x.{other} WHERE x.{me} = ? "
        "AND CAST(x.ts AS DATE) BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)", [hub, first, hub, first, last])[0]
    return int(row[0]), int(row[1]), int(row[2])


def report(case: Case, truth: str, typology: str, test_start: Any) -> None:
    direction = "in" if typology == "fan-in" else "out"
    rows = case.engine.query(attempt_rows_sql(truth, typology)).to_pylist()
    by_attempt: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_attempt[str(r["attempt_id"])].append(r)
    attempts = {a: {str(r["txn_id"]) for r in rs} for a, rs in by_attempt.items()}
    found = found_attempts(run_detectors(case, [typology], store=False), attempts)
    rescued = {name: found_attempts(run_detectors(case, [typology], {typology: o}, store=False), attempts)
               for name, o in RELAXED.items()}
    every = {k: v for o in RELAXED.values() for k, v in o.items()}
    rescued_all = found_attempts(run_detectors(case, [typology], {typology: every}, store=False), attempts)
    reasons: Counter[str] = Counter()
    print(f"== {typology}: {len(found)} of {len(attempts)} attempts found; missed:")
    for attempt, rs in sorted(by_attempt.items(), key=lambda kv: -len(kv[1])):
        if attempt in found:
            continue
        hub = Counter(r["to_account" if direction == "in" else "from_account"] for r in rs).most_common(1)[0][0]
        cps = {r["from_account" if direction == "in" else "to_account"] for r in rs}
        why = ([n for n, s in rescued.items() if attempt in s] or (["one payment"] if len(rs) == 1 else [])
               or (["several (all relaxed: found)"] if attempt in rescued_all else ["none (all relaxed: missed)"]))
        reasons.update(why)
        first, last = rs[0]["ts"], rs[-1]["ts"]
        n_test = sum(r["ts"] >= test_start for r in rs)
        pays, dist, new = hub_traffic(case, hub, direction, first, last)
        print(f"{attempt} degree {len(cps)} payments {len(rs)} ({n_test} in test) {first:%m-%d %H:%M} .. "
              f"{last:%m-%d %H:%M} hub {hub}: {pays} payments {direction} over those days, {dist} counterparties, "
              f"{new} new | rejected by: {', '.join(why)}")
        print("    " + "; ".join(f"{r['ts']:%m-%d} {r['from_account' if direction == 'in' else 'to_account']} "
                                  f"{r['amount']:,.0f} {r['currency']}" for r in rs))
    print(f"== {typology} missed, by the condition that rejects them (an attempt may count under several): "
          + ", ".join(f"{k} {v}" for k, v in reasons.most_common()))


def build_mix(case: Case, tmp: Path, data: Path, name: str, rows: int, seed: int) -> Path:
    patterns = data / "amlworld" / f"{name}_Patterns.txt"
    generate_case(tmp / "gen", GenerateConfig(transactions=rows, seed=seed, fmt="amlworld", mix_patterns=(patterns,)))
    ingest_rates(case, tmp / "gen" / "rates.csv")
    ingest_transactions(case, tmp / "gen" / "transactions.csv", preset="amlworld")
    return tmp / "gen" / "truth.json"


def run(case: Case, truth_path: Path) -> None:
    with case.engine.run():
        load_truth(case, truth_path)
        truth = str(truth_tables(case).txn)
        test_start = window_of_split(case, "temporal:60/20/20")[0]
        for typology in ("fan-in", "fan-out"):
            report(case, truth, typology, test_start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--mixes", default="HI-Medium,LI-Medium")
    parser.add_argument("--rows", type=int, default=100_000, help="background rows of each mix")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--case", help="a built case instead (with --truth)")
    parser.add_argument("--truth")
    args = parser.parse_args()
    if args.case:
        with Case.open(args.case) as case:
            run(case, Path(args.truth))
        return
    for name in args.mixes.split(","):
        print(f"# amlworld {name} mix {args.rows // 1000}k, seed {args.seed}", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            case = Case.create(Path(tmp) / "case")
            truth_path = build_mix(case, Path(tmp), Path(args.data), name, args.rows, args.seed)
            run(case, truth_path)
            case.close()


if __name__ == "__main__":
    main()
