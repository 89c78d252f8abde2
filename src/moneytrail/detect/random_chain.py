"""Random chain: money hops through a time-ordered chain of accounts and does not come back.

AMLworld's RANDOM (Altman et al. 2023, §3.2): like a cycle, each hop follows the previous one in time
with the amount roughly carried through, but the chain ends somewhere other than its origin. Only
maximal chains are reported, and a chain that is the tail of a longer one is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.paths import (
    OPEN,
    best_chains_sql,
    chain_finding,
    find_chains,
    fmt_amount,
    search_from,
    search_sql,
    span_hours,
)
from moneytrail.detect.registry import register
from moneytrail.model.finding import Finding
from moneytrail.store import Case


@register
class RandomChainDetector:
    typology = "random"
    description = "Money moves along a time-ordered chain of 3+ transfers, amounts carried through"
    # Run-shared tables it reads (base.shared_table), kept for it by run_detectors.
    shared_kinds = ("activity",)
    defaults: Mapping[str, Any] = {
        "max_hops": 13, "min_hops": 3, "max_gap_hours": 150.0, "max_span_hours": 336.0,
        "min_hop_ratio": 0.8, "max_hop_ratio": 1.25, "min_amount": 0.0, "max_findings": 200_000,
    }

    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        s = search_from(params)
        sql = best_chains_sql(OPEN, f"hops >= {int(params['min_hops'])}", int(params["max_findings"]))
        chains, details = find_chains(case, s, sql, drop_suffixes=True)
        currency, input_hash = case.reporting_currency, case.input_hash()
        query = (search_sql(s)
                 + "\n-- maximal chains (no extension at the next hop), per final transaction:\n" + sql)
        findings = []
        for c in chains:
            explanation = (
                f"Money moved from {c['origin']} to {c['cur']} through {c['hops']} time-ordered transfers "
                f"over {span_hours(c):.1f} hours, starting as {fmt_amount(c['first_amt'], currency)} and "
                f"arriving as {fmt_amount(c['last_amt'], currency)}; every hop followed the previous one within "
                f"{s.max_gap_hours:g} hours and carried {s.min_ratio:g}-{s.max_ratio:g} times its amount. "
                f"Score {float(c['score']):.2f}: its share of candidate chains that are looser or shorter.")
            findings.append(chain_finding(
                c, details, typology=self.typology, title=f"{c['hops']}-hop chain {c['origin']} -> {c['cur']}",
                explanation=explanation, params=dict(params), query=query, input_hash=input_hash,
                currency=currency, last_role="end"))
        return findings
