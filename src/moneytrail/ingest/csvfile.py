"""Reading CSV files set-wise through the engine, with the line of every record and structural rejects.

The header is read here (so a wrong delimiter or a missing column is a clear error naming line 1); the
body is scanned by the engine with every column as text. Lines the reader cannot split (too few or too
many fields, invalid UTF-8) land in the engine's rejects table and are quarantined with their line.

Line numbers: an engine numbers records in file order only in a single-threaded scan. When every line after
the header is exactly one record (``ingest.layout``), the file is cut at line starts into pieces; each
piece is its own single-threaded numbered scan, and all run at once, so a big file is still read on every
core. A record's provisional line is its ordinal in its piece plus the piece's base (the line before its
first). Otherwise (a quoted field spanning lines, a blank line, a bare CR, a NUL byte, mixed line endings)
``ingest.records`` plans the file line by line: the runs of plain lines are the pieces, and the other
records are parsed apart (or quarantined) with their physical line. Compressed files are read from their
verified decompressed copy (``FileIngest.data``). Every good record after a rejected one in the same piece
sits one line further down than its ordinal says: ``collect_rejects`` turns rejects into (lo, hi, shift)
intervals of provisional lines. The records read must add up to the records the layout found
(``check_records_read``), or the file is refused rather than losing rows.
"""

from __future__ import annotations

import csv
import gzip
import io
import lzma
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from moneytrail.engine import EngineError
from moneytrail.engine.dialect import DUCKDB, Dialect
from moneytrail.ingest.compressed import codec_of, first_decompressed_line
from moneytrail.ingest.filelog import FileIngest
from moneytrail.ingest.layout import FileLayout, cores
from moneytrail.ingest.records import plan_lines
from moneytrail.ingest.result import IngestError
from moneytrail.store import rewrites

_OTHER_DELIMITERS = (";", "\t", "|", ",")


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _first_line(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            codec = codec_of(fh.read(16))
        if codec is not None:
            return first_decompressed_line(path, codec, 1 << 20)
        with path.open("rb") as fh:
            return fh.readline(1 << 20)
    except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
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


def _split_header(text: str, delimiter: str) -> list[str]:
    try:
        return dedupe_names([x.strip() for x in next(csv.reader(io.StringIO(text), delimiter=delimiter))])
    except (csv.Error, StopIteration):
        return []


def read_header(path: Path, delimiter: str, required: list[str], quote: str = '"') -> list[str]:
    """The header's column names (deduplicated); errors name the file, line 1 and the reason."""
    raw = _first_line(path)
    try:
        text = raw.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path}: line 1: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                          "re-encode the file as UTF-8") from exc
    if not text.strip():
        raise IngestError(f"{path}: line 1: empty header; expected columns {', '.join(required)}")
    if "\r" in text:
        raise IngestError(f"{path}: line 1: carriage return without line feed in the header (bare CR line "
                          "endings?); convert the file to LF or CRLF line endings")
    if "\x00" in text:
        raise IngestError(f"{path}: line 1: NUL byte in the header; not a text CSV file")
    try:
        names = dedupe_names([c.strip() for c in next(csv.reader(io.StringIO(text), delimiter=delimiter,
                                                                   quotechar=quote))])
    except (csv.Error, StopIteration) as exc:
        raise IngestError(f"{path}: line 1: cannot read the header as CSV: {exc}") from exc
    missing = [c for c in required if c not in names]
    if missing:
        for other in _OTHER_DELIMITERS:
            if other != delimiter and all(c in _split_header(text, other) for c in required):
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
    table: str          # scratch table: _k (_k + 1 = provisional line) and the typed columns
    columns: list[str]  # header names
    rows: int           # good records (parsed into the table)
    rejected: int       # structurally broken records, already quarantined
    shifts: str | None  # scratch table of (lo, hi, shift) of provisional lines, when rejects moved lines
    dialect: Dialect = DUCKDB  # the engine's, for ``drop_sql``

    def from_sql(self) -> str:
        """The staged rows with their line number ``_line``."""
        if self.shifts is None:
            return f"(SELECT s.*, s._k + 1 AS _line FROM {self.table} s)"
        return (f"(SELECT s.*, s._k + 1 + coalesce(i.shift, 0) AS _line FROM {self.table} s "
                f"LEFT JOIN {self.shifts} i ON s._k + 1 > i.lo AND s._k + 1 <= i.hi)")

    def drop_sql(self) -> list[str]:
        """Statements dropping the staging tables early (the ingest's run drops them at its end anyway)."""
        return [self.dialect.drop_scratch_sql(t) for t in (self.table, self.shifts) if t]


