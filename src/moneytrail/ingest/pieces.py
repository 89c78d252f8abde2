"""A CSV file read as numbered pieces, side by side, with the line of every record.

An engine numbers records in file order only in a single-threaded scan. When every line after the header
is exactly one record (``ingest.layout``), the file is cut at line starts into pieces; each piece is its
own single-threaded numbered scan, and all run at once, so a big file is still read on every core. A
record's provisional line is its ordinal in its piece plus the piece's base (the line before its first).
Otherwise (gzip, a quoted field spanning lines, a blank line between records) the file is one piece and
lines count records, as the engine's rejects do.

Records the reader cannot split are rejected with their line; every good record after one in the same
piece sits one line further down than its ordinal says. ``collect_piece_rejects`` turns them into
(lo, hi, shift) intervals of provisional lines, and ``shift_lines`` moves stored rows by them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from moneytrail.engine import EngineError
from moneytrail.ingest.csvfile import gzip_truncation_line, read_header
from moneytrail.ingest.filelog import FileIngest
from moneytrail.ingest.result import IngestError

_NO_END = 9223372036854775806


@dataclass(frozen=True)
class Piece:
    scan: str           # FROM-clause read of the piece (all-text columns c0..cN)
    rejects: str        # the engine's rejects table for it, filled once the scan has run
    base: int           # provisional line of a record = its ordinal in the piece + base
    reject_offset: int  # the engine's reject line + reject_offset = the line in the file


@dataclass(frozen=True)
class PieceScan:
    columns: dict[str, str]  # header name -> raw column
    pieces: list[Piece]

    @property
    def raw(self) -> str:
        """The records as relation ``raw``: text columns plus ``_k``, where ``_k + 1`` is the line."""
        parts = [f"SELECT row_number() OVER () + {p.base - 1} AS _k, * FROM {p.scan}" for p in self.pieces]
        return f"({' UNION ALL '.join(parts)}) raw"


def piece_scan(fi: FileIngest, *, delimiter: str, required: list[str], tag: str) -> PieceScan:
    engine = fi.case.engine
    names = read_header(fi.path, delimiter, required)
    positional = [f"c{i}" for i in range(len(names))]
    ranges = fi.layout.pieces() if fi.layout is not None else []
    prefix = f"_rej{tag}_{fi.ingest_id[:12]}"
    if len(ranges) <= 1:
        if fi.layout is not None and fi.layout.why_not:
            fi.details["read_as_one_piece"] = fi.layout.why_not
        engine.execute(f"DROP TABLE IF EXISTS {prefix}_0")
        scan = engine.csv_scan_sql(fi.path, delimiter=delimiter, header=True, columns=positional,
                                   rejects_table=f"{prefix}_0")
        pieces = [Piece(scan, f"{prefix}_0", base=1, reject_offset=0)]
    else:
        pieces = []
        for i, (start, end, first_line) in enumerate(ranges):
            engine.execute(f"DROP TABLE IF EXISTS {prefix}_{i}")
            scan = engine.csv_range_scan_sql(fi.path, start, end, delimiter=delimiter, columns=positional,
                                             rejects_table=f"{prefix}_{i}")
            pieces.append(Piece(scan, f"{prefix}_{i}", base=first_line - 1, reject_offset=first_line - 1))
        fi.details["pieces"] = len(pieces)
    return PieceScan(dict(zip(names, positional, strict=True)), pieces)


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


def drop_rejects(fi: FileIngest, ps: PieceScan) -> None:
    for p in ps.pieces:
        for t in (p.rejects, p.rejects + "_scan"):
            fi.case.engine.execute(f"DROP TABLE IF EXISTS {t}")


def collect_piece_rejects(fi: FileIngest, ps: PieceScan, table: str) -> tuple[int, str | None]:
    """The scans' rejects as ``{table}_rej`` (line, raw, reason), one row per rejected record, and, when
    there are any, a ``{table}_shifts`` table (lo, hi, shift): stored rows whose provisional line is in
    (lo, hi] belong ``shift`` lines further down. Returns (rejected records, shifts table or None)."""
    engine = fi.case.engine
    bounds = [p.base for p in ps.pieces[1:]] + [_NO_END]
    pieces = ", ".join(f"({i}, {p.base}, {p.reject_offset}, {nxt})"
                       for i, (p, nxt) in enumerate(zip(ps.pieces, bounds, strict=True)))
    rejects = " UNION ALL ".join(f"SELECT {i} AS piece, line, csv_line, error_type, error_message FROM {p.rejects}"
                                 for i, p in enumerate(ps.pieces))
    rej = f"{table}_rej"
    # good_before: good records of the piece before this one (its ordinal in the piece minus earlier rejects).
    engine.execute(
        f"CREATE OR REPLACE TEMP TABLE {rej} AS SELECT piece, base, next_base, line, raw, reason, "
        f"line - base - 1 - (row_number() OVER (PARTITION BY piece ORDER BY line) - 1) AS good_before FROM ("
        f"SELECT r.piece, p.base, p.next_base, r.line + p.reject_offset AS line, min(r.csv_line) AS raw, "
        f"min(r.error_type || ': ' || r.error_message) AS reason FROM ({rejects}) r "
        f"JOIN (VALUES {pieces}) p(piece, base, reject_offset, next_base) ON p.piece = r.piece "
        f"GROUP BY r.piece, p.base, p.next_base, r.line + p.reject_offset) g")
    drop_rejects(fi, ps)
    rejected = int(engine.scalar(f"SELECT count(*) FROM {rej}"))
    if not rejected:
        return 0, None
    shifts = f"{table}_shifts"
    engine.execute(
        f"CREATE OR REPLACE TEMP TABLE {shifts} AS SELECT base + good_before AS lo, "
        f"coalesce(base + lead(good_before) OVER (PARTITION BY piece ORDER BY line), next_base) AS hi, "
        f"row_number() OVER (PARTITION BY piece ORDER BY line) AS shift FROM {rej}")
    return rejected, shifts


def shift_lines(fi: FileIngest, shifts: str, *, txn_id_sql: Callable[[str], str] | None = None) -> None:
    """Move this ingest's stored and quarantined rows to their real lines; ``txn_id_sql`` (given the line
    expression) rebuilds ids that were made from the line."""
    engine = fi.case.engine
    for tbl, col, key, value in (("transactions", "origin_line", "ingest_no", fi.ingest_no),
                                 ("quarantine", "line", "ingest_id", fi.ingest_id)):
        new_id = (f", txn_id = {txn_id_sql(f'{tbl}.{col} + i.shift')}"
                  if txn_id_sql is not None and tbl == "transactions" else "")
        engine.execute(f"UPDATE {tbl} SET {col} = {tbl}.{col} + i.shift{new_id} FROM {shifts} i "
                       f"WHERE {tbl}.{key} = ? AND {tbl}.{col} > i.lo AND {tbl}.{col} <= i.hi", [value])
    engine.execute(f"DROP TABLE {shifts}")


def quarantine_piece_rejects(fi: FileIngest, table: str) -> None:
    fi.case.engine.execute(f"INSERT INTO quarantine (ingest_id, file, line, raw, reason) SELECT ?, ?, line, raw, "
                           f"reason FROM {table}_rej", [fi.ingest_id, fi.origin])
    fi.case.engine.execute(f"DROP TABLE IF EXISTS {table}_rej")
