"""What the chain detectors (cycle, random, round-tripping) share: one run of the ``paths`` search, one
pick of the best chains, one finding per chain; they differ in which chains they pick and in wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from moneytrail.detect.paths import PathSearch, best_chains_sql, chain_finding, find_chains, search_from, search_sql
from moneytrail.model.finding import Finding
from moneytrail.store import Case


def chain_defaults(*, min_hops: int, max_findings: int, **own: Any) -> dict[str, Any]:
    """A chain detector's thresholds: the path search's defaults are the same for all of them, so with
    default thresholds they all read one cached search; ``own`` adds a detector's own thresholds."""
    return {"max_hops": 13, "min_hops": min_hops, "max_gap_hours": 150.0, "max_span_hours": 336.0,
            "min_hop_ratio": 0.8, "max_hop_ratio": 1.25, **own, "min_amount": 0.0, "max_findings": max_findings}


def hop_rule_text(s: PathSearch) -> str:
    """The rule every hop of a reported chain kept, as its explanation says it."""
    return (f"every hop followed the previous one within {s.max_gap_hours:g} hours "
            f"and carried {s.min_ratio:g}-{s.max_ratio:g} times its amount. ")


@dataclass
class ChainText:
    """How one chain is reported: its title, its explanation and any details of its own."""

    title: str
    explanation: str
    details: dict[str, Any] = field(default_factory=dict)


class ChainDetector:
    """Reports the best chain per final transaction among the search's closed chains (``chains = CLOSED``:
    back at the origin) or maximal open ones (``OPEN``).

    A subclass sets which ``chains`` table it reads, whether a chain that is the tail of another is
    dropped (``drop_suffixes``), what the finding's query says it picked (``picked``), the role of the
    chain's last account (``last_role``), and how a chain reads (``describe``)."""

    typology: str
    description: str
    defaults: Mapping[str, Any]
    # Run-shared tables it reads (base.shared_table), kept for it by run_detectors.
    shared_kinds = ("activity",)
    chains: str
    drop_suffixes = False
    picked: str
    last_role: str

    def where_sql(self, params: Mapping[str, Any]) -> str:
        """Which of the chains found are candidates."""
        return f"hops >= {int(params['min_hops'])}"

    def describe(self, chain: Mapping[str, Any], s: PathSearch, params: Mapping[str, Any],
                 currency: str) -> ChainText | None:
        """How ``chain`` reads in a finding, or None when it is not reported after all."""
        raise NotImplementedError

    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        s = search_from(params)
        where, limit = self.where_sql(params), int(params["max_findings"])
        chains, details, sql = find_chains(case, s, self.chains, lambda table: best_chains_sql(table, where, limit),
                                           drop_suffixes=self.drop_suffixes)
        currency = case.reporting_currency
        query = search_sql(s) + f"\n-- {self.picked}:\n" + sql
        findings = []
        for c in chains:
            text = self.describe(c, s, params, currency)
            if text is None:
                continue
            f = chain_finding(c, details, typology=self.typology, title=text.title, explanation=text.explanation,
                              params=dict(params), query=query, currency=currency,
                              last_role=self.last_role, extra=text.details)
            findings.append(f)
        return findings