_NO_END = 9223372036854775806


@dataclass(frozen=True)
class Piece:
    scan: str           # FROM-clause read of the piece (all-text columns c0..cN)
    rejects: str        # the engine's rejects table for it, filled once the scan has run
    base: int           # provisional line of a record = its ordinal in the piece + base
    reject_offset: int  # the engine's reject line + reject_offset = the line in the file
    last: int = _NO_END  # the piece's last line (provisional lines of its records are at most this)


@dataclass(frozen=True)
class PieceScan:
    columns: dict[str, str]  # header name -> raw column
    pieces: list[Piece]
    apart: str | None = None  # table (_k, c0..cN) of records parsed apart (ingest.records), when planned
    expected: int | None = None  # records the pieces and ``apart`` hold, when known exactly

    ordinal: str = DUCKDB.scan_ordinal_sql()  # the engine's row number in file order of a single-threaded scan

    @property
    def raw(self) -> str:
        """The records as relation ``raw``: text columns plus ``_k``, where ``_k + 1`` is the line."""
        parts = [f"SELECT {self.ordinal} + {p.base - 1} AS _k, * FROM {p.scan}" for p in self.pieces]
        if self.apart is not None:
            parts.append(f"SELECT * FROM {self.apart}")
        return f"({' UNION ALL '.join(parts)}) raw"


def piece_scan(fi: FileIngest, *, delimiter: str, required: list[str], tag: str, quote: str = '"') -> PieceScan:
    """The file's records as pieces (see module doc). A file whose lines are not one record each is planned
    line by line first (``ingest.records``): its special lines are settled (quarantined now, parsed apart,
    or counted as blank and continuation lines) and the runs of plain lines between become the pieces.
    The layout knows only '"' as a quote: with another, the file is one piece (lines as the reader counts)."""
    engine = fi.case.engine
    names = read_header(fi.data, delimiter, required, quote)
    positional = [f"c{i}" for i in range(len(names))]
    columns = dict(zip(names, positional, strict=True))
    lay = fi.layout if quote == '"' else None
    ordinal = engine.dialect.scan_ordinal_sql()
    if lay is not None and not lay.line_per_record and lay.header_end >= 0:
        return _planned_scan(fi, lay, delimiter=delimiter, columns=columns, quarantine=tag == "")
    if lay is None:  # no layout: the engine reads the whole file, header included
        rejects = engine.scratch_name(f"rej{tag}")
        scan = engine.csv_scan_sql(fi.data, delimiter=delimiter, header=True, columns=positional,
                                   rejects_table=rejects, quote=quote)
        return PieceScan(columns, [Piece(scan, rejects, base=1, reject_offset=0)], ordinal=ordinal)
    # The engine never reads the header itself (a header it cannot parse made it read nothing, silently):
    # every piece starts after it.
    fi.details["lines"] = {"physical": lay.lines, "header": 1, "blank": lay.lines - lay.last_record_line}
    pieces = []
    for start, end, first_line in lay.pieces(cores()):
        rejects = engine.scratch_name(f"rej{tag}")
        scan = engine.csv_range_scan_sql(fi.data, start, end, delimiter=delimiter, columns=positional,
                                         rejects_table=rejects)
        pieces.append(Piece(scan, rejects, base=first_line - 1, reject_offset=first_line - 1))
    if len(pieces) > 1:
        fi.details["pieces"] = len(pieces)
    apart = None if pieces else _apart_table(fi, positional, [])
    return PieceScan(columns, pieces, apart=apart, expected=max(lay.body_lines, 0) if lay.line_per_record else 0,
                     ordinal=ordinal)


def _apart_table(fi: FileIngest, names: list[str], parsed: list[tuple[int, list[str]]]) -> str:
    """Scratch table (_k, c0..cN) of records parsed apart (``_k + 1`` is the line), owned by the ingest's run."""
    table = pa.table([pa.array([line - 1 for line, _ in parsed], pa.int64())]
                     + [pa.array([f[i] for _, f in parsed], pa.string()) for i in range(len(names))],
                     names=["_k", *names])
    return fi.run.arrow(table, hint="apart").name


