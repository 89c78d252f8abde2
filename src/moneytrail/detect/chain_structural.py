"""Structural chain: money passes along a line of relay accounts, in any time order and any amounts — the
weaker variant of ``random`` (AMLworld's RANDOM, AMLSim's random walk) for simulators whose hops neither
follow each other in time nor carry the amount on.

A *relay* is an account with exactly one payer and one payee in the whole case, and they differ: money comes
in from one side and goes out to the other (``relays_sql``). A chain is a maximal line of relays with its two
ends (``origin`` -> relay -> ... -> relay -> ``end``, ends not relays, ``origin`` != ``end``: a ring is
``cycle-structural``'s), its ties all active within ``window_days`` of each other, of at least ``min_hops``
ties, i.e. at least two relays in a row: one relay between two accounts is everyday life (a pot between a
salary and a rent).

Lines of relays also form by chance, so each length is compared with what chance gives (``chance_chains_sql``,
a configuration-model null like ``cycle-structural``'s): a tie's payee is a relay with chance ``rho`` =
relays / ties (each relay holds one of the ties' payee ends), so of the ``S`` ties paid by non-relays about
``S * rho ** (h - 1) * (1 - rho)`` start chains of exactly ``h`` ties; each tie after the first must also lie
within the window of the others (``pt``, as for rings). Lengths found fewer than ``min_excess`` times as
often as chance gives are dropped, and a chain scores ``weight`` (0.5) times the share of its length chance
does not explain.

Portable plan: a relay has one payee, so each start extends by one join per hop to exactly one next tie;
at most ``max_hops`` joins, never a loop over rows, and no walk explosion (unlike rings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import Group, build_findings, case_days_sql, money, shared_table, uses_edges
from moneytrail.detect.cycle_structural import degrees_sql, overlap_sql, path_members_sql
from moneytrail.detect.registry import register
from moneytrail.detect.star import edge_pairs_sql
from moneytrail.model.finding import Finding
from moneytrail.store import Case

VARIANT = "structural"
WEAKER = ("a line of ties through relay accounts only: the hops need not follow each other in time nor carry "
          "the amount on, so chance lines through ordinary single-purpose accounts look alike; scored at half "
          "weight")


def relays_sql(pairs: str, degrees: str) -> str:
    """(account, payer, payee): accounts with exactly one payer and one payee, and the two differ."""
    return (f"SELECT d.account, min(i.src) AS payer, min(o.dst) AS payee FROM {degrees} d "
            f"JOIN {pairs} i ON i.dst = d.account JOIN {pairs} o ON o.src = d.account "
            "WHERE d.k_in = 1 AND d.k_out = 1 GROUP BY d.account HAVING min(i.src) <> min(o.dst)")


def first_links_sql(pairs: str, relays: str) -> str:
    """One-tie walks from a non-relay into a relay: (origin, cur, lo, hi, accts, hops)."""
    return (f"SELECT p.src AS origin, p.dst AS cur, p.d_first AS lo, p.d_last AS hi, "
            f"'|' || p.src || '|' || p.dst || '|' AS accts, 1 AS hops FROM {pairs} p "
            f"JOIN {relays} r ON r.account = p.dst WHERE p.src NOT IN (SELECT account FROM {relays})")


def extend_links_sql(walks: str, pairs: str, relays: str, window_days: int) -> str:
    """Walks still at a relay, one tie further (to the relay's only payee)."""
    lo, hi = "greatest(f.lo, x.d_first)", "least(f.hi, x.d_last)"
    return (f"SELECT f.origin, x.dst AS cur, {lo} AS lo, {hi} AS hi, f.accts || x.dst || '|' AS accts, "
            f"f.hops + 1 AS hops FROM {walks} f JOIN {relays} r ON r.account = f.cur "
            f"JOIN {pairs} x ON x.src = f.cur AND x.dst = r.payee WHERE {overlap_sql(lo, hi, window_days)}")


def ended_chains_sql(walks: str, relays: str) -> str:
    """Walks that reached a non-relay other than their origin: chains (origin, chain, lo, hi, hops)."""
    return (f"SELECT origin, accts AS chain, lo, hi, hops FROM {walks} "
            f"WHERE cur <> origin AND cur NOT IN (SELECT account FROM {relays})")


def chance_chains_sql(chains: str, pairs: str, relays: str, window_days: int) -> str:
    """(hops, observed, expected): chains found per length, and how many the configuration model gives."""
    w = int(window_days)
    return f"""
WITH model AS (
  SELECT 1.0 * (SELECT count(*) FROM {relays}) / greatest((SELECT count(*) FROM {pairs}), 1) AS rho,
         (SELECT count(*) FROM {pairs} WHERE src NOT IN (SELECT account FROM {relays})) AS starts,
         least(1.0, ({2 * w + 1} + (SELECT avg(d_last - d_first) FROM {pairs})) / greatest(({case_days_sql()}), 1))
           AS pt),
obs AS (SELECT hops, count(*) AS observed FROM {chains} GROUP BY hops)
SELECT o.hops, o.observed,
       m.starts * power(m.rho, o.hops - 1) * (1.0 - m.rho) * power(m.pt, o.hops - 1) AS expected
FROM obs o CROSS JOIN model m"""


def chain_groups_sql(chains: str, chance: str, params: Mapping[str, Any]) -> str:
    """Chains of the lengths found at least ``min_excess`` times as often as chance gives, scored ``weight``
    times the share of chains of that length chance does not explain."""
    weight = float(params["weight"])
    share = "(1.0 - c.expected / c.observed)"
    return f"""
SELECT r.chain AS group_key, {weight!r} * {share} AS score, {share} AS beyond_chance,
       c.observed AS chains_this_long, c.expected AS chance_chains_this_long, r.hops, r.origin,
       r.lo AS overlap_from_day, r.hi AS overlap_to_day, '{VARIANT}' AS variant, 'random' AS variant_of,
       '{WEAKER}' AS weaker_because
FROM {chains} r JOIN {chance} c ON c.hops = r.hops
WHERE r.hops >= {int(params["min_hops"])} AND c.observed >= {float(params["min_excess"])!r} * c.expected"""


def chain_members_sql(chains: str, max_hops: int, window_days: int) -> str:
    """``cycle_structural.path_members_sql`` over chains: the last hop reaches the chain's end."""
    return path_members_sql(chains, "chain", max_hops, window_days, "end")


@register
class StructuralChain:
    typology = "random-structural"
    description = ("Weaker variant of random: money passes along a line of relay accounts (one payer, one payee "
                   "each) in any time order and any amounts, longer than chance gives.")
    defaults: Mapping[str, Any] = {"min_hops": 3, "max_hops": 12, "window_days": 30, "min_excess": 2.0,
                                   "weight": 0.5, "min_amount": 0.0, "max_findings": 20000}
    shared_kinds = ("star",)
    weaker_variant = True

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        w, max_hops = int(params["window_days"]), int(params["max_hops"])
        pairs_sql = edge_pairs_sql(float(params["min_amount"]))
        pairs = shared_table(case, pairs_sql, "star")
        with case.engine.run() as run:
            degrees = run.materialise(degrees_sql(pairs), hint="chain_degrees").name
            relays = run.materialise(relays_sql(pairs, degrees), hint="chain_relays").name
            walks = run.materialise(first_links_sql(pairs, relays), hint="chain_walks")
            chains = run.materialise(f"SELECT * FROM ({ended_chains_sql(walks.name, relays)}) c", hint="chains").name
            for _ in range(1, max_hops):
                nxt = run.materialise(extend_links_sql(walks.name, pairs, relays, w), hint="chain_walks")
                run.drop(walks)
                walks = nxt
                case.engine.append(chains, ended_chains_sql(walks.name, relays))
            chance = run.materialise(chance_chains_sql(chains, pairs, relays, w), hint="chain_chance").name
            query = "\n".join((f"-- ties\n{pairs_sql}", f"-- degrees\n{degrees_sql('ties')}",
                               f"-- relays\n{relays_sql('ties', 'degrees')}",
                               f"-- from a non-relay into a relay\n{first_links_sql('ties', 'relays')}",
                               f"-- one join per hop\n{extend_links_sql('walks', 'ties', 'relays', w)}",
                               f"-- chains\n{ended_chains_sql('walks', 'relays')}",
                               f"-- chains chance alone gives\n{chance_chains_sql('chains', 'ties', 'relays', w)}",
                               f"-- scored against chance\n{chain_groups_sql('chains', 'chance', params)}"))
            return build_findings(
                case, self.typology, chain_groups_sql(chains, chance, params),
                chain_members_sql(chains, max_hops, w), explain=_explain, params=params, query=query,
                limit=int(params["max_findings"]))


def _explain(group: Group, currency: str) -> tuple[str, str]:
    m = group.metrics
    line = [a for a in str(group.key).split("|") if a]
    hops = int(m["hops"])
    total = sum(x.amount for x in group.members)
    title = f"{hops}-hop relay chain {line[0]} -> {line[-1]} (structural)"
    text = (f"{' -> '.join(line)}: each account between the ends had this one payer and this one payee in the "
            f"whole case ({money(total, currency)} in {len(group.members)} transfers, all its ties active within "
            f"the window of each other). {int(m['chains_this_long'])} such chains of {hops} hops turned up where "
            f"chance alone gives about {float(m['chance_chains_this_long']):.1f}, so about "
            f"{float(m['beyond_chance']):.0%} of them are not chance. Weaker than a chain of carried amounts: "
            f"{WEAKER}.")
    return title, text
