"""Simple cycle: money leaves an account and comes back to it through a time-ordered chain.

AMLworld's CYCLE (Altman et al. 2023, §3.2): each hop leaves the account the previous hop entered,
later in time, with the amount roughly carried through; the last hop returns to the origin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.chains import ChainDetector, ChainText, chain_defaults, hop_rule_text
from moneytrail.detect.paths import CLOSED, PathSearch, fmt_amount, span_hours
from moneytrail.detect.registry import register


@register
class CycleDetector(ChainDetector):
    typology = "cycle"
    description = "Money returns to its origin through a time-ordered chain of transfers"
    defaults: Mapping[str, Any] = chain_defaults(min_hops=2, max_findings=200_000)
    chains = CLOSED
    picked = "then, per closing transaction"
    last_role = "intermediary"

    def describe(self, c: Mapping[str, Any], s: PathSearch, params: Mapping[str, Any], currency: str) -> ChainText:
        return ChainText(
            title=f"{c['hops']}-hop cycle from {c['origin']}",
            explanation=(
                f"Money left {c['origin']} and came back to it after {c['hops']} time-ordered transfers "
                f"over {span_hours(c):.1f} hours. It started as {fmt_amount(c['first_amt'], currency)} and returned "
                f"as {fmt_amount(c['last_amt'], currency)}; " + hop_rule_text(s)
                + f"Score {float(c['score']):.2f}: the chain is tighter and longer than that share of all "
                "candidate cycles found."))
