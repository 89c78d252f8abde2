"""Stack: bipartite layers in sequence (AMLworld STACK; Altman et al. 2023) — a set of payers pays a
set of relay accounts, which pass nearly the same amounts on to a set of payees within days.

Seeds are relay paths: s -> m -> t where m forwards ``min_ratio``..``max_ratio`` of what it got
within ``relay_days``, m is quiet that week (at most ``max_relay_week`` transfers in and out, so shops
and payroll hubs are not relays), and both legs are new ties (standing orders pass amounts on too, but
month after month). Paths sharing a payer (or a payee) within ``window_days``, or sharing a transfer
(relays in sequence), merge into one stack. A stack is reported when it is layered — ``min_relays`` or
more relays, mostly busy with the stack those weeks, between more than one payer or payee — or, in its
thinnest form (most AMLworld STACK attempts), when its relays have almost no other traffic at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pyarrow as pa

from moneytrail.detect.base import (
    DisjointSets,
    Group,
    build_findings_from_arrow,
    edges_sql,
    money,
    plural,
    short_list,
    span_text,
    uses_edges,
    weigh_groups,
    with_caveat,
)
from moneytrail.detect.bipartite import offsets_sql, week_sql
from moneytrail.detect.registry import register
from moneytrail.detect.scoring import score_of
from moneytrail.model.finding import Finding
from moneytrail.store import Case


def relay_paths_sql(params: Mapping[str, Any]) -> str:
    """(s, m, t, txn1, txn2, ts1, ts2, amt1, amt2, w1, w2): m got amt1 from s and passed amt2 on to t
    within ``relay_days``. Buckets of ``relay_days + 1`` days make the join an equi-join on (relay,
    bucket): the onward transfer lies in the same bucket or the next, so each transfer probes twice
    (day buckets would need ``relay_days + 1`` probes); the exact time test follows."""
    days = int(params["relay_days"])
    return f"""
WITH e AS (SELECT x.*, CAST(floor(x.d / {days + 1}) AS BIGINT) AS bk FROM ({edges_sql(float(params["min_amount"]))}) x)
SELECT a.src AS s, a.dst AS m, b.dst AS t, a.txn_id AS txn1, b.txn_id AS txn2, a.ts AS ts1, b.ts AS ts2,
       a.amt AS amt1, b.amt AS amt2, {week_sql('a.d')} AS w1, {week_sql('b.d')} AS w2
FROM (SELECT i.*, i.bk + k.off AS bk2 FROM e i CROSS JOIN ({offsets_sql(0, 1)}) k) a
JOIN e b ON b.src = a.dst AND b.bk = a.bk2
WHERE b.ts > a.ts AND b.ts <= a.ts + INTERVAL '{days * 24}' HOUR AND b.dst <> a.src
  AND b.amt >= a.amt * {float(params["min_ratio"])!r} AND b.amt <= a.amt * {float(params["max_ratio"])!r}
"""


def relay_weeks_sql(params: Mapping[str, Any], raw: str = "_stk_raw") -> str:
    """(acct, w, n): transfers in and out of each candidate relay per calendar week; taken only for
    the relays of candidate paths, a small set."""
    e = edges_sql(float(params["min_amount"]))
    return f"""
SELECT acct, {week_sql('d')} AS w, count(*) AS n FROM (
  SELECT x.src AS acct, x.d FROM ({e}) x JOIN (SELECT DISTINCT m FROM {raw}) r ON r.m = x.src
  UNION ALL SELECT y.dst AS acct, y.d FROM ({e}) y JOIN (SELECT DISTINCT m FROM {raw}) r ON r.m = y.dst) z
GROUP BY acct, {week_sql('d')}
"""


def quiet_relays_sql(params: Mapping[str, Any], leg: int, paths: str, weeks: str = "_stk_weeks") -> str:
    """The relay paths whose relay is quiet in the week of leg ``leg`` (1 or 2: at most
    ``max_relay_week`` transfers in and out), with that count as ``m_week{leg}``. One leg per statement:
    joining both weeks at once lets the planner pair every week of a relay with every other first."""
    return f"""
