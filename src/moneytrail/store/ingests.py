"""The ingest log: one row per file (or document) read into the case, named by a small ``ingest_no``
that the rows it stored carry (see migration 6)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moneytrail.store.case import Case


@dataclass
class IngestRecord:
    ingest_id: str
    ingest_no: int
    kind: str
    file: str
    file_hash: str
    source_id: str | None
    preset: str | None = None
    rows_read: int = 0
    rows_stored: int = 0
    rows_quarantined: int = 0
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    mapping_hash: str | None = None  # the mapping that read the file (migration 9)


RETRACTED_KEY = "max_retracted_ingest_no"


def next_ingest_no(case: Case) -> int:
    """The number for a new ingest; call inside the transaction that logs it (one writer per case file).
    Numbers of retracted ingests (``store.retract``) are not given out again."""
    return int(case.engine.scalar(
        "SELECT greatest(coalesce(max(ingest_no), 0), coalesce((SELECT max(CAST(value AS INTEGER)) FROM meta "
        "WHERE key = ?), 0)) + 1 FROM ingest_log", [RETRACTED_KEY]))


def log_ingest(case: Case, rec: IngestRecord) -> None:
    case.engine.execute(
        "INSERT INTO ingest_log (ingest_id, ingest_no, kind, file, file_hash, preset, source_id, rows_read, "
        "rows_stored, rows_quarantined, started_at, finished_at, seconds, details, mapping_hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [rec.ingest_id, rec.ingest_no, rec.kind, rec.file, rec.file_hash, rec.preset, rec.source_id, rec.rows_read,
         rec.rows_stored, rec.rows_quarantined, rec.started_at, datetime.now(UTC).replace(tzinfo=None), rec.seconds,
         json.dumps(rec.details, sort_keys=True, default=str), rec.mapping_hash])


def log_written_rows(case: Case, *, file: str, source_id: str, rows: int) -> int:
    """Log rows written straight into ``transactions`` (not read by an ingest: sample and test data) as if
    read from ``file``, so they name their file like ingested rows; returns the ``ingest_no`` they carry."""
    number = next_ingest_no(case)
    log_ingest(case, IngestRecord(ingest_id=f"written-{number}", ingest_no=number, kind="transactions", file=file,
                                  file_hash="-", source_id=source_id, rows_read=rows, rows_stored=rows))
    return number
