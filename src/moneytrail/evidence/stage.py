"""The evidence stage's contract (``model.stage``): claims as findings, graded by corroboration."""

from __future__ import annotations

from dataclasses import dataclass

from moneytrail.model.stage import Stamp

NAME = "evidence"
VERSION = 1


@dataclass(frozen=True)
class EvidenceParams:
    """Claim findings take no parameters: every counted claim becomes one (``evidence.corroboration``)."""


def claims_stamp(params: EvidenceParams | None = None) -> Stamp:
    return Stamp(NAME, VERSION, params or EvidenceParams(), scope="claims")
