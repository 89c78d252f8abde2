"""Bounded, time-respecting path search over transactions, shared by the chain detectors.

A path is a chain of transactions t1, t2, ... where each hop leaves the account the previous one
entered, no earlier than it and within ``max_gap_hours``, carrying a comparable amount
(``min_ratio`` <= amount / previous amount <= ``max_ratio``, amounts in the reporting currency).
The search is hop-by-hop self-joins: time is cut into buckets as wide as the longest gap (whole days),
so a next hop lies in its predecessor's bucket or the one after; the frontier is expanded by those two
offsets so each join is an equi-join on (account, bucket), then the exact time and amount filters
apply. This keeps it portable to Spark (no recursive CTE) and the frontier small, because the amount
and time filters prune most branches at every hop. Whole-graph cycle enumeration in a graph library
does not finish at 5M rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from moneytrail.detect.base import (
    account_activity_sql,
    account_activity_table,
    edges_table,
    prepared_edges,
    run_data_version,
)
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.model.ids import stable_id
from moneytrail.store import Case

# Which of a search's result tables a chain detector reads (``PathTables.of``).
CLOSED = "closed"
OPEN = "open"


@dataclass(frozen=True)
class PathSearch:
    max_hops: int
    max_gap_hours: float
    min_ratio: float
    max_ratio: float
    min_amount: float = 0.0
    max_span_hours: float = 24.0 * 14
    min_open_hops: int = 2
    # Paths of one length ending in the same transaction differ only in where they started; keeping
    # the few with the steadiest amounts bounds every hop's table by the number of transactions, where
    # busy accounts (merchants, payroll) would otherwise multiply it at each hop.
    max_paths_per_txn: int = 2
    # Merchants, payroll and exchange accounts relay thousands of unrelated payments: they are not
    # mules, and pairing all their inflows with all their outflows is what makes path search blow up.
    max_account_txns: int = 1000

    def __post_init__(self) -> None:
        if self.max_hops < 2:
            raise ValueError("max_hops must be at least 2")
        if not 0 < self.min_ratio <= self.max_ratio:
            raise ValueError("need 0 < min_ratio <= max_ratio")
        if self.max_gap_hours <= 0:
            raise ValueError("max_gap_hours must be positive")
        if self.min_open_hops < 2:
            raise ValueError("min_open_hops must be at least 2 (one transfer is not a chain)")


def path_edges_sql(min_amount: float, max_account_txns: int, activity: str, bucket_days: int,
                   edges: str | None = None) -> str:
    """The run's edges (``base.edges_sql``) with a time bucket of ``bucket_days`` days, the amount in the
    reporting currency, and whether the paying account is too busy (more than ``max_account_txns``
    transfers, read from ``activity``, a table of ``base.account_activity_sql``) to be an intermediary."""
    return ("SELECT e.txn_id, e.src AS from_account, e.dst AS to_account, e.ts, "
            f"CAST(floor(e.d / {int(bucket_days)}) AS BIGINT) AS bucket, e.amt, "
            f"a.account IS NOT NULL AS busy FROM {edges or edges_table()} e "
            f"LEFT JOIN {activity} a ON a.account = e.src AND a.n_txns > {int(max_account_txns)} "
            f"WHERE e.amt >= {float(min_amount)!r}")


def bucket_days(s: PathSearch) -> int:
    """Bucket width: whole days covering ``max_gap_hours``. Wider buckets mean fewer probes per hop but
    more candidate pairs per probe; this width needs just two probes (same bucket, next bucket)."""
    return max(1, math.ceil(s.max_gap_hours / 24.0))


# Bucket offsets a next hop can fall in: its predecessor's bucket and the next (see ``bucket_days``).
NEXT_BUCKETS = "SELECT 0 AS k UNION ALL SELECT 1 AS k"


def first_hops_sql(edges: str, s: PathSearch) -> str:
    """Every two-hop path: a transfer into an account that is not too busy, then one out of it.

    The same filters and per-transaction cap as ``extend_paths_sql`` applied to one-transfer paths,
    but the packed id lists are built only for the (few) pairs that pass, instead of for every transfer
    in the case. The pairs carry the few columns the path needs, rather than joining the edges again by
    id; and the join itself keeps only transfers into accounts that pay on (no separate semi-join)."""
    return f"""
