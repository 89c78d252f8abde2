"""Stack: bipartite layers — a set of senders pays a set of middle accounts, which pay on to a further
set within days (the issue's definition and the generator's), and its thinnest form in AMLworld STACK:
chains of low-degree pass-through accounts that forward nearly what they received.

Layers: bipartite blocks (``bipartite``: receivers co-paid by shared senders, as connected components)
are linked when at least ``min_shared_layer_accounts`` receivers of one block are senders of another
that starts no earlier; linked blocks form one stack. Chains: two-leg paths through low-degree
accounts with the amount kept within ``min_ratio``..``max_ratio``; legs sharing a transfer chain up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from moneytrail.detect.base import (
    Group,
    build_findings,
    components,
    money,
    plural,
    short_list,
    small_components,
    span_text,
    uses_edges,
)
from moneytrail.detect.bipartite import copaid_sql, qualified_pairs_sql
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
    description = ("Linked bipartite layers (senders -> middle accounts -> receivers), or chains of low-degree "
                   "accounts passing on nearly what they received, within days.")
    # AMLworld STACK: pass-through legs 0.1-3.6 days (10th-90th pct), amounts passed on within 0.94-1.06.
    defaults: Mapping[str, Any] = {"window_days": 6, "max_intermediary_degree": 4, "min_ratio": 0.9,
                                   "max_ratio": 1.1, "min_amount": 0.0, "max_sender_degree": 20,
                                   "max_block_receivers": 40, "max_stack_blocks": 6, "min_shared_senders": 2,
                                   "min_shared_layer_accounts": 2, "max_findings": 20000}

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        return _layers(case, self.typology, params) + _chains(case, self.typology, params)


def _chains(case: Case, typology: str, params: Mapping[str, Any]) -> list[Finding]:
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
        return build_findings(case, typology, stack_groups_sql(params), STACK_MEMBERS_SQL,
                              explain=_explain, params=params, limit=int(params["max_findings"]),
                              query=f"-- pass-through legs\n{paths}\n-- legs sharing a transfer form one "
                                    f"stack (connected components)\n{stack_groups_sql(params)}")
    finally:
        engine.unregister("_stack_comp")
        engine.execute("DROP TABLE IF EXISTS _stack_paths")


LAYER_LINKS_SQL = """
SELECT a.comp AS lower, b.comp AS upper
FROM (SELECT comp, dst, min(ts) AS t0 FROM _stk_block GROUP BY comp, dst) a
JOIN (SELECT comp, src, min(ts) AS t0 FROM _stk_block GROUP BY comp, src) b ON b.src = a.dst AND b.comp <> a.comp
WHERE b.t0 >= a.t0
GROUP BY a.comp, b.comp HAVING count(*) >= {shared}
"""

LAYER_GROUPS_SQL = f"""
-- More linked layers is stronger; a sprawling component (a marketplace, a payroll hub) is weaker.
SELECT s.stack AS group_key,
       {score_sql('3.0 * count(DISTINCT b.comp) + 2.5 - ln(count(DISTINCT b.src) + count(DISTINCT b.dst))')}
       AS score,
       count(DISTINCT b.comp) AS blocks, count(DISTINCT b.src) AS payers, count(DISTINCT b.dst) AS payees
FROM _stk_block b JOIN _stk_stack s ON s.comp = b.comp GROUP BY s.stack
"""

LAYER_MEMBERS_SQL = """
SELECT s.stack AS group_key, b.txn_id, 'payer' AS from_role, 'payee' AS to_role
FROM _stk_block b JOIN _stk_stack s ON s.comp = b.comp
"""


def _layers(case: Case, typology: str, params: Mapping[str, Any]) -> list[Finding]:
    bp = {"window_days": params["window_days"], "min_amount": params["min_amount"],
          "max_sender_degree": params["max_sender_degree"], "min_shared_senders": params["min_shared_senders"]}
    engine = case.engine
    try:
        engine.execute(f"CREATE OR REPLACE TEMP TABLE _stk_pairs AS {copaid_sql(bp)}")
        qualified = [(str(a), str(b)) for a, b in engine.rows(qualified_pairs_sql(bp, "_stk_pairs"))]
        block = small_components(qualified, int(params["max_block_receivers"]))
        pairs = [(a, b) for a, b in qualified if a in block]
        engine.register_arrow("_stk_comp", pa.table(
            {"r1": [a for a, _ in pairs], "r2": [b for _, b in pairs], "comp": [block[a] for a, _ in pairs]},
            schema=pa.schema([("r1", pa.string()), ("r2", pa.string()), ("comp", pa.string())])))
        engine.execute(
            "CREATE OR REPLACE TEMP TABLE _stk_block AS SELECT DISTINCT c.comp, p.txn1 AS txn_id, p.s AS src, "
            "p.r1 AS dst, t.ts FROM _stk_pairs p JOIN _stk_comp c ON c.r1 = p.r1 AND c.r2 = p.r2 "
            "JOIN transactions t ON t.txn_id = p.txn1 UNION SELECT DISTINCT c.comp, p.txn2, p.s, p.r2, t.ts "
            "FROM _stk_pairs p JOIN _stk_comp c ON c.r1 = p.r1 AND c.r2 = p.r2 "
            "JOIN transactions t ON t.txn_id = p.txn2")
        links_sql = LAYER_LINKS_SQL.format(shared=int(params["min_shared_layer_accounts"]))
        links = [(str(a), str(b)) for a, b in engine.rows(links_sql)]
        stack = small_components(links, int(params["max_stack_blocks"]))
        engine.register_arrow("_stk_stack", pa.table(
            {"comp": sorted(stack), "stack": ["L:" + stack[c] for c in sorted(stack)]},
            schema=pa.schema([("comp", pa.string()), ("stack", pa.string())])))
        return build_findings(case, typology, LAYER_GROUPS_SQL, LAYER_MEMBERS_SQL, explain=_explain_layers,
                              params=params, limit=int(params["max_findings"]),
                              query=f"-- co-paid receivers\n{copaid_sql(bp)}\n-- blocks: components of qualified "
                                    f"pairs; layers linked when\n{links_sql}\n{LAYER_GROUPS_SQL}")
    finally:
        for name in ("_stk_comp", "_stk_stack"):
            engine.unregister(name)
        for name in ("_stk_pairs", "_stk_block"):
            engine.execute(f"DROP TABLE IF EXISTS {name}")


def _explain_layers(group: Group, currency: str) -> tuple[str, str]:
    payers, payees = set(group.accounts("payer")), set(group.accounts("payee"))
    middle = sorted(payers & payees)
    first, last = sorted(payers - payees), sorted(payees - payers)
    blocks = int(group.metrics["blocks"])
    title = f"Stack: {len(first)} -> {len(middle)} -> {len(last)} accounts in {blocks} bipartite layers"
    text = (f"{plural(len(first), 'sender')} ({short_list(first)}) paid {plural(len(middle), 'middle account')} "
            f"({short_list(middle)}), which paid on to {plural(len(last), 'account')} ({short_list(last)}): "
            f"{blocks} linked bipartite layers, {plural(len(group.members), 'transfer')} and "
            f"{money(sum(m.amount for m in group.members), currency)} within {span_text(group.start, group.end)}.")
    return title, text


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
