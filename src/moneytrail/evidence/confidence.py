"""Confidence of results from the grades of what they rest on.

A path or finding is no stronger than its weakest link; a claim's standing comes from independent
corroboration (``corroboration.py``). Findings are graded once, set-based, when they are written
(``store.findings``, rules in ``store.grading``); here are the grades of single things for the CLI.
The wording a report uses follows ``Grade.wording``.
"""

from __future__ import annotations

from collections.abc import Iterable

from moneytrail.evidence.corroboration import claim_corroboration
from moneytrail.evidence.grades import effective_grades, weakest
from moneytrail.model.admiralty import Grade, Wording
from moneytrail.store.case import Case


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


def finding_confidence(case: Case, finding_id: str) -> Grade | None:
    """A stored finding's grade (given when it was written, or when its sources were last re-graded)."""
    rows = case.engine.rows("SELECT reliability, credibility FROM findings WHERE finding_id = ?", [finding_id])
    if not rows:
        raise KeyError(f"no finding {finding_id!r}")
    rel, cred = rows[0]
    return None if rel is None or cred is None else Grade(str(rel), int(cred))


def wording(grade: Grade | None) -> Wording:
    """Report wording; a result nobody can grade is worded as doubtful."""
    return grade.wording if grade is not None else Wording.DOUBTFUL
