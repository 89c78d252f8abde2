"""``sources.yaml``: register document sources with their grades and citations, then ingest the
documents they list.

Each entry: id, title, publisher, published_at, reliability, credibility, cites: [ids], path (relative
to the YAML file). A cited id that is not in the file is registered as a placeholder source, graded
"cannot be judged" (F6), so attribution chains still end somewhere visible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from moneytrail.evidence.attribution import rebuild_origins
from moneytrail.evidence.documents import DocumentResult, ingest_document, load_name_index
from moneytrail.model.admiralty import Grade
from moneytrail.store.case import Case
from moneytrail.store.sources import SourceRecord, add_citation, upsert_source


class SourcesFileError(ValueError):
    """A sources file that cannot be read; the message names file, line and reason."""


@dataclass(frozen=True)
class SourceEntry:
    record: SourceRecord
    cites: tuple[str, ...]
    document: Path | None
    line: int


@dataclass
class SourcesResult:
    sources: int
    citations: int
    placeholders: list[str] = field(default_factory=list)
    documents: list[DocumentResult] = field(default_factory=list)


def _parse_entry(item: Any, where: str, base: Path) -> tuple[SourceRecord, tuple[str, ...], Path | None]:
    if not isinstance(item, dict):
        raise SourcesFileError(f"{where}: a source must be a mapping with at least an id")
    sid = str(item.get("id") or "").strip()
    if not sid:
        raise SourcesFileError(f"{where}: source has no id")
    grade = None
    if item.get("reliability") is not None or item.get("credibility") is not None:
        try:
            grade = Grade(str(item.get("reliability", "F")).strip().upper(), int(item.get("credibility", 6)))
        except (TypeError, ValueError) as exc:
            raise SourcesFileError(f"{where}: source {sid!r}: bad grade ({exc})") from exc
    published = item.get("published_at")
    if published is not None and not isinstance(published, datetime):
        try:
            published = datetime.fromisoformat(str(published).replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError as exc:
            raise SourcesFileError(f"{where}: source {sid!r}: published_at {published!r} is not a date") from exc
    cites = item.get("cites") or []
    if isinstance(cites, str):
        cites = [cites]
    if not isinstance(cites, list):
        raise SourcesFileError(f"{where}: source {sid!r}: cites must be a list of source ids")
    doc: Path | None = None
    if item.get("path"):
        rel = Path(str(item["path"]))
        candidates = [rel] if rel.is_absolute() else [base / rel, base.parent / rel]
        doc = next((c for c in candidates if c.is_file()), None)
        if doc is None:
            raise SourcesFileError(f"{where}: source {sid!r}: document {item['path']!r} not found "
                                   f"(looked in {', '.join(str(c) for c in candidates)})")
    record = SourceRecord(source_id=sid, kind=str(item.get("kind") or "document"),
                          title=str(item.get("title") or sid), grade=grade,
                          publisher=str(item["publisher"]) if item.get("publisher") else None,
                          url=str(item["url"]) if item.get("url") else None,
                          path=str(doc) if doc else None, published_at=published)
    return record, tuple(str(c) for c in cites), doc


def read_sources_file(path: Path) -> list[SourceEntry]:
    if not path.is_file():
        raise SourcesFileError(f"{path}: no such file")
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourcesFileError(f"{path}: not valid YAML ({exc})") from exc
    if isinstance(data, dict) and "sources" in data:
        data = data["sources"]
        node = next(v for k, v in node.value if k.value == "sources") if node is not None else None
    if not isinstance(data, list):
        raise SourcesFileError(f"{path}:1: expected a list of sources (or a mapping with a 'sources' list)")
    entries = []
    seen: dict[str, int] = {}
    for i, item in enumerate(data):
        line = node.value[i].start_mark.line + 1 if node is not None else i + 1
        record, cites, doc = _parse_entry(item, f"{path}:{line}", path.parent)
        if record.source_id in seen:
            raise SourcesFileError(f"{path}:{line}: source id {record.source_id!r} already defined on line "
                                   f"{seen[record.source_id]}")
        seen[record.source_id] = line
        entries.append(SourceEntry(record, cites, doc, line))
    return entries


def ingest_sources_file(case: Case, path: Path | str) -> SourcesResult:
    """Register every source, grade and citation in a sources file and ingest its documents."""
    p = Path(path)
    entries = read_sources_file(p)
    defined = {e.record.source_id for e in entries}
    existing = {str(r[0]) for r in case.engine.rows("SELECT source_id FROM sources")}
    result = SourcesResult(sources=len(entries), citations=sum(len(e.cites) for e in entries))
    with case.engine.transaction():
        for entry in entries:
            upsert_source(case, entry.record)
            for cited in entry.cites:
                add_citation(case, entry.record.source_id, cited)
        for cited in sorted({c for e in entries for c in e.cites} - defined - existing):
            upsert_source(case, SourceRecord(source_id=cited, kind="unknown", title=cited,
                                             notes=f"cited in {p} but not described there"))
            result.placeholders.append(cited)
    index = load_name_index(case)
    for entry in entries:
        if entry.document is not None:
            result.documents.append(ingest_document(case, entry.document, source=entry.record, index=index))
    rebuild_origins(case)
    return result