SELECT t1 AS start_txn, a_from AS origin, b_to AS cur, a_ts AS first_ts, b_ts AS last_ts,
       b_bucket AS bucket, amt1 AS first_amt, amt2 AS last_amt, 2 AS hops, '|' || t1 || '|' || t2 || '|' AS txns,
       '|' || a_from || '|' || a_to || '|' || b_to || '|' AS accts,
       least(amt1, amt2) AS min_amt, greatest(amt1, amt2) AS max_amt, t2 AS last_txn,
       '|' || t1 || '|' AS parent FROM (
SELECT x.*, row_number() OVER (PARTITION BY t2 ORDER BY 1.0 - least(amt1, amt2) / greatest(amt1, amt2),
                                                   '|' || t1 || '|' || t2 || '|') AS rn FROM (
SELECT a.txn_id AS t1, b.txn_id AS t2, a.amt AS amt1, b.amt AS amt2, a.from_account AS a_from,
       a.to_account AS a_to, a.ts AS a_ts, b.to_account AS b_to, b.ts AS b_ts, b.bucket AS b_bucket
FROM (SELECT f.txn_id, f.from_account, f.to_account, f.ts, f.amt, f.bucket + o.k AS join_bucket
      FROM {edges} f CROSS JOIN ({NEXT_BUCKETS}) o) a
JOIN {edges} b ON b.from_account = a.to_account AND b.bucket = a.join_bucket
WHERE b.ts >= a.ts AND NOT b.busy
  AND b.ts <= a.ts + INTERVAL '{round(s.max_gap_hours * 60)}' MINUTE
  AND b.ts <= a.ts + INTERVAL '{round(s.max_span_hours * 60)}' MINUTE
  AND b.amt >= a.amt * {s.min_ratio!r} AND b.amt <= a.amt * {s.max_ratio!r}
  AND b.txn_id <> a.txn_id AND b.to_account <> a.to_account) x) y
WHERE y.rn <= {int(s.max_paths_per_txn)}"""


def extend_paths_sql(source: str, edges: str, s: PathSearch) -> str:
    """One hop: join the frontier to the edges leaving its current account, then filter exactly."""
    return f"""
SELECT start_txn, origin, cur, first_ts, last_ts, bucket, first_amt, last_amt, hops, txns, accts, min_amt,
       max_amt, last_txn, parent FROM (
SELECT x.*, row_number() OVER (PARTITION BY last_txn ORDER BY 1.0 - min_amt / max_amt, txns) AS rn FROM (
SELECT p.start_txn, p.origin, e.to_account AS cur, p.first_ts, e.ts AS last_ts, e.bucket,
       p.first_amt, e.amt AS last_amt, p.hops + 1 AS hops, p.txns || e.txn_id || '|' AS txns,
       p.accts || e.to_account || '|' AS accts, least(p.min_amt, e.amt) AS min_amt,
       greatest(p.max_amt, e.amt) AS max_amt, e.txn_id AS last_txn, p.txns AS parent
FROM (SELECT f.*, f.bucket + o.k AS join_bucket FROM {source} f CROSS JOIN ({NEXT_BUCKETS}) o
      WHERE f.cur <> f.origin) p
JOIN {edges} e ON e.from_account = p.cur AND e.bucket = p.join_bucket
WHERE e.ts >= p.last_ts AND NOT e.busy
  AND e.ts <= p.last_ts + INTERVAL '{round(s.max_gap_hours * 60)}' MINUTE
  AND e.ts <= p.first_ts + INTERVAL '{round(s.max_span_hours * 60)}' MINUTE
  AND e.amt >= p.last_amt * {s.min_ratio!r} AND e.amt <= p.last_amt * {s.max_ratio!r}
  AND instr(p.txns, '|' || e.txn_id || '|') = 0
  AND (e.to_account = p.origin OR instr(p.accts, '|' || e.to_account || '|') = 0)) x) y
WHERE rn <= {int(s.max_paths_per_txn)}"""


def search_sql(s: PathSearch) -> str:
    """The search's SQL for a finding's ``query``: edges, the first two hops, then one join per hop."""
    return ("bounded time-respecting path search:\n-- account_activity:\n" + account_activity_sql()
            + "\n-- edges (busy: more transfers than max_account_txns)\n"
            + path_edges_sql(s.min_amount, s.max_account_txns, "account_activity", bucket_days(s), "edges")
            + "\n-- two-hop paths\n"
            + first_hops_sql("edges", s) + "\n-- then one self-join per further hop\n"
            + extend_paths_sql("frontier", "edges", s))


_RESULT_COLUMNS = ("start_txn, origin, cur, first_ts, last_ts, first_amt, last_amt, hops, txns, accts, "
                   "min_amt, max_amt, last_txn")


@dataclass(frozen=True)
class PathTables:
    """A search's results: closed chains (back at the origin) and maximal open ones, as scratch tables."""

    closed: str
    open: str

    def of(self, which: str) -> str:
        return self.closed if which == CLOSED else self.open


_SEARCH_ROLE = "path-search"


