"""Bipartite and stack among busy accounts: the weaker variants of ``bipartite`` and ``stack`` for accounts
that also carry heavy ordinary traffic.

``bipartite`` and ``stack`` only look at accounts that are quiet that week (at most 12 payments, at most 6
transfers through a relay) and keep blocks whose transfers are most of those accounts' traffic: planted
patterns in a quiet background. In AMLworld the laundering accounts also trade normally, so on the
HI-/LI-Medium mix neither makes a finding at its defaults. These variants lift the quiet bars and the
exclusivity bar, keep the new-tie rule (each transfer of the pattern is the first between its two
accounts: repeat payments are everyday life), and for stacks accept relays passing on 0.5-2 times what
they got (not within ±10%). Chance cores among busy accounts are common, so findings score ``weight``
(0.5) times the usual and say why they are weaker. A 0.5-2x pass-on is evidence only where amounts vary:
where two unrelated transfers of the case pass that test more often than ``max_carry_chance``
(``random_chain.carry_chance``; AMLSim's narrow amounts, where stack-busy otherwise cited 3,500
accounts, 7% labelled), stack-busy makes no findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import prepared_edges
from moneytrail.detect.bipartite import Bipartite
from moneytrail.detect.random_chain import MIN_PAIRS, carry_chance
from moneytrail.detect.registry import register
from moneytrail.detect.stack import StackDetector
from moneytrail.model.finding import Finding
from moneytrail.store import Case

CAVEAT = (" Weaker than a {base} among quiet accounts: these accounts also carry heavy ordinary traffic, in "
          "which such {shape} arise by chance more often, so this is scored at half weight.")


@register
class BusyBipartite(Bipartite):
    typology = "bipartite-busy"
    description = "Weaker variant of bipartite: senders paying the same receivers within days, busy accounts allowed."
    defaults: Mapping[str, Any] = {**Bipartite.defaults, "max_week_degree": 200, "min_exclusivity": 0.05}
    weight = 0.5
    variant = ("busy-accounts", "bipartite")
    caveat = CAVEAT.format(base="bipartite block", shape="blocks")
    weaker_variant = True


@register
class BusyStack(StackDetector):
    typology = "stack-busy"
    description = ("Weaker variant of stack: layers of relays passing on 0.5-2x what they got within days, "
                   "busy relays allowed.")
    defaults: Mapping[str, Any] = {**StackDetector.defaults, "max_relay_week": 200, "min_ratio": 0.5,
                                   "max_ratio": 2.0, "min_exclusivity": 0.05, "max_carry_chance": 0.35}
    weight = 0.5
    variant = ("busy-accounts", "stack")
    caveat = CAVEAT.format(base="stack", shape="layers")
    weaker_variant = True

    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        with prepared_edges(case):
            pairs, share = carry_chance(case, float(params["min_ratio"]), float(params["max_ratio"]))
            if pairs >= MIN_PAIRS and share > float(params["max_carry_chance"]):
                return []
            return super().detect(case, params)
