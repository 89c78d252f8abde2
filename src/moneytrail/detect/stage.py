"""The detect and learn stages' contracts (``model.stage``): names, versions and parameters.

A detect run's result is one per typology: its findings are stamped with the typology as scope and the
typology's resolved thresholds as parameters, so rerunning one typology with the same thresholds
replaces only its own earlier findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from moneytrail.model.stage import Stamp

NAME = "detect"
VERSION = 1
LEARN_NAME = "learn"
LEARN_VERSION = 2  # 2: a payment's typology also reads the shape of the flagged payments around it


@dataclass(frozen=True)
class DetectParams:
    """Which typologies to run (None: all) and overrides of their thresholds, as (typology, name, value)."""

    typologies: tuple[str, ...] | None = None
    overrides: tuple[tuple[str, str, Any], ...] = ()

    def override_map(self) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {}
        for typology, name, value in self.overrides:
            result.setdefault(typology, {})[name] = value
        return result


@dataclass(frozen=True)
class LearnParams:
    threshold: float = 0.5
    rounds: int = 200
    seed: int = 7


def detect_stamp(typology: str, thresholds: Mapping[str, Any]) -> Stamp:
    return Stamp(NAME, VERSION, dict(thresholds), scope=typology)


def learn_stamp(params: LearnParams) -> Stamp:
    return Stamp(LEARN_NAME, LEARN_VERSION, params, scope="learned")


def transaction_learn_stamp(params: Mapping[str, Any]) -> Stamp:
    """The stamp of a transaction-level model's scores (learned on this case, or a saved model applied)."""
    return Stamp(LEARN_NAME, LEARN_VERSION, dict(params), scope="transaction")
