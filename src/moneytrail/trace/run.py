"""``trace(case, params)``: resolve the endpoints, extract the sub-graph in SQL, replay the
ledgers, read off the flows and store the result as a finding."""

from __future__ import annotations

import time
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.engine.columns import python_values
from moneytrail.model.admiralty import Grade
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.model.iban import compact_iban, iban_country
from moneytrail.store.case import Case
from moneytrail.store.entities import account_holders_sql
from moneytrail.store.findings import write_findings
from moneytrail.trace import flows as fl
from moneytrail.trace.frontier import SubGraph, extract
from moneytrail.trace.index import ensure_index
from moneytrail.trace.ledger import LedgerInput, allocate
from moneytrail.trace.params import TraceError, TraceParams
from moneytrail.trace.result import TraceResult
from moneytrail.trace.stage import trace_stamp

ALGORITHM = (
    "Frontier expansion in SQL, one hop per step, per account (earliest/latest arrival, taint bound), "
    "inside the window and max gap; then every ledger of the reached accounts replayed in time order "
    "({method}); paths rebuilt from per-payment taint units. SQL run:\n"
)


def resolve_accounts(case: Case, ids: tuple[str, ...], role: str) -> list[str]:
    """Account keys for each id: an account key as is, an entity id as all the accounts it holds.
    Only accounts that appear in payments can be traced."""
    e = case.engine
    with e.run() as run:
        given = run.arrow(pa.table({"id": pa.array(list(ids), pa.string())}), hint="trace_ids")
        rows = e.rows(
            f"SELECT i.id, a.account FROM {given} i LEFT JOIN ("
            "SELECT account_key AS account, account_key AS id FROM trace_accounts "
            f"UNION SELECT account_key, entity_id FROM ({account_holders_sql()}) h "
            "UNION SELECT account_key, holder_entity_id FROM accounts WHERE holder_entity_id IS NOT NULL"
            ") a ON a.id = i.id")
    found = {str(r[1]) for r in rows if r[1] is not None}
    for wanted in sorted({str(r[0]) for r in rows if r[1] is None}):
        found.add(bare_account(case, wanted, role))
    return sorted(found)


def bare_account(case: Case, wanted: str, role: str) -> str:
    """The one traced account a bare IBAN or account number names (the part of ``bank:account`` after the
    colon, or an account's IBAN); else a TraceError naming the candidates or the nearest keys."""
    e = case.engine
    bare = compact_iban(wanted) or wanted.strip()
    matches = [str(r[0]) for r in e.rows(
        "SELECT DISTINCT t.account_key FROM trace_accounts t LEFT JOIN accounts a ON a.account_key = t.account_key "
        "WHERE split_part(t.account_key, ':', 2) = ? OR replace(upper(a.iban), ' ', '') = ? ORDER BY 1",
        [bare, bare.upper()])]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise TraceError(f"{role} {wanted}: ambiguous, it is the account number of {', '.join(matches[:10])}; "
                         "give the full key (bank:account)")
    nearest = [str(r[0]) for r in e.rows(
        "SELECT account_key FROM trace_accounts ORDER BY least(levenshtein(account_key, ?), "
        "levenshtein(split_part(account_key, ':', 2), ?)), account_key LIMIT 5", [wanted, bare])]
    raise TraceError(f"{role} {wanted}: no such account key (bank:account), account number, IBAN or entity id "
                     f"among the case's payments; nearest keys: {', '.join(nearest) or '(none)'}")


def _micros(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.cast(column, pa.timestamp("us")).cast(pa.int64()).to_numpy(zero_copy_only=False))


