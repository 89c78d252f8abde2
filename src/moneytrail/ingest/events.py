"""ACLED / GTD events (placeholder until the full module lands)."""

from __future__ import annotations

from pathlib import Path

from moneytrail.ingest.result import IngestError, IngestResult
from moneytrail.store.case import Case
from moneytrail.store.sources import SourceRecord


def ingest_events(case: Case, path: Path | str, *, fmt: str = "acled", source: SourceRecord | None = None) -> IngestResult:
    raise IngestError("event ingest is not implemented yet")
