"""Simple cycle: money leaves an account and comes back to it through a time-ordered chain.

AMLworld's CYCLE (Altman et al. 2023, §3.2): each hop leaves the account the previous hop entered,
later in time, with the amount roughly carried through; the last hop returns to the origin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.paths import (
    CLOSED,
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
class CycleDetector:
    typology = "cycle"
    description = "Money returns to its origin through a time-ordered chain of transfers"
    # Run-shared tables it reads (base.shared_table), kept for it by run_detectors.
    shared_kinds = ("activity",)
    defaults: Mapping[str, Any] = {
        "max_hops": 13, "min_hops": 2, "max_gap_hours": 150.0, "max_span_hours": 336.0,
        "min_hop_ratio": 0.8, "max_hop_ratio": 1.25, "min_amount": 0.0, "max_findings": 200_000,
    }

    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        s = search_from(params)
        sql = best_chains_sql(CLOSED, f"hops >= {int(params['min_hops'])}", int(params["max_findings"]))
        chains, details = find_chains(case, s, sql, drop_suffixes=False)
        currency, input_hash = case.reporting_currency, case.input_hash()
        query = (search_sql(s) + "\n-- then, per closing transaction:\n" + sql)
        findings = []
        for c in chains:
            hours = span_hours(c)
            explanation = (
                f"Money left {c['origin']} and came back to it after {c['hops']} time-ordered transfers "
                f"over {hours:.1f} hours. It started as {fmt_amount(c['first_amt'], currency)} and returned "
                f"as {fmt_amount(c['last_amt'], currency)}; every hop followed the previous one within "
                f"{s.max_gap_hours:g} hours and carried {s.min_ratio:g}-{s.max_ratio:g} times its amount. "
                f"Score {float(c['score']):.2f}: the chain is tighter and longer than that share of all "
                "candidate cycles found.")
            findings.append(chain_finding(
                c, details, typology=self.typology, title=f"{c['hops']}-hop cycle from {c['origin']}",
                explanation=explanation, params=dict(params), query=query, input_hash=input_hash,
                currency=currency, last_role="intermediary"))
        return findings
