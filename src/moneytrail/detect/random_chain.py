"""Random chain: money hops through a time-ordered chain of accounts and does not come back.

AMLworld's RANDOM (Altman et al. 2023, §3.2): like a cycle, each hop follows the previous one in time
with the amount roughly carried through, but the chain ends somewhere other than its origin. Only
maximal chains are reported, and a chain that is the tail of a longer one is dropped.

Not flooding: an amount "carried" within ±25% is evidence only when amounts vary. Where they are all
alike (AMLSim's ordinary transfers), two unrelated transfers pass the ratio test often, and 3-hop
chains turn up by the thousand (AMLSim cycle sample: 3,665 accounts cited, 6.8% of them labelled,
against 4.7% of all accounts). So the chance that two unrelated transfers of the case pass the ratio
test is measured first (``carry_chance_sql``), and a chain is reported only when the chance that all
its hops carried the amount by accident, ``p ** (hops - 1)``, is at most ``max_chance``: on wide amount
distributions (AMLworld, p about 0.05-0.1) 3 hops suffice, on narrow ones longer chains are needed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import edges_table, prepared_edges
from moneytrail.detect.chains import ChainDetector, ChainText, chain_defaults, hop_rule_text
from moneytrail.detect.paths import OPEN, PathSearch, fmt_amount, span_hours
from moneytrail.detect.registry import register
from moneytrail.engine.dialect import DUCKDB, Dialect
from moneytrail.model.finding import Finding
from moneytrail.store import Case

# Below this many transfers the share is too noisy to gate on, and chains need only ``min_hops``.
MIN_PAIRS = 1000
# Above SAMPLE_ABOVE transfers the share is measured on a hash sample of about SAMPLE_SIZE of them: that
# many pairs pin a share near 0.06 to about +-0.0013 (two standard errors), and sorting every transfer of a
# large case cost more than the rest of the detector (0.2 of 0.3 CPU s at 1M transfers).
SAMPLE_ABOVE = 250_000
SAMPLE_SIZE = 125_000


def sample_modulus(transfers: int, sample_above: int = SAMPLE_ABOVE, sample_size: int = SAMPLE_SIZE) -> int:
    """1 (every transfer) up to ``sample_above`` transfers, else k such that one in k is about ``sample_size``."""
    return 1 if transfers <= sample_above else -(-int(transfers) // int(sample_size))


# The sample is drawn by integer arithmetic on a transfer's second and cents, the same on every engine:
# hashing every id (MD5, the engine-neutral hash) cost 0.4 CPU s at 1M transfers, more than the rest of
# the detector; only the sampled transfers are hashed, to order them.
_PRIME = 1_000_003


def _sampled(modulus: int, dialect: Dialect) -> str:
    if modulus <= 1:
        return ""
    second = f"CAST(floor({dialect.epoch_seconds_sql('ts')}) AS BIGINT) % {_PRIME}"
    cents = f"CAST(floor(CAST(abs(amt) AS DOUBLE) * 100.0) % {_PRIME}.0 AS BIGINT)"
    return f" AND (({second}) * 1009 + {cents}) % {_PRIME} * 7919 % {_PRIME} % {int(modulus)} = 0"


def carry_chance_sql(min_ratio: float, max_ratio: float, transfers: int, *, tie_break: bool = False,
                     modulus: int = 1, dialect: Dialect = DUCKDB) -> str:
    """(pairs, share, ties): each of the ``transfers`` positive edges paired with the one half-way round a
    hashed order (by ``dialect.stable_hash_sql(txn_id)``, the same on every engine, then ``txn_id``), and
    the share of pairs whose amount ratio lies in [min_ratio, max_ratio]: how often a hop "carries" an
    amount by accident. ``transfers`` (``positive_transfers_sql``) makes the half-way offset a constant,
    so one sort with ``lead``/``lag`` pairs them, without numbering both sides and joining. Sorting by the
    8-byte hash alone is cheaper and the same order when no two hashes are equal: ``ties`` says whether
    two were (then ask again with ``tie_break``). With ``modulus`` k > 1 about one transfer in k takes part,
    chosen by arithmetic on its second and cents (``_sampled``; ``transfers`` then counts those:
    ``positive_transfers_sql(k)``)."""
    hashed = dialect.stable_hash_sql("txn_id")
    n = int(transfers)
    half = n // 2
    order = "OVER (ORDER BY hk, txn_id)" if tie_break else "OVER (ORDER BY hk)"
    return (f"SELECT count(*) AS pairs, avg(CASE WHEN b_amt >= amt * {float(min_ratio)!r} "
            f"AND b_amt <= amt * {float(max_ratio)!r} THEN 1.0 ELSE 0.0 END) AS share, "
            "max(CASE WHEN hk = prev_hk THEN 1 ELSE 0 END) AS ties "
            f"FROM (SELECT amt, hk, coalesce(lead(amt, {half}) {order}, lag(amt, {n - half}) {order}) AS b_amt, "
            f"lag(hk) {order} AS prev_hk "
            f"FROM (SELECT txn_id, amt, {hashed} AS hk FROM {edges_table()} "
            f"WHERE amt > 0{_sampled(modulus, dialect)}) e) o")


def positive_transfers_sql(modulus: int = 1, dialect: Dialect = DUCKDB) -> str:
    return f"SELECT count(*) FROM {edges_table()} WHERE amt > 0{_sampled(modulus, dialect)}"


def carry_chance(case: Case, min_ratio: float, max_ratio: float, *, sample_above: int = SAMPLE_ABOVE,
                 sample_size: int = SAMPLE_SIZE) -> tuple[int, float]:
    """(pairs, share) of ``carry_chance_sql`` on the run's edges; (pairs, 0.0) below ``MIN_PAIRS``, where
    the share is too noisy to gate on and is not measured. Above ``sample_above`` transfers, on a hash sample
    of about ``sample_size`` (``pairs`` is then the sample's size, below the number of transfers)."""
    dialect = case.engine.dialect
    n = int(case.engine.scalar(positive_transfers_sql()) or 0)
    modulus = sample_modulus(n, sample_above, sample_size)
    if modulus > 1:
        n = int(case.engine.scalar(positive_transfers_sql(modulus, dialect)) or 0)
    pairs = n if n >= 2 else 0
    if pairs < MIN_PAIRS:
        return pairs, 0.0
    _, share, ties = case.engine.rows(carry_chance_sql(min_ratio, max_ratio, n, modulus=modulus, dialect=dialect))[0]
    if ties:
        _, share, _ = case.engine.rows(carry_chance_sql(min_ratio, max_ratio, n, tie_break=True, modulus=modulus,
                                                        dialect=dialect))[0]
    return pairs, float(share or 0.0)


def hops_needed(carry_chance: float, max_chance: float, min_hops: int) -> int:
    """Fewest hops (at least ``min_hops``) whose ``hops - 1`` accidental carries are at most ``max_chance``."""
    if carry_chance <= 0.0:
        return min_hops
    if carry_chance >= 1.0:
        return 10**6  # every pair passes: amounts say nothing, so no chain is evidence
    return max(min_hops, 1 + math.ceil(math.log(max_chance) / math.log(carry_chance) - 1e-9))


@register
class RandomChainDetector(ChainDetector):
    typology = "random"
    description = "Money moves along a time-ordered chain of 3+ transfers, amounts carried through"
    defaults: Mapping[str, Any] = chain_defaults(min_hops=3, max_findings=200_000, max_chance=0.01)
    chains = OPEN
    drop_suffixes = True
    picked = "maximal chains (no extension at the next hop), per final transaction"
    last_role = "end"

    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        with prepared_edges(case):
            pairs, p = carry_chance(case, float(params["min_hop_ratio"]), float(params["max_hop_ratio"]))
            hops = hops_needed(p, float(params["max_chance"]), int(params["min_hops"]))
            self_params = {**params, "min_hops": hops}
            findings = super().detect(case, self_params)
        if pairs < MIN_PAIRS:
            return findings
        note = (f" Two unrelated transfers of this case pass that amount test {p:.1%} of the time, so only chains of "
                f"{hops}+ hops are reported (chance of all hops carrying by accident at most {params['max_chance']}).")
        return [_with_note(f, note, params) for f in findings]

    def describe(self, c: Mapping[str, Any], s: PathSearch, params: Mapping[str, Any], currency: str) -> ChainText:
        return ChainText(
            title=f"{c['hops']}-hop chain {c['origin']} -> {c['cur']}",
            explanation=(
                f"Money moved from {c['origin']} to {c['cur']} through {c['hops']} time-ordered transfers "
                f"over {span_hours(c):.1f} hours, starting as {fmt_amount(c['first_amt'], currency)} and "
                f"arriving as {fmt_amount(c['last_amt'], currency)}; " + hop_rule_text(s)
                + f"Score {float(c['score']):.2f}: its share of candidate chains that are looser or shorter."))


def _with_note(f: Finding, note: str, params: Mapping[str, Any]) -> Finding:
    return dataclasses.replace(f, explanation=f.explanation + note, params=dict(params))