def _planned_scan(fi: FileIngest, lay: FileLayout, *, delimiter: str, columns: dict[str, str],
                  quarantine: bool) -> PieceScan:
    """Pieces over the runs of plain lines, plus a table of the records parsed apart; lines quarantined by
    the plan are stored in quarantine (once: ``quarantine`` is False for a second read of the same file)."""
    engine = fi.case.engine
    plan = plan_lines(fi.data, lay, delimiter=delimiter, n_fields=len(columns))
    fi.details["read_line_by_line"] = lay.why_not
    fi.details["lines"] = plan.details()
    pieces = []
    for start, end, first, last in plan.runs:
        rejects = engine.scratch_name("rej")
        scan = engine.csv_range_scan_sql(fi.data, start, end, delimiter=delimiter, columns=list(columns.values()),
                                         rejects_table=rejects)
        pieces.append(Piece(scan, rejects, base=first - 1, reject_offset=first - 1, last=last))
    apart = _apart_table(fi, list(columns.values()), plan.parsed)
    if quarantine and plan.quarantined:
        fi.quarantine_rows([(line, raw, reason) for line, raw, reason in plan.quarantined])
        fi.rows_read += len(plan.quarantined)
        fi.rows_quarantined += len(plan.quarantined)
    return PieceScan(columns, pieces, apart=apart, expected=plan.run_records + len(plan.parsed),
                     ordinal=engine.dialect.scan_ordinal_sql())


@contextmanager
def reading(fi: FileIngest) -> Iterator[None]:
    """Reading errors of statements that scan the file become IngestErrors naming the file."""
    try:
        yield
    except EngineError as exc:
        message = str(exc).split("\n-- while running", 1)[0]
        if "gzip" in message.lower():
            raise IngestError(f"{fi.path}: gzip stream truncated or corrupt after line "
                              f"{gzip_truncation_line(fi.path)}: {message}") from exc
        raise IngestError(f"{fi.path}: cannot read as CSV: {message}") from exc


def check_records_read(fi: FileIngest, read: int, expected: int | None) -> None:
    """The reader must give back every record the layout found: refuse the file rather than lose rows."""
    if expected is not None and read != expected:
        raise IngestError(f"{fi.path}: the CSV reader gave {read:,} records where the file's lines hold "
                          f"{expected:,}; nothing stored (please report this file)")


def drop_rejects(fi: FileIngest, ps: PieceScan) -> None:
    """Drop the reader's rejects tables of the scans (the engine made them; ``apart`` goes with the run)."""
    for p in ps.pieces:
        for t in (p.rejects, p.rejects + "_scan"):
            fi.case.engine.drop_scratch(t)


@dataclass(frozen=True)
class Rejects:
    """The scans' rejected records: ``table`` (line, raw, reason, ...), one row per record, and ``shifts``
    (lo, hi, shift) when there are any: stored rows whose provisional line is in (lo, hi] belong ``shift``
    lines further down. Both are scratch tables of the ingest's run."""

    count: int
    table: str
    shifts: str | None


def collect_rejects(fi: FileIngest, ps: PieceScan) -> Rejects:
    """The rejects of ``ps``'s scans (see ``Rejects``); the engine's own rejects tables are dropped."""
    run = fi.run
    if not ps.pieces:
        drop_rejects(fi, ps)
        none = run.materialise("SELECT 0 AS piece, 0 AS base, 0 AS next_base, CAST(0 AS BIGINT) AS line, "
                               "'' AS raw, '' AS reason, 0 AS good_before WHERE false", hint="rej")
        return Rejects(0, none.name, None)
    # A piece's provisional lines end at the next piece's base, or at its own last line when records parsed
    # apart lie between pieces.
    bounds = [min(p.last, nxt.base) for p, nxt in zip(ps.pieces, ps.pieces[1:], strict=False)] + \
        [ps.pieces[-1].last]
    pieces = ", ".join(f"({i}, {p.base}, {p.reject_offset}, {nxt})"
                       for i, (p, nxt) in enumerate(zip(ps.pieces, bounds, strict=True)))
    rejects = " UNION ALL ".join(f"SELECT {i} AS piece, line, csv_line, error_type, error_message FROM {p.rejects}"
                                 for i, p in enumerate(ps.pieces))
    # good_before: good records of the piece before this one (its ordinal in the piece minus earlier rejects).
    rej = run.materialise(
        "SELECT piece, base, next_base, line, raw, reason, "
        f"line - base - 1 - (row_number() OVER (PARTITION BY piece ORDER BY line) - 1) AS good_before FROM ("
        f"SELECT r.piece, p.base, p.next_base, r.line + p.reject_offset AS line, min(r.csv_line) AS raw, "
        f"min(r.error_type || ': ' || r.error_message) AS reason FROM ({rejects}) r "
        f"JOIN (VALUES {pieces}) p(piece, base, reject_offset, next_base) ON p.piece = r.piece "
        f"GROUP BY r.piece, p.base, p.next_base, r.line + p.reject_offset) g", hint="rej").name
    drop_rejects(fi, ps)
    rejected = int(fi.case.engine.scalar(f"SELECT count(*) FROM {rej}"))
    if not rejected:
        return Rejects(0, rej, None)
    shifts = run.materialise(
        "SELECT base + good_before AS lo, "
        "coalesce(base + lead(good_before) OVER (PARTITION BY piece ORDER BY line), next_base) AS hi, "
        f"row_number() OVER (PARTITION BY piece ORDER BY line) AS shift FROM {rej}", hint="shifts").name
    return Rejects(rejected, rej, shifts)


