"""Structural cycle: money returns to its origin through a ring of accounts, in any time order and any
amounts — the weaker variant of ``cycle`` for simulators whose cycles are not time-ordered chains.

AMLSim draws each hop's amount independently (ratios 0.6-1.5 from hop to hop) and its cycle hops are not
in time order, so ``cycle`` (amounts carried within ±25%, each hop after the last) misses them. This
variant searches the graph of *ties* (account pairs that dealt at all, ``star.edge_pairs_sql``, shared
with the fans) for directed rings of 2..``max_hops`` accounts whose ties were all active within
``window_days`` (30) of each other, among accounts with at most ``max_counterparties`` (40) distinct
counterparties (hubs close rings with everyone).

Rings are common by chance in a dense graph, so each length is compared with what chance gives
(``chance_rings_sql``: a configuration-model null, calibrated on the AMLSim samples, where it predicts the
share of planted rings per length within a few points: 2 hops 92% predicted / 94% planted, 3 hops 82/78,
4 hops 45/50). Lengths found fewer than ``min_excess`` times as often as chance gives are dropped, and a
ring scores ``weight`` (0.5) times the share of its length chance does not explain, so a structural ring
never outranks a time-ordered one: it rests on less (no amount carried, no order).

Portable plan: one self-join per hop over the small ties (origin = the ring's smallest account, so each
ring is found once per rotation class), a loop over hops (at most ``max_hops``), never over rows. The
walks grow about as the mean degree to the power of the hops, so ``max_hops`` stays at 4: on the AMLSim
samples rings of 5 were 6% planted anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import Group, build_findings, case_days_sql, edges_sql, money, shared_table, uses_edges
from moneytrail.detect.registry import register
from moneytrail.detect.star import edge_pairs_sql
from moneytrail.model.finding import Finding
from moneytrail.store import Case

VARIANT = "structural"
WEAKER = ("a ring of ties only: the hops need not follow each other in time nor carry the amount on, so "
          "chance rings among ordinary accounts look alike; scored at half weight")


def degrees_sql(pairs: str) -> str:
    """(account, k_out, k_in): distinct counterparties paid and paid by, from a table of ``edge_pairs_sql``."""
    return (f"SELECT account, sum(o) AS k_out, sum(i) AS k_in FROM (SELECT src AS account, 1 AS o, 0 AS i FROM {pairs} "
            f"UNION ALL SELECT dst AS account, 0 AS o, 1 AS i FROM {pairs}) x GROUP BY account")


def small_ties_sql(pairs: str, degrees: str, max_counterparties: int) -> str:
    """(src, dst, d_first, d_last, w): ties between accounts of at most ``max_counterparties`` counterparties
    each, with ``w = ln(k_out(src) * k_in(dst))``, the tie's share of the chance-ring expectation."""
    k = int(max_counterparties)
    return (f"SELECT p.src, p.dst, p.d_first, p.d_last, ln(1.0 * a.k_out * b.k_in) AS w FROM {pairs} p "
            f"JOIN {degrees} a ON a.account = p.src JOIN {degrees} b ON b.account = p.dst "
            f"WHERE a.k_out + a.k_in <= {k} AND b.k_out + b.k_in <= {k}")


def first_walks_sql(ties: str) -> str:
    """One-tie walks from each ring's origin, its smallest account: (origin, cur, lo, hi, accts, w, hops).
    ``lo``/``hi`` are the latest first day and earliest last day of the walk's ties."""
    return (f"SELECT src AS origin, dst AS cur, d_first AS lo, d_last AS hi, '|' || src || '|' || dst || '|' AS accts, "
            f"w, 1 AS hops FROM {ties} WHERE dst > src")


def overlap_sql(lo: str, hi: str, window_days: int) -> str:
    """The ties seen so far were all active within ``window_days`` of each other."""
    return f"{lo} <= {hi} + {int(window_days)}"


