"""Random chain: money hops through a time-ordered chain of accounts and does not come back.

AMLworld's RANDOM (Altman et al. 2023, §3.2): like a cycle, each hop follows the previous one in time
with the amount roughly carried through, but the chain ends somewhere other than its origin. Only
maximal chains are reported, and a chain that is the tail of a longer one is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.chains import ChainDetector, ChainText, chain_defaults, hop_rule_text
from moneytrail.detect.paths import OPEN, PathSearch, fmt_amount, span_hours
from moneytrail.detect.registry import register


@register
class RandomChainDetector(ChainDetector):
    typology = "random"
    description = "Money moves along a time-ordered chain of 3+ transfers, amounts carried through"
    defaults: Mapping[str, Any] = chain_defaults(min_hops=3, max_findings=200_000)
    chains = OPEN
    drop_suffixes = True
    picked = "maximal chains (no extension at the next hop), per final transaction"
    last_role = "end"

    def describe(self, c: Mapping[str, Any], s: PathSearch, params: Mapping[str, Any], currency: str) -> ChainText:
        return ChainText(
            title=f"{c['hops']}-hop chain {c['origin']} -> {c['cur']}",
            explanation=(
                f"Money moved from {c['origin']} to {c['cur']} through {c['hops']} time-ordered transfers "
                f"over {span_hours(c):.1f} hours, starting as {fmt_amount(c['first_amt'], currency)} and "
                f"arriving as {fmt_amount(c['last_amt'], currency)}; " + hop_rule_text(s)
                + f"Score {float(c['score']):.2f}: its share of candidate chains that are looser or shorter."))
