"""The link chart: accounts and their holders, money flows between the chosen accounts, with the
details and sources shown when a node is clicked, and the nodes that findings rest on flagged."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx
import pyarrow as pa

from moneytrail.store import Case
from moneytrail.store.entities import account_holders_sql, entity_names_sql

_MAX_PROPS = 30


def scoped_edges_sql(scope_table: str, limit: int) -> str:
    """Aggregated flows with both ends inside the scope."""
    return (
        "SELECT from_account, to_account, count(*) AS n, sum(coalesce(amount_rc, amount)) AS total, "
        "min(ts) AS first_ts, max(ts) AS last_ts FROM transactions "
        f"WHERE from_account IN (SELECT account_key FROM {scope_table}) "
        f"AND to_account IN (SELECT account_key FROM {scope_table}) "
        f"GROUP BY from_account, to_account ORDER BY total DESC, from_account, to_account LIMIT {int(limit)}"
    )


def account_sources_sql(scope_table: str) -> str:
    """Which sources each scoped account's records come from, and how many transactions each."""
    return (
        "SELECT account_key, source_id, sum(n) AS n FROM ("
        f"SELECT from_account AS account_key, source_id, count(*) AS n FROM transactions "
        f"WHERE from_account IN (SELECT account_key FROM {scope_table}) GROUP BY 1, 2 "
        f"UNION ALL SELECT to_account, source_id, count(*) FROM transactions "
        f"WHERE to_account IN (SELECT account_key FROM {scope_table}) GROUP BY 1, 2 "
        f"UNION ALL SELECT account_key, source_id, 0 FROM accounts "
        f"WHERE source_id IS NOT NULL AND account_key IN (SELECT account_key FROM {scope_table})"
        ") x GROUP BY account_key, source_id ORDER BY account_key, source_id"
    )


def account_facts_sql(scope_table: str) -> str:
    return (
        "SELECT s.account_key, a.bank_id, a.account_id, a.iban, a.country, a.currency, h.entity_id "
        f"FROM {scope_table} s LEFT JOIN accounts a ON a.account_key = s.account_key "
        f"LEFT JOIN ({account_holders_sql()}) h ON h.account_key = s.account_key ORDER BY s.account_key"
    )


def entity_statements_sql(entity_table: str) -> str:
    """Statements about the scoped entities, under raw or canonical id."""
    return (
        "SELECT coalesce(c.canonical_id, st.entity_id) AS entity_id, st.schema, st.prop, st.value, st.source_id "
        "FROM statements st LEFT JOIN entity_canonical c ON c.entity_id = st.entity_id "
        f"WHERE coalesce(c.canonical_id, st.entity_id) IN (SELECT entity_id FROM {entity_table}) "
        "ORDER BY 1, 3, 4"
    )


def flagged_refs_sql(scope_table: str) -> str:
    """(node kind, node id, finding id, title): findings resting on a scoped account or entity,
    directly or through one of the account's transactions."""
    return (
        "SELECT 'account' AS node_kind, r.ref_id, f.finding_id, f.title, f.score FROM finding_refs r "
        "JOIN findings f ON f.finding_id = r.finding_id "
        f"WHERE r.ref_kind = 'account' AND r.ref_id IN (SELECT account_key FROM {scope_table}) "
        "UNION SELECT 'account', t.from_account, f.finding_id, f.title, f.score FROM finding_refs r "
        "JOIN transactions t ON t.txn_id = r.ref_id JOIN findings f ON f.finding_id = r.finding_id "
        f"WHERE r.ref_kind = 'transaction' AND t.from_account IN (SELECT account_key FROM {scope_table}) "
        "UNION SELECT 'account', t.to_account, f.finding_id, f.title, f.score FROM finding_refs r "
        "JOIN transactions t ON t.txn_id = r.ref_id JOIN findings f ON f.finding_id = r.finding_id "
        f"WHERE r.ref_kind = 'transaction' AND t.to_account IN (SELECT account_key FROM {scope_table}) "
        "UNION SELECT 'entity', r.ref_id, f.finding_id, f.title, f.score FROM finding_refs r "
        "JOIN findings f ON f.finding_id = r.finding_id WHERE r.ref_kind = 'entity'"
    )


