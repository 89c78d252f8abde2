"""Reading CSV files set-wise through the engine, with line numbers and structural rejects.

The header is read here (so a wrong delimiter or a missing column is a clear error naming line 1); the
body is scanned by the engine with every column as text. Lines the reader cannot split (too few or too
many fields, invalid UTF-8) land in the engine's rejects table and are quarantined with their line.

Line numbers: the engine's CSV scan keeps file order, so ``row_number() OVER ()`` is the ordinal of a
good record; the rejects table gives the record line of each bad one, and a good record's line is its
ordinal plus the header plus the rejected records before it. Line numbers count records, as the
engine's rejects do: a blank line or a newline inside a quoted field is not counted.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from moneytrail.engine import EngineError
from moneytrail.ingest.filelog import FileIngest
from moneytrail.ingest.result import IngestError

_OTHER_DELIMITERS = (";", "\t", "|", ",")


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _first_line(path: Path) -> bytes:
    try:
        if is_gzip(path):
            with gzip.open(path, "rb") as gz:
                return gz.readline(1 << 20)
        with path.open("rb") as fh:
            return fh.readline(1 << 20)
    except (OSError, EOFError, zlib.error) as exc:
        raise IngestError(f"{path}: line 1: cannot read ({exc})") from exc


def dedupe_names(names: list[str]) -> list[str]:
    """Repeated header names get ``.1``, ``.2`` (AMLworld has two ``Account`` columns)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name, 0)
        out.append(name if n == 0 else f"{name}.{n}")
        seen[name] = n + 1
    return out


def read_header(path: Path, delimiter: str, required: list[str]) -> list[str]:
    """The header's column names (deduplicated); errors name the file, line 1 and the reason."""
    raw = _first_line(path)
    try:
        text = raw.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path}: line 1: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                          "re-encode the file as UTF-8") from exc
    if not text.strip():
        raise IngestError(f"{path}: line 1: empty header; expected columns {', '.join(required)}")
    names = dedupe_names([c.strip() for c in next(csv.reader(io.StringIO(text), delimiter=delimiter))])
    missing = [c for c in required if c not in names]
    if missing:
        for other in _OTHER_DELIMITERS:
            if other != delimiter and all(
                    c in dedupe_names([x.strip() for x in next(csv.reader(io.StringIO(text), delimiter=other))])
                    for c in required):
                raise IngestError(f"{path}: line 1: wrong delimiter: expected {delimiter!r} but the header is "
                                  f"separated by {other!r}; pass the right delimiter in the mapping")
        raise IngestError(f"{path}: line 1: missing columns {', '.join(missing)} (header has {', '.join(names)})")
    return names


def gzip_truncation_line(path: Path) -> int:
    """How many complete lines a broken gzip file yields before its stream ends."""
    lines = 0
    try:
        with gzip.open(path, "rb") as gz:
            while chunk := gz.read(1 << 20):
                lines += chunk.count(b"\n")
    except (OSError, EOFError, zlib.error):
        return lines
    return lines


