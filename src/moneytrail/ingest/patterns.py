"""AMLworld ``*_Patterns.txt``: laundering attempts with their transactions -> transactions + ground truth.

Blocks ``BEGIN LAUNDERING ATTEMPT - TYPE[: detail]`` ... ``END LAUNDERING ATTEMPT - TYPE`` hold rows in the
``*_Trans.csv`` format. Counting: every transaction row read is either quarantined (unparseable, or
outside any attempt) or stored as one ``truth_transactions`` row linking it to its attempt. The
``transactions`` table gets each distinct transaction once (ids are content digests, the same as an
AMLworld ``*_Trans.csv`` ingest gives), so a row repeated within or across attempts, or already ingested
from a transactions file, adds a truth link but not a second transaction.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa

from moneytrail.ingest.filelog import FileIngest, file_ingest
from moneytrail.ingest.mapping import AMLWORLD
from moneytrail.ingest.result import IngestError, IngestResult, Progress
from moneytrail.ingest.transactions import has_rates, transactions_stage_sql
from moneytrail.store.case import Case
from moneytrail.store.sources import SourceRecord

_HEADER = ["Timestamp", "From Bank", "Account", "To Bank", "Account.1", "Amount Received", "Receiving Currency",
           "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering"]
_BEGIN = "BEGIN LAUNDERING ATTEMPT"
_END = "END LAUNDERING ATTEMPT"


def read_lines(path: Path) -> pa.Table:
    """(line, text) for every line of the file; undecodable text is an error naming its line."""
    try:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise IngestError(f"{path}: cannot read: {exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise IngestError(f"{path}: line {line}: not UTF-8 text ({exc.reason}); re-encode the file") from exc
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return pa.table({"line": pa.array(np.arange(1, len(lines) + 1, dtype=np.int64)), "text": pa.array(lines)})


def pattern_lines_sql() -> str:
    """Classify lines and number attempts: a row belongs to attempt n (the n-th BEGIN) when the last marker
    line before it is that BEGIN rather than an END."""
    return (
        "SELECT line, text, kind, "
        "sum(CASE WHEN kind = 'begin' THEN 1 ELSE 0 END) OVER (ORDER BY line ROWS UNBOUNDED PRECEDING) AS n_begin, "
        "coalesce(max(CASE WHEN kind = 'begin' THEN line END) OVER (ORDER BY line ROWS UNBOUNDED PRECEDING), 0) "
        "> coalesce(max(CASE WHEN kind = 'end' THEN line END) OVER (ORDER BY line ROWS UNBOUNDED PRECEDING), 0) "
        "AS inside "
        "FROM (SELECT line, trim(rtrim(text, chr(13))) AS text, CASE "
        f"WHEN starts_with(trim(text), '{_BEGIN}') THEN 'begin' WHEN starts_with(trim(text), '{_END}') THEN 'end' "
        "WHEN trim(rtrim(text, chr(13))) = '' THEN 'blank' ELSE 'row' END AS kind FROM _pattern_text) t")


def _store(fi: FileIngest, *, reporting_currency: str, rates: bool) -> None:
    e = fi.case.engine
    prefix = f"aml-{fi.file_hash[:10]}-"
    e.execute(f"CREATE OR REPLACE TEMP TABLE _pat_lines AS {pattern_lines_sql()}")
    e.execute(
        "INSERT INTO truth_attempts (attempt_id, typology, detail, source_id, origin_file, origin_line) "
        f"SELECT ? || lpad(CAST(n_begin AS VARCHAR), 6, '0'), trim(split_part(rest, ':', 1)), "
        "nullif(trim(substr(rest, length(split_part(rest, ':', 1)) + 2)), ''), ?, ?, line "
        f"FROM (SELECT *, trim(substr(text, {len(_BEGIN) + 1})) AS rest FROM _pat_lines WHERE kind = 'begin') b",
        [prefix, fi.source.source_id, fi.origin])
    e.execute("UPDATE truth_attempts SET typology = trim(ltrim(typology, '-')) WHERE attempt_id LIKE ?", [prefix + "%"])
    fields = ", ".join(f"split_part(text, ',', {i + 1}) AS c{i}" for i in range(len(_HEADER)))
    raw = (f"(SELECT line AS _k, {fields} FROM _pat_lines WHERE kind = 'row' "
           "AND length(text) - length(replace(text, ',', '')) = 10) raw")
    cols = {name: f"c{i}" for i, name in enumerate(_HEADER)}
    e.execute("CREATE OR REPLACE TEMP TABLE _pat_rows AS SELECT s.*, l.n_begin, l.inside, l.text FROM ("
              + transactions_stage_sql(AMLWORLD, cols, raw, reporting_currency=reporting_currency, has_rates=rates,
                                       delimiter=",")
              + ") s JOIN _pat_lines l ON l.line = s._k")
    e.execute("INSERT INTO _pat_rows (_k, _reason, _raw, n_begin, inside, text) SELECT line, "
              "'expected 11 comma-separated fields, found ' || "
              "CAST(length(text) - length(replace(text, ',', '')) + 1 AS VARCHAR), text, n_begin, inside, text "
              "FROM _pat_lines WHERE kind = 'row' AND length(text) - length(replace(text, ',', '')) <> 10")
    e.execute("UPDATE _pat_rows SET _reason = 'transaction outside a laundering attempt', _raw = text "
              "WHERE _reason IS NULL AND NOT inside")
    e.execute("UPDATE _pat_rows SET label_typology = a.typology FROM truth_attempts a "
              "WHERE a.attempt_id = ? || lpad(CAST(_pat_rows.n_begin AS VARCHAR), 6, '0')", [prefix])
    # Each distinct transaction once, from its first line, unless the case already has it.
    e.execute(
        "INSERT INTO transactions (txn_id, ts, from_account, to_account, amount, currency, amount_paid, "
        "currency_paid, amount_rc, channel, source_id, origin_file, origin_line, label, label_typology, ingest_id) "
        "SELECT txn_id, ts, from_account, to_account, amount, currency, amount_paid, currency_paid, amount_rc, "
        "channel, ?, ?, _k, label, label_typology, ? FROM (SELECT *, row_number() OVER (PARTITION BY txn_id "
        "ORDER BY _k) AS occurrence FROM _pat_rows WHERE _reason IS NULL) r WHERE occurrence = 1 "
        "AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.txn_id = r.txn_id)",
        [fi.source.source_id, fi.origin, fi.ingest_id])
    new_txns = int(e.scalar("SELECT count(*) FROM transactions WHERE ingest_id = ?", [fi.ingest_id]))
    e.execute("INSERT INTO truth_transactions (attempt_id, txn_id) SELECT ? || lpad(CAST(n_begin AS VARCHAR), 6, '0'), "
              "txn_id FROM _pat_rows WHERE _reason IS NULL ORDER BY _k", [prefix])
    e.execute("INSERT INTO quarantine (ingest_id, file, line, raw, reason) SELECT ?, ?, _k, _raw, _reason "
              "FROM _pat_rows WHERE _reason IS NOT NULL", [fi.ingest_id, fi.origin])
    counts = e.rows("SELECT count(*), count(*) FILTER (WHERE _reason IS NULL), count(DISTINCT txn_id) FILTER "
                    "(WHERE _reason IS NULL) FROM _pat_rows")[0]
    fi.rows_read, fi.rows_stored = int(counts[0]), int(counts[1])
    fi.rows_quarantined = fi.rows_read - fi.rows_stored
    typologies = dict(e.rows("SELECT typology, count(*) FROM truth_attempts WHERE attempt_id LIKE ? "
                             "GROUP BY 1 ORDER BY 1", [prefix + "%"]))
    unclosed = int(e.scalar("SELECT count(*) FILTER (WHERE kind = 'begin') - count(*) FILTER (WHERE kind = 'end') "
                            "FROM _pat_lines"))
    fi.details.update({"attempts": sum(typologies.values()), "typologies": typologies,
                       "distinct_transactions": int(counts[2]), "new_transactions": new_txns,
                       "repeated_rows": fi.rows_stored - int(counts[2]), "begins_minus_ends": unclosed})
    e.execute("DROP TABLE _pat_rows")
    e.execute("DROP TABLE _pat_lines")


def ingest_patterns(case: Case, path: Path | str, *, source: SourceRecord | None = None,
                    progress: Progress | None = None) -> IngestResult:
    results: list[IngestResult] = []
    p = Path(path)
    rates = has_rates(case)
    with file_ingest(case, p, "patterns", preset="amlworld", source=source, result=results) as fi:
        if fi is not None:
            if progress:
                progress("reading", 0, 2)
            case.engine.register_arrow("_pattern_text", read_lines(p))
            try:
                _store(fi, reporting_currency=case.reporting_currency, rates=rates)
            finally:
                case.engine.unregister("_pattern_text")
            if progress:
                progress("storing", 1, 2)
    return results[0]
