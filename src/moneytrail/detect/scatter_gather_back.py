"""Money sent out and paid back within days, seen from either end: the structural variants of
``scatter-gather`` (a source paid back by several intermediaries) and ``gather-scatter`` (a hub paying
back several of the accounts that paid it).

AMLworld's SCATTER-GATHER gathers at the source itself in many small attempts (HI-Medium: A -> M1 -> A,
A -> M2 -> A, the 4-transfer attempts ``scatter-gather`` missed), and ``scatter-gather`` leaves such paths out
(``b.dst <> a.src``) so as not to re-report a round trip. This variant runs the same two-leg search
(``scatter_gather.two_leg_paths_sql`` with ``back_to_source``: same window, amount ratio and intermediary
degree bar), among sources of at most ``max_source_degree`` transfers themselves, and keeps sources with at
least ``min_intermediaries`` distinct intermediaries paying back (one by default: AMLworld's smallest
attempts are A -> M -> A), scored against all such sources like ``scatter-gather``. Money sent out and back
through one account at a time is also a loan repaid or a refund, so findings score ``weight`` (0.5) times the
usual and say so.

The same paths grouped by their intermediary give ``gather-scatter-structural``: a low-degree hub that at
least ``min_counterparties`` accounts paid and that paid each of them back within the window (12 days, any
amount from 0.1 to 10 times: a gather-scatter does not carry amounts on) (AMLworld's
small GATHER-SCATTER attempts: H gathers from S1 and S2, then pays S1 and S2; ``gather-scatter`` looks for
bursts of new counterparties, which these few do not make among busy accounts).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import (
    Group,
    account_activity_sql,
    account_activity_table,
    build_findings,
    money,
    plural,
    span_text,
    uses_edges,
)
from moneytrail.detect.registry import register
from moneytrail.detect.scatter_gather import ScatterGather, sg_groups_sql, sg_members_sql, two_leg_paths_sql
from moneytrail.detect.scoring import MIN_PEERS, peer_stats_sql, robust_z_sql, score_sql
from moneytrail.model.finding import Finding
from moneytrail.store import Case

WEAKER = ("the money came back to where it started, which a loan repaid or a refund also does, so this is "
          "scored at half weight")


def low_degree_sources_sql(paths: str, activity: str, max_degree: int) -> str:
    """The ``paths`` whose source has at most ``max_degree`` transfers (``activity``, the run's per-account
    counts): a cash desk or a lender is paid back by dozens as everyday business (on the LI-Medium mix the
    sources paid back by 10-140 intermediaries were such hubs, none of them laundering)."""
    return (f"SELECT p.* FROM ({paths}) p JOIN {activity} a ON a.account = p.s "
            f"WHERE a.n_edges <= {int(max_degree)}")


def back_groups_sql(params: Mapping[str, Any], paths: str) -> str:
    """``scatter_gather.sg_groups_sql`` over the paths back to the source, at ``weight`` times the score."""
    return (f"SELECT group_key, {float(params['weight'])!r} * score AS score, source, destination, paths, "
            f"scattered, gathered, usual_paths, 'structural' AS variant, 'scatter-gather' AS variant_of "
            f"FROM ({sg_groups_sql(params, paths)}) g")


def hub_groups_sql(params: Mapping[str, Any], paths: str) -> str:
    """Per intermediary of the paths back to their source: the accounts it paid back, scored as a robust z of
    that count against every such intermediary's (at ``weight`` times), kept from ``min_counterparties``."""
    return f"""
WITH hubs AS (SELECT m, count(DISTINCT s) AS counterparties, sum(amt1) AS gathered, sum(amt2) AS scattered
              FROM {paths} GROUP BY m),
everyone AS (SELECT counterparties, 1 AS one FROM hubs),
peer AS (SELECT CASE WHEN n >= {MIN_PEERS} THEN med ELSE 1 END AS med,
                CASE WHEN n >= {MIN_PEERS} THEN mad ELSE 0 END AS mad
         FROM ({peer_stats_sql('everyone', 'counterparties', 'one', 1)}) x
         CROSS JOIN (SELECT count(*) AS n FROM hubs) c)
SELECT h.m AS group_key, {float(params['weight'])!r} * {score_sql(robust_z_sql('h.counterparties', 'q.med', 'q.mad'))}
         AS score, h.m AS hub, h.counterparties, h.gathered, h.scattered, q.med AS usual_counterparties,
       'structural' AS variant, 'gather-scatter' AS variant_of
FROM hubs h CROSS JOIN peer q
WHERE h.counterparties >= {int(params["min_counterparties"])}
"""


def hub_members_sql(paths: str) -> str:
    return (f"SELECT m AS group_key, txn1 AS txn_id, 'sender' AS from_role, 'hub' AS to_role FROM {paths} "
            f"UNION ALL SELECT m AS group_key, txn2 AS txn_id, 'hub' AS from_role, 'receiver' AS to_role FROM {paths}")


