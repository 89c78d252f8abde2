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
    """{folded node: priority}: the story's accounts (origin, route, main recipients) first, then nodes
    the key findings rest on by the finding's rank."""
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
                   max_initial: int, max_extra: int = 15) -> list[str]:
    """Seeds by priority and, within one priority, by the money through them; then their heaviest
    neighbours, until ``max_initial`` nodes."""
    through: dict[str, float] = defaultdict(float)
    for e in edges:
        through[e["source"]] += float(e["amount"])
        through[e["target"]] += float(e["amount"])
    chosen = sorted(prio, key=lambda n: (prio[n], -through[n], n))[:max_initial]
    # A few of the heaviest neighbours give context; more would bury the story (they are one "expand" away).
    max_initial = min(max_initial, len(chosen) + max_extra) if chosen else max_initial
    seen = set(chosen)
    for e in edges:  # heaviest first; with no seeds, the heaviest flows start the view
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
    """The initial nodes laid out on their own so they fill the view: the largest connected part by a
    roomy spring layout, smaller parts in a row beneath; the nodes behind
    "expand" are placed around them by a spring layout with the initial ones held fixed. The browser
    spreads the drawn nodes a little further (cose from these positions) so labels do not collide."""
    if not nodes:
        return {}
    first = nx.Graph()
    first.add_nodes_from(initial)
    first.add_edges_from((e["source"], e["target"]) for e in edges if e["source"] in first and e["target"] in first)
    pos: dict[str, tuple[float, float]] = {}
    parts = sorted(nx.connected_components(first), key=lambda c: (-len(c), min(c))) if initial else []
    if parts:
        main = first.subgraph(parts[0])
        # Kamada-Kawai reads better but costs seconds (scipy); a roomy spring layout is milliseconds.
        laid = (nx.spring_layout(main, k=3.0 / max(len(parts[0]), 1) ** 0.5, iterations=200, seed=7)
                if len(parts[0]) > 2 else nx.circular_layout(main))
        pos.update({n: (float(xy[0]), float(xy[1])) for n, xy in laid.items()})
        rest = sorted(n for c in parts[1:] for n in sorted(c))
        per_row = max(6, int(len(rest) ** 0.5) + 1)
        for i, n in enumerate(rest):  # small parts and loners, in rows under the main part
            pos[n] = (-1.0 + 2.0 * (i % per_row) / max(per_row - 1, 1), 1.25 + 0.18 * (i // per_row))
    if len(nodes) > len(initial):
        whole = nx.Graph()
        whole.add_nodes_from(nodes)
        whole.add_edges_from((e["source"], e["target"]) for e in edges)
        spread = nx.spring_layout(whole, pos=dict(pos) or None, fixed=list(pos) or None, iterations=30, seed=7,
                                  k=1.5 / max(len(initial), 1) ** 0.5)
        pos = {n: (float(xy[0]), float(xy[1])) for n, xy in spread.items()}
    return {n: (round(x * size, 1), round(y * size, 1)) for n, (x, y) in pos.items()}


def link_view(chart: dict[str, Any], key_ids: list[str], route_accounts: list[str],
              max_initial: int = 60) -> dict[str, Any]:
    """``key_ids``: findings whose nodes seed the view, in rank order; ``route_accounts``: the story's
    accounts (origin, intermediaries, main recipients), drawn first."""
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
