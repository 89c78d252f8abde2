"""CSV transactions on an engine whose reader numbers a file's lines itself (Spark: ``engine/spark/csv.py``).

The DuckDB path (``ingest.csvfile``) numbers records by their ordinal in single-threaded piece scans and
moves the lines after a rejected record with an UPDATE. An engine that gives every record its physical
line (``csv_lines_scan_sql``) needs neither, and reads the file with all its cores in any order. The
promises and the plan are the same: ``ingest.layout`` finds the lines that are not plainly one record,
``ingest.records`` settles them (parsed apart, quarantined as an unbalanced quote within its bounded
look-ahead, or counted as blank and continuation lines), the runs of plain lines between are read as
line spans, and the records parsed apart join them. Rejects carry their line. The records read must add
up to the records the plan found (``check_records_read``), or the file is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyarrow as pa

from moneytrail.engine import Engine
from moneytrail.engine.scratch import Run
from moneytrail.ingest.csvfile import check_records_read, read_header, reading
from moneytrail.ingest.filelog import FileIngest
from moneytrail.ingest.mapping import Mapping
from moneytrail.ingest.records import plan_lines

_ALL_LINES = (1 << 62)


@runtime_checkable
class LineNumberingEngine(Protocol):
    def csv_lines_scan_sql(self, path: Path, *, delimiter: str, columns: Sequence[str], rejects_table: str,
                           quote: str = '"', lines: Sequence[tuple[int, int]] | None = None) -> str:
        """(``_k``, columns...) of the records on the inclusive line spans ``lines``, ``_k + 1`` their line;
        rejects as view ``rejects_table`` (line, csv_line, error_type, error_message), lines in the file."""


def numbers_lines(engine: Engine) -> bool:
    return isinstance(engine, LineNumberingEngine)


@dataclass(frozen=True)
class NumberedScan:
    columns: dict[str, str]  # header name -> raw column (c0..cN)
    raw: str                 # relation ``raw``: (_k, c0..cN), ``_k + 1`` the record's line
    scan: str                # the engine's view of the spans (part of ``raw``)
    rejects: str             # view of the reader's rejects, with their lines in the file
    expected: int | None     # records the spans and the records parsed apart hold, when known


def _spans(runs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Adjacent line spans joined (runs cut for byte-range pieces need no cut here)."""
    out: list[tuple[int, int]] = []
    for first, last in runs:
        if out and out[-1][1] + 1 == first:
            out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def numbered_scan(fi: FileIngest, run: Run, *, delimiter: str, required: list[str], quote: str = '"',
                  quarantine: bool = True) -> NumberedScan:
    """The file's records with their lines (see module doc); lines the plan quarantines are stored now
    (once: ``quarantine`` False for a second read)."""
    engine = fi.case.engine
    assert isinstance(engine, LineNumberingEngine)
    names = read_header(fi.data, delimiter, required, quote)
    positional = [f"c{i}" for i in range(len(names))]
    columns = dict(zip(names, positional, strict=True))
    lay = fi.layout if quote == '"' else None
    parsed: list[tuple[int, list[str]]] = []
    expected: int | None
    if lay is None:  # another quote character: the engine reads every line after the header
        spans, expected = [(2, _ALL_LINES)], None
    elif lay.header_end < 0:
        spans, expected = [], 0
    elif lay.line_per_record:
        fi.details["lines"] = {"physical": lay.lines, "header": 1, "blank": lay.lines - lay.last_record_line}
        spans = [(2, lay.last_record_line)] if lay.last_record_line >= 2 else []
        expected = max(lay.body_lines, 0)
    else:
        plan = plan_lines(fi.data, lay, delimiter=delimiter, n_fields=len(columns))
        fi.details["read_line_by_line"] = lay.why_not
        fi.details["lines"] = plan.details()
        spans = _spans([(first, last) for _, _, first, last in plan.runs])
        parsed, expected = plan.parsed, plan.run_records + len(plan.parsed)
        if quarantine and plan.quarantined:
            fi.quarantine_rows([(line, raw, reason) for line, raw, reason in plan.quarantined])
            fi.rows_read += len(plan.quarantined)
            fi.rows_quarantined += len(plan.quarantined)
    rejects = engine.scratch_name("csv_rejects")
    scan = engine.csv_lines_scan_sql(fi.data, delimiter=delimiter, columns=positional, rejects_table=rejects,
                                     quote=quote, lines=spans)
    apart = run.arrow(pa.table([pa.array([line - 1 for line, _ in parsed], pa.int64())]
                               + [pa.array([f[i] for _, f in parsed], pa.string()) for i in range(len(positional))],
                               names=["_k", *positional]), hint="csv_apart")
    cols = ", ".join(["_k", *positional])
    raw = f"(SELECT {cols} FROM {scan} UNION ALL SELECT {cols} FROM {apart.name}) raw"
    return NumberedScan(columns, raw, scan, rejects, expected)


def store_numbered_csv_transactions(fi: FileIngest, m: Mapping, build: Callable[..., str], *, rates: bool,
                                    good_rows_sql: Callable[[FileIngest, str, str], str],
                                    note_unconverted: Callable[[FileIngest, int], None]) -> None:
    """``ingest.transactions.store_csv_transactions`` for a line-numbering engine: good rows are stored with
    their line in one statement; the reader's rejects and the rows failing a check are quarantined with
    their line and reason; nothing is moved afterwards."""
    e = fi.case.engine
    with e.run() as run:
        ns = numbered_scan(fi, run, delimiter=m.delimiter, required=m.required_columns, quote=m.quote)
        with reading(fi):
            good = e.insert(good_rows_sql(fi, f"({build(ns.columns, ns.raw, join_rates=rates, with_raw=False)})",
                                          "_k + 1"))
            # Every line of the spans is one record or one reject: when the good rows alone account for the
            # records the plan found, there is no reject, and the file is not read a second time for them.
            rejected = 0 if good == ns.expected else e.insert(
                "INSERT INTO quarantine (ingest_id, file, line, raw, reason) SELECT ?, ?, line, "
                f"csv_line, error_type || ': ' || error_message FROM {ns.rejects}", [fi.ingest_id, fi.origin])
            bad = 0
            if ns.expected is None or good + rejected != ns.expected:
                bad = e.insert("INSERT INTO quarantine (ingest_id, file, line, raw, reason) SELECT ?, ?, _k + 1, "
                               f"_raw, _reason FROM ({build(ns.columns, ns.raw, join_rates=rates)}) s "
                               "WHERE _reason IS NOT NULL", [fi.ingest_id, fi.origin])
        e.unregister(ns.rejects)
        e.unregister(ns.scan)
    check_records_read(fi, good + bad + rejected, ns.expected)
    unconverted = 0 if rates else int(e.scalar(
        "SELECT count(*) FROM transactions WHERE ingest_no = ? AND amount_rc IS NULL", [fi.ingest_no]))
    fi.rows_read += good + bad + rejected
    fi.rows_stored += good
    fi.rows_quarantined += bad + rejected
    note_unconverted(fi, unconverted)