def ledger_input(sub: SubGraph, params: TraceParams, seeds: list[str], targets: list[str]
                 ) -> tuple[LedgerInput, fl.Events]:
    """Sort the sub-graph by loop time (negated epoch for a backward trace) and set opening balances."""
    ev = sub.events
    sign = -1 if params.backward else 1
    t = _micros(ev["ts"]) * sign
    # Arrow's stable sort by (time, txn_id, origin_line), nulls last: txn_ids compare as UTF-8 bytes, which is
    # code point order: a lexicographic sort on those keys without building a fixed-width unicode array.
    keys = pa.table({"t": pa.array(t), "txn_id": ev["txn_id"], "origin_line": ev["origin_line"]})
    order = pc.sort_indices(keys, sort_keys=[("t", "ascending"), ("txn_id", "ascending"),
                                             ("origin_line", "ascending")])
    ev = ev.take(order)
    t = t[order.to_numpy()]
    spans: dict[str, tuple[int, int]] = {}
    lo, hi = _micros(sub.spans["rlo"]), _micros(sub.spans["rhi"])
    for acc, a, b in zip(sub.spans["account"].to_pylist(), lo.tolist(), hi.tolist(), strict=True):
        spans[acc] = (-b, -a) if params.backward else (a, b)
    start: dict[str, float] = {}
    for acc, min_bal, pre in zip(sub.openings["account"].to_pylist(), sub.openings["min_bal"].to_pylist(),
                                 sub.openings["pre"].to_pylist(), strict=True):
        opening = max(float(params.opening_balances.get(acc, 0.0)), -float(min_bal or 0.0))
        start[acc] = opening + float(pre or 0.0)
    # One (frozen) Grade per distinct grade, shared by its payments: a sub-graph has a handful, not one per row.
    made: dict[tuple[str, int], Grade] = {}
    grades = [made.get(g) or made.setdefault(g, Grade(str(g[0]), int(g[1])))
              for g in zip(ev["rel"].to_pylist(), ev["cred"].to_pylist(), strict=True)]
    data = LedgerInput(ev["src"].to_pylist(), ev["dst"].to_pylist(), t.tolist(), ev["amt"].to_pylist(),
                       frozenset(seeds), frozenset(targets), spans, start)
    events = fl.Events(ev["txn_id"].to_pylist(), ev["source_id"].to_pylist(), ev["origin_line"].to_pylist(),
                       python_values(ev["ts"]), data.src, data.dst, data.amount, grades, params.backward)
    return data, events


def account_info(case: Case, accounts: set[str]) -> dict[str, fl.AccountInfo]:
    """Holder, a readable label and the country of each account (its own, else its IBAN's, else
    the country most of its bank's accounts are in)."""
    if not accounts:
        return {}
    e = case.engine
    with e.run() as run:
        wanted = run.arrow(pa.table({"account": pa.array(sorted(accounts), pa.string())}), hint="trace_acc")
        rows = e.rows(
            "WITH bank_country AS (SELECT bank_id, country FROM (SELECT bank_id, country, row_number() OVER "
            "(PARTITION BY bank_id ORDER BY count(*) DESC, country) AS rn FROM accounts WHERE country IS NOT NULL "
            "GROUP BY bank_id, country) x WHERE rn = 1), "
            f"holder AS (SELECT account_key, min(entity_id) AS entity_id FROM ({account_holders_sql()}) h "
            "GROUP BY account_key), "
            # A label is the FtM ``name`` property itself, so the statements are read for it alone (all of an
            # entity's name properties, ``store.entities.entity_names_sql``, need the FtM schema loaded).
            "names AS (SELECT entity_id, min(value) AS name FROM statements WHERE prop = 'name' GROUP BY entity_id) "
            "SELECT q.account, h.entity_id, n.name, coalesce(a.country, CASE WHEN length(a.iban) >= 2 "
            "AND upper(substr(a.iban, 1, 2)) BETWEEN 'AA' AND 'ZZ' THEN upper(substr(a.iban, 1, 2)) END, "
            f"bc.country) FROM {wanted} q LEFT JOIN accounts a ON a.account_key = q.account "
            "LEFT JOIN holder h ON h.account_key = q.account LEFT JOIN names n ON n.entity_id = h.entity_id "
            "LEFT JOIN bank_country bc ON bc.bank_id = coalesce(a.bank_id, split_part(q.account, ':', 1))")
    # An account known only by its key may still be an IBAN (``:DE89...``): its country is the IBAN's.
    return {str(acc): fl.AccountInfo(ent, str(name or ent or acc), country or iban_country(str(acc).split(":", 1)[-1]))
            for acc, ent, name, country in rows}


