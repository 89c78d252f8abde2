"""Front company: a trader in high-value goods (gems, precious metals) whose money does not look
like trade — it comes in from a state body and goes out abroad to money brokers, in round sums, with
no payments to goods suppliers. Who trades what is read from the FtM statements of account holders
(name, sector, classification, description, ... keywords), under resolved entity ids."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import (
    Group,
    build_findings,
    edges_sql,
    money,
    plural,
    quote,
    short_list,
    span_text,
    uses_edges,
)
from moneytrail.detect.registry import register
from moneytrail.detect.scoring import score_sql
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store import Case
from moneytrail.store.entities import account_holders_sql

TEXT_PROPS = ("name", "alias", "sector", "classification", "description", "summary", "keywords", "notes")
STATE_SCHEMAS = ("PublicBody", "Organization")


def keyword_entities_sql(keywords: str) -> str:
    """(entity_id, statement_id, value): statements of an entity matching any comma-separated keyword."""
    words = [w.strip().lower() for w in keywords.split(",") if w.strip()]
    if not words:
        raise ValueError("front-company: a keyword list is empty")
    match = " OR ".join(f"lower(s.value) LIKE {quote('%' + w + '%')}" for w in words)
    props = ", ".join(quote(p) for p in TEXT_PROPS)
    return (f"SELECT coalesce(c.canonical_id, s.entity_id) AS entity_id, s.statement_id, s.value "
            f"FROM statements s LEFT JOIN entity_canonical c ON c.entity_id = s.entity_id "
            f"WHERE s.prop IN ({props}) AND ({match})")


def front_sets_sql(params: Mapping[str, Any], broker: str = "broker") -> dict[str, str]:
    """The account sets the flows start from (name -> query): money brokers, goods traders (``broker``
    names the brokers' set: a broker is not a goods trader) and state bodies. Each is small."""
    state_schemas = ", ".join(quote(s) for s in STATE_SCHEMAS)
    h = f"({account_holders_sql()}) h"
    return {
        "broker": f"""SELECT DISTINCT h.account_key FROM {h}
           JOIN ({keyword_entities_sql(str(params["broker_keywords"]))}) k ON k.entity_id = h.entity_id""",
        # "Golden Oasis Exchange" is a broker, not a gold trader.
        "goods": f"""SELECT DISTINCT h.account_key, h.entity_id FROM {h}
          JOIN ({keyword_entities_sql(str(params["goods_keywords"]))}) k ON k.entity_id = h.entity_id
          WHERE h.account_key NOT IN (SELECT account_key FROM {broker})""",
        "state": f"""SELECT DISTINCT h.account_key FROM {h} WHERE h.entity_id IN
          (SELECT coalesce(c.canonical_id, s.entity_id) FROM statements s
           LEFT JOIN entity_canonical c ON c.entity_id = s.entity_id WHERE s.schema IN ({state_schemas})
           UNION SELECT entity_id FROM ({keyword_entities_sql(str(params["state_keywords"]))}) k)""",
    }


def front_members_sql(params: Mapping[str, Any], sets: Mapping[str, str] | None = None) -> str:
    """Flows of goods traders: in from state bodies, out to money brokers in another country. ``sets``
    names tables already holding ``front_sets_sql``'s sets (``broker``, ``goods``, ``state``); without,
    they are computed inline. Materialised first, they are small enough for a distributed engine to
    broadcast, so the edges are not shuffled to meet them (Spark, 500k transfers: 93 MB)."""
    defs = {name: f"SELECT * FROM {table}" for name, table in sets.items()} if sets else front_sets_sql(params)
    ctes = ",\n".join(f"{name} AS ({defs[name]})" for name in ("broker", "goods", "state"))
    return f"""
WITH {ctes},
e AS ({edges_sql(float(params["min_amount"]))}),
to_broker AS (SELECT g.account_key, e.txn_id, e.dst, e.ts, e.d, e.amt
              FROM goods g JOIN e ON e.src = g.account_key JOIN broker b ON b.account_key = e.dst
              JOIN accounts fa ON fa.account_key = g.account_key JOIN accounts ba ON ba.account_key = e.dst
              WHERE coalesce(ba.country, '') <> coalesce(fa.country, ''))
SELECT g.account_key AS group_key, e.txn_id, 'state-body' AS from_role, 'front' AS to_role, e.amt
FROM goods g JOIN e ON e.dst = g.account_key JOIN state s ON s.account_key = e.src
UNION ALL
SELECT account_key AS group_key, txn_id, 'front' AS from_role, 'broker' AS to_role, amt FROM to_broker
UNION ALL
-- Follow the money one hop on: a broker passing a similar amount to another broker within the window.
SELECT DISTINCT t.account_key AS group_key, e.txn_id, 'broker' AS from_role, 'onward-broker' AS to_role, e.amt
FROM to_broker t JOIN e ON e.src = t.dst AND e.d BETWEEN t.d AND t.d + {int(params["onward_days"])}
JOIN broker b ON b.account_key = e.dst
WHERE e.ts >= t.ts AND e.amt >= 0.5 * t.amt AND e.amt <= 1.5 * t.amt AND e.dst <> t.account_key
UNION ALL
SELECT g.account_key AS group_key, e.txn_id, 'front' AS from_role, 'supplier' AS to_role, e.amt
FROM goods g JOIN e ON e.src = g.account_key JOIN goods sup ON sup.account_key = e.dst
"""


def front_groups_sql(params: Mapping[str, Any], members: str) -> str:
    """Signals per goods-trader account: state money in, brokers abroad out, the two of similar size,
    round sums, brokers passing it on; payments to other goods traders (suppliers) count against it."""
    unit = float(params["round_unit"])
    return f"""
SELECT group_key,
       {score_sql("3.0 * signals + 2.0 * round_share + 2.0 * relayed + 2.0 * onward - 4.0 * supplier_share")}
       AS score,
       group_key AS front, n_state, n_broker, n_supplier, n_onward, amount_state, amount_broker, round_share,
       signals, relayed
FROM (SELECT *, CASE WHEN n_onward > 0 THEN 1.0 ELSE 0.0 END AS onward,
             CASE WHEN amount_state > 0 AND amount_broker BETWEEN 0.5 * amount_state AND 1.5 * amount_state
                     THEN 1.0 ELSE 0.0 END AS relayed FROM (SELECT group_key,
             sum(CASE WHEN from_role = 'state-body' THEN 1 ELSE 0 END) AS n_state,
             sum(CASE WHEN to_role = 'broker' THEN 1 ELSE 0 END) AS n_broker,
             sum(CASE WHEN to_role = 'supplier' THEN 1 ELSE 0 END) AS n_supplier,
             sum(CASE WHEN to_role = 'onward-broker' THEN 1 ELSE 0 END) AS n_onward,
             sum(CASE WHEN from_role = 'state-body' THEN amt ELSE 0 END) AS amount_state,
             sum(CASE WHEN to_role = 'broker' THEN amt ELSE 0 END) AS amount_broker,
             avg(CASE WHEN to_role IN ('front', 'broker') AND amt = floor(amt / {unit!r}) * {unit!r} THEN 1.0
                      WHEN to_role IN ('front', 'broker') THEN 0.0 END) AS round_share,
             sum(CASE WHEN to_role = 'supplier' THEN amt ELSE 0 END)
               / greatest(sum(CASE WHEN to_role = 'broker' THEN amt ELSE 0 END), 1.0) AS supplier_share,
             (CASE WHEN sum(CASE WHEN from_role = 'state-body' THEN 1 ELSE 0 END) > 0 THEN 1 ELSE 0 END)
             + (CASE WHEN sum(CASE WHEN to_role = 'broker' THEN 1 ELSE 0 END) > 0 THEN 1 ELSE 0 END) AS signals
      FROM {members} GROUP BY group_key) x) y
WHERE signals >= {int(params["min_signals"])}
"""


@register
class FrontCompany:
    typology = "front-company"
    description = "A high-value goods trader paid by a state body and paying money brokers abroad, not suppliers."
    defaults: Mapping[str, Any] = {
        "goods_keywords": "gem,gold,diamond,jewel,precious,bullion,silver,platinum,emerald,ruby,sapphire,"
                          "gemstone,mining,mineral",
        "state_keywords": "ministry,government,state-owned,state agency,municipal,authority,public body",
        # Also doviz (Turkish), intiqol (Tajik), sarraf (Arabic/Persian money changer), obmen (Russian).
        "broker_keywords": "exchange,broker,hawala,remittance,money transfer,money service,currency,doviz,döviz,"
                           "intiqol,sarraf,obmen,обмен,صراف,حوالة",
        "min_signals": 2, "round_unit": 1000.0, "onward_days": 10, "min_amount": 0.0, "max_findings": 5000,
    }

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        members = front_members_sql(params)
        with case.engine.run() as run:
            broker = run.materialise(front_sets_sql(params)["broker"], hint="front_broker").name
            defs = front_sets_sql(params, broker)  # goods traders are read against the stored brokers
            sets = {"broker": broker} | {name: run.materialise(defs[name], hint=f"front_{name}").name
                                         for name in ("goods", "state")}
            if not case.engine.scalar(f"SELECT count(*) FROM {sets['goods']}"):
                return []  # every flow starts or ends at a goods trader
            table = run.materialise(front_members_sql(params, sets), hint="front_members").name
            findings = build_findings(
                case, self.typology, front_groups_sql(params, table),
                f"SELECT group_key, txn_id, from_role, to_role FROM {table}",
                explain=_explainer(case, params), params=params, limit=int(params["max_findings"]),
                query=f"-- flows of goods traders\n{members}\n-- signals\n{front_groups_sql(params, table)}")
        return _cite_holders(case, findings, params)


def _holder(case: Case, account: str) -> tuple[str | None, str | None]:
    rows = case.engine.rows(
        f"SELECT h.entity_id, (SELECT min(value) FROM statements s WHERE s.entity_id = h.entity_id AND "
        f"s.prop = 'name') FROM ({account_holders_sql()}) h WHERE h.account_key = ? LIMIT 1", [account])
    return (str(rows[0][0]), None if rows[0][1] is None else str(rows[0][1])) if rows else (None, None)


def _explainer(case: Case, params: Mapping[str, Any]) -> Any:
    def explain(group: Group, currency: str) -> tuple[str, str]:
        m = group.metrics
        front = str(m["front"])
        _, name = _holder(case, front)
        who = f"{name} (account {front})" if name else f"account {front}"
        ins, outs = group.flows(from_role="state-body"), group.flows(to_role="broker")
        parts = []
        if ins:
            parts.append(f"received {money(sum(x.amount for x in ins), currency)} from "
                         f"{plural(len(group.accounts('state-body')), 'state body account')} in "
                         f"{plural(len(ins), 'transfer')}")
        if outs:
            parts.append(f"paid {money(sum(x.amount for x in outs), currency)} to "
                         f"{plural(len(group.accounts('broker')), 'money broker')} abroad "
                         f"({short_list(group.accounts('broker'))}) in {plural(len(outs), 'transfer')}")
        onward = group.flows(to_role="onward-broker")
        suppliers = group.flows(to_role="supplier")
        text = (f"{who}, a trader in high-value goods, {' and '.join(parts)} over "
                f"{span_text(group.start, group.end)}; {100 * float(m['round_share'] or 0):.0f}% of these are round "
                f"sums of {float(params['round_unit']):,.0f}; "
                + (f"it paid other goods traders only {money(sum(x.amount for x in suppliers), currency)}."
                   if suppliers else "no payments to goods suppliers were seen.")
                + (f" The brokers passed {money(sum(x.amount for x in onward), currency)} on to "
                   f"{short_list(group.accounts('onward-broker'))} within {params['onward_days']} days of receiving it."
                   if onward else ""))
        return f"Front-company signals at {who}", text
    return explain


def _cite_holders(case: Case, findings: list[Finding], params: Mapping[str, Any]) -> list[Finding]:
    """The findings citing also the front's holder entity and the statements that make it a goods trader."""
    result = []
    for f in findings:
        front = str(f.details["metrics"]["front"])
        entity, _ = _holder(case, front)
        if entity is None:
            result.append(f)
            continue
        extra = [FindingRef("entity", entity, "front")]
        extra += [FindingRef("statement", str(statement_id), "goods-trade") for (statement_id,) in case.engine.rows(
            f"SELECT statement_id FROM ({keyword_entities_sql(str(params['goods_keywords']))}) k "
            "WHERE k.entity_id = ?", [entity])]
        result.append(dataclasses.replace(f, refs=[*f.refs, *extra]))
    return result
