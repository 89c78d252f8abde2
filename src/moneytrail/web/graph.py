"""The graph view's data: a node's neighbours by money moved (expand on click), and the payments a
finding cites. Accounts fold into their holders unless asked not to; edges sum the payments between two
nodes and can be limited to a date and amount range."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from moneytrail.store import Case
from moneytrail.web.derived import source
from moneytrail.web.ledger import span_clauses
from moneytrail.web.names import account_labels, canonical, entity_exists, entity_labels, held_accounts, placeholders


@dataclass(frozen=True)
class EdgeFilter:
    date_from: date | None = None
    date_to: date | None = None
    min_amount: float | None = None
    max_amount: float | None = None
    fold: bool = True
    limit: int = 25  # neighbours per expansion, largest first


def parse_node(node: str) -> tuple[str, str]:
    """``entity:ID`` or ``account:KEY``; raises ValueError otherwise."""
    kind, _, ident = node.partition(":")
    if kind not in ("entity", "account") or not ident:
        raise ValueError(f"node must be entity:ID or account:KEY, not {node!r}")
    return kind, ident


def _filters(flt: EdgeFilter) -> tuple[str, list[Any]]:
    wheres, params = span_clauses("", flt.date_from, flt.date_to, flt.min_amount, flt.max_amount)
    return "".join(f" AND {w}" for w in wheres), params


def neighbours(case: Case, node: str, flt: EdgeFilter) -> dict[str, Any]:
    kind, ident = parse_node(node)
    if kind == "entity":
        ident = canonical(case, ident)
        scope = held_accounts(case, [ident])
    else:
        scope = [ident]
    marks = placeholders(scope)
    extra, params = _filters(flt)
    rows = case.engine.rows(
        "SELECT CASE WHEN direction = 'out' THEN account_key ELSE counterparty END, CASE WHEN direction = 'out' "
        "THEN counterparty ELSE account_key END, count(*), round(sum(coalesce(amount_rc, amount)), 2), "
        f"CAST(min(ts) AS VARCHAR), CAST(max(ts) AS VARCHAR) FROM {source(case, 'by_account')} t WHERE account_key "
        f"IN ({marks}) AND NOT (direction = 'in' AND counterparty IN ({marks})){extra} GROUP BY 1, 2 ORDER BY 4 DESC "
        "LIMIT 500", [*scope, *scope, *params])
    graph = _fold(case, [(str(r[0]), str(r[1]), int(r[2]), float(r[3] or 0), r[4], r[5], False) for r in rows],
                  flt.fold)
    centre = f"{kind}:{ident}" if not (kind == "account" and flt.fold) else graph["node_of"].get(ident, node)
    # keep the largest neighbours of the centre
    weight: dict[str, float] = defaultdict(float)
    for edge in graph["edges"]:
        other = edge["target"] if edge["source"] == centre else edge["source"]
        weight[other] += edge["amount"]
    keep = {centre, *sorted((n for n in weight if n != centre), key=lambda n: -weight[n])[:flt.limit]}
    edges = [e for e in graph["edges"] if e["source"] in keep and e["target"] in keep]
    nodes = [n for n in graph["nodes"] if n["id"] in keep]
    if not any(n["id"] == centre for n in nodes):
        nodes.append(_node(case, centre))
    return {"centre": centre, "nodes": nodes, "edges": edges, "more": max(0, len(weight) - flt.limit)}


def finding_graph(case: Case, finding_id: str, fold: bool = True, limit: int = 2000) -> dict[str, Any] | None:
    """The payments a finding cites, drawn between their accounts (or holders), each marked cited."""
    if case.engine.scalar("SELECT count(*) FROM findings WHERE finding_id = ?", [finding_id]) == 0:
        return None
    rows = case.engine.rows(  # a payment cited in two roles is one payment
        "SELECT from_account, to_account, count(*), sum(coalesce(amount_rc, amount)), CAST(min(ts) AS VARCHAR), "
        "CAST(max(ts) AS VARCHAR) FROM (SELECT DISTINCT txn_id, from_account, to_account, amount_rc, amount, ts "
        f"FROM {source(case, 'finding_payments')} p WHERE finding_id = ?) t GROUP BY 1, 2 ORDER BY 4 DESC LIMIT ?",
        [finding_id, limit])
    accounts = [str(r[0]) for r in case.engine.rows(
        f"SELECT ref_id FROM {source(case, 'refs_by_finding')} r WHERE finding_id = ? AND ref_kind = 'account' "
        "ORDER BY 1 LIMIT ?", [finding_id, limit])]
    graph = _fold(case, [(str(r[0]), str(r[1]), int(r[2]), float(r[3] or 0), r[4], r[5], True) for r in rows], fold,
                  extra_accounts=accounts)
    return {"finding_id": finding_id, "nodes": graph["nodes"], "edges": graph["edges"]}


def _fold(case: Case, rows: list[tuple[str, str, int, float, Any, Any, bool]], fold: bool,
          extra_accounts: list[str] | None = None) -> dict[str, Any]:
    accounts = sorted({a for r in rows for a in r[:2]} | set(extra_accounts or []))
    labels = account_labels(case, accounts)
    holders = {a: str(v["holder"]) for a, v in labels.items() if v["holder"]}
    names = {str(v["holder"]): str(v["name"]) for v in labels.values() if v["holder"] and v["name"] is not None}
    node_of = {a: (f"entity:{holders[a]}" if fold and a in holders else f"account:{a}") for a in accounts}
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    for src, dst, count, amount, first, last, cited in rows:
        key = (node_of[src], node_of[dst])
        if key[0] == key[1]:
            continue  # a holder moving money between its own accounts: not an edge once folded
        edge = edges.setdefault(key, {"id": f"{key[0]}>{key[1]}", "source": key[0], "target": key[1], "count": 0,
                                      "amount": 0.0, "first": first, "last": last, "cited": cited})
        edge["count"] += count
        edge["amount"] = round(edge["amount"] + amount, 2)
        edge["first"], edge["last"] = min(edge["first"], first), max(edge["last"], last)
    nodes: dict[str, dict[str, Any]] = {}
    for a in accounts:
        nid = node_of[a]
        holder = holders.get(a)
        if nid.startswith("entity:"):
            node = nodes.setdefault(nid, {"id": nid, "kind": "entity", "label": names.get(holder or "", holder),
                                          "accounts": []})
            node["accounts"].append(a)
        else:
            nodes[nid] = {"id": nid, "kind": "account", "account": a, "holder": holder,
                          "label": f"{names.get(holder or '', '') or 'unknown holder'} · {a}"}
    return {"nodes": list(nodes.values()), "edges": list(edges.values()), "node_of": node_of}


def _node(case: Case, node: str) -> dict[str, Any]:
    kind, ident = parse_node(node)
    if kind == "entity":
        return {"id": node, "kind": "entity", "label": entity_labels(case, [ident]).get(ident, ident), "accounts": []}
    return {"id": node, "kind": "account", "account": ident, "holder": None, "label": ident}


def node_exists(case: Case, node: str) -> bool:
    kind, ident = parse_node(node)
    if kind == "account":
        return bool(case.engine.scalar("SELECT count(*) FROM accounts WHERE account_key = ?", [ident]))
    return entity_exists(case, canonical(case, ident))
