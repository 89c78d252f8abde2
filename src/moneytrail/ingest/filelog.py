"""One file, one ingest: content hash, the ingest_log row, the source, and the single transaction.

Re-ingesting a file whose content hash (for the same kind, read with the same mapping) is already logged
adds nothing; a corrected mapping reads the same file again. A file that is not UTF-8 is read through a
temporary UTF-8 copy (``ingest.encoding``), its lines one for one. Each file's
ingest runs inside one DB transaction whose last statement writes its ingest_log row, so a crash or
``kill -9`` leaves either the whole file or none of it.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moneytrail.engine.scratch import Run
from moneytrail.ingest.compressed import Damage, decompress_verified, salvage_enabled
from moneytrail.ingest.encoding import detect_encoding, utf8_copy
from moneytrail.ingest.layout import FileLayout, read_layout
from moneytrail.ingest.result import IngestError, IngestResult
from moneytrail.model.ids import stable_id
from moneytrail.store.case import Case
from moneytrail.store.ingests import IngestRecord, log_ingest, next_ingest_no
from moneytrail.store.sources import SourceRecord, upsert_source

# The default kind of source (and so its default Admiralty grade) per kind of ingest.
SOURCE_KIND = {"transactions": "bank_record", "accounts": "bank_record", "entities": "registry",
               "events": "event_dataset", "patterns": "dataset", "rates": "dataset", "labels": "dataset"}


def file_hash(path: Path) -> str:
    return read_layout(path)[0]


def default_source(path: Path, kind: str, content_hash: str, source_kind: str | None = None) -> SourceRecord:
    return SourceRecord(source_id=f"file-{content_hash[:16]}", kind=source_kind or SOURCE_KIND.get(kind, "dataset"),
                        title=path.name, path=str(path), content_hash=content_hash,
                        retrieved_at=datetime.now(UTC).replace(tzinfo=None))


@dataclass
class FileIngest:
    """State of one file's ingest, filled in by the format-specific code inside ``file_ingest``."""

    case: Case
    path: Path
    kind: str
    ingest_id: str
    file_hash: str
    source: SourceRecord
    preset: str | None
    layout: FileLayout | None = None  # where the records of ``data_path`` lie (see ingest.layout)
    data_path: Path | None = None     # what the readers read: the file, or its verified decompressed copy
    damage: Damage | None = None      # compressed input damaged and salvaged (``--salvage``)
    ingest_no: int = 0                # the number its stored rows carry (store.ingests)
    scratch: Run | None = None        # the ingest's run: its scratch tables go when the ingest ends
    rows_read: int = 0
    rows_stored: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0           # rows the case already held (ingest.duplicates), not stored again
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return str(self.path)

    @property
    def run(self) -> Run:
        """The run owning this ingest's scratch tables (staging, rejects, line shifts)."""
        if self.scratch is None:
            raise RuntimeError("FileIngest used outside file_ingest")
        return self.scratch

    @property
    def data(self) -> Path:
        return self.data_path or self.path

    def quarantine_rows(self, rows: list[tuple[int | None, str | None, str]]) -> None:
        """Quarantine a few rows found in Python: (line, raw text, reason)."""
        for line, raw, reason in rows:
            self.case.engine.execute(
                "INSERT INTO quarantine (ingest_id, file, line, raw, reason) VALUES (?, ?, ?, ?, ?)",
                [self.ingest_id, self.origin, line, raw, reason])


def logged_result(case: Case, path: Path, kind: str, content_hash: str,
                  mapping_hash: str | None = None) -> IngestResult | None:
    row = case.engine.rows(
        "SELECT ingest_id, rows_read, rows_stored, rows_quarantined FROM ingest_log "
        "WHERE file_hash = ? AND kind = ? AND coalesce(mapping_hash, '') = ? ORDER BY started_at LIMIT 1",
        [content_hash, kind, mapping_hash or ""])
    if not row:
        return None
    ingest_id, read, stored, quarantined = row[0]
    return IngestResult(file=str(path), ingest_id=str(ingest_id), kind=kind, rows_read=int(read),
                        rows_stored=int(stored), rows_quarantined=int(quarantined), seconds=0.0, skipped=True,
                        rows_duplicate=int(read) - int(stored) - int(quarantined))


