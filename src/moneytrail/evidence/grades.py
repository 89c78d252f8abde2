"""Effective Admiralty grades of rows: a row's own grade if set, else its source's.

The rules are SQL in ``store.grading`` (over the ``*_grades`` views of migration 4); these functions
read them for single rows, for the CLI and for checks.
"""

from __future__ import annotations

from collections.abc import Iterable

from moneytrail.evidence.attribution import rebuild_origins
from moneytrail.model.admiralty import Grade
from moneytrail.store.case import Case
from moneytrail.store.findings import regrade_findings
from moneytrail.store.grading import ROW_GRADES, row_grades_sql


def graded_kinds() -> frozenset[str]:
    return frozenset(ROW_GRADES)


def grades_sql(kind: str) -> str:
    """(id, reliability, credibility) for every row of a kind, with inheritance applied."""
    return row_grades_sql(kind)


def effective_grades(case: Case, kind: str, ids: Iterable[str]) -> dict[str, Grade]:
    """Effective grades of the given rows; ids that do not exist are absent from the result."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    sql = row_grades_sql(kind)
    placeholders = ", ".join("?" for _ in wanted)
    rows = case.engine.rows(f"SELECT * FROM ({sql}) g WHERE g.{ROW_GRADES[kind][1]} IN ({placeholders})", wanted)
    return {str(r[0]): Grade(str(r[1]), int(r[2])) for r in rows if r[1] is not None and r[2] is not None}


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
    """The analyst grades a source; everything inheriting from it follows through the grade views, and
    the findings resting on it are graded again."""
    if case.engine.scalar("SELECT count(*) FROM sources WHERE source_id = ?", [source_id]) == 0:
        raise KeyError(f"no source {source_id!r}")
    text = case.engine.dialect.text_sql("?")
    case.engine.upsert("sources", ["source_id"], f"SELECT {text} AS source_id, "
                       f"{text} AS reliability, CAST(? AS INTEGER) AS credibility",
                       [source_id, grade.reliability, grade.credibility], insert_missing=False)
    rebuild_origins(case)
    regrade_findings(case)