def build_graph(case: Case, accounts: list[str], *, max_edges: int = 1500, layout: bool = True) -> dict[str, Any]:
    """Nodes (accounts, holder entities) and edges (aggregated payments, holdings) for the chart."""
    e = case.engine
    with e.run() as run:
        scope = run.arrow(pa.table({"account_key": pa.array(accounts, pa.string())}), hint="scope_accounts").name
        facts = e.rows(account_facts_sql(scope))
        flows = e.rows(scoped_edges_sql(scope, max_edges))
        acct_sources = e.rows(account_sources_sql(scope))
        flags = e.rows(flagged_refs_sql(scope))
        holders = sorted({str(r[6]) for r in facts if r[6] is not None})
        entities = run.arrow(pa.table({"entity_id": pa.array(holders, pa.string())}), hint="scope_entities").name
        statements = e.rows(entity_statements_sql(entities))

    findings_of: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for node_kind, ref_id, fid, title, score in flags:
        findings_of[(str(node_kind), str(ref_id))][str(fid)] = {"finding_id": fid, "title": title, "score": score}

    nodes: list[dict[str, Any]] = []
    srcs_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for acct, source_id, n in acct_sources:
        srcs_of[str(acct)].append({"source_id": source_id, "transactions": int(n)})
    for acct, bank_id, account_id, iban, country, currency, holder in facts:
        key = str(acct)
        found = sorted(findings_of.get(("account", key), {}).values(), key=lambda f: -float(f["score"]))
        nodes.append({
            "id": f"a:{key}", "kind": "account", "label": key, "flagged": bool(found),
            "details": {"account": key, "bank": bank_id, "account_id": account_id, "iban": iban,
                        "country": country, "currency": currency, "holder": holder},
            "sources": srcs_of.get(key, []), "findings": found[:20]})

    props: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    schema_of: dict[str, str] = {}
    ent_sources: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entity_id, schema, prop, value, source_id in statements:
        eid = str(entity_id)
        schema_of.setdefault(eid, str(schema))
        values = props[eid][str(prop)]
        if len(values) < _MAX_PROPS and value not in values:
            values.append(str(value))
        ent_sources[eid][str(source_id)] += 1
    for eid in holders:
        found = sorted(findings_of.get(("entity", eid), {}).values(), key=lambda f: -float(f["score"]))
        names = props.get(eid, {}).get("name") or []
        nodes.append({
            "id": f"e:{eid}", "kind": "entity", "label": names[0] if names else eid, "flagged": bool(found),
            "details": {"entity_id": eid, "schema": schema_of.get(eid),
                        **{p: ", ".join(v) for p, v in sorted(props.get(eid, {}).items())}},
            "sources": [{"source_id": s, "statements": n} for s, n in sorted(ent_sources.get(eid, {}).items())],
            "findings": found[:20]})

    edges: list[dict[str, Any]] = []
    for acct, _b, _a, _i, _c, _cur, holder in facts:
        if holder is not None:
            edges.append({"id": f"h:{holder}:{acct}", "source": f"e:{holder}", "target": f"a:{acct}",
                          "kind": "holds"})
    for src, dst, n, total, first_ts, last_ts in flows:
        edges.append({"id": f"p:{src}>{dst}", "source": f"a:{src}", "target": f"a:{dst}", "kind": "paid",
                      "count": int(n), "amount": round(float(total or 0), 2),
                      "first": str(first_ts), "last": str(last_ts)})
    if layout:  # the report lays out its folded view itself (linkview)
        positions = layout_positions(nodes, edges)
        for node in nodes:
            node["x"], node["y"] = positions[node["id"]]
    return {"nodes": nodes, "edges": edges, "edges_capped": len(flows) >= max_edges}


def layout_positions(nodes: list[dict[str, Any]], edges: list[dict[str, Any]],
                     size: float = 1000.0) -> dict[str, tuple[float, float]]:
    """Node positions computed here, once, so the browser only draws (a force layout of a few hundred
    nodes in JavaScript costs seconds). Seeded, so the same case gives the same picture."""
    g = nx.Graph()
    g.add_nodes_from(n["id"] for n in nodes)
    g.add_edges_from((e["source"], e["target"]) for e in edges)
    if g.number_of_nodes() == 0:
        return {}
    k = 2.0 / max(g.number_of_nodes(), 1) ** 0.5
    pos = nx.spring_layout(g, k=k, iterations=60, seed=7)
    return {n: (round(float(xy[0]) * size, 1), round(float(xy[1]) * size, 1)) for n, xy in pos.items()}


def entity_labels(case: Case, entity_ids: list[str]) -> dict[str, str]:
    """A display name per entity id (first 'name' statement), for labelling charts."""
    if not entity_ids:
        return {}
    with case.engine.run() as run:
        ids = run.arrow(pa.table({"entity_id": pa.array(entity_ids, pa.string())}), hint="label_ids").name
        rows = case.engine.rows(
            f"SELECT n.entity_id, min(n.name) FROM ({entity_names_sql()}) n "
            f"WHERE n.prop = 'name' AND n.entity_id IN (SELECT entity_id FROM {ids}) GROUP BY 1")
    return {str(r[0]): str(r[1]) for r in rows}
