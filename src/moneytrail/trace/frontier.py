"""The SQL half of a trace: restrict to the window, expand a frontier one hop per step, and
extract the sub-graph whose ledgers must be replayed.

The frontier is kept per account (earliest and latest arrival), never per path, so it grows with
the accounts reached rather than with the paths to them; it is pruned by the window, the gap, the
hop limit and the minimum amount. (The ledgers then prune taint below the minimum amount.)
Every statement is plain SQL that Spark also accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from moneytrail.store.case import Case
from moneytrail.trace.params import TraceParams


@dataclass(frozen=True)
class TraceTables:
    """Names of one trace's run-owned scratch tables (``extract`` makes them; the SQL builders read them):
    the window view, seed and target accounts, ledger spans and the payments those touch."""

    win: str = "window"
    seed: str = "seeds"
    target: str = "targets"
    led: str = "ledgers"
    touch: str = "touched"


def _ts_literal(value: datetime) -> str:
    return f"TIMESTAMP '{value.isoformat(sep=' ')}'"


def window_sql(params: TraceParams) -> str:
    """Indexed payments inside the window, oriented src -> dst in the direction of the trace.

    The index is sorted by time, so the window's literal bounds let the engine skip the rest.
    """
    src, dst = ("dst_id", "src_id") if params.backward else ("src_id", "dst_id")
    where = ["1 = 1"]
    if params.window_start:
        where.append(f"e.ts >= {_ts_literal(params.window_start)}")
    if params.window_end:
        where.append(f"e.ts <= {_ts_literal(params.window_end)}")
    return (
        f"SELECT e.ts, e.{src} AS src, e.{dst} AS dst, e.amt, e.txn_id, e.source_id, e.origin_line, "
        f"e.reliability, e.credibility FROM trace_edges e WHERE {' AND '.join(where)}"
    )


def _gap_sql(params: TraceParams) -> str:
    return f"INTERVAL '{int(params.max_gap.total_seconds())}' SECOND"


def first_hop_sql(params: TraceParams, t: TraceTables) -> str:
    """Hop 1: every payment out of a seed in the window carries taint."""
    return (f"SELECT w.dst, w.ts FROM {t.win} w JOIN {t.seed} s ON w.src = s.account "
            f"WHERE w.amt >= {float(params.min_amount)!r}")


def next_hop_sql(params: TraceParams, t: TraceTables, front: str, lo: datetime, hi: datetime) -> str:
    """Hop k + 1: payments out of frontier accounts after the money arrived, within the gap, of at
    least the minimum amount (smaller ones are booked in the ledgers but not followed)."""
    gap = _gap_sql(params)
    # The frontier's overall span, as literals, lets the engine skip row groups before the join.
    when = (f"w.ts < f.hi AND w.ts >= f.lo - {gap} AND w.ts < {_ts_literal(hi)} "
            f"AND w.ts >= {_ts_literal(lo - params.max_gap)}" if params.backward
            else f"w.ts > f.lo AND w.ts <= f.hi + {gap} AND w.ts > {_ts_literal(lo)} "
            f"AND w.ts <= {_ts_literal(hi + params.max_gap)}")
    return (f"SELECT w.dst, w.ts FROM {t.win} w JOIN {front} f ON w.src = f.account "
            f"WHERE {when} AND w.amt >= {float(params.min_amount)!r}")


def frontier_sql(params: TraceParams, t: TraceTables, hop: str) -> str:
    """Accounts reached by a hop, with their arrival span; seeds and targets go no further."""
    return (
        f"SELECT h.dst AS account, min(h.ts) AS lo, max(h.ts) AS hi FROM {hop} h "
        f"WHERE h.dst NOT IN (SELECT account FROM {t.seed}) "
        f"AND h.dst NOT IN (SELECT account FROM {t.target}) GROUP BY h.dst"
    )


def ledger_span_sql(params: TraceParams, fronts: list[str]) -> str:
    """Each account that may pass taint on, with the span over which its ledger is replayed."""
    union = " UNION ALL ".join(f"SELECT account, lo, hi FROM {f}" for f in fronts)
    gap = _gap_sql(params)
    lo, hi = ("min(lo) - " + gap, "max(hi)") if params.backward else ("min(lo)", "max(hi) + " + gap)
    return f"SELECT account, {lo} AS rlo, {hi} AS rhi FROM ({union}) u GROUP BY account"


def touched_sql(t: TraceTables, lo: datetime, hi: datetime) -> str:
    """Window payments into or out of a ledger account during the ledger spans, or out of a seed:
    one scan serves both the opening balances and the sub-graph."""
    return (f"SELECT w.* FROM {t.win} w WHERE (w.ts BETWEEN {_ts_literal(lo)} AND {_ts_literal(hi)} "
            f"AND (w.src IN (SELECT account FROM {t.led}) OR w.dst IN (SELECT account FROM {t.led}))) "
            f"OR w.src IN (SELECT account FROM {t.seed})")


def opening_sql(params: TraceParams, t: TraceTables) -> str:
    """Per ledger account: the lowest running balance over the window up to the end of its span
    (its implied opening balance is minus that, when negative) and its net flow before the span."""
    order = "DESC" if params.backward else "ASC"
    upto, before = ("ts >= rlo", "ts > rhi") if params.backward else ("ts <= rhi", "ts < rlo")
    return (
        "WITH ev AS ("
        f"SELECT l.account, w.ts, 0 AS ord, w.txn_id, -w.amt AS delta, l.rlo, l.rhi FROM {t.touch} w "
        f"JOIN {t.led} l ON w.src = l.account "
        "UNION ALL "
        f"SELECT l.account, w.ts, 1 AS ord, w.txn_id, w.amt AS delta, l.rlo, l.rhi FROM {t.touch} w "
        f"JOIN {t.led} l ON w.dst = l.account), "
        "run AS (SELECT account, ts, delta, rlo, rhi, sum(delta) OVER (PARTITION BY account "
        f"ORDER BY ts {order}, ord, txn_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bal "
        f"FROM ev WHERE {upto}) "
        f"SELECT k.account_key AS account, least(min(bal), 0) AS min_bal, "
        f"sum(CASE WHEN {before} THEN delta ELSE 0 END) AS pre "
        "FROM run JOIN trace_accounts k ON k.account_id = run.account GROUP BY k.account_key"
    )


def events_sql(t: TraceTables) -> str:
    """The sub-graph: payments out of seeds, and every payment in or out of a ledger account
    during its span (clean ones too: they set the balance that taint mixes with), with account
    keys and each hop's grade (the payment's own, else its source's)."""
    cols = "w.txn_id, w.source_id, w.origin_line, w.ts, w.src, w.dst, w.amt, w.reliability, w.credibility"
    sub = (
        f"SELECT {cols} FROM {t.touch} w JOIN {t.seed} s ON w.src = s.account "
        "UNION "
        f"SELECT {cols} FROM {t.touch} w JOIN {t.led} l ON w.src = l.account "
        "WHERE w.ts BETWEEN l.rlo AND l.rhi "
        "UNION "
        f"SELECT {cols} FROM {t.touch} w JOIN {t.led} l ON w.dst = l.account "
        "WHERE w.ts BETWEEN l.rlo AND l.rhi"
    )
    return (
        "SELECT g.txn_id, g.source_id, g.origin_line, g.ts, a.account_key AS src, b.account_key AS dst, g.amt, "
        "coalesce(g.reliability, s.reliability, 'F') AS rel, coalesce(g.credibility, s.credibility, 6) AS cred "
        f"FROM ({sub}) g JOIN trace_accounts a ON a.account_id = g.src "
        "JOIN trace_accounts b ON b.account_id = g.dst LEFT JOIN sources s ON s.source_id = g.source_id"
    )


