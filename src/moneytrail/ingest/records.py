"""Where the records of a CSV file lie, line by line, when its lines are not plainly one record each.

The layout scan (``ingest.layout``) lists the lines that are not plainly one record: an odd number of
quotes (a quoted field opens or closes there), blank, or holding a carriage return without a line feed.
Everything else is a run of lines that are one record each, read by the engine as byte-range pieces whose
record numbers plus the piece's first line are file lines. The special lines are settled here, in file order:

* a line with an odd number of quotes opens a record that ends on the next such line, if that comes within
  ``LOOKAHEAD_LINES`` lines and the text between parses as one record with the header's number of fields;
  the lines after the first are continuation lines of that record. Otherwise the line alone is
  quarantined ("unbalanced quote") and reading resumes on the next line. So a stray quote costs its own
  record and never swallows the lines after it;
* a blank line is no record (counted as explained);
* a line with a bare CR is parsed here (a CR inside quotes is data; outside, the line is quarantined); so
  are lines with a NUL byte (quarantined) and, in a file mixing CRLF and LF endings, the lines ending the
  rarer way.

Records settled here are parsed with Python's ``csv`` (same dialect as the engine's: ``"`` quotes, doubled
to escape) and joined to the engine's rows as a small table. Every physical line is then a record (stored
or quarantined), a continuation line, or blank, and ``LinePlan`` adds them up.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from moneytrail.ingest.layout import BLANK, LONE_CR, ODD_QUOTES, FileLayout
from moneytrail.ingest.result import IngestError

# How far a quoted field may run on past its first line before the record is called broken.
LOOKAHEAD_LINES = 100
# Runs of plain lines are engine pieces; past this many, the shortest are parsed here instead (a file
# with a special line every few lines would otherwise become thousands of scans).
MAX_RUNS = 128
_RAW_LIMIT = 4000  # characters of a quarantined record's text kept as ``raw``


@dataclass
class LinePlan:
    runs: list[tuple[int, int, int, int]] = field(default_factory=list)  # (start, end, first line, last line)
    parsed: list[tuple[int, list[str]]] = field(default_factory=list)   # (line, fields) settled here
    quarantined: list[tuple[int, str, str]] = field(default_factory=list)  # (line, raw, reason)
    blank: int = 0
    continuation: int = 0  # lines inside multi-line records after their first
    lines: int = 0         # physical lines of the file

    @property
    def run_records(self) -> int:
        return sum(last - first + 1 for _, _, first, last in self.runs)

    def details(self) -> dict[str, int]:
        return {"physical": self.lines, "header": 1, "blank": self.blank, "continuation": self.continuation,
                "records_in_pieces": self.run_records, "records_parsed_apart": len(self.parsed),
                "lines_quarantined_apart": len(self.quarantined)}


def _parse(text: bytes, delimiter: str, n_fields: int) -> tuple[list[str] | None, str]:
    """The fields of ``text`` if it is exactly one record of ``n_fields`` fields, else (None, reason)."""
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text ({exc.reason} at byte {exc.start} of the record)"
    if decoded.endswith("\n"):
        decoded = decoded[:-1]
    if decoded.endswith("\r"):
        decoded = decoded[:-1]
    if "\x00" in decoded:
        return None, "NUL byte in the record"
    try:
        records = list(csv.reader([decoded], delimiter=delimiter, quotechar='"', doublequote=True, strict=True))
    except csv.Error as exc:
        return None, f"malformed CSV: {exc}"
    if len(records) != 1:
        return None, f"not one record ({len(records)})"
    if len(records[0]) != n_fields:
        return None, f"expected {n_fields} fields, found {len(records[0])}"
    return records[0], ""


def _raw(text: bytes) -> str:
    return text.decode("utf-8", "backslashreplace").rstrip("\r\n")[:_RAW_LIMIT]


def plan_lines(path: Path, layout: FileLayout, *, delimiter: str, n_fields: int,
               lookahead: int = LOOKAHEAD_LINES) -> LinePlan:
    """Settle the special lines of ``layout`` (see module doc) and list the runs of plain lines between."""
    plan = LinePlan(lines=layout.lines)
    if layout.mixed_endings:
        raise IngestError(f"{path}: {layout.mixed_endings}")
    if layout.header_end < 0:
        return plan
    special = layout.special[layout.special[:, 0] > 1] if layout.special.size else layout.special
    odd_rows = np.flatnonzero(special[:, 3] & ODD_QUOTES) if special.size else np.zeros(0, dtype=np.int64)
    next_line, run_start = 2, layout.header_end
    with path.open("rb") as fh:
        def read(start: int, end: int) -> bytes:
            fh.seek(start)
            return fh.read(end - start)

        for i in range(len(special)):
            line, start, end, kind = (int(v) for v in special[i])
            if line < next_line:
                continue  # inside a multi-line record settled before
            if line > next_line:
                plan.runs.append((run_start, start, next_line, line - 1))
            next_line, run_start = line + 1, end
            if kind & ODD_QUOTES:
                k = int(np.searchsorted(odd_rows, i, side="right"))
                closer = int(odd_rows[k]) if k < odd_rows.size else -1
                if closer >= 0 and int(special[closer, 0]) - line <= lookahead:
                    close_line, close_end = int(special[closer, 0]), int(special[closer, 2])
                    text = read(start, close_end)
                    fields, why = _parse(text, delimiter, n_fields)
                    if fields is not None:
                        plan.parsed.append((line, fields))
                        plan.continuation += close_line - line
                        next_line, run_start = close_line + 1, close_end
                        continue
                    reason = (f"unbalanced quote: lines {line}-{close_line} do not form one record ({why}); "
                              "the line is set aside and reading resumes on the next line")
                else:
                    reason = (f"unbalanced quote: no closing quote within {lookahead} lines; the line is set "
                              "aside and reading resumes on the next line")
                plan.quarantined.append((line, _raw(read(start, end)), reason))
            elif kind & BLANK:
                plan.blank += 1
            else:  # a bare CR (data inside quotes, else a broken record), a NUL byte, or the rarer line ending
                text = read(start, end)
                fields, why = _parse(text, delimiter, n_fields)
                if fields is not None:
                    plan.parsed.append((line, fields))
                else:
                    prefix = "carriage return without line feed: " if kind & LONE_CR else ""
                    plan.quarantined.append((line, _raw(text), prefix + why))
        if next_line <= layout.lines:
            plan.runs.append((run_start, layout.size, next_line, layout.lines))
        _limit_runs(plan, fh, delimiter, n_fields)
    plan.runs = _split_long(plan.runs, layout)
    return plan


def _limit_runs(plan: LinePlan, fh: BinaryIO, delimiter: str, n_fields: int) -> None:
    """Parse the shortest runs here when there are more than MAX_RUNS (their lines are one record each)."""
    if len(plan.runs) <= MAX_RUNS:
        return
    by_length = sorted(range(len(plan.runs)), key=lambda r: plan.runs[r][3] - plan.runs[r][2])
    apart = set(by_length[:len(plan.runs) - MAX_RUNS])
    for r in sorted(apart):
        start, end, first, _ = plan.runs[r]
        fh.seek(start)
        for n, text in enumerate(fh.read(end - start).split(b"\n")[:plan.runs[r][3] - first + 1]):
            fields, why = _parse(text, delimiter, n_fields)
            if fields is not None:
                plan.parsed.append((first + n, fields))
            else:
                plan.quarantined.append((first + n, _raw(text), why))
    plan.runs = [run for r, run in enumerate(plan.runs) if r not in apart]


def _split_long(runs: list[tuple[int, int, int, int]], layout: FileLayout) -> list[tuple[int, int, int, int]]:
    """Cut long runs at the layout's line starts (about every ``piece_bytes``) so pieces read side by side."""
    starts = layout.coarse_starts()
    if not starts or all(end - start <= layout.piece_bytes for start, end, _, _ in runs):
        return runs
    out = []
    for start, end, first, last in runs:
        cuts = [s for s in starts if start < s.offset < end and first < s.line <= last]
        for s in cuts:
            out.append((start, s.offset, first, s.line - 1))
            start, first = s.offset, s.line
        out.append((start, end, first, last))
    return out
