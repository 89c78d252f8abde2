"""Confidence of results from the grades of what they rest on.

A path or finding is no stronger than its weakest link; a claim's standing comes from independent
corroboration (``corroboration.py``). The wording a report uses follows ``Grade.wording``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from moneytrail.evidence.corroboration import claim_corroboration
from moneytrail.evidence.grades import effective_grades, weakest
from moneytrail.model.admiralty import Grade, Wording
from moneytrail.store.case import Case
from moneytrail.store.findings import set_finding_grades


def path_confidence(case: Case, txn_ids: Iterable[str]) -> Grade | None:
    """A money trail's confidence: the weakest grade among its transactions."""
    return weakest(effective_grades(case, "transaction", txn_ids).values())


def claim_confidence(case: Case, claim_id: str) -> Grade | None:
    """A claim's standing with corroboration; a claim that does not count (extracted, rejected) keeps
    its own grade, since nobody has vouched for it."""
    corroborated = claim_corroboration(case, claim_id)
    if claim_id in corroborated.claim_ids and corroborated.grade is not None:
        return corroborated.grade
    return effective_grades(case, "claim", [claim_id]).get(claim_id)


def refs_confidence(case: Case, refs: Iterable[tuple[str, str]], *, _depth: int = 0) -> Grade | None:
    """The weakest grade over (kind, id) references. Entities and accounts say who, not what
    happened, so they weigh in only when nothing else is cited."""
    by_kind: dict[str, set[str]] = defaultdict(set)
    for kind, ref_id in refs:
        by_kind[kind].add(ref_id)
    grades: list[Grade] = []
    for kind in ("transaction", "statement", "event", "source", "document", "mention"):
        grades.extend(effective_grades(case, kind, by_kind.get(kind, set())).values())
    for claim_id in sorted(by_kind.get("claim", set())):
        g = claim_confidence(case, claim_id)
        if g is not None:
            grades.append(g)
    if _depth < 3:
        for fid in sorted(by_kind.get("finding", set())):
            g = finding_confidence(case, fid, _depth=_depth + 1)
            if g is not None:
                grades.append(g)
    if not grades:
        for kind in ("account", "entity"):
            grades.extend(effective_grades(case, kind, by_kind.get(kind, set())).values())
    return weakest(grades)


def finding_confidence(case: Case, finding_id: str, *, _depth: int = 0) -> Grade | None:
    """A stored finding's confidence from its references (weakest link)."""
    refs = [(str(k), str(i)) for k, i in case.engine.rows(
        "SELECT ref_kind, ref_id FROM finding_refs WHERE finding_id = ?", [finding_id])]
    if not refs:
        raise KeyError(f"no finding {finding_id!r} (or it cites nothing)")
    return refs_confidence(case, refs, _depth=_depth)


def wording(grade: Grade | None) -> Wording:
    """Report wording; a result nobody can grade is worded as doubtful."""
    return grade.wording if grade is not None else Wording.DOUBTFUL


def grade_findings(case: Case, kind: str | None = None) -> int:
    """Store each finding's confidence (reliability, credibility, wording) from its references;
    returns how many findings were graded."""
    sql = "SELECT finding_id FROM findings" + (" WHERE kind = ?" if kind else "")
    ids = [str(r[0]) for r in case.engine.rows(sql, [kind] if kind else None)]
    for fid in ids:
        g = finding_confidence(case, fid)
        text = case.engine.dialect.text_sql("?")
        set_finding_grades(case, f"SELECT {text} AS finding_id, {text} AS reliability, "
                           f"CAST(? AS INTEGER) AS credibility, {text} AS wording",
                           [fid, g.reliability if g else None, g.credibility if g else None, wording(g).value])
    return len(ids)
