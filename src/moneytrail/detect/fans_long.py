"""Fans over long windows: many distinct counterparties deal with one hub over months, not days — the
weaker variants of fan-in and fan-out.

AMLSim's fan-in has one sender about every three months; AMLworld's span at most six days, which is what
``fan-in``/``fan-out`` look for (a 6-day window). These variants run the same star search (new
counterparties per hub in a window, unusual for the hub's own history and for its peers; see ``star``)
over a ``window_days`` of 90, so a slow trickle of one-off payers adds up. Over three months ordinary
accounts also collect new counterparties, so the evidence is weaker: findings score ``weight`` (0.5)
times the usual mapping and say so. A case shorter than ``min_history_windows`` windows has too little
history outside a window to say what is usual for an account (a 27-day AMLworld mix: 5% of the transfers
fan-in-long cited were labelled), so there they make no findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import case_days_sql, plural, prepared_edges
from moneytrail.detect.fan_in import FanIn
from moneytrail.detect.fan_out import FanOut
from moneytrail.detect.registry import register
from moneytrail.detect.star import STAR_DEFAULTS
from moneytrail.model.finding import Finding
from moneytrail.store import Case

# Over 90 days an ordinary account's busiest window holds several new counterparties, so the bars are
# higher than the 6-day fans': on the AMLSim samples (149 days, ~5 counterparties per account) the 6-day
# defaults at 90 days flag 3,173 hubs, 12% of them labelled; these 580 (fan-in-long, 22% labelled, base
# rate 4.7%) and 45 (fan-out-long, 43-56%) (benchmarks/detect_amlworld.py --amlsim-only prints them).
LONG_DEFAULTS: dict[str, Any] = {**STAR_DEFAULTS, "window_days": 90, "min_arrival_days": 3, "min_degree": 12,
                                 "min_z_peer": 5.0, "max_recurring_share": 0.2, "min_history_windows": 1.5}


def long_enough(case: Case, params: Mapping[str, Any]) -> bool:
    """The case spans at least ``min_history_windows`` windows."""
    with prepared_edges(case):
        days = int(case.engine.scalar(case_days_sql()) or 0)
    return days >= float(params["min_history_windows"]) * int(params["window_days"])


CAVEAT = (" Weaker than a fan within days: over a long window ordinary accounts also gather new counterparties, "
          "so this is scored at half weight.")


@register
class FanInLong(FanIn):
    typology = "fan-in-long"
    description = "Weaker variant of fan-in: many distinct one-off senders pay one account over months."
    defaults: Mapping[str, Any] = dict(LONG_DEFAULTS)
    weight = 0.5
    variant = ("long-window", "fan-in")
    weaker_variant = True
    caveat = CAVEAT
    members_new_only = True

    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        return super().detect(case, params) if long_enough(case, params) else []

    def headline(self, hub: str, counterparties: int, total: str) -> tuple[str, str]:
        return (f"Slow fan-in: {plural(counterparties, 'sender')} paid {hub} (long window)",
                f"{plural(counterparties, 'distinct sender')} paid {total} into account {hub}")


@register
class FanOutLong(FanOut):
    typology = "fan-out-long"
    description = "Weaker variant of fan-out: one account pays many distinct one-off receivers over months."
    defaults: Mapping[str, Any] = dict(LONG_DEFAULTS)
    weight = 0.5
    variant = ("long-window", "fan-out")
    weaker_variant = True
    caveat = CAVEAT
    members_new_only = True

    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        return super().detect(case, params) if long_enough(case, params) else []

    def headline(self, hub: str, counterparties: int, total: str) -> tuple[str, str]:
        return (f"Slow fan-out: {hub} paid {plural(counterparties, 'receiver')} (long window)",
                f"Account {hub} paid {total} out to {plural(counterparties, 'distinct account')}")
