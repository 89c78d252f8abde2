"""Bipartite: a set of senders each paying the same set of receivers within days (AMLworld BIPARTITE).

Growing whole co-payment components percolates through a large background, so blocks are seeded
from tight 2x2 cores instead: two senders that both paid the same two receivers within
``window_days`` (a "butterfly"). Only transfers between accounts that are quiet that week take part
(a sender's payments and a receiver's receipts in the calendar week at most ``max_week_degree``),
so shops and payroll hubs do not create chance cores, and only new ties (a sender paying a receiver
at most ``max_tie_transfers`` times in the whole case), so circles of acquaintances paying each other
again and again do not either. Cores sharing a transfer merge into one block;
a block is scored by its size and by how exclusive it is: the share of its accounts' traffic in those
weeks that the block itself explains (chance cores among busy accounts explain little of it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from moneytrail.detect.base import (
    DisjointSets,
    Group,
    build_findings_from_arrow,
    edges_sql,
    money,
    plural,
    short_list,
    span_text,
    uses_edges,
    weigh_groups,
    with_caveat,
)
from moneytrail.detect.registry import register
from moneytrail.detect.scoring import score_of
from moneytrail.model.finding import Finding
from moneytrail.store import Case


def week_sql(day: str) -> str:
    """Calendar-week bucket of a day number: the unit in which 'quiet' accounts are counted."""
    return f"CAST(floor({day} / 7.0) AS BIGINT)"


def offsets_sql(lo: int, hi: int) -> str:
    """A one-column table ``off`` of the integers lo..hi: turns a day-range join into an equi-join."""
    return " UNION ALL ".join(f"SELECT {i} AS off" for i in range(int(lo), int(hi) + 1))


def copaid_sql(params: Mapping[str, Any]) -> str:
    """(s, r1, r2, txn1, txn2, t_lo, t_hi, w1, w2, sw1, sw2): sender s, quiet that week (at most
    ``max_week_degree`` payments), paid both r1 < r2 within ``window_days``. Joining on (sender, week)
    and the next week keeps the self-join an equi-join; each unordered pair is produced once. The weekly
    count is a window over the transfers (cheaper than grouping and joining the groups back)."""
    w, k = int(params["window_days"]), int(params["max_week_degree"])
    return f"""
WITH e AS (SELECT x.txn_id, x.src, x.dst, x.ts, {week_sql('x.d')} AS w
           FROM ({edges_sql(float(params["min_amount"]))}) x),
q AS (SELECT * FROM (SELECT e.*, count(*) OVER (PARTITION BY src, w) AS s_week FROM e) c WHERE s_week <= {k}),
p AS (SELECT a.src AS s, a.dst AS da, b.dst AS db, a.txn_id AS ta, b.txn_id AS tb, a.ts AS tsa, b.ts AS tsb,
             a.w AS wa, b.w AS wb, a.s_week AS swa, b.s_week AS swb
      FROM (SELECT q.*, q.w + k.off AS w2, k.off FROM q CROSS JOIN ({offsets_sql(0, 1)}) k) a
      JOIN q b ON b.src = a.src AND b.w = a.w2
      WHERE ((a.off = 0 AND a.dst < b.dst) OR (a.off = 1 AND a.dst <> b.dst))
        AND b.ts BETWEEN a.ts - INTERVAL '{w * 24}' HOUR AND a.ts + INTERVAL '{w * 24}' HOUR)
SELECT s, least(da, db) AS r1, greatest(da, db) AS r2,
       CASE WHEN da < db THEN ta ELSE tb END AS txn1, CASE WHEN da < db THEN tb ELSE ta END AS txn2,
       least(tsa, tsb) AS t_lo, greatest(tsa, tsb) AS t_hi,
       CASE WHEN da < db THEN wa ELSE wb END AS w1, CASE WHEN da < db THEN wb ELSE wa END AS w2,
       CASE WHEN da < db THEN swa ELSE swb END AS sw1, CASE WHEN da < db THEN swb ELSE swa END AS sw2
