"""Scatter-gather back to the source: a source pays several low-degree intermediaries that each pay it back
within days — the structural variant of ``scatter-gather``, whose destination must be another account.

AMLworld's SCATTER-GATHER gathers at the source itself in many small attempts (HI-Medium: A -> M1 -> A,
A -> M2 -> A, the 4-transfer attempts ``scatter-gather`` missed), and ``scatter-gather`` leaves such paths out
(``b.dst <> a.src``) so as not to re-report a round trip. This variant runs the same two-leg search
(``scatter_gather.two_leg_paths_sql`` with ``back_to_source``: same window, amount ratio and intermediary
degree bar) and keeps sources with at least ``min_intermediaries`` distinct intermediaries paying back, scored
against all such sources like ``scatter-gather``. Money sent out and back through one account at a time is
also a loan repaid or a refund, so findings score ``weight`` (0.5) times the usual and say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import Group, account_activity_sql, account_activity_table, build_findings, money, \
    plural, span_text, uses_edges
from moneytrail.detect.registry import register
from moneytrail.detect.scatter_gather import ScatterGather, sg_groups_sql, sg_members_sql, two_leg_paths_sql
from moneytrail.detect.variants import cite_method
from moneytrail.model.finding import Finding
from moneytrail.store import Case

WEAKER = ("the money came back to where it started, which a loan repaid or a refund also does, so this is "
          "scored at half weight")


def back_groups_sql(params: Mapping[str, Any], paths: str) -> str:
    """``scatter_gather.sg_groups_sql`` over the paths back to the source, at ``weight`` times the score."""
    return (f"SELECT group_key, {float(params['weight'])!r} * score AS score, source, destination, paths, "
            f"scattered, gathered, usual_paths, 'structural' AS variant, 'scatter-gather' AS variant_of "
            f"FROM ({sg_groups_sql(params, paths)}) g")


@register
class ScatterGatherBack:
    typology = "scatter-gather-structural"
    description = ("Weaker variant of scatter-gather: a source pays several low-degree intermediaries that all "
                   "pay it back within days.")
    shared_kinds = ("activity",)
    defaults: Mapping[str, Any] = {**ScatterGather.defaults, "weight": 0.5}

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        activity = account_activity_table(case)
        paths = two_leg_paths_sql(params, activity, back_to_source=True)
        with case.engine.run() as run:
            table = run.materialise(paths, hint="sg_back_paths").name
            return cite_method(case, build_findings(
                case, self.typology, back_groups_sql(params, table), sg_members_sql(table), explain=_explain,
                params=params, limit=int(params["max_findings"]),
                query=f"-- {activity}: transfers per account\n{account_activity_sql()}\n"
                      f"-- two-leg paths back to the source\n{paths}\n-- groups\n{back_groups_sql(params, table)}"))


def _explain(group: Group, currency: str) -> tuple[str, str]:
    m = group.metrics
    mids = group.accounts("intermediary")
    first, second = group.flows(to_role="intermediary"), group.flows(to_role="destination")
    title = f"Scatter-gather back to {m['source']} through {len(mids)} intermediaries (structural)"
    text = (f"Account {m['source']} paid {money(sum(x.amount for x in first), currency)} to "
            f"{plural(len(mids), 'intermediary account')}, which paid "
            f"{money(sum(x.amount for x in second), currency)} back to it; the whole movement took "
            f"{span_text(group.start, group.end)}. Usual number of such parallel paths back to an account: "
            f"{float(m['usual_paths']):.0f}. Weaker than a scatter-gather to another account: {WEAKER}.")
    return title, text
