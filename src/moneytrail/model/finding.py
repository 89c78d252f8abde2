"""A finding: a result with its explanation and the rows and sources it rests on."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moneytrail.model.admiralty import Grade
from moneytrail.model.ids import stable_id

# What a finding may reference. Every finding references at least one row.
REF_KINDS = frozenset(
    {"transaction", "account", "entity", "event", "source", "statement", "claim", "mention", "document",
     "finding"}
)


@dataclass(frozen=True)
class FindingRef:
    kind: str
    ref_id: str
    role: str = ""

    def __post_init__(self) -> None:
        if self.kind not in REF_KINDS:
            raise ValueError(f"unknown reference kind {self.kind!r}")


@dataclass
class Finding:
    """A stored result. ``kind`` is the stage (trace, typology, link, screen, claim, match);
    ``typology`` narrows it (fan-in, bounty, ...)."""

    kind: str
    typology: str
    title: str
    explanation: str
    score: float
    refs: list[FindingRef]
    params: dict[str, Any] = field(default_factory=dict)
    query: str = ""
    input_hash: str = ""
    start: datetime | None = None
    end: datetime | None = None
    amount: float | None = None
    currency: str | None = None
    grade: Grade | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def finding_id(self) -> str:
        """Deterministic: the same result of the same query on the same input has the same id."""
        key_refs = sorted(f"{r.kind}:{r.ref_id}:{r.role}" for r in self.refs)
        return stable_id(self.kind, self.typology, self.title, self.input_hash,
                         json.dumps(self.params, sort_keys=True, default=str), *key_refs, length=32)
