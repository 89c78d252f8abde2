"""Bipartite: a set of senders each paying the same set of receivers within days (AMLworld
BIPARTITE). Receiver pairs co-paid by at least ``min_shared_senders`` low-degree senders are found
with a self-join on the sender and a day-bucket range; a block is a connected set of such pairs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from moneytrail.detect.base import (
    Group,
    build_findings,
    edges_sql,
    money,
    plural,
    short_list,
    small_components,
    span_text,
    uses_edges,
)
from moneytrail.detect.registry import register
from moneytrail.detect.scoring import score_sql
from moneytrail.model.finding import Finding
from moneytrail.store import Case


def copaid_sql(params: Mapping[str, Any]) -> str:
    """(r1, r2, s, txn1, txn2): sender s paid both r1 and r2 (r1 < r2) within the window."""
    w = int(params["window_days"])
    return f"""
WITH e AS ({edges_sql(float(params["min_amount"]))}),
outdeg AS (SELECT src, count(*) AS n FROM e GROUP BY src),
low AS (SELECT e.* FROM e JOIN outdeg o ON o.src = e.src WHERE o.n <= {int(params["max_sender_degree"])})
SELECT a.dst AS r1, b.dst AS r2, a.src AS s, a.txn_id AS txn1, b.txn_id AS txn2
FROM low a JOIN low b ON b.src = a.src AND b.d BETWEEN a.d - {w} AND a.d + {w}
WHERE a.dst < b.dst AND b.ts BETWEEN a.ts - INTERVAL '{w * 24}' HOUR AND a.ts + INTERVAL '{w * 24}' HOUR
"""


def qualified_pairs_sql(params: Mapping[str, Any], table: str = "_bp_pairs") -> str:
    return (f"SELECT r1, r2 FROM {table} GROUP BY r1, r2 "
            f"HAVING count(DISTINCT s) >= {int(params['min_shared_senders'])}")


# Blocks are components of qualified receiver pairs (_bp_comp: r1, r2, comp). Chance co-payment of
# two receivers by several unrelated low-degree senders is rare, so strength grows with the senders
# shared beyond one by the block's best pair.
BP_GROUPS_SQL = f"""
WITH pair AS (SELECT c.comp, p.r1, p.r2, count(DISTINCT p.s) AS shared
              FROM _bp_pairs p JOIN _bp_comp c ON c.r1 = p.r1 AND c.r2 = p.r2 GROUP BY c.comp, p.r1, p.r2)
SELECT comp AS group_key, {score_sql('2.0 * (max(shared) - 1)')} AS score, max(shared) AS shared_senders,
       count(*) AS receiver_pairs
FROM pair GROUP BY comp
"""

BP_MEMBERS_SQL = """
SELECT c.comp AS group_key, p.txn1 AS txn_id, 'sender' AS from_role, 'receiver' AS to_role
FROM _bp_pairs p JOIN _bp_comp c ON c.r1 = p.r1 AND c.r2 = p.r2
UNION ALL
SELECT c.comp AS group_key, p.txn2 AS txn_id, 'sender' AS from_role, 'receiver' AS to_role
FROM _bp_pairs p JOIN _bp_comp c ON c.r1 = p.r1 AND c.r2 = p.r2
"""


@register
class Bipartite:
    typology = "bipartite"
    description = "Several low-degree senders all paying the same receivers within days."
    defaults: Mapping[str, Any] = {"window_days": 3, "min_shared_senders": 2, "max_sender_degree": 20,
                                   "max_block_receivers": 40, "min_amount": 0.0, "max_findings": 20000}

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        pairs = copaid_sql(params)
        engine = case.engine
        try:
            engine.execute(f"CREATE OR REPLACE TEMP TABLE _bp_pairs AS {pairs}")
            qualified = [(str(a), str(b)) for a, b in engine.rows(qualified_pairs_sql(params))]
            comp = small_components(qualified, int(params["max_block_receivers"]))
            links = [(a, b) for a, b in qualified if a in comp]
            engine.register_arrow("_bp_comp", pa.table({
                "r1": [a for a, _ in links], "r2": [b for _, b in links], "comp": [comp[a] for a, _ in links]},
                schema=pa.schema([("r1", pa.string()), ("r2", pa.string()), ("comp", pa.string())])))
            return build_findings(case, self.typology, BP_GROUPS_SQL, BP_MEMBERS_SQL,
                                  explain=_explain, params=params, limit=int(params["max_findings"]),
                                  query=f"-- co-paid receivers\n{pairs}\n-- qualified pairs, then their "
                                        f"connected components\n{qualified_pairs_sql(params)}\n{BP_GROUPS_SQL}")
        finally:
            engine.unregister("_bp_comp")
            engine.execute("DROP TABLE IF EXISTS _bp_pairs")


def _explain(group: Group, currency: str) -> tuple[str, str]:
    senders, receivers = group.accounts("sender"), group.accounts("receiver")
    total = sum(m.amount for m in group.members)
    title = f"Bipartite: {len(senders)} senders x {len(receivers)} receivers"
    text = (f"{plural(len(senders), 'sender')} ({short_list(senders)}) each paid the same "
            f"{plural(len(receivers), 'receiver')} ({short_list(receivers)}), {money(total, currency)} in "
            f"{plural(len(group.members), 'transfer')} within {span_text(group.start, group.end)}.")
    return title, text
