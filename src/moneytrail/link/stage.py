"""The link stage's contract (``model.stage``): name, version and parameters of one payment-event test."""

from __future__ import annotations

from dataclasses import dataclass

from moneytrail.model.stage import Stamp

NAME = "link"
VERSION = 1


@dataclass(frozen=True)
class LinkParams:
    """Is ``actor`` (or ``payee``, for the actor's events) paid a fixed price per casualty after events?

    ``window`` days after an event; ``tolerance`` relative deviation from one price; ``permutations``
    redraws of event dates for the p-value, which must be below ``alpha`` with at least ``min_pairs``
    matched payments; ``any_role``: events naming the actor in any actor column, not only as perpetrator.
    """

    actor: str
    window: float = 30
    permutations: int = 999
    tolerance: float = 0.10
    alpha: float = 0.01
    min_pairs: int = 3
    seed: int = 0
    any_role: bool = False
    payee: str | None = None


def link_stamp(params: LinkParams) -> Stamp:
    return Stamp(NAME, VERSION, params, scope="bounty")
