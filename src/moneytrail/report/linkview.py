"""What the link chart opens on: entities with their accounts folded in, the network around the key
findings first, at most ``max_initial`` nodes; the rest of the drawn scope waits behind "expand".

Works on the chart data of ``graph.build_graph`` (accounts ``a:``, holders ``e:``, ``holds`` and
``paid`` edges) and adds: each account's ``group`` (its holder, or itself), each group's ``initial``
flag and position, and the folded payment edges between groups.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx


def group_of(chart: dict[str, Any]) -> dict[str, str]:
    """{node id: the folded node it belongs to}: an account to its holder entity, others to themselves."""
    holder: dict[str, str] = {e["target"]: e["source"] for e in chart["edges"] if e["kind"] == "holds"}
    return {n["id"]: holder.get(n["id"], n["id"]) for n in chart["nodes"]}


def folded_edges(chart: dict[str, Any], groups: dict[str, str]) -> list[dict[str, Any]]:
    """Payments summed between folded nodes; payments inside one holder are kept as a self-loop count."""
    acc: dict[tuple[str, str], dict[str, Any]] = {}
    for e in chart["edges"]:
        if e["kind"] != "paid":
            continue
        s, t = groups.get(e["source"], e["source"]), groups.get(e["target"], e["target"])
        if s == t:
            continue
        row = acc.setdefault((s, t), {"id": f"f:{s}>{t}", "source": s, "target": t, "kind": "paid", "folded": True,
                                      "count": 0, "amount": 0.0, "first": e["first"], "last": e["last"]})
        row["count"] += int(e.get("count") or 0)
        row["amount"] = round(row["amount"] + float(e.get("amount") or 0), 2)
        row["first"] = min(row["first"], e["first"])
        row["last"] = max(row["last"], e["last"])
    return sorted(acc.values(), key=lambda r: -r["amount"])


def seed_priority(chart: dict[str, Any], groups: dict[str, str], key_ids: list[str],
                  route_accounts: list[str]) -> dict[str, float]:
    """{folded node: priority}: nodes the key findings rest on by the finding's rank, the route first."""
    rank = {fid: i for i, fid in enumerate(key_ids)}
    prio: dict[str, float] = {}
    for acct in route_accounts:
        g = groups.get(f"a:{acct}")
        if g:
            prio[g] = -1.0
    for n in chart["nodes"]:
        best = min((rank[f["finding_id"]] for f in n.get("findings", []) if f["finding_id"] in rank), default=None)
        if best is not None:
            g = groups[n["id"]]
            prio[g] = min(prio.get(g, float(best)), float(best))
    return prio


def choose_initial(folded: list[str], edges: list[dict[str, Any]], prio: dict[str, float],
                   max_initial: int) -> list[str]:
    """Seeds by priority, then their heaviest neighbours, until ``max_initial`` nodes."""
    chosen = [n for n in sorted(prio, key=lambda n: (prio[n], n))][:max_initial]
    if not chosen:  # nothing flagged: start from the heaviest flows
        chosen = []
    seen = set(chosen)
    for e in edges:  # heaviest first
        if len(chosen) >= max_initial:
            break
        if e["source"] in seen or e["target"] in seen or not seen:
            for n in (e["source"], e["target"]):
                if n not in seen and len(chosen) < max_initial:
                    seen.add(n)
                    chosen.append(n)
    for n in folded:
        if len(chosen) >= min(max_initial, len(folded)):
            break
        if n not in seen:
            seen.add(n)
            chosen.append(n)
    return chosen


def folded_layout(nodes: list[str], edges: list[dict[str, Any]], initial: list[str],
                  size: float = 1000.0) -> dict[str, tuple[float, float]]:
    """The initial nodes laid out on their own (so they fill the view), the others around them."""
    if not nodes:
        return {}
    first = nx.Graph()
    first.add_nodes_from(initial)
    first.add_edges_from((e["source"], e["target"]) for e in edges if e["source"] in first and e["target"] in first)
    pos = nx.spring_layout(first, k=1.6 / max(len(initial), 1) ** 0.5, iterations=80, seed=7) if initial else {}
    whole = nx.Graph()
    whole.add_nodes_from(nodes)
    whole.add_edges_from((e["source"], e["target"]) for e in edges)
    if len(nodes) > len(initial):
        pos = nx.spring_layout(whole, pos=dict(pos) or None, fixed=list(pos) or None, iterations=40, seed=7,
                               k=1.6 / max(len(initial), 1) ** 0.5)
    return {n: (round(float(xy[0]) * size, 1), round(float(xy[1]) * size, 1)) for n, xy in pos.items()}


def link_view(chart: dict[str, Any], key_ids: list[str], route_accounts: list[str],
              max_initial: int = 60) -> dict[str, Any]:
    groups = group_of(chart)
    folded_ids = sorted(set(groups.values()))
    edges = folded_edges(chart, groups)
    prio = seed_priority(chart, groups, key_ids, route_accounts)
    initial = choose_initial(folded_ids, edges, prio, max_initial)
    pos = folded_layout(folded_ids, edges, initial)
    members: dict[str, list[str]] = defaultdict(list)
    for n in chart["nodes"]:
        if groups[n["id"]] != n["id"]:
            members[groups[n["id"]]].append(n["id"])
    by_id = {n["id"]: n for n in chart["nodes"]}
    initial_set = set(initial)
    for n in chart["nodes"]:
        n["group"] = groups[n["id"]]
        if n["id"] in pos:
            n["x"], n["y"] = pos[n["id"]]
            n["initial"] = n["id"] in initial_set
            n["members"] = sorted(members.get(n["id"], []))
            found = {f["finding_id"]: f for m in [n["id"], *n["members"]] for f in by_id[m].get("findings", [])}
            n["all_findings"] = sorted(found)
            n["flagged"] = bool(found)
    return {"folded_edges": edges, "initial": initial, "key_ids": key_ids}
