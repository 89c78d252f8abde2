"""The raw text of quarantined rows, as it stands in the file.

Value checks (amount, date, number) run on parsed columns, so the text they could quarantine was the fields
joined again: quotes gone, the delimiter always a comma, ``"B,1"`` indistinguishable from two fields. After
an ingest's rows are settled, every quarantined row whose line is one whole record (its quotes balance)
gets that line's text from the file the reader read (the UTF-8 copy of a cp1252 file, the verified
decompressed copy of a gzip), without its line ending. Records spanning lines keep the text the line
planner (``ingest.records``) or the reader gave them.
"""

from __future__ import annotations

import pyarrow as pa

from moneytrail.ingest.filelog import FileIngest

# Longest line text kept in quarantine (a 1 MB line is quarantined, not copied whole).
MAX_RAW = 1 << 20


def restore_raw_text(fi: FileIngest) -> int:
    """Give this ingest's quarantined rows the text of their line; returns how many were given it."""
    if fi.path.suffix.lower() == ".parquet" or fi.layout is None or fi.layout.gzip or fi.layout.header_end < 0:
        return 0
    e = fi.case.engine
    wanted = {int(r[0]) for r in e.rows("SELECT DISTINCT line FROM quarantine WHERE ingest_id = ? AND line > 1",
                                        [fi.ingest_id])}
    if not wanted:
        return 0
    last = max(wanted)
    found: dict[int, str] = {}
    with fi.data.open("rb") as fh:
        for number, line in enumerate(fh, start=1):  # binary lines end at LF only, as the layout counts them
            if number in wanted:
                text = line[:-1] if line.endswith(b"\n") else line
                text = text[:-1] if text.endswith(b"\r") else text
                if text.count(b'"') % 2 == 0:
                    found[number] = text[:MAX_RAW].decode("utf-8", "backslashreplace")
            if number >= last:
                break
    if not found:
        return 0
    with e.run() as run:
        lines = run.arrow(pa.table({"ingest_id": pa.array([fi.ingest_id] * len(found), pa.string()),
                                    "line": pa.array(list(found), pa.int64()),
                                    "raw": pa.array(list(found.values()), pa.string())}), hint="raw_lines")
        e.upsert("quarantine", ["ingest_id", "line"], f"SELECT ingest_id, line, raw FROM {lines}",
                 insert_missing=False)
    return len(found)