FROM p
"""


def shared_pairs_sql(copaid: str = "_bp_copaid") -> str:
    """The co-payments of receiver pairs that two or more different senders paid."""
    return (f"SELECT x.* FROM {copaid} x JOIN (SELECT r1, r2 FROM {copaid} GROUP BY r1, r2 HAVING min(s) < max(s)) p "
            "ON p.r1 = x.r1 AND p.r2 = x.r2")


def quiet_pairs_sql(params: Mapping[str, Any], shared: str = "_bp_shared") -> str:
    """Those co-payments kept when both receivers are quiet that week too (at most ``max_week_degree``
    receipts; counts kept as ``rw1``, ``rw2``) and both payments are new ties (the sender paid that
    receiver at most ``max_tie_transfers`` times in the whole case: recurring payments within a circle
    of acquaintances are everyday life). Weekly counts and ties are taken only for this small set; old
    ties are anti-joined, as two inner joins on the same sender let the planner pair them first."""
    k = int(params["max_week_degree"])
    e = edges_sql(float(params["min_amount"]))
    return f"""
WITH rw AS (SELECT x.dst, {week_sql('x.d')} AS w, count(*) AS n FROM ({e}) x
            JOIN (SELECT r1 AS acct FROM {shared} UNION SELECT r2 AS acct FROM {shared}) a ON a.acct = x.dst
            GROUP BY x.dst, {week_sql('x.d')}),
old AS (SELECT x.src, x.dst FROM ({e}) x
        JOIN (SELECT s AS src, r1 AS dst FROM {shared} UNION SELECT s AS src, r2 AS dst FROM {shared}) t
          ON t.src = x.src AND t.dst = x.dst
        GROUP BY x.src, x.dst HAVING count(*) > {int(params["max_tie_transfers"])})
SELECT c.*, a.n AS rw1, b.n AS rw2
FROM {shared} c JOIN rw a ON a.dst = c.r1 AND a.w = c.w1 JOIN rw b ON b.dst = c.r2 AND b.w = c.w2
WHERE a.n <= {k} AND b.n <= {k}
  AND NOT EXISTS (SELECT 1 FROM old o WHERE o.src = c.s AND o.dst = c.r1)
  AND NOT EXISTS (SELECT 1 FROM old o WHERE o.src = c.s AND o.dst = c.r2)
"""


CORE_COLUMNS = ("s1", "s2", "r1", "r2", "a1", "a2", "b1", "b2")
# Per transfer of a core: (txn, sender, receiver, week, sender's payments, receiver's receipts that week).
CORE_TXNS = (("a1", "s1", "r1", "c.w1", "c.sw1", "c.rw1"), ("a2", "s1", "r2", "c.w2", "c.sw2", "c.rw2"),
             ("b1", "s2", "r1", "f.w1", "f.sw1", "f.rw1"), ("b2", "s2", "r2", "f.w2", "f.sw2", "f.rw2"))


def butterflies_sql(params: Mapping[str, Any], pairs: str = "_bp_pairs") -> str:
    """2x2 cores: senders s1 < s2 both paid r1 and r2, all four transfers within ``window_days``."""
    w = int(params["window_days"])
    extra = ", ".join(f"{col} AS {col.replace('.', '_')}" for t in CORE_TXNS for col in t[3:])
    return f"""
