"""Fan-in: many distinct senders pay one account within a few days (AMLworld FAN-IN)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import plural
from moneytrail.detect.fans import FanDetector
from moneytrail.detect.registry import register
from moneytrail.detect.star import FAN_DEFAULTS


@register
class FanIn(FanDetector):
    typology = "fan-in"
    description = "Many distinct senders pay one account within a short window, unusually for it and its peers."
    direction = "in"
    counterparty = "sender"
    defaults: Mapping[str, Any] = dict(FAN_DEFAULTS)

    def headline(self, hub: str, counterparties: int, total: str) -> tuple[str, str]:
        return (f"Fan-in: {plural(counterparties, 'sender')} paid {hub}",
                f"{plural(counterparties, 'distinct sender')} paid {total} into account {hub}")