SELECT r.*, a.n AS m_week{int(leg)}
FROM {paths} r JOIN {weeks} a ON a.acct = r.m AND a.w = r.w{int(leg)}
WHERE a.n <= {int(params["max_relay_week"])}
"""


def new_ties_sql(params: Mapping[str, Any], quiet: str = "_stk_quiet") -> str:
    """Those paths whose legs are new ties: the payer paid the relay, and the relay the payee, at most
    ``max_tie_transfers`` times in the whole case. Standing orders and other recurring relationships
    pass amounts on too, but again and again. Old ties are anti-joined (see ``quiet_relays_sql``)."""
    return f"""
WITH old AS (SELECT x.src, x.dst FROM ({edges_sql(float(params["min_amount"]))}) x
             JOIN (SELECT s AS src, m AS dst FROM {quiet} UNION SELECT m AS src, t AS dst FROM {quiet}) c
               ON c.src = x.src AND c.dst = x.dst
             GROUP BY x.src, x.dst HAVING count(*) > {int(params["max_tie_transfers"])})
SELECT p.* FROM {quiet} p
WHERE NOT EXISTS (SELECT 1 FROM old o WHERE o.src = p.s AND o.dst = p.m)
  AND NOT EXISTS (SELECT 1 FROM old o WHERE o.src = p.m AND o.dst = p.t)
"""


def sibling_links_sql(params: Mapping[str, Any], paths: str = "_stk_paths") -> str:
    """(a, b): transfers of two paths through different relays that share a payer (or a payee)
    within ``window_days`` — the two bipartite layers of one stack."""
    w = int(params["window_days"]) * 24
    return f"""