SELECT c.s AS s1, f.s AS s2, c.r1, c.r2, c.txn1 AS a1, c.txn2 AS a2, f.txn1 AS b1, f.txn2 AS b2, {extra}
FROM {pairs} c JOIN {pairs} f ON f.r1 = c.r1 AND f.r2 = c.r2 AND c.s < f.s
WHERE greatest(c.t_hi, f.t_hi) <= least(c.t_lo, f.t_lo) + INTERVAL '{w * 24}' HOUR
"""


@dataclass
class Block:
    """One block of merged cores: its transfers (txn -> sender, receiver, sender week, receiver week)."""

    txns: dict[str, tuple[str, str, tuple[str, int], tuple[str, int]]] = field(default_factory=dict)
    cores: int = 0


def merge_cores(cores: Sequence[tuple[str, ...]], txn_info: Mapping[str, tuple[str, str, int, int, int]],
                max_accounts: int) -> list[Block]:
    """Cores (s1, s2, r1, r2, a1, a2, b1, b2) sharing a transfer merge into one block; a block of more
    than ``max_accounts`` accounts is cut back to its first cores (a runaway merge, not a pattern)."""
    index: dict[str, int] = {}
    for core in cores:
        for t in core[4:]:
            index.setdefault(t, len(index))
    sets = DisjointSets(len(index))
    for core in cores:
        first = index[core[4]]
        for t in core[5:]:
            sets.union(first, index[t])
    blocks: dict[int, Block] = {}
    for core in sorted(cores):
        block = blocks.setdefault(sets.find(index[core[4]]), Block())
        accounts = {a for t in block.txns.values() for a in t[:2]} | set(core[:4])
        if len(accounts) > max_accounts:
            continue
        block.cores += 1
        for t in core[4:]:
            src, dst, w, s_week, r_week = txn_info[t]
            block.txns[t] = (src, dst, (f"{src}@{w}", s_week), (f"{dst}@{w}", r_week))
    return list(blocks.values())


def block_metrics(block: Block) -> dict[str, Any]:
    senders = {v[0] for v in block.txns.values()}
    receivers = {v[1] for v in block.txns.values()}
    sent = dict(v[2] for v in block.txns.values())
    received = dict(v[3] for v in block.txns.values())
    edges = len(block.txns)
    # Share of the block accounts' traffic in those weeks that the block itself explains.
    exclusivity = min(2 * edges / max(sum(sent.values()) + sum(received.values()), 1), 1.0)
    density = edges / (len(senders) * len(receivers))
    return {"senders": len(senders), "receivers": len(receivers), "transfers": edges, "cores": block.cores,
            "exclusivity": round(exclusivity, 4), "density": round(density, 4)}


def block_score(m: Mapping[str, Any]) -> float:
    """A lone 2x2 core of otherwise quiet accounts scores about 0.4; each transfer beyond the core adds
    weight, all of it scaled by exclusivity so cores among busy accounts stay low."""
    return score_of(float(m["exclusivity"]) * (2.0 + 0.5 * (int(m["transfers"]) - 4)) * float(m["density"]) ** 0.5)


@register
class Bipartite:
    typology = "bipartite"
    description = "Several quiet senders all paying the same quiet receivers within days."
    defaults: Mapping[str, Any] = {"window_days": 3, "max_week_degree": 12, "min_exclusivity": 0.6,
                                   "max_tie_transfers": 1,
                                   "max_block_accounts": 40, "max_cores": 200000, "min_amount": 0.0,
                                   "max_findings": 20000}
    # A weaker variant (``busy_layers``) scores ``weight`` times as much and adds ``caveat`` to its text.
    weight = 1.0
    variant: tuple[str, str] | None = None
    caveat = ""

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        blocks = find_blocks(case, params)
        groups, members = block_tables(blocks, params, "B")
        return build_findings_from_arrow(case, self.typology, weigh_groups(groups, self.weight, self.variant),
                                         members, name="_bp", explain=with_caveat(_explain, self.caveat),
                                         params=params, query=describe(params))


def find_blocks(case: Case, params: Mapping[str, Any]) -> list[Block]:
    """Blocks of merged 2x2 cores (co-paid receivers, shared pairs and quiet pairs are scratch tables of
    one engine run, dropped before this returns)."""
    engine = case.engine
    with engine.run() as run:
        copaid = run.materialise(copaid_sql(params), hint="bp_copaid").name
        shared = run.materialise(shared_pairs_sql(copaid), hint="bp_shared").name
        pairs = run.materialise(quiet_pairs_sql(params, shared), hint="bp_pairs").name
        cores = engine.query(f"{butterflies_sql(params, pairs)} LIMIT {int(params['max_cores'])}")
    cols = {n: cores.column(n).to_pylist() for n in cores.column_names}
    txn_info: dict[str, tuple[str, str, int, int, int]] = {}
    for txn, s, r, *rest in CORE_TXNS:
        w, sw, rw = (cols[c.replace(".", "_")] for c in rest)
        for i, t in enumerate(cols[txn]):
            txn_info[str(t)] = (str(cols[s][i]), str(cols[r][i]), int(w[i]), int(sw[i]), int(rw[i]))
    rows = list(zip(*[[str(x) for x in cols[n]] for n in CORE_COLUMNS], strict=True))
    return merge_cores(rows, txn_info, int(params["max_block_accounts"]))


def block_tables(blocks: Sequence[Block], params: Mapping[str, Any], tag: str) -> tuple[pa.Table, pa.Table]:
    """(groups, members) Arrow tables for ``build_findings`` from the blocks exclusive enough to report."""
    keys: list[str] = []
    metrics: list[dict[str, Any]] = []
    member_cols: dict[str, list[str]] = {"group_key": [], "txn_id": [], "from_role": [], "to_role": []}
    for block in blocks:
        m = block_metrics(block)
        if not block.txns or m["exclusivity"] < float(params["min_exclusivity"]):
            continue
        key = f"{tag}:{min(block.txns)}"
        keys.append(key)
        metrics.append(m)
        for t in sorted(block.txns):
            for col, value in zip(member_cols, (key, t, "sender", "receiver"), strict=True):
                member_cols[col].append(value)
    groups = pa.table({"group_key": pa.array(keys, pa.string()),
                       "score": pa.array([block_score(m) for m in metrics], pa.float64()),
                       **{name: pa.array([m[name] for m in metrics]) for name in
                          ("senders", "receivers", "transfers", "cores", "exclusivity", "density")}})
    members = pa.table({k: pa.array(v, pa.string()) for k, v in member_cols.items()})
    return groups, members


def describe(params: Mapping[str, Any]) -> str:
    return (f"-- one quiet sender paying two receivers within the window\n{copaid_sql(params)}\n"
            f"-- receiver pairs with two or more senders\n{shared_pairs_sql()}\n"
            f"-- both receivers quiet, both payments new ties\n{quiet_pairs_sql(params)}\n"
            f"-- 2x2 cores: two senders paying the same two receivers\n{butterflies_sql(params)}\n"
            "-- cores sharing a transfer merge into a block (union-find); blocks kept when their transfers "
            f"are at least {params['min_exclusivity']} of their accounts' traffic in those weeks")


def _explain(group: Group, currency: str) -> tuple[str, str]:
    senders, receivers = group.accounts("sender"), group.accounts("receiver")
    total = sum(m.amount for m in group.members)
    share = float(group.metrics["exclusivity"])
    title = f"Bipartite: {len(senders)} senders x {len(receivers)} receivers"
    pairs = f"{float(group.metrics['density']):.0%} of the possible sender-receiver pairs"
    text = (f"{plural(len(senders), 'sender')} ({short_list(senders)}) paid the same "
            f"{plural(len(receivers), 'receiver')} ({short_list(receivers)}): {money(total, currency)} in "
            f"{plural(len(group.members), 'transfer')} covering {pairs}, within {span_text(group.start, group.end)}, "
            f"built from {plural(int(group.metrics['cores']), 'core')} of two senders both paying the same two "
            f"receivers; these transfers are {share:.0%} of what these "
            "accounts sent or received in those weeks.")
    return title, text
