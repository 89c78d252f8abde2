"""Fan-out: one account pays many distinct receivers within a few days (AMLworld FAN-OUT)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import plural
from moneytrail.detect.fans import FanDetector
from moneytrail.detect.registry import register
from moneytrail.detect.star import FAN_DEFAULTS


@register
class FanOut(FanDetector):
    typology = "fan-out"
    description = "One account pays many distinct receivers within a short window, unusually for it and its peers."
    direction = "out"
    counterparty = "receiver"
    defaults: Mapping[str, Any] = dict(FAN_DEFAULTS)

    def headline(self, hub: str, counterparties: int, total: str) -> tuple[str, str]:
        return (f"Fan-out: {hub} paid {plural(counterparties, 'receiver')}",
                f"Account {hub} paid {total} out to {plural(counterparties, 'distinct account')}")