SELECT p.txn1 AS a, q.txn1 AS b FROM {paths} p JOIN {paths} q ON q.s = p.s AND q.m > p.m
WHERE q.ts1 BETWEEN p.ts1 - INTERVAL '{w}' HOUR AND p.ts1 + INTERVAL '{w}' HOUR
UNION ALL
SELECT p.txn2 AS a, q.txn2 AS b FROM {paths} p JOIN {paths} q ON q.t = p.t AND q.m > p.m
WHERE q.ts2 BETWEEN p.ts2 - INTERVAL '{w}' HOUR AND p.ts2 + INTERVAL '{w}' HOUR
"""


def relay_degree_sql(relays: str = "_stk_relays") -> str:
    """(acct, n): all transfers of each candidate relay, for the thinnest form (relays that do nothing else)."""
    return (f"SELECT r.acct, count(*) AS n FROM (SELECT src AS acct FROM ({edges_sql()}) e UNION ALL "
            f"SELECT dst AS acct FROM ({edges_sql()}) f) x JOIN {relays} r ON r.acct = x.acct GROUP BY r.acct")


@dataclass(frozen=True)
class Path:
    s: str
    m: str
    t: str
    txn1: str
    txn2: str
    amt1: float
    amt2: float
    week1: tuple[str, int]  # (relay@week, the relay's transfers that week)
    week2: tuple[str, int]


@dataclass
class Stack:
    paths: list[Path] = field(default_factory=list)

    def metrics(self, degree: Mapping[str, int]) -> dict[str, Any]:
        relays = {p.m for p in self.paths}
        payers = {p.s for p in self.paths} - relays
        payees = {p.t for p in self.paths} - relays
        legs = {p.txn1 for p in self.paths} | {p.txn2 for p in self.paths}
        weeks = dict([p.week1 for p in self.paths] + [p.week2 for p in self.paths])
        drift = sum(abs(p.amt2 / p.amt1 - 1.0) for p in self.paths) / len(self.paths)
        relay_legs = 2 * len({(p.txn1, p.txn2) for p in self.paths})
        return {"relays": len(relays), "payers": len(payers), "payees": len(payees), "layers": self.depth(),
                "chains": len(self.paths), "transfers": len(legs), "drift": round(drift, 5),
                "exclusivity": round(min(relay_legs / max(sum(weeks.values()), 1), 1.0), 4),
                "relay_transfers": sum(degree.get(m, 0) for m in relays),
                "busiest_relay": max(degree.get(m, 0) for m in relays),
                "first_pass_through": min(relays)}

    def depth(self) -> int:
        """Relays in sequence on the longest chain (1 for payers -> relays -> payees)."""
        nxt: dict[str, list[str]] = {}
        for p in self.paths:
            nxt.setdefault(p.txn1, []).append(p.txn2)

        @cache
        def hops(txn: str) -> int:
            return max((1 + hops(b) for b in nxt.get(txn, [])), default=0)
        return max(hops(t) for t in nxt)


def assemble(paths: Sequence[Path], links: Sequence[tuple[str, str]]) -> list[Stack]:
    """Paths joined through a shared transfer or a sibling link form one stack (union-find)."""
    index: dict[str, int] = {}
    for p in paths:
        index.setdefault(p.txn1, len(index))
        index.setdefault(p.txn2, len(index))
    sets = DisjointSets(len(index))
    for p in paths:
        sets.union(index[p.txn1], index[p.txn2])
    for a, b in links:
        if a in index and b in index:
            sets.union(index[a], index[b])
    stacks: dict[int, Stack] = {}
    for p in paths:
        stacks.setdefault(sets.find(index[p.txn1]), Stack()).paths.append(p)
    return list(stacks.values())


def qualifies(m: Mapping[str, Any], params: Mapping[str, Any]) -> str | None:
    """The form of stack this is, or None.

    layered: ``min_relays`` or more relays, quiet those weeks, between more than one payer or payee (one
    payer -> relays -> one payee is scatter-gather's; a plain chain of relays is random's and cycle's).
    thin: relays with almost no other traffic in the whole case (most AMLworld STACK attempts)."""
    relays_ok = int(params["min_relays"]) <= m["relays"] <= int(params["max_stack_relays"])
    if relays_ok and m["payers"] + m["payees"] >= 3 and m["exclusivity"] >= float(params["min_exclusivity"]):
        return "layered"
    if m["busiest_relay"] <= int(params["max_intermediary_degree"]):
        return "thin"
    return None


def stack_score(m: Mapping[str, Any], tol: float) -> float:
    """Amounts passed on exactly, by relays doing little else, through more relays, between more payers
    and payees, in more layers: stronger. A thin stack rests on one or two legs and stays low."""
    exact = max(1.0 - float(m["drift"]) / tol, 0.0) * float(m["exclusivity"])
    if m["form"] == "thin":
        return score_of(exact)
    return score_of(exact * (3.0 + 0.5 * (int(m["relays"]) - 3) + 0.5 * (int(m["payers"]) + int(m["payees"]) - 3)
                             + (int(m["layers"]) - 1)))


@register
class StackDetector:
    typology = "stack"
    description = ("Layers of quiet relay accounts (payers -> relays -> payees, or chains of relays) passing on "
                   "nearly what they received within days.")
    # Generator and AMLworld STACK: relays forward within 1-48 h (AMLworld 0.1-3.6 days) and keep the
    # amount within -3%..+6% (AMLworld: within 6% for 80% of legs).
    defaults: Mapping[str, Any] = {"relay_days": 4, "window_days": 4, "max_relay_week": 6, "min_ratio": 0.9,
                                   "max_ratio": 1.1, "min_exclusivity": 0.6, "max_tie_transfers": 1,
                                   "max_intermediary_degree": 4,
                                   "min_relays": 3, "max_stack_relays": 40, "max_paths": 500000, "min_amount": 0.0,
                                   "max_findings": 20000}
    # A weaker variant (``busy_layers``) scores ``weight`` times as much and adds ``caveat`` to its text.
    weight = 1.0
    variant: tuple[str, str] | None = None
    caveat = ""

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        engine = case.engine
        with engine.run() as run:
            raw = run.materialise(relay_paths_sql(params), hint="stk_raw").name
            weeks = run.materialise(relay_weeks_sql(params, raw), hint="stk_weeks").name
            quiet1 = run.materialise(quiet_relays_sql(params, 1, raw, weeks), hint="stk_quiet1").name
            quiet = run.materialise(quiet_relays_sql(params, 2, quiet1, weeks), hint="stk_quiet").name
            chosen = run.materialise(f"{new_ties_sql(params, quiet)} LIMIT {int(params['max_paths'])}",
                                     hint="stk_paths").name
            paths = _read_paths(case, chosen)
            links = [(str(a), str(b)) for a, b in engine.rows(sibling_links_sql(params, chosen))]
            stacks = assemble(paths, links)
            relays = run.arrow(pa.table({"acct": pa.array(sorted({p.m for p in paths}), pa.string())}))
            degree = {str(a): int(n) for a, n in engine.rows(relay_degree_sql(relays.name))}
            groups, members = _tables(stacks, degree, params)
            return build_findings_from_arrow(case, self.typology, weigh_groups(groups, self.weight, self.variant),
                                             members, name="_stk", explain=with_caveat(_explain, self.caveat),
                                             params=params, query=_describe(params))


def _describe(params: Mapping[str, Any]) -> str:
    return (f"-- relay paths\n{relay_paths_sql(params)}\n-- through relays quiet those weeks\n"
            f"{relay_weeks_sql(params)}\n{quiet_relays_sql(params, 1, '_stk_raw')}\n"
            f"{quiet_relays_sql(params, 2, '_stk_quiet1')}\n-- legs that are new ties\n"
            f"{new_ties_sql(params)}\n"
            f"-- paths of one stack: sharing a payer or payee\n{sibling_links_sql(params)}\n"
            "-- or a transfer; merged by union-find, kept when layered, chained or thin")


def _read_paths(case: Case, paths: str) -> list[Path]:
    table = case.engine.query(f"SELECT s, m, t, txn1, txn2, amt1, amt2, w1, w2, m_week1, m_week2 FROM {paths}")
    cols = [table.column(n).to_pylist() for n in table.column_names]
    return [Path(str(s), str(m), str(t), str(a), str(b), float(x), float(y), (f"{m}@{w1}", int(n1)),
                 (f"{m}@{w2}", int(n2)))
            for s, m, t, a, b, x, y, w1, w2, n1, n2 in zip(*cols, strict=True)]


def _tables(stacks: Sequence[Stack], degree: Mapping[str, int],
            params: Mapping[str, Any]) -> tuple[pa.Table, pa.Table]:
    tol = float(params["max_ratio"]) - 1.0
    rows: list[dict[str, Any]] = []
    member_cols: dict[str, list[str]] = {"group_key": [], "txn_id": [], "from_role": [], "to_role": []}
    for stack in stacks:
        m = stack.metrics(degree)
        form = qualifies(m, params)
        if form is None:
            continue
        key = f"S:{min(p.txn1 for p in stack.paths)}"
        m["form"] = form
        rows.append({"group_key": key, "score": stack_score(m, tol), **m})
        # A transfer from one relay to the next (relays in sequence) is a pass-through at both ends.
        into_relay, out_of_relay = {p.txn1 for p in stack.paths}, {p.txn2 for p in stack.paths}
        legs = sorted((txn, "pass-through" if txn in out_of_relay else "payer",
                       "pass-through" if txn in into_relay else "payee") for txn in into_relay | out_of_relay)
        for txn, a, b in legs:
            for col, value in zip(member_cols, (key, txn, a, b), strict=True):
                member_cols[col].append(value)
    names = ("group_key", "score", "form", "relays", "payers", "payees", "layers", "chains", "transfers",
             "drift", "exclusivity", "relay_transfers", "busiest_relay", "first_pass_through")
    groups = pa.table({n: pa.array([r[n] for r in rows]) for n in names}) if rows else pa.table(
        {"group_key": pa.array([], pa.string()), "score": pa.array([], pa.float64())})
    return groups, pa.table({k: pa.array(v, pa.string()) for k, v in member_cols.items()})


def _explain(group: Group, currency: str) -> tuple[str, str]:
    m = group.metrics
    relays = group.accounts("pass-through")
    payers = [x for x in group.accounts("payer") if x not in relays]
    payees = [x for x in group.accounts("payee") if x not in relays]
    ins = [x for x in group.flows(to_role="pass-through") if x.src not in relays]
    outs = [x for x in group.flows(from_role="pass-through") if x.dst not in relays]
    layers = int(m["layers"])
    title = (f"Stack: {len(payers)} -> {len(relays)} -> {len(payees)} accounts in {layers + 1} layers"
             if m["form"] == "layered" else f"Stack: {plural(len(relays), 'pass-through account')} from "
             f"{short_list(payers, 2)}")
    text = (f"{money(sum(x.amount for x in ins), currency)} from {plural(len(payers), 'payer')} "
            f"({short_list(payers)}) went through {plural(len(relays), 'relay account')} ({short_list(relays)}) "
            f"in {layers} relay layer(s) ({layers + 1} layers of transfers) and "
            f"{money(sum(x.amount for x in outs), currency)} came out to {plural(len(payees), 'payee')} "
            f"({short_list(payees)}) within {span_text(group.start, group.end)}; each relay passed on its amount "
            f"within {100 * float(m['drift']):.1f}% on average, and the relay transfers are "
            f"{float(m['exclusivity']):.0%} of the relays' traffic in those weeks.")
    return title, text