@dataclass(frozen=True)
class Staged:
    table: str          # temp table: _k (good-record ordinal) and the typed columns
    columns: list[str]  # header names
    rows: int           # good records (parsed into the table)
    rejected: int       # structurally broken records, already quarantined
    shifts: str | None  # temp table of (lo, hi, shift) when rejects moved line numbers

    def from_sql(self) -> str:
        """The staged rows with their line number ``_line``."""
        if self.shifts is None:
            return f"(SELECT s.*, s._k + 1 AS _line FROM {self.table} s)"
        return (f"(SELECT s.*, s._k + 1 + coalesce(i.shift, 0) AS _line FROM {self.table} s "
                f"LEFT JOIN {self.shifts} i ON s._k > i.lo AND s._k <= i.hi)")

    def drop_sql(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {t}" for t in (self.table, self.shifts) if t]


@dataclass(frozen=True)
class CsvScan:
    """A CSV file as a relation ``raw`` of text columns ``c0..cN`` plus ``_k`` (good-record ordinal)."""

    columns: dict[str, str]  # header name -> raw column
    raw: str
    rejects: str             # the engine's rejects table, filled once the scan has run
    scan: str = ""           # the bare scan (no ordinal), for callers that number rows another way


def csv_scan(fi: FileIngest, *, delimiter: str, required: list[str], rejects: str) -> CsvScan:
    engine = fi.case.engine
    names = read_header(fi.path, delimiter, required)
    positional = [f"c{i}" for i in range(len(names))]
    engine.execute(f"DROP TABLE IF EXISTS {rejects}")
    scan = engine.csv_scan_sql(fi.path, delimiter=delimiter, header=True, columns=positional, rejects_table=rejects)
    return CsvScan(dict(zip(names, positional, strict=True)), f"(SELECT row_number() OVER () AS _k, * FROM {scan}) raw",
                   rejects, scan)


def run_scan(fi: FileIngest, sql: str, params: list[object] | None = None) -> None:
    """Run a statement that scans the file; reading errors become IngestErrors naming the file."""
    try:
        fi.case.engine.execute(sql, params)
    except EngineError as exc:
        message = str(exc).split("\n-- while running", 1)[0]
        if "gzip" in message.lower():
            raise IngestError(f"{fi.path}: gzip stream truncated or corrupt after line "
                              f"{gzip_truncation_line(fi.path)}: {message}") from exc
        raise IngestError(f"{fi.path}: cannot read as CSV: {message}") from exc


def collect_rejects(fi: FileIngest, scan: CsvScan, table: str) -> tuple[int, str | None]:
    """Turn the scan's rejects into ``{table}_rej`` (line, raw, reason) and, when there are any, a
    ``{table}_shifts`` table (lo, hi, shift): good ordinals in (lo, hi] come after ``shift`` rejected
    records, so their line is ``_k + 1 + shift``. Returns (rejected records, shifts table or None)."""
    engine = fi.case.engine
    rej = f"{table}_rej"
    # One row per rejected record (a record may have several errors); good_before = good records before it.
    engine.execute(f"CREATE OR REPLACE TEMP TABLE {rej} AS SELECT line, raw, reason, "
                   f"line - 2 - (row_number() OVER (ORDER BY line) - 1) AS good_before FROM ("
                   f"SELECT line, min(csv_line) AS raw, min(error_type || ': ' || error_message) AS reason "
                   f"FROM {scan.rejects} GROUP BY line) r")
    for t in (scan.rejects, scan.rejects + "_scan"):
        engine.execute(f"DROP TABLE IF EXISTS {t}")
    rejected = int(engine.scalar(f"SELECT count(*) FROM {rej}"))
    if not rejected:
        return 0, None
    shifts = f"{table}_shifts"
    engine.execute(f"CREATE OR REPLACE TEMP TABLE {shifts} AS SELECT good_before AS lo, "
                   f"coalesce(lead(good_before) OVER (ORDER BY line), 9223372036854775806) AS hi, "
                   f"row_number() OVER (ORDER BY line) AS shift FROM {rej}")
    return rejected, shifts


def quarantine_rejects(fi: FileIngest, table: str) -> None:
    fi.case.engine.execute(f"INSERT INTO quarantine (ingest_id, file, line, raw, reason) SELECT ?, ?, line, raw, "
                           f"reason FROM {table}_rej", [fi.ingest_id, fi.origin])
    fi.case.engine.execute(f"DROP TABLE IF EXISTS {table}_rej")


def stage_csv(fi: FileIngest, *, delimiter: str, required: list[str], build: Callable[[dict[str, str], str], str],
              table: str = "_ingest_stage") -> Staged:
    """Scan the file into temp table ``table`` = ``build(columns, raw)``: ``raw`` is a relation of the file's
    text columns plus ``_k`` (the good-record ordinal), ``columns`` maps header names to its columns, and
    the query must keep ``_k``. Rejected records are quarantined with their line."""
    engine = fi.case.engine
    scan = csv_scan(fi, delimiter=delimiter, required=required, rejects=f"_rejects_{fi.ingest_id[:12]}")
    engine.execute(f"DROP TABLE IF EXISTS {table}")
    run_scan(fi, f"CREATE TEMP TABLE {table} AS {build(scan.columns, scan.raw)}")
    rejected, shifts = collect_rejects(fi, scan, table)
    quarantine_rejects(fi, table)
    rows = int(engine.scalar(f"SELECT count(*) FROM {table}"))
    return Staged(table=table, columns=list(scan.columns), rows=rows, rejected=rejected, shifts=shifts)


def settle_staged(fi: FileIngest, staged: Staged) -> None:
    """After the caller has stored the good staged rows: the bad ones go to quarantine with their line and
    reason, the file's counts are added up, and the staging tables are dropped."""
    engine = fi.case.engine
    engine.execute("INSERT INTO quarantine (ingest_id, file, line, raw, reason) SELECT ?, ?, _line, _raw, _reason "
                   f"FROM {staged.from_sql()} s WHERE _reason IS NOT NULL", [fi.ingest_id, fi.origin])
    bad = int(engine.scalar(f"SELECT count(*) FROM {staged.table} WHERE _reason IS NOT NULL"))
    fi.rows_read += staged.rows + staged.rejected
    fi.rows_stored += staged.rows - bad
    fi.rows_quarantined += bad + staged.rejected
    for sql in staged.drop_sql():
        engine.execute(sql)
