"""Fan-out: one account pays many distinct receivers within a few days (AMLworld FAN-OUT)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import Group, money, plural, span_text, uses_edges
from moneytrail.detect.fan_in import background_text, run_star
from moneytrail.detect.registry import register
from moneytrail.detect.star import STAR_DEFAULTS
from moneytrail.model.finding import Finding
from moneytrail.store import Case


@register
class FanOut:
    typology = "fan-out"
    description = "One account pays many distinct receivers within a short window, unusually for it and its peers."
    # Run-shared tables it reads (base.shared_table), kept for it by run_detectors.
    shared_kinds = ("star", "star-out")
    defaults: Mapping[str, Any] = dict(STAR_DEFAULTS)

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        window = int(params["window_days"])

        def explain(group: Group, currency: str) -> tuple[str, str]:
            hub = str(group.metrics["hub"])
            receivers = group.accounts("receiver")
            total = sum(m.amount for m in group.members)
            title = f"Fan-out: {hub} paid {plural(len(receivers), 'receiver')}"
            text = (f"Account {hub} paid {money(total, currency)} out to "
                    f"{plural(len(receivers), 'distinct account')} within {span_text(group.start, group.end)} "
                    f"({plural(len(group.members), 'transfer')}). "
                    + background_text(group, "receivers", window))
            return title, text

        return run_star(case, "out", self.typology, params, explain)
