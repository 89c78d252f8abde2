"""Gather-scatter: a hub gathers from many senders, then scatters to many receivers (AMLworld
GATHER-SCATTER). Both halves are star episodes (``star``) of one hub, the scatter starting before
the gather has been over for a window and not ending before the gather does (the money leaves after
it arrived). One half must be unusual for the hub and its peers (``min_z``); the other only mildly
so (``min_z_other``): the two halves together are the pattern, and a launderer's scatter to a
handful of receivers rarely stands out on its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import (
    Group,
    build_findings,
    edges_sql,
    money,
    plural,
    span_text,
    text_sql,
    uses_edges,
)
from moneytrail.detect.registry import register
from moneytrail.detect.scoring import score_sql
from moneytrail.detect.star import star_episodes_sql, star_tables
from moneytrail.model.finding import Finding
from moneytrail.store import Case


def gs_members_sql(params: Mapping[str, Any], gathers: str, scatters: str) -> str:
    """Member rows of each (hub, gather episode, scatter episode) pair, with side and counterparty."""
    e = edges_sql(float(params["min_amount"]))
    gap = int(params["window_days"])
    return f"""
WITH pairs AS (
  SELECT i.hub, i.hub || '|' || {text_sql('i.ep')} || '|' || {text_sql('o.ep')} AS group_key,
         i.d0 AS in_d0, i.d1 AS in_d1, greatest(o.d0, i.d0) AS out_d0, o.d1 AS out_d1,
         i.z AS z_in, o.z AS z_out, i.expected_own AS exp_in, o.expected_own AS exp_out
  FROM {gathers} i JOIN {scatters} o ON o.hub = i.hub AND o.d1 >= i.d1 AND o.d0 <= i.d1 + {gap}
  WHERE greatest(i.z, o.z) >= {float(params["min_z"])!r} AND least(i.z, o.z) >= {float(params["min_z_other"])!r})
SELECT p.group_key, p.hub, e.txn_id, e.ts, e.amt, 'in' AS side, e.src AS cp, 'sender' AS from_role,
       'hub' AS to_role, p.z_in, p.z_out, p.exp_in, p.exp_out
FROM pairs p JOIN ({e}) e ON e.dst = p.hub AND e.d BETWEEN p.in_d0 AND p.in_d1
UNION ALL
SELECT p.group_key, p.hub, e.txn_id, e.ts, e.amt, 'out' AS side, e.dst AS cp, 'hub' AS from_role,
       'receiver' AS to_role, p.z_in, p.z_out, p.exp_in, p.exp_out
FROM pairs p JOIN ({e}) e ON e.src = p.hub AND e.d BETWEEN p.out_d0 AND p.out_d1
"""


def gs_groups_sql(params: Mapping[str, Any], members: str) -> str:
    return f"""
SELECT group_key, {score_sql('max(z_in) + max(z_out)')} AS score, max(hub) AS hub,
       count(DISTINCT CASE WHEN side = 'in' THEN cp END) AS senders,
       count(DISTINCT CASE WHEN side = 'out' THEN cp END) AS receivers,
       sum(CASE WHEN side = 'in' THEN amt ELSE 0 END) AS amount_in,
       sum(CASE WHEN side = 'out' THEN amt ELSE 0 END) AS amount_out,
       min(CASE WHEN side = 'in' THEN ts END) AS first_in, max(CASE WHEN side = 'out' THEN ts END) AS last_out,
       max(z_in) AS z_in, max(z_out) AS z_out, max(exp_in) AS expected_in, max(exp_out) AS expected_out
FROM {members} GROUP BY group_key
HAVING count(DISTINCT CASE WHEN side = 'in' THEN cp END) >= {int(params["min_in_degree"])}
   AND count(DISTINCT CASE WHEN side = 'out' THEN cp END) >= {int(params["min_out_degree"])}
   AND max(CASE WHEN side = 'out' THEN ts END) > min(CASE WHEN side = 'in' THEN ts END)
"""


@register
class GatherScatter:
    typology = "gather-scatter"
    description = "A hub gathers from many senders and then scatters to many receivers, unusually for it."
    # Run-shared tables it reads (base.shared_table), kept for it by run_detectors.
    shared_kinds = ("star", "star-in", "star-out")
    # AMLworld GATHER-SCATTER spans up to 12.7 days: a 6-day gather, then a 6-day scatter. On the
    # AMLworld mix (benchmarks/detect_amlworld.py), requiring both halves at z 1.5 found 29% of the
    # attempts; one at 2 and the other at 0.5 finds 43%, at higher transaction precision.
    defaults: Mapping[str, Any] = {"window_days": 6, "min_in_degree": 3, "min_out_degree": 3,
                                   "min_amount": 0.0, "min_z": 2.0, "min_z_other": 0.5,
                                   "max_findings": 20000}

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        common = {"window_days": params["window_days"], "min_amount": params["min_amount"],
                  "min_z": min(float(params["min_z"]), float(params["min_z_other"]))}
        common["min_z_peer"] = common["min_z"]
        in_params = {**common, "min_degree": params["min_in_degree"]}
        out_params = {**common, "min_degree": params["min_out_degree"]}
        ins, outs = star_tables(case, "in", in_params), star_tables(case, "out", out_params)
        in_sql, out_sql = star_episodes_sql(ins.windows, in_params), star_episodes_sql(outs.windows, out_params)
        with case.engine.run() as run:
            gathers = run.materialise(in_sql, hint="gs_in").name
            scatters = run.materialise(out_sql, hint="gs_out").name
            members_sql = gs_members_sql(params, gathers, scatters)
            members = run.materialise(members_sql, hint="gs_members").name
            return build_findings(
                case, self.typology, gs_groups_sql(params, members),
                f"SELECT group_key, txn_id, from_role, to_role FROM {members}",
                explain=_explain, params=params, limit=int(params["max_findings"]),
                query=f"{ins.sql}\n{outs.sql}\n"
                      f"-- gather episodes\n{in_sql}\n-- scatter episodes\n{out_sql}\n-- pairs\n"
                      f"{members_sql}\n-- groups\n{gs_groups_sql(params, members)}")


def _explain(group: Group, currency: str) -> tuple[str, str]:
    m = group.metrics
    hub = str(m["hub"])
    ins, outs = group.flows(to_role="hub"), group.flows(from_role="hub")
    senders, receivers = group.accounts("sender"), group.accounts("receiver")
    title = f"Gather-scatter through {hub}: {len(senders)} in, {len(receivers)} out"
    z_in, z_out = float(m["z_in"]), float(m["z_out"])
    strong = "gather" if z_in >= z_out else "scatter"
    text = (f"{plural(len(senders), 'distinct sender')} paid {money(sum(x.amount for x in ins), currency)} "
            f"into account {hub} within {span_text(min(x.ts for x in ins), max(x.ts for x in ins))}; "
            f"{hub} then paid {money(sum(x.amount for x in outs), currency)} out to "
            f"{plural(len(receivers), 'account')} within "
            f"{span_text(min(x.ts for x in outs), max(x.ts for x in outs))}. Usual for {hub}: about "
            f"{float(m['expected_in']):.1f} senders and {float(m['expected_out']):.1f} receivers per window; "
            f"against it and its peers the {strong} was the more unusual half (z {max(z_in, z_out):.1f}, "
            f"the other {min(z_in, z_out):.1f}).")
    return title, text
