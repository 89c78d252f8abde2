"""Scatter-gather: a source pays several intermediaries that each pay on to one destination within
days (AMLworld SCATTER-GATHER). Two-leg paths source -> intermediary -> destination are found with an
equi-join on the intermediary plus a day-bucket range, then exact time and amount filters; only
low-degree intermediaries are followed (mules, not shops or payroll accounts), which bounds the join."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import (
    Group,
    account_activity_sql,
    account_activity_table,
    build_findings,
    edges_sql,
    money,
    plural,
    span_text,
    uses_edges,
)
from moneytrail.detect.registry import register
from moneytrail.detect.scoring import MIN_PEERS, peer_stats_sql, robust_z_sql, score_sql
from moneytrail.model.finding import Finding
from moneytrail.store import Case


def two_leg_paths_sql(params: Mapping[str, Any], activity: str | None = None, *, back_to_source: bool = False) -> str:
    """(s, m, t, txn1, txn2, ts1, ts2, amt1, amt2): s pays m, then m pays t within the window, the
    second leg carrying ``min_ratio``..``max_ratio`` times the first, m being a low-degree account.
    With no ``min_amount``, degrees are read from ``activity`` (a table of ``account_activity_sql``
    shared by the run) instead of being counted again. With ``back_to_source``, only the paths whose second
    leg returns to the source (``scatter_gather_back``); otherwise only those that do not."""
    w = int(params["window_days"])
    min_amount = float(params["min_amount"])
    # The edges inlined at each use rather than a CTE read twice, which the engine would copy in full.
    e = edges_sql(min_amount)
    if activity is not None and min_amount == 0.0:
        deg = f"SELECT account AS acct, n_edges AS n FROM {activity}"
    else:
        deg = (f"SELECT acct, count(*) AS n FROM (SELECT src AS acct FROM ({e}) a UNION ALL "
               f"SELECT dst AS acct FROM ({e}) b) x GROUP BY acct")
    return f"""
WITH deg AS ({deg}),
mid AS (SELECT acct FROM deg WHERE n <= {int(params["max_intermediary_degree"])})
SELECT a.src AS s, a.dst AS m, b.dst AS t, a.txn_id AS txn1, b.txn_id AS txn2, a.ts AS ts1, b.ts AS ts2,
       a.amt AS amt1, b.amt AS amt2
FROM ({e}) a JOIN mid ON mid.acct = a.dst
JOIN ({e}) b ON b.src = a.dst AND b.d BETWEEN a.d AND a.d + {w}
WHERE b.ts >= a.ts AND b.ts <= a.ts + INTERVAL '{w * 24}' HOUR AND b.dst {"=" if back_to_source else "<>"} a.src
  AND b.amt >= a.amt * {float(params["min_ratio"])!r} AND b.amt <= a.amt * {float(params["max_ratio"])!r}
"""


def sg_groups_sql(params: Mapping[str, Any], paths: str) -> str:
    return f"""
WITH pairs AS (SELECT s, t, count(DISTINCT m) AS paths, sum(amt1) AS scattered, sum(amt2) AS gathered
               FROM {paths} GROUP BY s, t),
everyone AS (SELECT paths, 1 AS one FROM pairs),
-- With too few pairs to learn from, assume what chance gives: a single path.
peer AS (SELECT CASE WHEN n >= {MIN_PEERS} THEN med ELSE 1 END AS med,
                CASE WHEN n >= {MIN_PEERS} THEN mad ELSE 0 END AS mad
         FROM ({peer_stats_sql('everyone', 'paths', 'one', 1)}) x CROSS JOIN (SELECT count(*) AS n FROM pairs) c)
SELECT p.s || '>' || p.t AS group_key,
       {score_sql(robust_z_sql('p.paths', 'q.med', 'q.mad'))} AS score,
       p.s AS source, p.t AS destination, p.paths, p.scattered, p.gathered, q.med AS usual_paths
FROM pairs p CROSS JOIN peer q
WHERE p.paths >= {int(params["min_intermediaries"])}
"""


def sg_members_sql(paths: str) -> str:
    return f"""
SELECT s || '>' || t AS group_key, txn1 AS txn_id, 'source' AS from_role, 'intermediary' AS to_role
FROM {paths}
UNION ALL
SELECT s || '>' || t AS group_key, txn2 AS txn_id, 'intermediary' AS from_role, 'destination' AS to_role
FROM {paths}
"""


@register
class ScatterGather:
    typology = "scatter-gather"
    description = "A source pays several low-degree intermediaries that all pay one destination within days."
    # Run-shared tables it reads (base.shared_table), kept for it by run_detectors.
    shared_kinds = ("activity",)
    # AMLworld SCATTER-GATHER: 2-16 intermediaries, legs 1-4 days apart, spans up to 6 days; the second
    # leg carries 0.84-1.17 times the first for 80% of intermediaries.
    defaults: Mapping[str, Any] = {"window_days": 6, "min_intermediaries": 2, "max_intermediary_degree": 50,
                                   "min_ratio": 0.5, "max_ratio": 1.5, "min_amount": 0.0,
                                   "max_findings": 20000}

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        activity = account_activity_table(case)
        paths = two_leg_paths_sql(params, activity)
        with case.engine.run() as run:
            table = run.materialise(paths, hint="sg_paths").name
            return build_findings(case, self.typology, sg_groups_sql(params, table), sg_members_sql(table),
                                  explain=_explain, params=params, limit=int(params["max_findings"]),
                                  query=f"-- {activity}: transfers per account\n{account_activity_sql()}\n"
                                        f"-- two-leg paths\n{paths}\n-- groups\n{sg_groups_sql(params, table)}")


def _explain(group: Group, currency: str) -> tuple[str, str]:
    m = group.metrics
    mids = group.accounts("intermediary")
    first, second = group.flows(to_role="intermediary"), group.flows(to_role="destination")
    title = f"Scatter-gather {m['source']} -> {len(mids)} intermediaries -> {m['destination']}"
    text = (f"Account {m['source']} paid {money(sum(x.amount for x in first), currency)} to "
            f"{plural(len(mids), 'intermediary account')}, which paid "
            f"{money(sum(x.amount for x in second), currency)} on to {m['destination']}; the whole "
            f"movement took {span_text(group.start, group.end)}. Usual number of such parallel paths "
            f"between two accounts: {float(m['usual_paths']):.0f}.")
    return title, text
