"""Bipartite: a set of senders each paying the same set of receivers within days (AMLworld
BIPARTITE). Receiver pairs co-paid by at least ``min_shared_senders`` low-degree senders are found
with a self-join on the sender and a day-bucket range; pairs sharing transfers merge into one block."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import Group, build_findings, edges_sql, money, plural, short_list, span_text
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


def bipartite_groups_sql(params: Mapping[str, Any]) -> str:
    """Receiver pairs with enough shared senders. Chance co-payment of two receivers by several
    unrelated low-degree senders is rare, so strength grows with the senders shared beyond one."""
    return f"""
SELECT r1 || '&' || r2 AS group_key, {score_sql('2.0 * (count(DISTINCT s) - 1)')} AS score,
       r1, r2, count(DISTINCT s) AS shared_senders
FROM _bp_pairs GROUP BY r1, r2 HAVING count(DISTINCT s) >= {int(params["min_shared_senders"])}
"""


BP_MEMBERS_SQL = """
SELECT p.r1 || '&' || p.r2 AS group_key, p.txn1 AS txn_id, 'sender' AS from_role, 'receiver' AS to_role
FROM _bp_pairs p
UNION ALL
SELECT p.r1 || '&' || p.r2 AS group_key, p.txn2 AS txn_id, 'sender' AS from_role, 'receiver' AS to_role
FROM _bp_pairs p
"""


@register
class Bipartite:
    typology = "bipartite"
    description = "Several low-degree senders all paying the same receivers within days."
    defaults: Mapping[str, Any] = {"window_days": 3, "min_shared_senders": 2, "max_sender_degree": 10,
                                   "min_amount": 0.0, "max_findings": 20000}

    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        pairs = copaid_sql(params)
        engine = case.engine
        try:
            engine.execute(f"CREATE OR REPLACE TEMP TABLE _bp_pairs AS {pairs}")
            return build_findings(case, self.typology, bipartite_groups_sql(params), BP_MEMBERS_SQL,
                                  explain=_explain, params=params, limit=int(params["max_findings"]),
                                  query=f"-- co-paid receivers\n{pairs}\n-- groups\n{bipartite_groups_sql(params)}")
        finally:
            engine.execute("DROP TABLE IF EXISTS _bp_pairs")


def _explain(group: Group, currency: str) -> tuple[str, str]:
    senders, receivers = group.accounts("sender"), group.accounts("receiver")
    total = sum(m.amount for m in group.members)
    title = f"Bipartite: {len(senders)} senders x {len(receivers)} receivers"
    text = (f"{plural(len(senders), 'sender')} ({short_list(senders)}) each paid the same "
            f"{plural(len(receivers), 'receiver')} ({short_list(receivers)}), {money(total, currency)} in "
            f"{plural(len(group.members), 'transfer')} within {span_text(group.start, group.end)}.")
    return title, text
