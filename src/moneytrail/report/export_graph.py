"""GEXF and GraphML for Gephi: accounts and holder entities as nodes, transactions aggregated per
(payer account, payee account) as edges, holdings as edges from entity to account."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from moneytrail.store import Case
from moneytrail.store.entities import account_holders_sql, entity_names_sql

FORMATS = ("gexf", "graphml")


def aggregated_edges_sql() -> str:
    return (
        "SELECT from_account, to_account, count(*) AS n, sum(coalesce(amount_rc, amount)) AS total, "
        "CAST(min(ts) AS VARCHAR) AS first_ts, CAST(max(ts) AS VARCHAR) AS last_ts FROM transactions "
        "GROUP BY from_account, to_account ORDER BY from_account, to_account"
    )


def graph_accounts_sql() -> str:
    """Every account: from the accounts table, plus keys seen only in transactions."""
    return (
        "SELECT k.account_key, a.bank_id, a.country, a.currency, h.entity_id FROM ("
        "SELECT account_key FROM accounts UNION SELECT from_account FROM transactions "
        "UNION SELECT to_account FROM transactions) k LEFT JOIN accounts a ON a.account_key = k.account_key "
        f"LEFT JOIN ({account_holders_sql()}) h ON h.account_key = k.account_key ORDER BY k.account_key"
    )


def holder_names_sql() -> str:
    return (f"SELECT h.entity_id, min(n.schema), min(n.name) FROM ({account_holders_sql()}) h "
            f"LEFT JOIN ({entity_names_sql()}) n ON n.entity_id = h.entity_id AND n.prop = 'name' "
            "GROUP BY h.entity_id ORDER BY h.entity_id")


def case_graph(case: Case) -> nx.DiGraph:
    """The case as a directed graph; node ids are ``account:KEY`` and ``entity:ID``."""
    g = nx.DiGraph()
    e = case.engine
    for entity_id, schema, name in e.rows(holder_names_sql()):
        g.add_node(f"entity:{entity_id}", kind="entity", label=str(name or entity_id), schema=str(schema or ""))
    for key, bank, country, currency, holder in e.rows(graph_accounts_sql()):
        g.add_node(f"account:{key}", kind="account", label=str(key), bank=str(bank or ""),
                   country=str(country or ""), currency=str(currency or ""))
        if holder is not None:
            g.add_edge(f"entity:{holder}", f"account:{key}", kind="holds", count=0, amount=0.0)
    # Aggregated per account pair in SQL; the loop runs over pairs, one per edge of the export.
    for batch in e.batches(aggregated_edges_sql()):
        cols = batch.to_pydict()
        for src, dst, n, total, first, last in zip(cols["from_account"], cols["to_account"], cols["n"],
                                                   cols["total"], cols["first_ts"], cols["last_ts"], strict=True):
            g.add_edge(f"account:{src}", f"account:{dst}", kind="paid", count=int(n), amount=float(total or 0),
                       first=str(first), last=str(last))
    return g


def export_graph(case: Case, out: Path, fmt: str) -> dict[str, int]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown graph format {fmt!r}; use one of {', '.join(FORMATS)}")
    g = case_graph(case)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "gexf":
        nx.write_gexf(g, out)
    else:
        nx.write_graphml(g, out)
    return {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()}