def shift_lines(fi: FileIngest, shifts: str, *, txn_id_sql: Callable[[str], str] | None = None) -> None:
    """Move this ingest's stored and quarantined rows to their real lines; ``txn_id_sql`` (given the line
    expression) rebuilds ids that were made from the line."""
    rewrites.shift_lines(fi.case, shifts, fi.ingest_no, fi.ingest_id, txn_id_sql=txn_id_sql)


def quarantine_rejects(fi: FileIngest, rejects: Rejects) -> None:
    fi.case.engine.append("quarantine", f"SELECT CAST(? AS VARCHAR) AS ingest_id, CAST(? AS VARCHAR) AS file, line, "
                          f"raw, reason FROM {rejects.table}", [fi.ingest_id, fi.origin],
                          columns=["ingest_id", "file", "line", "raw", "reason"])


def stage_csv(fi: FileIngest, *, delimiter: str, required: list[str], build: Callable[[dict[str, str], str], str],
              table: str = "stage") -> Staged:
    """Scan the file into a scratch table of the ingest's run holding ``build(columns, raw)``: ``raw`` is a
    relation of the file's text columns plus ``_k`` (``_k + 1`` is the record's provisional line, see
    ``PieceScan.raw``), ``columns`` maps header names to its columns, and the query must keep ``_k``.
    ``table`` names what is staged (it goes into the scratch table's name). Rejected records are quarantined
    with their line."""
    engine = fi.case.engine
    ps = piece_scan(fi, delimiter=delimiter, required=required, tag="")
    with reading(fi):
        staged = fi.run.materialise(build(ps.columns, ps.raw), hint=_hint(table)).name
    rejects = collect_rejects(fi, ps)
    quarantine_rejects(fi, rejects)
    rows = int(engine.scalar(f"SELECT count(*) FROM {staged}"))
    check_records_read(fi, rows + rejects.count, ps.expected)
    return Staged(table=staged, columns=list(ps.columns), rows=rows, rejected=rejects.count, shifts=rejects.shifts,
                  dialect=engine.dialect)


def _hint(name: str) -> str:
    """A scratch-name hint from a table name (lower-case letters and _)."""
    return "".join(ch for ch in name.lower() if ch.isalpha() or ch == "_").strip("_") or "stage"


def settle_staged(fi: FileIngest, staged: Staged) -> None:
    """After the caller has stored the good staged rows: the bad ones go to quarantine with their line and
    reason, the file's counts are added up, and the staging tables are dropped."""
    engine = fi.case.engine
    bad = engine.append("quarantine", "SELECT CAST(? AS VARCHAR) AS ingest_id, CAST(? AS VARCHAR) AS file, "
                        f"_line AS line, _raw AS raw, _reason AS reason FROM {staged.from_sql()} s "
                        "WHERE _reason IS NOT NULL", [fi.ingest_id, fi.origin],
                        columns=["ingest_id", "file", "line", "raw", "reason"])
    fi.rows_read += staged.rows + staged.rejected
    fi.rows_stored += staged.rows - bad
    fi.rows_quarantined += bad + staged.rejected
    for t in (staged.table, staged.shifts):
        if t:
            engine.drop_scratch(t)