@contextmanager
def file_ingest(case: Case, path: Path | str, kind: str, *, preset: str | None = None,
                source: SourceRecord | None = None, source_kind: str | None = None,
                result: list[IngestResult] | None = None, mapping_hash: str | None = None,
                encoding: str | None = None) -> Iterator[FileIngest | None]:
    """Yields a FileIngest to fill, or None when this file was already ingested with this mapping (then
    ``result`` gets the logged figures). On normal exit the ingest_log row is written and the transaction
    commits. ``encoding``: None reads the file as it is; ``auto`` or a codec name reads a text file
    through a UTF-8 copy when it is not UTF-8 (``details['encoding']`` says which was used and why)."""
    p = Path(path)
    if p.is_dir():
        raise IngestError(f"{p}: is a directory; give a file")
    if not p.is_file():
        raise IngestError(f"{p}: no such file" if not p.exists() else f"{p}: not a regular file")
    out = result if result is not None else []
    try:
        content_hash, layout = read_layout(p)
    except OSError as exc:
        raise IngestError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    previous = logged_result(case, p, kind, content_hash, mapping_hash)
    if previous is not None:
        out.append(previous)
        yield None
        return
    scratch = Path(tempfile.mkdtemp(prefix="moneytrail-ingest-")) if layout.gzip else None
    copy: Path | None = None
    try:
        data_path, damage = None, None
        if scratch is not None:
            data_path = scratch / (p.stem or "data")
            damage = decompress_verified(p, data_path)
            if damage is not None and not salvage_enabled():
                raise IngestError(damage.message(p) + "; nothing stored (--salvage stores the lines before it)")
            layout = read_layout(data_path)[1]
        details: dict[str, Any] = {}
        if encoding is not None:
            # A text file that is not UTF-8 is read through a UTF-8 copy: lines stay where they were.
            enc = detect_encoding(data_path or p, encoding)
            details["encoding"] = {"name": enc.name, "detected": enc.detected, "why": enc.why}
            if enc.name not in ("utf-8", "utf-8-sig"):
                copy = utf8_copy(data_path or p, enc)
                data_path, layout = copy, read_layout(copy)[1]
        with _one_ingest(case, p, kind, preset, source, source_kind, content_hash, layout, out,
                         mapping_hash) as state:
            state.data_path, state.damage = data_path, damage
            state.details.update(details)
            yield state
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        if copy is not None:
            copy.unlink(missing_ok=True)


@contextmanager
def _one_ingest(case: Case, p: Path, kind: str, preset: str | None, source: SourceRecord | None,
                source_kind: str | None, content_hash: str, layout: FileLayout,
                out: list[IngestResult], mapping_hash: str | None) -> Iterator[FileIngest]:
    started = datetime.now(UTC).replace(tzinfo=None)
    clock = time.perf_counter()
    src = source or default_source(p, kind, content_hash, source_kind)
    state = FileIngest(case=case, path=p, kind=kind,
                       ingest_id=stable_id(kind, content_hash, preset, *([mapping_hash] if mapping_hash else []),
                                           length=24),
                       file_hash=content_hash, source=src, preset=preset, layout=layout)
    # The run is outside the transaction: after a failure the rollback comes first, then its drops.
    with case.engine.run() as run, case.engine.bulk_load(), case.engine.transaction():
        state.scratch = run
        upsert_source(case, src)
        state.ingest_no = next_ingest_no(case)
        state.details["ingest_no"] = state.ingest_no  # for `ingest undo` hints
        yield state
        if kind != "entities":  # JSON lines are quarantined with their own text already
            from moneytrail.ingest.rawtext import restore_raw_text  # rawtext reads FileIngest
            restore_raw_text(state)
        if state.damage is not None:
            d = state.damage
            state.quarantine_rows([(d.last_line + 1, d.tail.decode("utf-8", "backslashreplace")[:4000],
                                    d.message(p) + "; the rest of the file is unreadable")])
            state.rows_read += 1
            state.rows_quarantined += 1
            state.details["salvaged"] = {"codec": d.codec, "offset": d.offset, "last_good_line": d.last_line,
                                         "reason": d.reason}
        if state.rows_duplicate:
            state.details["duplicates"] = state.rows_duplicate
        if state.rows_read != state.rows_stored + state.rows_quarantined + state.rows_duplicate:
            raise IngestError(f"{p}: internal error, {state.rows_read} rows read but {state.rows_stored} stored, "
                              f"{state.rows_quarantined} quarantined and {state.rows_duplicate} duplicates")
        seconds = time.perf_counter() - clock
        log_ingest(case, IngestRecord(
            ingest_id=state.ingest_id, ingest_no=state.ingest_no, kind=kind, file=str(p), file_hash=content_hash,
            source_id=src.source_id, preset=preset, rows_read=state.rows_read, rows_stored=state.rows_stored,
            rows_quarantined=state.rows_quarantined, started_at=started, seconds=seconds, details=state.details,
            mapping_hash=mapping_hash))
    out.append(IngestResult(file=str(p), ingest_id=state.ingest_id, kind=kind, rows_read=state.rows_read,
                            rows_stored=state.rows_stored, rows_quarantined=state.rows_quarantined,
                            seconds=time.perf_counter() - clock, details=state.details,
                            rows_duplicate=state.rows_duplicate))
