"""What an ingest reports, and the error it raises for input it cannot read at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# progress(stage, done, total): called between the big steps of an ingest (the CLI draws a bar).
Progress = Callable[[str, int, int], None]


class IngestError(RuntimeError):
    """A file cannot be ingested at all (wrong delimiter, missing columns, truncated gzip...).

    The message names the file and, where there is one, the line. Nothing of the file is stored.
    """


@dataclass
class IngestResult:
    file: str
    ingest_id: str
    kind: str
    rows_read: int
    rows_stored: int
    rows_quarantined: int
    seconds: float
    skipped: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    rows_duplicate: int = 0  # rows the case already held, reported in ``duplicates`` and not stored again

    @property
    def reconciles(self) -> bool:
        """Every row read was stored, quarantined or reported as a duplicate."""
        return self.rows_read == self.rows_stored + self.rows_quarantined + self.rows_duplicate

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "ingest_id": self.ingest_id, "kind": self.kind, "rows_read": self.rows_read,
                "rows_stored": self.rows_stored, "rows_quarantined": self.rows_quarantined,
                "rows_duplicate": self.rows_duplicate, "seconds": round(self.seconds, 3), "skipped": self.skipped,
                "details": self.details}
