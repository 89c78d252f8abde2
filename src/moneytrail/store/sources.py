"""Writing and reading sources (datasets, files, documents, lists) and their citations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from moneytrail.model.admiralty import Grade, default_grade
from moneytrail.store.case import Case


@dataclass(frozen=True)
class SourceRecord:
    source_id: str
    kind: str
    title: str
    grade: Grade | None = None
    publisher: str | None = None
    url: str | None = None
    path: str | None = None
    content_hash: str | None = None
    published_at: datetime | None = None
    retrieved_at: datetime | None = None
    notes: str | None = None


def upsert_source(case: Case, source: SourceRecord) -> None:
    """Insert or replace a source. A user-set grade wins over the default for its kind."""
    grade = source.grade or default_grade(source.kind)
    case.engine.replace_partition(
        "sources", {"source_id": source.source_id}, "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [source.source_id, source.kind, source.title, source.publisher, source.url, source.path,
         source.content_hash, source.published_at, source.retrieved_at, grade.reliability,
         grade.credibility, source.notes],
        columns=["source_id", "kind", "title", "publisher", "url", "path", "content_hash", "published_at",
                 "retrieved_at", "reliability", "credibility", "notes"])


def add_citation(case: Case, source_id: str, cited_source_id: str, relation: str = "cites") -> None:
    case.engine.replace_partition("source_citations", {"source_id": source_id, "cited_source_id": cited_source_id},
                                  "VALUES (?, ?, ?)", [source_id, cited_source_id, relation])


def source_grade(case: Case, source_id: str) -> Grade | None:
    row = case.engine.rows("SELECT reliability, credibility FROM sources WHERE source_id = ?", [source_id])
    return Grade(str(row[0][0]), int(row[0][1])) if row else None