def trace(case: Case, params: TraceParams, *, store: bool = True) -> TraceResult:
    """Trace tainted money from (or, backward, to) ``params.source``; see ``TraceParams``."""
    started = time.perf_counter()
    version = case.data_version()
    ensure_index(case, version)
    seeds = resolve_accounts(case, params.source, "--from")
    targets = resolve_accounts(case, params.target, "--to") if params.target else []
    if set(seeds) & set(targets):
        raise TraceError(f"source and target share accounts: {', '.join(sorted(set(seeds) & set(targets)))}")
    sub = extract(case, params, seeds, targets)
    extracted = time.perf_counter()
    data, ev = ledger_input(sub, params, seeds, targets)
    alloc = allocate(data, params.method, gap=int(params.max_gap.total_seconds() * 1_000_000),
                     max_hops=params.max_hops, min_taint=params.min_amount)
    allocated = time.perf_counter()
    seed_set, target_set = frozenset(seeds), frozenset(targets)
    taint = fl.edge_taint(alloc, len(ev.src))
    arrived = fl.stopped_at(alloc, ev, seed_set, target_set)
    tainted_accounts = {a for e, x in enumerate(taint) if x > 0 for a in (ev.src[e], ev.dst[e])} | set(seeds)
    info = account_info(case, tainted_accounts)
    total_arrived = sum(arrived)
    floor = max(params.min_amount, total_arrived * 1e-6, 1e-9)
    flows = fl.enumerate_flows(alloc, ev, arrived, taint, info, floor=floor, limit=params.max_paths)
    result = TraceResult(
        params=params, seeds=seeds, targets=targets, currency=case.reporting_currency,
        source_outflow=sum(a for a, d in zip(alloc.amount, alloc.depth, strict=True) if d == 1),
        arrived=total_arrived,
        sinks=fl.totals_by_account(fl.sinks(alloc, ev, arrived), info, 50),
        intermediaries=fl.totals_by_account(fl.throughput(alloc, ev, seed_set), info, 20),
        flows=flows, flows_total=sum(f.amount for f in flows), routes=fl.routes(flows),
        sankey=fl.sankey(ev, taint, info), hop_counts=fl.hop_counts(alloc, arrived),
        edge_taint={ev.key(e): x for e, x in enumerate(taint) if x > 0},
        stats={"subgraph_payments": len(ev.src), "ledger_accounts": len(data.ranges), "units": len(alloc.edge),
               "frontier_sizes": sub.frontier_sizes, "seconds_sql": round(extracted - started, 3),
               "seconds_ledger": round(allocated - extracted, 3)},
    )
    result.stats["seconds_total"] = round(time.perf_counter() - started, 3)
    if store:
        # Written even when nothing is tainted: this run replaces an earlier one with the same parameters.
        finding = to_finding(case, result, ev, taint, sub.sql)
        ids = write_findings(case, [finding] if finding is not None else [], trace_stamp(result.params),
                             data_version=version)
        result.finding_id = ids[0] if ids else None
    return result


def to_finding(case: Case, result: TraceResult, ev: fl.Events, taint: list[float], sql: list[str]) -> Finding | None:
    """The trace as a finding citing every tainted payment, the accounts it touched and its sources."""
    tainted = [e for e, x in enumerate(taint) if x > 0]
    if not tainted:
        return None
    refs: dict[tuple[str, str], str] = {}
    for e in tainted:
        refs[("transaction", ev.txn_id[e])] = "hop"
        refs[("source", ev.source_id[e])] = "evidence"
        for acc in (ev.src[e], ev.dst[e]):
            refs.setdefault(("account", acc), "hop")
    for acc in result.seeds:
        refs[("account", acc)] = "origin" if not result.params.backward else "destination"
    for sink in result.sinks:
        refs[("account", sink.account)] = "sink"
    times: list[datetime] = [ev.ts[e] for e in tainted]
    p = result.params
    ends = ", ".join(f"{s.label} {s.amount:,.2f}" for s in result.sinks[:3]) or "nowhere beyond the origin"
    direction = "to" if p.backward else "from"
    details = result.to_dict()
    details.pop("params")
    details["flows"] = details["flows"][:50]
    return Finding(
        kind="trace", typology=p.method.value,
        title=f"{p.method.value} trace {direction} {', '.join(p.source)}"
              + (f" to {', '.join(p.target)}" if p.target else ""),
        explanation=(f"{result.source_outflow:,.2f} {result.currency} tainted at the origin; "
                     f"{result.arrived:,.2f} stopped elsewhere within {p.max_hops} hops "
                     f"(largest: {ends})."),
        score=float(result.arrived), refs=[FindingRef(k, i, r) for (k, i), r in sorted(refs.items())],
        params=p.as_dict(), query=ALGORITHM.format(method=p.method.value) + ";\n".join(sql),
        start=min(times), end=max(times), amount=result.arrived,
        currency=result.currency, details=details,
    )
