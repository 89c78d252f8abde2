"""Attempt recall on the AMLworld HI-/LI-Medium laundering patterns mixed into a generated background,
and account-level precision/recall/F1 on the three AMLSim sample sets.

    .venv/bin/python benchmarks/detect_amlworld.py --rows 1000000
    .venv/bin/python benchmarks/detect_amlworld.py --amlsim-only

Uses the project's generator (``moneytrail generate --format amlworld --mix-patterns``) and ingest, and
scores against the generator's truth.json, with each typology's ceiling (``detect.attempt_shape``: the share of
attempts any one finding could cover half of) and the share of the case's accounts each typology's findings cite
(a flood shows there); ``--dev-mix`` instead mixes the patterns into a simple random
background itself. Needs ../shared/data beside the repo; skips with a message when it is absent.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from moneytrail.detect.attempt_shape import attempt_ceilings, flagged_account_shares
from moneytrail.detect.evaluate import OVERALL, evaluate
from moneytrail.detect.learn import learn
from moneytrail.detect.run import run_detectors
from moneytrail.detect.truth import load_truth, parse_patterns
from moneytrail.generate import GenerateConfig, generate_case
from moneytrail.ingest import ingest_rates, ingest_transactions
from moneytrail.ingest.amlsim import ingest_amlsim
from moneytrail.store import Case

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
# Approximate AMLworld exchange rates (units per USD), used only by the dev mix when no ingest exists.
DEV_RATES = {"US Dollar": 1.0, "Euro": 0.8533, "Yuan": 6.6976, "Yen": 105.4, "Ruble": 77.7, "Rupee": 73.4,
             "UK Pound": 0.7739, "Canadian Dollar": 1.3, "Australian Dollar": 1.41, "Swiss Franc": 0.915,
             "Brazil Real": 5.64, "Mexican Peso": 21.1, "Saudi Riyal": 3.75, "Shekel": 3.36, "Bitcoin": 0.0000846}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def insert_table(case: Case, table: pa.Table) -> None:
    case.engine.register_arrow("_bench_rows", table)
    case.engine.execute(f"INSERT INTO transactions ({', '.join(table.column_names)}) SELECT * FROM _bench_rows")
    case.engine.unregister("_bench_rows")


def dev_mix(case: Case, pattern_files: list[Path], rows: int, seed: int = 7) -> None:
    """Patterns plus a random September-2022 background in which the pattern accounts also trade."""
    rng = np.random.default_rng(seed)
    cols: dict[str, list[Any]] = {k: [] for k in ("txn_id", "ts", "from_account", "to_account", "amount",
                                                  "currency", "amount_rc", "source_id", "origin_line",
                                                  "label")}
    accounts: set[str] = set()
    for path in pattern_files:
        for a in parse_patterns(path):
            for r in a.rows:
                for k, v in (("txn_id", f"{path.stem}:{r.line}"), ("ts", r.ts), ("from_account", r.from_account),
                             ("to_account", r.to_account), ("amount", r.amount), ("currency", r.currency),
                             ("amount_rc", r.amount / DEV_RATES[r.currency]), ("source_id", path.stem),
                             ("origin_line", r.line), ("label", 1)):
                    cols[k].append(v)
                accounts.update((r.from_account, r.to_account))
    insert_table(case, pa.table(cols))
    pool = np.array(sorted(accounts) + [f"9{i:05d}:B{i:08X}" for i in range(max(rows // 25, 1000))])
    start = datetime(2022, 9, 1)
    chunk = 1_000_000
    for offset in range(0, rows, chunk):
        n = min(chunk, rows - offset)
        src = pool[rng.integers(0, len(pool), n)]
        dst = pool[rng.integers(0, len(pool), n)]
        seconds = rng.integers(0, 30 * 86400, n)
        amount = np.round(np.exp(rng.normal(7.5, 1.6, n)), 2)
        insert_table(case, pa.table({
            "txn_id": pa.array([f"bg{offset + i}" for i in range(n)]),
            "ts": pa.array(np.datetime64(start) + seconds.astype("timedelta64[s]")),
            "from_account": pa.array(src), "to_account": pa.array(dst), "amount": pa.array(amount),
            "currency": pa.array(np.full(n, "US Dollar")), "amount_rc": pa.array(amount),
            "source_id": pa.array(np.full(n, "background")),
            "origin_line": pa.array(np.arange(offset, offset + n)), "label": pa.array(np.zeros(n, dtype=np.int32))}))


def fmt(x: Any) -> str:
    return "-" if x is None else (f"{100 * x:5.1f}%" if isinstance(x, float) else str(x))


def generated_mix(case: Case, folder: Path, files: list[Path], rows: int, seed: int) -> Path:
    """The generator's AMLworld mix (background spanning the patterns' month), ingested with its rates."""
    generate_case(folder / "gen", GenerateConfig(transactions=rows, seed=seed, fmt="amlworld",
                                                 mix_patterns=tuple(files)))
    ingest_rates(case, folder / "gen" / "rates.csv")
    ingest_transactions(case, folder / "gen" / "transactions.csv", preset="amlworld")
    return folder / "gen" / "truth.json"


def amlworld(args: argparse.Namespace, typologies: list[str] | None) -> None:
    files = [SHARED / "amlworld" / f"{name}_Patterns.txt" for name in args.patterns.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        case = Case.create(Path(tmp) / "case")
        t0 = time.perf_counter()
        if args.dev_mix:
            dev_mix(case, files, args.rows)
            truths: list[Path] = files
        else:
            truths = [generated_mix(case, Path(tmp), files, args.rows, args.seed)]
        build = time.perf_counter() - t0
        n = case.count("transactions")
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        run_detectors(case, typologies, timings=timings)
        detect = time.perf_counter() - t0
        truth_rows = []
        for f in truths:
            with case.engine.run():
                info = load_truth(case, f)
                res = evaluate(case)
                res["ceilings"] = attempt_ceilings(case)
                res["accounts_share"] = flagged_account_shares(case)
            truth_rows.append((f.name, info, res))
        case.close()
    source = "a random dev background" if args.dev_mix else "the generator's background (--format amlworld)"
    print(f"\n{', '.join(f.name for f in files)} mixed into {source}: {n:,} transactions "
          f"(build+ingest {build:.1f} s, all detectors {detect:.1f} s, peak RSS {peak_rss_mb():,.0f} MB)")
    print("detector timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    for name, info, res in truth_rows:
        print(f"\ntruth {name}: {info['attempts']} attempts")
        print(f"{'typology':16} {'attempts':>8} {'found(any)':>11} {'found(same)':>12} {'txn prec':>9} "
              f"{'txn rec':>8} {'findings/10k':>13} {'ceiling':>8} {'accounts':>8}")
        for typ, a in res["attempts"].items():
            t = res["transactions"].get(typ, {})
            per10k = t.get("findings_per_10k")
            ceiling = res["ceilings"].get(typ, {}).get("ceiling")
            print(f"{typ:16} {a['attempts']:>8} {fmt(a['recall_any']):>11} {fmt(a['recall_same']):>12} "
                  f"{fmt(t.get('precision')):>9} {fmt(t.get('recall')):>8} "
                  f"{'-' if per10k is None else f'{per10k:.2f}':>13} {fmt(ceiling):>8} "
                  f"{fmt(res['accounts_share'].get(typ)):>8}")
        for typ, t in res["transactions"].items():
            if typ not in res["attempts"]:  # detectors with no labelled counterpart: precision only
                print(f"{typ:16} {'-':>8} {'-':>11} {'-':>12} {fmt(t.get('precision')):>9} {'-':>8} "
                      f"{t['findings_per_10k']:>13.2f} {'-':>8} {fmt(res['accounts_share'].get(typ)):>8}")


def amlsim(typologies: list[str] | None, dev: bool) -> None:
    print(f"\n{'AMLSim set':22} {'txns':>8} {'accounts':>9} {'precision':>9} {'recall':>7} {'F1':>6} {'seconds':>8}"
          f" | learned on held-out accounts: {'precision':>9} {'recall':>7} {'F1':>6} {'held out':>9}")
    for folder in sorted((SHARED / "amlsim").iterdir()):
        if not (folder / "transactions.csv").exists():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            case = Case.create(Path(tmp) / "case")
            if dev:
                load_amlsim_dev(case, folder)
            else:
                ingest_amlsim(case, folder)
            t0 = time.perf_counter()
            run_detectors(case, typologies)
            seconds = time.perf_counter() - t0
            with case.engine.run():
                load_truth(case, folder if dev else "case")
                per_typology = evaluate(case)["accounts"]
                acc = per_typology[OVERALL]
                model = learn(case)
            m = model.metrics["at_threshold"]
            print(f"{folder.name:22} {case.count('transactions'):>8,} {acc['actual']:>9} {fmt(acc['precision']):>9} "
                  f"{fmt(acc['recall']):>7} {fmt(acc['f1']):>6} {seconds:>8.1f} | {'':30}{fmt(m['precision']):>9} "
                  f"{fmt(m['recall']):>7} {fmt(m['f1']):>6} {model.test_accounts:>9,}")
            # Precision beside recall per detector, so one that floods (cites mostly unlabelled accounts) shows.
            for typ, t in per_typology.items():
                if typ != OVERALL:
                    print(f"  {typ:20} flagged {t['predicted']:>6,} accounts, precision {fmt(t['precision']):>6}, "
                          f"recall {fmt(t['recall']):>6}")
            case.close()


def load_amlsim_dev(case: Case, folder: Path) -> None:
    """AMLSim sample rows; ``time`` is a simulation step, read as days from 2022-09-01."""
    import pyarrow.csv as pacsv

    t = pacsv.read_csv(folder / "transactions.csv")
    n = t.num_rows
    steps = t["time"].to_numpy().astype("int64")
    amount = t["value"].to_numpy().astype("float64")
    ts = np.datetime64(datetime(2022, 9, 1)) + (steps * 86400).astype("timedelta64[s]")
    insert_table(case, pa.table({
        "txn_id": pa.array([f"{folder.name}:{i + 2}" for i in range(n)]), "ts": pa.array(ts),
        "from_account": pa.array(np.char.add("amlsim:", t["sourceNodeId"].to_numpy().astype(str))),
        "to_account": pa.array(np.char.add("amlsim:", t["targetNodeId"].to_numpy().astype(str))),
        "amount": pa.array(amount), "currency": pa.array(np.full(n, "USD")), "amount_rc": pa.array(amount),
        "source_id": pa.array(np.full(n, folder.name)),
        "origin_line": pa.array(np.arange(2, n + 2))}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="background transactions")
    parser.add_argument("--patterns", default="HI-Medium,LI-Medium")
    parser.add_argument("--typologies", default="", help="comma-separated; default all detectors")
    parser.add_argument("--amlsim-only", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dev-mix", action="store_true", help="own random background and loaders instead of "
                        "the project's generator and ingest")
    parser.add_argument("--skip-amlsim", action="store_true")
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default ../shared/data)")
    args = parser.parse_args()
    global SHARED
    if args.data is not None:
        SHARED = args.data.resolve()
    if not SHARED.exists():
        print(f"skipped: shared data not found at {SHARED}")
        sys.exit(0)
    typologies = [t for t in args.typologies.split(",") if t] or None
    if not args.amlsim_only:
        amlworld(args, typologies)
    if not args.skip_amlsim:
        amlsim(typologies, args.dev_mix)



if __name__ == "__main__":
    main()
