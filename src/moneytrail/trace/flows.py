"""From units of taint to what an analyst reads: flows, sinks, intermediaries, routes, Sankey."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from moneytrail.model.admiralty import Grade
from moneytrail.trace.ledger import DUST, Allocation
from moneytrail.trace.result import AccountTotal, Flow, Hop

# Work budget for enumerating paths: flows split at every mixing account, so cap the walk.
_PATH_STEPS = 400_000


@dataclass(frozen=True)
class Events:
    """The sub-graph as plain lists, oriented src -> dst in the trace's direction."""

    txn_id: Sequence[str]
    source_id: Sequence[str]
    origin_line: Sequence[int]
    ts: Sequence[datetime]
    src: Sequence[str]
    dst: Sequence[str]
    amount: Sequence[float]
    grade: Sequence[Grade]
    backward: bool

    def key(self, e: int) -> str:
        return f"{self.source_id[e]}/{self.txn_id[e]}/{self.origin_line[e]}"


@dataclass(frozen=True)
class AccountInfo:
    entity_id: str | None
    label: str
    country: str | None


def edge_taint(alloc: Allocation, n_edges: int) -> list[float]:
    totals = [0.0] * n_edges
    for edge, amount in zip(alloc.edge, alloc.amount, strict=True):
        totals[edge] += amount
    return totals


def stopped_at(alloc: Allocation, ev: Events, seeds: frozenset[str], targets: frozenset[str]) -> list[float]:
    """Per unit, the taint that stopped at its receiver and counts as arrived: not back at a seed,
    and at a target when targets were given."""
    out = []
    for unit, kept in enumerate(alloc.retained):
        account = ev.dst[alloc.edge[unit]]
        counts = account not in seeds and (not targets or account in targets)
        out.append(kept if counts and kept > DUST else 0.0)
    return out


def totals_by_account(amounts: dict[str, float], info: dict[str, AccountInfo], limit: int) -> list[AccountTotal]:
    ranked = sorted(amounts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [AccountTotal(acc, info[acc].entity_id if acc in info else None,
                         info[acc].label if acc in info else acc, info[acc].country if acc in info else None,
                         amount) for acc, amount in ranked if amount > DUST]


def sinks(alloc: Allocation, ev: Events, arrived: list[float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for unit, amount in enumerate(arrived):
        if amount > 0:
            account = ev.dst[alloc.edge[unit]]
            out[account] = out.get(account, 0.0) + amount
    return out


def throughput(alloc: Allocation, ev: Events, seeds: frozenset[str]) -> dict[str, float]:
    """Taint each non-seed account passed on."""
    out: dict[str, float] = {}
    for unit, edge in enumerate(alloc.edge):
        account = ev.src[edge]
        if account not in seeds and alloc.depth[unit] > 1:
            out[account] = out.get(account, 0.0) + alloc.amount[unit]
    return out


def hop_counts(alloc: Allocation, arrived: list[float]) -> dict[int, float]:
    out: dict[int, float] = {}
    for unit, amount in enumerate(arrived):
        if amount > 0:
            out[alloc.depth[unit]] = out.get(alloc.depth[unit], 0.0) + amount
    return out


def enumerate_flows(alloc: Allocation, ev: Events, arrived: list[float], taint: list[float],
                    info: dict[str, AccountInfo], *, floor: float, limit: int) -> list[Flow]:
    """The largest paths, walked back from where taint stopped, splitting each unit's amount over
    the units it was paid out of in proportion to what each contributed."""
    best: list[tuple[float, int, tuple[int, ...]]] = []
    steps = 0
    counter = 0
    terminals = sorted(((a, u) for u, a in enumerate(arrived) if a >= floor), reverse=True)
    for amount, unit in terminals:
        stack: list[tuple[int, float, tuple[int, ...]]] = [(unit, amount, (unit,))]
        while stack and steps < _PATH_STEPS:
            steps += 1
            cur, flow, chain = stack.pop()
            parents = alloc.parents[cur]
            if not parents:
                counter += 1
                item = (flow, counter, chain)
                if len(best) < limit:
                    heapq.heappush(best, item)
                elif flow > best[0][0]:
                    heapq.heapreplace(best, item)
                continue
            whole = alloc.amount[cur]
            for parent, part in parents:
                share = flow * part / whole
                if share >= floor:
                    stack.append((parent, share, (*chain, parent)))
    flows = [_flow(alloc, ev, chain, flow, taint, info) for flow, _, chain in sorted(best, reverse=True)]
    return flows


def _flow(alloc: Allocation, ev: Events, chain: tuple[int, ...], amount: float, taint: list[float],
          info: dict[str, AccountInfo]) -> Flow:
    # chain runs from where taint stopped back to the seed; money moved seed -> stop forward,
    # and stop -> seed when tracing backward (the oriented graph is reversed then).
    units = chain if ev.backward else tuple(reversed(chain))
    hops = []
    for unit in units:
        e = alloc.edge[unit]
        real_from, real_to = (ev.dst[e], ev.src[e]) if ev.backward else (ev.src[e], ev.dst[e])
        hops.append(Hop(ev.txn_id[e], ev.source_id[e], int(ev.origin_line[e]), ev.ts[e], real_from, real_to,
                        float(ev.amount[e]), taint[e], ev.grade[e]))
    accounts = [hops[0].from_account] + [h.to_account for h in hops]
    countries: list[str] = []
    for acc in accounts:
        country = (info[acc].country if acc in info else None) or "??"
        if not countries or countries[-1] != country:
            countries.append(country)
    return Flow(tuple(hops), amount, tuple(countries))


def routes(flows: list[Flow]) -> list[dict[str, object]]:
    by_route: dict[tuple[str, ...], list[float]] = {}
    for flow in flows:
        entry = by_route.setdefault(flow.countries, [0.0, 0.0])
        entry[0] += flow.amount
        entry[1] += 1
    return [{"countries": list(k), "amount": v[0], "flows": int(v[1])}
            for k, v in sorted(by_route.items(), key=lambda kv: (-kv[1][0], kv[0]))]


def sankey(ev: Events, taint: list[float], info: dict[str, AccountInfo]) -> list[dict[str, object]]:
    """Tainted amounts between holders (accounts where no holder is known), in money direction.
    Payments between two accounts of one holder are left out: a Sankey cannot draw a loop."""
    edges: dict[tuple[str, str], float] = {}
    labels: dict[str, str] = {}
    for e, amount in enumerate(taint):
        if amount <= DUST:
            continue
        real_from, real_to = (ev.dst[e], ev.src[e]) if ev.backward else (ev.src[e], ev.dst[e])
        nodes = []
        for acc in (real_from, real_to):
            known = info.get(acc)
            node = known.entity_id if known and known.entity_id else acc
            labels[node] = known.label if known else acc
            nodes.append(node)
        if nodes[0] != nodes[1]:
            key = (nodes[0], nodes[1])
            edges[key] = edges.get(key, 0.0) + amount
    return [{"source": s, "target": t, "amount": a, "source_label": labels[s], "target_label": labels[t]}
            for (s, t), a in sorted(edges.items(), key=lambda kv: (-kv[1], kv[0]))]
