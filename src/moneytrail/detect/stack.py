"""Stack: money layered through pass-through accounts — bipartite layers of payers, pass-through
accounts and payees (AMLworld STACK). Each pass-through leg is a low-degree account that receives an
amount and forwards nearly the same amount within days; legs sharing a transfer or a pass-through
account chain into deeper stacks when ``merge`` joins them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from moneytrail.detect.base import Group, build_findings, components, money, plural, short_list, span_text, uses_edges
from moneytrail.detect.registry import register
from moneytrail.detect.scatter_gather import two_leg_paths_sql
from moneytrail.detect.scoring import score_sql
from moneytrail.model.finding import Finding
from moneytrail.store import Case


def stack_groups_sql(params: Mapping[str, Any]) -> str:
    """One group per component of legs (_stack_comp: txn1, comp). Strength grows with how exactly
    amounts were passed on (AMLworld: within 6% for 80% of legs), how much of each pass-through
    account's traffic is relay, and how many layers the stack has."""
    tol = float(params["max_ratio"]) - 1.0
    return f"""
WITH l AS (SELECT c.comp, p.* FROM _stack_paths p JOIN _stack_comp c ON c.txn1 = p.txn1),
relays AS (SELECT DISTINCT m FROM _stack_paths),
deg AS (SELECT acct, count(*) AS n FROM (
          SELECT from_account AS acct FROM transactions WHERE from_account IN (SELECT m FROM relays)
          UNION ALL SELECT to_account AS acct FROM transactions WHERE to_account IN (SELECT m FROM relays)) x
        GROUP BY acct),
per_m AS (SELECT l.comp, l.m, count(*) AS chains, max(d.n) AS n, avg(abs(l.amt2 / l.amt1 - 1.0)) AS drift
          FROM l JOIN deg d ON d.acct = l.m GROUP BY l.comp, l.m)
SELECT comp AS group_key,
       {score_sql(f"4.0 * (1.0 - avg(drift) / {tol!r}) + 4.0 * least(2.0 * sum(chains) / sum(n), 1.0) "
                  "+ (count(*) - 1)")} AS score,
       count(*) AS layers, sum(chains) AS chains, avg(drift) AS drift, sum(n) AS relay_transfers,
       min(m) AS first_pass_through
FROM per_m GROUP BY comp
"""


STACK_MEMBERS_SQL = """
SELECT c.comp AS group_key, p.txn1 AS txn_id, 'payer' AS from_role, 'pass-through' AS to_role
FROM _stack_paths p JOIN _stack_comp c ON c.txn1 = p.txn1
UNION ALL
SELECT c.comp AS group_key, p.txn2 AS txn_id, 'pass-through' AS from_role, 'payee' AS to_role
FROM _stack_paths p JOIN _stack_comp c ON c.txn1 = p.txn1
"""


@register
class Stack:
    typology = "stack"
    description = "Layers of low-degree accounts that pass on nearly the amount they received, within days."
    # AMLworld STACK: pass-through legs 0.1-3.6 days (10th-90th pct), amounts passed on within 0.94-1.06.
    defaults: Mapping[str, Any] = {"window_days": 6, "max_intermediary_degree": 4, "min_ratio": 0.9,
                                   "max_ratio": 1.1, "min_amount": 0.0, "max_findings": 20000}

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        paths = two_leg_paths_sql(params)
        engine = case.engine
        try:
            engine.execute(f"CREATE OR REPLACE TEMP TABLE _stack_paths AS {paths}")
            # Legs sharing a transfer (A->B->C and B->C->D) are layers of one stack.
            links = [(str(a), str(b)) for a, b in engine.rows("SELECT txn1, txn2 FROM _stack_paths")]
            comp = components(links)
            firsts = sorted({a for a, _ in links})
            engine.register_arrow("_stack_comp", pa.table(
                {"txn1": firsts, "comp": [comp[t] for t in firsts]},
                schema=pa.schema([("txn1", pa.string()), ("comp", pa.string())])))
            return build_findings(case, self.typology, stack_groups_sql(params), STACK_MEMBERS_SQL,
                                  explain=_explain, params=params, limit=int(params["max_findings"]),
                                  query=f"-- pass-through legs\n{paths}\n-- legs sharing a transfer form one "
                                        f"stack (connected components)\n{stack_groups_sql(params)}")
        finally:
            engine.unregister("_stack_comp")
            engine.execute("DROP TABLE IF EXISTS _stack_paths")


def _explain(group: Group, currency: str) -> tuple[str, str]:
    m = group.metrics
    relays = group.accounts("pass-through")
    payers = [x for x in group.accounts("payer") if x not in relays]
    payees = [x for x in group.accounts("payee") if x not in relays]
    ins = [x for x in group.flows(to_role="pass-through") if x.src not in relays]
    outs = [x for x in group.flows(from_role="pass-through") if x.dst not in relays]
    title = f"Stack: {plural(len(relays), 'pass-through account')} from {short_list(payers, 2)}"
    text = (f"{money(sum(x.amount for x in ins), currency)} from {plural(len(payers), 'payer')} went through "
            f"{plural(len(relays), 'pass-through account')} ({short_list(relays)}) in {m['layers']} layer(s) and "
            f"{money(sum(x.amount for x in outs), currency)} came out to {plural(len(payees), 'payee')} within "
            f"{span_text(group.start, group.end)}; each relay passed on its amount within "
            f"{100 * float(m['drift']):.1f}% on average, and relays are {m['chains']} of the "
            f"{m['relay_transfers']} transfers of these accounts.")
    return title, text
