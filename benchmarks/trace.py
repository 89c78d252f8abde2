"""Trace benchmark: K-hop FIFO trace over a 30-day window on a 5,000,000-payment case.

    .venv/bin/python benchmarks/trace.py --rows 5000000
    .venv/bin/python benchmarks/trace.py --rows 200000 --repeats 3      # quick run while developing

The case is a seeded synthetic payment table generated here, vectorised with numpy (skewed account
activity so that some accounts are hubs); it does not need ../shared/data. It reports the median
time of a trace from one account, of a trace from 1,000 seed accounts at once, the same one-account
trace written plainly as a recursive SQL path query without pruning (and the ratio), and peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from moneytrail.store import Case
from moneytrail.store.sources import SourceRecord, upsert_source
from moneytrail.trace import Method, TraceParams, trace
from moneytrail.trace.index import ensure_index

START = datetime(2023, 1, 1)
DAYS = 365


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def synthetic_payments(rows: int, accounts: int, seed: int) -> pa.Table:
    """Payments over a year between ``accounts`` accounts; activity is skewed (u**2) so a few
    accounts are busy hubs, as in real ledgers."""
    rng = np.random.default_rng(seed)
    src = (accounts * rng.random(rows) ** 2).astype(np.int64)
    dst = (accounts * rng.random(rows) ** 1.5).astype(np.int64)
    dst = np.where(dst == src, (dst + 1) % accounts, dst)
    micros = (rng.random(rows) * DAYS * 86400e6).astype(np.int64) + int(START.timestamp() * 1e6)
    amount = np.round(rng.lognormal(6.5, 1.2, rows), 2)
    bank = np.char.add("bk", (src % 40).astype(str))
    to_bank = np.char.add("bk", (dst % 40).astype(str))
    return pa.table({
        "txn_id": pa.array(np.char.add("p", np.arange(rows).astype(str))),
        "ts": pa.array(micros, pa.timestamp("us")),
        "from_account": pa.array(np.char.add(np.char.add(bank, ":"), src.astype(str))),
        "to_account": pa.array(np.char.add(np.char.add(to_bank, ":"), dst.astype(str))),
        "amount": pa.array(amount), "currency": pa.array(np.full(rows, "USD")), "amount_rc": pa.array(amount),
        "source_id": pa.array(np.full(rows, "bench")), "origin_line": pa.array(np.arange(rows) + 2),
    })


def build_case(path: Path, rows: int, accounts: int, seed: int) -> Case:
    case = Case.create(path)
    upsert_source(case, SourceRecord("bench", "bank_record", "Synthetic payments for the trace benchmark"))
    table = synthetic_payments(rows, accounts, seed)
    case.engine.register_arrow("_bench_rows", table)
    case.engine.execute(f"INSERT INTO transactions ({', '.join(table.column_names)}) SELECT * FROM _bench_rows")
    case.engine.unregister("_bench_rows")
    return case


def plain_sql(seeds: list[str], start: datetime, end: datetime, hops: int, gap: timedelta) -> str:
    """The same trace written plainly: recursive SQL over every (hop, account, arrival time) state,
    no per-account frontier, no taint bound."""
    g = f"INTERVAL '{int(gap.total_seconds())}' SECOND"
    s, e = f"TIMESTAMP '{start.isoformat(sep=' ')}'", f"TIMESTAMP '{end.isoformat(sep=' ')}'"
    return (
        "WITH RECURSIVE paths(hop, account, ts) AS ("
        "SELECT 1, to_account, ts FROM transactions WHERE from_account IN ("
        + ", ".join(f"'{a}'" for a in seeds) + f") AND ts BETWEEN {s} AND {e} "
        "UNION SELECT p.hop + 1, t.to_account, t.ts FROM paths p JOIN transactions t "
        f"ON t.from_account = p.account WHERE t.ts > p.ts AND t.ts <= p.ts + {g} AND t.ts <= {e} "
        f"AND p.hop < {hops}) SELECT count(*), count(DISTINCT account) FROM paths"
    )


def plain_paths(case: Case, seed: str, start: datetime, end: datetime, hops: int, gap: timedelta,
                cap: int) -> tuple[float, list[int]]:
    """Whole paths (UNION ALL semantics), one hop at a time so it can stop once ``cap`` is passed."""
    g = f"INTERVAL '{int(gap.total_seconds())}' SECOND"
    s, e = f"TIMESTAMP '{start.isoformat(sep=' ')}'", f"TIMESTAMP '{end.isoformat(sep=' ')}'"
    t0 = time.perf_counter()
    case.engine.execute("CREATE OR REPLACE TEMP TABLE _plain1 AS SELECT to_account AS account, ts FROM transactions "
                        f"WHERE from_account = '{seed}' AND ts BETWEEN {s} AND {e}")
    counts = [int(case.engine.scalar("SELECT count(*) FROM _plain1"))]
    for k in range(2, hops + 1):
        if counts[-1] > cap:
            break
        case.engine.execute(f"CREATE OR REPLACE TEMP TABLE _plain{k} AS SELECT t.to_account AS account, t.ts "
                            f"FROM _plain{k - 1} p JOIN transactions t ON t.from_account = p.account "
                            f"WHERE t.ts > p.ts AND t.ts <= p.ts + {g} AND t.ts <= {e}")
        counts.append(int(case.engine.scalar(f"SELECT count(*) FROM _plain{k}")))
    for k in range(1, len(counts) + 1):
        case.engine.execute(f"DROP TABLE IF EXISTS _plain{k}")
    return time.perf_counter() - t0, counts


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float, object]:
    """Median wall and median CPU seconds (process, all threads) of ``repeats`` calls, and the last result."""
    times, cpus, out = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), cpu_seconds()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
    return statistics.median(times), statistics.median(cpus), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--accounts", type=int, default=0, help="default: rows / 100")
    ap.add_argument("--hops", type=int, default=6)
    ap.add_argument("--gap-days", type=float, default=7.0)
    ap.add_argument("--seeds", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--method", default="fifo")
    ap.add_argument("--skip-plain", action="store_true")
    ap.add_argument("--path-cap", type=int, default=20_000_000, help="stop whole-path enumeration past this")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    accounts = args.accounts or max(100, args.rows // 100)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        case = build_case(Path(tmp) / "case", args.rows, accounts, args.seed)
        case.engine.execute("SET threads = 2")
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        ensure_index(case)  # once per state of the payments; every later trace reuses it
        index_s = time.perf_counter() - t0
        w_start = START + timedelta(days=120)
        w_end = w_start + timedelta(days=30)
        gap = timedelta(days=args.gap_days)
        # Seeds: ordinary accounts that pay out in the window (not the hubs), chosen reproducibly.
        candidates = [r[0] for r in case.engine.rows(
            "SELECT from_account FROM transactions WHERE ts BETWEEN ? AND ? GROUP BY from_account "
            "HAVING count(*) BETWEEN 1 AND 10 ORDER BY hash(from_account) LIMIT ?",
            [w_start, w_start + timedelta(days=3), max(args.seeds, args.repeats)])]

        def params(seeds: list[str]) -> TraceParams:
            return TraceParams(source=tuple(seeds), max_hops=args.hops, max_gap=gap, window_start=w_start,
                               window_end=w_end, method=Method(args.method))

        one_times, one_cpus = [], []
        one = None
        for seed in candidates[:args.repeats]:
            t, c = time.perf_counter(), cpu_seconds()
            one = trace(case, params([seed]))
            one_times.append(time.perf_counter() - t)
            one_cpus.append(cpu_seconds() - c)
        many_s, many_cpu, many = timed(lambda: trace(case, params(candidates[:args.seeds])),
                                       max(1, args.repeats // 2))
        rows = [("build case (not a trace)", f"{build_s:.2f}", "", ""),
                ("build trace index (once per case state)", f"{index_s:.2f}", "", "")]
        assert one is not None
        one_s = f"{statistics.median(one_times):.3f} (cpu {statistics.median(one_cpus):.3f})"
        rows.append((f"trace from 1 account (median of {len(one_times)})", one_s,
                     f"{one.stats['subgraph_payments']:,} payments, {one.stats['ledger_accounts']:,} ledgers",
                     f"arrived {one.arrived:,.0f} of {one.source_outflow:,.0f}"))
        assert many is not None
        many_r = many if isinstance(many, type(one)) else one
        rows.append((f"trace from {args.seeds} accounts", f"{many_s:.3f} (cpu {many_cpu:.3f})",
                     f"{many_r.stats['subgraph_payments']:,} payments, {many_r.stats['ledger_accounts']:,} ledgers",
                     f"sql {many_r.stats['seconds_sql']}s, ledger {many_r.stats['seconds_ledger']}s"))
        if not args.skip_plain:
            for label, seeds, ours in ((f"1 account ({candidates[args.repeats - 1]})", [candidates[args.repeats - 1]],
                                        one_times[-1]),
                                       (f"{args.seeds} accounts", candidates[:args.seeds], many_s)):
                t = time.perf_counter()
                count, reached = case.engine.rows(plain_sql(seeds, w_start, w_end, args.hops, gap))[0]
                plain_s = time.perf_counter() - t
                rows.append((f"plain recursive SQL, {label}", f"{plain_s:.3f}",
                             f"{count:,} (hop, account, time) states, {reached:,} accounts",
                             f"plain / ours = {plain_s / ours:.1f}x (ours {ours:.3f}s)"))
            paths_s, counts = plain_paths(case, candidates[args.repeats - 1], w_start, w_end, args.hops, gap,
                                          args.path_cap)
            rows.append(("plain whole paths (UNION ALL), 1 account", f"{paths_s:.3f}",
                         "paths per hop: " + ", ".join(f"{c:,}" for c in counts),
                         "stopped: over the cap" if len(counts) < args.hops or counts[-1] > args.path_cap
                         else "complete"))
        case.close()
    width = [max(len(str(r[i])) for r in rows) for i in range(4)]
    print(f"rows={args.rows:,} accounts={accounts:,} K={args.hops} window=30d gap={args.gap_days}d "
          f"method={args.method} (synthetic payments generated in the benchmark)")
    for r in [("step", "seconds", "sub-graph", "notes"), *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, width, strict=True)))
    print(f"peak RSS {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
