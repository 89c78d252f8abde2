"""A finding: a result with its explanation and the rows and sources it rests on.

A finding is immutable. It carries no grade and no data version: the store grades it from what it
rests on and stamps it with its stage and the case's data version when it is written
(``store.findings.write_findings``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from moneytrail.model.details import DETAILS, Details, details_of
from moneytrail.model.ids import stable_id

# What a finding may reference. Every finding references at least one row.
REF_KINDS = frozenset(
    {"transaction", "account", "entity", "event", "source", "statement", "claim", "mention", "document",
     "finding"}
)
# Kinds of finding, each with its typed details record (``model.details``).
FINDING_KINDS = frozenset(DETAILS)


@dataclass(frozen=True)
class FindingRef:
    kind: str
    ref_id: str
    role: str = ""

    def __post_init__(self) -> None:
        if self.kind not in REF_KINDS:
            raise ValueError(f"unknown reference kind {self.kind!r}")


def _frozen(details: Mapping[str, Any]) -> Mapping[str, Any]:
    return details if isinstance(details, MappingProxyType) else MappingProxyType(dict(details))


@dataclass(frozen=True)
class Finding:
    """A result. ``kind`` is what it is (trace, typology, link, screen, claim, match); ``typology``
    narrows it (fan-in, bounty, ...). ``details`` may be given as a mapping and becomes the kind's typed,
    read-only record (``model.details``); derive a changed finding with ``dataclasses.replace``."""

    kind: str
    typology: str
    title: str
    explanation: str
    score: float
    refs: Sequence[FindingRef]
    params: Mapping[str, Any] = field(default_factory=dict)
    query: str = ""
    start: datetime | None = None
    end: datetime | None = None
    amount: float | None = None
    currency: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in FINDING_KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r}; kinds: {', '.join(sorted(FINDING_KINDS))}")
        object.__setattr__(self, "refs", tuple(self.refs))
        object.__setattr__(self, "params", _frozen(self.params))
        object.__setattr__(self, "details", details_of(self.kind, self.details))

    @property
    def record(self) -> Details:
        """The typed details record (``details`` is one; this says so to a type checker)."""
        assert isinstance(self.details, Details)
        return self.details

    @property
    def finding_id(self) -> str:
        """Deterministic: the same result with the same parameters, citing the same rows, has the same id."""
        key_refs = sorted(f"{r.kind}:{r.ref_id}:{r.role}" for r in self.refs)
        return stable_id(self.kind, self.typology, self.title,
                         json.dumps(dict(self.params), sort_keys=True, default=str), *key_refs, length=32)
