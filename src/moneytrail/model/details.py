"""Typed details of findings: one frozen record per kind of finding.

A record names the fields its kind always or usually carries, typed; a stage may add more fields of its
own (a detector's metrics differ by typology), kept read-only in ``more``. A record reads like a
mapping (``details["metrics"]``), so a report can treat every kind alike, and it is stored as one JSON
object: ``as_dict()`` gives exactly the fields that were set, so records round-trip unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar


@dataclass(frozen=True)
class Details(Mapping[str, Any]):
    """Fields left at None were not given and are not stored; anything else is kept in ``more``."""

    more: Mapping[str, Any] = field(default_factory=dict)
    kind: ClassVar[str] = ""
    _view: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "more", MappingProxyType(dict(self.more)))
        # The mapping view, built once: a record is read far more often than made (merging and storing
        # findings read every record's fields many times), and it never changes.
        given = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.init and f.name != "more"}
        object.__setattr__(self, "_view", {**{k: v for k, v in given.items() if v is not None}, **self.more})

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Details:
        """The record of ``data``: known fields typed, the rest in ``more``."""
        if isinstance(data, cls):
            return data
        known = {f.name for f in dataclasses.fields(cls) if f.init} - {"more"}
        given = dict(data.items())
        return cls(**{k: given.pop(k) for k in list(given) if k in known}, more=given)

    def as_dict(self) -> dict[str, Any]:
        return dict(self._view)

    def __getitem__(self, key: str) -> Any:
        return self._view[key]

    def __contains__(self, key: object) -> bool:
        return key in self._view

    def __iter__(self) -> Iterator[str]:
        return iter(self._view)

    def __len__(self) -> int:
        return len(self._view)


@dataclass(frozen=True)
class TypologyDetails(Details):
    """A detected pattern: its candidate group and metrics, how many transactions, what was merged into it."""

    kind: ClassVar[str] = "typology"
    group: str | None = None
    metrics: Mapping[str, Any] | None = None
    transactions: int | None = None
    merged_from: Sequence[str] | None = None
    rank_in_typology: int | None = None
    hops: Sequence[Mapping[str, Any]] | None = None  # chains: each payment of the chain
    pairs: Sequence[Mapping[str, Any]] | None = None  # pass-through: money in and out


@dataclass(frozen=True)
class TraceDetails(Details):
    """A trace: where the money went (sinks, flows, routes, the Sankey's links) and how much arrived."""

    kind: ClassVar[str] = "trace"
    currency: str | None = None
    source_outflow: float | None = None
    arrived: float | None = None
    seeds: Sequence[str] | None = None
    sinks: Sequence[Mapping[str, Any]] | None = None
    flows: Sequence[Mapping[str, Any]] | None = None
    sankey: Sequence[Mapping[str, Any]] | None = None
    routes: Sequence[Mapping[str, Any]] | None = None


@dataclass(frozen=True)
class LinkDetails(Details):
    """A payment-event link: the matched pairs, the price per casualty and the permutation test."""

    kind: ClassVar[str] = "link"
    pairs: Sequence[Mapping[str, Any]] | None = None
    price_per_casualty: float | None = None
    p_value: float | None = None
    matched: int | None = None


@dataclass(frozen=True)
class ScreenDetails(Details):
    """A list hit: the list entry, the decision and the signals that made it."""

    kind: ClassVar[str] = "screen"
    list_entity_id: str | None = None
    decision: str | None = None
    explanation: Mapping[str, Any] | None = None
    canonical_id: str | None = None


@dataclass(frozen=True)
class MatchDetails(Details):
    """Two records found to be one party."""

    kind: ClassVar[str] = "match"
    left_id: str | None = None
    right_id: str | None = None
    probability: float | None = None


@dataclass(frozen=True)
class ClaimDetails(Details):
    """A claim: its key, when it was said, and the independent origins behind it."""

    kind: ClassVar[str] = "claim"
    claim_key: str | None = None
    dates: Sequence[str] | None = None
    origins: Sequence[Mapping[str, Any]] | None = None
    independent_origins: int | None = None


@dataclass(frozen=True)
class LearnDetails(Details):
    """A learned model's flag on one payment: the reasons in words and the top feature contributions."""

    kind: ClassVar[str] = "learn"
    reasons: Sequence[str] | None = None
    training_hash: str | None = None
    contributions: Mapping[str, float] | None = None
    typology_probability: float | None = None  # of the predicted typology (the finding's), given laundering
    typology_alternatives: Sequence[Sequence[Any]] | None = None  # the next likeliest: [typology, probability]
    typology_named: Sequence[Sequence[Any]] | None = None  # every typology the payment's findings name, likeliest first


DETAILS: dict[str, type[Details]] = {c.kind: c for c in (TypologyDetails, TraceDetails, LinkDetails, ScreenDetails,
                                                          MatchDetails, ClaimDetails, LearnDetails)}


def details_of(kind: str, data: Mapping[str, Any]) -> Details:
    """The typed record of a finding of ``kind`` from its details (a mapping, or stored JSON parsed)."""
    if kind not in DETAILS:
        raise ValueError(f"unknown finding kind {kind!r}; kinds: {', '.join(sorted(DETAILS))}")
    return DETAILS[kind].from_mapping(data)