def search_paths(case: Case, s: PathSearch) -> PathTables:
    """Run the search; closed chains land in ``PathTables.closed``, maximal open ones in ``.open``.

    Loops over hops (at most ``max_hops``), never over rows. The result tables belong to the outermost
    detect run (``base.prepared_edges``; call inside one): cycle and random chains share one search when
    their thresholds agree (the cache key includes the thresholds and a fingerprint of the transactions);
    a search with other thresholds replaces it, so a run holds one search at a time.
    """
    eng = case.engine
    with prepared_edges(case) as detect_run:
        key = cache_key(case, s)
        root = detect_run.root
        known = root.find(f"{_SEARCH_ROLE}:{key}")
        if known is not None:
            return PathTables(known.name, str(root.find(f"{_SEARCH_ROLE}-open:{key}")))
        release_paths(case)
        activity = account_activity_table(case)
        with eng.run() as hops:
            edges = hops.materialise(path_edges_sql(s.min_amount, s.max_account_txns, activity, bucket_days(s)),
                                     hint="path_edges")
            last = hops.materialise(first_hops_sql(edges.name, s), hint="hop")
            closed = root.materialise(f"SELECT {_RESULT_COLUMNS} FROM {last} WHERE cur = origin", hint="path_closed",
                                      kind=_SEARCH_ROLE)
            opened = root.materialise(f"SELECT {_RESULT_COLUMNS} FROM {last} WHERE 1 = 0", hint="path_open",
                                      kind=_SEARCH_ROLE)
            for hop in range(2, s.max_hops):
                if not eng.scalar(f"SELECT count(*) FROM {last} WHERE cur <> origin"):
                    break
                nxt = hops.materialise(extend_paths_sql(last.name, edges.name, s), hint="hop")
                if hop >= s.min_open_hops:
                    # Maximal open chains: no extension of them exists at the next hop.
                    eng.append(opened.name, f"SELECT {_RESULT_COLUMNS} FROM {last} f WHERE f.cur <> f.origin "
                               f"AND NOT EXISTS (SELECT 1 FROM {nxt} n WHERE n.parent = f.txns)")
                eng.append(closed.name, f"SELECT {_RESULT_COLUMNS} FROM {nxt} WHERE cur = origin")
                hops.drop(last)
                last = nxt
            eng.append(opened.name, f"SELECT {_RESULT_COLUMNS} FROM {last} "
                       f"WHERE cur <> origin AND hops >= {int(s.min_open_hops)}")
        root.name(f"{_SEARCH_ROLE}:{key}", closed)
        root.name(f"{_SEARCH_ROLE}-open:{key}", opened)
        return PathTables(closed.name, opened.name)


def cache_key(case: Case, s: PathSearch) -> str:
    """The search's thresholds and the run's data version: a cached search is reused only for both."""
    return stable_id(s.max_hops, s.max_gap_hours, s.min_ratio, s.max_ratio, s.min_amount, s.max_span_hours,
                     s.min_open_hops, s.max_paths_per_txn, s.max_account_txns, run_data_version(case))


def search_from(params: Mapping[str, Any]) -> PathSearch:
    """The search a chain detector's thresholds ask for (they share these parameter names)."""
    return PathSearch(max_hops=int(params["max_hops"]), max_gap_hours=float(params["max_gap_hours"]),
                      min_ratio=float(params["min_hop_ratio"]), max_ratio=float(params["max_hop_ratio"]),
                      min_amount=float(params["min_amount"]), max_span_hours=float(params["max_span_hours"]))


def find_chains(case: Case, s: PathSearch, which: str, sql_for: Callable[[str], str], *,
                drop_suffixes: bool) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], str]:
    """Run (or reuse) the search and load the chains ``sql_for(table)`` picks from its ``which`` (``CLOSED``
    or ``OPEN``) table; returns them, their transactions' details and the SQL used."""
    with prepared_edges(case):
        sql = sql_for(search_paths(case, s).of(which))
        chains, details = load_chains(case, sql, drop_suffixes=drop_suffixes)
        return chains, details, sql


def release_paths(case: Case) -> None:
    """Drop the current run's path search (a detector that searches with other thresholds calls it)."""
    run = case.engine.current_run()
    if run is not None:
        root = run.root
        for table in root.named(_SEARCH_ROLE):
            root.drop(table)


def split_ids(packed: str) -> list[str]:
    """'|a|b|' -> ['a', 'b'] (the packed form keeps the SQL free of list functions)."""
    return [p for p in packed.split("|") if p]


def best_chains_sql(table: str, where: str, max_rows: int) -> str:
    """One chain per final transaction (the longest, then the tightest amounts), scored by rank.

    The score is the chain's percentile among all candidate chains on amount stability and length,
    so a score of 0.9 means "tighter and longer than 90% of the chains the search turned up".
    """
    return f"""SELECT * FROM (
  SELECT c.*, percent_rank() OVER (ORDER BY quality) AS score FROM (
    SELECT r.*, (1.0 - spread) * least(hops, 6) / 6.0 AS quality FROM (
      SELECT t.*, 1.0 - min_amt / max_amt AS spread,
             row_number() OVER (PARTITION BY last_txn ORDER BY hops DESC, 1.0 - min_amt / max_amt, txns) AS rn
      FROM {table} t WHERE {where}) r
    WHERE rn = 1) c) s
ORDER BY score DESC, txns LIMIT {int(max_rows)}"""


