"""The resolve and screen stages' contracts (``model.stage``): names, versions and parameters."""

from __future__ import annotations

from dataclasses import dataclass

from moneytrail.model.stage import Stamp

NAME = "resolve"
VERSION = 1
SCREEN_NAME = "screen"
SCREEN_VERSION = 1


@dataclass(frozen=True)
class ResolveParams:
    """Entity resolution: match and review thresholds on the pair probability; ``full`` re-resolves all."""

    match: float = 0.9
    review: float = 0.5
    full: bool = False


@dataclass(frozen=True)
class ScreenParams:
    """Screening the case's entities against one list source."""

    list_source: str
    match: float = 0.9
    review: float = 0.5


def screen_stamp(params: ScreenParams) -> Stamp:
    return Stamp(SCREEN_NAME, SCREEN_VERSION, params, scope=params.list_source)
