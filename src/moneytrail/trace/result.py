"""What a trace returns: flows (paths with hops), sinks, intermediaries, routes and the Sankey."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from moneytrail.model.admiralty import Grade
from moneytrail.trace.params import TraceParams


@dataclass(frozen=True)
class Hop:
    """One payment on a path, in the direction money moved, with the evidence it rests on."""

    txn_id: str
    source_id: str
    origin_line: int
    ts: datetime
    from_account: str
    to_account: str
    amount: float  # the whole payment
    tainted: float  # taint the payment carried in all (every path through it)
    grade: Grade


@dataclass(frozen=True)
class Flow:
    """Tainted money that followed one sequence of payments and stopped at ``hops[-1].to_account``
    (or, backward, started at ``hops[0].from_account``)."""

    hops: tuple[Hop, ...]
    amount: float
    countries: tuple[str, ...]

    @property
    def confidence(self) -> Grade:
        """A path is no stronger than its weakest hop."""
        grade = self.hops[0].grade
        for hop in self.hops[1:]:
            grade = grade.weakest(hop.grade)
        return grade

    @property
    def seconds_to_arrive(self) -> float:
        return (self.hops[-1].ts - self.hops[0].ts).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        return {
            "amount": self.amount, "hop_count": len(self.hops), "countries": list(self.countries),
            "seconds_to_arrive": self.seconds_to_arrive, "confidence": str(self.confidence),
            "wording": self.confidence.wording.value,
            "hops": [{**{k: v for k, v in asdict(h).items() if k != "grade"}, "ts": h.ts.isoformat(),
                      "grade": str(h.grade)} for h in self.hops],
        }


@dataclass(frozen=True)
class AccountTotal:
    account: str
    entity_id: str | None
    label: str
    country: str | None
    amount: float


@dataclass
class TraceResult:
    params: TraceParams
    seeds: list[str]
    targets: list[str]
    currency: str
    source_outflow: float  # taint that left the seeds (backward: that reached them)
    arrived: float  # taint that stopped somewhere other than where it started
    sinks: list[AccountTotal]
    intermediaries: list[AccountTotal]
    flows: list[Flow]
    flows_total: float  # how much of the traced money the listed flows account for
    routes: list[dict[str, Any]]
    sankey: list[dict[str, Any]]
    hop_counts: dict[int, float]
    edge_taint: dict[str, float]  # txn key -> taint carried (for checks and the store)
    stats: dict[str, Any] = field(default_factory=dict)
    finding_id: str | None = None

    @property
    def confidence(self) -> Grade | None:
        grades = [f.confidence for f in self.flows]
        if not grades:
            return None
        weakest = grades[0]
        for g in grades[1:]:
            weakest = weakest.weakest(g)
        return weakest

    def to_dict(self) -> dict[str, Any]:
        conf = self.confidence
        return {
            "params": self.params.as_dict(), "seeds": self.seeds, "targets": self.targets,
            "currency": self.currency, "source_outflow": self.source_outflow, "arrived": self.arrived,
            "confidence": str(conf) if conf else None, "wording": conf.wording.value if conf else None,
            "sinks": [asdict(s) for s in self.sinks], "intermediaries": [asdict(s) for s in self.intermediaries],
            "hop_counts": {str(k): v for k, v in sorted(self.hop_counts.items())},
            "routes": self.routes, "sankey": self.sankey, "flows_total": self.flows_total,
            "flows": [f.to_dict() for f in self.flows], "stats": self.stats, "finding_id": self.finding_id,
        }