@register
class ScatterGatherBack:
    typology = "scatter-gather-structural"
    description = ("Weaker variant of scatter-gather: a source pays several low-degree intermediaries that all "
                   "pay it back within days.")
    shared_kinds = ("activity",)
    weaker_variant = True
    # Source bar on the AMLworld mixes (benchmarks/detect_amlworld.py; attempts of scatter-gather it finds, its
    # transaction precision): none 23 / 20% (HI), 3 / 0.9% (LI); 50: 13 / 94%, 3 / 100%; 100: 23 / 88%, 3 / 77%;
    # 200: 23 / 76%, 3 / 17%.
    # One intermediary is enough: AMLworld's smallest SCATTER-GATHER attempts are A -> M -> A (74 of 331 on
    # HI-Medium have 2 transfers). On the 500k mixes (benchmarks/learn.py's attempt table) scatter-gather
    # attempt recall with 1 instead of 2 went 71.0% -> 88.8% (HI) and 81.0% -> 98.4% (LI), this variant's
    # transaction precision 92.7% (HI, 159 findings, 3.0 per 10k transactions) and 91.9% (LI, 49, 1.0 per
    # 10k): paid back within 6 days at 0.5-1.5x by a low-degree account is rare in ordinary traffic.
    defaults: Mapping[str, Any] = {**ScatterGather.defaults, "min_intermediaries": 1, "max_source_degree": 100,
                                   "weight": 0.5}

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        activity = account_activity_table(case)
        paths = low_degree_sources_sql(two_leg_paths_sql(params, activity, back_to_source=True), activity,
                                       int(params["max_source_degree"]))
        with case.engine.run() as run:
            table = run.materialise(paths, hint="sg_back_paths").name
            return build_findings(
                case, self.typology, back_groups_sql(params, table), sg_members_sql(table), explain=_explain,
                params=params, limit=int(params["max_findings"]),
                query=f"-- {activity}: transfers per account\n{account_activity_sql()}\n"
                      f"-- two-leg paths back to the source\n{paths}\n-- groups\n{back_groups_sql(params, table)}")


def _explain(group: Group, currency: str) -> tuple[str, str]:
    m = group.metrics
    mids = group.accounts("intermediary")
    first, second = group.flows(to_role="intermediary"), group.flows(to_role="destination")
    through = "1 intermediary" if len(mids) == 1 else f"{len(mids)} intermediaries"
    title = f"Scatter-gather back to {m['source']} through {through} (structural)"
    text = (f"Account {m['source']} paid {money(sum(x.amount for x in first), currency)} to "
            f"{plural(len(mids), 'intermediary account')}, which paid "
            f"{money(sum(x.amount for x in second), currency)} back to it; the whole movement took "
            f"{span_text(group.start, group.end)}. Usual number of such parallel paths back to an account: "
            f"{float(m['usual_paths']):.0f}. Weaker than a scatter-gather to another account: {WEAKER}.")
    return title, text


@register
class GatherScatterBack:
    typology = "gather-scatter-structural"
    description = ("Weaker variant of gather-scatter: a low-degree hub paid by several accounts pays each of them "
                   "back within days.")
    shared_kinds = ("activity",)
    weaker_variant = True
    # AMLworld GATHER-SCATTER spans up to 12.7 days and pays back amounts unrelated to what came in (693 in,
    # 10,043 back). On the mixes (attempts of gather-scatter it finds, transaction precision): at
    # scatter-gather's 6 days and 0.5-1.5x, 11 / 93% (HI) and 2 / 76% (LI); at 12 days and 0.1-10x, 31 / 90%
    # and 4 / 50% (labelled base rates 4.4% and 0.8%).
    defaults: Mapping[str, Any] = {**{k: v for k, v in ScatterGather.defaults.items() if k != "min_intermediaries"},
                                   "window_days": 12, "min_ratio": 0.1, "max_ratio": 10.0,
                                   "min_counterparties": 2, "weight": 0.5}

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        activity = account_activity_table(case)
        paths = two_leg_paths_sql(params, activity, back_to_source=True)
        with case.engine.run() as run:
            table = run.materialise(paths, hint="gs_back_paths").name
            return build_findings(
                case, self.typology, hub_groups_sql(params, table), hub_members_sql(table),
                explain=_explain_hub, params=params, limit=int(params["max_findings"]),
                query=f"-- {activity}: transfers per account\n{account_activity_sql()}\n"
                      f"-- two-leg paths back to the source\n{paths}\n-- groups\n{hub_groups_sql(params, table)}")


def _explain_hub(group: Group, currency: str) -> tuple[str, str]:
    m = group.metrics
    hub = str(m["hub"])
    ins, outs = group.flows(to_role="hub"), group.flows(from_role="hub")
    senders = group.accounts("sender")
    title = f"Gather-scatter back through {hub}: {len(senders)} accounts paid and paid back (structural)"
    text = (f"{plural(len(senders), 'account')} paid {money(sum(x.amount for x in ins), currency)} into "
            f"{hub}, which paid {money(sum(x.amount for x in outs), currency)} back to each of them; the whole "
            f"movement took {span_text(group.start, group.end)}. Usual number of accounts an intermediary pays "
            f"back: {float(m['usual_counterparties']):.0f}. Weaker than a gather-scatter to new receivers: "
            f"{WEAKER}.")
    return title, text