def extend_walks_sql(walks: str, ties: str, window_days: int) -> str:
    """One more tie to an account not yet on the walk and larger than its origin."""
    lo, hi = "greatest(f.lo, x.d_first)", "least(f.hi, x.d_last)"
    return (f"SELECT f.origin, x.dst AS cur, {lo} AS lo, {hi} AS hi, f.accts || x.dst || '|' AS accts, "
            f"f.w + x.w AS w, f.hops + 1 AS hops FROM {walks} f JOIN {ties} x ON x.src = f.cur "
            f"WHERE x.dst > f.origin AND instr(f.accts, '|' || x.dst || '|') = 0 "
            f"AND {overlap_sql(lo, hi, window_days)}")


def close_walks_sql(walks: str, ties: str, window_days: int) -> str:
    """Walks whose last account paid their origin: rings, with the origin repeated at the end of ``ring``."""
    lo, hi = "greatest(f.lo, x.d_first)", "least(f.hi, x.d_last)"
    return (f"SELECT f.origin, f.accts || f.origin || '|' AS ring, {lo} AS lo, {hi} AS hi, f.w + x.w AS w, "
            f"f.hops + 1 AS hops FROM {walks} f JOIN {ties} x ON x.src = f.cur AND x.dst = f.origin "
            f"WHERE {overlap_sql(lo, hi, window_days)}")


def chance_rings_sql(rings: str, ties: str, window_days: int) -> str:
    """(hops, observed, expected): rings found per length, and how many chance alone would give.

    Null model: ties placed at random between accounts of the same in- and out-degrees (the configuration
    model) give ``q ** k / k`` rings of ``k`` hops, ``q = sum(k_out * k_in) / ties`` over accounts; each tie
    after the first must also be active within the window of the others, which a tie of mean span does
    with chance ``pt = (2 * window_days + 1 + mean span) / case_days``."""
    w = int(window_days)
    sd = (f"SELECT a, sum(o) AS ko, sum(i) AS ki FROM (SELECT src AS a, 1 AS o, 0 AS i FROM {ties} "
          f"UNION ALL SELECT dst AS a, 0 AS o, 1 AS i FROM {ties}) x GROUP BY a")
    return f"""
WITH sd AS ({sd}),
model AS (SELECT (SELECT sum(1.0 * ko * ki) FROM sd) / greatest((SELECT count(*) FROM {ties}), 1) AS q,
                 least(1.0, ({2 * w + 1} + (SELECT avg(d_last - d_first) FROM {ties}))
                       / greatest(({case_days_sql()}), 1)) AS pt),
obs AS (SELECT hops, count(*) AS observed FROM {rings} GROUP BY hops)
SELECT o.hops, o.observed, power(m.q, o.hops) / o.hops * power(m.pt, o.hops - 1) AS expected
FROM obs o CROSS JOIN model m"""


def ring_groups_sql(rings: str, chance: str, params: Mapping[str, Any]) -> str:
    """(group_key, score, ...): rings of the lengths found at least ``min_excess`` times as often as chance
    gives (``chance``, a table of ``chance_rings_sql``), scored ``weight`` times the share of rings of
    that length chance does not explain: an estimate of the share that are planted."""
    weight = float(params["weight"])
    share = "(1.0 - c.expected / c.observed)"
    return f"""
SELECT r.ring AS group_key, {weight!r} * {share} AS score, {share} AS beyond_chance, c.observed AS rings_this_long,
       c.expected AS chance_rings_this_long, r.hops, r.origin, r.lo AS overlap_from_day, r.hi AS overlap_to_day,
       '{VARIANT}' AS variant, 'cycle' AS variant_of, '{WEAKER}' AS weaker_because
FROM {rings} r JOIN {chance} c ON c.hops = r.hops
WHERE c.observed >= {float(params["min_excess"])!r} * c.expected"""


