"""Claim corroboration: how many independent origins stand behind a claim, and the standing that gives.

Only claims that count (asserted by an analyst file, or extracted and then confirmed) are used. A
claim made by A and re-reported by C, where C cites A, has one origin: A. Independent origins raise a
claim's credibility after the Admiralty scale: two usually-reliable (A/B) origins make it "probably
true" (2); "confirmed by other sources" (1) needs three reliable origins, or two with one A.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moneytrail.model.admiralty import Grade, Wording
from moneytrail.store.case import Case

COUNTED_STATUSES = ("asserted", "confirmed")


@dataclass(frozen=True)
class OriginSupport:
    origin_source_id: str
    grade: Grade
    via: tuple[str, ...]  # reporting sources whose citations lead to this origin
    claim_ids: tuple[str, ...]


@dataclass(frozen=True)
class Corroboration:
    claim_key: str
    claim_ids: tuple[str, ...]
    reporting_sources: tuple[str, ...]
    origins: tuple[OriginSupport, ...]
    grade: Grade | None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def independent_origins(self) -> int:
        return len(self.origins)

    @property
    def wording(self) -> Wording | None:
        return self.grade.wording if self.grade else None


def combine_origins(grades: list[Grade]) -> Grade | None:
    """The standing of a claim from the grades of its independent origins (one grade per origin)."""
    if not grades:
        return None
    best = max(grades, key=lambda g: g.strength)
    n_ab = sum(g.reliability in "AB" for g in grades)
    n_abc = sum(g.reliability in "ABC" for g in grades)
    has_a = any(g.reliability == "A" for g in grades)
    if n_ab >= 3 or (n_ab >= 2 and has_a) or (n_ab >= 1 and n_abc >= 3):
        ceiling = 1
    elif n_ab >= 2 or (n_ab >= 1 and n_abc >= 2):
        ceiling = 2
    elif n_abc >= 2:
        ceiling = 3
    else:
        ceiling = 6
    return Grade(best.reliability, min(best.credibility, ceiling))


def _support_rows_sql(where: str) -> str:
    """One row per (counted claim, origin of its source), with the claim's grade and the origin's."""
    statuses = ", ".join(f"'{s}'" for s in COUNTED_STATUSES)
    return (
        "SELECT c.claim_key, c.claim_id, c.source_id, g.reliability, g.credibility, "
        "coalesce(o.origin_source_id, c.source_id) AS origin_id, coalesce(o.depth, 0) AS depth, "
        "s.reliability AS origin_reliability, s.credibility AS origin_credibility "
        "FROM claims c JOIN claim_grades g ON g.claim_id = c.claim_id "
        "LEFT JOIN source_origins o ON o.source_id = c.source_id "
        "LEFT JOIN sources s ON s.source_id = coalesce(o.origin_source_id, c.source_id) "
        f"WHERE c.status IN ({statuses}) AND {where} "
        "ORDER BY c.claim_key, origin_id, c.claim_id"
    )


def _build(key: str, rows: list[tuple[Any, ...]]) -> Corroboration:
    per_origin: dict[str, tuple[Grade, set[str], set[str]]] = {}
    for _, claim_id, source_id, rel, cred, origin_id, depth, o_rel, o_cred in rows:
        claim_grade = Grade(str(rel), int(cred))
        # A re-report is as strong as the weaker of the reporter and the original.
        grade = claim_grade if depth == 0 or o_rel is None else claim_grade.weakest(Grade(str(o_rel), int(o_cred)))
        old = per_origin.get(str(origin_id))
        if old is None:
            per_origin[str(origin_id)] = (grade, {str(source_id)}, {str(claim_id)})
        else:
            best = grade if grade.strength > old[0].strength else old[0]
            per_origin[str(origin_id)] = (best, old[1] | {str(source_id)}, old[2] | {str(claim_id)})
    origins = tuple(OriginSupport(oid, g, tuple(sorted(via)), tuple(sorted(cids)))
                    for oid, (g, via, cids) in sorted(per_origin.items()))
    claim_ids = tuple(sorted({str(r[1]) for r in rows}))
    reporting = tuple(sorted({str(r[2]) for r in rows}))
    combined = combine_origins([o.grade for o in origins])
    return Corroboration(key, claim_ids, reporting, origins, combined,
                         {"reports": len(claim_ids), "reporting_sources": len(reporting),
                          "independent_origins": len(origins)})


def corroboration_for_key(case: Case, claim_key: str) -> Corroboration:
    rows = case.engine.rows(_support_rows_sql("c.claim_key = ?"), [claim_key])
    return _build(claim_key, rows)


def claim_corroboration(case: Case, claim_id: str) -> Corroboration:
    """Corroboration of the claim ``claim_id``: every counted claim with the same subject, relation
    and object, grouped by the original sources behind them."""
    key = case.engine.scalar("SELECT claim_key FROM claims WHERE claim_id = ?", [claim_id])
    if key is None:
        raise KeyError(f"no claim {claim_id!r}")
    return corroboration_for_key(case, str(key))


def all_corroborations(case: Case) -> list[Corroboration]:
    """Corroboration of every counted claim, strongest first."""
    rows = case.engine.rows(_support_rows_sql("1 = 1"))
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for r in rows:
        grouped.setdefault(str(r[0]), []).append(r)
    result = [_build(k, v) for k, v in grouped.items()]
    return sorted(result, key=lambda c: (-(c.grade.strength if c.grade else 0), c.claim_key))
