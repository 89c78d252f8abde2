"""Effective Admiralty grades of rows: a row's own grade if set, else its source's.

The SQL views ``transaction_grades``, ``statement_grades``, ``event_grades`` and ``claim_grades``
(migration 4) hold the rule; these functions read them for single rows and for finding references.
"""

from __future__ import annotations

from collections.abc import Iterable

from moneytrail.evidence.attribution import rebuild_origins
from moneytrail.model.admiralty import Grade
from moneytrail.store.case import Case

# ref kind -> (SQL giving (id, reliability, credibility), id column). Rows without a grade column of
# their own (accounts, documents, mentions) take their source's grade.
_GRADE_SQL: dict[str, tuple[str, str]] = {
    "transaction": ("SELECT txn_id, reliability, credibility FROM transaction_grades", "txn_id"),
    "statement": ("SELECT statement_id, reliability, credibility FROM statement_grades", "statement_id"),
    "event": ("SELECT event_id, reliability, credibility FROM event_grades", "event_id"),
    "claim": ("SELECT claim_id, reliability, credibility FROM claim_grades", "claim_id"),
    "source": ("SELECT source_id, reliability, credibility FROM sources", "source_id"),
    "account": ("SELECT a.account_key, s.reliability, s.credibility FROM accounts a "
                "JOIN sources s ON s.source_id = a.source_id", "account_key"),
    "document": ("SELECT d.document_id, s.reliability, s.credibility FROM documents d "
                 "JOIN sources s ON s.source_id = d.source_id", "document_id"),
    "mention": ("SELECT m.mention_id, s.reliability, s.credibility FROM mentions m "
                "JOIN sources s ON s.source_id = m.source_id", "mention_id"),
    # An entity is as well attested as its best-graded statement.
    "entity": ("SELECT entity_id, min(reliability), min(credibility) FROM statement_grades "
               "GROUP BY entity_id", "entity_id"),
}


def graded_kinds() -> frozenset[str]:
    return frozenset(_GRADE_SQL)


def grades_sql(kind: str) -> str:
    """(id, reliability, credibility) for every row of a kind, with inheritance applied."""
    if kind not in _GRADE_SQL:
        raise ValueError(f"rows of kind {kind!r} carry no grade; graded kinds: {sorted(_GRADE_SQL)}")
    return _GRADE_SQL[kind][0]


def effective_grades(case: Case, kind: str, ids: Iterable[str]) -> dict[str, Grade]:
    """Effective grades of the given rows; ids that do not exist are absent from the result."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    sql, _ = _GRADE_SQL.get(kind, ("", ""))
    if not sql:
        raise ValueError(f"rows of kind {kind!r} carry no grade; graded kinds: {sorted(_GRADE_SQL)}")
    placeholders = ", ".join("?" for _ in wanted)
    rows = case.engine.rows(f"SELECT * FROM ({sql}) g WHERE g.{_id_alias(kind)} IN ({placeholders})", wanted)
    return {str(r[0]): Grade(str(r[1]), int(r[2])) for r in rows if r[1] is not None and r[2] is not None}


def _id_alias(kind: str) -> str:
    # account_key is selected as a.account_key: in the outer query the column is plain account_key.
    return _GRADE_SQL[kind][1]


def effective_grade(case: Case, kind: str, row_id: str) -> Grade | None:
    """The effective grade of one transaction, statement, event, claim, account, document or mention."""
    return effective_grades(case, kind, [row_id]).get(row_id)


def weakest(grades: Iterable[Grade]) -> Grade | None:
    """The weakest link: the weaker value on each axis over all grades, None for none."""
    result: Grade | None = None
    for g in grades:
        result = g if result is None else result.weakest(g)
    return result


def set_source_grade(case: Case, source_id: str, grade: Grade) -> None:
    """The analyst grades a source; everything inheriting from it follows through the grade views."""
    if case.engine.scalar("SELECT count(*) FROM sources WHERE source_id = ?", [source_id]) == 0:
        raise KeyError(f"no source {source_id!r}")
    text = case.engine.dialect.text_sql("?")
    case.engine.upsert("sources", ["source_id"], f"SELECT {text} AS source_id, "
                       f"{text} AS reliability, CAST(? AS INTEGER) AS credibility",
                       [source_id, grade.reliability, grade.credibility], insert_missing=False)
    rebuild_origins(case)
