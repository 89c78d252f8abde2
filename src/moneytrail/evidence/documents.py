"""Ingesting documents as sources: store the text, find mentions, log the ingest.

A document that cannot yield text (a scanned PDF) is stored with ``has_text = false`` and a message
saying why, so the analyst sees it in the case rather than losing it.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from moneytrail.evidence.attribution import rebuild_origins
from moneytrail.evidence.mentions import Mention, NameIndex, find_mentions
from moneytrail.evidence.text import read_document
from moneytrail.model.admiralty import Grade
from moneytrail.model.ids import stable_id
from moneytrail.store.case import Case
from moneytrail.store.entities import entity_names_sql
from moneytrail.store.ingests import IngestRecord, log_ingest, next_ingest_no
from moneytrail.store.sources import SourceRecord, upsert_source


@dataclass
class DocumentResult:
    path: str
    document_id: str
    source_id: str
    media_type: str
    has_text: bool
    chars: int
    mentions: dict[str, int] = field(default_factory=dict)
    message: str | None = None
    skipped: bool = False


def load_name_index(case: Case) -> NameIndex:
    """Every known name of every entity (from statements), ready to be found in text."""
    rows = case.engine.rows(f"SELECT DISTINCT entity_id, schema, name FROM ({entity_names_sql()}) n "
                            "WHERE prop IN ('name', 'alias', 'previousName') ORDER BY 1, 3")
    return NameIndex([(str(r[0]), str(r[1]), str(r[2])) for r in rows])


def _hash(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def document_source(path: Path, content_hash: str, *, title: str | None = None, grade: Grade | None = None,
                    kind: str = "document") -> SourceRecord:
    return SourceRecord(source_id=f"doc-{path.stem}-{content_hash[:8]}", kind=kind, title=title or path.name,
                        grade=grade, path=str(path), content_hash=content_hash,
                        retrieved_at=datetime.now(UTC).replace(tzinfo=None))


_MENTION_SCHEMA = pa.schema([
    ("mention_id", pa.string()), ("document_id", pa.string()), ("source_id", pa.string()), ("kind", pa.string()),
    ("text", pa.string()), ("value", pa.string()), ("entity_id", pa.string()), ("amount", pa.float64()),
    ("currency", pa.string()), ("score", pa.float64()), ("start_pos", pa.int64()), ("end_pos", pa.int64()),
])


def _mention_rows(document_id: str, source_id: str, mentions: list[Mention]) -> pa.Table:
    rows = {stable_id(document_id, m.kind, m.start, m.end, m.entity_id): m for m in mentions}
    return pa.Table.from_pylist([
        {"mention_id": mid, "document_id": document_id, "source_id": source_id, "kind": m.kind, "text": m.text,
         "value": m.value, "entity_id": m.entity_id, "amount": m.amount, "currency": m.currency, "score": m.score,
         "start_pos": m.start, "end_pos": m.end}
        for mid, m in rows.items()], schema=_MENTION_SCHEMA)


def ingest_document(case: Case, path: Path | str, *, source: SourceRecord | None = None,
                    index: NameIndex | None = None, grade: Grade | None = None,
                    kind: str = "document") -> DocumentResult:
    """Store one document as a source (or under ``source``), with its mentions.

    Re-ingesting the same content for the same source adds nothing.
    """
    p = Path(path)
    started = datetime.now(UTC).replace(tzinfo=None)
    clock = time.perf_counter()
    doc = read_document(p)
    content_hash = _hash(p)
    src = source or document_source(p, content_hash, title=doc.title, grade=grade, kind=kind)
    if src.content_hash is None or src.title is None:
        src = SourceRecord(**{**src.__dict__, "content_hash": src.content_hash or content_hash,
                              "title": src.title or doc.title or p.name, "path": src.path or str(p)})
    document_id = stable_id("document", src.source_id, content_hash)
    existing = case.engine.rows("SELECT media_type, has_text, char_count, message FROM documents WHERE document_id = ?",
                                [document_id])
    if existing:
        stored = case.engine.rows("SELECT kind, count(*) FROM mentions WHERE document_id = ? GROUP BY 1",
                                  [document_id])
        media, has_text, chars, message = existing[0]
        return DocumentResult(str(p), document_id, src.source_id, str(media), bool(has_text), int(chars),
                              {str(k): int(v) for k, v in stored}, message, skipped=True)
    mentions = find_mentions(doc.text, index if index is not None else load_name_index(case)) if doc.has_text else []
    counts: dict[str, int] = {}
    for m in mentions:
        counts[m.kind] = counts.get(m.kind, 0) + 1
    ingest_id = stable_id("document", src.source_id, content_hash)
    e = case.engine
    with e.transaction():
        upsert_source(case, src)
        e.replace_partition("mentions", {"document_id": document_id})
        e.execute("INSERT INTO documents (document_id, source_id, path, media_type, title, text, char_count, has_text, "
                  "message, content_hash, ingest_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  [document_id, src.source_id, str(p), doc.media_type, src.title, doc.text, len(doc.text),
                   doc.has_text, doc.message, content_hash, ingest_id])
        if mentions:
            with e.run() as run:
                rows = run.arrow(_mention_rows(document_id, src.source_id, mentions), hint="mentions")
                e.append("mentions", f"SELECT * FROM {rows}")
        e.replace_partition("ingest_log", {"ingest_id": ingest_id})
        log_ingest(case, IngestRecord(
            ingest_id=ingest_id, ingest_no=next_ingest_no(case), kind="document", file=str(p), file_hash=content_hash,
            source_id=src.source_id, rows_read=len(mentions), rows_stored=len(mentions), started_at=started,
            seconds=time.perf_counter() - clock,
            details={"media_type": doc.media_type, "has_text": doc.has_text, "mentions": counts,
                     "message": doc.message}))
    rebuild_origins(case)
    return DocumentResult(str(p), document_id, src.source_id, doc.media_type, doc.has_text, len(doc.text), counts,
                          doc.message)


def ingest_documents(case: Case, paths: list[Path], *, grade: Grade | None = None,
                     kind: str = "document") -> list[DocumentResult]:
    """Ingest several documents, building the name index once; ``grade`` (else the default for
    ``kind``) applies to each document's new source."""
    index = load_name_index(case)
    return [ingest_document(case, p, index=index, grade=grade, kind=kind) for p in paths]