def txn_details_sql(ids_table: str) -> str:
    return ("SELECT t.txn_id, t.ts, t.from_account, t.to_account, t.amount, t.currency, "
            "coalesce(t.amount_rc, t.amount) AS amt, t.source_id, l.file AS origin_file, t.origin_line "
            f"FROM transactions t JOIN {ids_table} i ON i.txn_id = t.txn_id "
            "LEFT JOIN ingest_log l ON l.ingest_no = t.ingest_no")


def load_chains(case: Case, sql: str, *, drop_suffixes: bool) -> tuple[list[dict[str, Any]],
                                                                       dict[str, dict[str, Any]]]:
    """Fetch the chosen chains and the details of every transaction they use."""
    chains: list[dict[str, Any]] = case.engine.query(sql).to_pylist()
    if drop_suffixes:
        # A chain that is the tail of another chosen chain adds nothing: drop it.
        tails: set[str] = set()
        for c in chains:
            ids = split_ids(str(c["txns"]))
            tails.update("|" + "|".join(ids[i:]) + "|" for i in range(1, len(ids)))
        chains = [c for c in chains if c["txns"] not in tails]
    ids = sorted({t for c in chains for t in split_ids(str(c["txns"]))})
    with case.engine.run() as run:
        chosen = run.arrow(pa.table({"txn_id": pa.array(ids, pa.string())}), hint="chain_ids")
        rows = case.engine.query(txn_details_sql(chosen.name)).to_pylist()
    return chains, {str(r["txn_id"]): r for r in rows}


def chain_refs(chain: Mapping[str, object], details: Mapping[str, Mapping[str, object]],
               last_role: str) -> list[FindingRef]:
    """All transactions of the chain (in hop order), its accounts and the sources the rows came from."""
    txns = split_ids(str(chain["txns"]))
    refs = [FindingRef("transaction", t, f"hop {i + 1}") for i, t in enumerate(txns)]
    accounts = list(dict.fromkeys(split_ids(str(chain["accts"]))))
    for i, account in enumerate(accounts):
        role = "origin" if i == 0 else (last_role if i == len(accounts) - 1 else "intermediary")
        refs.append(FindingRef("account", account, role))
    for source in sorted({str(details[t]["source_id"]) for t in txns if t in details}):
        refs.append(FindingRef("source", source, "data"))
    return refs


def hop_details(chain: Mapping[str, object], details: Mapping[str, Mapping[str, object]]) -> list[dict[str, object]]:
    """Per hop: when, who to whom, how much, and where the row was read from."""
    out = []
    for t in split_ids(str(chain["txns"])):
        d = details.get(t, {})
        out.append({"txn_id": t, "ts": d.get("ts"), "from": d.get("from_account"), "to": d.get("to_account"),
                    "amount": d.get("amount"), "currency": d.get("currency"), "amount_rc": d.get("amt"),
                    "origin_file": d.get("origin_file"), "origin_line": d.get("origin_line")})
    return out


def chain_finding(chain: Mapping[str, object], details: Mapping[str, Mapping[str, object]], *, typology: str,
                  title: str, explanation: str, params: dict[str, object], query: str,
                  currency: str, last_role: str, extra: Mapping[str, object] | None = None) -> Finding:
    first_ts, last_ts = chain["first_ts"], chain["last_ts"]
    return Finding(
        kind="typology", typology=typology, title=title, explanation=explanation,
        score=round(float(str(chain["score"])), 6), refs=chain_refs(chain, details, last_role),
        params=dict(params), query=query,
        start=first_ts if isinstance(first_ts, datetime) else None,
        end=last_ts if isinstance(last_ts, datetime) else None,
        amount=float(str(chain["first_amt"])), currency=currency,
        details={"hops": hop_details(chain, details), "hop_count": chain["hops"],
                 "amount_spread": chain["spread"], "min_amount": chain["min_amt"], "max_amount": chain["max_amt"],
                 **(extra or {})})


def fmt_amount(value: object, currency: str) -> str:
    return f"{float(str(value)):,.2f} {currency}"


def span_hours(chain: Mapping[str, object]) -> float:
    first_ts, last_ts = chain["first_ts"], chain["last_ts"]
    if isinstance(first_ts, datetime) and isinstance(last_ts, datetime):
        return (last_ts - first_ts).total_seconds() / 3600.0
    return 0.0
