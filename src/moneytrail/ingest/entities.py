"""FtM entities (placeholder until the full module lands)."""

from __future__ import annotations

from pathlib import Path

from moneytrail.ingest.result import IngestError, IngestResult, Progress
from moneytrail.store.case import Case
from moneytrail.store.sources import SourceRecord


def ingest_entities(case: Case, path: Path | str, *, source: SourceRecord | None = None,
                    source_kind: str = "registry", progress: Progress | None = None) -> IngestResult:
    raise IngestError("FtM entity ingest is not implemented yet")