def path_members_sql(paths: str, key: str, max_hops: int, window_days: int, end_role: str) -> str:
    """(group_key, txn_id, from_role, to_role): every transfer along the ties of each path of ``paths`` within
    its window (a tie's transfers from ``window_days`` before the overlap to as long after). ``key`` is the
    column spelling the path's accounts (``|a|b|...|``; its ``origin``, ``lo``, ``hi`` and ``hops`` ride
    along); the first hop leaves the ``origin``, the last reaches an account in role ``end_role`` (a ring's
    origin again, a chain's end), the rest are intermediaries. Rings and chains share it."""
    w = int(window_days)
    hops = " UNION ALL ".join(
        f"SELECT {key} AS path, origin, lo, hi, split_part({key}, '|', {i + 2}) AS src, "
        f"split_part({key}, '|', {i + 3}) AS dst, {i + 1} = hops AS last FROM {paths} WHERE hops > {i}"
        for i in range(int(max_hops)))
    return f"""
SELECT h.path AS group_key, e.txn_id,
       CASE WHEN e.src = h.origin THEN 'origin' ELSE 'intermediary' END AS from_role,
       CASE WHEN h.last THEN '{end_role}' ELSE 'intermediary' END AS to_role
FROM ({hops}) h JOIN ({edges_sql()}) e ON e.src = h.src AND e.dst = h.dst
WHERE e.d BETWEEN least(h.lo, h.hi) - {w} AND greatest(h.lo, h.hi) + {w}"""


def ring_members_sql(rings: str, max_hops: int, window_days: int) -> str:
    """``path_members_sql`` over rings: the last hop returns to the origin."""
    return path_members_sql(rings, "ring", max_hops, window_days, "origin")


@register
class StructuralCycle:
    typology = "cycle-structural"
    description = ("Weaker variant of cycle: a ring of accounts paying each other in any time order and any "
                   "amounts, unlikely by chance for accounts of their degrees.")
    defaults: Mapping[str, Any] = {"max_hops": 4, "window_days": 30, "max_counterparties": 40, "min_excess": 2.0,
                                   "weight": 0.5, "min_amount": 0.0, "max_findings": 20000}
    shared_kinds = ("star",)
    weaker_variant = True

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        w, max_hops = int(params["window_days"]), int(params["max_hops"])
        pairs_sql = edge_pairs_sql(float(params["min_amount"]))
        pairs = shared_table(case, pairs_sql, "star")
        with case.engine.run() as run:
            degrees = run.materialise(degrees_sql(pairs), hint="ring_degrees").name
            ties = run.materialise(small_ties_sql(pairs, degrees, int(params["max_counterparties"])),
                                   hint="ring_ties").name
            walks = run.materialise(first_walks_sql(ties), hint="ring_walks")
            rings = run.materialise(f"SELECT * FROM ({close_walks_sql(walks.name, ties, w)}) r", hint="rings").name
            for _ in range(2, max_hops):
                nxt = run.materialise(extend_walks_sql(walks.name, ties, w), hint="ring_walks")
                run.drop(walks)
                walks = nxt
                case.engine.append(rings, close_walks_sql(walks.name, ties, w))
            chance = run.materialise(chance_rings_sql(rings, ties, w), hint="ring_chance").name
            query = "\n".join((f"-- ties\n{pairs_sql}", f"-- degrees\n{degrees_sql('ties')}",
                               f"-- small ties\n{small_ties_sql('ties', 'degrees', int(params['max_counterparties']))}",
                               f"-- walks from the smallest account\n{first_walks_sql('small_ties')}",
                               f"-- one join per hop\n{extend_walks_sql('walks', 'small_ties', w)}",
                               f"-- rings\n{close_walks_sql('walks', 'small_ties', w)}",
                               f"-- rings chance alone gives\n{chance_rings_sql('rings', 'small_ties', w)}",
                               f"-- scored against chance\n{ring_groups_sql('rings', 'chance', params)}"))
            return build_findings(
                case, self.typology, ring_groups_sql(rings, chance, params), ring_members_sql(rings, max_hops, w),
                explain=_explain, params=params, query=query, limit=int(params["max_findings"]))


def _explain(group: Group, currency: str) -> tuple[str, str]:
    m = group.metrics
    ring = [a for a in str(group.key).split("|") if a]
    hops = int(m["hops"])
    total = sum(x.amount for x in group.members)
    title = f"{hops}-account ring from {m['origin']} (structural)"
    text = (f"{' -> '.join(ring)}: these accounts paid each other round a ring ({money(total, currency)} in "
            f"{len(group.members)} transfers, all its ties active within the window of each other). "
            f"{int(m['rings_this_long'])} rings of {hops} accounts turned up where chance alone gives about "
            f"{float(m['chance_rings_this_long']):.1f}, so about {float(m['beyond_chance']):.0%} of them "
            "are not chance. "
            f"Weaker than a cycle: {WEAKER}.")
    return title, text