@dataclass
class SubGraph:
    events: pa.Table  # txn_id, source_id, origin_line, ts, src, dst (account keys), amt, rel, cred
    spans: pa.Table  # account, rlo, rhi
    openings: pa.Table  # account, min_bal, pre
    hops_run: int
    frontier_sizes: list[int]
    sql: list[str]


def extract(case: Case, params: TraceParams, seeds: list[str], targets: list[str]) -> SubGraph:
    """Run the frontier expansion and pull the sub-graph; its scratch tables go with the run."""
    e = case.engine
    run_sql: list[str] = []

    with e.run() as run:
        def table(sql: str, hint: str) -> str:
            run_sql.append(sql)
            return run.materialise(sql, hint=hint).name

        win = run.view(window_sql(params), hint="trace_win").name
        run_sql.append(window_sql(params))
        ids = {}
        for role, values in (("seed", seeds), ("target", targets)):
            given = run.arrow(pa.table({"account": pa.array(values, pa.string())}), hint=f"trace_{role}_in")
            ids[role] = table(f"SELECT a.account_id AS account FROM trace_accounts a "
                              f"JOIN {given} i ON i.account = a.account_key", f"trace_{role}")
        t = TraceTables(win=win, seed=ids["seed"], target=ids["target"])
        fronts: list[str] = []
        sizes: list[int] = []
        span: tuple[datetime, datetime] | None = None
        # Taint reaching an account at hop K cannot move on, so only hops 1..K-1 make ledgers.
        for _ in range(1, params.max_hops):
            hop = table(first_hop_sql(params, t) if span is None else next_hop_sql(params, t, fronts[-1], *span),
                        "trace_hop")
            front = table(frontier_sql(params, t, hop), "trace_front")
            size, lo, hi = e.rows(f"SELECT count(*), min(lo), max(hi) FROM {front}")[0]
            fronts.append(front)
            sizes.append(int(size))
            if not size:
                break
            span = (lo, hi)
        if fronts:
            led = table(ledger_span_sql(params, fronts), "trace_led")
        else:  # a one-hop trace replays no ledger
            led = table(f"SELECT src AS account, ts AS rlo, ts AS rhi FROM {win} WHERE 1 = 0", "trace_led")
        t = TraceTables(win=win, seed=t.seed, target=t.target, led=led)
        lo, hi = e.rows(f"SELECT min(rlo), max(rhi) FROM {led}")[0]
        far = datetime(1, 1, 1)
        t = TraceTables(win=win, seed=t.seed, target=t.target, led=led,
                        touch=table(touched_sql(t, lo or far, hi or far), "trace_touch"))
        spans = e.query(f"SELECT k.account_key AS account, l.rlo, l.rhi FROM {led} l "
                        "JOIN trace_accounts k ON k.account_id = l.account")
        openings = e.query(opening_sql(params, t))
        run_sql.append(opening_sql(params, t))
        events = e.query(events_sql(t))
        run_sql.append(events_sql(t))
        return SubGraph(events, spans, openings, len(fronts) + 1, sizes, run_sql)
