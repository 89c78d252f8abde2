"""Stack: money layered through pass-through accounts — bipartite layers of payers, pass-through
accounts and payees (AMLworld STACK). Each pass-through leg is a low-degree account that receives an
amount and forwards nearly the same amount within days; legs sharing a transfer or a pass-through
account chain into deeper stacks when ``merge`` joins them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import Group, build_findings, money, plural, span_text
from moneytrail.detect.registry import register
from moneytrail.detect.scatter_gather import two_leg_paths_sql
from moneytrail.detect.scoring import score_sql
from moneytrail.model.finding import Finding
from moneytrail.store import Case


def stack_groups_sql(params: Mapping[str, Any]) -> str:
    """One group per pass-through account. The z-like strength grows with how exactly the amount was
    passed on (AMLworld: within 6% for 80% of legs) and how much of the account's traffic is relay."""
    tol = float(params["max_ratio"]) - 1.0
    return f"""
WITH legs AS (SELECT m, count(*) AS chains, sum(amt1) AS received, sum(amt2) AS forwarded,
                     avg(abs(amt2 / amt1 - 1.0)) AS drift, min(ts1) AS first_in, max(ts2) AS last_out
              FROM _stack_paths GROUP BY m),
deg AS (SELECT acct, count(*) AS n FROM (SELECT from_account AS acct FROM transactions
        UNION ALL SELECT to_account AS acct FROM transactions) x GROUP BY acct)
SELECT l.m AS group_key,
       {score_sql(f"4.0 * (1.0 - l.drift / {tol!r}) + 4.0 * least(2.0 * l.chains / d.n, 1.0)")} AS score,
       l.m AS pass_through, l.chains, l.received, l.forwarded, l.drift, d.n AS account_transfers
FROM legs l JOIN deg d ON d.acct = l.m
"""


STACK_MEMBERS_SQL = """
SELECT m AS group_key, txn1 AS txn_id, 'payer' AS from_role, 'pass-through' AS to_role FROM _stack_paths
UNION ALL
SELECT m AS group_key, txn2 AS txn_id, 'pass-through' AS from_role, 'payee' AS to_role FROM _stack_paths
"""


@register
class Stack:
    typology = "stack"
    description = "Layers of low-degree accounts that pass on nearly the amount they received, within days."
    # AMLworld STACK: pass-through legs 0.1-3.6 days (10th-90th pct), amounts passed on within 0.94-1.06.
    defaults: Mapping[str, Any] = {"window_days": 6, "max_intermediary_degree": 4, "min_ratio": 0.9,
                                   "max_ratio": 1.1, "min_amount": 0.0, "max_findings": 20000}

    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        paths = two_leg_paths_sql(params)
        engine = case.engine
        try:
            engine.execute(f"CREATE OR REPLACE TEMP TABLE _stack_paths AS {paths}")
            return build_findings(case, self.typology, stack_groups_sql(params), STACK_MEMBERS_SQL,
                                  explain=_explain, params=params, limit=int(params["max_findings"]),
                                  query=f"-- pass-through legs\n{paths}\n-- groups\n{stack_groups_sql(params)}")
        finally:
            engine.execute("DROP TABLE IF EXISTS _stack_paths")


def _explain(group: Group, currency: str) -> tuple[str, str]:
    m = group.metrics
    hub = str(m["pass_through"])
    ins, outs = group.flows(to_role="pass-through"), group.flows(from_role="pass-through")
    title = f"Stack layer through {hub}"
    text = (f"Account {hub} received {money(sum(x.amount for x in ins), currency)} from "
            f"{plural(len(group.accounts('payer')), 'payer')} and passed on "
            f"{money(sum(x.amount for x in outs), currency)} to {plural(len(group.accounts('payee')), 'payee')} "
            f"within {span_text(group.start, group.end)}, each amount within "
            f"{100 * float(m['drift']):.1f}% on average of what came in; {m['chains']} of its "
            f"{m['account_transfers']} transfers are such relays.")
    return title, text
