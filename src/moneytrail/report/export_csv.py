"""CSV export for spreadsheets: one file per table in a folder.

Text cells that a spreadsheet would read as a formula (starting with = + - @ or a tab) get a
leading apostrophe: data from leaks can carry formulas as well as scripts.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from moneytrail.report.probe import has_table
from moneytrail.store import Case

TABLES = {
    # Rows name their file through the ingest log (migration 6); the export names it on every row again.
    "transactions": "SELECT t.txn_id, t.ts, t.from_account, t.to_account, t.amount, t.currency, t.amount_paid, "
                    "t.currency_paid, t.amount_rc, t.channel, t.source_id, l.file AS origin_file, t.origin_line, "
                    "t.label, t.label_typology, t.reliability, t.credibility, l.ingest_id FROM transactions t "
                    "LEFT JOIN ingest_log l ON l.ingest_no = t.ingest_no ORDER BY t.ts, t.txn_id",
    "accounts": "SELECT * FROM accounts ORDER BY account_key",
    "statements": "SELECT * FROM statements ORDER BY entity_id, prop, value",
    "events": "SELECT * FROM events ORDER BY event_date, event_id",
    "sources": "SELECT * FROM sources ORDER BY source_id",
    "source_citations": "SELECT * FROM source_citations ORDER BY source_id, cited_source_id",
    "findings": "SELECT finding_id, kind, typology, title, explanation, score, start_ts, end_ts, amount, currency, "
                "reliability, credibility, wording, params, details FROM findings ORDER BY kind, score DESC",
    "finding_refs": "SELECT * FROM finding_refs ORDER BY finding_id, ref_kind, ref_id",
    "claims": "SELECT * FROM claims",
    "documents": "SELECT * FROM documents",
}
_FORMULA_START = r"^[=+\-@\t\r]"  # model.safe_text.FORMULA_START, as a regex for Arrow


def defuse_formulas(col: pa.Array) -> pa.Array:
    """Prefix an apostrophe to text that a spreadsheet would evaluate."""
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        return col
    risky = pc.fill_null(pc.match_substring_regex(col, _FORMULA_START), False)
    return pc.if_else(risky, pc.binary_join_element_wise("'", col, ""), col)


def export_csv(case: Case, out_dir: Path) -> dict[str, int]:
    """Write one CSV per table the case holds; returns rows written per file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for table, sql in TABLES.items():
        if not has_table(case, table):
            continue
        rows = 0
        writer: pacsv.CSVWriter | None = None
        try:
            for batch in case.engine.batches(sql):
                safe = pa.RecordBatch.from_arrays([defuse_formulas(c) for c in batch.columns], schema=batch.schema)
                if writer is None:
                    writer = pacsv.CSVWriter(out_dir / f"{table}.csv", safe.schema)
                writer.write_batch(safe)
                rows += safe.num_rows
        finally:
            if writer is not None:
                writer.close()
        if writer is None:  # empty table: still write the header so the file set is predictable
            empty = case.engine.query(f"SELECT * FROM ({sql}) x LIMIT 0")
            pacsv.write_csv(empty, out_dir / f"{table}.csv")
        written[table] = rows
    return written
