"""Analyst judgements on pairs: positive merges, negative splits, unsure leaves the pair in review.

Judgements live in the case and outlive every resolve run; ``pipeline.recluster`` applies them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from moneytrail.resolve.explain import with_explanations
from moneytrail.store.case import Case

JUDGEMENTS = ("positive", "negative", "unsure")


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def record_judgement(case: Case, a: str, b: str, judgement: str, note: str | None = None, *,
                     user: str | None = None, score: float | None = None, judged_at: datetime | None = None) -> None:
    """Store (or replace) the judgement on the pair a, b; order of a and b does not matter.
    ``user``, ``score`` and ``judged_at`` are kept as nomenklatura's resolver keeps them."""
    if judgement not in JUDGEMENTS:
        raise ValueError(f"judgement must be one of {', '.join(JUDGEMENTS)}, got {judgement!r}")
    if a == b:
        raise ValueError(f"cannot judge entity {a!r} against itself")
    left, right = _ordered(a, b)
    with case.engine.transaction():
        case.engine.replace_partition(
            "resolve_judgements", {"left_id": left, "right_id": right}, "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [left, right, judgement, note, judged_at or datetime.now(UTC).replace(tzinfo=None), user, score],
            columns=["left_id", "right_id", "judgement", "note", "judged_at", "judged_by", "score"])


def judgements(case: Case) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = case.engine.query(
        "SELECT left_id, right_id, judgement, note, judged_at, judged_by, score FROM resolve_judgements "
        "ORDER BY judged_at, left_id, right_id").to_pylist()
    return rows


def uncertain_pairs(case: Case, *, limit: int | None = None, include_unsure: bool = False) -> list[dict[str, Any]]:
    """Pairs scored between the review and match thresholds that no one has judged, most likely first."""
    open_ = "(j.judgement IS NULL OR j.judgement = 'unsure')" if include_unsure else "j.judgement IS NULL"
    sql = ("SELECT p.left_id, p.right_id, p.grp, p.left_name, p.right_name, p.name_score, p.weight, p.probability, "
           "p.explanation, j.judgement FROM resolve_pairs p LEFT JOIN resolve_judgements j "
           "ON j.left_id = p.left_id AND j.right_id = p.right_id "
           f"WHERE p.decision = 'review' AND {open_} "
           "ORDER BY p.probability DESC, p.left_id, p.right_id")
    if limit:
        sql += f" LIMIT {int(limit)}"
    rows: list[dict[str, Any]] = case.engine.query(sql).to_pylist()
    return with_explanations(case, rows)


def entity_summary(case: Case, entity_id: str) -> dict[str, list[str]]:
    """prop -> values of one entity, with sources, for showing a pair side by side."""
    out: dict[str, list[str]] = {}
    for prop, value, source in case.engine.rows(
            "SELECT prop, value, source_id FROM statements WHERE entity_id = ? ORDER BY prop, value", [entity_id]):
        out.setdefault(str(prop), []).append(f"{value} [{source}]")
    return out
